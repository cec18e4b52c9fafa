"""Reading the inbox: every returned file checked against the record, refused with a reason to forward.

A file is a workbook (the three lists, blank or filled in Excel/WPS/LibreOffice, or exported by the
self-check page) or a JSON export (`format: zhinan-self-check`). What makes a file acceptable to the
tally, besides being a readable record: its sector is known (the workbook's own marks — the
`zhinan-self-check/N/sector` identifier zhinan writes, else the 行业 on its cover — or the JSON's
`sector`), and agrees with the folder it was filed under when that folder is named after a sector;
the enterprise is identified (name, 统一社会信用代码 with its check character, county in the guide's
list); it has a real 检查日期; every rectification's 隐患编号 is in its 隐患清单. A version-1 file has
no 统一社会信用代码: it is identified only through the expected-enterprise list (one enterprise of that
name in that sector), else refused.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhinan.content.model import HAZARD_LEVELS, Content, SectorContent
from zhinan.formats.record import (
    FORMAT,
    STATUSES,
    Inspection,
    RecordFormatError,
    credit_code_problem,
    from_json,
)

EARLIEST = datetime.date(2000, 1, 1)
"""No self-check record is dated before this (the workbook reader's bound too)."""

INTERNAL_ERROR = "文件无法读取（程序内部错误），已记录，请联系维护者"
"""The reason of a file whose reading raised what the reader did not foresee (a bug, or a hostile file
no rule knows yet): refused, never fatal; the details go to stderr naming the file (`Outcome.error`).
Such a file is read again by the next run (a fixed zhinan may accept it)."""

TEST_FAIL = "ZHINAN_TEST_TALLY_FAIL_ON"
"""Tests only: a file whose name contains this variable's value raises an unforeseen error when read."""

SKIPPED_NAMES = re.compile(r"^(?:~\$|\.~lock\.|\.)")
"""Office lock files and hidden files in an inbox are not returns."""


@dataclass(frozen=True, slots=True)
class Expected:
    """An enterprise the office expects a return from (the expected-enterprise list)."""

    name: str
    credit_code: str
    sector: str
    county: str
    large: bool


@dataclass(slots=True)
class Outcome:
    """What reading one file gave: a record (accepted) or a reason (refused)."""

    file: str
    inspection: Inspection | None = None
    reason: str = ""
    version: int = 0
    edition: str = ""
    notes: list[str] = field(default_factory=list)
    error: str = ""
    """What went wrong inside the program (type, message, where), when the reason is `INTERNAL_ERROR`."""


def inbox_files(paths: Iterable[Path]) -> list[tuple[Path, str, os.stat_result]]:
    """Every file under the given folders and files (absolute), in a stable order (by path, as sorting
    them would), without lock and hidden files nor what is inside hidden folders, each with its name as
    the 退回清单 shows it (the inbox folder's name and the path inside it) and its stat. A folder is
    walked with `os.scandir`, whose entries know whether they are files and keep their stat: the rerun
    looks at every file's stat, and walking, resolving and stat-ing 5,000 paths one by one took 0.5 s."""
    found: list[tuple[Path, str, os.stat_result]] = []
    for p in paths:
        p = p.resolve()
        if p.is_dir():
            _walk(p, p.name, found)
        elif p.is_file():
            found.append((p, p.name, p.stat()))
    return found


def _walk(folder: Path, label: str, found: list[tuple[Path, str, os.stat_result]]) -> None:
    """`inbox_files` under one folder: symbolic links to folders are not followed (as `Path.rglob`)."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        if SKIPPED_NAMES.match(e.name):
            continue
        name = f"{label}/{e.name}" if label else e.name
        if e.is_dir(follow_symlinks=False):
            _walk(folder / e.name, name, found)
        elif e.is_file():
            found.append((folder / e.name, name, e.stat()))


def filed_under(path: Path, content: Content) -> SectorContent | None:
    """The sector a file was filed under: the nearest folder named after a sector (its id or name)."""
    names = {sc.id: sc for sc in content.sectors} | {sc.sector.name: sc for sc in content.sectors}
    for part in reversed(path.parent.parts):
        if part in names:
            return names[part]
    return None


_IDENTIFIER = re.compile(r"<dc:identifier(?:\s[^>]*)?>" + re.escape(FORMAT) + r"/([0-9]+)/([a-z0-9-]+)</dc:identifier>")


def _workbook_mark(data: bytes) -> tuple[int, str] | None:
    """The format version and sector id zhinan wrote into a workbook's document properties."""
    try:
        with zipfile.ZipFile(_Bytes(data)) as book:
            core = book.read("docProps/core.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return None
    found = _IDENTIFIER.search(core)
    return (int(found.group(1)), found.group(2)) if found else None


def _Bytes(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def read_file(path: Path, data: bytes, content: Content, label: str,
              expected: Sequence[Expected] = ()) -> Outcome:
    """One returned file read and checked; never raises for what is in the file, nor for an error of
    its own (the file is refused with `INTERNAL_ERROR` and the error kept in `Outcome.error`)."""
    out = Outcome(file=label)
    try:
        _test_failure(label)
        if data[:4] == b"PK\x03\x04":
            ins = _workbook(data, content, out)
        elif data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
            ins = _json(data, content, out)
        elif _protected(data):
            raise Refusal("工作簿设置了打开密码（已加密），无法读取：请在 Excel/WPS 中删除打开密码，保存后重新报送")
        elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et"):
            raise Refusal("文件不是 Excel 工作簿（.xlsx）：可能已损坏，或是 .xls/.et 旧格式，请用 Excel 或 WPS 另存为 .xlsx 后重新报送")
        else:
            raise Refusal("文件不是 Excel 工作簿，也不是自查页面导出的 JSON：请报送本指南的三张清单工作簿（.xlsx）或自查页面导出的 .json")
        sc = next(s for s in content.sectors if s.id == ins.sector)
        where = filed_under(path, content)
        if where is not None and where.id != sc.id:
            kind = "工作簿" if data[:2] == b"PK" else "自查记录"
            raise Refusal(f"这是{sc.sector.name}的{kind}，不是{where.sector.name}的：请报送{where.sector.name}的自查，"
                          f"或把文件放到{sc.sector.name}的文件夹")
        out.inspection = _identified(ins, sc, content, out, expected)
    except Refusal as exc:
        out.inspection, out.reason = None, str(exc)
    except Exception as exc:  # a file that fails is never fatal (issue 31)
        out.inspection, out.reason, out.error = None, INTERNAL_ERROR, _where(exc)
    return out


def _test_failure(label: str) -> None:
    import os

    marker = os.environ.get(TEST_FAIL)
    if marker and marker in label:
        raise RuntimeError(f"{TEST_FAIL}={marker}")


def _where(exc: BaseException) -> str:
    """`Type: message (file:line)` of the innermost frame that raised it."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    at = f"（{Path(frames[-1].filename).name}:{frames[-1].lineno}）" if frames else ""
    return f"{type(exc).__name__}: {exc}{at}"


def _protected(data: bytes) -> bool:
    from zhinan.sheets.opening import is_protected

    return is_protected(data)


class Refusal(Exception):
    """A file the tally does not count; the message is the reason, in words an enterprise can act on."""


def _workbook(data: bytes, content: Content, out: Outcome) -> Inspection:
    from zhinan.sheets import readback, workbook

    try:
        with zipfile.ZipFile(_Bytes(data)) as book:
            book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refusal("文件不是 Excel 工作簿：文件已损坏或不完整（可能是邮件附件没有下载完），请重新保存为 .xlsx 后报送") from None
    mark = _workbook_mark(data)
    if mark is not None:
        _version, sid = mark
        sc = next((s for s in content.sectors if s.id == sid), None)
        if sc is None:
            raise Refusal(f"工作簿所属的行业“{sid}”不是本指南的行业：请使用本指南页面下载的三张清单工作簿")
    else:
        from zhinan.commands.report import ReportError, sector_of

        try:
            sc = sector_of(data, content)
        except ReportError as exc:
            raise Refusal(_plain(str(exc))) from None
    try:
        ins, notes = readback.read_record(data, sc, content.guide.counties)
    except workbook.RecordError as exc:
        said = "；".join(_plain(m) for m in exc.messages[:5]) + ("……" if len(exc.messages) > 5 else "")
        if any("统一社会信用代码" in m and "校验码" in m for m in exc.messages):
            said = f"统一社会信用代码校验位不正确：{said}"
        raise Refusal(said) from None
    out.version = 1 if any("第 1 版" in n for n in notes) else 2
    out.edition = content.guide.edition
    out.notes = notes
    return ins


def _plain(message: str) -> str:
    """A reader's message without its 'error:' word (the 退回清单 says it is refused)."""
    return message.replace("错误: ", "")


def _json(data: bytes, content: Content, out: Outcome) -> Inspection:
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refusal("文件不是有效的 JSON：请用自查页面的“导出 JSON”重新导出后报送") from None
    try:
        ins, notes = from_json(body)
    except RecordFormatError as exc:
        raise Refusal(f"不是本指南自查页面导出的自查记录：{exc}") from None
    out.version = int(body["version"])
    out.edition = str(body.get("edition") or "")
    out.notes = notes
    declared = body.get("sector")
    sc = next((s for s in content.sectors if s.id == ins.sector), None)
    if sc is None:
        raise Refusal(f"自查记录的行业“{ins.sector}”不是本指南的行业")
    if declared and declared != ins.sector:
        other = next((s.sector.name for s in content.sectors if s.id == declared), declared)
        raise Refusal(f"自查记录自相矛盾：文件标明是{other}的，记录内容却是{sc.sector.name}的：请重新导出")
    items = {it.id for it in sc.items}
    foreign = [r.item for r in ins.results if r.item not in items]
    if foreign:
        owner = next((s.sector.name for s in content.sectors if foreign[0] in {it.id for it in s.items}), None)
        if owner:
            raise Refusal(f"这是{owner}的检查结果，不是{sc.sector.name}的（检查项 {foreign[0]}）")
    for f in ins.findings:
        if f.level not in HAZARD_LEVELS:
            raise Refusal(f"隐患 {f.id} 的隐患等级“{f.level}”应为{'或'.join(HAZARD_LEVELS)}")
    for r in ins.rectifications:
        if r.status not in STATUSES:
            raise Refusal(f"隐患 {r.finding} 的整改状态“{r.status}”应为{'、'.join(STATUSES)}之一")
        if r.funds is not None and (not isinstance(r.funds, int | float) or isinstance(r.funds, bool) or r.funds < 0):
            raise Refusal(f"隐患 {r.finding} 的整改资金“{r.funds}”应为不小于 0 的金额（元）")
    if out.edition and out.edition != content.guide.edition:
        out.notes.append(f"按指南{out.edition}的检查清单填写，本次按{content.guide.edition}统计。")
    return ins


def _identified(ins: Inspection, sc: SectorContent, content: Content, out: Outcome,
                expected: Sequence[Expected]) -> Inspection:
    import dataclasses

    if not ins.enterprise.strip():
        raise Refusal("没有填写企业名称")
    code = re.sub(r"\s+", "", ins.credit_code).upper()
    if out.version == 1 and not code:
        known = [e for e in expected if e.name == ins.enterprise.strip() and e.sector == sc.id]
        if len(known) != 1:
            raise Refusal("这是第 1 版格式的自查记录，没有统一社会信用代码，无法确认是哪家企业："
                          "请下载新版工作簿（或在自查页面）补填统一社会信用代码和所在县（市、区）后重新报送")
        code = known[0].credit_code
        ins = dataclasses.replace(ins, credit_code=code, county=ins.county or known[0].county)
        out.notes.append(f"第 1 版格式的记录按报送名单认定为统一社会信用代码 {code} 的企业。")
    if not code:
        raise Refusal("没有填写统一社会信用代码：请在“自评”表填写后重新报送")
    problem = credit_code_problem(code)
    if problem:
        reason = "统一社会信用代码校验位不正确" if problem.startswith("校验码") else "统一社会信用代码不正确"
        raise Refusal(f"{reason}（{code}）：{problem}")
    counties = content.guide.counties
    if not ins.county:
        raise Refusal("没有填写所在县（市、区）")
    if counties and ins.county not in counties:
        raise Refusal(f"所在县（市、区）“{ins.county}”不是本市的县（市、区）：应为{'、'.join(counties)}之一")
    if ins.date is None:
        raise Refusal("没有填写检查日期：无法判断哪一份是最新的自查")
    today = datetime.date.today()
    if ins.date < EARLIEST or ins.date > today + datetime.timedelta(days=366):
        raise Refusal(f"检查日期 {ins.date} 不是真实的日期：请核对")
    ids = [f.id for f in ins.findings]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise Refusal(f"隐患清单中的隐患编号重复：{'、'.join(dup)}")
    known_ids = set(ids)
    for n, r in enumerate(ins.rectifications, 1):
        if r.finding not in known_ids:
            raise Refusal(f"整改清单第 {n} 条的隐患编号“{r.finding or '（空）'}”在隐患清单中没有：每条整改都要对应隐患清单中的一条隐患")
        for label, when in (("整改时限", r.deadline), ("完成日期", r.done), ("验收日期", r.accepted)):
            if when is not None and (when < EARLIEST or when.year > 2100):
                raise Refusal(f"隐患 {r.finding} 的{label} {when} 不是真实的日期：请核对")
    return dataclasses.replace(ins, credit_code=code)


EXPECTED_COLUMNS = 32
"""The columns of the expected list read: its five, and room for an office's own before them."""


def read_expected(path: Path, content: Content) -> list[Expected]:
    """The expected-enterprise list: CSV (UTF-8, with or without BOM) or XLSX, with a header row naming
    企业名称, 统一社会信用代码, 行业 (name or id), 所在县（市、区） and 规上 (是/否)."""
    from zhinan.errors import ZhinanError

    rows: list[list[str]]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        from zhinan.sheets import opening

        data = path.read_bytes()
        try:
            opening.check_container(data)
        except opening.WorkbookProblem as exc:
            raise ZhinanError(f"{path}: 错误: {exc.text}") from None
        wb = load_workbook(_Bytes(data), read_only=True, data_only=True)
        # The list's columns only, and only rows holding a value: read by its declared size, one stray
        # formatted cell at XFD1048576 made a million rows 16,384 cells wide (MemoryError).
        rows = []
        for values in wb.worksheets[0].iter_rows(max_col=EXPECTED_COLUMNS, values_only=True):
            if any(v is not None for v in values):
                rows.append(["" if v is None else str(v).strip() for v in values])
    else:
        import csv

        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [[c.strip() for c in row] for row in csv.reader(fh)]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise ZhinanError(f"{path}: 报送名单是空的")
    head = rows[0]
    wanted = {"name": ("企业名称", "名称"), "credit_code": ("统一社会信用代码", "信用代码"), "sector": ("行业",),
              "county": ("所在县（市、区）", "县（市、区）", "所在县", "县"), "large": ("规上", "规模以上")}
    cols: dict[str, int] = {}
    for key, titles in wanted.items():
        at = next((i for i, h in enumerate(head) if h in titles), None)
        if at is None and key != "large":
            raise ZhinanError(f"{path}:1: 报送名单缺少“{titles[0]}”一列（表头应为：企业名称、统一社会信用代码、行业、所在县（市、区）、规上）")
        if at is not None:
            cols[key] = at
    sectors: Mapping[str, str] = {sc.sector.name: sc.id for sc in content.sectors} | {sc.id: sc.id for sc in content.sectors}
    out = []
    for n, row in enumerate(rows[1:], 2):
        def cell(key: str, row: list[str] = row) -> str:
            return row[cols[key]] if key in cols and cols[key] < len(row) else ""

        sector = sectors.get(cell("sector"))
        if sector is None:
            raise ZhinanError(f"{path}:{n}: 行业“{cell('sector')}”不是本指南的行业")
        out.append(Expected(name=cell("name"), credit_code=cell("credit_code").upper(), sector=sector,
                            county=cell("county"), large=cell("large") in ("是", "Y", "y", "1", "true", "TRUE", "√")))
    return out
