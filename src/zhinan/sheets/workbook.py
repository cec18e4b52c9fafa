"""The enterprise's workbook: one sector's 三张清单 laid out, written (blank or filled) and read back.

`enterprise_layout` says where everything is — sheet names, header and data rows, the column of
each record field, the cover cells — as plain JSON, so the browser self-check writes and reads the
very same cells as `workbook_bytes` here and `readback.read_inspection`. The sheets:

- 检查清单: a cover block (企业名称、行业、检查日期、检查人员、检查类型) above the checklist, whose
  columns are `sheets.checklist_columns()` (the importer reads the same sheet back); 典型隐患 lists
  each hazard on its own line, 重大 ones prefixed 【重大】 in bold on a gray fill.
- 隐患清单: one row per hazard, 隐患编号 prefilled YH-001 … YH-500.
- 整改清单: the same 隐患编号 on the same row, the hazard's 隐患描述 and 等级 looked up by
  INDEX/MATCH, then the rectification.
- 汇总: counts only (COUNTIF/COUNTIFS/COUNTA/SUM): results per aspect, hazards per aspect and
  level, rectifications per status, 整改完成率 and the funds. No scores: grading belongs to each
  industry's 定级标准.

Reading a filled workbook back is `zhinan.sheets.readback`.
"""

from __future__ import annotations

import copy
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zhinan.content.model import ASPECTS, HAZARD_LEVELS, Content, SectorContent, public_fields
from zhinan.errors import ZhinanError
from zhinan.formats.columns import (
    CHECKLIST_SHEET,
    FINDING_COLUMNS,
    FINDINGS_SHEET,
    MAJOR_MARK,
    MEMBER_COLUMNS,
    RECTIFICATION_COLUMNS,
    RECTIFICATIONS_SHEET,
    SELF_SHEET,
    SUMMARY_SHEET,
    Column,
    checklist_columns,
    checklist_rows,
)
from zhinan.formats.record import (
    APPLIED_LEVELS,
    CHECK_RESULTS,
    DONE_STATUS,
    FORMAT,
    INSPECTION_KINDS,
    SELF_FIELDS,
    STATUSES,
    VERSION,
    Inspection,
    finding_id,
)
from zhinan.pipeline import hashcache
from zhinan.sheets.encode import xlsx_bytes

PREPARED_ROWS = 500
"""Rows made ready to fill (drop-downs, date checks, formulas, 隐患编号) in each list, and rows
below the last item of the 检查清单 whose 检查结果 drop-down is ready for items added by hand."""

PRINTED_BLANK_ROWS = 15
"""Blank rows of a list printed with a blank workbook: one landscape page to write in by hand."""

EARLIEST_DATE = datetime.date(2000, 1, 1)

FONT = "Noto Sans CJK SC"
"""The font every cell names. It carries Latin letters and digits too, so Latin text is set in the
same sans-serif; `family=2` (swiss) and `charset=134` (GB2312) let Excel and WPS substitute a
sans-serif Chinese font where it is not installed, instead of a serif."""

BODY_PT, HEAD_PT = 10, 10
"""Cell text sizes. Printed at the fit-to-width scale (about 0.93 for the widest sheet) the body
stays above 9 pt."""

LINE_HEIGHT = 16.0
"""Points per line of wrapped 10-point text in Noto Sans CJK SC: LibreOffice sets a line 16 pt apart
(measured in its PDF: 13.3 pt at the 0.82 fit-to-width scale of the 整改清单); 13.5 clipped the last line
of long text."""

WRITING_ROW = 28.0
"""Height in points of a row to write in by hand: 9.9 mm on screen, about 9 mm once scaled to print."""

CHECKLIST_HEAD_ROW = 3
LIST_HEAD_ROW = 2
GRAY = "D9D9D9"
"""The fill of 重大 cells and header rows: a plain gray that prints the same in black and white."""

COVER = {
    "enterprise": ("A1", "C1", "C1:E1"),
    "date": ("F1", "G1", "G1:H1"),
    "kind": ("I1", "J1", "J1:L1"),
    "sector": ("A2", "C2", "C2:E2"),
    "inspectors": ("F2", "G2", "G2:L2"),
}
"""Cover fields on the 检查清单 sheet: the label's cell, the value's cell, the value's merged range."""


