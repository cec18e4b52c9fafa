"""The browser self-check: what the page of each sector needs, derived from the model and the record.

The self-check page (`sectors/<id>/self-check/`) lets an enterprise go through its sector's
检查清单 in the browser and leave with its own 隐患清单, 整改清单 and 自查报告. The page itself is
one static template and two asset files (`selfcheck.js`, `selfcheck.css`); everything it knows
about the sector and about the record format comes from here, at build time, as a data file
beside the page. Nothing is copied by hand into JavaScript: field names, titles, allowed values,
the items with their 典型隐患 and 整改要求, and the enterprise workbook of the sector.

The data file is a script that assigns a global (`ZHINAN_SELFCHECK`) rather than JSON, because a
page opened from disk (file://) may not fetch() a local file, but may load a local script.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import markdown

from zhinan import record
from zhinan.model import ASPECTS, HAZARD_LEVELS, CheckItem, Content, SectorContent, field_types, unwrap_optional

GLOBAL = "ZHINAN_SELFCHECK"
"""The name of the global the data file assigns."""

DATA_FILE = "data.js"
"""The data file's name, beside the page (`sectors/<id>/self-check/data.js`)."""

PAGE = "self-check"
"""The page's name under its sector (`sectors/<id>/self-check.md`)."""


def storage_key(sector_id: str) -> str:
    """The browser's localStorage key of a sector's self-check: a new record VERSION starts afresh
    instead of misreading an old record."""
    return f"zhinan-self-check:{sector_id}:v{record.VERSION}"


# ---- Field facts ----------------------------------------------------------------------------------


def _kind(tp: Any) -> str:
    base = unwrap_optional(tp)
    if base is float or base is int:
        return "number"
    if getattr(base, "__name__", "") == "date":
        return "date"
    if getattr(base, "__origin__", None) is tuple:
        return "list"
    return "text"


def record_fields(rec: type) -> list[dict[str, Any]]:
    """A record's fields as the page reads them: name, title, description, allowed values,
    pattern, kind (text, number, date or list) and default."""
    hints = field_types(rec)
    out = []
    for f in dataclasses.fields(rec):
        meta = f.metadata
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append({
            "name": f.name,
            "title": meta["title"],
            "description": meta["description"],
            "enum": list(meta["enum"] or ()),
            "pattern": meta["pattern"],
            "kind": _kind(hints[f.name]),
            "required": required,
            "default": None if required or f.default is dataclasses.MISSING else f.default,
        })
    return out


def record_facts() -> dict[str, Any]:
    """The record format, for the page: every record's fields and the values it uses."""
    return {
        "format": record.FORMAT,
        "version": record.VERSION,
        "results": list(record.CHECK_RESULTS),
        "kinds": list(record.INSPECTION_KINDS),
        "statuses": list(record.STATUSES),
        "doneStatus": record.DONE_STATUS,
        "levels": list(HAZARD_LEVELS),
        "aspects": list(ASPECTS),
        "findingPattern": record.FINDING_ID_PATTERN,
        "fields": {rec.__name__: record_fields(rec) for rec in record.RECORD_TYPES},
    }


# ---- Items ----------------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "li", "br") and self.parts:
            self.parts.append("\n")


def plain_text(md: str) -> str:
    """Markdown as the plain text a reader would type into a cell: markup gone, one paragraph or
    list entry per line."""
    parser = _Text()
    parser.feed(markdown.markdown(md))
    return re.sub(r"\n\s*\n+", "\n", "".join(parser.parts)).strip()


def item_data(it: CheckItem) -> dict[str, Any]:
    return {
        "id": it.id,
        "aspect": it.aspect,
        "item": it.item,
        "content": it.content,
        "method": it.method or "",
        "basis": list(it.basis),
        "hazards": [{"text": h.text, "level": h.level} for h in it.hazards],
        "rectification": plain_text(it.rectification) if it.rectification else "",
    }


