// Add Existing Contact's lookup dialog (templates/accounts/includes/contact_lookup.html in a Bootstrap modal):
// opening it puts the focus in its search box; closing it gives the focus back to the More commands button
// whose menu opened it (the menu item itself is hidden by then).
(function () {
  "use strict";
  var opener = null;
  document.addEventListener("show.bs.modal", function (event) {
    if (event.target.id !== "add-existing-contact") return;
    var trigger = event.relatedTarget;
    var menu = trigger && trigger.closest(".dropdown");
    opener = menu ? menu.querySelector(".dropdown-toggle") : trigger;
  });
  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target.id !== "add-existing-contact") return;
    var box = event.target.querySelector("input[name=q]");
    if (box) box.focus();
  });
  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target.id !== "add-existing-contact") return;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
})();
