"""The 简报 PDF is a briefing, not the ledger: its overdue section is one row per enterprise (number
overdue, earliest 整改时限), most overdue first, at most `outputs.OVERDUE_SHOWN` of them with the
rest counted; every overdue hazard is in the XLSX. Records written by hand (JSON, as an enterprise's
export), expected rows computed here."""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from test_tally import AS_OF, CHEM, MINE, code, content, tree  # noqa: F401  (content, tree: fixtures)
from zhinan.commands import tally
from zhinan.commands.tally import outputs

# (name, sector, county, [(level, status, deadline)]): overdue = not 已销号, deadline before AS_OF (12-10)
RETURNS: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = [
    ("一号化工有限公司（示例）", CHEM, "鲤城区", [("一般", "整改中", "2026-12-01"), ("一般", "待整改", "2026-11-20"),
                                           ("重大", "整改中", "2026-12-09"), ("一般", "已销号", "2026-11-01")]),
    ("二号矿业有限公司（示例）", MINE, "丰泽区", [("一般", "待验收", "2026-11-15"), ("一般", "整改中", "2026-12-10")]),
    ("三号化工有限公司（示例）", CHEM, "晋江市", [("一般", "整改中", "2026-11-30"), ("一般", "整改中", "2026-12-05")]),
    ("四号矿业有限公司（示例）", MINE, "鲤城区", [("一般", "已销号", "2026-11-02"), ("一般", "整改中", "2026-12-20")]),
    ("五号化工有限公司（示例）", CHEM, "丰泽区", [("一般", "整改中", "2026-11-10")]),
]


def write(inbox: Path, returns: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = RETURNS, first: int = 11,
          text: str = "隐患{k}（示例）") -> None:
    """Each return as its JSON export; the hazards' texts `text` with {name} (the first two characters
    of the enterprise's name) and {k} (its number)."""
    inbox.mkdir(parents=True)
    for n, (name, sector, county, hz) in enumerate(returns, first):
        findings = [{"id": f"YH-{k:03d}", "item": "", "aspect": "基础管理", "location": "", "text": text.format(name=name[:2], k=k),
                     "level": level, "basis": "", "level_note": ""} for k, (level, _, _) in enumerate(hz, 1)]
        rects = [{"finding": f"YH-{k:03d}", "measure": "整改（示例）", "department": "安全部", "owner": "", "funds": 100,
                  "deadline": deadline, "done": None, "acceptor": "", "accepted": None, "opinion": "", "status": status}
                 for k, (_, status, deadline) in enumerate(hz, 1)]
        body = {"format": "zhinan-self-check", "version": 2, "sector": sector, "inspection": {
            "enterprise": name, "sector": sector, "credit_code": code(n), "county": county, "date": "2026-11-20",
            "kind": "综合检查", "inspectors": "", "results": [], "members": [], "findings": findings, "rectifications": rects}}
        (inbox / f"{n}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def expected_rows() -> list[tuple[str, int, str]]:
    rows = []
    for name, _, _, hz in RETURNS:
        late = [d for _, st, d in hz if st != "已销号" and datetime.date.fromisoformat(d) < AS_OF]
        if late:
            rows.append((name, len(late), min(late)))
    return sorted(rows, key=lambda r: (-r[1], r[2], r[0]))


@pytest.mark.parametrize("shown", [50, 2])
def test_overdue_by_enterprise_in_the_brief(tree: Path, content: Any, tmp_path: Path,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch, shown: int) -> None:
    monkeypatch.setattr(outputs, "OVERDUE_SHOWN", shown)
    write(tmp_path / "inbox")
    out = tmp_path / "office"
    result = tally.run([tmp_path / "inbox"], content, tree, out, out / "t.sqlite", AS_OF, tally.week_of(AS_OF), jobs=1)
    want = expected_rows()
    assert [(e["enterprise"], e["overdue"], e["earliest"]) for e in result.data["overdue_enterprises"]] == want
    assert [n for n, _, _ in want] == ["一号化工有限公司（示例）", "三号化工有限公司（示例）", "五号化工有限公司（示例）", "二号矿业有限公司（示例）"]
    book = load_workbook(out / "进展简报-数据.xlsx")
    sheet = list(book[outputs.OVERDUE_BY_ENTERPRISE].iter_rows(values_only=True))
    assert [(r[0], r[4], r[5].date().isoformat()) for r in sheet[1:]] == want
    assert len(list(book["逾期未整改"].iter_rows())) == 1 + sum(n for _, n, _ in want)  # every hazard, in the XLSX
    text = subprocess.run(["pdftotext", "-layout", str(out / "进展简报.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    section = text[text.index("六、超过整改时限仍未销号的隐患"):]
    total = sum(n for _, n, _ in want)
    assert f"共 {total} 条，涉及 {len(want)} 家企业" in section and f"合计 {len(want)} 家" in section
    listed = [name for name, _, _ in want if name in section]
    assert listed == [name for name, _, _ in want[:shown]]  # most overdue first, the first `shown`
    order = [section.index(name) for name in listed]
    assert order == sorted(order)
    assert ("其余 2 家见 XLSX" in section) == (shown == 2)
    assert "隐患1（示例）" not in section  # no item-level rows in the 简报's overdue section


def test_the_sector_chart_of_a_city_fits_a_page(tmp_path: Path) -> None:
    """46 sectors (the city's) made a chart 391 mm tall, which WeasyPrint left out: the page after
    “二、分行业情况” was blank. Now it is drawn on one page, every sector named."""
    import re

    from weasyprint import HTML

    from zhinan.pdf.fonts import require_cjk_font, use_print_fonts

    labels = [f"行业{n:02d}" for n in range(46)]
    svg = outputs.bars_svg(labels, [n for n in range(46)], [2 * n for n in range(46)])
    height = float(re.search(r'height="([0-9.]+)mm"', svg)[1])  # type: ignore[index]
    assert height <= outputs.CHART_MAX_H
    require_cjk_font()
    use_print_fonts()
    html = f'<html><body><h2>二、分行业情况</h2><div style="break-inside: avoid">{svg}</div></body></html>'
    HTML(string=html).write_pdf(tmp_path / "chart.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "chart.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert all(label in text for label in labels)
    assert text.count("\f") == 1  # one page
