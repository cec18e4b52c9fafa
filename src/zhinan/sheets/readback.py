"""Reading an enterprise's filled workbook back into its record (`read_record`): the cells
`enterprise_layout` names, checked as the page checks them (amounts, dates, 隐患编号, the identity), with
the inflated size bounded before anything is unzipped; every problem as 文件:表!单元格. The four sheets'
values are read from their XML by `SheetXml` (the standard library's zipfile and ElementTree), not by
openpyxl, whose full load stays the reference the tests compare it with (tests/test_readback_values.py,
tests/test_readback_xml.py): it made an object of every row and cell, 0.09 s of a workbook's 0.11 s.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from typing import Any
from xml.etree import ElementTree

from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import CellRange

from zhinan.content.model import ASPECTS, HAZARD_LEVELS, SectorContent
from zhinan.formats.columns import (
    CHECKLIST_SHEET,
    FINDING_COLUMNS,
    FINDINGS_SHEET,
    RECTIFICATION_COLUMNS,
    RECTIFICATIONS_SHEET,
    SELF_SHEET,
    checklist_columns,
)
from zhinan.formats.record import (
    APPLIED_LEVELS,
    CHECK_RESULTS,
    INSPECTION_KINDS,
    MEMBER_ROLES,
    STATUSES,
    V1_NOTE,
    Finding,
    Inspection,
    ItemResult,
    Member,
    Rectification,
    credit_code_problem,
    finding_id,
    parse_date,
    parse_money,
)
from zhinan.sheets import opening
from zhinan.sheets.workbook import (
    CHECKLIST_HEAD_ROW,
    COVER,
    LIST_HEAD_ROW,
    PREPARED_ROWS,
    RecordError,
    _letters,
    _record_title,
    _rows,
    self_layout,
)

# ---- Reading ---------------------------------------------------------------------------------


def read_inspection(data: bytes, sc: SectorContent, counties: Sequence[str] = ()) -> Inspection:
    """A filled workbook of this sector read back into a record; RecordError says what to fix."""
    return read_record(data, sc, counties)[0]


def read_record(data: bytes, sc: SectorContent, counties: Sequence[str] = (),
                open_sheets: Callable[[bytes], Any] | None = None) -> tuple[Inspection, list[str]]:
    """A filled workbook read back, with notes for the reader: a version-1 workbook (no 自评 sheet)
    reads with `record.V1_NOTE`. `counties` are the guide's (a county outside them is refused).
    The unzipped size each part of the file declares is checked before anything is inflated
    (`opening.MAX_INFLATED`, the self-check page's bound); pictures are named in a note, not kept.
    The cells come from `values_of` (the four sheets' values only); `open_sheets` is for the test that
    proves it reads what openpyxl's full load reads."""
    media = _declared_parts(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = (open_sheets or values_of)(data)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, ElementTree.ParseError) as exc:
        raise RecordError(["错误: 无法读取工作簿：只支持 .xlsx 文件（Excel 2007 及以后、WPS 另存为 .xlsx）"]) from exc
    missing = [n for n in (CHECKLIST_SHEET, FINDINGS_SHEET, RECTIFICATIONS_SHEET) if n not in wb.sheetnames]
    if missing:
        raise RecordError([f"错误: 工作簿缺少工作表“{'”“'.join(missing)}”：请使用本行业页面下载的三张清单工作簿"])
    reader = _Reader(wb, sc)
    inspection = reader.inspection()
    notes = list(reader.notes)
    if media:
        notes.append(f"工作簿中的 {len(media)} 张图片（{'、'.join(n.rsplit('/', 1)[-1] for n in media[:5])}"
                     f"{'……' if len(media) > 5 else ''}）不属于自查记录，没有读入。")
    if SELF_SHEET in wb.sheetnames:
        inspection = dataclasses.replace(inspection, **reader.self_assessment(tuple(counties)))
    else:
        notes.append(V1_NOTE)
    if reader.messages:
        raise RecordError(reader.messages)
    return inspection, notes


def _declared_parts(data: bytes) -> list[str]:
    """The pictures of a workbook (xl/media/…), after `opening.check_container`'s bounds."""
    try:
        parts = opening.check_container(data)
    except opening.WorkbookProblem as exc:
        raise RecordError([f"{exc.where}: 错误: {exc.text}" if exc.where else f"错误: {exc.text}"]) from None
    return [p.filename for p in parts if p.filename.startswith("xl/media/")]


FORMULA_ERROR = "显示的是公式出错的结果“{}”（公式引用的行或单元格已被删除，或找不到），不是填写的内容：请改正公式或直接填写后再导入"
"""Said of a cell showing a formula's error value, in the same words as the self-check page's import."""

SHEETS = (CHECKLIST_SHEET, FINDINGS_SHEET, RECTIFICATIONS_SHEET, SELF_SHEET)
"""The sheets a record is read from; the 汇总 and the guidance sheets are not parsed."""


class _Value:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_EMPTY = _Value(None)


class Values:
    """One sheet's values as openpyxl's full load gives them (`ws[ref].value`, `ws.cell(r, c).value`,
    `ws._cells` for `opening.data_extent`): the cells it parses, with every cell of a merged range
    but its top-left one empty, as `Worksheet._clean_merge_range` leaves them; no styles bound."""

    def __init__(self, title: str, cells: dict[tuple[int, int], _Value]) -> None:
        self.title, self._cells = title, cells

    def __getitem__(self, ref: str) -> _Value:
        return self._cells.get(_address(ref), _EMPTY)

    def cell(self, row: int, column: int) -> _Value:
        return self._cells.get((row, column), _EMPTY)


_address = functools.lru_cache(maxsize=65536)(coordinate_to_tuple)
"""The same few thousand cell names are looked up in every workbook."""


class Book:
    """The sheets `values_of` read, by name, and every sheet's name (for the missing-sheet refusal)."""

    def __init__(self, sheetnames: list[str], sheets: dict[str, Values]) -> None:
        self.sheetnames, self._sheets = sheetnames, sheets

    def __getitem__(self, name: str) -> Values:
        return self._sheets[name]


def values_of(data: bytes) -> Book:
    """The values of a workbook's `SHEETS`, read from the sheets' XML directly (`SheetXml`): the same
    values openpyxl's full load gives (the equivalence is tests/test_readback_values.py's), at about a
    tenth of the time of openpyxl's own parser even in read-only mode, which builds an object for
    every row's attributes and every cell (0.09 s of a 0.11 s read, most of the tally's cold run)."""
    reader = SheetXml(data)
    try:
        return reader.book()
    finally:
        reader.zip.close()


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORKBOOK_TYPES = tuple(f"application/vnd.{k}.main+xml" for k in (
    "ms-excel.template.macroEnabled", "openxmlformats-officedocument.spreadsheetml.template",
    "ms-excel.sheet.macroEnabled", "openxmlformats-officedocument.spreadsheetml.sheet"))
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_ROW, _C, _V, _IS, _T, _R = (_MAIN + t for t in ("row", "c", "v", "is", "t", "r"))
_MERGE = _MAIN + "mergeCell"

WHOLE_PARSE = 4 * 1024 * 1024
"""A sheet's XML up to this size (after `_only`) is parsed whole (`ElementTree.fromstring`, twice as fast
as streaming); a larger one is streamed (`iterparse`), a row at a time, so its tree is never held:
a workbook of this guide is well under 1 MB, and a part may declare up to `opening.MAX_INFLATED`."""


def _text(node: Any) -> str:
    """A string item's text as openpyxl's `Text.content`: its <t>, then each run's <t>; phonetic
    runs (<rPh>) are not the text."""
    plain: str | None = None
    runs = []
    for child in node:
        if child.tag == _T:
            plain = child.text
        elif child.tag == _R:
            t = None
            for sub in child:
                if sub.tag == _T:
                    t = sub.text
            if t is not None:
                runs.append(t)
    return "".join(([plain] if plain is not None else []) + runs)


class SheetXml:
    """A workbook's parts read as openpyxl reads them, with only what the values need: the workbook
    part and its sheets (by [Content_Types].xml and the workbook's relationships), the shared strings,
    which cell styles are dates or durations (styles.xml's cellXfs and numFmts), the 1904 epoch;
    then each sheet's rows, cells and merged ranges streamed (iterparse, each row cleared when read).
    Every part was bounded by `opening.check_container` before this (read_record calls it first); the
    parser is expat's, which resolves no external entity and refuses a DTD's entities that expand more
    than a hundredfold (a "billion laughs" sheet is a ParseError, the workbook refused)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.zip.namelist())

    def _xml(self, name: str) -> Any:
        return ElementTree.fromstring(self.zip.read(name))

    def book(self) -> Book:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        types = self._xml("[Content_Types].xml")
        overrides = {el.get("ContentType"): (el.get("PartName") or "")[1:] for el in types if el.tag == _TYPES + "Override"}
        defaults = {el.get("ContentType") for el in types if el.tag == _TYPES + "Default"}
        part = next((overrides[t] for t in _WORKBOOK_TYPES if overrides.get(t)), None)
        if part is None:
            if not defaults & set(_WORKBOOK_TYPES):
                raise OSError("File contains no valid workbook part")
            part = "xl/workbook.xml"
        wb = self._xml(part)
        pr = wb.find(_MAIN + "workbookPr")
        self.epoch = CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") not in (None, "false", "f", "0") else CALENDAR_WINDOWS_1900
        folder, leaf = part.rsplit("/", 1) if "/" in part else ("", part)
        rels_part = f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"
        rels: dict[str, tuple[str, str]] = {}
        for rel in self._xml(rels_part) if rels_part in self.names else ():
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            rels[rel.get("Id") or ""] = (target, rel.get("Type") or "")
        sheets = wb.find(_MAIN + "sheets")
        found: list[tuple[str, str, str]] = []
        for sheet in sheets if sheets is not None else ():
            rid = sheet.get(_DOC_REL + "id")
            if not rid:
                continue  # openpyxl drops a sheet without its relationship (with a warning)
            target, kind = rels[rid]
            if target in self.names:
                found.append((sheet.get("name") or "", target, kind))
        strings_part = overrides.get(_STRINGS_TYPE)
        self.strings = ([_text(si).replace("x005F_", "") for si in self._xml(strings_part) if si.tag == _MAIN + "si"]
                        if strings_part else [])
        self.dates, self.durations = self._date_styles()
        out = {}
        for name, target, kind in found:
            if name in SHEETS and name not in out:
                out[name] = Values(name, {} if "chartsheet" in kind else self.cells(self.zip.read(target), name))
        return Book([n for n, _, _ in found], out)

    def _date_styles(self) -> tuple[set[int], set[int]]:
        """The cell styles (cellXfs indexes) whose number format is a date or a duration."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        if "xl/styles.xml" not in self.names:
            return set(), set()
        styles = self._xml("xl/styles.xml")
        custom = {}
        fmts = styles.find(_MAIN + "numFmts")
        for f in fmts if fmts is not None else ():
            custom[int(f.get("numFmtId") or 0)] = f.get("formatCode") or ""
        dates, durations = set(), set()
        xfs = styles.find(_MAIN + "cellXfs")
        for idx, xf in enumerate(xfs if xfs is not None else ()):
            fid = int(xf.get("numFmtId") or 0)
            code = custom[fid] if fid in custom else BUILTIN_FORMATS.get(fid)
            if code is None:
                continue
            if is_date_format(code):
                dates.add(idx)
            if is_timedelta_format(code):
                durations.add(idx)
        return dates, durations

    def cells(self, xml: bytes, name: str) -> dict[tuple[int, int], _Value]:
        """One sheet's cells with a value as openpyxl's `WorkSheetParser.parse_cell` gives it
        (data_only: a formula's cached value), then its merged ranges emptied but their top-left cell."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        cells: dict[tuple[int, int], _Value] = {}
        merged: list[str] = []
        row_at = 0
        xml = _only(xml, _read_columns().get(name))
        if len(xml) <= WHOLE_PARSE:
            root = ElementTree.fromstring(xml)
            found: Any = ((e.tag, e) for e in root.iter() if e.tag == _ROW or e.tag == _MERGE)
        else:
            found = ((e.tag, e) for _, e in ElementTree.iterparse(io.BytesIO(xml), ("end",)) if e.tag == _ROW or e.tag == _MERGE)
        for tag, el in found:
            if tag == _MERGE:
                merged.append(el.get("ref") or "")
                continue
            r = el.get("r")
            if r is None:
                row_at += 1
            else:
                try:
                    row_at = int(r)
                except ValueError:
                    if not float(r).is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    row_at = int(float(r))
            col_at = 0
            for c in el:
                kind = c.get("t", "n")
                ref = c.get("r")
                if ref:
                    row, col_at = _address(ref)
                else:
                    col_at += 1
                    row = row_at
                value: Any = None if kind == "inlineStr" else (c.findtext(_V) or None)
                if value is not None:
                    if kind == "n":
                        value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                        style = int(c.get("s") or 0)
                        if style in self.dates:
                            try:
                                value = from_excel(value, self.epoch, timedelta=style in self.durations)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                    elif kind == "s":
                        try:
                            value = self.strings[int(value)]
                        except IndexError:
                            raise ValueError(f"shared string {value} is not in the table") from None
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_ISO8601(value)
                elif kind == "inlineStr":
                    child = c.find(_IS)
                    if child is not None:
                        value = _text(child)
                cells[(row, col_at)] = _Value(value)
            el.clear()  # streamed: the rows read are not kept
        for ref in merged:
            _unmerge(cells, CellRange(ref))
        return cells


_CELL = re.compile(rb"<c(?=[\s/>])")
_ADDRESSED = re.compile(rb'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"')
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?: [a-z]+="[^"<>]*")*\s*(?:/>|></c>)')
_KEPT_ROWS = max(CHECKLIST_HEAD_ROW, LIST_HEAD_ROW)
"""Every cell of the rows down to the headings is kept (the cover, the headings themselves)."""
assert _KEPT_ROWS < 9  # `_dropped` spells the rows below it as one digit or more
_UNUSUAL = re.compile(rb"<!\[CDATA\[|<!--|<\?(?!xml\s)|<[A-Za-z_][\w.-]*:c[\s/>]")
"""What no spreadsheet program writes into a sheet, and in which a cell's start could be hidden from
the patterns (a CDATA section, a comment, a processing instruction, a cell with a namespace prefix):
such a sheet is parsed whole, unfiltered."""
_MAYBE_BEYOND = re.compile(rb'<c r="(?:([A-Z]{2,3})([1-9][0-9]{0,6})|([A-Z])([1-9][0-9]{3,6}))"')
"""The cells whose address may lie past `opening.MAX_ROWS`/`MAX_COLUMNS` (two or more letters, or a
row of four digits or more): few in a workbook of this guide, each then compared exactly."""


@functools.cache
def _read_columns() -> dict[str, frozenset[bytes]]:
    """The columns `_Reader` reads below the headings, by sheet (the 自评 sheet is read whole)."""
    check = _letters(checklist_columns())
    rect = _letters(RECTIFICATION_COLUMNS)
    return {CHECKLIST_SHEET: frozenset(check[n].encode() for n in ("id", "result", "remark")),
            FINDINGS_SHEET: frozenset(c.encode() for c in _letters(FINDING_COLUMNS).values()),
            RECTIFICATIONS_SHEET: frozenset(c.encode() for n, c in rect.items() if not n.startswith("finding."))}


@functools.cache
def _dropped(columns: frozenset[bytes]) -> re.Pattern[bytes]:
    """A whole cell below the headings (`_KEPT_ROWS`) in a column not among `columns`: matched with no
    Python call per cell (a callback deciding each cell was a third of a workbook's reading)."""
    kept = b"|".join(sorted(columns))
    return re.compile(rb'<c r="(?!(?:' + kept + rb')[0-9])[A-Z]{1,3}(?:[' + str(_KEPT_ROWS + 1).encode()
                      + rb'-9]|[1-9][0-9]{1,6})"[^>]*?(?:/>|>.*?</c>)', re.S)


def _beyond(xml: bytes) -> bool:
    """Whether a cell's address lies past `opening.MAX_ROWS`/`MAX_COLUMNS`."""
    for m in _MAYBE_BEYOND.finditer(xml):
        letters, row = (m[1], m[2]) if m[1] else (m[3], m[4])
        if int(row) > opening.MAX_ROWS or column_index_from_string(letters.decode()) > opening.MAX_COLUMNS:
            return True
    return False


def _only(xml: bytes, columns: frozenset[bytes] | None) -> bytes:
    """A sheet's XML with only the cells `_Reader` can look at: the columns it reads (with every cell
    of the cover and headings rows), and of those only the cells holding something. The others read
    as None whichever way: the 检查清单's item texts and the 整改清单's looked-up hazards are most of a
    workbook's cells, and openpyxl spends most of its time on each cell it parses. Nothing is taken
    away when a cell does not name its own address (it is placed after the one before it), when a
    cell lies past `opening.MAX_ROWS`/`MAX_COLUMNS` (`opening.data_extent` must see it to refuse it),
    nor when the sheet holds markup a cell could hide in (`_UNUSUAL`)."""
    if len(_CELL.findall(xml)) != len(_ADDRESSED.findall(xml)) or _UNUSUAL.search(xml):
        return xml
    if columns is not None:
        if _beyond(xml):
            return xml
        xml = _dropped(columns).sub(b"", xml)
    return _EMPTY_CELL.sub(b"", xml)


def _unmerge(cells: dict[tuple[int, int], _Value], rng: CellRange) -> None:
    """Empty the cells of a merged range but its top-left one, walking whichever is smaller: the range
    or the parsed cells (a range of the whole sheet is 17 billion cells)."""
    top = (rng.min_row, rng.min_col)
    if rng.size["rows"] * rng.size["columns"] <= len(cells):
        covered: Any = (k for k in rng.cells if k in cells)
    else:
        covered = [k for k in cells if rng.min_row <= k[0] <= rng.max_row and rng.min_col <= k[1] <= rng.max_col]
    for key in list(covered):
        if key != top:
            del cells[key]


class _Reader:
    def __init__(self, wb: Any, sc: SectorContent) -> None:
        self.wb, self.sc = wb, sc
        self.messages: list[str] = []
        self.notes: list[str] = []

    def last_row(self, ws: Any) -> int:
        """The last row holding a value (`opening.data_extent`), not the sheet's declared size."""
        try:
            return opening.data_extent(ws)[0]
        except opening.WorkbookProblem as exc:
            raise RecordError([f"{exc.where}: 错误: {exc.text}"]) from None

    @staticmethod
    def filled_rows(ws: Any, besides: int | None = None) -> set[int]:
        """The rows holding any value (with `besides`, a column: a value outside it, or a formula's
        error anywhere, which is refused naming its cell): a row without one reads as no hazard and no
        rectification whichever way, and the lists are 500 prepared rows of which a few are filled
        (the prepared rows hold their 隐患编号 only: reading each of their cells was two fifths of
        the tally's time per workbook)."""
        return {r for (r, col), c in ws._cells.items() if c.value is not None and c.value != ""
                and (col != besides or (isinstance(c.value, str) and c.value in ERROR_CODES))}

    def error(self, sheet: str, ref: str, message: str) -> None:
        self.messages.append(f"{sheet}!{ref}: 错误: {message}")

    def value(self, ws: Any, ref: str) -> Any:
        """A cell's value; a formula's error result (#REF! where the rows it pointed at were deleted)
        is refused, naming the cell, not read as what was filled in."""
        value = ws[ref].value
        if isinstance(value, str) and value in ERROR_CODES:
            message = f"{ws.title}!{ref}: 错误: {FORMULA_ERROR.format(value)}"
            if message not in self.messages:
                self.messages.append(message)
            return None
        return value

    def text(self, ws: Any, ref: str) -> str:
        value = self.value(ws, ref)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def choice(self, ws: Any, ref: str, title: str, choices: Sequence[str]) -> str:
        value = re.sub(r"\s+", "", self.text(ws, ref))
        if value and value not in choices:
            self.error(ws.title, ref, f"“{title}”的值“{value}”不在允许范围内，应为：{'、'.join(choices)}")
        return value

    def date(self, ws: Any, ref: str, title: str) -> datetime.date | None:
        value = self.value(ws, ref)
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            self.error(ws.title, ref, f"“{title}”填写有误：{exc}")
            return None

    def money(self, ws: Any, ref: str, title: str) -> float | None:
        value = self.value(ws, ref)
        if value is None or value == "":
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value >= 0:
                return float(value)
            self.error(ws.title, ref, f"“{title}”应为不小于 0 的金额，这里是“{value}”")
            return None
        if str(value).strip().startswith(("-", "－")):
            self.error(ws.title, ref, f"“{title}”应为不小于 0 的数字（元），这里是“{value}”")
            return None
        try:
            return parse_money(str(value))
        except ValueError as exc:
            self.error(ws.title, ref, f"“{title}”填写有误：{exc}")
            return None

    def self_assessment(self, counties: tuple[str, ...]) -> dict[str, Any]:
        """The version-2 fields from the 自评 sheet."""
        ws = self.wb[SELF_SHEET]
        lay = self_layout()
        out: dict[str, Any] = {}
        for name, ref in lay["cells"].items():
            title = _record_title(Inspection, name)
            if name in ("plan_start", "plan_end"):
                out[name] = self.date(ws, ref, title)
            elif name == "applied_level":
                out[name] = self.choice(ws, ref, title, APPLIED_LEVELS) or None
            elif name == "county" and counties:
                out[name] = self.choice(ws, ref, title, counties)
            else:
                out[name] = self.text(ws, ref)
        code = re.sub(r"\s+", "", out["credit_code"]).upper()
        if code and (problem := credit_code_problem(code)):
            self.error(ws.title, lay["cells"]["credit_code"], f"“{_record_title(Inspection, 'credit_code')}”{problem}")
        out["credit_code"] = code
        members = []
        table = lay["members"]
        letters = {c["field"]: c["letter"] for c in table["columns"][1:]}
        for r in range(table["first_row"], table["last_row"] + 1):
            values = {n: self.text(ws, f"{c}{r}") for n, c in letters.items()}
            if not any(values.values()):
                continue
            role = self.choice(ws, f"{letters['role']}{r}", _record_title(Member, "role"), MEMBER_ROLES)
            for name in ("name", "role"):
                if not (values[name] if name == "name" else role):
                    self.error(ws.title, f"{letters[name]}{r}", f"这一行填了自评机构成员，但“{_record_title(Member, name)}”是空的")
            members.append(Member(name=values["name"], role=role, post=values["post"]))
        out["members"] = tuple(members)
        return out

    def inspection(self) -> Inspection:
        ws = self.wb[CHECKLIST_SHEET]
        cell = {k: v[1] for k, v in COVER.items()}
        sector = self.text(ws, cell["sector"])
        if sector != self.sc.sector.name:
            other = f"“{sector}”行业的工作簿" if sector else "行业一栏为空的工作簿"
            raise RecordError([f"{CHECKLIST_SHEET}!{cell['sector']}: 错误: 这是{other}，不是“{self.sc.sector.name}”的，"
                               f"不能导入本行业的自查；请打开该行业的自查页面，或下载本行业的工作簿"])
        kind = self.choice(ws, cell["kind"], _record_title(Inspection, "kind"), INSPECTION_KINDS)
        results = self.results()
        findings = self.findings()
        return Inspection(
            enterprise=self.text(ws, cell["enterprise"]),
            sector=self.sc.id,
            date=self.date(ws, cell["date"], _record_title(Inspection, "date")),
            inspectors=self.text(ws, cell["inspectors"]),
            kind=kind or INSPECTION_KINDS[0],
            results=results,
            findings=findings,
            rectifications=self.rectifications([f.id for f in findings]),
        )

    def results(self) -> tuple[ItemResult, ...]:
        ws = self.wb[CHECKLIST_SHEET]
        letters = _letters(checklist_columns())
        out = []
        for r in range(CHECKLIST_HEAD_ROW + 1, self.last_row(ws) + 1):
            item = re.sub(r"\s+", "", self.text(ws, f"{letters['id']}{r}")).upper()
            result = self.choice(ws, f"{letters['result']}{r}", _record_title(ItemResult, "result"), CHECK_RESULTS)
            remark = self.text(ws, f"{letters['remark']}{r}")
            if item and (result or remark):
                out.append(ItemResult(item=item, result=result or None, remark=remark))
        return tuple(out)

    def findings(self) -> tuple[Finding, ...]:
        ws = self.wb[FINDINGS_SHEET]
        letters = _letters(FINDING_COLUMNS)
        aspects = {it.id: it.aspect for it in self.sc.items}
        out = []
        row_of: dict[str, int] = {}
        first, last = _rows(LIST_HEAD_ROW, PREPARED_ROWS)
        filled = self.filled_rows(ws, column_index_from_string(letters["id"]))  # a 隐患编号 alone is no hazard
        for r in range(first, max(last, self.last_row(ws)) + 1):
            if r not in filled:
                continue
            values = {n: self.text(ws, f"{c}{r}") for n, c in letters.items()}
            if not any(v for n, v in values.items() if n != "id"):
                continue
            fid = values["id"]  # a row inserted in Excel has none: numbered below, after every other row
            if fid in row_of:  # a row copied in Excel brings its number along
                self.error(ws.title, f"{letters['id']}{r}", f"隐患编号 {fid} 与第 {row_of[fid]} 行重复（在 Excel 中复制的行？），"
                                                            "请清空这一格（导入时自动编号）或改为新的编号")
                continue
            if fid:
                row_of[fid] = r
            item = re.sub(r"\s+", "", values["item"]).upper()
            aspect = self.choice(ws, f"{letters['aspect']}{r}", _record_title(Finding, "aspect"), ASPECTS) or aspects.get(item, "")
            level = self.choice(ws, f"{letters['level']}{r}", _record_title(Finding, "level"), HAZARD_LEVELS)
            for name, value in (("text", values["text"]), ("aspect", aspect), ("level", level)):
                if not value:
                    self.error(ws.title, f"{letters[name]}{r}", f"这一行填了隐患，但“{_record_title(Finding, name)}”是空的")
            out.append(Finding(id=fid, item=item, aspect=aspect, location=values["location"], text=values["text"],
                               level=level, basis=values["basis"], level_note=values["level_note"]))
        # Not the number of its position, which the row pushed down still holds, but the next free one.
        used = {f.id for f in out if f.id}
        rows = iter(r for r in range(first, max(last, self.last_row(ws)) + 1)
                    if r in filled and not self.text(ws, f"{letters['id']}{r}")
                    and any(self.text(ws, f"{c}{r}") for n, c in letters.items() if n != "id"))
        numbered = []
        for f in out:
            if not f.id:
                n = next(k for k in range(1, len(used) + 2) if finding_id(k) not in used)
                used.add(finding_id(n))
                self.notes.append(f"{ws.title}!{letters['id']}{next(rows)}: 没有隐患编号（在 Excel 中插入的行），已编为 {finding_id(n)}")
                f = dataclasses.replace(f, id=finding_id(n))
            numbered.append(f)
        return tuple(numbered)

    def rectifications(self, found_order: list[str]) -> tuple[Rectification, ...]:
        found = set(found_order)
        ws = self.wb[RECTIFICATIONS_SHEET]
        letters = {n: c for n, c in _letters(RECTIFICATION_COLUMNS).items() if not n.startswith("finding.")}
        out = []
        first, last = _rows(LIST_HEAD_ROW, PREPARED_ROWS)
        orphans = []
        row_of: dict[str, int] = {}
        column = column_index_from_string(letters["finding"])
        # a 隐患编号 alone is a rectification only of a hazard in the 隐患清单
        filled = self.filled_rows(ws, column) | {r for (r, col), c in ws._cells.items()
                                                 if col == column and c.value is not None and c.value != ""
                                                 and self.text(ws, f"{letters['finding']}{r}") in found}
        for r in range(first, max(last, self.last_row(ws)) + 1):
            if r not in filled:
                continue
            fid = self.text(ws, f"{letters['finding']}{r}")
            own = {n: self.value(ws, f"{c}{r}") for n, c in letters.items() if n != "finding"}
            if fid not in found and all(v in (None, "") for v in own.values()):
                continue
            values: dict[str, Any] = {}
            for col in RECTIFICATION_COLUMNS:
                name, ref = col.record, f"{letters.get(col.record or '', '')}{r}"
                if name is None or name.startswith("finding"):
                    continue
                if col.kind == "date":
                    values[name] = self.date(ws, ref, col.title)
                elif col.kind == "money":
                    values[name] = self.money(ws, ref, col.title)
                elif col.choices:
                    values[name] = self.choice(ws, ref, col.title, col.choices) or STATUSES[0]
                else:
                    values[name] = self.text(ws, ref)
            if not fid:  # a row inserted in Excel: which hazard it belongs to is not known
                self.error(ws.title, f"{letters['finding']}{r}", "这一行填了整改，但没有隐患编号")
                continue
            if fid in row_of:
                self.error(ws.title, f"{letters['finding']}{r}", f"隐患 {fid} 已有第 {row_of[fid]} 行的整改，一条隐患只有一条整改")
                continue
            row_of[fid] = r
            if fid not in found:
                # The hazard's row was deleted from the 隐患清单 only: the hazard is gone, so is its
                # rectification (as the page's import reads it: its cells checked, then left out), named in the notes.
                orphans.append(fid)
                continue
            out.append(Rectification(finding=fid, **values))
        if orphans:
            self.notes.append(f"{ws.title}中 {'、'.join(orphans)} 的整改在{FINDINGS_SHEET}中没有对应的隐患（隐患行已删除），没有读入。")
        # A hazard whose 整改清单 row was deleted still has its rectification to do: 待整改, after the others.
        fixed = {r.finding for r in out}
        out.extend(Rectification(finding=fid) for fid in dict.fromkeys(found_order) if fid not in fixed)
        return tuple(out)