# ---- The data file --------------------------------------------------------------------------------


def sector_data(sc: SectorContent, content: Content) -> dict[str, Any]:
    """Everything the self-check page of a sector needs."""
    return {
        "sector": {"id": sc.id, "name": sc.sector.name, "department": sc.sector.department},
        "guide": {"title": content.guide.title, "edition": content.guide.edition},
        "storageKey": storage_key(sc.id),
        "record": record_facts(),
        "items": [item_data(it) for it in sc.items],
        "workbook": workbook_data(sc, content),
    }


def data_script(data: dict[str, Any]) -> str:
    """The data as a script assigning the global. `</` is escaped so that no value can end a
    script element, whichever way the file is loaded."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.{GLOBAL} = {text};\n"


# ---- The enterprise workbook ----------------------------------------------------------------------
# Until the enterprise workbook of issue 13 (`zhinan.workbook`) is merged, the page gets a workbook
# of its own with the same record columns; see `_own_workbook`.


def _title(rec: type, name: str) -> str:
    return str(next(f for f in dataclasses.fields(rec) if f.name == name).metadata["title"])


COVER = ("enterprise", "sector", "date", "inspectors", "kind")
"""The Inspection fields of the cover block, top to bottom."""


def _own_workbook(sc: SectorContent, content: Content) -> tuple[bytes, dict[str, Any]]:
    """A blank enterprise workbook written from record.py, and where each field goes in it."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from zhinan import sheets

    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    for r, name in enumerate(COVER, 1):
        summary.cell(r, 1, _title(record.Inspection, name))
    summary.cell(2, 2, sc.sector.name)
    summary.cell(1 + COVER.index("date"), 2).number_format = "yyyy-mm-dd"
    ws = wb.create_sheet("检查清单")
    ws.append(["编号", "方面", "检查项目", "检查内容", "典型隐患", "整改要求",
               _title(record.ItemResult, "result"), _title(record.ItemResult, "remark")])
    for it in sc.items:
        hazards = "\n".join(f"{'【重大】' if h.level == '重大' else ''}{h.text}" for h in it.hazards)
        ws.append([it.id, it.aspect, it.item, it.content, hazards, plain_text(it.rectification or "")])
    last_item = len(sc.items) + 1
    lists: list[dict[str, Any]] = [{
        "record": "ItemResult", "sheet": "检查清单", "idColumn": "A", "firstRow": 2, "lastRow": last_item,
        "columns": {"item": "A", "result": "G", "remark": "H"},
    }]
    dv = DataValidation(type="list", formula1=f'"{",".join(record.CHECK_RESULTS)}"', allow_blank=True)
    dv.add(f"G2:G{last_item}")
    ws.add_data_validation(dv)
    for rec, title, key in ((record.Finding, "隐患清单", "id"), (record.Rectification, "整改清单", "finding")):
        ls = wb.create_sheet(title)
        fields = dataclasses.fields(rec)
        ls.append([f.metadata["title"] for f in fields])
        columns = {f.name: get_column_letter(n) for n, f in enumerate(fields, 1)}
        for f in fields:
            if f.metadata["enum"]:
                v = DataValidation(type="list", formula1=f'"{",".join(f.metadata["enum"])}"', allow_blank=True)
                v.add(f"{columns[f.name]}2:{columns[f.name]}{sheets.BLANK_ROWS * 5 + 1}")
                ls.add_data_validation(v)
            if _kind(field_types(rec)[f.name]) == "date":
                for r in range(2, sheets.BLANK_ROWS * 5 + 2):
                    ls[f"{columns[f.name]}{r}"].number_format = "yyyy-mm-dd"
        lists.append({"record": rec.__name__, "sheet": title, "key": key, "firstRow": 2,
                      "lastRow": sheets.BLANK_ROWS * 5 + 1, "columns": columns})
    _summary_formulas(summary, lists)
    layout = {"cover": {name: {"sheet": "汇总", "cell": f"B{r}"} for r, name in enumerate(COVER, 1)}, "lists": lists}
    return sheets.xlsx_bytes(wb, content.guide.date), layout


