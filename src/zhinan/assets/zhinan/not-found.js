// zhinan: the 404 page is served at whatever address was missing, at any depth below the site,
// which may itself sit in a sub-folder or be opened from disk. The page loads this script at every
// depth it may be at; the copy that loads knows where the site's root is (two folders up from
// itself) and points the page's links, search form and stylesheets there.
(function () {
  "use strict";
  if (window.__znRoot) return;
  var script = document.currentScript;
  if (!script) return;
  var root = new URL("../../", script.src);
  window.__znRoot = root.href;
  var home = root.href + (root.protocol === "file:" ? "index.html" : "");
  function done() {
    document.querySelectorAll("[data-zn-root]").forEach(function (el) {
      var target = home + el.getAttribute("data-zn-root");
      if (el.tagName === "FORM") el.action = home; else el.href = target;
    });
    document.querySelectorAll("link[data-zn-css]").forEach(function (link) {
      link.href = root.href + link.getAttribute("data-zn-css");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", done); else done();
})();
