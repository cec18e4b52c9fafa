"""`zhinan import-sheet`: a department's 检查清单 spreadsheet back into the sector's checklist.yml.

Department staff edit Excel, not YAML, and their sheets are messy. The reader tolerates what
does not change the meaning (blank rows, merged cells, stray and full-width spaces, numbers stored
as text, decorated header names) and refuses everything else with the sheet cell to fix. The
result is merged into the existing file with ruamel.yaml's round-trip mode, so item ids, the order
of fields, comments and block styles written by hand survive; fields the sheet has no column for
(核心要素, 典型隐患, 整改要求) are kept as they were. Nothing is written unless the whole sheet reads
cleanly and the new file passes the same checks as `zhinan check`.

A sheet is a department's view, not the whole truth: an item missing from it is listed and kept
(deleting needs `--delete`), and the order of its rows does not reorder the file (`--reorder`
does). Comments written above an item move with it when items are reordered or deleted.
"""

from __future__ import annotations

import bisect
import collections
import datetime
import difflib
import io
import re
import shutil
import tempfile
import typing
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from zhinan.commands.roundtrip import move_items
from zhinan.content import parse
from zhinan.content.model import CheckItem, Sector, field_types, is_required, public_fields, unwrap_optional
from zhinan.content.problems import Problem
from zhinan.content.validate import collect, validate_file
from zhinan.errors import ZhinanError
from zhinan.formats import schema
from zhinan.formats.columns import CHECKLIST_SHEET, Column, checklist_columns
from zhinan.pipeline.files import write_bytes, write_text
from zhinan.sheets import opening

HEADER_SCAN_ROWS = 20
"""Sheets often carry a title and notes above the header row; look this far down for it."""

FIELD_ORDER = [f.name for f in public_fields(CheckItem)]
FIELDS = {f.name: f for f in public_fields(CheckItem)}
ONE_LINE = {"item", "method"} | {f.name for f in public_fields(CheckItem) if f.metadata["enum"] or f.metadata["pattern"]}
"""Fields that are a label or a code: a line break typed into one is a mistake, not text."""


class SheetError(ZhinanError):
    """The sheet cannot be imported; carries every message, `FILE:sheet!cell: 错误: …`."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class Row:
    """One data row of the sheet: cleaned values by CheckItem field, and where each came from."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)


# ---- Cleaning cell values --------------------------------------------------------------------

_DECORATION = re.compile(r"\(.*?\)|\[.*?\]")


def norm_header(value: Any) -> str:
    """检查内容（必填）, ＊检查项目： and 检 查 内 容 all become 检查内容."""
    text = _DECORATION.sub("", unicodedata.normalize("NFKC", str(value or "")))
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, every line stripped of stray spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def compact(value: str) -> str:
    """For codes and fixed choices: full-width letters and digits to ASCII, no spaces at all."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def closest(value: str, choices: typing.Sequence[str]) -> str | None:
    """The choice most like `value`: the most characters in common, then the longest run of them
    in the same order. Chinese terms are often typed with their halves swapped (现场作业 for
    作业现场), which difflib's longest-block ratio scores no better than a term sharing one half."""

    def score(choice: str) -> tuple[int, int, float]:
        common = sum((collections.Counter(value) & collections.Counter(choice)).values())
        matcher = difflib.SequenceMatcher(None, value, choice)
        return common, sum(block.size for block in matcher.get_matching_blocks()), matcher.ratio()

    best = max(choices, key=score, default=None)
    return best if best is not None and score(best)[0] > 0 else None


# ---- Reading the sheet -----------------------------------------------------------------------


