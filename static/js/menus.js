// The phone's site-map toggle (a button that shows and hides the site map) and Escape for open menus: the
// site map and a <details> menu such as the Contacts panel's "More commands" close, and focus goes back to
// the control that opened them. Without JavaScript the toggle stays hidden and the site map stays in the page.
(function () {
  "use strict";

  function siteMapToggle() {
    return document.querySelector(".site-map-toggle");
  }

  function setSiteMapOpen(toggle, open) {
    var siteMap = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    siteMap.classList.toggle("open", open);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = siteMapToggle();
    if (!toggle || !document.getElementById(toggle.getAttribute("aria-controls"))) return;
    document.getElementById(toggle.getAttribute("aria-controls")).classList.add("collapsible");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      setSiteMapOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
    });
  });

  document.addEventListener("keydown", function (event) {
    // An open <dialog> closes itself on Escape; the menu under it stays as it is.
    if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
    var menu = document.querySelector("details.more-commands[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
      event.preventDefault();
      return;
    }
    var toggle = siteMapToggle();
    if (toggle && toggle.getAttribute("aria-expanded") === "true") {
      setSiteMapOpen(toggle, false);
      toggle.focus();
      event.preventDefault();
    }
  });
})();
