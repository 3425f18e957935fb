// The invoice form's Add line button (templates/invoices/invoice_form.html): with JavaScript it adds an empty
// line from the form's <template> here; without it, the button posts the form back with one more line.
(function () {
  "use strict";
  var button = document.getElementById("add-line");
  if (!button) return;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var total = document.getElementById("id_lines-TOTAL_FORMS");
    var index = parseInt(total.value, 10);
    var row = document.getElementById("empty-line").innerHTML
      .replaceAll("__prefix__", index).replaceAll("__number__", index + 1);
    document.querySelector("#line-items tbody").insertAdjacentHTML("beforeend", row);
    total.value = index + 1;
    document.getElementById("id_lines-" + index + "-description").focus();
  });
})();