class SheetReader:
    """Reads the 检查清单 sheet of one workbook into rows, collecting every problem."""

    def __init__(self, path: Path, label: str, sector: Sector, others: dict[str, tuple[str, str]] | None = None) -> None:
        self.label = label
        self.sector = sector
        self.prefix = sector.prefix
        self.others = others or {}
        """Other sectors by item-id prefix: (sector id, name)."""
        self.messages: list[str] = []
        self.warnings: list[str] = []
        self.tabs: list[str] = []
        """Cells whose tabs were replaced by spaces."""
        self.ws = self._sheet(self._open(path))
        self.grid, self.formulas = self._grid(self.ws)

    def fail(self, message: str) -> SheetError:
        return SheetError([f"{self.label}: 错误: {message}"])

    def error(self, cell: str, message: str) -> None:
        self.messages.append(f"{self.label}:{self.ws.title}!{cell}: 错误: {message}")

    def warn(self, cell: str, message: str) -> None:
        self.warnings.append(f"{self.label}:{self.ws.title}!{cell}: 警告: {message}")

    def _open(self, path: Path) -> Workbook:
        data = path.read_bytes()
        try:
            opening.check_container(data)
        except opening.WorkbookProblem as exc:
            raise self.fail(exc.text) from None
        try:
            with warnings.catch_warnings():
                # Files saved by Excel or WPS make openpyxl warn about features it drops
                # (extensions, default styles); none of them matter for reading values.
                warnings.simplefilter("ignore")
                return load_workbook(io.BytesIO(data), data_only=False)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise self.fail(
                "无法读取工作簿：只支持 Excel 2007 及以后的 .xlsx 文件；.xls、.et 或 .csv 请先在 Excel/WPS "
                "中“另存为”.xlsx"
            ) from exc

    def _sheet(self, wb: Workbook) -> Worksheet:
        """The sheet named 检查清单 (decorations aside), or the only sheet. A second sheet so named
        (a copy “检查清单 (2)” left beside the edited one) or carrying the checklist's header beside
        it (“检查清单副本”) is refused: which one was edited is not for the importer to guess."""
        named = [ws for ws in wb.worksheets if norm_header(ws.title) == CHECKLIST_SHEET]
        headed = [ws for ws in wb.worksheets if named and ws not in named and self._has_header(ws)]
        candidates = named + headed
        if len(candidates) > 1:
            names = "、".join(f"“{ws.title}”" for ws in candidates)
            raise self.fail(f"工作簿中有 {len(candidates)} 个工作表都可能是检查清单：{names}；请删除不用的副本"
                            "（或改名为“检查清单”以外、且不带检查清单表头的名称），只留下要导入的一个")
        if candidates:
            return candidates[0]
        if len(wb.worksheets) == 1:
            return wb.worksheets[0]
        names = "、".join(f"“{ws.title}”" for ws in wb.worksheets)
        raise self.fail(f"找不到名为“{CHECKLIST_SHEET}”的工作表；工作簿中的工作表有：{names}")

    def _has_header(self, ws: Worksheet) -> bool:
        """Every required column of the checklist among the first rows' cells (an exported
        workbook's 隐患清单 and 整改清单 have 检查项编号 but not 检查项目 and 检查内容)."""
        needed = {c.title for c in checklist_columns() if c.field and is_required(FIELDS[c.field])}
        for (r, _c), cell in ws._cells.items():  # parsed cells only (see opening.data_extent)
            if r <= HEADER_SCAN_ROWS and norm_header(cell.value) in needed:
                needed.discard(norm_header(cell.value))
        return not needed

    def _grid(self, ws: Worksheet) -> tuple[list[list[Any]], set[tuple[int, int]]]:
        """Cell values by 0-based row and column, vertical merges filled down, as far as the last
        value (`opening.data_extent`: not the declared size, nor a cell formatted far below).

        A vertically merged cell (one 检查类别 spanning many rows) belongs to every row it spans;
        a horizontal merge is a title or section heading and is left in its first cell only.
        """
        try:
            rows, cols = opening.data_extent(ws)
        except opening.WorkbookProblem as exc:
            raise SheetError([f"{self.label}:{exc.where}: 错误: {exc.text}"]) from None
        grid: list[list[Any]] = [[None] * cols for _ in range(rows)]
        formulas = set()
        for (r, c), cell in ws._cells.items():
            if r <= rows and c <= cols:
                grid[r - 1][c - 1] = cell.value
                if cell.data_type == "f":
                    formulas.add((r - 1, c - 1))
        for rng in ws.merged_cells.ranges:
            if rng.min_col != rng.max_col or rng.min_row > rows or rng.min_col > cols:
                continue
            top = grid[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row, min(rng.max_row, rows)):
                grid[r][rng.min_col - 1] = top
        return grid, formulas

    def _hidden_and_merged(self, head: int) -> None:
        """Warnings, not errors: a hidden row or column is imported like any other, but the person
        importing may not know it is there; a merge over data rows is read as `_grid` says."""
        rows, cols = len(self.grid), len(self.grid[0]) if self.grid else 0
        hidden = [r for r in range(head + 2, rows + 1) if (d := self.ws.row_dimensions.get(r)) is not None and d.hidden and any(
            v is not None for v in self.grid[r - 1])]
        if hidden:
            self.warn(f"A{hidden[0]}", f"第 {'、'.join(map(str, hidden))} 行是隐藏的，已照常导入；请在 Excel 中取消隐藏核对这些行")
        letters = []
        for dim in self.ws.column_dimensions.values():
            if dim.hidden and dim.min and dim.max:
                letters += [get_column_letter(c) for c in range(dim.min, min(dim.max, cols) + 1)
                            if any(row[c - 1] is not None for row in self.grid[head:])]
        if letters:
            self.warn(f"{letters[0]}{head + 1}", f"{'、'.join(letters)} 列是隐藏的，已照常导入；请在 Excel 中取消隐藏核对这些列")
        for rng in sorted(self.ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col)):
            if rng.max_row <= head + 1 or rng.min_row > rows:
                continue
            first = f"{get_column_letter(rng.min_col)}{rng.min_row}"
            if rng.min_col == rng.max_col:
                how = f"其内容已用于第 {max(rng.min_row, head + 2)}–{rng.max_row} 行的每一行"
            else:
                how = f"只有 {first} 有值，同一行合并进来的其余单元格按空白读入"
            self.warn(first, f"{rng.coord} 是合并单元格，{how}；请确认这是本意，或取消合并后分别填写")

    # -- header --

    def header(self) -> tuple[int, dict[str, int]]:
        """The header row (0-based) and the column of each known title in it."""
        titles = {c.title for c in checklist_columns()}
        candidates = [(r, [(c, norm_header(v)) for c, v in enumerate(row)]) for r, row in enumerate(self.grid[:HEADER_SCAN_ROWS])]
        r, cells = max(candidates, key=lambda rc: len({n for _, n in rc[1] if n in titles}), default=(0, []))
        found: dict[str, int] = {}
        for c, name in cells:
            if name in found:
                first = f"{get_column_letter(found[name] + 1)}{r + 1}"
                self.error(f"{get_column_letter(c + 1)}{r + 1}", f"列名“{name}”重复（{first} 已有），请删除或改名其中一列")
            elif name in titles:
                found[name] = c
        needed = [c.title for c in checklist_columns() if c.field and is_required(FIELDS[c.field])]
        if not any(t in found for t in needed):
            self.messages = []
            self.error("A1", f"前 {HEADER_SCAN_ROWS} 行中找不到表头行；表头应包含{_quoted(needed)}等列名")
            raise SheetError(self.messages)
        self._unknown_headers(r, found)
        if self.messages:
            raise SheetError(self.messages)
        return r, found

    def _unknown_headers(self, r: int, found: dict[str, int]) -> None:
        """A header the unified format does not have is a renamed column when a column is missing
        (its values would be lost without a word): an error. Otherwise it is a column a department
        added for itself (隐患等级, say): a warning, and the column is not imported."""
        titles = {c.title for c in checklist_columns()}
        expected = "、".join(c.title for c in checklist_columns())
        missing = [c.title for c in checklist_columns() if c.field and c.title not in found]
        needed = [c.title for c in checklist_columns() if c.field and is_required(FIELDS[c.field])]
        unknown = [(c, cell_text(v)) for c, v in enumerate(self.grid[r])
                   if cell_text(v) and norm_header(v) not in titles]
        for c, text in unknown:
            cell = f"{get_column_letter(c + 1)}{r + 1}"
            if missing:
                hint = closest(norm_header(text), missing)
                guess = f"是否想写“{hint}”？" if hint else ""
                self.error(cell, f"列名“{text}”不是统一格式的列名，{guess}表头缺少{_quoted(missing)}列；统一格式的列依次为：{expected}")
            else:
                self.warn(cell, f"列“{text}”（{get_column_letter(c + 1)} 列）不是统一格式的列，没有导入；统一格式的列依次为：{expected}")
        if not unknown and (absent := [t for t in needed if t not in found]):
            self.error(f"A{r + 1}", f"表头缺少{_quoted(absent)}列；统一格式的列依次为：{expected}")

    # -- data rows --

    def rows(self) -> list[Row]:
        head, found = self.header()
        self._hidden_and_merged(head)
        columns = [(c, found[c.title]) for c in checklist_columns() if c.title in found]
        self.id_column = next((i for c, i in columns if c.field == "id"), None)
        """0-based column of 编号, where --fill-ids writes the ids given to new rows."""
        self._other_sector(head, found)
        rows = []
        for r in range(head + 1, len(self.grid)):
            row = self._row(r, columns)
            if row is not None:
                rows.append(row)
        if not rows and not self.messages:
            self.error(f"A{head + 2}", "表头下面没有任何检查项")
        self._unique(rows)
        if self.messages:
            raise SheetError(self.messages)
        return rows

    def _other_sector(self, head: int, found: dict[str, int]) -> None:
        """A workbook of another sector: one message that says whose it is, not one per id."""
        id_title = next(c.title for c in checklist_columns() if c.field == "id")
        if id_title not in found:
            return
        c = found[id_title]
        ids = [compact(cell_text(row[c])).upper() for row in self.grid[head + 1:] if c < len(row) and cell_text(row[c])]
        prefixes = collections.Counter(m.group(1) for i in ids if (m := re.fullmatch(r"([A-Z]+)-[0-9]+", i)))
        if not prefixes:
            return
        prefix, count = prefixes.most_common(1)[0]
        if prefix != self.prefix and prefix in self.others and 2 * count >= len(ids):
            other_id, other_name = self.others[prefix]
            raise self.fail(
                f"这是“{other_name}”行业的工作簿（检查项编号以“{prefix}-”开头），不是“{self.sector.name}”行业"
                f"（“{self.prefix}-”）的；请换成“{self.sector.name}”的工作簿，或改用 --sector {other_id} 导入"
            )

    def _row(self, r: int, columns: list[tuple[Column, int]]) -> Row | None:
        raw = {col: self.grid[r][c] if c < len(self.grid[r]) else None for col, c in columns}
        if all(cell_text(v) == "" for col, v in raw.items() if col.field):
            return None  # blank, or a section heading in the 序号 column only
        row = Row(r + 1)
        for col, c in columns:
            cell = f"{get_column_letter(c + 1)}{r + 1}"
            if (r, c) in self.formulas:
                self.error(cell, f"单元格是公式“{raw[col]}”；请复制后“选择性粘贴 → 数值”，再导入")
            elif col.kind == "index":
                self._index(cell, raw[col])
            elif col.field:
                row.cells[col.field] = cell
                row.values[col.field] = self._value(cell, col, raw[col])
        return row

    def _index(self, cell: str, value: Any) -> None:
        text = compact(cell_text(value))
        if text and not text.isdecimal():
            self.error(cell, f"序号应为数字，这里是“{text}”")

    def _value(self, cell: str, col: Column, value: Any) -> Any:
        assert col.field is not None
        f = FIELDS[col.field]
        text = cell_text(value)
        if "\t" in text:
            self.tabs.append(cell)
            text = cell_text(re.sub(r"[ \t]*\t[ \t]*", " ", text))
        if "\n" in text and col.field in ONE_LINE:
            self.error(cell, f"“{col.title}”只能写一行，这里有换行；请删除单元格中的换行（Alt+Enter）")
            return text.replace("\n", "")
        if not text:
            if is_required(f) and col.field != "id":
                self.error(cell, f"“{col.title}”不能为空：{f.metadata['description']}")
            return None
        if typing.get_origin(unwrap_optional(field_types(CheckItem)[col.field])) is tuple:
            return tuple(line.strip() for line in text.split("\n") if line.strip())
        if col.field == "id":
            return self._item_id(cell, text)
        if col.choices:
            return self._choice(cell, col, text)
        return text

    def _item_id(self, cell: str, text: str) -> str:
        value = compact(text).upper()
        if not re.fullmatch(rf"{re.escape(self.prefix)}-[0-9]{{3,}}", value):
            self.error(cell, f"编号“{text}”格式不对：应为本行业前缀“{self.prefix}-”加至少三位数字，如“{self.prefix}-001”；新增的检查项可以不填编号")
        return value

    def _choice(self, cell: str, col: Column, text: str) -> str:
        value = compact(text)
        if value not in col.choices:
            hint = closest(value, col.choices)
            tip = f"是否想写“{hint}”？" if hint else ""
            self.error(cell, f"“{col.title}”的值“{text}”不在允许范围内。{tip}应为：{_quoted(col.choices)}")
        return value

    def _unique(self, rows: list[Row]) -> None:
        first: dict[str, str] = {}
        for row in rows:
            item_id = row.values.get("id")
            if item_id and item_id in first:
                self.error(row.cells["id"], f"编号“{item_id}”重复（{first[item_id]} 已有）；编号在全市必须唯一")
            elif item_id:
                first[item_id] = row.cells["id"]