class RecordError(ZhinanError, ValueError):
    """A workbook cannot be read as this sector's record; carries every message, `表!单元格: 错误: …`."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


# ---- Layout ----------------------------------------------------------------------------------


def _letters(columns: Sequence[Column]) -> dict[str, str]:
    """Column letter by layout field name."""
    return {_field(c): get_column_letter(i) for i, c in enumerate(columns, 1)}


def _field(c: Column) -> str:
    return c.record or c.field or c.shows or c.kind


def _rows(head: int, count: int) -> tuple[int, int]:
    return head + 1, head + count


def enterprise_layout(sc: SectorContent) -> dict[str, Any]:
    """Where every part of the record sits in this sector's workbook (JSON-serialisable).

    Field names are the record's (`zhinan.formats.record`): ItemResult's `result`/`remark` and the
    CheckItem fields on the checklist, Finding's on the 隐患清单, Rectification's on the 整改清单
    (with `finding.text`/`finding.level` for the two looked-up columns). A list's `print_area` is the
    blank workbook's; a writer that fills rows below it extends it to the last filled row."""
    n = len(sc.items)
    first, _ = _rows(CHECKLIST_HEAD_ROW, n)
    lists = {}
    for role, name, columns in (("findings", FINDINGS_SHEET, FINDING_COLUMNS),
                                ("rectifications", RECTIFICATIONS_SHEET, RECTIFICATION_COLUMNS)):
        lo, hi = _rows(LIST_HEAD_ROW, PREPARED_ROWS)
        lists[role] = {"name": name, "header_row": LIST_HEAD_ROW, "first_row": lo, "last_row": hi,
                       "print_area": f"A1:{get_column_letter(len(columns))}{LIST_HEAD_ROW + PRINTED_BLANK_ROWS}",
                       "columns": _columns_json(columns)}
    return {
        "format": FORMAT,
        "version": VERSION,
        "sector": sc.id,
        "sector_name": sc.sector.name,
        "cover": {"sheet": CHECKLIST_SHEET, "cells": {k: v[1] for k, v in COVER.items()}},
        "sheets": {
            "checklist": {
                "name": CHECKLIST_SHEET, "header_row": CHECKLIST_HEAD_ROW, "first_row": first,
                "last_item_row": CHECKLIST_HEAD_ROW + n, "last_row": CHECKLIST_HEAD_ROW + n + PREPARED_ROWS,
                "columns": _columns_json(checklist_columns()),
            },
            **lists,
            "summary": {"name": SUMMARY_SHEET, "cells": summary_cells()},
            "self": self_layout(),
        },
    }


def _columns_json(columns: Sequence[Column]) -> list[dict[str, Any]]:
    return [{"field": _field(c), "title": c.title, "letter": get_column_letter(i), **({"computed": True} if c.kind == "lookup" else {})}
            for i, c in enumerate(columns, 1)]


# ---- The 自评 sheet (record version 2) ------------------------------------------------------------

SELF_LABEL_COLS, SELF_VALUE_COLS = ("A", "B"), ("C", "F")
"""The 自评 sheet's label (A:B) and value (C:F) spans."""

SELF_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("一、企业基本信息", ("credit_code", "county", "contact", "phone", "principal", "applied_level")),
    ("二、自评计划", ("plan_scope", "plan_division", "plan_start", "plan_end")),
    ("三、自评结论", ("operation", "improvements")),
)
"""The 自评 sheet's parts, top to bottom, each a heading row then one row a field; the 自评机构 follows."""

MEMBER_ROWS = 20
"""Rows of the 自评机构 table."""

SELF_WIDTHS = (6, 14, 14, 14, 14, 14)
LONG_SELF_FIELDS = ("plan_scope", "plan_division", "operation", "improvements")
"""Fields given rows for a paragraph."""


def self_layout() -> dict[str, Any]:
    """Where the 自评 sheet keeps each field (`cells`) and the 自评机构 table (`members`)."""
    assert tuple(f for _, fs in SELF_SECTIONS for f in fs) == SELF_FIELDS
    cells, row, headings = {}, 2, {}
    for heading, fields in SELF_SECTIONS:
        headings[heading] = f"A{row}"
        row += 1
        for name in fields:
            cells[name] = f"{SELF_VALUE_COLS[0]}{row}"
            row += 1
    headings["四、自评机构"] = f"A{row}"
    head = row + 1
    return {
        "name": SELF_SHEET, "cells": cells, "headings": headings,
        "members": {"header_row": head, "first_row": head + 1, "last_row": head + MEMBER_ROWS,
                    "columns": [{"field": "index", "title": "序号", "letter": "A"},
                                *({"field": c.record, "title": c.title, "letter": "BCD"[i]} for i, c in enumerate(MEMBER_COLUMNS))]},
    }


