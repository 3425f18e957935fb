// The global search box (templates/search/search_box.html). Without JavaScript it is a GET form to the
// results page. With it: "/" focuses the box (unless typing in a field), htmx lists matches as you type
// in a dropdown under it, the arrow keys move through them (the focus stays in the box, the option is
// its aria-activedescendant), Enter opens the chosen one or, with none chosen, submits to the full page,
// and Escape closes the dropdown and returns the focus to the box.
(function () {
  "use strict";

  function parts() {
    var form = document.querySelector("[data-global-search]");
    if (!form) return null;
    return {
      form: form,
      input: form.querySelector("input[name=q]"),
      results: form.querySelector("#global-search-results"),
      status: form.querySelector("[data-global-search-status]"),
    };
  }

  function options(p) {
    return Array.prototype.slice.call(p.results.querySelectorAll("[role=option]"));
  }

  function active(p) {
    return p.results.querySelector("[role=option][aria-selected=true]");
  }

  function select(p, option) {
    options(p).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
      each.classList.toggle("active", each === option);
    });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function close(p) {
    select(p, null);
    p.results.hidden = true;
    p.results.classList.remove("show");
    p.input.setAttribute("aria-expanded", "false");
  }

  function open(p) {
    var hasContent = p.results.children.length > 0;
    p.results.hidden = !hasContent;
    p.results.classList.toggle("show", hasContent);
    p.input.setAttribute("aria-expanded", options(p).length ? "true" : "false");
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    var p = parts();
    if (!p) return;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
      event.preventDefault();
      p.input.focus();
      p.input.select();
      return;
    }
    if (event.target !== p.input) {
      if (event.key === "Escape" && !p.results.hidden && p.form.contains(event.target)) {
        close(p);
        p.input.focus();
      }
      return;
    }
    var list = options(p);
    var current = active(p);
    var index = current ? list.indexOf(current) : -1;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      if (p.results.hidden) open(p);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index + step;
      if (next < 0) next = list.length - 1;
      if (next >= list.length) next = 0;
      select(p, list[next]);
    } else if (event.key === "Enter") {
      if (current && !p.results.hidden) {
        event.preventDefault();
        window.location.assign(current.href);
      }
      // Otherwise the form submits to the full results page.
    } else if (event.key === "Escape") {
      if (!p.results.hidden) {
        event.preventDefault();
        close(p);
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = parts();
    if (!p || event.target !== p.results) return;
    select(p, null);
    if (document.activeElement === p.input) open(p);
    if (p.status) {
      var summary = p.results.querySelector("[data-summary]");
      p.status.textContent = summary ? summary.getAttribute("data-summary") : "";
    }
  });

  document.addEventListener("focusin", function (event) {
    var p = parts();
    if (!p) return;
    if (event.target === p.input && p.input.value.trim()) open(p);
    else if (!p.form.contains(event.target)) close(p);
  });

  document.addEventListener("click", function (event) {
    var p = parts();
    if (p && !p.form.contains(event.target)) close(p);
  });

  document.addEventListener("mouseover", function (event) {
    var p = parts();
    var option = p && event.target.closest && event.target.closest("#global-search-results [role=option]");
    if (option && option !== active(p)) select(p, option);
  });
})();