def _quoted(values: typing.Iterable[str]) -> str:
    return "、".join(f"“{v}”" for v in values)


# ---- Merging into checklist.yml --------------------------------------------------------------


def _yaml() -> YAML:
    y = YAML()
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # never re-wrap a contributor's long lines
    y.preserve_quotes = True
    return y


@dataclass
class Merge:
    """What an import changed, for the summary."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Items missing from the sheet, kept because deleting was not asked for."""
    order_differs: bool = False
    reordered: bool = False
    assigned: list[tuple[int, str]] = field(default_factory=list)
    """(sheet row, id) of each row without an id that was given a new one."""
    recognised: list[tuple[int, str]] = field(default_factory=list)
    """(sheet row, id) of each row without an id that is an existing item (imported before)."""


def merge(items: CommentedSeq, rows: list[Row], prefix: str, *, delete: bool = False, reorder: bool = False) -> Merge:
    """Write the sheet's values into `items`, everything else kept. Items the sheet lacks are kept
    (removed with `delete`); items keep their order (the sheet's with `reorder`); new items follow."""
    existing = {str(m.get("id")): m for m in items if isinstance(m, CommentedMap)}
    next_id = _id_counter(prefix, [*existing, *(str(r.values.get("id")) for r in rows)])
    result = Merge()
    in_sheet: list[CommentedMap] = []
    # A row without an id whose 检查项目 and 检查内容 are those of an item no other row names is that
    # item, imported before from this very sheet: importing the same workbook twice changes nothing.
    named = {str(r.values["id"]) for r in rows if r.values.get("id")}
    unnamed = {_key(m): k for k, m in existing.items() if k not in named}
    for row in rows:
        if not row.values.get("id"):
            known = unnamed.pop(_key(row.values), None)
            row.values["id"] = known or next_id()
            (result.recognised if known else result.assigned).append((row.number, row.values["id"]))
        m = existing.get(row.values["id"])
        if m is None:
            m = CommentedMap()
            result.added.append(row.values["id"])
        if update_item(m, row.values) and row.values["id"] in existing:
            result.changed.append(row.values["id"])
        in_sheet.append(m)
    listed = {id(m) for m in in_sheet}
    missing = [k for k, m in existing.items() if id(m) not in listed]
    (result.removed if delete else result.kept).extend(missing)
    gone = {id(existing[k]) for k in result.removed}
    old = [m for m in items if id(m) not in gone]
    sheet_order = [m for m in in_sheet if id(m) in {id(e) for e in existing.values()}]
    result.order_differs = sheet_order != [m for m in old if id(m) in listed]
    result.reordered = reorder and result.order_differs
    if reorder:
        new = [*in_sheet, *(m for m in old if id(m) not in listed)]
    else:
        new = [*old, *(m for m in in_sheet if str(m.get("id")) in result.added)]
    if [id(m) for m in items] != [id(m) for m in new]:
        move_items(items, new)
    return result


