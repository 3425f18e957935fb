// Destructive commands ask first (templates/includes/confirm_dialog.html). A link or form marked
// data-confirm="<dialog id>" opens that <dialog> as a modal instead of leaving the page or posting;
// without JavaScript the link leads to the command's confirmation page. The modal takes the focus (its
// Back button); Back and Escape close it and give the focus back to the command. Confirm posts the
// dialog's own form, or, for a form with fields (data-confirm on the <form>), submits that form.
(function () {
  "use strict";
  var opener = null;

  function dialogFor(element) {
    var dialog = document.getElementById(element.getAttribute("data-confirm"));
    return dialog && typeof dialog.showModal === "function" ? dialog : null;
  }

  function open(dialog, from) {
    opener = from;
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-confirm]");
    if (link) {
      var dialog = dialogFor(link);
      if (dialog) {
        event.preventDefault();
        open(dialog, link);
      }
      return;
    }
    var back = event.target.closest("dialog [data-dialog-close]");
    if (back) back.closest("dialog").close();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-confirm")) return;
    if (event.submitter && event.submitter.hasAttribute("data-confirmed")) return;
    var dialog = dialogFor(form);
    if (!dialog) return;
    event.preventDefault();
    open(dialog, event.submitter || form);
  });

  // "close" does not bubble: listen while it goes down to the dialog.
  document.addEventListener("close", function (event) {
    if (!event.target.matches || !event.target.matches("dialog.confirm-dialog")) return;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }, true);

  // An htmx answer replaces the panel the dialog was in, command and all: the focus goes to the new
  // panel's heading, where its message is.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!opener || opener.isConnected) return;
    opener = null;
    var target = event.detail && event.detail.target;
    var panel = target && target.isConnected ? target : document.getElementById(target && target.id);
    var heading = panel && panel.querySelector("h2, h3");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  });
})();
