"""Properties over every output rather than one example: random records written into every
sector's workbook and read back, every date cell of every workbook, the 汇总's figures and the
整改清单's looked-up columns computed from the workbook's own formulas and compared with the
record, every sector field reaching the keys of the outputs that print it, download names for
any edition. Hypothesis chooses the records (few examples, derandomised: seconds, the same
examples in CI); the frozen edition (tests/fixtures/edition) supplies the sectors.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter, range_boundaries

from conftest import FIXTURES
from zhinan.content.model import ASPECTS, HAZARD_LEVELS, Content, SectorContent
from zhinan.formats import record
from zhinan.formats.columns import (
    CHECKLIST_SHEET,
    FINDING_COLUMNS,
    RECTIFICATION_COLUMNS,
    RECTIFICATIONS_SHEET,
    SUMMARY_SHEET,
)
from zhinan.formats.names import file_name_part, published_name
from zhinan.formats.record import CHECK_RESULTS, STATUSES, Finding, Inspection, ItemResult, Rectification
from zhinan.sheets import readback, workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

NO_SHRINK = (Phase.explicit, Phase.generate)
"""A failing example is reported as found: shrinking a workbook example takes minutes on a busy machine."""
FEW = settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text an enterprise types: Chinese and ASCII, commas, quotes, a leading "=" (never a formula),
# inner line breaks; no leading or trailing blanks (the reader strips them, as it should).
_CHARS = st.sampled_from(list("隐患整改消防通道堵塞重大一般abcXYZ019,，\"'=%-（）\n "))
TEXT = st.text(_CHARS, min_size=1, max_size=24).map(str.strip).filter(bool)
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
DATES = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))
# Days that differ in day and month (a date read day-for-month, or a month off, is then visible).
OPTIONAL_DATE = st.one_of(st.none(), DATES)


@st.composite
def inspections(draw: Callable[..., Any], sc: SectorContent) -> Inspection:
    """A record in the form a workbook reads back: results in checklist order (the sheet's rows),
    and one rectification per hazard, in its order (the 整改清单's rows are prefilled YH-001…)."""
    items = [it.id for it in sc.items]
    answered = draw(st.lists(st.sampled_from(items), unique=True, max_size=min(12, len(items))))
    results = tuple(
        ItemResult(item=i, result=draw(st.sampled_from((None, *CHECK_RESULTS))), remark=draw(OPTIONAL_TEXT))
        for i in sorted(answered, key=items.index))
    results = tuple(r for r in results if r.result or r.remark)
    numbers = draw(st.lists(st.integers(1, 40), unique=True, max_size=8).map(sorted))
    findings = tuple(
        Finding(id=record.finding_id(n), item=draw(st.one_of(st.just(""), st.sampled_from(items))),
                aspect=draw(st.sampled_from(ASPECTS)), location=draw(OPTIONAL_TEXT), text=draw(TEXT),
                level=draw(st.sampled_from(HAZARD_LEVELS)), basis=draw(OPTIONAL_TEXT), level_note=draw(OPTIONAL_TEXT))
        for n in numbers)
    rectifications = tuple(
        Rectification(finding=f.id, measure=draw(OPTIONAL_TEXT), department=draw(OPTIONAL_TEXT), owner=draw(OPTIONAL_TEXT),
                      funds=draw(st.one_of(st.none(), st.integers(0, 10**6).map(lambda c: c / 100))),
                      deadline=draw(OPTIONAL_DATE), done=draw(OPTIONAL_DATE), acceptor=draw(OPTIONAL_TEXT),
                      accepted=draw(OPTIONAL_DATE), opinion=draw(OPTIONAL_TEXT), status=draw(st.sampled_from(STATUSES)))
        for f in findings)
    return Inspection(enterprise=draw(TEXT), sector=sc.id, date=draw(OPTIONAL_DATE), inspectors=draw(OPTIONAL_TEXT),
                      kind=draw(st.sampled_from(record.INSPECTION_KINDS)), results=results, findings=findings,
                      rectifications=rectifications)


@st.composite
def sector_and_inspection(draw: Callable[..., Any], content: Content) -> tuple[SectorContent, Inspection]:
    sc = draw(st.sampled_from(content.sectors))
    return sc, draw(inspections(sc))


@pytest.fixture(scope="module")
def content(edition_content: Content) -> Content:
    return edition_content


# ---- the record round trip --------------------------------------------------------------------------


@FEW
@given(data=st.data())
def test_any_record_written_into_its_sectors_workbook_reads_back_equal(content: Content, data: st.DataObject) -> None:
    sc, ins = data.draw(sector_and_inspection(content))
    assert readback.read_inspection(workbook.workbook_bytes(sc, content, ins), sc) == ins


# ---- every date cell is a date ------------------------------------------------------------------------


def _date_cells(sc: SectorContent) -> list[tuple[str, str]]:
    """(sheet, cell) of every place a date goes in the sector's workbook: the cover's 检查日期 and
    the first and last prepared rows of every date column of the lists."""
    layout = workbook.enterprise_layout(sc)
    cells = [(CHECKLIST_SHEET, layout["cover"]["cells"]["date"])]
    kinds = {c.record: c.kind for c in (*FINDING_COLUMNS, *RECTIFICATION_COLUMNS)}
    for role in ("findings", "rectifications"):
        sheet = layout["sheets"][role]
        for col in sheet["columns"]:
            if kinds.get(col["field"]) == "date":
                cells += [(sheet["name"], f"{col['letter']}{r}") for r in (sheet["first_row"], sheet["last_row"])]
    return cells


def _number_format(ws: Any, ref: str) -> str:
    """What a value typed into the cell shows as: its own format, else its column's default."""
    cell = ws[ref]
    if cell.has_style and cell.number_format != "General":
        return str(cell.number_format)
    dim = ws.column_dimensions.get(re.sub(r"\d", "", ref))
    return str(dim.number_format) if dim is not None and dim.number_format else "General"


def test_every_date_cell_of_every_blank_workbook_is_formatted_as_a_date(content: Content) -> None:
    """The self-check page writes dates into the blank workbook's cells: each must show as a date
    (not a serial number such as 46355) in Excel, WPS and LibreOffice."""
    assert content.sectors
    for sc in content.sectors:
        wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
        cells = _date_cells(sc)
        assert len(cells) >= 7
        for sheet, ref in cells:
            fmt = _number_format(wb[sheet], ref)
            assert is_date_format(fmt), f"{sc.id}: {sheet}!{ref} 的格式是“{fmt}”，不是日期"


@FEW
@given(data=st.data())
def test_every_date_of_a_filled_workbook_is_a_date_cell(content: Content, data: st.DataObject) -> None:
    sc, ins = data.draw(sector_and_inspection(content))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime.date | datetime.datetime):
                    assert cell.is_date and is_date_format(cell.number_format), f"{ws.title}!{cell.coordinate}"
    layout = workbook.enterprise_layout(sc)
    if ins.date:
        assert wb[CHECKLIST_SHEET][layout["cover"]["cells"]["date"]].value.date() == ins.date


# ---- the 汇总 and the looked-up columns, computed from the workbook's own formulas -------------------


class Sheets:
    """A small evaluator of the formulas the workbook uses (COUNTIFS, COUNTIF, COUNTA, SUM, IF,
    INDEX/MATCH, IFERROR, &, + - /), over the values written into it: enough to check the figures
    without LibreOffice, and exactly as the formulas are written (a wrong range counts wrong)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.known: dict[tuple[str, str], Any] = {}
        self.ranges: dict[tuple[str, str], list[Any]] = {}

    def _range(self, ref: str, default_sheet: str) -> list[Any]:
        sheet, _, cells = ref.rpartition("!")
        sheet = sheet.strip("'") or default_sheet
        if (sheet, cells) not in self.ranges:
            lo_c, lo_r, hi_c, hi_r = range_boundaries(cells.replace("$", ""))
            self.ranges[sheet, cells] = [self.value(sheet, f"{get_column_letter(c)}{r}")
                                         for r in range(lo_r, hi_r + 1) for c in range(lo_c, hi_c + 1)]
        return self.ranges[sheet, cells]

    def value(self, sheet: str, ref: str) -> Any:
        if (sheet, ref) not in self.known:
            cell = self.wb[sheet][ref]  # text typed as "=…" is text (data type s), never a formula
            self.known[sheet, ref] = self.eval(cell.value[1:], sheet) if cell.data_type == "f" else cell.value
        return self.known[sheet, ref]

    def eval(self, expr: str, sheet: str) -> Any:
        ranges: dict[str, list[Any]] = {}

        def rng(m: re.Match[str]) -> str:
            key = f"__r{len(ranges)}"
            ranges[key] = self._range(m.group(0), sheet)
            return key

        expr = re.sub(r"(?:'[^']+'!)?\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+", rng, expr)

        def cell(m: re.Match[str]) -> str:
            return repr(self.value(m.group(1).strip("'") if m.group(1) else sheet, m.group(2).replace("$", "")))

        expr = re.sub(r"(?:('[^']+')!)?(\$?\b[A-Z]{1,2}\$?\d+\b)(?![(_])", cell, expr)
        expr = expr.replace("<>", "!=").replace("&", "+").replace("=", "==").replace("!==", "!=")

        def crit(values: list[Any], c: Any) -> list[bool]:
            if c in ("<>", "!="):  # "<>" after the operators were rewritten
                return [v not in (None, "") for v in values]
            return [v == c for v in values]

        def COUNTIFS(*args: Any) -> int:
            ok = [True] * len(args[0])
            for values, c in zip(args[::2], args[1::2], strict=True):
                ok = [a and b for a, b in zip(ok, crit(values, c), strict=True)]
            return sum(ok)

        def MATCH(key: Any, values: list[Any], _: int) -> int:
            return values.index(key) + 1

        env = {
            "COUNTIFS": COUNTIFS, "COUNTIF": COUNTIFS,
            "COUNTA": lambda values: sum(v not in (None, "") for v in values),
            "SUM": lambda values: sum(v or 0 for v in values),
            "IF": lambda cond, a, b: a if cond else b,
            "INDEX": lambda values, n: values[n - 1], "MATCH": MATCH,
            "IFERROR": lambda v, alt: v,
            **ranges,
        }
        # IF and IFERROR are evaluated eagerly here: the workbook's IFs guard only empty keys and a
        # division by zero, which end as "" below, as the workbook shows them.
        try:
            return eval(expr, {"__builtins__": {}}, env)  # the workbook's own formulas, rewritten
        except (ValueError, ZeroDivisionError, TypeError):
            return ""


def _record_counts(sc: SectorContent, ins: Inspection) -> dict[str, Any]:
    aspect_of = {it.id: it.aspect for it in sc.items}
    results = {r.item: r.result for r in ins.results}
    want: dict[str, Any] = {}
    for aspect in [*ASPECTS, "合计"]:
        ids = [i for i, a in aspect_of.items() if aspect in ("合计", a)]
        row = {"items": len(ids), **{res: sum(results.get(i) == res for i in ids) for res in CHECK_RESULTS}}
        row["blank"] = sum(not results.get(i) for i in ids)
        fs = [f for f in ins.findings if aspect in ("合计", f.aspect)]
        want[aspect] = (row, {**{lv: sum(f.level == lv for f in fs) for lv in HAZARD_LEVELS}, "total": len(fs)})
    status = {r.finding: r.status for r in ins.rectifications}
    want["statuses"] = {s: sum(status.get(f.id, STATUSES[0]) == s for f in ins.findings) for s in STATUSES}
    return want


@FEW
@given(data=st.data())
def test_the_summary_totals_are_the_sum_of_every_aspect_and_blank_is_what_is_left(
        content: Content, data: st.DataObject) -> None:
    """Every figure of the 汇总, computed from its formulas, equals the record's count: per aspect,
    the 合计 row, 未填 (neither 符合, 不符合 nor 不涉及), the hazards by level, the statuses."""
    # A sector with items in every aspect, so that a total leaving one out is visible.
    full = [sc for sc in content.sectors if {it.aspect for it in sc.items} == set(ASPECTS)]
    sc = data.draw(st.sampled_from(full))
    ins = data.draw(inspections(sc))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    ev = Sheets(wb)
    cells = workbook.summary_cells()
    want = _record_counts(sc, ins)
    for aspect in [*ASPECTS, "合计"]:
        got_results = {k: ev.value(SUMMARY_SHEET, ref) for k, ref in cells["results"][aspect].items()}
        got_hazards = {k: ev.value(SUMMARY_SHEET, ref) for k, ref in cells["hazards"][aspect].items()}
        assert (got_results, got_hazards) == want[aspect], aspect
    assert {s: ev.value(SUMMARY_SHEET, ref) for s, ref in cells["statuses"].items()} == want["statuses"]


@FEW
@given(data=st.data())
def test_every_looked_up_column_of_the_rectifications_reads_its_own_finding_column(
        content: Content, data: st.DataObject) -> None:
    sc, ins = data.draw(sector_and_inspection(content))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    ev = Sheets(wb)
    sheet = workbook.enterprise_layout(sc)["sheets"]["rectifications"]
    letters = {c["field"]: c["letter"] for c in sheet["columns"]}
    looked_up = [f for f in letters if f.startswith("finding.")]
    assert looked_up
    findings = {f.id: f for f in ins.findings}
    for rect in ins.rectifications:
        row = sheet["first_row"] + int(rect.finding.split("-")[1]) - 1
        for field in looked_up:
            got = ev.value(RECTIFICATIONS_SHEET, f"{letters[field]}{row}")
            assert got == getattr(findings[rect.finding], field.split(".", 1)[1]), (rect.finding, field)


# ---- keys: a sector's fields reach every output that prints them --------------------------------------


def _sheet_keys(root: Path) -> dict[str, str]:
    from zhinan.build import BuildOptions, build
    from zhinan.pipeline import hashcache, transaction
    from zhinan.pipeline.progress import Progress

    out = root.parent / "sheets-out"
    build(BuildOptions(root=root, out=out, only=("sheets",), jobs=1, progress=Progress(quiet=True)))
    published = transaction.Transaction(out, ()).published_generation()
    assert published is not None
    return {name: e["key"] for name, e in hashcache.Cache(published, "sheets").entries.items()}


def test_every_sector_field_reaches_the_key_of_every_output_that_prints_it(tmp_path: Path) -> None:
    """A renamed sector: its workbook (which carries the 行业 name, and is refused on import by the
    page that embeds a stale one) and all.csv (行业 column) must be written again."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "pdf", root)
    before = _sheet_keys(root)
    path = root / "sectors/gas-demo/sector.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: 城镇燃气", "name: 城镇燃气供应", 1), encoding="utf-8")
    after = _sheet_keys(root)
    changed = {k for k in before if before[k] != after.get(k)}
    assert {"gas-demo.xlsx", "all.csv"} <= changed
    assert "chem-demo.xlsx" not in changed


