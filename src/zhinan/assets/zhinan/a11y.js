// zhinan: mkdocs-material's search panel has role="dialog" but no name; screen readers announce
// it by this name (axe-core: aria-dialog-name).
(function () {
  "use strict";
  document.querySelectorAll(".md-search[role='dialog']:not([aria-label])").forEach(function (dialog) {
    dialog.setAttribute("aria-label", "搜索");
  });
})();
// zhinan: a table or code block wider than the screen scrolls inside its wrapper; keyboard users must be able to
// reach it to scroll (axe-core: scrollable-region-focusable).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".md-typeset__scrollwrap, .md-typeset__table, .md-typeset table, .md-typeset pre > code").forEach(function (wrap) {
      var style = getComputedStyle(wrap);
      if (style.overflowX !== "auto" && style.overflowX !== "scroll") return;
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", wrap.tagName === "CODE" ? "可左右滚动的示例" : "可左右滚动的表格");
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
