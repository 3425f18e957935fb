// The Timeline's note box: Ctrl+Enter (Cmd+Enter on a Mac) saves the note, as the Save button does.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = event.target.closest && event.target.closest("form[data-submit-on-ctrl-enter]");
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
});
