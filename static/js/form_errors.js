// A form's error summary (templates/includes/form_error_summary.html): focused when the page loads, so that
// a screen reader reads it and the keyboard starts there; each link moves the focus to its field. The pickers'
// search box is hidden until pickers.js runs: a link to it focuses the first visible input of its field instead.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    if (target.hidden || target.offsetParent === null) {
      var field = target.closest(".field") || target.parentElement;
      target = field && field.querySelector("input:not([type=hidden]):not([hidden]), select, textarea");
      if (!target) return;
    }
    event.preventDefault();
    target.focus();
    target.scrollIntoView({block: "center"});
  });
})();
