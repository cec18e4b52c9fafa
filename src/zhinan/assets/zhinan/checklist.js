// zhinan: filter the 检查清单 table by aspect and hazard level. Without JavaScript the form stays
// hidden and every row is shown.
(function () {
  "use strict";
  document.querySelectorAll("form[data-zn-filter]").forEach(function (form) {
    var table = document.getElementById(form.getAttribute("data-zn-filter"));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var output = form.querySelector("output");
    function apply() {
      var aspect = form.elements.aspect.value;
      var level = form.elements.level.value;
      var shown = 0;
      rows.forEach(function (row) {
        var levels = (row.getAttribute("data-levels") || "").split(" ");
        var show = (!aspect || row.getAttribute("data-aspect") === aspect) && (!level || levels.indexOf(level) >= 0);
        row.hidden = !show;
        if (show) shown += 1;
      });
      output.textContent = "显示 " + shown + " / " + rows.length + " 项";
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  });
})();
