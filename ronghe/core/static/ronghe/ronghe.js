// Enhancements that work without inline scripts (the CSP allows only our own files).
(function () {
  "use strict";

  function enhance(root) {
    root.querySelectorAll("select[data-picker]").forEach(function (el) {
      if (!el.tomselect && window.TomSelect) {
        new TomSelect(el, { maxOptions: 200, allowEmptyOption: true });
      }
    });
  }

  function markCurrentNav() {
    var path = window.location.pathname;
    document.querySelectorAll("[data-nav-prefix]").forEach(function (link) {
      var prefix = link.getAttribute("data-nav-prefix");
      var current = prefix === "/$" ? path === "/" : path.indexOf(prefix) === 0;
      if (current) { link.closest(".nav-item").classList.add("active"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    markCurrentNav();
    enhance(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
