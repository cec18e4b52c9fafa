"""Stage — sheets: each sector's 三张清单 workbook, and its 检查清单 as CSV.

The 检查清单 columns come from the model's field titles; the two lists an enterprise fills in
itself (隐患清单, 整改清单) are declared once below as data. The importer reads the same column
definitions back, so the unified format is written down in exactly one place.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import shutil
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from zhinan import cache as hashcache
from zhinan.model import HAZARD_LEVELS, CheckItem, Content, Hazard, Sector, SectorContent, public_fields
from zhinan.output import replace_dir, temp_dir_beside, write_bytes
from zhinan.stage import BuildOptions

CHECK_RESULTS = ("符合", "不符合", "不涉及")
STATUSES = ("待整改", "整改中", "待验收", "已销号")
BLANK_ROWS = 100
"""Rows made ready to fill (drop-downs, date checks, borders) in 隐患清单 and 整改清单."""

EARLIEST_DATE = datetime.date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a list: its header, width (in characters) and what a cell may hold."""

    title: str
    width: int
    field: str | None = None
    """The CheckItem field the column is filled from (检查清单 only)."""
    choices: tuple[str, ...] = ()
    """A drop-down of these values."""
    kind: str = "text"
    """"text", "index" (序号), "date", "money", or "item" (a drop-down of the sector's item ids)."""


CHECKLIST_FIELDS = {"id": 11, "aspect": 10, "item": 18, "content": 50, "basis": 36, "method": 14}
"""The CheckItem fields on the 检查清单 sheet, in column order, with their widths."""


def _title(record: type, name: str) -> str:
    return next(str(f.metadata["title"]) for f in public_fields(record) if f.name == name)


def checklist_columns() -> tuple[Column, ...]:
    fields = {f.name: f for f in public_fields(CheckItem)}
    return (
        Column("序号", 6, kind="index"),
        *(
            Column(str(fields[n].metadata["title"]), w, field=n, choices=tuple(fields[n].metadata["enum"] or ()))
            for n, w in CHECKLIST_FIELDS.items()
        ),
        Column("检查结果", 10, choices=CHECK_RESULTS),
        Column("备注", 20),
    )


HAZARD_COLUMNS = (
    Column("隐患编号", 12),
    Column("排查日期", 12, kind="date"),
    Column("排查人", 10),
    Column("部位", 16),
    Column(_title(Hazard, "text"), 40),
    Column("对应检查项", 12, kind="item"),
    Column(_title(Hazard, "level"), 10, choices=HAZARD_LEVELS),
    Column("判定依据", 30),
)
RECTIFICATION_COLUMNS = (
    Column("隐患编号", 12),
    Column("整改措施", 40),
    Column("责任部门", 14),
    Column("责任人", 10),
    Column("整改资金（元）", 14, kind="money"),
    Column("整改时限", 12, kind="date"),
    Column("应急措施", 30),
    Column("验收人", 10),
    Column("验收日期", 12, kind="date"),
    Column("状态", 10, choices=STATUSES),
)
CHECKLIST_SHEET = "检查清单"


def sheet_columns() -> dict[str, tuple[Column, ...]]:
    """The three sheets of a workbook, in order, with their columns."""
    return {CHECKLIST_SHEET: checklist_columns(), "隐患清单": HAZARD_COLUMNS, "整改清单": RECTIFICATION_COLUMNS}


# ---- Rows ------------------------------------------------------------------------------------


def cell_text(item: CheckItem, name: str) -> str:
    """A CheckItem field as one cell: lists one entry per line, missing values empty."""
    value = getattr(item, name)
    if isinstance(value, tuple):
        return "\n".join(value)
    return "" if value is None else str(value)


def checklist_rows(sc: SectorContent) -> list[list[Any]]:
    columns = checklist_columns()
    return [
        [n if c.kind == "index" else cell_text(it, c.field) if c.field else "" for c in columns]
        for n, it in enumerate(sc.items, 1)
    ]


# ---- Workbook --------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_ALIGN = Alignment(vertical="top", wrap_text=True)
HEAD_STYLE, BODY_STYLE, DATE_STYLE = "表头", "正文", "日期"


def _add_styles(wb: Workbook) -> None:
    # Named cell styles: one lookup per cell instead of four style objects (5x faster to build),
    # and they show up in Excel's style gallery for whoever extends the sheet.
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    head = NamedStyle(HEAD_STYLE, font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E2F3"),
                      alignment=head_align, border=_BORDER)
    body = NamedStyle(BODY_STYLE, alignment=_BODY_ALIGN, border=_BORDER)
    date = NamedStyle(DATE_STYLE, alignment=_BODY_ALIGN, border=_BORDER, number_format="yyyy-mm-dd")
    for style in (head, body, date):
        wb.add_named_style(style)


def workbook(sc: SectorContent, content: Content) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    _add_styles(wb)
    n_items = len(sc.items)
    for title, columns in sheet_columns().items():
        ws = wb.create_sheet(title)
        rows = checklist_rows(sc) if title == CHECKLIST_SHEET else []
        last = 1 + (len(rows) if title == CHECKLIST_SHEET else BLANK_ROWS)
        _fill(ws, columns, rows, last)
        _validations(ws, columns, last, n_items)
        _print_setup(ws, sc.sector, title, len(columns), last)
    props = wb.properties
    props.title = f"{sc.sector.name}三张清单"
    props.subject = f"{content.guide.title}（{content.guide.edition}）"
    props.creator = props.lastModifiedBy = content.guide.issuer
    props.created = props.modified = datetime.datetime.combine(content.guide.date, datetime.time())
    return wb


