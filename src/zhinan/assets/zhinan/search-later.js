// zhinan: the search index (city scale: 600 KB, 114 KB with gzip) is fetched when the reader opens
// search, not by every page as it loads: on a phone's slow link it was two thirds of the home
// page's bytes. mkdocs-material asks for search/search_index.json with XMLHttpRequest as it
// starts; that request is sent once the search box gets focus, its toggle is opened, or the page
// was opened with a query (?q=). From file:// the theme loads the index as a script from disk,
// which costs no network and is left as it is.
(function () {
  "use strict";
  var opened = false;
  var waiting = [];
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__zhinanIndex = /\/search\/search_index\.json(?:[?#]|$)/.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.__zhinanIndex && !opened) {
      var request = this, args = arguments;
      waiting.push(function () { send.apply(request, args); });
      return undefined;
    }
    return send.apply(this, arguments);
  };
  function start() {
    if (opened) return;
    opened = true;
    waiting.splice(0).forEach(function (go) { go(); });
  }
  function isSearch(el) {
    return el && el.matches && (el.matches("input[data-md-component='search-query']") || el.matches("label[for='__search']") ||
      el.id === "__search" || (el.closest && el.closest("label[for='__search'], .md-search")));
  }
  document.addEventListener("focusin", function (e) { if (isSearch(e.target)) start(); }, true);
  document.addEventListener("pointerdown", function (e) { if (isSearch(e.target)) start(); }, true);
  document.addEventListener("change", function (e) { if (e.target && e.target.id === "__search") start(); }, true);
  // The theme's keyboard shortcuts (f, s, /) open search by focusing its box: focusin above.
  if (/[?&]q=/.test(location.search)) start();
})();
