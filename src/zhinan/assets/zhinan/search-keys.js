// zhinan: in the search results, ArrowDown and ArrowUp move between the entries a reader sees as
// answers — each result group's sections, or the page itself when it shows none — so that
// ArrowDown then Enter opens the item found (sectors/urban-gas/#rq-015), not the top of the page
// that holds it. The page link of a group stays reachable with the mouse and Tab.
(function () {
  "use strict";
  function entries() {
    var found = [];
    document.querySelectorAll(".md-search-result__item").forEach(function (group) {
      var links = group.querySelectorAll(":scope > a.md-search-result__link");
      for (var i = links.length > 1 ? 1 : 0; i < links.length; i++) found.push(links[i]);
    });
    return found;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var toggle = document.getElementById("__search");
    if (!toggle || !toggle.checked) return;
    var box = document.querySelector("input[data-md-component='search-query']");
    var list = entries();
    var active = document.activeElement;
    if (!list.length || (active !== box && list.indexOf(active) < 0 && !(active && active.closest && active.closest(".md-search-result")))) return;
    var at = list.indexOf(active);
    var next = event.key === "ArrowDown" ? at + 1 : (at < 0 ? list.length - 1 : at - 1);
    event.preventDefault();
    event.stopImmediatePropagation();
    if (next < 0) { if (box) box.focus(); return; }
    list[Math.min(next, list.length - 1)].focus();
  }, true);
})();
