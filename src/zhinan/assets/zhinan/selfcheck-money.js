// zhinan: numbers and dates as people type them, on the self-check page and in an imported workbook.
// The same rules as zhinan.formats.record.parse_money / parse_date:
//   资金: "15000", "15,000 元", "￥15,000.50", "1.5万元" (= 15,000 元), full-width digits too;
//         anything else ("壹万", "1,5", "-200", "1.5千") is refused, never read as part of itself.
//   日期: 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日, and only days that exist.
// The page shows how it read an amount ("1.5万元 = 15,000.00 元") before it is saved, and says
// visibly why it was not saved.
(function () {
  "use strict";
  var D = window.ZHINAN_SELFCHECK || { record: {} };
  var MONEY_HINT = D.record.moneyHint || "请填写金额，单位元或万元，如 15000、15,000 元、1.5万元";
  var DATE_HINT = D.record.dateHint || "请填写存在的日期，如 2026-12-31";
  var MONEY = /^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$/;
  var DATE = /^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$/;

  function money(text) {
    var plain = String(text).normalize("NFKC").trim().replace(/\s+/g, "");
    var number = plain.replace(/^¥/, "").replace(/元$/, "");
    var scale = 1;
    if (/万$/.test(number)) { number = number.slice(0, -1); scale = 10000; }
    if (!MONEY.test(number)) return { error: "“" + text + "”不是金额：" + MONEY_HINT };
    return { value: Math.round(Number(number.replace(/,/g, "")) * scale * 100) / 100 };
  }

  function date(text) {
    var m = DATE.exec(String(text).normalize("NFKC").trim());
    if (!m) return { error: "“" + text + "”不是日期：" + DATE_HINT };
    var y = +m[1], mo = +m[2], d = +m[3];
    var t = new Date(Date.UTC(y, mo - 1, d));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
      return { error: "“" + text + "”这一天不存在：" + DATE_HINT };
    }
    return { value: m[1] + "-" + ("0" + mo).slice(-2) + "-" + ("0" + d).slice(-2) };
  }

  function yuan(n) { return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 元"; }

  // The note beside an amount field: how it was read, or why it was not saved.
  function note(control) {
    var box = control.parentNode;
    var out = box.querySelector(".zn-sc-reading");
    if (!out) {
      out = document.createElement("span");
      out.className = "zn-sc-reading";
      out.id = control.id + "-reading";
      out.setAttribute("aria-live", "polite");
      box.appendChild(out);
      control.setAttribute("aria-describedby", out.id);
    }
    return out;
  }

  // Read what was typed into an amount field: {value} to save (null for empty), or {error} shown
  // beside the field together with what stays saved (`saved`).
  function readField(control, saved) {
    var text = control.value;
    var out = note(control);
    if (!String(text).trim()) {
      out.textContent = "";
      out.classList.remove("zn-sc-bad");
      control.removeAttribute("aria-invalid");
      return { value: null };
    }
    var got = money(text);
    if (got.error) {
      out.textContent = "未保存：" + got.error + (typeof saved === "number" ? "（仍为 " + yuan(saved) + "）" : "");
      out.classList.add("zn-sc-bad");
      control.setAttribute("aria-invalid", "true");
      return got;
    }
    out.textContent = String(text).trim() + " = " + yuan(got.value);
    out.classList.remove("zn-sc-bad");
    control.removeAttribute("aria-invalid");
    return got;
  }

  window.ZhinanMoney = { money: money, date: date, yuan: yuan, readField: readField };
})();
