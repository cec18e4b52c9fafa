// zhinan: opened from disk (file://), a directory URL such as sectors/x/ shows a folder listing
// instead of the page. Point such links at their index.html: links already in the page now, and
// links created later (search results) at the moment they are followed.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  function fix(link) {
    var url = new URL(link.href, location.href);
    if (url.protocol === "file:" && url.pathname.slice(-1) === "/") {
      url.pathname += "index.html";
      link.href = url.href;
    }
  }
  document.querySelectorAll("a[href]").forEach(fix);
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (link) fix(link);
  }, true);
})();
