// Record pickers (crm/pickers.py): with JavaScript, the record number box becomes hidden and the search
// box lists matches through htmx; clicking a match, or Enter on it, chooses it. Arrow keys move between
// the search box and the matches, Escape closes the list.
(function () {
  "use strict";

  function parts(picker) {
    return {
      search: picker.querySelector(".picker-search"),
      value: picker.querySelector("[data-picker-value]"),
      label: picker.querySelector(".picker-label"),
      results: picker.querySelector(".picker-results"),
      clear: picker.querySelector("[data-picker-clear]"),
    };
  }

  function closeResults(picker) {
    var p = parts(picker);
    p.results.innerHTML = "";
    p.search.setAttribute("aria-expanded", "false");
  }

  function setUp(picker) {
    if (picker.dataset.pickerReady) return;
    picker.dataset.pickerReady = "1";
    var p = parts(picker);
    p.value.type = "hidden";
    picker.querySelectorAll("[data-picker-fallback]").forEach(function (el) { el.hidden = true; });
    p.search.hidden = false;
    if (p.clear) p.clear.hidden = !p.value.value;
  }

  function choose(picker, value, label) {
    var p = parts(picker);
    p.value.value = value;
    p.label.textContent = label || p.label.dataset.empty;
    p.search.value = "";
    if (p.clear) p.clear.hidden = !value;
    closeResults(picker);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
    p.search.focus();
  }

  function options(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-picker]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.target.closest && event.target.closest("[data-picker]");
    if (picker) parts(picker).search.setAttribute("aria-expanded", options(picker).length ? "true" : "false");
  });

  document.addEventListener("click", function (event) {
    var picker = event.target.closest("[data-picker]");
    if (!picker) return;
    var option = event.target.closest(".picker-option");
    if (option) {
      choose(picker, option.dataset.value, option.dataset.label);
    } else if (event.target.closest("[data-picker-clear]")) {
      choose(picker, "", "");
    }
  });

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest("[data-picker]");
    if (!picker) return;
    var p = parts(picker);
    var list = options(picker);
    var index = list.indexOf(event.target);
    if (event.key === "Enter" && event.target === p.search) {
      // Enter in the search box searches, or chooses the only match; it never submits the form.
      event.preventDefault();
      if (list.length === 1) list[0].click();
      else if (list.length) list[0].focus();
    } else if (event.key === "ArrowDown") {
      if (event.target === p.search && list.length) { event.preventDefault(); list[0].focus(); }
      else if (index >= 0 && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index === 0 ? p.search : list[index - 1]).focus();
    } else if (event.key === "Escape" && (index >= 0 || event.target === p.search)) {
      event.preventDefault();
      closeResults(picker);
      p.search.focus();
    }
  });
})();
