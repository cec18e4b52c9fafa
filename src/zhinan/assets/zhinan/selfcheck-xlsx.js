// zhinan: the self-check record in and out of the sector's enterprise workbook (.xlsx), in the browser.
//
// The build embeds the sector's blank workbook (the same file as the 三张清单 download) and its
// layout: which sheet and column holds each record field, and which row each checklist item is
// on. Export unzips the blank workbook (fflate), writes the record into those cells (inline
// strings, numbers, dates as serial numbers, keeping each cell's style), asks Excel, WPS and
// LibreOffice to recalculate every formula on opening, and zips it again. Import reads the same
// cells back and checks every value against the record format; any problem refuses the file.
(function () {
  "use strict";
  var NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  var REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  var XML_NS = "http://www.w3.org/XML/1998/namespace";
  var DAY = 86400000;
  var EPOCH = Date.UTC(1899, 11, 30);

  function fail(text) { throw new Error(text); }

  // ---- Zip and XML -------------------------------------------------------------------------

  function base64Bytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function parse(files, path) {
    if (!files[path]) fail("缺少 " + path + "。");
    var doc = new DOMParser().parseFromString(new TextDecoder("utf-8").decode(files[path]), "application/xml");
    if (doc.getElementsByTagName("parsererror").length) fail(path + " 不是有效的 XML。");
    return doc;
  }

  function serialize(doc) {
    var text = new XMLSerializer().serializeToString(doc);
    if (text.slice(0, 5) !== "<?xml") text = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text;
    return new TextEncoder().encode(text);
  }

  function kids(node, name) {
    var out = [];
    for (var c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1 && c.localName === name) out.push(c);
    return out;
  }

  // The worksheet file of each sheet, by the sheet's name.
  function sheetPaths(files) {
    var wb = parse(files, "xl/workbook.xml");
    var rels = parse(files, "xl/_rels/workbook.xml.rels");
    var targets = {};
    Array.prototype.forEach.call(rels.getElementsByTagName("Relationship"), function (r) {
      var t = r.getAttribute("Target");
      targets[r.getAttribute("Id")] = t.charAt(0) === "/" ? t.slice(1) : "xl/" + t;
    });
    var paths = {};
    Array.prototype.forEach.call(wb.getElementsByTagNameNS(NS, "sheet"), function (s) {
      paths[s.getAttribute("name")] = targets[s.getAttributeNS(REL, "id")];
    });
    return paths;
  }

  function sharedStrings(files) {
    if (!files["xl/sharedStrings.xml"]) return [];
    var doc = parse(files, "xl/sharedStrings.xml");
    return Array.prototype.map.call(doc.getElementsByTagNameNS(NS, "si"), function (si) {
      // Plain text is <t>, rich text is <r><t>; phonetic runs (<rPh>) are not part of the text.
      return kids(si, "t").concat(kids(si, "r").reduce(function (a, r) { return a.concat(kids(r, "t")); }, []))
        .map(function (t) { return t.textContent; }).join("");
    });
  }

  function colNumber(letters) {
    var n = 0;
    for (var i = 0; i < letters.length; i++) n = n * 26 + letters.charCodeAt(i) - 64;
    return n;
  }
  function splitRef(ref) {
    var m = /^([A-Z]+)([0-9]+)$/.exec(ref);
    return { col: colNumber(m[1]), row: Number(m[2]) };
  }

  // One worksheet: its rows and cells by reference, to read and to write.
  function Sheet(doc) {
    this.doc = doc;
    this.data = doc.getElementsByTagNameNS(NS, "sheetData")[0];
    this.rows = {};
    this.cells = {};
    var self = this;
    kids(this.data, "row").forEach(function (row) {
      self.rows[row.getAttribute("r")] = row;
      kids(row, "c").forEach(function (c) { self.cells[c.getAttribute("r")] = c; });
    });
  }

  Sheet.prototype.raw = function (ref, strings) {
    var c = this.cells[ref];
    if (!c) return null;
    var t = c.getAttribute("t");
    var v = kids(c, "v")[0];
    if (t === "inlineStr") {
      var is = kids(c, "is")[0];
      return is ? is.textContent : null;
    }
    if (!v) return null;
    if (t === "s") return strings[Number(v.textContent)];
    if (t === "str" || t === "e") return v.textContent;
    if (t === "b") return v.textContent === "1";
    return Number(v.textContent);
  };

  Sheet.prototype.row = function (n) {
    var key = String(n);
    if (this.rows[key]) return this.rows[key];
    var row = this.doc.createElementNS(NS, "row");
    row.setAttribute("r", key);
    var after = null;
    kids(this.data, "row").some(function (r) { if (Number(r.getAttribute("r")) > n) { after = r; return true; } return false; });
    this.data.insertBefore(row, after);
    this.rows[key] = row;
    return row;
  };

  Sheet.prototype.cell = function (ref) {
    if (this.cells[ref]) return this.cells[ref];
    var at = splitRef(ref);
    var row = this.row(at.row);
    var c = this.doc.createElementNS(NS, "c");
    c.setAttribute("r", ref);
    // A new cell takes the style of the column's cell in the row above (the blank rows are styled).
    var above = this.cells[ref.replace(/[0-9]+$/, String(at.row - 1))];
    if (above && above.getAttribute("s")) c.setAttribute("s", above.getAttribute("s"));
    var after = null;
    kids(row, "c").some(function (x) { if (splitRef(x.getAttribute("r")).col > at.col) { after = x; return true; } return false; });
    row.insertBefore(c, after);
    this.cells[ref] = c;
    return c;
  };

  Sheet.prototype.put = function (ref, value) {
    var c = this.cell(ref);
    while (c.firstChild) c.removeChild(c.firstChild);
    c.removeAttribute("t");
    if (value === null || value === undefined || value === "") return;
    if (typeof value === "number") {
      c.appendChild(this.doc.createElementNS(NS, "v")).textContent = String(value);
      return;
    }
    c.setAttribute("t", "inlineStr");
    var t = c.appendChild(this.doc.createElementNS(NS, "is")).appendChild(this.doc.createElementNS(NS, "t"));
    t.setAttributeNS(XML_NS, "xml:space", "preserve");
    t.textContent = String(value).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
  };

  // ---- Values ------------------------------------------------------------------------------

  function dateSerial(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return m ? Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - EPOCH) / DAY) : iso;
  }
  function serialDate(n) {
    var d = new Date(EPOCH + Math.round(n) * DAY);
    return d.toISOString().slice(0, 10);
  }

  function cellOut(value, field) {
    if (field.kind === "date" && value) return dateSerial(value);
    return value;
  }

  // A cell's value as the record holds it, or an error text.
  function cellIn(raw, field) {
    if (raw === null || raw === undefined || raw === "") return { value: field.kind === "text" ? "" : null };
    if (field.kind === "number") {
      var n = typeof raw === "number" ? raw : Number(String(raw).replace(/[,，\s]/g, ""));
      return isNaN(n) || n < 0 ? { error: "应为不小于 0 的数字，实为“" + raw + "”" } : { value: n };
    }
    if (field.kind === "date") {
      if (typeof raw === "number") return { value: serialDate(raw) };
      var m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(String(raw).trim());
      if (!m) return { error: "应为日期（如 2026-12-31），实为“" + raw + "”" };
      return { value: m[1] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[3]).slice(-2) };
    }
    var s = typeof raw === "number" ? String(raw) : String(raw).trim();
    if (field.enum.length && s && field.enum.indexOf(s) < 0) return { error: "“" + s + "”不是 " + field.enum.join("、") + " 之一" };
    if (field.pattern && s && !new RegExp(field.pattern).test(s)) return { error: "“" + s + "”的格式不对" };
    return { value: s };
  }

  // ---- Export ------------------------------------------------------------------------------

  function open(bytes) {
    var files;
    try { files = fflate.unzipSync(bytes); } catch (e) { fail("文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或不是 .xlsx 格式。"); }
    if (!files["xl/workbook.xml"]) fail("文件不是 Excel 工作簿（.xlsx）。");
    return files;
  }

  function fieldsOf(D, rec) {
    var out = {};
    D.record.fields[rec].forEach(function (f) { out[f.name] = f; });
    return out;
  }

  function write(D, record) {
    var L = D.workbook.layout;
    var files = open(base64Bytes(D.workbook.blank));
    var paths = sheetPaths(files);
    var sheets = {};
    function sheet(name) {
      if (!sheets[name]) sheets[name] = new Sheet(parse(files, paths[name]));
      return sheets[name];
    }
    var info = fieldsOf(D, "Inspection");
    Object.keys(L.cover).forEach(function (name) {
      var at = L.cover[name];
      if (name !== "sector") sheet(at.sheet).put(at.cell, cellOut(record[name], info[name]));
    });
    L.lists.forEach(function (list) {
      var fields = fieldsOf(D, list.record);
      var s = sheet(list.sheet);
      var rows = list.record === "ItemResult" ? record.results : list.record === "Finding" ? record.findings : record.rectifications;
      rows.forEach(function (r, n) {
        var row = list.record === "ItemResult" ? list.rows[r.item] : list.firstRow + n;
        if (!row) return;
        Object.keys(list.columns).forEach(function (name) {
          if (list.record === "ItemResult" && name === "item") return;  // the item's own row
          s.put(list.columns[name] + row, cellOut(r[name], fields[name]));
        });
      });
    });
    Object.keys(sheets).forEach(function (name) { files[paths[name]] = serialize(sheets[name].doc); });
    recalculateOnLoad(files);
    return fflate.zipSync(files, { level: 6 });
  }

  // Every formula is computed again when the file is opened (the blank workbook's cached results
  // would show the figures of an empty check).
  function recalculateOnLoad(files) {
    var wb = parse(files, "xl/workbook.xml");
    var calc = wb.getElementsByTagNameNS(NS, "calcPr")[0];
    if (!calc) {
      calc = wb.createElementNS(NS, "calcPr");
      var later = ["oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                   "fileRecoveryPr", "webPublishObjects", "extLst"];
      var before = null;
      for (var c = wb.documentElement.firstChild; c && !before; c = c.nextSibling) {
        if (c.nodeType === 1 && later.indexOf(c.localName) >= 0) before = c;
      }
      wb.documentElement.insertBefore(calc, before);
    }
    calc.setAttribute("fullCalcOnLoad", "1");
    files["xl/workbook.xml"] = serialize(wb);
    Object.keys(files).forEach(function (path) {
      if (!/^xl\/worksheets\/[^/]+\.xml$/.test(path)) return;
      var text = new TextDecoder("utf-8").decode(files[path]);
      if (text.indexOf("<f") < 0) return;
      var doc = parse(files, path);
      Array.prototype.forEach.call(doc.getElementsByTagNameNS(NS, "f"), function (f) {
        kids(f.parentNode, "v").forEach(function (v) { f.parentNode.removeChild(v); });
      });
      files[path] = serialize(doc);
    });
  }

  // ---- Import ------------------------------------------------------------------------------

  function read(D, bytes) {
    var L = D.workbook.layout;
    var files = open(bytes);
    var paths = sheetPaths(files);
    var strings = sharedStrings(files);
    var sheets = {};
    var problems = [];
    function sheet(name) {
      if (!paths[name] || !files[paths[name]]) fail("工作簿中没有“" + name + "”工作表：它不是本指南的三张清单工作簿。");
      if (!sheets[name]) sheets[name] = new Sheet(parse(files, paths[name]));
      return sheets[name];
    }
    function value(sheetName, ref, field) {
      var got = cellIn(sheet(sheetName).raw(ref, strings), field);
      if (got.error) problems.push(sheetName + "!" + ref + "（" + field.title + "）：" + got.error);
      return got.value;
    }
    checkSector(D, L, sheet, strings);

    var info = fieldsOf(D, "Inspection");
    var record = { format: D.record.format, version: D.record.version, sector: D.sector.id, enterprise: "", date: null,
                   inspectors: "", kind: info.kind["default"], results: [], findings: [], rectifications: [] };
    Object.keys(L.cover).forEach(function (name) {
      if (name === "sector") return;
      var v = value(L.cover[name].sheet, L.cover[name].cell, info[name]);
      if (v !== null && v !== "") record[name] = v;
    });
    L.lists.forEach(function (list) {
      var fields = fieldsOf(D, list.record);
      var names = Object.keys(list.columns);
      if (list.record === "ItemResult") {
        D.items.forEach(function (it) {
          var row = list.rows[it.id];
          var r = { item: it.id };
          names.forEach(function (name) { if (name !== "item") r[name] = value(list.sheet, list.columns[name] + row, fields[name]); });
          if (r.result === "") r.result = null;
          if (r.result || r.remark) record.results.push(r);
        });
        return;
      }
      var into = list.record === "Finding" ? record.findings : record.rectifications;
      for (var row = list.firstRow; row <= list.lastRow; row++) {
        var key = value(list.sheet, list.columns[list.key] + row, fields[list.key]);
        if (!key) continue;
        var r = {};
        D.record.fields[list.record].forEach(function (f) {
          r[f.name] = list.columns[f.name] ? value(list.sheet, list.columns[f.name] + row, f) : f["default"];
        });
        into.push(r);
      }
    });
    link(D, record, problems);
    if (problems.length) {
      fail("工作簿中有 " + problems.length + " 处内容不符合格式：" + problems.slice(0, 5).join("；") + (problems.length > 5 ? "；……" : "") + "。请改正后再导入。");
    }
    return record;
  }

  // The workbook must be this sector's: its checklist rows hold this sector's items.
  function checkSector(D, L, sheet, strings) {
    var list = L.lists.filter(function (l) { return l.record === "ItemResult"; })[0];
    var s = sheet(list.sheet);
    var strangers = [];
    D.items.forEach(function (it) {
      var got = s.raw(list.idColumn + list.rows[it.id], strings);
      if (got !== it.id) strangers.push(got === null ? "（空）" : String(got));
    });
    if (strangers.length) {
      var found = String(strangers.filter(function (x) { return x !== "（空）"; })[0] || "");
      fail("这不是“" + D.sector.name + "”的工作簿：检查清单中" + (found ? "出现了本行业没有的检查项 " + found : "缺少本行业的检查项") +
           "。请在对应行业的在线自查页面导入。");
    }
  }

  // Findings point at this sector's items; every rectification at a finding, every finding gets one.
  function link(D, record, problems) {
    var items = {};
    D.items.forEach(function (it) { items[it.id] = it; });
    var ids = {};
    record.findings.forEach(function (f) {
      if (ids[f.id]) problems.push("隐患编号 " + f.id + " 重复");
      ids[f.id] = true;
      if (f.item && !items[f.item]) problems.push("隐患 " + f.id + " 的对应检查项 " + f.item + " 不是本行业的检查项");
      if (!f.aspect && items[f.item]) f.aspect = items[f.item].aspect;
      if (!f.aspect) problems.push("隐患 " + f.id + " 没有填写方面");
      if (!f.text) problems.push("隐患 " + f.id + " 没有填写隐患描述");
      if (!f.level) problems.push("隐患 " + f.id + " 没有填写隐患等级");
    });
    var fixed = {};
    record.rectifications.forEach(function (r) {
      if (!ids[r.finding]) problems.push("整改清单中的隐患编号 " + r.finding + " 在隐患清单中没有");
      if (fixed[r.finding]) problems.push("隐患 " + r.finding + " 有两条整改");
      fixed[r.finding] = true;
      if (!r.status) r.status = fieldsOf(D, "Rectification").status["default"];
    });
    record.findings.forEach(function (f) {
      if (fixed[f.id]) return;
      var r = {};
      D.record.fields.Rectification.forEach(function (fd) { r[fd.name] = fd["default"]; });
      r.finding = f.id;
      record.rectifications.push(r);
    });
  }

  window.ZhinanWorkbook = { write: write, read: read };
})();
