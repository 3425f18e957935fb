// Row selection on a list page (templates/includes/bulk_actions.html): select all, the count selected,
// and the bulk buttons disabled while nothing is selected. Without JavaScript the boxes and buttons work
// as a plain form; the server answers an empty selection with a message.
(function () {
  "use strict";
  var ROW_BOXES = 'input[type="checkbox"][name="selected"][form="bulk-selection"]';
  var SELECT_ALL = "input[type=checkbox][data-bulk-select-all]";

  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll(ROW_BOXES));
  }

  // The table renders the header's select-all box; where it does not, one is added to the first header cell.
  function ensureSelectAll() {
    var first = rowBoxes()[0];
    var table = first && first.closest("table");
    if (!table || table.querySelector(SELECT_ALL)) return;
    var header = table.querySelector("thead th");
    if (!header) return;
    var existing = header.querySelector('input[type="checkbox"]');
    if (existing) {
      existing.setAttribute("data-bulk-select-all", "");
      return;
    }
    var box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input";
    box.setAttribute("data-bulk-select-all", "");
    var form = document.getElementById("bulk-selection");
    box.setAttribute("aria-label", (form && form.getAttribute("data-select-all-text")) || "Select all");
    header.insertBefore(box, header.firstChild);
  }

  function update() {
    var form = document.getElementById("bulk-selection");
    if (!form) return;
    var boxes = rowBoxes();
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll(SELECT_ALL).forEach(function (box) {
      box.checked = boxes.length > 0 && checked === boxes.length;
      box.indeterminate = checked > 0 && checked < boxes.length;
    });
    form.querySelectorAll('button[name="action"]').forEach(function (button) {
      button.disabled = checked === 0;
    });
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = checked ? form.getAttribute("data-selected-text").replace("%(count)s", checked) : "";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches(SELECT_ALL)) {
      rowBoxes().forEach(function (box) { box.checked = target.checked; });
    }
    update();
  });

  // New results (a changed filter, another page): the selection starts again, and the action returns there.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var form = document.getElementById("bulk-selection");
    var next = form && form.querySelector('input[name="next"]');
    if (next) next.value = window.location.pathname + window.location.search;
    ensureSelectAll();
    update();
  });

  function start() {
    ensureSelectAll();
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
