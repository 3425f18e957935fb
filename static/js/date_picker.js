// Date picker (static/vendor/vanillajs-datepicker) on every date box of the forms (crm.record_forms.DATE_INPUT,
// input[data-date-picker]). The box keeps the server's format, which it names in data-date-picker
// ("dd.mm.yyyy" in Romanian, "yyyy-mm-dd" in English), and the week starts on the server's first day. A click
// or ArrowDown opens the calendar, the arrow keys move the day, Enter picks it, Escape closes it. Typed text is
// read the server's way: the box's format or ISO, and a date that does not exist is left as typed, for the
// form to point out, rather than replaced by the last good one. Without JavaScript the box is a text box.
(function () {
  "use strict";

  var Datepicker = window.Datepicker;
  if (!Datepicker) return;

  // Romanian writes month and day names in lower case, with comma-below letters (ț, ș).
  var ro = Datepicker.locales.ro;
  if (ro && !ro.lowerCased) {
    ["days", "daysShort", "daysMin", "months", "monthsShort"].forEach(function (key) {
      ro[key] = ro[key].map(function (name) {
        return name.toLocaleLowerCase("ro").replace(/ţ/g, "ț").replace(/ş/g, "ș");
      });
    });
    ro.lowerCased = true;
  }

  function language() {
    var lang = (document.documentElement.lang || "en").toLowerCase().split("-")[0];
    return Datepicker.locales[lang] ? lang : "en";
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) text = "0" + text;
    return text;
  }

  // A real date from day, month and year, or null (31.02 is no date; the browser's Date would roll it over).
  function realDate(year, month, day) {
    var date = new Date(2000, 0, 1);
    date.setFullYear(year, month - 1, day);
    if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
    return date;
  }

  // Reads what the server reads: the box's pattern ("dd.mm.yyyy"; "yy" as Python's %y) or ISO yyyy-mm-dd.
  function parser(pattern) {
    var order = [];
    var source = pattern.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&").replace(/yyyy|yy|dd|mm/g, function (token) {
      order.push(token);
      return token === "yyyy" ? "(\\d{4})" : "(\\d{1,2})";
    });
    var own = new RegExp("^\\s*" + source + "\\s*$");
    return function (text) {
      var iso = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
      if (iso) return realDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
      var match = own.exec(text);
      if (!match) return null;
      var parts = {};
      order.forEach(function (token, index) { parts[token] = Number(match[index + 1]); });
      var year = parts.yyyy !== undefined ? parts.yyyy : (parts.yy < 69 ? 2000 : 1900) + parts.yy;
      return realDate(year, parts.mm, parts.dd);
    };
  }

  function formatter(pattern) {
    return function (date) {
      return pattern.replace(/yyyy|yy|dd|mm/g, function (token) {
        if (token === "yyyy") return pad(date.getFullYear(), 4);
        if (token === "yy") return pad(date.getFullYear() % 100, 2);
        if (token === "mm") return pad(date.getMonth() + 1, 2);
        return pad(date.getDate(), 2);
      });
    };
  }

  function setUp(input) {
    if (input.datepicker || input.readOnly || input.disabled) return;
    var pattern = input.dataset.datePicker || "yyyy-mm-dd";
    var parse = parser(pattern);
    var lang = language();
    var weekStart = Number(input.dataset.datePickerWeekStart);
    var options = {
      language: lang,
      format: {
        toValue: function (text) { var date = parse(text); return date ? date : NaN; },
        toDisplay: formatter(pattern),
      },
      buttonClass: "btn",
      autohide: true,
      showOnFocus: false,
      todayButton: true,
      todayButtonMode: 1,
      todayHighlight: true,
      shortcutKeys: { toggle: null, hide: { key: "Escape" } },
    };
    if (!isNaN(weekStart)) options.weekStart = weekStart;
    // The library empties a box whose text it cannot read; a date the server sent back with an error stays.
    var sent = input.value;
    new Datepicker(input, options);
    if (sent && !input.value) input.value = sent;

    // Likewise when the box loses focus after typing: keep a typed date that does not exist, so that saving
    // shows the form's error instead of silently keeping the previous date.
    var typed = null;
    input.addEventListener("input", function () { typed = input.value; });
    input.addEventListener("changeDate", function () {
      typed = null;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("blur", function () {
      var kept = typed;
      window.setTimeout(function () {
        if (kept && kept.trim() && !parse(kept) && input.value !== kept) input.value = kept;
      }, 0);
    });
  }

  function setUpAll(root) {
    if (root.matches && root.matches("input[data-date-picker]")) setUp(root);
    if (root.querySelectorAll) root.querySelectorAll("input[data-date-picker]").forEach(setUp);
  }

  // Forms swapped in by htmx get their pickers too; a box swapped out takes its picker with it.
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var target = event.target;
    if (target.datepicker) target.datepicker.destroy();
  });
  setUpAll(document);
})();
