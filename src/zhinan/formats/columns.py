"""The columns of the 三张清单, declared once: the 检查清单's from the content model's field titles,
the 隐患清单's and 整改清单's from the enterprise's record (`zhinan.formats.record`). The workbook,
the CSV files, the importer and the self-check page all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhinan.content.model import HAZARD_LEVELS, CheckItem, Hazard, Sector, SectorContent, public_fields
from zhinan.formats.record import CHECK_RESULTS, Finding, ItemResult, Member, Rectification


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
    """"text", "index" (序号), "date", "money", "item" (a drop-down of the sector's item ids) or "lookup"
    (a formula showing the hazard of the row's 隐患编号)."""
    shows: str | None = None
    """A CheckItem field shown for reading only: the importer leaves it out (it is kept in YAML)."""
    record: str | None = None
    """The field of the enterprise's record (`zhinan.formats.record`) the column holds."""


CHECKLIST_FIELDS = {"id": 9, "aspect": 9, "item": 11, "content": 24, "basis": 15, "method": 8}
"""The CheckItem fields the importer reads back from the 检查清单 sheet, in column order, with their widths."""

SHOWN_FIELDS = {"element": 9, "hazards": 24, "rectification": 18}
"""CheckItem fields shown after the enterprise's answer columns, for reading only: the importer
leaves them out and keeps what the YAML says (典型隐患 are structured; 核心要素 and 整改要求 are
edited in YAML). They come last so that the columns departments edit keep their places."""

MAJOR_MARK = "【重大】"
"""The prefix of a 重大 typical hazard in the sheet and the CSV."""


def _title(record: type, name: str) -> str:
    return next(str(f.metadata["title"]) for f in public_fields(record) if f.name == name)


def checklist_columns() -> tuple[Column, ...]:
    """The 检查清单 columns in order: imported fields, the enterprise's answer, then read-only fields."""
    fields = {f.name: f for f in public_fields(CheckItem)}
    return (
        Column("序号", 5, kind="index"),
        *(
            Column(str(fields[n].metadata["title"]), w, field=n, choices=tuple(fields[n].metadata["enum"] or ()))
            for n, w in CHECKLIST_FIELDS.items()
        ),
        Column(_title(ItemResult, "result"), 8, choices=CHECK_RESULTS, record="result"),
        Column(_title(ItemResult, "remark"), 12, record="remark"),
        *(Column(str(fields[n].metadata["title"]), w, shows=n) for n, w in SHOWN_FIELDS.items()),
    )


def _record_columns(record: type, widths: dict[str, int], kinds: dict[str, str]) -> tuple[Column, ...]:
    """A list's columns: one per field of the record, titles and allowed values from the record."""
    return tuple(
        Column(str(f.metadata["title"]), widths[f.name], choices=tuple(f.metadata["enum"] or ()),
               kind=kinds.get(f.name, "text"), record=f.name)
        for f in public_fields(record)
    )


FINDING_COLUMNS = _record_columns(
    Finding,
    {"id": 9, "item": 10, "aspect": 9, "location": 14, "text": 38, "level": 7, "basis": 24, "level_note": 24},
    {"item": "item"},
)
"""The 隐患清单: one row per hazard, the Finding's fields in order."""

LOOKED_UP = ("text", "level")
"""Finding fields the 整改清单 shows beside each 隐患编号, looked up by formula."""

_RECT = _record_columns(
    Rectification,
    {"finding": 9, "measure": 24, "department": 10, "owner": 8, "funds": 11, "deadline": 11, "done": 11,
     "acceptor": 8, "accepted": 11, "opinion": 13, "status": 8},
    {"funds": "money", "deadline": "date", "done": "date", "accepted": "date"},
)
RECTIFICATION_COLUMNS = (
    _RECT[0],
    Column(_title(Finding, "text"), 24, kind="lookup", record="finding.text"),
    Column(_title(Finding, "level"), 7, kind="lookup", record="finding.level"),
    *_RECT[1:],
)
"""The 整改清单: 隐患编号, the hazard looked up from the 隐患清单, then the Rectification's fields."""

MEMBER_COLUMNS = _record_columns(Member, {"name": 14, "role": 12, "post": 42}, {})
"""The 自评机构 table of the 自评 sheet (and its CSV): one row per member."""

CHECKLIST_SHEET = "检查清单"
SELF_SHEET = "自评"
"""The sheet of the 自评 (record version 2): identity, 自评计划, 自评结论, 拟申请等级 and the 自评机构."""


FINDINGS_SHEET, RECTIFICATIONS_SHEET, SUMMARY_SHEET = "隐患清单", "整改清单", "汇总"


def sheet_columns() -> dict[str, tuple[Column, ...]]:
    """The three lists of a workbook, in order, with their columns (the 汇总 sheet follows them)."""
    return {CHECKLIST_SHEET: checklist_columns(), FINDINGS_SHEET: FINDING_COLUMNS, RECTIFICATIONS_SHEET: RECTIFICATION_COLUMNS}


# ---- Rows ------------------------------------------------------------------------------------


def cell_text(item: CheckItem, name: str) -> str:
    """A CheckItem field as one cell: lists one entry per line (重大 hazards marked), missing values empty."""
    value = getattr(item, name)
    if name == "hazards":
        return "\n".join(hazard_line(h) for h in value)
    if isinstance(value, tuple):
        return "\n".join(value)
    return "" if value is None else str(value)


def hazard_line(h: Hazard) -> str:
    return f"{MAJOR_MARK if h.level == HAZARD_LEVELS[1] else ''}{h.text}"


def checklist_rows(sc: SectorContent) -> list[list[Any]]:
    columns = checklist_columns()
    return [
        [n if c.kind == "index" else cell_text(it, name) if (name := c.field or c.shows) else "" for c in columns]
        for n, it in enumerate(sc.items, 1)
    ]


ALL_SECTORS_TITLE = _title(Sector, "name")

