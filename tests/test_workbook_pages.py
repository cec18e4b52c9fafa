"""What a workbook shows and prints, over every row of every sheet of every sector: each 检查清单 row
is tall enough for its longest text (Excel and LibreOffice do not re-measure rows on opening, so a
short row cuts the text off), and each list's print area holds every filled row, or a page of blank
rows to write in when nothing is filled.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from test_properties import FEW, content, sector_and_inspection  # noqa: F401 (fixture)
from zhinan.content.model import Content
from zhinan.sheets import workbook

LISTS = (workbook.FINDINGS_SHEET, workbook.RECTIFICATIONS_SHEET)
MIN_LINE_PT = 12.0
"""A 10-point line takes at least 12 points: a row lower than that per wrapped line cuts text off."""


def _lines(text: str, width: float) -> int:
    """Wrapped lines of `text` in a column `width` characters wide (a CJK character takes two)."""
    per_line = max(1.0, width)
    return sum(max(1, math.ceil(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in part) / per_line))
               for part in text.split("\n"))


def _printed_rows(ws: Worksheet) -> tuple[int, int]:
    area = str(ws.print_area).rpartition("!")[2].replace("$", "")
    _, first, _, last = range_boundaries(area)
    assert first is not None and last is not None, area
    return first, last


def test_every_checklist_row_of_every_sector_is_tall_enough_for_its_text(content: Content) -> None:  # noqa: F811
    tallest = 0
    for sc in content.sectors:
        ws = workbook.workbook(sc, content)[workbook.CHECKLIST_SHEET]
        first = workbook.CHECKLIST_HEAD_ROW + 1
        for r in range(first, first + len(sc.items)):
            needed = max(_lines(str(cell.value), ws.column_dimensions[get_column_letter(cell.column)].width or 8.43)
                         for cell in ws[r] if cell.value not in (None, ""))
            tallest = max(tallest, needed)
            height = ws.row_dimensions[r].height
            assert height is not None and height >= MIN_LINE_PT * needed, \
                f"{sc.id} 检查清单第 {r} 行高 {height} 磅，容不下 {needed} 行文字"
    assert tallest >= 3, "no row of the edition needs three lines: the test could not see a cut row"


def test_every_blank_list_prints_a_page_of_rows_to_write_in(content: Content) -> None:  # noqa: F811
    for sc in content.sectors:
        wb = workbook.workbook(sc, content)
        for name in LISTS:
            first, last = _printed_rows(wb[name])
            assert first == 1 and last - workbook.LIST_HEAD_ROW == workbook.PRINTED_BLANK_ROWS, (sc.id, name, last)


def _last_filled_row(ws: Worksheet) -> int:
    """The last row below the header with a value the record put there (not the prefilled 隐患编号
    of column A, not a formula)."""
    last = 0
    for row in ws.iter_rows(min_row=workbook.LIST_HEAD_ROW + 1, min_col=2):
        if any(c.value not in (None, "") and not str(c.value).startswith("=") for c in row):
            last = row[0].row
    return last


@FEW
@given(data=st.data())
def test_every_filled_row_of_every_list_is_inside_its_print_area(content: Content, data: Any) -> None:  # noqa: F811
    sc, ins = data.draw(sector_and_inspection(content))
    wb = workbook.workbook(sc, content, ins)
    for name in LISTS:
        first, last = _printed_rows(wb[name])
        filled = _last_filled_row(wb[name])
        assert first == 1 and filled <= last, (name, filled, last)