def _key(values: typing.Mapping[str, Any]) -> tuple[str, str]:
    return compact(str(values.get("item") or "")), compact(str(values.get("content") or ""))


def _id_counter(prefix: str, ids: list[str]) -> typing.Callable[[], str]:
    numbers = [int(i.split("-")[1]) for i in ids if re.fullmatch(rf"{re.escape(prefix)}-[0-9]+", i)]
    width = max((len(i.split("-")[1]) for i in ids if i.startswith(f"{prefix}-")), default=3)
    state = {"n": max(numbers, default=0)}

    def next_id() -> str:
        state["n"] += 1
        return f"{prefix}-{state['n']:0{width}d}"

    return next_id


def update_item(m: CommentedMap, values: dict[str, Any]) -> bool:
    """Write the sheet's values into one item, touching only what differs; True if anything did."""
    changed = False
    for name, value in values.items():
        old = m.get(name)
        if value is None:
            if name in m:
                del m[name]
                changed = True
            continue
        if old is not None and _same(old, value):
            continue
        if name in m:
            m[name] = _styled(old, value)
        else:
            m.insert(sum(1 for k in m if FIELD_ORDER.index(k) < FIELD_ORDER.index(name)), name, _styled(None, value))
        changed = True
    return changed


def _same(old: Any, value: str | tuple[str, ...]) -> bool:
    if isinstance(value, tuple):
        return isinstance(old, list) and [str(v) for v in old] == list(value)
    return str(old) == value


