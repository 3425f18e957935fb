// django-import-export's export page (templates/admin/import_export/export.html): the Select all box, which
// their template wires with an inline onchange, calls their onSelectToggleChange (export_selectable_fields.js).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches(".select-toggle")) window.onSelectToggleChange(event);
  });
})();
