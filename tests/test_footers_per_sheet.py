"""Footers numbered per sheet, read back from the PDF LibreOffice prints of a filled workbook, page by
page (`pdftotext -f N -l N`): both writers — `workbook_bytes` and the self-check page's export.

What LibreOffice 7.4 does with the codes (measured on a 26-page workbook): `&P` restarts at 1 on each
sheet only with `useFirstPageNumber` (without it: 1…26 across the workbook); `&N` is the whole
workbook's 26 on every page whatever the page setup, and no code counts one sheet's pages. So each
footer is "<表名> 第 &P 页", from 1 on each sheet, without a total (see `workbook._print_setup`)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import test_selfcheck_v2 as v2
from test_printed_workbook import SENTENCE, to_pdf
from zhinan.content.validate import load_content
from zhinan.formats.record import Finding, Inspection, Rectification
from zhinan.sheets import workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHEETS = ("检查清单", "隐患清单", "整改清单", "汇总", "自评")
HAZARDS = 15
FOOTER = re.compile(r"(检查清单|隐患清单|整改清单|汇总|自评)\s*第\s*(\d+)\s*页(.*)$")
tree, page = v2.tree, v2.page


def footers(pdf: Path) -> list[tuple[str, int, str]]:
    """Each page's footer: (sheet, page number, what follows it on the line)."""
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout)[1])  # type: ignore[index]
    out = []
    for n in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        lines = [m for line in text.splitlines() if (m := FOOTER.search(line.strip()))]
        assert lines, f"page {n} has no footer: {text[-300:]!r}"
        last = lines[-1]  # the footer is the page's last line; the header names the sheet too, without 第…页
        out.append((last[1], int(last[2]), last[3].strip()))
    return out


def numbered_per_sheet(found: list[tuple[str, int, str]]) -> dict[str, int]:
    """The sheets in print order with their page counts, after checking every page says 1…k of its sheet."""
    pages: dict[str, list[int]] = {}
    for sheet, number, rest in found:
        assert rest == "", f"{sheet} 第 {number} 页 followed by {rest!r} (a total LibreOffice counts over the workbook)"
        pages.setdefault(sheet, []).append(number)
    assert [s for s, _, _ in found] == [s for s in SHEETS for _ in range(len(pages.get(s, [])))]  # one run per sheet
    for sheet, numbers in pages.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{sheet}: {numbers}"
    return {s: len(n) for s, n in pages.items()}


def test_the_python_workbook_numbers_each_sheets_pages_from_1(tmp_path: Path) -> None:
    content = load_content(FIXTURES / "minimal")
    sc = content.sectors[0]
    found = tuple(Finding(id=f"YH-{n:03d}", item=sc.items[0].id, aspect=sc.items[0].aspect, text=SENTENCE * 2, level="一般")
                  for n in range(1, HAZARDS + 1))
    ins = Inspection(enterprise="示例化工（示例）", sector=sc.id, findings=found,
                     rectifications=tuple(Rectification(finding=f.id, measure="组织复审培训。", funds=1000.0) for f in found))
    path = tmp_path / "filled.xlsx"
    path.write_bytes(workbook.workbook_bytes(sc, content, ins))
    counts = numbered_per_sheet(footers(to_pdf(path, tmp_path)))
    assert set(counts) == set(SHEETS)
    assert counts["隐患清单"] >= 2 and counts["整改清单"] >= 2, counts


def test_the_pages_export_numbers_each_sheets_pages_from_1(page: Any, tmp_path: Path) -> None:
    findings = [{"id": f"YH-{n:03d}", "item": "DM-001", "aspect": "基础管理", "location": "", "text": SENTENCE * 2,
                 "level": "一般", "basis": "", "level_note": ""} for n in range(1, HAZARDS + 1)]
    saved = v2.rec(page)
    saved.update({"enterprise": "示例化工（示例）", "results": [{"item": "DM-001", "result": "不符合", "remark": ""}],
                  "findings": findings,
                  "rectifications": [{"finding": f["id"], "measure": "组织复审培训。", "department": "", "owner": "", "funds": 1000,
                                      "deadline": None, "done": None, "acceptor": "", "accepted": None, "opinion": "",
                                      "status": "待整改"} for f in findings]})
    page.evaluate("(v) => localStorage.setItem('zhinan-self-check:demo:v2', v)", json.dumps(saved, ensure_ascii=False))
    page.reload()
    page.wait_for_selector(f".zn-sc-finding[data-finding='YH-{HAZARDS:03d}']")
    path = v2.export_xlsx(page, tmp_path / "exported.xlsx")
    wb = load_workbook(path)
    for ws in wb.worksheets:  # the page export keeps the embedded workbook's page setup
        assert (ws.page_setup.firstPageNumber, ws.page_setup.useFirstPageNumber) == (1, True), ws.title
    counts = numbered_per_sheet(footers(to_pdf(path, tmp_path)))
    assert counts["隐患清单"] >= 2 and counts["整改清单"] >= 2, counts
