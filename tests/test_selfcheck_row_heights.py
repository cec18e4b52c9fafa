"""The self-check page's Excel export makes every row it writes tall enough for its text, Chinese
text counted two columns a character: Excel and LibreOffice do not re-measure rows on opening, so a
row made for half its text shows half of it. Checked on every written row of the 隐患清单, with
descriptions from a few characters to several lines long."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from conftest import Visit
from test_selfcheck import ENTERPRISE, content, data_file, export_xlsx, header, open_check, sc, tab, titles  # noqa: F401
from test_workbook_pages import MIN_LINE_PT, _lines
from zhinan.content.model import SectorContent
from zhinan.formats import record

PHRASE = "储罐区可燃气体检测报警器未定期检定，"


def test_every_exported_row_is_tall_enough_for_its_text(tab: Visit, sc: SectorContent, built: Path,  # noqa: F811
                                                        tmp_path: Path) -> None:
    findings = [{"id": record.finding_id(n), "item": sc.items[0].id, "aspect": sc.items[0].aspect,
                 "location": "二号罐区" * (n % 4), "text": PHRASE * n, "level": "一般", "basis": "", "level_note": ""}
                for n in range(1, 9)]
    saved = {"format": record.FORMAT, "version": record.VERSION, "sector": sc.id, "enterprise": ENTERPRISE,
             "date": None, "inspectors": "", "kind": "综合检查", "results": [], "findings": findings,
             "rectifications": [{"finding": f["id"], "status": "待整改"} for f in findings]}
    page = open_check(tab, sc)
    page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                  [data_file(built, sc)["storageKey"], json.dumps(saved, ensure_ascii=False)])
    page.reload()
    page.wait_for_selector("#zn-sc .zn-sc-item")
    wb = load_workbook(export_xlsx(page, tmp_path / "rows.xlsx"))
    t = titles(record.Finding)
    ws = next(ws for ws in wb.worksheets if header(ws, {t["text"], t["location"]}))
    row0, _ = header(ws, {t["text"], t["location"]}) or (0, {})
    checked = 0
    for r in range(row0 + 1, row0 + 1 + len(findings)):
        needed = max(_lines(str(c.value), ws.column_dimensions[get_column_letter(c.column)].width or 8.43)
                     for c in ws[r] if c.value not in (None, "") and not str(c.value).startswith("="))
        height = ws.row_dimensions[r].height or ws.sheet_format.defaultRowHeight
        assert height >= MIN_LINE_PT * needed, f"第 {r} 行高 {height} 磅，容不下 {needed} 行文字"
        checked += needed >= 3
    assert checked >= 3
    page.get_by_role("button", name="清除本机数据").click()
    assert tab.errors == [] and tab.foreign() == []