def _styled(old: Any, value: Any) -> Any:
    """The new value in the old value's block style, so a folded `>-` field stays folded."""
    if isinstance(value, tuple):
        return CommentedSeq(value)
    if "\n" in value:
        return LiteralScalarString(value)
    if isinstance(old, FoldedScalarString | LiteralScalarString):
        return type(old)(value)
    return value


# ---- The command -----------------------------------------------------------------------------


def import_sheet(path: Path, sector_id: str, root: Path, label: str | None = None, *, delete: bool = False,
                 reorder: bool = False, fill_ids: bool = False) -> str:
    """Import the sheet into sectors/<sector_id>/checklist.yml; returns what to tell the user
    (warnings and notes, then a summary line).

    Raises SheetError (nothing written) when the sheet or the resulting content has problems.
    """
    label = label or str(path)
    sector = _sector(root, sector_id)
    reader = SheetReader(path, label, sector, _other_sectors(root, sector_id))
    rows = reader.rows()
    rel = f"sectors/{sector_id}/checklist.yml"
    y = _yaml()
    doc, items = _existing(root, rel, y)
    result = merge(items, rows, sector.prefix, delete=delete, reorder=reorder)
    buf = io.StringIO()
    y.dump(doc, buf)
    text = buf.getvalue()
    if not (root / rel).is_file():
        text = f"{schema.schema_line('checklist', 2)}\n{text}"
    problems = problems_after(root, sector_id, text)
    if problems:
        raise SheetError(_explain(problems, rel, text, rows, f"{label}:{reader.ws.title}"))
    write_text(root / rel, text)
    notes = _notes(reader, result, rel)
    if fill_ids and result.assigned:
        notes.append(_fill_ids(path, reader, result.assigned))
    return "\n".join([*reader.warnings, *notes, _summary(rel, len(items), result)])


