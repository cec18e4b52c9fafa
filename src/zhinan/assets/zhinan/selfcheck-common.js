// zhinan: what the self-check page's scripts share (window.ZhinanSC), loaded before them: building
// elements, money as the report shows it, files to download (CSV as the build writes them), and the
// report's figures — counts only, the same as the workbook's 汇总 sheet computes. No state here:
// each function takes what it works on.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = v;
      else if (k === "cls") e.className = v;
      else e.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false || c === "") return;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return e;
  }

  // Form controls, each labelled, as the page's form and its 自评 part build them.
  var uid = 0;
  function field(label, control, cls) {
    if (!control.id) control.id = "zn-sc-f" + (++uid);
    return el("div", { cls: "zn-sc-field" + (cls ? " " + cls : "") }, [el("label", { "for": control.id, text: label }), control]);
  }
  function input(type, value, data) {
    var attrs = { type: type, value: value === null || value === undefined ? "" : String(value) };
    if (type === "number") { attrs.min = "0"; attrs.step = "0.01"; attrs.inputmode = "decimal"; }
    return el("input", Object.assign(attrs, data));
  }
  function textarea(value, data) {
    var t = el("textarea", Object.assign({ rows: "2" }, data));
    t.value = value || "";
    return t;
  }
  function select(options, value, data) {
    var s = el("select", data, options.map(function (o) {
      var v = typeof o === "string" ? o : o.value;
      return el("option", { value: v, text: typeof o === "string" ? o : o.label });
    }));
    s.value = value === null || value === undefined ? "" : value;
    return s;
  }
  function button(text, data, cls) { return el("button", Object.assign({ type: "button", cls: cls || "md-button" }, data), [text]); }

  function money(n) { return (Math.round(n * 100) / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }

  function download(name, bytes, type) {
    var url = URL.createObjectURL(new Blob([bytes], { type: type }));
    var a = el("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    // Text that a spreadsheet would take for a formula (=HYPERLINK(…), +1, -1, @SUM) is kept as text: a quote first.
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  // UTF-8 with a BOM (Excel opens Chinese CSV without it as GBK) and CRLF, like the build's CSVs.
  function csv(fields, rows) {
    var lines = [fields.map(function (f) { return csvCell(f.title); }).join(",")];
    rows.forEach(function (r) { lines.push(fields.map(function (f) { return csvCell(r[f.name]); }).join(",")); });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  // The figures of the report for `state` (the record) over the sector's items `D.items`.
  function summary(D, state) {
    var REC = D.record, items = D.items, results = {};
    state.results.forEach(function (r) { results[r.item] = r; });
    var s = { aspects: [], hazards: [], statuses: {}, funds: 0, total: items.length, findings: state.findings.length,
              checked: items.filter(function (it) { return results[it.id] && results[it.id].result; }).length };
    REC.aspects.concat(["合计"]).forEach(function (a) {
      var row = { aspect: a, total: 0 };
      REC.results.forEach(function (v) { row[v] = 0; });
      items.forEach(function (it) {
        if (it.aspect !== a && a !== "合计") return;
        row.total += 1;
        var r = results[it.id];
        if (r && r.result) row[r.result] += 1;
      });
      s.aspects.push(row);
      var h = { aspect: a, total: 0 };
      REC.levels.forEach(function (l) { h[l] = 0; });
      state.findings.forEach(function (f) {
        if (f.aspect !== a && a !== "合计") return;
        h.total += 1;
        if (f.level in h) h[f.level] += 1;
      });
      s.hazards.push(h);
    });
    REC.statuses.forEach(function (st) { s.statuses[st] = 0; });
    state.rectifications.forEach(function (r) {
      s.statuses[r.status] = (s.statuses[r.status] || 0) + 1;
      if (typeof r.funds === "number") s.funds += r.funds;
    });
    s.done = s.statuses[REC.doneStatus] || 0;
    s.rate = s.findings ? Math.round(s.done / s.findings * 1000) / 10 : null;
    return s;
  }

  window.ZhinanSC = { el: el, field: field, input: input, textarea: textarea, select: select, button: button,
                     money: money, download: download, csv: csv, summary: summary };
})();
