// zhinan: the 自评报告 of the self-check page, in the four steps of the enterprise's 自评 in
// 《企业安全生产标准化建设定级办法》(应急〔2021〕83号): 成立自评机构, 制定自评计划（发现问题并整改）,
// 形成自评报告, 确定拟申请的等级. `zhinan report FILE.xlsx` prints the same report from a filled
// workbook (templates/pdf/report.html); the section titles and the statements are the same there.
// Counts only, no scores: which grade an enterprise reaches is for its industry's 定级标准.
(function () {
  "use strict";
  var D = window.ZHINAN_SELFCHECK;
  if (!D) return;
  var REC = D.record;
  var F = {};
  Object.keys(REC.fields).forEach(function (rec) {
    F[rec] = {};
    REC.fields[rec].forEach(function (f) { F[rec][f.name] = f; });
  });
  var MAJOR = REC.levels[REC.levels.length - 1];
  var OPEN_MAJOR = "存在未销号的重大隐患，暂不具备申请定级的条件";

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = v;
      else if (k === "cls") e.className = v;
      else e.setAttribute(k, v);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function money(n) { return (Math.round(n * 100) / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  function orDash(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }

  // A table whose cells carry their column's title (data-label): below 45em each row becomes a card.
  function table(caption, heads, rows, cls, rowClass) {
    return el("table", { cls: "zn-sc-table" + (cls ? " " + cls : "") }, [
      el("caption", { text: caption }),
      el("thead", null, [el("tr", null, heads.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", null, rows.map(function (r, n) {
        return el("tr", { cls: rowClass ? rowClass(n) : null }, r.map(function (v, k) {
          return el(k ? "td" : "th", k ? { "data-label": heads[k] } : { scope: "row", "data-label": heads[k] }, [v === null || v === undefined ? "" : String(v)]);
        }));
      }))
    ]);
  }

  // Open 重大 hazards: not 已销号. The statement the report makes when there are any.
  function openMajor(state) {
    return state.findings.filter(function (f) {
      if (f.level !== MAJOR) return false;
      var r = state.rectifications.filter(function (x) { return x.finding === f.id; })[0];
      return !r || r.status !== REC.doneStatus;
    });
  }

  function render(box, ctx) {
    var state = ctx.state, s = ctx.summary;
    var I = F.Inspection;
    box.textContent = "";
    box.appendChild(el("h2", { id: "zn-sc-report-h", text: (state.enterprise || "（未填写企业名称）") + " " + D.sector.name + "安全生产标准化自评报告" }));
    var ent = [["enterprise", state.enterprise], ["credit_code", state.credit_code], ["county", state.county],
               ["sector", D.sector.name], ["principal", state.principal], ["contact", state.contact], ["phone", state.phone]];
    box.appendChild(el("dl", { cls: "zn-sc-ent" }, ent.reduce(function (acc, kv) {
      return acc.concat([el("dt", { text: I[kv[0]].title }), el("dd", { text: orDash(kv[1]) })]);
    }, [])));
    box.appendChild(el("p", { cls: "zn-sc-basis", text: "依据：《企业安全生产标准化建设定级办法》（应急〔2021〕83号）企业自评；" + D.guide.title + "（" +
      D.guide.edition + "）" + D.sector.name + "检查清单，共 " + s.total + " 项。" }));

    var open = openMajor(state);
    if (open.length) {
      box.appendChild(el("p", { cls: "zn-sc-verdict", role: "note", text: OPEN_MAJOR + "（" + open.map(function (f) { return f.id; }).join("、") + "）。" }));
    }

    // 一、自评机构
    box.appendChild(el("h3", { text: "一、自评机构" }));
    var M = F.Member;
    box.appendChild(state.members && state.members.length
      ? table("自评工作组", ["序号", M.name.title, M.role.title, M.post.title], state.members.map(function (m, n) { return [n + 1, m.name, m.role, m.post]; }))
      : el("p", { cls: "zn-sc-missing-text", text: "未填写自评机构。" }));

    // 二、自评计划
    box.appendChild(el("h3", { text: "二、自评计划" }));
    var when = state.plan_start || state.plan_end ? orDash(state.plan_start) + " 至 " + orDash(state.plan_end) : "—";
    box.appendChild(el("dl", { cls: "zn-sc-ent" }, [
      el("dt", { text: I.plan_scope.title }), el("dd", { text: orDash(state.plan_scope) }),
      el("dt", { text: I.plan_division.title }), el("dd", { text: orDash(state.plan_division) }),
      el("dt", { text: "起止日期" }), el("dd", { text: when }),
      el("dt", { text: I.kind.title }), el("dd", { text: orDash(state.kind) }),
      el("dt", { text: I.date.title }), el("dd", { text: orDash(state.date) }),
      el("dt", { text: I.inspectors.title }), el("dd", { text: orDash(state.inspectors) })
    ]));

    // 三、发现问题与整改
    box.appendChild(el("h3", { text: "三、发现问题与整改" }));
    box.appendChild(el("p", { cls: "zn-sc-figure", text: "已查 " + s.checked + " / " + s.total + " 项；发现隐患 " + state.findings.length + " 条。" }));
    box.appendChild(table("检查结果（按方面）", ["方面", "检查项数"].concat(REC.results, ["未填"]), s.aspects.map(function (row) {
      var done = REC.results.reduce(function (n, v) { return n + row[v]; }, 0);
      return [row.aspect, row.total].concat(REC.results.map(function (v) { return row[v]; }), [row.total - done]);
    })));
    box.appendChild(table("隐患（按方面和等级）", ["方面"].concat(REC.levels.map(function (l) { return l + "隐患"; }), ["合计"]),
      s.hazards.map(function (h) { return [h.aspect].concat(REC.levels.map(function (l) { return h[l]; }), [h.total]); })));
    box.appendChild(table("整改（按状态）", ["状态", "条数"], REC.statuses.map(function (st) { return [st, s.statuses[st]]; })));
    box.appendChild(el("p", { cls: "zn-sc-figure", text: "整改完成率（" + REC.doneStatus + " / 隐患合计）：" +
      (s.rate === null ? "—（无隐患）" : s.rate.toFixed(1) + "%（" + s.done + " / " + s.findings + "）") +
      "；整改资金合计：" + money(s.funds) + " 元。" }));
    var R = F.Rectification, Fi = F.Finding;
    var rows = state.findings.map(function (f) {
      var r = state.rectifications.filter(function (x) { return x.finding === f.id; })[0] || {};
      var who = [r.department, r.owner].filter(function (x) { return x; }).join("／");
      var level = (f.level === MAJOR ? "【" + MAJOR + "】" : f.level) + (ctx.lowered(f) ? "（等级说明：" + (f.level_note || "未填写") + "）" : "");
      return [f.id, f.location, f.text, level, r.measure, who, typeof r.funds === "number" ? money(r.funds) : "",
              r.deadline, r.done, r.status || REC.statuses[0]];
    });
    box.appendChild(rows.length ? table("隐患与整改（每条隐患一行：隐患在左，整改在右）",
      [Fi.id.title, Fi.location.title, Fi.text.title, Fi.level.title, R.measure.title, R.department.title + "／" + R.owner.title,
       R.funds.title, R.deadline.title, R.done.title, R.status.title], rows, "zn-sc-list zn-sc-rects",
      function (n) { return state.findings[n].level === MAJOR ? "zn-sc-major-row" : null; })
      : el("p", { text: "本次自评未发现隐患。" }));

    // 四、自评结论和下一步
    box.appendChild(el("h3", { text: "四、自评结论和下一步" }));
    box.appendChild(el("h4", { text: I.operation.title }));
    box.appendChild(el("p", { cls: "zn-sc-prose", text: orDash(state.operation) }));
    box.appendChild(el("h4", { text: I.improvements.title }));
    box.appendChild(el("p", { cls: "zn-sc-prose", text: orDash(state.improvements) }));
    if (open.length) box.appendChild(el("p", { cls: "zn-sc-verdict", text: OPEN_MAJOR + "：" + open.map(function (f) { return f.id; }).join("、") + " 须整改销号后再申请定级。" }));

    // 五、拟申请等级
    box.appendChild(el("h3", { text: "五、拟申请等级" }));
    box.appendChild(el("p", { cls: "zn-sc-figure", text: I.applied_level.title + "：" + (state.applied_level || "未确定") +
      "（一级最高；达到哪一级由本行业的定级标准评定）。" }));

    // Signatures and seal.
    var leader = (state.members || []).filter(function (m) { return m.role === REC.roles[0]; })[0];
    box.appendChild(el("p", { cls: "zn-sc-figure", text: "主要负责人：" + orDash(state.principal) + "；自评组组长：" + (leader ? leader.name : "—") + "。" }));
    box.appendChild(el("div", { cls: "zn-sc-sign" }, [
      el("p", null, ["主要负责人（签字）：", el("span", { cls: "zn-sc-line" })]),
      el("p", null, ["自评组组长（签字）：", el("span", { cls: "zn-sc-line" })]),
      el("p", null, ["日期：", el("span", { cls: "zn-sc-line" })]),
      el("div", { cls: "zn-sc-seal", "aria-label": "企业公章" }, [el("span", { text: "（企业公章）" })])
    ]));
  }

  window.ZhinanReport = { render: render, openMajor: openMajor, OPEN_MAJOR: OPEN_MAJOR };
})();
