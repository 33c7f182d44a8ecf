// Enhancements that work without inline scripts (the CSP allows only our own files).
(function () {
  "use strict";

  // A picker over a long list (thousands of organisations) asks the API as the user types,
  // instead of sending every option with the page.
  function remotePicker(el) {
    var url = el.getAttribute("data-picker-url");
    return new TomSelect(el, {
      valueField: "code",
      labelField: "name",
      searchField: ["name", "org_code"],
      allowEmptyOption: true,
      placeholder: el.getAttribute("data-placeholder") || "",
      preload: "focus",
      loadThrottle: 250,
      load: function (query, callback) {
        var address = url + "?page_size=20&q=" + encodeURIComponent(query);
        fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { callback(data.results); })
          .catch(function () { callback(); });
      },
      render: {
        option: function (item, escape) {
          var code = item.org_code ? ' <small class="text-secondary">' + escape(item.org_code) + "</small>" : "";
          return "<div>" + escape(item.name) + code + "</div>";
        },
      },
    });
  }

  function enhance(root) {
    if (!window.TomSelect) { return; }
    root.querySelectorAll("select[data-picker]").forEach(function (el) {
      if (!el.tomselect) { new TomSelect(el, { maxOptions: 200, allowEmptyOption: true }); }
    });
    root.querySelectorAll("select[data-picker-url]").forEach(function (el) {
      if (!el.tomselect) { remotePicker(el); }
    });
  }

  // The longest matching prefix wins: /people/import/ is "Import", not also "Roster".
  function markCurrentNav() {
    var path = window.location.pathname;
    var best = null;
    var bestLength = -1;
    document.querySelectorAll("[data-nav-prefix]").forEach(function (link) {
      var prefix = link.getAttribute("data-nav-prefix");
      var matches = prefix === "/$" ? path === "/" : path.indexOf(prefix) === 0;
      if (matches && prefix.length > bestLength) { best = link; bestLength = prefix.length; }
    });
    if (best) { best.closest(".nav-item").classList.add("active"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    markCurrentNav();
    enhance(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
