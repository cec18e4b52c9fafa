// zhinan: the self-check page (在线自查). An enterprise goes through its sector's 检查清单, records
// 符合/不符合/不涉及, its own 隐患清单 and 整改清单, and leaves with an Excel workbook, CSV files
// and a printed 自查报告. Everything stays in this browser (localStorage); nothing is sent anywhere.
//
// The sector's items, the record format (field names, titles, allowed values) and the blank
// enterprise workbook come from the data file beside the page (window.ZHINAN_SELFCHECK), which
// the build generates from the content model and zhinan/record.py. What is saved, exported and
// imported is that record: {format, version, enterprise, sector, date, inspectors, kind,
// results: [ItemResult], findings: [Finding], rectifications: [Rectification]}.
(function () {
  "use strict";
  var D = window.ZHINAN_SELFCHECK;
  var root = document.getElementById("zn-sc");
  if (!D || !root) return;
  var started = performance.now();
  var REC = D.record;
  var ITEMS = D.items;
  var BY_ID = {};
  ITEMS.forEach(function (it, n) { it.n = n; BY_ID[it.id] = it; });
  var FIELDS = {};
  Object.keys(REC.fields).forEach(function (rec) {
    FIELDS[rec] = {};
    REC.fields[rec].forEach(function (f) { FIELDS[rec][f.name] = f; });
  });
  function title(rec, name) { return FIELDS[rec][name].title; }

  // ---- The record ----------------------------------------------------------------------------

  var state;
  var results;  // item id -> ItemResult, the same objects as in state.results

  function blank() {
    return {
      format: REC.format, version: REC.version, sector: D.sector.id, enterprise: "", date: null,
      inspectors: "", kind: FIELDS.Inspection.kind["default"], results: [], findings: [], rectifications: []
    };
  }

  function adopt(record) {
    state = record;
    results = {};
    state.results.forEach(function (r) { results[r.item] = r; });
  }

  function load() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(D.storageKey) || "null"); } catch (e) { saved = null; }
    adopt(saved && saved.format === REC.format && saved.version === REC.version && saved.sector === D.sector.id ? saved : blank());
  }

  var saveFailed = false;
  function save() {
    state.results = ITEMS.filter(function (it) { return results[it.id]; }).map(function (it) { return results[it.id]; });
    try {
      localStorage.setItem(D.storageKey, JSON.stringify(state));
      saveFailed = false;
    } catch (e) {
      if (!saveFailed) say("无法保存到本浏览器（可能是隐私模式或存储已满）：请及时导出 Excel 工作簿。", true);
      saveFailed = true;
    }
  }

  function resultOf(id) {
    if (!results[id]) results[id] = { item: id, result: null, remark: "" };
    return results[id];
  }

  function findingsOf(id) { return state.findings.filter(function (f) { return f.item === id; }); }
  function rectOf(fid) {
    for (var i = 0; i < state.rectifications.length; i++) {
      if (state.rectifications[i].finding === fid) return state.rectifications[i];
    }
    return null;
  }
  function findingById(fid) {
    for (var i = 0; i < state.findings.length; i++) if (state.findings[i].id === fid) return state.findings[i];
    return null;
  }

  function nextFindingId() {
    var max = 0;
    state.findings.forEach(function (f) { var n = parseInt(f.id.slice(3), 10); if (n > max) max = n; });
    var s = String(max + 1);
    while (s.length < 3) s = "0" + s;
    return "YH-" + s;
  }

  function newRect(fid, measure) {
    var r = {};
    REC.fields.Rectification.forEach(function (f) { r[f.name] = f["default"]; });
    r.finding = fid;
    r.measure = measure || "";
    return r;
  }

  function addFinding(item, aspect) {
    var f = { id: nextFindingId(), item: item ? item.id : "", aspect: item ? item.aspect : aspect,
              location: "", text: "", level: REC.levels[0], basis: "", level_note: "" };
    state.findings.push(f);
    state.rectifications.push(newRect(f.id, item ? item.rectification : ""));
    return f;
  }

  function removeFinding(fid) {
    state.findings = state.findings.filter(function (f) { return f.id !== fid; });
    state.rectifications = state.rectifications.filter(function (r) { return r.finding !== fid; });
  }

  // A finding whose text is one of its item's 重大 typical hazards, set to a lower level: the
  // 等级说明 must say why.
  function lowered(f) {
    var it = BY_ID[f.item];
    if (!it || f.level === "重大") return false;
    return it.hazards.some(function (h) { return h.level === "重大" && h.text === f.text; });
  }
  function missingNotes() {
    return state.findings.filter(function (f) { return lowered(f) && !String(f.level_note || "").trim(); });
  }

  // ---- Small DOM helpers ---------------------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = v;
      else if (k === "cls") e.className = v;
      else e.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
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

  var message;
  function say(text, bad) {
    message.textContent = text;
    message.className = "zn-sc-message" + (bad ? " zn-sc-bad" : "");
  }

  // ---- The form ------------------------------------------------------------------------------

  var progress, progressText, aspectSummaries = {}, aspectBodies = {};

  function renderInfo() {
    var box = el("section", { cls: "zn-sc-info", "aria-labelledby": "zn-sc-info-h" }, [el("h2", { id: "zn-sc-info-h", text: "检查信息" })]);
    var grid = el("div", { cls: "zn-sc-grid" });
    REC.fields.Inspection.forEach(function (f) {
      if (f.name === "sector" || f.kind === "list") return;
      var data = { "data-rec": "info", "data-field": f.name, name: f.name };
      var control = f.enum.length ? select(f.enum, state[f.name], data)
        : input(f.kind === "date" ? "date" : "text", state[f.name], Object.assign(data, f.name === "enterprise" ? { autocomplete: "organization" } : {}));
      control.title = f.description;
      grid.appendChild(field(f.title, control));
    });
    box.appendChild(grid);
    return box;
  }

  function checkedCount(items) {
    return items.filter(function (it) { return results[it.id] && results[it.id].result; }).length;
  }

  function updateProgress() {
    var done = checkedCount(ITEMS);
    progress.value = done;
    progressText.textContent = "已查 " + done + " / " + ITEMS.length + " 项";
    REC.aspects.forEach(function (a) {
      var s = aspectSummaries[a];
      if (!s) return;
      var items = ITEMS.filter(function (it) { return it.aspect === a; });
      s.textContent = "已查 " + checkedCount(items) + " / " + items.length;
    });
  }

  function renderAspects() {
    var box = el("section", { cls: "zn-sc-items", "aria-labelledby": "zn-sc-items-h" }, [
      el("h2", { id: "zn-sc-items-h", text: "逐项检查" }),
      el("p", { cls: "zn-sc-hint", text: "按四个方面逐项选择检查结果；选择“不符合”后添加隐患，并填写整改。展开一个方面才显示它的检查项。" })
    ]);
    REC.aspects.forEach(function (a, n) {
      var items = ITEMS.filter(function (it) { return it.aspect === a; });
      var others = state.findings.some(function (f) { return !f.item && f.aspect === a; });
      if (!items.length && !others) return;
      var count = el("span", { cls: "zn-sc-count" });
      aspectSummaries[a] = count;
      var body = el("div", { cls: "zn-sc-aspect-body" });
      aspectBodies[a] = body;
      var details = el("details", { cls: "zn-sc-aspect", id: "zn-sc-aspect-" + (n + 1), "data-aspect": a }, [
        el("summary", null, [el("span", { cls: "zn-sc-aspect-name", text: a }), " ", count]), body
      ]);
      details.addEventListener("toggle", function () { if (details.open && !body.firstChild) renderAspect(a); });
      box.appendChild(details);
    });
    return box;
  }

  // An aspect's items are built when it is first opened: a 500-item sector opens at once.
  function renderAspect(a) {
    var body = aspectBodies[a];
    body.textContent = "";
    ITEMS.forEach(function (it) { if (it.aspect === a) body.appendChild(renderItem(it)); });
    var other = el("div", { cls: "zn-sc-other", "data-other": a }, [
      el("h3", { text: a + "：检查清单以外的隐患" })
    ]);
    state.findings.forEach(function (f) { if (!f.item && f.aspect === a) other.appendChild(renderFinding(f, null)); });
    other.appendChild(button("添加清单以外的隐患", { "data-act": "add-other", "data-aspect": a }, "md-button zn-sc-small"));
    body.appendChild(other);
  }

  function renderItem(it) {
    var r = results[it.id] || { result: null, remark: "" };
    var major = it.hazards.some(function (h) { return h.level === "重大"; });
    var head = el("h3", { id: "zn-sc-h-" + it.id }, [
      el("span", { cls: "zn-sc-id", text: it.id }), " ", it.item, major ? " " : null,
      major ? el("span", { cls: "zn-badge zn-sc-major", text: "含重大隐患" }) : null
    ]);
    var radios = el("fieldset", { cls: "zn-sc-result" }, [el("legend", { text: it.id + " " + title("ItemResult", "result") })]);
    REC.results.forEach(function (v, k) {
      var id = "zn-sc-r-" + it.id + "-" + k;
      radios.appendChild(el("span", { cls: "zn-sc-radio" }, [
        el("input", { type: "radio", id: id, name: "zn-sc-r-" + it.id, value: v, checked: r.result === v,
                      "data-rec": "result", "data-item": it.id }),
        el("label", { "for": id, text: v })
      ]));
    });
    var remark = field(title("ItemResult", "remark"), input("text", r.remark, { "data-rec": "remark", "data-item": it.id }));
    var findings = el("div", { cls: "zn-sc-findings", "data-findings": it.id, hidden: r.result !== "不符合" });
    fillFindings(findings, it);
    return el("article", { cls: "zn-sc-item", id: "zn-sc-" + it.id, "data-item": it.id, "aria-labelledby": "zn-sc-h-" + it.id }, [
      head,
      el("p", { cls: "zn-sc-content", text: it.content }),
      it.method ? el("p", { cls: "zn-sc-method", text: "检查方法：" + it.method }) : null,
      el("div", { cls: "zn-sc-row" }, [radios, remark]),
      findings
    ]);
  }

  function fillFindings(box, it) {
    box.textContent = "";
    findingsOf(it.id).forEach(function (f) { box.appendChild(renderFinding(f, it)); });
    box.appendChild(button("添加隐患", { "data-act": "add", "data-item": it.id }, "md-button zn-sc-small"));
  }

  function renderFinding(f, it) {
    var r = rectOf(f.id) || newRect(f.id, "");
    var d = function (rec, name, extra) {
      return Object.assign({ "data-rec": rec, "data-field": name, "data-finding": f.id }, extra || {});
    };
    var card = el("section", { cls: "zn-sc-finding", "data-finding": f.id, "aria-label": "隐患 " + f.id }, [
      el("div", { cls: "zn-sc-finding-head" }, [
        el("strong", { text: f.id }),
        button("删除隐患 " + f.id, { "data-act": "remove", "data-finding": f.id }, "zn-sc-link")
      ])
    ]);
    var grid = el("div", { cls: "zn-sc-grid" });
    if (it && it.hazards.length) {
      var options = [{ value: "", label: "（自行填写）" }].concat(it.hazards.map(function (h, k) {
        return { value: String(k), label: (h.level === "重大" ? "【重大】" : "【一般】") + h.text };
      }));
      var chosen = "";
      it.hazards.forEach(function (h, k) { if (h.text === f.text) chosen = String(k); });
      grid.appendChild(field("从典型隐患中选择", select(options, chosen, { "data-act": "typical", "data-finding": f.id }), "zn-sc-wide"));
    }
    if (!it) grid.appendChild(field(title("Finding", "aspect"), select(REC.aspects, f.aspect, d("finding", "aspect"))));
    grid.appendChild(field(title("Finding", "text"), textarea(f.text, d("finding", "text", { required: true })), "zn-sc-wide"));
    grid.appendChild(field(title("Finding", "location"), input("text", f.location, d("finding", "location"))));
    grid.appendChild(field(title("Finding", "level"), select(REC.levels, f.level, d("finding", "level"))));
    grid.appendChild(field(title("Finding", "basis"), textarea(f.basis, d("finding", "basis")), "zn-sc-wide"));
    var note = field(title("Finding", "level_note") + "（必填：指南列为重大隐患，为何判定为一般）",
      textarea(f.level_note, d("finding", "level_note")), "zn-sc-wide zn-sc-note");
    note.hidden = !lowered(f);
    grid.appendChild(note);
    card.appendChild(grid);
    var rect = el("fieldset", { cls: "zn-sc-rect" }, [el("legend", { text: "整改（" + f.id + "）" })]);
    var rgrid = el("div", { cls: "zn-sc-grid" });
    REC.fields.Rectification.forEach(function (fd) {
      if (fd.name === "finding") return;
      var data = d("rect", fd.name);
      var control = fd.enum.length ? select(fd.enum, r[fd.name], data)
        : fd.name === "measure" || fd.name === "opinion" ? textarea(r[fd.name], data)
        : input(fd.kind === "date" ? "date" : fd.kind === "number" ? "number" : "text", r[fd.name], data);
      rgrid.appendChild(field(fd.title, control, fd.name === "measure" || fd.name === "opinion" ? "zn-sc-wide" : ""));
    });
    rect.appendChild(rgrid);
    card.appendChild(rect);
    return card;
  }

  function refreshFinding(fid) {
    var f = findingById(fid);
    var card = root.querySelector(".zn-sc-finding[data-finding='" + fid + "']");
    if (!f || !card) return;
    var note = card.querySelector(".zn-sc-note");
    note.hidden = !lowered(f);
    note.classList.toggle("zn-sc-missing", lowered(f) && !String(f.level_note || "").trim());
  }

  // ---- Editing ---------------------------------------------------------------------------------

  function valueOf(control, kind) {
    var v = control.value;
    if (kind === "number") return v === "" || isNaN(Number(v)) ? null : Number(v);
    if (kind === "date") return v || null;
    return v;
  }

  function onInput(event) {
    var c = event.target;
    var rec = c.getAttribute("data-rec");
    if (!rec) return;
    var name = c.getAttribute("data-field");
    if (rec === "info") state[name] = valueOf(c, FIELDS.Inspection[name].kind);
    else if (rec === "remark") resultOf(c.getAttribute("data-item")).remark = c.value;
    else if (rec === "result") { if (event.type === "change") setResult(c); return; }
    else if (rec === "finding") {
      var f = findingById(c.getAttribute("data-finding"));
      f[name] = c.value;
      refreshFinding(f.id);
    } else if (rec === "rect") {
      rectOf(c.getAttribute("data-finding"))[name] = valueOf(c, FIELDS.Rectification[name].kind);
    }
    save();
  }

  function setResult(radio) {
    var id = radio.getAttribute("data-item");
    var r = resultOf(id);
    var mine = findingsOf(id);
    if (radio.value !== "不符合" && mine.length) {
      if (!window.confirm("该项已记录 " + mine.length + " 条隐患。改为“" + radio.value + "”将删除这些隐患及其整改，确定吗？")) {
        var back = document.getElementById("zn-sc-r-" + id + "-" + REC.results.indexOf(r.result));
        if (back) back.checked = true;
        return;
      }
      mine.forEach(function (f) { removeFinding(f.id); });
    }
    r.result = radio.value;
    var box = root.querySelector("[data-findings='" + id + "']");
    if (r.result === "不符合" && !findingsOf(id).length) {
      addFinding(BY_ID[id]);
    }
    fillFindings(box, BY_ID[id]);
    box.hidden = r.result !== "不符合";
    save();
    updateProgress();
  }

  function onClick(event) {
    var b = event.target.closest ? event.target.closest("[data-act]") : null;
    if (!b || b.tagName !== "BUTTON") return;
    var act = b.getAttribute("data-act");
    if (act === "add") {
      var it = BY_ID[b.getAttribute("data-item")];
      var f = addFinding(it);
      fillFindings(b.parentNode, it);
      save();
      focusFinding(f.id);
    } else if (act === "add-other") {
      var a = b.getAttribute("data-aspect");
      var g = addFinding(null, a);
      b.parentNode.insertBefore(renderFinding(g, null), b);
      save();
      focusFinding(g.id);
    } else if (act === "remove") {
      var fid = b.getAttribute("data-finding");
      if (!window.confirm("删除隐患 " + fid + " 及其整改？")) return;
      var card = b.closest(".zn-sc-finding");
      removeFinding(fid);
      card.parentNode.removeChild(card);
      save();
      say("已删除隐患 " + fid + "。");
    } else if (ACTIONS[act]) {
      ACTIONS[act](b);
    }
  }

  function focusFinding(fid) {
    var first = root.querySelector(".zn-sc-finding[data-finding='" + fid + "'] select, .zn-sc-finding[data-finding='" + fid + "'] textarea");
    if (first) first.focus();
  }

  function onTypical(event) {
    var s = event.target;
    if (s.getAttribute("data-act") !== "typical" || s.value === "") return;
    var f = findingById(s.getAttribute("data-finding"));
    var it = BY_ID[f.item];
    var h = it.hazards[Number(s.value)];
    f.text = h.text;
    f.level = h.level;
    if (!f.basis && it.basis.length) f.basis = it.basis.join("；");
    var card = s.closest(".zn-sc-finding");
    card.querySelector("[data-field='text']").value = f.text;
    card.querySelector("[data-field='level']").value = f.level;
    card.querySelector("[data-field='basis']").value = f.basis;
    refreshFinding(f.id);
    save();
  }

  // ---- Files ---------------------------------------------------------------------------------

  function download(name, bytes, type) {
    var url = URL.createObjectURL(new Blob([bytes], { type: type }));
    var a = el("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function fileStem() {
    return (state.enterprise ? state.enterprise + "-" : "") + D.sector.name + "-自查" + (state.date ? "-" + state.date : "");
  }

  // Text that a spreadsheet would run as a formula (= + - @, tab, CR at the start) gets a leading
  // single quote, as the build's CSVs do (zhinan.sheets.encode.csv_cell); numbers stay numbers.
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  // UTF-8 with a BOM (Excel opens Chinese CSV without it as GBK) and CRLF, like the build's CSVs.
  function csv(rec, rows) {
    var fields = REC.fields[rec];
    var lines = [fields.map(function (f) { return csvCell(f.title); }).join(",")];
    rows.forEach(function (r) { lines.push(fields.map(function (f) { return csvCell(r[f.name]); }).join(",")); });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  var ACTIONS = {
    "csv-findings": function () {
      download(fileStem() + "-隐患清单.csv", csv("Finding", state.findings), "text/csv;charset=utf-8");
      say("已导出隐患清单 CSV（" + state.findings.length + " 条）。");
    },
    "csv-rects": function () {
      download(fileStem() + "-整改清单.csv", csv("Rectification", state.rectifications), "text/csv;charset=utf-8");
      say("已导出整改清单 CSV（" + state.rectifications.length + " 条）。");
    },
    "csv-results": function () {
      save();
      download(fileStem() + "-检查结果.csv", csv("ItemResult", state.results), "text/csv;charset=utf-8");
      say("已导出检查结果 CSV（" + state.results.length + " 项）。");
    },
    "xlsx": function () {
      var blankText = state.findings.filter(function (f) { return !String(f.text || "").trim(); });
      if (blankText.length) {
        say("以下隐患还没有填写" + title("Finding", "text") + "：" + blankText.map(function (f) { return f.id; }).join("、") +
            "。填写或删除后再导出：工作簿中每条隐患都要有描述。", true);
        return;
      }
      var missing = missingNotes();
      if (missing.length) {
        say("以下隐患在指南中列为重大隐患，已改为一般隐患，须先填写等级说明：" + missing.map(function (f) { return f.id; }).join("、"), true);
        return;
      }
      if (!window.ZhinanWorkbook) { say("本页没有附带工作簿，无法导出 Excel。", true); return; }
      save();
      try {
        download(fileStem() + ".xlsx", window.ZhinanWorkbook.write(D, state), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        say("已导出 Excel 工作簿：可用 Excel 或 WPS 打开，也可以在本页导入后继续填写。");
      } catch (e) {
        say("导出失败：" + e.message, true);
      }
    },
    "report": function () { showReport(true); },
    "print": function () { showReport(true); window.print(); },
    "close-report": function () { showReport(false); },
    "clear": function () {
      if (!window.confirm("清除本浏览器中保存的本行业自查数据？清除后无法恢复；如需保留，请先导出 Excel 工作簿。")) return;
      try { localStorage.removeItem(D.storageKey); } catch (e) { /* nothing saved */ }
      adopt(blank());
      render();
      say("已清除本机数据。");
    }
  };

  function onImport(event) {
    var file = event.target.files && event.target.files[0];
    event.target.value = "";
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var record;
      try {
        if (!window.ZhinanWorkbook) throw new Error("本页没有附带工作簿，无法导入 Excel。");
        record = window.ZhinanWorkbook.read(D, new Uint8Array(reader.result));
      } catch (e) {
        say("未导入“" + file.name + "”：" + e.message + " 本页数据没有改变。", true);
        return;
      }
      if (hasData() && !window.confirm("导入将替换本页当前的自查数据，确定吗？")) return;
      adopt(record);
      save();
      render();
      say("已导入“" + file.name + "”：" + state.results.length + " 项结果、" + state.findings.length + " 条隐患。");
    };
    reader.onerror = function () { say("无法读取文件“" + file.name + "”。本页数据没有改变。", true); };
    reader.readAsArrayBuffer(file);
  }

  function hasData() {
    return !!(state.enterprise || state.inspectors || state.date || state.findings.length ||
              Object.keys(results).some(function (k) { return results[k].result || results[k].remark; }));
  }

  // ---- 自查报告 --------------------------------------------------------------------------------

  // The figures of the report: counts only, the same as the workbook's 汇总 sheet computes.
  function summary() {
    save();
    var s = { aspects: [], hazards: [], statuses: {}, funds: 0, checked: checkedCount(ITEMS), total: ITEMS.length,
              findings: state.findings.length };
    REC.aspects.concat(["合计"]).forEach(function (a) {
      var row = { aspect: a, total: 0 };
      REC.results.forEach(function (v) { row[v] = 0; });
      ITEMS.forEach(function (it) {
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

  function table(caption, heads, rows, cls) {
    return el("table", { cls: "zn-sc-table" + (cls ? " " + cls : "") }, [
      el("caption", { text: caption }),
      el("thead", null, [el("tr", null, heads.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", null, rows.map(function (r) {
        return el("tr", null, r.map(function (v, k) { return el(k ? "td" : "th", k ? null : { scope: "row" }, [v === null || v === undefined ? "" : String(v)]); }));
      }))
    ]);
  }

  function money(n) { return (Math.round(n * 100) / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }

  var report, closeReport;
  function renderReport() {
    var s = summary();
    report.textContent = "";
    var fi = FIELDS.Inspection;
    report.appendChild(el("h2", { id: "zn-sc-report-h", text: (state.enterprise || "（未填写企业名称）") + " " + D.sector.name + "安全生产标准化自查报告" }));
    report.appendChild(el("dl", { cls: "zn-sc-ent" }, ["enterprise", "date", "inspectors", "kind"].reduce(function (acc, k) {
      return acc.concat([el("dt", { text: fi[k].title }), el("dd", { text: state[k] || "—" })]);
    }, [el("dt", { text: title("Inspection", "sector") }), el("dd", { text: D.sector.name })])));
    report.appendChild(el("p", { cls: "zn-sc-basis", text: "检查依据：" + D.guide.title + "（" + D.guide.edition + "）" + D.sector.name + "检查清单，共 " + s.total + " 项。" }));
    report.appendChild(el("h3", { text: "一、检查情况" }));
    report.appendChild(el("p", { cls: "zn-sc-figure", text: "已查 " + s.checked + " / " + s.total + " 项；发现隐患 " + state.findings.length + " 条。" }));
    report.appendChild(table("检查结果（按方面）", ["方面", "检查项数"].concat(REC.results, ["未填"]), s.aspects.map(function (row) {
      var done = REC.results.reduce(function (n, v) { return n + row[v]; }, 0);
      return [row.aspect, row.total].concat(REC.results.map(function (v) { return row[v]; }), [row.total - done]);
    })));
    report.appendChild(table("隐患（按方面和等级）", ["方面"].concat(REC.levels.map(function (l) { return l + "隐患"; }), ["合计"]),
      s.hazards.map(function (h) { return [h.aspect].concat(REC.levels.map(function (l) { return h[l]; }), [h.total]); })));
    report.appendChild(table("整改（按状态）", ["状态", "条数"], REC.statuses.map(function (st) { return [st, s.statuses[st]]; })));
    report.appendChild(el("p", { cls: "zn-sc-figure", text: "整改完成率（" + REC.doneStatus + " / 隐患合计）：" +
      (s.rate === null ? "—（无隐患）" : s.rate.toFixed(1) + "%（" + s.done + " / " + s.findings + "）") +
      "；整改资金合计：" + money(s.funds) + " 元。" }));
    report.appendChild(el("h3", { text: "二、隐患清单" }));
    var ff = ["id", "item", "aspect", "location", "text", "level", "basis"];
    report.appendChild(state.findings.length ? table("隐患清单", ff.map(function (k) { return title("Finding", k); }),
      state.findings.map(function (f) {
        return ff.map(function (k) { return k === "level" && lowered(f) ? f.level + "（等级说明：" + (f.level_note || "未填写") + "）" : f[k]; });
      }), "zn-sc-list") : el("p", { text: "本次检查未发现隐患。" }));
    report.appendChild(el("h3", { text: "三、整改清单" }));
    var rf = ["finding", "measure", "department", "owner", "funds", "deadline", "done", "acceptor", "accepted", "opinion", "status"];
    report.appendChild(state.rectifications.length ? table("整改清单", rf.map(function (k) { return title("Rectification", k); }),
      state.rectifications.map(function (r) { return rf.map(function (k) { return k === "funds" && typeof r.funds === "number" ? money(r.funds) : r[k]; }); }),
      "zn-sc-list") : el("p", { text: "无。" }));
    report.appendChild(el("h3", { text: "四、签字" }));
    report.appendChild(el("div", { cls: "zn-sc-sign" }, ["检查人员（签字）", "被检查单位负责人（签字）", "日期"].map(function (t) {
      return el("p", null, [t + "：", el("span", { cls: "zn-sc-line" })]);
    })));
  }

  function showReport(on) {
    if (on) renderReport();
    report.hidden = !on;
    closeReport.hidden = !on;
    document.documentElement.classList.toggle("zn-sc-reporting", on);
    if (on) report.focus();
  }

  // ---- Page ----------------------------------------------------------------------------------

  function render() {
    root.textContent = "";
    aspectSummaries = {};
    aspectBodies = {};
    message = el("p", { cls: "zn-sc-message", role: "status", "aria-live": "polite" });
    progress = el("progress", { max: String(ITEMS.length), value: "0", "aria-labelledby": "zn-sc-progress-text" });
    progressText = el("span", { id: "zn-sc-progress-text" });
    var file = el("input", { type: "file", id: "zn-sc-import", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", cls: "zn-sc-file" });
    file.addEventListener("change", onImport);
    var tools = el("div", { cls: "zn-sc-tools", role: "group", "aria-label": "导出、导入和报告" }, [
      button("导出 Excel 工作簿", { "data-act": "xlsx" }, "md-button md-button--primary"),
      el("label", { "for": "zn-sc-import", cls: "md-button zn-sc-file-label", text: "导入 Excel 工作簿" }), file,
      button("导出隐患清单 CSV", { "data-act": "csv-findings" }),
      button("导出整改清单 CSV", { "data-act": "csv-rects" }),
      button("导出检查结果 CSV", { "data-act": "csv-results" }),
      button("查看自查报告", { "data-act": "report" }),
      button("打印自查报告", { "data-act": "print" }),
      button("清除本机数据", { "data-act": "clear" }, "md-button zn-sc-danger")
    ]);
    report = el("section", { cls: "zn-sc-report", id: "zn-sc-report", hidden: true, tabindex: "-1", "aria-labelledby": "zn-sc-report-h" });
    closeReport = button("返回填写", { "data-act": "close-report" }, "md-button zn-sc-close");
    root.appendChild(renderInfo());
    root.appendChild(el("div", { cls: "zn-sc-progress" }, [progressText, progress]));
    root.appendChild(tools);
    root.appendChild(message);
    root.appendChild(renderAspects());
    root.appendChild(el("div", { cls: "zn-sc-report-box" }, [closeReport, report]));
    closeReport.hidden = true;
    var first = root.querySelector("details.zn-sc-aspect");
    if (first) {
      renderAspect(first.getAttribute("data-aspect"));
      first.open = true;
    }
    updateProgress();
  }

  document.documentElement.classList.remove("zn-sc-reporting");
  load();
  render();
  root.addEventListener("input", onInput);
  root.addEventListener("change", function (event) {
    if (event.target.getAttribute("data-act") === "typical") onTypical(event);
    else if (event.target.getAttribute("data-rec") === "result") onInput(event);
    else if (event.target.tagName === "SELECT" || event.target.type === "date") onInput(event);
  });
  root.addEventListener("click", onClick);
  window.addEventListener("beforeprint", function () { if (report.hidden) showReport(true); });
  // Another tab of the same page saved: take its record rather than overwrite it with an old one.
  window.addEventListener("storage", function (event) {
    if (event.key !== D.storageKey) return;
    load();
    render();
    say("本行业的自查数据已在另一个标签页中更改，本页已重新载入。");
  });
  performance.measure("zn-sc-start", { start: started, end: performance.now() });
  // For the tests and for anyone inspecting the page: the record as it would be exported.
  window.ZhinanSelfCheck = { record: function () { save(); return JSON.parse(JSON.stringify(state)); }, summary: summary };
})();
