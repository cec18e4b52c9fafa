"""Byte-stable encodings of the lists: .xlsx whose bytes depend only on the content (the edition
date stamped instead of the time of the build), and CSV as UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from zhinan.content.model import Content, SectorContent
from zhinan.formats.columns import (
    ALL_SECTORS_TITLE,
    FINDING_COLUMNS,
    MEMBER_COLUMNS,
    RECTIFICATION_COLUMNS,
    Column,
    checklist_columns,
    checklist_rows,
)

# ---- Workbook bytes --------------------------------------------------------------------------


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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection")."""


def csv_cell(value: Any) -> Any:
    """A cell as written to CSV: text that a spreadsheet would run as a formula
    (`=HYPERLINK("https://…")`) gets a leading single quote, which Excel and LibreOffice show as
    text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM: without it Excel opens Chinese CSV as GBK and shows mojibake. Every CSV the
    build writes goes through here, every cell through `csv_cell`."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def checklist_csv(sc: SectorContent) -> bytes:
    return csv_bytes([[c.title for c in checklist_columns()], *checklist_rows(sc)])


def empty_list_csv(columns: Sequence[Column]) -> bytes:
    """An enterprise's empty 隐患清单 or 整改清单: the header row, for systems that import CSV.

    Looked-up columns are left out: in a CSV they would be typed twice."""
    return csv_bytes([[c.title for c in columns if c.kind != "lookup"]])


LIST_CSVS = {"findings.csv": FINDING_COLUMNS, "rectifications.csv": RECTIFICATION_COLUMNS, "members.csv": MEMBER_COLUMNS}
"""The empty 隐患清单, 整改清单 and 自评机构 CSV files, the same for every sector."""


def all_csv(content: Content) -> bytes:
    head = [ALL_SECTORS_TITLE, *(c.title for c in checklist_columns())]
    return csv_bytes([head, *([sc.sector.name, *row] for sc in content.sectors for row in checklist_rows(sc))])


