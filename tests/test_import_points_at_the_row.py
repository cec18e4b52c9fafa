"""A problem that `zhinan check` finds in an imported sheet is pointed at the sheet row it came from,
on every row, the item's first line (its 编号) included: a 编号 that another sector already uses is
reported at that row's 编号 cell, never at the row above or at the YAML file the user never opened.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetkit import SMALL, build_stages, copy_content
from test_importer import messy, run_import
from zhinan import sheets

TAKEN = "TZ-{n}99"


def _other_sector(root: Path) -> None:
    """A second sector, checked first, whose items already use 编号 TZ-199, TZ-299… (each a
    problem of its own file before the import, so not one the import is blamed for)."""
    paint, other = root / "sectors" / "paint", root / "sectors" / "other"
    other.mkdir()
    sector = (paint / "sector.yml").read_text(encoding="utf-8")
    sector = re.sub(r"(?m)^id: paint$", "id: other", sector)
    sector = re.sub(r"(?m)^prefix: TZ$", "prefix: QT", sector)
    sector = re.sub(r"(?m)^name: .*$", "name: 其他作业（示例）", sector)
    sector = re.sub(r"(?m)^order: \d+$", "order: 0", sector)
    (other / "sector.yml").write_text(sector, encoding="utf-8")
    checklist = (paint / "checklist.yml").read_text(encoding="utf-8")
    checklist = re.sub(r"TZ-0*(\d+)", lambda m: TAKEN.format(n=m.group(1)), checklist)
    (other / "checklist.yml").write_text(checklist, encoding="utf-8")


def test_a_problem_on_an_items_first_line_names_that_rows_cell_on_every_row(tmp_path: Path) -> None:
    root = copy_content(SMALL, tmp_path / "content")
    build_stages(root, tmp_path / "build", "sheets")
    book = tmp_path / "build" / "sheets" / "paint.xlsx"
    _other_sector(root)
    ws = load_workbook(book)[sheets.CHECKLIST_SHEET]
    ids = [v for (v,) in ws.iter_rows(min_row=sheets.workbook.CHECKLIST_HEAD_ROW + 1, min_col=2, max_col=2,
                                      values_only=True) if v]
    assert len(ids) >= 3, ids
    for n, item in enumerate(ids, 1):
        row = n + 1  # the messy sheet's header is on row 1
        taken = TAKEN.format(n=n)

        def quirk(sheet: Worksheet, row: int = row, taken: str = taken) -> None:
            sheet[f"B{row}"] = taken

        bad = messy(book, quirk, tmp_path / f"row{row}.xlsx")
        result = run_import(root, bad, "paint")
        assert result.exit_code == 1, result.output
        said = result.stderr.splitlines()
        assert said[0].startswith(f"{bad}:检查清单!B{row}: 错误: 检查项编号“{taken}”重复"), (item, said)
