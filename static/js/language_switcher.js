// The language switcher (templates/includes/language_switcher.html) posts its form as soon as a language is
// chosen; without JavaScript its Change button does.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]")) select.form.submit();
  });
})();
