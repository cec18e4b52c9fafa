// zhinan: the self-check record in and out of the sector's enterprise workbook (.xlsx), in the browser.
//
// The build embeds the sector's blank workbook (the same file as the 三张清单 download) and its
// layout from zhinan.sheets.workbook.enterprise_layout: the cover cells, and for each list its sheet,
// rows and the column of each record field (checklist rows are found by their 编号). Export unzips the blank workbook (fflate), writes the record into those cells (inline
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

  // A formula whose result the file does not hold (written by a program that does not calculate):
  // its value is unknown, not 0 or empty.
  var NO_RESULT = { noResult: true };

  Sheet.prototype.raw = function (ref, strings) {
    var c = this.cells[ref];
    if (!c) return null;
    var t = c.getAttribute("t");
    var v = kids(c, "v")[0];
    if (kids(c, "f").length && (!v || v.textContent === "")) return NO_RESULT;
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

  Sheet.prototype.lastRow = function () {
    var max = 0;
    Object.keys(this.rows).forEach(function (k) { if (kids(this.rows[k], "c").length && Number(k) > max) max = Number(k); }, this);
    return max;
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
    // A written cell keeps the look the blank one had: the row's style, else the column's.
    var style = row.getAttribute("customFormat") === "1" ? row.getAttribute("s") : this.columnStyles()[at.col];
    if (style) c.setAttribute("s", style);
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

  // Neither Excel nor LibreOffice measures rows when opening a file: a row written here is made
  // tall enough for its longest text, in the same way as zhinan.sheets.workbook.row_height: one
  // display column (half a CJK character) per unit of column width, less one; 16 pt a line.
  // `shown` adds text the row shows by formula (整改清单's looked-up 隐患描述), which the file
  // does not hold as text and no application measures either.
  var LINE_PT = 16;
  function displayWidth(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) n += text.charCodeAt(i) >= 0x2e80 ? 2 : 1;
    return n;
  }
  Sheet.prototype.cols = function (attr) {
    var out = {};
    Array.prototype.forEach.call(this.doc.getElementsByTagNameNS(NS, "col"), function (c) {
      for (var k = Number(c.getAttribute("min")); k <= Number(c.getAttribute("max")); k++) out[k] = c.getAttribute(attr);
    });
    return out;
  };
  Sheet.prototype.widths = function () { return this._widths || (this._widths = this.cols("width")); };
  Sheet.prototype.columnStyles = function () { return this._styles || (this._styles = this.cols("style")); };
  Sheet.prototype.defaultHeight = function () {
    var f = this.doc.getElementsByTagNameNS(NS, "sheetFormatPr")[0];
    return Number(f && f.getAttribute("defaultRowHeight")) || 15;
  };
  Sheet.prototype.fit = function (n, shown) {
    var row = this.row(n);
    var widths = this.widths();
    var lines = 1;
    function measure(col, text) {
      var per = Math.max(1, Math.floor(Number(widths[col]) || 8.43) - 1);
      var count = String(text).split("\n").reduce(function (a, part) { return a + Math.max(1, Math.ceil(displayWidth(part) / per)); }, 0);
      if (count > lines) lines = count;
    }
    kids(row, "c").forEach(function (c) {
      if (c.getAttribute("t") === "inlineStr") measure(splitRef(c.getAttribute("r")).col, c.textContent);
    });
    (shown || []).forEach(function (x) { measure(colNumber(x.letter), x.text); });
    var need = LINE_PT * lines + 4;
    if (need > (Number(row.getAttribute("ht")) || this.defaultHeight())) {
      row.setAttribute("ht", String(need));
      row.setAttribute("customHeight", "1");
    }
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

  var FORMULA_ERRORS = ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"];  // openpyxl's ERROR_CODES

  // A cell's value as the record holds it, or an error text.
  function cellIn(raw, field) {
    if (raw === null || raw === undefined || raw === "") return { value: field.kind === "text" ? "" : null };
    if (raw === NO_RESULT) return { error: "是公式，但文件中没有保存它的计算结果：请用 Excel 或 WPS 打开、保存后再导入，或直接填写数值" };
    // A formula's error result (#REF! where the rows it pointed at were deleted) is not what was filled in:
    // refused, naming the cell, as zhinan.sheets.readback refuses it (FORMULA_ERROR).
    if (typeof raw === "string" && FORMULA_ERRORS.indexOf(raw) >= 0) {
      return { error: "显示的是公式出错的结果“" + raw + "”（公式引用的行或单元格已被删除，或找不到），不是填写的内容：请改正公式或直接填写后再导入" };
    }
    // Amounts and dates typed as text are read as selfcheck-money.js reads them on the page:
    // "1.5万元" is 15,000 元; "壹万" and 2026/02/30 are refused, naming the cell.
    if (field.kind === "number") {
      if (typeof raw === "number") return raw < 0 ? { error: "应为不小于 0 的金额，实为“" + raw + "”" } : { value: raw };
      return window.ZhinanMoney.money(raw);
    }
    if (field.kind === "date") {
      if (typeof raw === "number") return { value: serialDate(raw) };
      return window.ZhinanMoney.date(raw);
    }
    var s = typeof raw === "number" ? String(raw) : String(raw).trim();
    if (field.enum.length && s && field.enum.indexOf(s) < 0) return { error: "“" + s + "”不是 " + field.enum.join("、") + " 之一" };
    if (field.pattern && s && !new RegExp(field.pattern).test(s)) return { error: "“" + s + "”的格式不对" };
    return { value: s };
  }

  // ---- Export ------------------------------------------------------------------------------

  // What an imported file may be: a workbook of this page with 500 hazards is under 1 MB on disk
  // and a few MB unzipped. The unzipped size is the one each file of the zip declares, read from
  // the zip's directory before anything is inflated: a "zip bomb" (1 MB inflating to 1 GB) is
  // refused before it can fill the tab's memory.
  var MAX_FILE = 20 * 1024 * 1024, MAX_INFLATED = 100 * 1024 * 1024;
  function mb(n) { return (n / 1024 / 1024).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + " MB"; }

  // Pictures and other parts a workbook may hold that the record does not keep.
  function dropped(name) { return /^xl\/(media|drawings|embeddings)\//.test(name); }

  function open(bytes, skipped) {
    var files;
    if (bytes.length > MAX_FILE) fail("文件有 " + mb(bytes.length) + "，超过本页可导入的 " + mb(MAX_FILE) + "：这不是本页导出的工作簿。");
    var total = 0;
    try {
      fflate.unzipSync(bytes, { filter: function (f) { total += f.originalSize; return false; } });  // the directory only
    } catch (e) { fail("文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或不是 .xlsx 格式。"); }
    if (!(total <= MAX_INFLATED)) {
      fail("文件解压后有 " + mb(total) + "，超过本页可导入的 " + mb(MAX_INFLATED) + "（文件本身 " + mb(bytes.length) +
           "）：没有解压，也没有导入。请导入本页或本指南网站下载的工作簿。");
    }
    try {
      files = fflate.unzipSync(bytes, { filter: function (f) {
        if (dropped(f.name)) { if (skipped) skipped.push(f.name); return false; }
        return true;
      } });
    } catch (e) { fail("文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或不是 .xlsx 格式。"); }
    if (!files["xl/workbook.xml"]) fail("文件不是 Excel 工作簿（.xlsx）。");
    return files;
  }

  function fieldsOf(D, rec) {
    var out = {};
    D.record.fields[rec].forEach(function (f) { out[f.name] = f; });
    return out;
  }

  // A list's columns that hold a field of the record (not the looked-up or read-only ones).
  function columns(list, fields) {
    var out = {};
    list.columns.forEach(function (c) { if (!c.computed && fields[c.field]) out[c.field] = c.letter; });
    return out;
  }

  // The row of each checklist item, by the 编号 in the workbook's own 检查清单.
  function itemRows(sheet, list, strings) {
    var id = list.columns.filter(function (c) { return c.field === "id"; })[0].letter;
    var rows = {};
    for (var r = list.first_row; r <= list.last_row; r++) {
      var v = sheet.raw(id + r, strings);
      if (typeof v === "string" && v.trim()) rows[v.trim().toUpperCase()] = r;
    }
    return rows;
  }

  // 隐患清单 and 整改清单 keep each hazard on the row of its number: YH-001 on the first, and so on.
  function listRow(list, fid) {
    var n = parseInt(String(fid).replace(/^YH-/, ""), 10);
    var row = list.first_row + n - 1;
    if (!(n >= 1) || row > list.last_row) fail("隐患编号 " + fid + " 超出工作簿准备的 " + (list.last_row - list.first_row + 1) + " 行。");
    return row;
  }

  var LISTS = [["findings", "Finding", "findings", "id"], ["rectifications", "Rectification", "rectifications", "finding"]];
  /* sheet key in the layout, record type, list of the record, the field that holds the 隐患编号 */

  function write(D, record) {
    var L = D.workbook.layout;
    var files = open(base64Bytes(D.workbook.blank));
    var paths = sheetPaths(files);
    var strings = sharedStrings(files);
    var sheets = {};
    function sheet(name) {
      if (!sheets[name]) sheets[name] = new Sheet(parse(files, paths[name]));
      return sheets[name];
    }
    var printed = {};  // the last row written on each list, which must be printed
    var info = fieldsOf(D, "Inspection");
    Object.keys(L.cover.cells).forEach(function (name) {
      if (name !== "sector") sheet(L.cover.sheet).put(L.cover.cells[name], cellOut(record[name], info[name]));
    });
    var check = L.sheets.checklist;
    var s = sheet(check.name);
    var rows = itemRows(s, check, strings);
    var cols = columns(check, fieldsOf(D, "ItemResult"));
    record.results.forEach(function (r) {
      if (!rows[r.item]) return;
      s.put(cols.result + rows[r.item], r.result);
      s.put(cols.remark + rows[r.item], r.remark);
      if (r.remark) s.fit(rows[r.item]);
    });
    LISTS.forEach(function (x) {
      var list = L.sheets[x[0]];
      var fields = fieldsOf(D, x[1]);
      var letters = columns(list, fields);
      var ls = sheet(list.name);
      record[x[2]].forEach(function (r) {
        var row = listRow(list, r[x[3]]);
        Object.keys(letters).forEach(function (name) { ls.put(letters[name] + row, cellOut(r[name], fields[name])); });
        ls.fit(row, x[0] === "rectifications" ? lookedUp(list, record, r.finding) : null);
        printed[list.name] = Math.max(printed[list.name] || 0, row);
      });
    });
    if (L.sheets.self && paths[L.sheets.self.name] && window.ZhinanSelf) {
      window.ZhinanSelf.toSheet(sheet(L.sheets.self.name), L.sheets.self, record, cellOut);
    }
    Object.keys(sheets).forEach(function (name) { files[paths[name]] = serialize(sheets[name].doc); });
    finish(files, printed);
    // Level 1: a 500-item workbook zips three times faster than at level 6, for 15 % more bytes.
    return fflate.zipSync(files, { level: 1 });
  }

  // The text the 整改清单's lookup columns will show on a row: the hazard's own fields.
  function lookedUp(list, record, fid) {
    var f = null;
    record.findings.forEach(function (x) { if (x.id === fid) f = x; });
    if (!f) return [];
    return list.columns.filter(function (c) { return c.computed; }).map(function (c) {
      return { letter: c.letter, text: f[c.field.replace(/^finding\./, "")] || "" };
    });
  }

  // Every formula is computed again when the file is opened (the blank workbook's cached results
  // would show the figures of an empty check), and each list's print area reaches its last row.
  function finish(files, printed) {
    var wb = parse(files, "xl/workbook.xml");
    var names = Array.prototype.map.call(wb.getElementsByTagNameNS(NS, "sheet"), function (x) { return x.getAttribute("name"); });
    Array.prototype.forEach.call(wb.getElementsByTagNameNS(NS, "definedName"), function (d) {
      var last = printed[names[Number(d.getAttribute("localSheetId"))]];
      if (d.getAttribute("name") !== "_xlnm.Print_Area" || !last) return;
      // The print area ends at the last filled row (a blank list keeps its page of rows to write in).
      d.textContent = d.textContent.replace(/\$(\d+)$/, function () { return "$" + last; });
    });
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
    // The blank workbook (written by openpyxl) holds formulas without cached results, so there is
    // no stale figure to remove.
  }

  // ---- Import ------------------------------------------------------------------------------

  function read(D, bytes) {
    var L = D.workbook.layout;
    var skipped = [];
    var files = open(bytes, skipped);
    var notes = [];
    var pictures = skipped.filter(function (n) { return /^xl\/media\//.test(n); });
    if (pictures.length) {
      notes.push("工作簿中的 " + pictures.length + " 张图片（" + pictures.map(function (n) { return n.replace(/^xl\/media\//, ""); }).slice(0, 5).join("、") +
                 (pictures.length > 5 ? "……" : "") + "）不属于自查记录，没有导入；本页导出的工作簿不会带上它们，请另行保存。");
    } else if (skipped.length) {
      notes.push("工作簿中的图形或嵌入对象（" + skipped.length + " 个部件）不属于自查记录，没有导入。");
    }
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
    var sector = sheet(L.cover.sheet).raw(L.cover.cells.sector, strings);
    if (sector !== D.sector.name) {
      fail("这不是“" + D.sector.name + "”的工作簿（" + L.cover.sheet + "!" + L.cover.cells.sector + " 的行业是“" +
           (sector || "空") + "”）。请在对应行业的在线自查页面导入，或下载本行业的工作簿。");
    }
    var info = fieldsOf(D, "Inspection");
    var record = { format: D.record.format, version: D.record.version, sector: D.sector.id, enterprise: "", date: null,
                   inspectors: "", kind: info.kind["default"], results: [], findings: [], rectifications: [] };
    if (window.ZhinanSelf) window.ZhinanSelf.complete(record);
    var self = L.sheets.self;
    if (self && paths[self.name] && files[paths[self.name]] && window.ZhinanSelf) {
      window.ZhinanSelf.fromSheet(self, record, function (ref, field) { return value(self.name, ref, field); },
                                  function (ref, text) { problems.push(self.name + "!" + ref + text); });
    } else {
      record.notes = [D.record.v1Note];  // a workbook of record format 1 has no 自评 sheet
    }
    Object.keys(L.cover.cells).forEach(function (name) {
      if (name === "sector") return;
      var v = value(L.cover.sheet, L.cover.cells[name], info[name]);
      if (v !== null && v !== "") record[name] = v;
    });

    var check = L.sheets.checklist;
    var rows = itemRows(sheet(check.name), check, strings);
    var rf = fieldsOf(D, "ItemResult");
    var cols = columns(check, rf);
    var order = {};
    D.items.forEach(function (it, n) { order[it.id] = n; });
    Object.keys(rows).forEach(function (id) {
      var r = { item: id, result: value(check.name, cols.result + rows[id], rf.result) || null,
                remark: value(check.name, cols.remark + rows[id], rf.remark) };
      if (!r.result && !r.remark) return;
      if (!(id in order)) problems.push(check.name + "!" + cols.result + rows[id] + "：检查项 " + id + " 不是本行业的检查项");
      else record.results.push(r);
    });
    record.results.sort(function (a, b) { return order[a.item] - order[b.item]; });

    // A row of a list counts once any of its own cells is filled: the 隐患编号 are printed in advance.
    // Rows are read to the end of the sheet, not only the prepared ones: a list filled beyond them is
    // refused with the limit rather than cut short. A row inserted in Excel has no 隐患编号; it gets the
    // next free one (and the import says so), not the number of its position, which another row holds.
    var found = {};
    var unnumbered = [];
    LISTS.forEach(function (x) {
      var list = L.sheets[x[0]];
      var letters = columns(list, fieldsOf(D, x[1]));
      var ls = sheet(list.name);
      var end = Math.max(list.last_row, ls.lastRow());
      var over = [];
      var rowOf = {};  // 隐患编号 → the row that has it: a row copied in Excel brings its number along
      for (var row = list.first_row; row <= end; row++) {
        var r = {};
        var filled = false;
        D.record.fields[x[1]].forEach(function (f) {
          r[f.name] = letters[f.name] ? value(list.name, letters[f.name] + row, f) : f["default"];
          if (f.name !== x[3] && letters[f.name] && r[f.name] !== null && r[f.name] !== "") filled = true;
        });
        if (!filled && !(x[0] === "rectifications" && found[r.finding])) continue;
        if (row > list.last_row) { over.push(row); continue; }
        if (r[x[3]] && rowOf[r[x[3]]]) {
          problems.push(list.name + "!" + letters[x[3]] + row + "：" + (x[0] === "findings"
            ? "隐患编号 " + r.id + " 与第 " + rowOf[r.id] + " 行重复（在 Excel 中复制的行？），请清空这一格（导入时自动编号）或改为新的编号"
            : "隐患 " + r.finding + " 已有第 " + rowOf[r.finding] + " 行的整改，一条隐患只有一条整改"));
          continue;
        }
        if (r[x[3]]) rowOf[r[x[3]]] = row;
        if (!r[x[3]]) {
          if (x[0] === "rectifications") { problems.push(list.name + "!" + letters.finding + row + "：这一行填了整改，但没有隐患编号"); continue; }
          unnumbered.push({ row: row, r: r, ref: list.name + "!" + letters.id + row });
        } else if (x[0] === "findings") found[r.id] = true;
        record[x[2]].push(r);
      }
      if (over.length) {
        fail(list.name + "填到了第 " + over[over.length - 1] + " 行：第 " + over[0] + " 行起还有 " + over.length + " 行，超出本页和工作簿的 " +
             (list.last_row - list.first_row + 1) + " 条（第 " + list.first_row + "–" + list.last_row + " 行）。没有导入：请把多出的隐患分到另一次自查后再导入。");
      }
      if (x[0] === "findings") {
        unnumbered.forEach(function (u) {
          var n = 1;
          while (found["YH-" + ("00" + n).slice(-3)]) n++;
          u.r.id = "YH-" + ("00" + n).slice(-3);
          found[u.r.id] = true;
          notes.push(u.ref + " 没有隐患编号（在 Excel 中插入的行），已编为 " + u.r.id + "。");
        });
      }
    });
    // A hazard deleted from the 隐患清单 leaves its row of the 整改清单 behind: the hazard is gone, so
    // is its rectification, and the import names it.
    var orphans = record.rectifications.filter(function (r) { return !found[r.finding]; });
    if (orphans.length) {
      record.rectifications = record.rectifications.filter(function (r) { return found[r.finding]; });
      notes.push("整改清单中 " + orphans.map(function (r) { return r.finding; }).join("、") +
                 " 的整改在隐患清单中没有对应的隐患（隐患行已删除），没有导入。");
    }
    link(D, record, problems);
    if (problems.length) {
      fail("工作簿中有 " + problems.length + " 处内容不符合格式：" + problems.slice(0, 5).join("；") +
           (problems.length > 5 ? "；……" : "") + "。请改正后再导入。");
    }
    record.notes = (record.notes || []).concat(notes);
    return record;
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