def _fill_ids(path: Path, reader: SheetReader, assigned: list[tuple[int, str]]) -> str:
    """Write the ids given to new rows into the workbook's 编号 cells (a new file, then renamed)."""
    if reader.id_column is None:
        return f"注意：工作表没有“编号”列，新编号没有写回 {path.name}。"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path)
    ws = wb[reader.ws.title]
    for row, item_id in assigned:
        ws.cell(row, reader.id_column + 1).value = item_id
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(path, buf.getvalue())
    return f"已把新编号写回 {path.name} 的“编号”列（{len(assigned)} 个单元格）。"


def _notes(reader: SheetReader, result: Merge, rel: str) -> list[str]:
    notes = []
    if reader.tabs:
        notes.append(f"注意：{'、'.join(reader.tabs)} 中的制表符（Tab）已换成空格。")
    if result.kept:
        notes.append(f"注意：表中没有以下 {len(result.kept)} 项，已保留在 {rel} 中，没有删除：{'、'.join(result.kept)}。"
                     "确实要删除它们，请加 --delete 重新导入。")
    if result.removed:
        notes.append(f"已按 --delete 删除表中没有的 {len(result.removed)} 项：{'、'.join(result.removed)}。")
    if result.assigned:
        rows = "、".join(f"第 {n} 行 → {i}" for n, i in result.assigned)
        notes.append(f"新增的检查项编号：{rows}。请把这些编号填入工作表的“编号”列（或重新导出工作簿），以后的修改才能对上同一项。")
    if result.recognised:
        rows = "、".join(f"第 {n} 行 = {i}" for n, i in result.recognised)
        notes.append(f"注意：表中这些行没有编号，但检查项目和检查内容与已有的检查项相同，按同一项处理（没有重复新增）：{rows}。")
    if result.order_differs and not result.reordered:
        notes.append(f"注意：表中各行的顺序与 {rel} 不同，没有调整顺序；要按表中的顺序排列，请加 --reorder 重新导入。")
    return notes


