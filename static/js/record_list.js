// A list page (templates/includes/record_list.html): htmx applies a changed filter to the results at once.
// The Export menu's links then follow the filters the results show, as they do after a full page load.
(function () {
  "use strict";
  function filterQuery(form) {
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") query.append(name, value);
    });
    return query;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var form = document.querySelector("form.filters");
    if (!form || !event.detail.target || event.detail.target.id !== "results") return;
    document.querySelectorAll("a[data-export-format]").forEach(function (link) {
      var query = filterQuery(form);
      query.set("format", link.getAttribute("data-export-format"));
      if (link.hasAttribute("data-export-round-trip")) query.set("round_trip", "1");
      link.href = link.getAttribute("data-export-url") + "?" + query.toString();
    });
  });
})();