def _fill(ws: Worksheet, columns: Sequence[Column], rows: list[list[Any]], last: int) -> None:
    for r, row in enumerate([[c.title for c in columns], *rows], 1):
        ws.append([v if v != "" else None for v in row])
        ws.row_dimensions[r].height = row_height(row, columns)
    for i, col in enumerate(columns, 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        ws.cell(1, i).style = HEAD_STYLE
        style = DATE_STYLE if col.kind == "date" else BODY_STYLE
        for r in range(2, last + 1):
            ws.cell(r, i).style = style
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"


LINE_HEIGHT = 15.0
"""Points per line of wrapped 11-point text, CJK fonts included."""


def row_height(row: Sequence[Any], columns: Sequence[Column]) -> float:
    """Enough height for the longest wrapped cell.

    Neither LibreOffice nor Excel re-measures rows when opening a file, so wrapped text would show
    one line per row; the height is computed here instead, in display widths (a CJK character
    is two columns wide).
    """
    lines = max(_lines(str(v), c.width) for v, c in zip(row, columns, strict=True))
    return LINE_HEIGHT * lines + 4


def _lines(text: str, width: int) -> int:
    per_line = max(1, width - 1)
    return sum(max(1, -(-_display_width(part) // per_line)) for part in text.split("\n"))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _validations(ws: Worksheet, columns: Sequence[Column], last: int, n_items: int) -> None:
    for i, col in enumerate(columns, 1):
        dv = validation(col, n_items)
        if dv is not None:
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)


def item_id_range(n_items: int) -> str:
    """The 编号 cells of the 检查清单 sheet, which the 对应检查项 drop-down lists."""
    letter = get_column_letter(1 + list(CHECKLIST_FIELDS).index("id") + 1)
    return f"'{CHECKLIST_SHEET}'!${letter}$2:${letter}${max(2, n_items + 1)}"


def validation(col: Column, n_items: int) -> DataValidation | None:
    """The data validation a column's cells get, or None for free text."""
    if col.choices:
        listed = "、".join(col.choices)
        return _dv("list", f'"{",".join(col.choices)}"', col.title, f"请从下拉列表中选择：{listed}。")
    if col.kind == "item":
        return _dv("list", item_id_range(n_items), col.title, "请从下拉列表中选择本行业检查清单中的检查项编号。")
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


def _dv(kind: str, formula: str, title: str, message: str) -> DataValidation:
    return DataValidation(
        type=kind, formula1=formula, allow_blank=True, showErrorMessage=True, showInputMessage=True,
        errorTitle=f"{title}填写有误", error=message, promptTitle=title, prompt=message,
    )


def _print_setup(ws: Worksheet, sector: Sector, title: str, n_cols: int, last: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(n_cols)}{last}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.center.text = f"{sector.name}{title}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def xlsx_bytes(wb: Workbook, when: datetime.date) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content.

    openpyxl's own save stamps the current time into docProps/core.xml and every zip entry; here
    both come from the edition date, so the same content always gives the same bytes.
    """
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


# ---- CSV -------------------------------------------------------------------------------------

ALL_SECTORS_TITLE = _title(Sector, "name")


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM: without it Excel opens Chinese CSV as GBK and shows mojibake."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def checklist_csv(sc: SectorContent) -> bytes:
    return csv_bytes([[c.title for c in checklist_columns()], *checklist_rows(sc)])


def all_csv(content: Content) -> bytes:
    head = [ALL_SECTORS_TITLE, *(c.title for c in checklist_columns())]
    return csv_bytes([head, *([sc.sector.name, *row] for sc in content.sectors for row in checklist_rows(sc))])


# ---- Stage -----------------------------------------------------------------------------------


def _xlsx(sc: SectorContent, content: Content) -> bytes:
    return xlsx_bytes(workbook(sc, content), content.guide.date)


def build(content: Content, opts: BuildOptions) -> dict[str, Any]:
    """Write every sector's workbook and CSV, and all.csv, into sheets/ (replaced as a whole).

    A sector whose content has not changed keeps the files of the previous build (build/.cache/)."""
    final = opts.out / "sheets"
    tmp = temp_dir_beside(final)
    store = hashcache.Cache(opts.out, "sheets")
    files: dict[str, int] = {}
    rebuilt: list[str] = []

    def put(name: str, make: Callable[[], bytes], key: str) -> None:
        old = final / name
        if store.get(old, key) is not None:
            shutil.copy2(old, tmp / name)
        else:
            write_bytes(tmp / name, make())
            rebuilt.append(name)
        store.put(tmp / name, key)
        files[name] = (tmp / name).stat().st_size

    try:
        for n, sc in enumerate(content.sectors, 1):
            key = hashcache.key(sc.sector, sc.items, content.guide)  # enterprises are not in the lists
            put(f"{sc.id}.xlsx", functools.partial(_xlsx, sc, content), key)
            put(f"{sc.id}.csv", functools.partial(checklist_csv, sc), key)
            opts.progress.step("sheets", n, len(content.sectors), sc.sector.name)
        put("all.csv", lambda: all_csv(content), hashcache.key([(sc.sector, sc.items) for sc in content.sectors]))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final)
    store.save()
    return {"dir": str(final), "files": files, "bytes": sum(files.values()), "rebuilt": rebuilt}
