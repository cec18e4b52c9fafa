// zhinan: the 自评 of the self-check page (record format v2). The enterprise's identity
// (统一社会信用代码, 所在县（市、区）, 联系人, 联系电话, 主要负责人) and the 自评 of the
// 《企业安全生产标准化建设定级办法》(应急〔2021〕83号): 自评机构, 自评计划, 标准化运行情况,
// 下一步改进措施, 拟申请等级. Field names, titles and allowed values come from the data file
// (zhinan.formats.record via zhinan.site.selfcheck); the workbook cells from the layout's "self" sheet.
// selfcheck.js calls ZhinanSelf.section() to show it; selfcheck-xlsx.js calls toSheet()/fromSheet().
(function () {
  "use strict";
  var D = window.ZHINAN_SELFCHECK;
  if (!D) return;
  var REC = D.record;
  var FIELDS = {};
  REC.fields.Inspection.forEach(function (f) { FIELDS[f.name] = f; });
  var MEMBER = {};
  REC.fields.Member.forEach(function (f) { MEMBER[f.name] = f; });
  var LONG = { plan_scope: 1, plan_division: 1, operation: 1, improvements: 1 };

  // 统一社会信用代码 (GB 32100-2015): why a code is not one, or "" when it is.
  function creditProblem(code) {
    var chars = REC.creditChars;
    if (code.length !== 18) return "应为 18 位，这里是 " + code.length + " 位";
    var bad = code.split("").filter(function (ch) { return chars.indexOf(ch) < 0; });
    if (bad.length) return "含有不允许的字符“" + bad.join("”“") + "”（只用数字和除 I、O、S、V、Z 以外的大写字母）";
    if (!/^[0-9]{6}$/.test(code.slice(2, 8))) return "第 3 至 8 位（登记管理机关行政区划码）应为数字";
    var total = 0;
    for (var i = 0; i < 17; i++) total += chars.indexOf(code.charAt(i)) * REC.creditWeights[i];
    var expected = chars.charAt((31 - total % 31) % 31);
    if (code.charAt(17) !== expected) return "校验码不对：按前 17 位，第 18 位应为“" + expected + "”，这里是“" + code.charAt(17) + "”（请核对营业执照）";
    return "";
  }

  // A record of any version made complete: the fields of version 2 a record lacks get their defaults.
  function complete(record) {
    REC.fields.Inspection.forEach(function (f) {
      if (!(f.name in record)) record[f.name] = f.kind === "list" ? [] : f["default"];
    });
    record.version = REC.version;
    return record;
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
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
  function labelled(text, control, cls, hint) {
    control.id = "zn-sc-self-" + (++uid);
    var kids = [el("label", { "for": control.id, text: text }), control];
    if (hint) kids.push(hint);
    return el("div", { cls: "zn-sc-field" + (cls ? " " + cls : "") }, kids);
  }
  function options(values, value, blankLabel) {
    var s = el("select", null, [el("option", { value: "", text: blankLabel })].concat(values.map(function (v) {
      return el("option", { value: v, text: v });
    })));
    s.value = value || "";
    return s;
  }

  // The 自评 part of the page: edits `state` (the record) in place and calls save() after each change.
  function section(state, save) {
    complete(state);
    var box = el("section", { cls: "zn-sc-self", "aria-labelledby": "zn-sc-self-h" }, [
      el("h2", { id: "zn-sc-self-h", text: "自评信息" }),
      el("p", { cls: "zn-sc-hint", text: "按《企业安全生产标准化建设定级办法》（应急〔2021〕83号）开展自评：成立自评机构，制定自评计划并整改发现的问题，形成自评报告，确定拟申请的等级。这些内容写入自评报告和工作簿的“自评”表。" })
    ]);
    function control(name) {
      var f = FIELDS[name];
      var c;
      if (name === "county" && D.counties.length) c = options(D.counties, state.county, "（请选择）");
      else if (f.enum.length) c = options(f.enum, state[name], "（未定）");
      else if (LONG[name]) { c = el("textarea", { rows: "3" }); c.value = state[name] || ""; }
      else c = el("input", { type: f.kind === "date" ? "date" : name === "phone" ? "tel" : "text", value: state[name] || "" });
      c.setAttribute("data-self", name);
      c.title = f.description;
      var hint = null;
      if (name === "credit_code") {
        c.setAttribute("autocomplete", "off");
        c.setAttribute("spellcheck", "false");
        hint = el("span", { cls: "zn-sc-hint zn-sc-credit", "aria-live": "polite" });
      }
      c.addEventListener(c.tagName === "SELECT" || c.type === "date" ? "change" : "input", function () {
        var v = c.value;
        if (name === "credit_code") {
          v = v.replace(/\s+/g, "").toUpperCase();
          var problem = v ? creditProblem(v) : "";
          hint.textContent = problem ? "统一社会信用代码" + problem : "";
          hint.classList.toggle("zn-sc-bad", !!problem);
          c.setAttribute("aria-invalid", problem ? "true" : "false");
        }
        state[name] = f.kind === "date" || f.enum.length ? (v || null) : v;
        save();
      });
      if (name === "credit_code" && state.credit_code) {
        var p = creditProblem(state.credit_code);
        hint.textContent = p ? "统一社会信用代码" + p : "";
      }
      return labelled(f.title, c, LONG[name] ? "zn-sc-wide" : "", hint);
    }
    function group(title, names) {
      var grid = el("div", { cls: "zn-sc-grid" }, names.map(control));
      return el("fieldset", { cls: "zn-sc-self-part" }, [el("legend", { text: title }), grid]);
    }
    box.appendChild(group("企业基本信息", ["credit_code", "county", "contact", "phone", "principal"]));
    box.appendChild(members(state, save));
    box.appendChild(group("自评计划", ["plan_scope", "plan_division", "plan_start", "plan_end"]));
    box.appendChild(group("自评结论", ["operation", "improvements", "applied_level"]));
    box.appendChild(el("p", { cls: "zn-sc-hint", text: "拟申请等级：一级最高；达到哪一级由本行业的定级标准评定，本页不打分。" }));
    return box;
  }

  // 自评机构: one row per member (姓名, 自评组职务, 本单位职务).
  function members(state, save) {
    var part = el("fieldset", { cls: "zn-sc-self-part zn-sc-members" }, [el("legend", { text: FIELDS.members.title + "（自评工作组）" })]);
    var list = el("div", { cls: "zn-sc-member-list" });
    function row(m, n) {
      var name = el("input", { type: "text", value: m.name, "data-member": String(n), "data-field": "name" });
      var role = options(REC.roles, m.role, "（请选择）");
      role.setAttribute("data-member", String(n));
      role.setAttribute("data-field", "role");
      var post = el("input", { type: "text", value: m.post, "data-member": String(n), "data-field": "post" });
      [name, role, post].forEach(function (c) {
        c.addEventListener(c.tagName === "SELECT" ? "change" : "input", function () {
          state.members[n][c.getAttribute("data-field")] = c.value;
          save();
        });
      });
      var remove = el("button", { type: "button", cls: "zn-sc-link", text: "删除成员 " + (n + 1) });
      remove.addEventListener("click", function () { state.members.splice(n, 1); save(); draw(); });
      return el("div", { cls: "zn-sc-member zn-sc-grid", "data-member-row": String(n) }, [
        labelled((n + 1) + ". " + MEMBER.name.title, name), labelled(MEMBER.role.title, role), labelled(MEMBER.post.title, post), remove
      ]);
    }
    function draw() {
      list.textContent = "";
      state.members.forEach(function (m, n) { list.appendChild(row(m, n)); });
    }
    var add = el("button", { type: "button", cls: "md-button zn-sc-small", "data-self-act": "add-member", text: "添加自评机构成员" });
    add.addEventListener("click", function () {
      var max = D.workbook && D.workbook.layout.sheets.self ? D.workbook.layout.sheets.self.members.last_row - D.workbook.layout.sheets.self.members.first_row + 1 : 0;
      if (max && state.members.length >= max) {
        window.alert("自评机构最多 " + max + " 人（工作簿“自评”表的行数）。");
        return;
      }
      state.members.push({ name: "", role: state.members.length ? REC.roles[2] : REC.roles[0], post: "" });
      save();
      draw();
      var inputs = list.querySelectorAll("input[data-field='name']");
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    var csvButton = el("button", { type: "button", cls: "md-button zn-sc-small", text: "导出自评机构 CSV" });
    csvButton.addEventListener("click", function () { download(csvName("自评机构"), membersCsv(state)); });
    draw();
    part.appendChild(list);
    part.appendChild(add);
    part.appendChild(csvButton);
    return part;
  }

  // ---- CSV: the 自评机构 (the columns of the build's members.csv) ---------------------------------

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;  // never a formula in a spreadsheet
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function membersCsv(state) {
    var lines = [REC.fields.Member.map(function (f) { return csvCell(f.title); }).join(",")];
    (state.members || []).forEach(function (m) { lines.push(REC.fields.Member.map(function (f) { return csvCell(m[f.name]); }).join(",")); });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  function csvName(what) { return D.sector.name + "-" + what + ".csv"; }
  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    var a = el("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // ---- The workbook's 自评 sheet (called by selfcheck-xlsx.js with its Sheet) --------------------

  function toSheet(sheet, layout, record, cellOut) {
    complete(record);
    Object.keys(layout.cells).forEach(function (name) {
      sheet.put(layout.cells[name], cellOut(record[name], FIELDS[name]));
    });
    var t = layout.members;
    var letters = {};
    t.columns.forEach(function (c) { letters[c.field] = c.letter; });
    var rows = t.last_row - t.first_row + 1;
    if (record.members.length > rows) throw new Error("自评机构有 " + record.members.length + " 人，工作簿只有 " + rows + " 行。");
    record.members.forEach(function (m, n) {
      REC.fields.Member.forEach(function (f) { sheet.put(letters[f.name] + (t.first_row + n), m[f.name]); });
    });
  }

  // value(ref, field) reads and checks one cell (and records a problem naming it); problem(ref, text) records one,
  // text beginning with the field's title in brackets: 自评!C3（统一社会信用代码）：…
  function fromSheet(layout, record, value, problem) {
    Object.keys(layout.cells).forEach(function (name) {
      var ref = layout.cells[name];
      var v = value(ref, FIELDS[name]);
      if (name === "credit_code" && v) {
        v = String(v).replace(/\s+/g, "").toUpperCase();
        var p = creditProblem(v);
        if (p) problem(ref, "（" + FIELDS.credit_code.title + "）：" + p);
      }
      if (name === "county" && v && D.counties.length && D.counties.indexOf(v) < 0) {
        problem(ref, "（" + FIELDS.county.title + "）：“" + v + "”不是 " + D.counties.join("、") + " 之一");
      }
      // An empty cell is the field's default: "" for text, null for 拟申请等级 and the dates.
      record[name] = v === undefined || v === "" || v === null ? FIELDS[name]["default"] : v;
    });
    var t = layout.members;
    var letters = {};
    t.columns.forEach(function (c) { letters[c.field] = c.letter; });
    record.members = [];
    for (var r = t.first_row; r <= t.last_row; r++) {
      var m = {};
      var filled = false;
      REC.fields.Member.forEach(function (f) {
        m[f.name] = value(letters[f.name] + r, f) || "";
        if (m[f.name]) filled = true;
      });
      if (!filled) continue;
      if (!m.name) problem(letters.name + r, "（" + MEMBER.name.title + "）：这一行填了自评机构成员，但“" + MEMBER.name.title + "”是空的");
      if (!m.role) problem(letters.role + r, "（" + MEMBER.role.title + "）：这一行填了自评机构成员，但“" + MEMBER.role.title + "”是空的");
      record.members.push(m);
    }
  }

  window.ZhinanSelf = { section: section, complete: complete, creditProblem: creditProblem, toSheet: toSheet, fromSheet: fromSheet,
                        fields: REC.selfFields.concat(["members"]) };
})();
