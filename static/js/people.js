// An email's or an appointment's form: the record's people, each a button that adds its address to the To
// (or Attendees) box. Without JavaScript the addresses are listed as text, to copy.
document.querySelectorAll("[data-people-for]").forEach((offer) => {
  const box = document.getElementById(offer.dataset.peopleFor);
  if (!box) return;
  offer.querySelectorAll("[data-add-address]").forEach((button) => {
    button.hidden = false;
    const text = button.nextElementSibling;
    if (text) text.hidden = true;
    button.addEventListener("click", () => {
      const address = button.dataset.addAddress;
      const email = address.slice(address.lastIndexOf("<") + 1, -1).toLowerCase();
      if (box.value.toLowerCase().includes(email)) return;
      box.value = box.value.trim() ? `${box.value.trim().replace(/,$/, "")}, ${address}` : address;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      button.setAttribute("aria-pressed", "true");
    });
  });
});
