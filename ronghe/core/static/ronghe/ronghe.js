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

  // The task board: dragging a card to another column posts the new status to the same
  // endpoint as the status form, with the same checks. The answer is the card as it now
  // stands; a refused move leaves it where it was, with the reason on it.
  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function moveCard(card, column) {
    var body = new URLSearchParams({ status: column.getAttribute("data-status") });
    fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
    }).then(function (response) {
      return response.text().then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh) { return; }
        if (response.ok) { column.querySelector("[data-cards]").appendChild(fresh); card.remove(); }
        else { card.replaceWith(fresh); }
      });
    });
  }

  function enableBoard(board) {
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("[data-move-url]");
      if (dragged) { event.dataTransfer.setData("text/plain", dragged.id); }
    });
    board.querySelectorAll("[data-status]").forEach(function (column) {
      column.addEventListener("dragover", function (event) { event.preventDefault(); });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        if (dragged && dragged.closest("[data-status]") !== column) { moveCard(dragged, column); }
        dragged = null;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    markCurrentNav();
    enhance(document);
    document.querySelectorAll("[data-board]").forEach(enableBoard);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