def _summary(rel: str, total: int, result: Merge) -> str:
    order = "，按表中的行序调整了顺序" if result.reordered else ""
    return (f"已写入 {rel}：共 {total} 项（新增 {len(result.added)} 项，修改 {len(result.changed)} 项，"
            f"删除 {len(result.removed)} 项{order}）")


def _other_sectors(root: Path, sector_id: str) -> dict[str, tuple[str, str]]:
    """Every other sector by its item-id prefix: (id, name); sectors that do not read are skipped."""
    found = {}
    for folder in sorted((root / "sectors").iterdir()) if (root / "sectors").is_dir() else []:
        rel = f"sectors/{folder.name}/sector.yml"
        if folder.name != sector_id and (root / rel).is_file():
            other = validate_file(root, rel, Sector, [])
            if other is not None:
                found[other.prefix] = (folder.name, other.name)
    return found


def _sector(root: Path, sector_id: str) -> Sector:
    problems: list[Problem] = []
    rel = f"sectors/{sector_id}/sector.yml"
    sector: Sector | None = validate_file(root, rel, Sector, problems) if (root / rel).is_file() else None
    if sector is None:
        detail = [p.text() for p in problems] or [f"{rel}: 错误: 行业“{sector_id}”不存在（找不到 {rel}）"]
        raise SheetError(detail)
    return sector


def _existing(root: Path, rel: str, y: YAML) -> tuple[CommentedMap, CommentedSeq]:
    path = root / rel
    try:
        doc = y.load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise SheetError([f"{rel}:{pos}: 错误: 现有检查清单不是有效的 YAML，请先修正（zhinan check）再导入"]) from exc
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
    if not isinstance(doc.get("items"), CommentedSeq):
        doc["items"] = CommentedSeq()
    return doc, doc["items"]


def problems_after(root: Path, sector_id: str, text: str) -> list[Problem]:
    """The problems `zhinan check` would report with `text` as the sector's checklist.yml that it
    does not report now: the whole tree is checked (practices refer to items, ids are unique
    across sectors) on a copy of the tree, so nothing in `root` is touched. A copy, not links: the
    check refuses every link that leaves the content root, and the copy keeps the root's own links
    as they are, so `before` and `after` see the same files."""
    before = set(collect(root)[1])
    with tempfile.TemporaryDirectory(prefix="zhinan-import-") as tmp:
        shadow = Path(tmp)
        _link(shadow / "guides", root / "guides")
        for folder in sorted((root / "sectors").iterdir()):
            if folder.name != sector_id:
                _link(shadow / "sectors" / folder.name, folder)
        target = shadow / "sectors" / sector_id
        target.mkdir(parents=True)
        for entry in (root / "sectors" / sector_id).iterdir():
            if entry.name != "checklist.yml":
                _link(target / entry.name, entry)
        (target / "checklist.yml").write_text(text, encoding="utf-8")
        after = collect(shadow)[1]
    return [p for p in after if p not in before]


def _link(link: Path, to: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if to.is_dir() and not to.is_symlink():
        shutil.copytree(to, link, symlinks=True)
    else:
        shutil.copy2(to, link, follow_symlinks=False)


def _explain(problems: list[Problem], rel: str, text: str, rows: list[Row], where: str) -> list[str]:
    """Problems in the new checklist pointed back at the sheet row (`where` is FILE:sheet) they came from.
    An item is found by its 编号, not by its place: items the sheet left out are kept in the file,
    and a row given a new 编号 becomes an item at the file's end."""
    items = _item_lines(text)
    starts = [line for line, _ in items]
    by_id = {str(r.values.get("id")): r for r in rows}
    out = []
    for p in problems:
        i = bisect.bisect_right(starts, p.line) - 1
        row = by_id.get(items[i][1]) if p.path == rel and i >= 0 else None
        if row is not None:
            cell = row.cells.get("id", f"A{row.number}")
            out.append(f"{where}!{cell}: 错误: {p.message}")
        else:
            out.append(p.text())
    return out


def _item_lines(text: str) -> list[tuple[int, str]]:
    """(first line, 编号) of every item of a checklist's text."""
    node = yaml.compose(text, Loader=parse._Loader)
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return [(n.start_mark.line + 1, _scalar(n, "id")) for n in value.value]
    return []


def _scalar(node: yaml.Node, name: str) -> str:
    """The text of a mapping node's `name` field, or "" when it has none."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == name and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return ""