def _self_sheet(ws: Worksheet, sc: SectorContent, content: Content, inspection: Inspection | None) -> None:
    lay = self_layout()
    _enterprise_line(ws, len(SELF_WIDTHS))
    for i, w in enumerate(SELF_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    value_width = sum(SELF_WIDTHS[2:])
    for heading, ref in lay["headings"].items():
        ws[ref] = heading
        ws[ref].font = _font(bold=True)
        ws.row_dimensions[ws[ref].row].height = WRITING_ROW
    for name, ref in lay["cells"].items():
        row = ws[ref].row
        label = f"{SELF_LABEL_COLS[0]}{row}"
        ws[label] = _record_title(Inspection, name)
        for col in "AB":
            ws[f"{col}{row}"].style = LABEL_STYLE
        ws.merge_cells(f"A{row}:B{row}")
        kind = "date" if name in ("plan_start", "plan_end") else "text"
        for col in "CDEF":
            ws[f"{col}{row}"].style = DATE_STYLE if kind == "date" else BODY_STYLE
        ws.merge_cells(f"C{row}:F{row}")
        value = getattr(inspection, name) if inspection is not None else None
        if value not in (None, ""):
            _text(ws[ref], value)
        blank_lines = 4 if name in LONG_SELF_FIELDS else 1
        lines = max(blank_lines, _lines(str(value or ""), value_width))
        ws.row_dimensions[row].height = max(WRITING_ROW, LINE_HEIGHT * lines + 6)
        if kind == "date":
            _validate(ws, Column(_record_title(Inspection, name), 0, kind="date"), ref)
    _validate(ws, Column(_record_title(Inspection, "applied_level"), 0, choices=APPLIED_LEVELS), lay["cells"]["applied_level"])
    if content.guide.counties:
        _validate(ws, Column(_record_title(Inspection, "county"), 0, choices=content.guide.counties), lay["cells"]["county"])
    members = lay["members"]
    head = members["header_row"]
    for col in members["columns"]:
        ws[f"{col['letter']}{head}"] = col["title"]
    for col in "ABCDEF":
        ws[f"{col}{head}"].style = HEAD_STYLE
    ws.merge_cells(f"D{head}:F{head}")
    ws.row_dimensions[head].height = WRITING_ROW
    people = inspection.members if inspection is not None else ()
    if len(people) > MEMBER_ROWS:
        raise ValueError(f"自评机构有 {len(people)} 人，工作簿只有 {MEMBER_ROWS} 行")
    for n in range(MEMBER_ROWS):
        r = members["first_row"] + n
        ws[f"A{r}"] = n + 1
        for col in "ABCDEF":
            ws[f"{col}{r}"].style = BODY_STYLE
        ws.merge_cells(f"D{r}:F{r}")
        ws.row_dimensions[r].height = WRITING_ROW
        if n < len(people):
            for c in members["columns"][1:]:
                _text(ws[f"{c['letter']}{r}"], getattr(people[n], c["field"]) or None)
    role = next(c for c in MEMBER_COLUMNS if c.record == "role")
    _validate(ws, role, f"C{members['first_row']}:C{members['last_row']}")
    _print_setup(ws, sc, None, f"A1:F{members['last_row']}", portrait=True)


# ---- Styles ----------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_ALIGN = Alignment(vertical="top", wrap_text=True)
HEAD_STYLE, BODY_STYLE, DATE_STYLE, MONEY_STYLE, LABEL_STYLE = "表头", "正文", "日期", "金额", "标签"


def _font(size: float = BODY_PT, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, family=2, charset=134)


def _add_styles(wb: Workbook) -> None:
    # Named cell styles: one lookup per cell instead of four style objects (5x faster to build),
    # and they show up in Excel's style gallery for whoever extends the sheet.
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    gray = PatternFill("solid", fgColor=GRAY)
    styles = (
        NamedStyle(HEAD_STYLE, font=_font(HEAD_PT, bold=True), fill=gray, alignment=head_align, border=_BORDER),
        NamedStyle(BODY_STYLE, font=_font(), alignment=_BODY_ALIGN, border=_BORDER),
        NamedStyle(DATE_STYLE, font=_font(), alignment=_BODY_ALIGN, border=_BORDER, number_format="yyyy-mm-dd"),
        NamedStyle(MONEY_STYLE, font=_font(), alignment=_BODY_ALIGN, border=_BORDER, number_format="#,##0.00"),
        NamedStyle(LABEL_STYLE, font=_font(bold=True), fill=gray, alignment=head_align, border=_BORDER),
    )
    for style in styles:
        wb.add_named_style(style)


def _normal_font(wb: Workbook) -> None:
    """The workbook's default font (the Normal style): blank cells and rows added by hand get it, and
    column widths are counted in its digits, so the widths print the same wherever the font is."""
    wb._fonts = IndexedList([_font()])  # openpyxl has no public way to change the default font
    wb._named_styles["Normal"].font = _font()


def _style(col: Column) -> str:
    return {"date": DATE_STYLE, "money": MONEY_STYLE}.get(col.kind, BODY_STYLE)


def row_height(row: Sequence[Any], columns: Sequence[Column]) -> float:
    """Enough height for the longest wrapped cell, and never less than a row to write in.

    Neither LibreOffice nor Excel re-measures rows when opening a file, so wrapped text would show
    one line per row; the height is computed here instead, in display widths (a CJK character
    is two columns wide)."""
    lines = max(_lines(str(v), c.width) for v, c in zip(row, columns, strict=True))
    return max(WRITING_ROW, LINE_HEIGHT * lines + 4)


def _lines(text: str, width: int) -> int:
    # One display column (half a CJK character) per unit of width, less one: a little narrower than
    # LibreOffice and Excel set it, because Latin words (GB/T 33000-2016) wrap whole and leave gaps.
    per_line = max(1, width - 1)
    return sum(max(1, -(-_display_width(part) // per_line)) for part in text.split("\n"))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- Writing ---------------------------------------------------------------------------------


def workbook(sc: SectorContent, content: Content, inspection: Inspection | None = None) -> Workbook:
    """The sector's workbook, blank or filled from a record."""
    if inspection is not None and inspection.sector != sc.id:
        raise ValueError(f"记录的行业“{inspection.sector}”与工作簿的行业“{sc.id}”不同")
    wb = Workbook()
    wb.remove(wb.active)
    _normal_font(wb)
    _add_styles(wb)
    _checklist(wb.create_sheet(CHECKLIST_SHEET), sc, inspection)
    printed = PRINTED_BLANK_ROWS
    if inspection is not None and (inspection.findings or inspection.rectifications):
        # The print area follows the filled rows: five hazards print five rows, not a page of blanks.
        printed = max(*(_finding_number(x.id) for x in inspection.findings),
                      *(_finding_number(r.finding) for r in inspection.rectifications), 1)
    _findings(wb.create_sheet(FINDINGS_SHEET), sc, inspection, printed)
    _rectifications(wb.create_sheet(RECTIFICATIONS_SHEET), sc, inspection, printed)
    _summary(wb.create_sheet(SUMMARY_SHEET), sc)
    _self_sheet(wb.create_sheet(SELF_SHEET), sc, content, inspection)
    props = wb.properties
    props.title = f"{sc.sector.name}三张清单"
    props.subject = f"{content.guide.title}（{content.guide.edition}）"
    props.identifier = f"{FORMAT}/{VERSION}/{sc.id}"
    props.creator = props.lastModifiedBy = content.guide.issuer
    props.created = props.modified = datetime.datetime.combine(content.guide.date, datetime.time())
    wb.custom_doc_props.append(StringProperty(name=SOURCE_PROPERTY, value=source_key(sc, content)))
    return wb


SOURCE_PROPERTY = "zhinan-source"
"""A custom document property of every workbook: the key of what its blank layout is made from
(`source_key`). With it, a workbook already written (the sheets stage's) can be known to be current
without the build's cache, and used as it is."""


def source_key(sc: SectorContent, content: Content) -> str:
    """The key of what a sector's workbook is made from: the sector, its items and the edition
    (not its enterprises), and zhinan's code (`zhinan.pipeline.hashcache.key`)."""
    return hashcache.key(sc.sector, sc.items, content.guide)


_SOURCE = re.compile(r'<property [^>]*name="' + SOURCE_PROPERTY + r'"[^>]*>\s*<vt:lpwstr[^>]*>([0-9a-f]+)</vt:lpwstr>')


def written_source(data: bytes) -> str | None:
    """The `source_key` a workbook's bytes say they were made from, if they say so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            found = _SOURCE.search(book.read("docProps/custom.xml").decode("utf-8"))
    except (KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None
    return found.group(1) if found else None


def workbook_bytes(sc: SectorContent, content: Content, inspection: Inspection | None = None) -> bytes:
    """The sector's workbook as .xlsx bytes, blank or filled from a record; the same input, the same bytes."""
    return xlsx_bytes(workbook(sc, content, inspection), content.guide.date)


def _header(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for i, col in enumerate(columns, 1):
        ws.cell(row, i, col.title).style = HEAD_STYLE
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.row_dimensions[row].height = LINE_HEIGHT * max(_lines(c.title, c.width) for c in columns) + 6
    ws.freeze_panes = ws.cell(row + 1, 1).coordinate
    ws.auto_filter.ref = f"A{row}:{get_column_letter(len(columns))}{row}"


def _text(cell: Any, value: Any = None) -> None:
    """Content as text, never as a formula: openpyxl stores any string starting with "=" as a
    formula, so a checklist line written "=HYPERLINK(…)" would run in the reader's Excel."""
    if value is not None:
        cell.value = value
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"


def _put(ws: Worksheet, row: int, col: int, value: Any, formula: bool = False) -> None:
    """A value in a prepared row of a list, styled like the first prepared row's cell of its column.
    Only the workbook's own lookups are formulas (`formula=True`); an enterprise's text never is."""
    cell = ws.cell(row, col, value)
    if not formula:
        _text(cell)
    if row != LIST_HEAD_ROW + 1:
        cell._style = copy.copy(ws.cell(LIST_HEAD_ROW + 1, col)._style)


def _body(ws: Worksheet, columns: Sequence[Column], first: int, last: int) -> None:
    for i, col in enumerate(columns, 1):
        top = ws.cell(first, i)
        top.style = _style(col)
        for r in range(first + 1, last + 1):
            # The resolved style of the first cell, copied: naming the style per cell looks it up
            # each time, which was a third of the time to build a workbook with 500 prepared rows.
            ws.cell(r, i)._style = copy.copy(top._style)


def _checklist(ws: Worksheet, sc: SectorContent, inspection: Inspection | None) -> None:
    columns = checklist_columns()
    for key, (label, _, merged) in COVER.items():
        ws[label] = _record_title(Inspection, key)
        ws[label].style = LABEL_STYLE
        if label.startswith("A"):  # the first labels span 序号 and 编号
            ws[label.replace("A", "B")].style = LABEL_STYLE
            ws.merge_cells(f"{label}:{label.replace('A', 'B')}")
        for row in ws[merged]:
            for cell in row:
                cell.style = DATE_STYLE if key == "date" else BODY_STYLE
        ws.merge_cells(merged)
    _text(ws[COVER["sector"][1]], sc.sector.name)
    for r in (1, 2):
        ws.row_dimensions[r].height = WRITING_ROW
    if inspection is not None:
        for key in ("enterprise", "date", "inspectors", "kind"):
            _text(ws[COVER[key][1]], getattr(inspection, key) or None)
    _header(ws, CHECKLIST_HEAD_ROW, columns)
    rows = checklist_rows(sc)
    first = CHECKLIST_HEAD_ROW + 1
    letters = _letters(columns)
    results = {r.item: r for r in inspection.results} if inspection else {}
    hazard_col = list(letters).index("hazards") + 1
    for r, row in enumerate(rows, first):
        for i, value in enumerate(row, 1):
            if value != "":
                _text(ws.cell(r, i, value))
        ws.row_dimensions[r].height = row_height(row, columns)
        item = sc.items[r - first]
        if any(h.level == HAZARD_LEVELS[1] for h in item.hazards):
            _text(ws.cell(r, hazard_col, _marked(str(row[hazard_col - 1]))))
        if (res := results.get(item.id)) is not None:
            ws[f"{letters['result']}{r}"] = res.result
            _text(ws[f"{letters['remark']}{r}"], res.remark or None)
    last_item = CHECKLIST_HEAD_ROW + len(rows)
    _body(ws, columns, first, last_item)
    for r in range(first, last_item + 1):  # the 重大 fill, over the body style
        if MAJOR_MARK in str(ws.cell(r, hazard_col).value or ""):
            ws.cell(r, hazard_col).fill = PatternFill("solid", fgColor=GRAY)
    prepared = last_item + PREPARED_ROWS
    for i, col in enumerate(columns, 1):
        if col.choices and col.record:
            _validate(ws, col, f"{get_column_letter(i)}{first}:{get_column_letter(i)}{prepared}")
    _validate(ws, Column(_record_title(Inspection, "date"), 0, kind="date"), COVER["date"][1])
    _validate(ws, Column(_record_title(Inspection, "kind"), 0, choices=INSPECTION_KINDS), COVER["kind"][1])
    _print_setup(ws, sc, f"1:{CHECKLIST_HEAD_ROW}", None)


def _marked(text: str) -> CellRichText:
    """典型隐患 with each 【重大】 line in bold."""
    bold = InlineFont(rFont=FONT, sz=BODY_PT, b=True)
    plain = InlineFont(rFont=FONT, sz=BODY_PT)
    parts: list[str | TextBlock] = []
    for n, line in enumerate(text.split("\n")):
        piece = ("\n" if n else "") + line
        parts.append(TextBlock(bold if line.startswith(MAJOR_MARK) else plain, piece))
    return CellRichText(parts)


def _record_title(record: type, name: str) -> str:
    return next(str(f.metadata["title"]) for f in public_fields(record) if f.name == name)


def _finding_number(fid: str) -> int:
    n = int(fid.rsplit("-", 1)[1])
    if not 1 <= n <= PREPARED_ROWS:
        raise ValueError(f"隐患编号“{fid}”超出工作簿的 {PREPARED_ROWS} 行")
    return n


def _enterprise_line(ws: Worksheet, width: int) -> None:
    """Row 1 of the lists and the 汇总: the enterprise's name from the cover, printed on every page."""
    ref = f"'{CHECKLIST_SHEET}'!${COVER['enterprise'][1][0]}${COVER['enterprise'][1][1:]}"
    ws["A1"] = f'="被检查单位："&{ref}'
    ws["A1"].font = _font(bold=True)
    ws.merge_cells(f"A1:{get_column_letter(width)}1")
    ws.row_dimensions[1].height = WRITING_ROW


def _list_sheet(ws: Worksheet, sc: SectorContent, columns: Sequence[Column], printed: int, level: str) -> tuple[int, int]:
    """A list's 500 prepared rows; `level` is the field whose 重大 marks the row."""
    _enterprise_line(ws, len(columns))
    _header(ws, LIST_HEAD_ROW, columns)
    first, last = _rows(LIST_HEAD_ROW, PREPARED_ROWS)
    # 500 prepared rows as 5,000 styled empty cells made the workbook three times as slow to write.
    # Instead: each column's style (font, wrapping, number format) is the column's default, which
    # Excel, WPS and LibreOffice give every cell typed into it; the grid is one conditional format;
    # the row height is the sheet's default. Only cells with a value carry a style of their own.
    for i, col in enumerate(columns, 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.font, dim.alignment = _font(), _BODY_ALIGN
        dim.number_format = {"date": "yyyy-mm-dd", "money": "#,##0.00"}.get(col.kind, "General")
    _major_rows(ws, columns, _letters(columns)[level], first, last)
    ws.conditional_formatting.add(f"A{first}:{get_column_letter(len(columns))}{last}",
                                  FormulaRule(formula=["TRUE"], border=_BORDER))
    ws.sheet_format.defaultRowHeight = WRITING_ROW
    ws.sheet_format.customHeight = True
    _body(ws, columns, first, first)
    for r in range(first, last + 1):
        _put(ws, r, 1, finding_id(r - first + 1))
    for i, col in enumerate(columns, 1):
        if col.choices or col.kind in ("item", "date", "money"):
            _validate(ws, col, f"{get_column_letter(i)}{first}:{get_column_letter(i)}{last}", sc)
    _print_setup(ws, sc, f"1:{LIST_HEAD_ROW}", f"A1:{get_column_letter(len(columns))}{LIST_HEAD_ROW + printed}")
    return first, last


def _major_rows(ws: Worksheet, columns: Sequence[Column], level_letter: str, first: int, last: int) -> None:
    """Rows whose 隐患等级 is 重大 turn bold on gray, the same as in the 检查清单.

    LibreOffice applies only the first true rule of overlapping ones, so this rule comes before the
    grid's and draws the grid too."""
    ws.conditional_formatting.add(
        f"A{first}:{get_column_letter(len(columns))}{last}",
        FormulaRule(formula=[f'${level_letter}{first}="{HAZARD_LEVELS[1]}"'], font=Font(bold=True),
                    fill=PatternFill(start_color=GRAY, end_color=GRAY, fill_type="solid"), border=_BORDER),
    )


def _findings(ws: Worksheet, sc: SectorContent, inspection: Inspection | None, printed: int) -> None:
    first, _ = _list_sheet(ws, sc, FINDING_COLUMNS, printed, "level")
    letters = _letters(FINDING_COLUMNS)
    for f in inspection.findings if inspection else ():
        r = first + _finding_number(f.id) - 1
        for i, name in enumerate(letters, 1):
            _put(ws, r, i, getattr(f, name) or None)
        ws.row_dimensions[r].height = row_height([getattr(f, name) or "" for name in letters], FINDING_COLUMNS)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _finding_range(name: str) -> str:
    letter = _letters(FINDING_COLUMNS)[name]
    first, last = _rows(LIST_HEAD_ROW, PREPARED_ROWS)
    return f"'{FINDINGS_SHEET}'!${letter}${first}:${letter}${last}"


def _rectifications(ws: Worksheet, sc: SectorContent, inspection: Inspection | None, printed: int) -> None:
    first, last = _list_sheet(ws, sc, RECTIFICATION_COLUMNS, printed, "finding.level")
    letters = _letters(RECTIFICATION_COLUMNS)
    key = letters["finding"]
    at = {name: i for i, name in enumerate(letters, 1)}
    for r in range(first, last + 1):
        for name in ("text", "level"):
            # INDEX/MATCH rather than VLOOKUP: the key need not be the first column, and both
            # LibreOffice and Excel calculate it; &"" shows an empty cell as empty, not 0.
            _put(ws, r, at[f"finding.{name}"], f'=IF(${key}{r}="","",IFERROR(INDEX({_finding_range(name)},'
                 f'MATCH(${key}{r},{_finding_range("id")},0))&"",""))', formula=True)
    found = {f.id: f for f in inspection.findings} if inspection else {}
    for rect in inspection.rectifications if inspection else ():
        r = first + _finding_number(rect.finding) - 1
        for name, i in at.items():
            if not name.startswith("finding."):  # the looked-up columns keep their formulas
                value = getattr(rect, name)
                _put(ws, r, i, None if value in ("", None) else value)
        # Tall enough for the text the lookups will show, too: no application measures a formula's result.
        hazard = found.get(rect.finding)
        shown = [getattr(hazard, name.removeprefix("finding."), "") if name.startswith("finding.") and hazard
                 else "" if name.startswith("finding.") else _shown(getattr(rect, name)) for name in at]
        ws.row_dimensions[r].height = row_height(shown, RECTIFICATION_COLUMNS)


def summary_cells() -> dict[str, Any]:
    """The 汇总 sheet's figures and their cells."""
    cells: dict[str, Any] = {"results": {}, "hazards": {}, "statuses": {}}
    for n, aspect in enumerate([*ASPECTS, "合计"]):
        r = 4 + n
        cells["results"][aspect] = {"items": f"B{r}", **{res: f"{'CDE'[i]}{r}" for i, res in enumerate(CHECK_RESULTS)},
                                    "blank": f"F{r}"}
        r = 11 + n
        cells["hazards"][aspect] = {HAZARD_LEVELS[0]: f"B{r}", HAZARD_LEVELS[1]: f"C{r}", "total": f"D{r}"}
    for n, status in enumerate(STATUSES):
        cells["statuses"][status] = f"B{18 + n}"
    cells["completion"] = "B22"
    cells["funds"] = "B23"
    return cells


def _summary(ws: Worksheet, sc: SectorContent) -> None:
    cl = checklist_columns()
    cl_letters = _letters(cl)
    lo, hi = CHECKLIST_HEAD_ROW + 1, CHECKLIST_HEAD_ROW + len(sc.items) + PREPARED_ROWS

    def cl_range(name: str) -> str:
        return f"'{CHECKLIST_SHEET}'!${cl_letters[name]}${lo}:${cl_letters[name]}${hi}"

    rc_letters = _letters(RECTIFICATION_COLUMNS)
    f_lo, f_hi = _rows(LIST_HEAD_ROW, PREPARED_ROWS)

    def rc_range(name: str) -> str:
        return f"'{RECTIFICATIONS_SHEET}'!${rc_letters[name]}${f_lo}:${rc_letters[name]}${f_hi}"

    cells = summary_cells()
    _enterprise_line(ws, 6)
    widths = (30, 12, 12, 12, 12, 12)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w

    def table(row: int, heads: Sequence[str]) -> None:
        for i, h in enumerate(heads, 1):
            ws.cell(row, i, h).style = HEAD_STYLE
        ws.row_dimensions[row].height = WRITING_ROW

    def put(ref: str, value: Any, style: str = BODY_STYLE) -> None:
        ws[ref] = value
        ws[ref].style = style
        ws.row_dimensions[ws[ref].row].height = WRITING_ROW

    ws["A2"] = "一、检查结果（按方面）"
    table(3, ["方面", "检查项数", *CHECK_RESULTS, "未填"])
    ws["A9"] = "二、隐患（按方面和等级）"
    table(10, ["方面", f"{HAZARD_LEVELS[0]}隐患", f"{HAZARD_LEVELS[1]}隐患", "合计"])
    ws["A16"] = "三、整改（按状态；未填状态的隐患计为待整改）"
    table(17, ["状态", "条数"])
    for ref in ("A2", "A9", "A16"):
        ws[ref].font = _font(bold=True)
    n_aspects = len(ASPECTS)
    for n, aspect in enumerate([*ASPECTS, "合计"]):
        res = cells["results"][aspect]
        haz = cells["hazards"][aspect]
        put(f"A{res['items'][1:]}", aspect, LABEL_STYLE)
        put(f"A{haz['total'][1:]}", aspect, LABEL_STYLE)
        if n < n_aspects:
            where = f'{cl_range("aspect")},"{aspect}"'
            put(res["items"], f"=COUNTIFS({where},{cl_range('id')},\"<>\")")
            for value in CHECK_RESULTS:
                put(res[value], f'=COUNTIFS({where},{cl_range("result")},"{value}")')
            hz = f'{_finding_range("aspect")},"{aspect}"'
            for level in HAZARD_LEVELS:
                put(haz[level], f'=COUNTIFS({hz},{_finding_range("level")},"{level}")')
            put(haz["total"], f"=COUNTIFS({hz},{_finding_range('text')},\"<>\")")
        else:
            top, bottom = 4, 3 + n_aspects
            for key in ("items", *CHECK_RESULTS):
                c = res[key][0]
                put(res[key], f"=SUM({c}{top}:{c}{bottom})")
            for level in HAZARD_LEVELS:
                put(haz[level], f'=COUNTIF({_finding_range("level")},"{level}")')
            put(haz["total"], f"=COUNTA({_finding_range('text')})")
        c = res["items"][1:]
        put(res["blank"], f"=B{c}-C{c}-D{c}-E{c}")
    total = cells["hazards"]["合计"]["total"]
    statuses = cells["statuses"]
    others = [s for s in STATUSES if s != STATUSES[0]]
    for status in STATUSES:
        put(f"A{statuses[status][1:]}", status, LABEL_STYLE)
        if status == STATUSES[0]:
            put(statuses[status], f"={total}-" + "-".join(statuses[s] for s in others))
        else:
            put(statuses[status], f'=COUNTIF({rc_range("status")},"{status}")')
    put("A22", f"整改完成率（{DONE_STATUS}/隐患合计）", LABEL_STYLE)
    put(cells["completion"], f'=IF({total}=0,"",{statuses[DONE_STATUS]}/{total})')
    ws[cells["completion"]].number_format = "0.0%"
    put("A23", "整改资金合计（元）", LABEL_STYLE)
    put(cells["funds"], f"=SUM({rc_range('funds')})", MONEY_STYLE)
    _print_setup(ws, sc, None, "A1:F23", portrait=True)


def validation(col: Column, sc: SectorContent | None = None) -> DataValidation | None:
    """The data validation a column's cells get, or None for free text."""
    if col.choices:
        listed = "、".join(col.choices)
        return _dv("list", f'"{",".join(col.choices)}"', col.title, f"请从下拉列表中选择：{listed}。")
    if col.kind == "item" and sc is not None:
        return _dv("list", item_id_range(sc), col.title, "请从下拉列表中选择本行业检查清单中的检查项编号。")
    if col.kind == "date":
        serial = (EARLIEST_DATE - datetime.date(1899, 12, 30)).days
        dv = _dv("date", str(serial), col.title, f"请填写 {EARLIEST_DATE.year} 年以后的日期，格式如 2021-12-31。")
        dv.operator = "greaterThanOrEqual"
        return dv
    if col.kind == "money":
        dv = _dv("decimal", "0", col.title, "请填写不小于 0 的金额（元），只填数字。")
        dv.operator = "greaterThanOrEqual"
        return dv
    return None


def item_id_range(sc: SectorContent) -> str:
    """The 编号 cells of the 检查清单, with the rows below for items added by hand."""
    letter = _letters(checklist_columns())["id"]
    first = CHECKLIST_HEAD_ROW + 1
    return f"'{CHECKLIST_SHEET}'!${letter}${first}:${letter}${CHECKLIST_HEAD_ROW + len(sc.items) + PREPARED_ROWS}"


def _validate(ws: Worksheet, col: Column, ref: str, sc: SectorContent | None = None) -> None:
    dv = validation(col, sc)
    if dv is not None:
        dv.add(ref)
        ws.add_data_validation(dv)


def _dv(kind: str, formula: str, title: str, message: str) -> DataValidation:
    return DataValidation(
        type=kind, formula1=formula, allow_blank=True, showErrorMessage=True, showInputMessage=True,
        errorTitle=f"{title}填写有误", error=message, promptTitle=title, prompt=message,
    )


def _print_setup(ws: Worksheet, sc: SectorContent, titles: str | None, area: str | None, portrait: bool = False) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT if portrait else ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # Each sheet numbers its own pages from 1.
    ws.page_setup.firstPageNumber = 1
    ws.page_setup.useFirstPageNumber = True
    if titles:
        ws.print_title_rows = titles
    if area:
        ws.print_area = area
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    # Numbered per sheet. Measured with LibreOffice 7.4 (PDF of a 26-page workbook, read page by page,
    # tests/test_footers_per_sheet.py): "&P" restarts at 1 on each sheet only with useFirstPageNumber
    # (without it 1…26 run across the workbook); "&N" is 26 on every page whatever the page setup, and
    # LibreOffice has no code for one sheet's pages. ECMA-376 / [MS-OI29500] 2.1.619 define &P as "the
    # current page number" and &N as "the total number of pages" without saying of what, and
    # firstPageNumber as the first page number "when this sheet is printed": Excel restarts &P as well;
    # what it totals under &N when the workbook is printed whole is not stated (and not tried here). So
    # the footer names the sheet and its page, "<表名> 第 n 页", with no total that could be the workbook's.
    for part, text in ((ws.oddHeader.center, _header_text(sc.sector.name, ws.title)),
                       (ws.oddFooter.center, f"{ws.title}　第 &P 页")):
        part.text = text
        part.font = f"{FONT},Regular"
        part.size = BODY_PT


HEADER_CHARS = 255
"""Excel's bound on a header or footer, its codes included: a longer one makes Excel call the file
damaged and drop the header. The codes written before the text (`&C&"font,Regular"&10 `) count too."""


def _header_text(name: str, title: str) -> str:
    """The sector's name and the sheet's as header text: `&` doubled (a lone `&` is a code to Excel:
    `R&D` would print the date), the name cut with `…` where the header would pass `HEADER_CHARS`."""
    room = HEADER_CHARS - len(f'&C&"{FONT},Regular"&{BODY_PT:g} ') - len(title)
    text = name.replace("&", "&&")
    if len(text) > room:
        kept, used = [], 1  # the “…”
        for ch in name:
            used += 2 if ch == "&" else 1
            if used > room:
                break
            kept.append(ch)
        text = "".join(kept).replace("&", "&&") + "…"
    return f"{text}{title}"