def _summary_formulas(ws: Any, lists: list[dict[str, Any]]) -> None:
    """Count-based figures only: results per aspect, hazards per level, rectifications per status."""
    res, fin, rect = lists
    check = f"'{res['sheet']}'!"
    aspect_col, result_col = f"{check}$B$2:$B${res['lastRow']}", f"{check}${res['columns']['result']}$2:${res['columns']['result']}${res['lastRow']}"
    row = len(COVER) + 2
    ws.cell(row, 1, "方面")
    for k, head in enumerate(("检查项", *record.CHECK_RESULTS), 2):
        ws.cell(row, k, head)
    for a in ASPECTS:
        row += 1
        ws.cell(row, 1, a)
        ws.cell(row, 2, f'=COUNTIF({aspect_col},A{row})')
        for k, v in enumerate(record.CHECK_RESULTS, 3):
            ws.cell(row, k, f'=COUNTIFS({aspect_col},$A{row},{result_col},"{v}")')
    level = f"'{fin['sheet']}'!${fin['columns']['level']}$2:${fin['columns']['level']}${fin['lastRow']}"
    status = f"'{rect['sheet']}'!${rect['columns']['status']}$2:${rect['columns']['status']}${rect['lastRow']}"
    key = f"'{rect['sheet']}'!${rect['columns']['finding']}$2:${rect['columns']['finding']}${rect['lastRow']}"
    funds = f"'{rect['sheet']}'!${rect['columns']['funds']}$2:${rect['columns']['funds']}${rect['lastRow']}"
    row += 2
    for lv in HAZARD_LEVELS:
        ws.cell(row, 1, f"{lv}隐患")
        ws.cell(row, 2, f'=COUNTIF({level},"{lv}")')
        row += 1
    for st in record.STATUSES:
        ws.cell(row, 1, st)
        ws.cell(row, 2, f'=COUNTIFS({key},"<>",{status},"{st}")')
        row += 1
    ws.cell(row, 1, "整改总数")
    ws.cell(row, 2, f'=COUNTIF({key},"?*")')
    ws.cell(row + 1, 1, "整改完成率")
    ws.cell(row + 1, 2, f'=IF(B{row}=0,"",COUNTIFS({key},"?*",{status},"{record.DONE_STATUS}")/B{row})')
    ws.cell(row + 1, 2).number_format = "0.0%"
    ws.cell(row + 2, 1, "整改资金合计（元）")
    ws.cell(row + 2, 2, f"=SUM({funds})")


def workbook_data(sc: SectorContent, content: Content) -> dict[str, Any]:
    """The blank workbook (base64) and its layout, with the row of every checklist item."""
    blank, layout = _own_workbook(sc, content)
    return {"blank": base64.b64encode(blank).decode("ascii"), "layout": _with_item_rows(blank, layout, sc)}


def _with_item_rows(blank: bytes, layout: dict[str, Any], sc: SectorContent) -> dict[str, Any]:
    """Find each item's row by its 编号 in the blank workbook itself, so the page never guesses."""
    from openpyxl import load_workbook

    results = next(x for x in layout["lists"] if x["record"] == "ItemResult")
    ws = load_workbook(io.BytesIO(blank), read_only=True)[results["sheet"]]
    col = results["idColumn"]
    rows = {}
    for (cell,) in ws.iter_rows(min_row=results["firstRow"], min_col=_col(col), max_col=_col(col)):
        if isinstance(cell.value, str):
            rows[cell.value] = cell.row
    missing = [it.id for it in sc.items if it.id not in rows]
    if missing:
        raise ValueError(f"{sc.id} 的工作簿中找不到检查项 {'、'.join(missing[:5])}")
    results["rows"] = {it.id: rows[it.id] for it in sc.items}
    return layout


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