# ---- download names --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True)
@given(edition=st.text(st.sampled_from(list("2021年版 /:#?%&\"'<>|()[]{}\\;`.\t修订")), min_size=1, max_size=16))
def test_every_download_name_is_a_safe_file_name_for_any_edition(edition: str) -> None:
    from zhinan.content.model import Guide

    guide = Guide.__new__(Guide)
    object.__setattr__(guide, "edition", edition)
    name = published_name(guide, "危险化学品-三张清单", ".xlsx")
    assert name.endswith(".xlsx") and name.startswith("危险化学品-三张清单（")
    stem = name[: -len(".xlsx")]
    assert not re.search(r"[\\/:*?\"'<>|()\[\]{}#%&;`\s]", stem), name
    assert file_name_part(edition) in stem


# ---- numbering and order -------------------------------------------------------------------------------


def test_aspect_numerals_count_from_one() -> None:
    from zhinan.pdf.typeset import cn_num

    assert [cn_num(n) for n in range(1, 11)] == list("一二三四五六七八九十")
    assert cn_num(11) == "11"


def test_sectors_follow_their_order_not_their_ids(tmp_path: Path) -> None:
    """Two sectors whose `order` disagrees with their ids' alphabetical order (the fixture's
    chem-demo has order 1 and gas-demo 2, which agree): swapped, the sectors follow `order`."""
    from zhinan.content.validate import load_content

    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "pdf", root)
    for sid, order in (("gas-demo", 1), ("chem-demo", 2)):
        path = root / f"sectors/{sid}/sector.yml"
        path.write_text(re.sub(r"(?m)^order: \d+$", f"order: {order}", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert [s.id for s in load_content(root).sectors] == ["gas-demo", "chem-demo"]


def test_every_page_below_a_sector_shows_its_breadcrumbs(built: Path, edition_content: Content) -> None:
    """Every page of every sector (its guide, checklist, enterprises) carries the breadcrumbs
    行业指南 › 行业 › 页面, not only the sample page an author would open."""
    checked = 0
    for page in sorted(built.glob("sectors/*/**/index.html")):
        html = page.read_text(encoding="utf-8")
        nav = re.search(r'<nav class="md-path"[^>]*>(.*?)</nav>', html, re.S)
        assert nav, f"{page.relative_to(built)}: 没有面包屑"
        checked += 1
    assert checked >= len(edition_content.sectors) * 2


# ---- the importer: random edits of a workbook say exactly what changes in the YAML -------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """The sheets fixture's content and its exported workbook (built once for the module)."""
    from sheetkit import SMALL, build_stages, copy_content

    base = tmp_path_factory.mktemp("import")
    root = copy_content(SMALL, base / "content")
    build_stages(root, base / "build", "sheets")
    return root, (base / "build" / "sheets" / "paint.xlsx").read_bytes()


EDITS = st.lists(st.tuples(st.sampled_from(("edit", "omit", "new")), st.integers(0, 3), st.integers(0, 99)),
                 min_size=1, max_size=4)


@settings(max_examples=6, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=EDITS)
def test_random_edits_of_a_workbook_import_to_exactly_those_edits(
        exported: tuple[Path, bytes], tmp_path_factory: pytest.TempPathFactory,
        edits: list[tuple[str, int, int]]) -> None:
    """Edit some rows' 检查内容, leave some rows out, add rows without 编号 (copies of a row with new
    content): after import-sheet, the edited items say the new content, the left-out ones are kept
    as they were, each new row is a new item with a number no item of the file has (not only none
    of the sheet's), and every other item is unchanged."""
    from click.testing import CliRunner

    from zhinan.cli import main
    from zhinan.content.validate import load_content
    from zhinan.sheets.workbook import CHECKLIST_HEAD_ROW

    src_root, book = exported
    root = tmp_path_factory.mktemp("edited") / "content"
    shutil.copytree(src_root, root)
    before = {it.id: it for it in load_content(root).sector("paint").items}
    wb = load_workbook(io.BytesIO(book))
    ws = wb[CHECKLIST_SHEET]
    heads = {c.value: c.column for c in ws[CHECKLIST_HEAD_ROW] if c.value}
    id_col, content_col = heads["编号"], heads["检查内容"]
    rows = {ws.cell(r, id_col).value: r for r in range(CHECKLIST_HEAD_ROW + 1, ws.max_row + 1) if ws.cell(r, id_col).value}
    ids = sorted(rows)
    edited: dict[str, str] = {}
    omitted: set[str] = set()
    new: list[str] = []
    for kind, k, n in edits:
        item = ids[k % len(ids)]
        if kind == "edit" and item not in omitted:
            edited[item] = f"检查第{n}项内容是否落实。"
            ws.cell(rows[item], content_col).value = edited[item]
        elif kind == "omit" and item not in omitted and len(omitted) < len(ids) - 1:
            omitted.add(item)
            edited.pop(item, None)
        elif kind == "new":
            text = f"新增检查第{n}项{len(new)}。"
            if text in new:
                continue
            r = ws.max_row + 1
            for c in range(1, ws.max_column + 1):
                ws.cell(r, c).value = ws.cell(rows[item], c).value
            ws.cell(r, id_col).value = None
            ws.cell(r, content_col).value = text
            new.append(text)
    for item in sorted(omitted, key=lambda i: -rows[i]):
        ws.delete_rows(rows[item])
    path = root.parent / "edited.xlsx"
    wb.save(path)
    result = CliRunner().invoke(main, ["import-sheet", "--root", str(root), str(path), "--sector", "paint"])
    assert result.exit_code == 0, result.output
    after = {it.id: it for it in load_content(root).sector("paint").items}
    added = [i for i in after if i not in before]
    assert sorted(after[i].content for i in added) == sorted(new), "新增行"
    top = max(int(i.split("-")[1]) for i in before)
    assert all(int(i.split("-")[1]) > top for i in added), f"新编号 {added} 与文件中已有的编号重复（最大 {top}）"
    for item, old in before.items():
        want = edited.get(item, old.content)
        assert after[item].content == want, item
        assert (after[item].aspect, after[item].item, after[item].hazards) == (old.aspect, old.item, old.hazards), item


# ---- every HTML page of the site: its CSP lets exactly its own inline scripts run ---------------------


def test_every_page_carries_the_csp_that_allows_exactly_its_inline_scripts(built: Path) -> None:
    """All page types (home, chapters, sector pages, checklists, enterprises, self-check, indexes,
    search, 404): a Content-Security-Policy first in <head> (after the charset only); every inline <script> allowed by the
    SHA-256 of its code (else the browser blocks the theme's scripts), no inline event handler, no
    javascript: URL; the 404 page's search form may go to the site itself."""
    import base64
    import hashlib

    pages = sorted(built.rglob("*.html"))
    assert built / "404.html" in pages and len(pages) > 20
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        where = page.relative_to(built).as_posix()
        m = re.search(r'<head>\s*(?:<meta charset="[^"]*">\s*)?<meta http-equiv="Content-Security-Policy" '
                      r'content="([^"]*)">', html)
        assert m, f"{where}: <head> 不以 CSP 开始"
        csp = dict([*d.split(" ", 1), ""][:2] for d in (x.strip() for x in m.group(1).split(";")) if d)
        allowed = set(re.findall(r"'sha256-[^']+'", csp["script-src"]))
        need = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
                for s in inline.findall(html)}
        assert need <= allowed, f"{where}: 内联脚本没有被 CSP 允许，浏览器会阻止它们"
        assert "'unsafe-inline'" not in csp["script-src"], where
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"{where}: 内联事件处理器"
        assert "javascript:" not in html.lower(), where
        if where == "404.html":  # its search form submits to the home page (elsewhere search is scripted)
            assert re.search(r"<form\b", html) and csp["form-action"] == "'self'", f"{where}: 搜索表单被 CSP 禁止提交"


# ---- 更新日期: each file's last change, with distinct dates per file and per commit ---------------------


def test_every_files_date_is_its_last_commit_not_its_first(minimal_tree: Path) -> None:
    """Three commits on distinct days, each touching different files: every file's date is the day
    of the last commit that touched it, as `git log -1` says for that file alone."""
    import os
    import subprocess

    from zhinan.site.pages import content_dates

    root = minimal_tree
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert len(files) >= 3

    def git(*args: str, day: str | None = None) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
        if day:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+0800"
        return subprocess.run(["git", "-C", str(root), *args], env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "first", day="2024-01-02")
    for n, day in ((0, "2025-03-04"), (1, "2025-06-07")):
        touched = files[n:: 2]
        for rel in touched:
            with (root / rel).open("ab") as fh:
                fh.write(b"\n" if rel.endswith((".yml", ".md")) else b"")
        git("add", "-A")
        git("commit", "-qm", f"edit {n}", "--allow-empty", day=day)
    dates = content_dates(root)
    checked = 0
    for rel in files:
        if not rel.startswith(("sectors/", "guides/")):
            continue
        want = git("log", "-1", "--format=%cs", "--", rel).strip()
        assert dates[rel].isoformat() == want, rel
        checked += 1
    assert checked >= 3 and len({d for d in dates.values()}) >= 2
