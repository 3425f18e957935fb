// The phone's site-map button says whether the site map is open: Bootstrap's offcanvas (which opens it,
// closes it on Escape and gives the focus back to the button) leaves aria-expanded as it was.
(function () {
  "use strict";
  function sync(event, open) {
    if (!event.target.id) return;
    document.querySelectorAll('[data-bs-toggle="offcanvas"][aria-controls="' + event.target.id + '"]').forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.addEventListener("show.bs.offcanvas", function (event) { sync(event, true); });
  document.addEventListener("hidden.bs.offcanvas", function (event) { sync(event, false); });
})();
