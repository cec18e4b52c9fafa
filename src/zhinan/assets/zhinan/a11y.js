// zhinan: mkdocs-material's search panel has role="dialog" but no name; screen readers announce
// it by this name (axe-core: aria-dialog-name).
(function () {
  "use strict";
  document.querySelectorAll(".md-search[role='dialog']:not([aria-label])").forEach(function (dialog) {
    dialog.setAttribute("aria-label", "搜索");
  });
})();
