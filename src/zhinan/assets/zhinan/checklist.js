// zhinan: filter the 检查清单 table by aspect and hazard level. The choice lives in the page URL
// (?aspect=…&level=…), so a filtered list can be shared, survives Back and reload, and prints as
// shown with a line saying it is filtered. Without JavaScript the form stays hidden and every row
// is shown.
(function () {
  "use strict";
  var FIELDS = ["aspect", "level"];

  document.querySelectorAll("form[data-zn-filter]").forEach(function (form) {
    var table = document.getElementById(form.getAttribute("data-zn-filter"));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var output = form.querySelector("output");
    var note = form.parentNode.querySelector(".zn-filter-note");

    function known(select, value) {
      return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    }

    function fromUrl() {
      var params = new URLSearchParams(location.search);
      FIELDS.forEach(function (name) {
        var select = form.elements[name];
        var value = params.get(name) || "";
        select.value = known(select, value) ? value : "";
      });
    }

    function toUrl() {
      var params = new URLSearchParams(location.search);
      FIELDS.forEach(function (name) {
        var value = form.elements[name].value;
        if (value) params.set(name, value); else params.delete(name);
      });
      var query = params.toString();
      var url = location.pathname + (query ? "?" + query : "") + location.hash;
      try {
        history.replaceState(history.state, "", url);
      } catch (e) {
        // Some browsers refuse to change the address of a page opened from disk: the filter still works.
      }
    }

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
      if (note) {
        var parts = [];
        if (aspect) parts.push("检查类别：" + aspect);
        if (level) parts.push("隐患等级：" + form.elements.level.selectedOptions[0].textContent);
        note.textContent = "本表已筛选（" + parts.join("；") + "），显示 " + shown + " / " + rows.length + " 项。";
        note.hidden = parts.length === 0;
      }
    }

    form.addEventListener("change", function () { toUrl(); apply(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    // Back/forward may restore the page from the cache, or restore the menus after this script ran:
    // the URL is what the reader chose, so it wins.
    window.addEventListener("pageshow", function () { fromUrl(); apply(); });
    form.hidden = false;
    fromUrl();
    apply();
  });
})();

// zhinan: links to an item (the # beside a heading or a checklist row) copy their full address when
// clicked, and still lead to the item as ordinary links.
(function () {
  "use strict";
  function say(link, text) {
    var old = link.getAttribute("data-zn-said");
    if (old === null) link.setAttribute("data-zn-said", link.title);
    link.title = text;
    link.classList.add("zn-copied");
    window.setTimeout(function () {
      link.title = link.getAttribute("data-zn-said");
      link.classList.remove("zn-copied");
    }, 1500);
  }
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a.headerlink, a.zn-link") : null;
    if (!link || !navigator.clipboard || !window.isSecureContext) return;
    navigator.clipboard.writeText(link.href).then(function () { say(link, "已复制链接"); }, function () {});
  });
})();
