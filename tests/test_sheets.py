"""The 三张清单 workbooks and CSV files, read back and checked against the repository's content."""

from __future__ import annotations

import csv
import datetime
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheetkit import REPO, build_stages, copy_content
from zhinan import sheets
from zhinan.model import CheckItem, Content, SectorContent, public_fields
from zhinan.validate import load_content


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Content, Path]:
    root = copy_content(REPO, tmp_path_factory.mktemp("repo"))
    out = root / "build"
    build_stages(root, out, "sheets")
    return load_content(root), out / "sheets"


def workbooks(built: tuple[Content, Path]) -> list[tuple[SectorContent, Workbook]]:
    content, out = built
    return [(sc, load_workbook(out / f"{sc.id}.xlsx")) for sc in content.sectors]


def last_row(title: str, sc: SectorContent) -> int:
    return 1 + (len(sc.items) if title == sheets.CHECKLIST_SHEET else sheets.BLANK_ROWS)


def test_checklist_columns_follow_the_issue_and_take_their_titles_from_the_model() -> None:
    titles = [c.title for c in sheets.checklist_columns()]
    assert titles == ["序号", "编号", "检查类别", "检查项目", "检查内容", "检查依据", "检查方法", "检查结果", "备注"]
    meta = {f.name: f.metadata["title"] for f in public_fields(CheckItem)}
    assert all(c.title == meta[c.field] for c in sheets.checklist_columns() if c.field)


def test_every_sector_has_a_workbook_with_three_sheets_headers_and_rows(built: tuple[Content, Path]) -> None:
    content, out = built
    assert sorted(p.stem for p in out.glob("*.xlsx")) == sorted(sc.id for sc in content.sectors)
    for sc, wb in workbooks(built):
        assert wb.sheetnames == list(sheets.sheet_columns())
        for title, columns in sheets.sheet_columns().items():
            ws = wb[title]
            assert [c.value for c in ws[1]] == [c.title for c in columns]
            assert ws.max_row == last_row(title, sc), (sc.id, title)
        body = [["" if v is None else v for v in row] for row in wb[sheets.CHECKLIST_SHEET].iter_rows(min_row=2, values_only=True)]
        assert body == sheets.checklist_rows(sc)
        assert [r[1] for r in body] == [it.id for it in sc.items]


def _validations(ws: Worksheet) -> dict[str, tuple[str, str]]:
    return {str(dv.sqref): (dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}


def _range_values(wb: Workbook, ref: str) -> list[str]:
    sheet, cells = ref.split("!")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet.strip("'")]
    return [str(c.value) for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col) for c in row]


def test_drop_downs_and_date_checks_cover_the_rows_to_fill(built: tuple[Content, Path]) -> None:
    for sc, wb in workbooks(built):
        for title, columns in sheets.sheet_columns().items():
            found = _validations(wb[title])
            expected = {}
            for i, col in enumerate(columns, 1):
                letter = get_column_letter(i)
                kind = "list" if col.choices or col.kind == "item" else {"date": "date", "money": "decimal"}.get(col.kind)
                if kind:
                    expected[f"{letter}2:{letter}{last_row(title, sc)}"] = (kind, col)
            assert set(found) == set(expected), (sc.id, title)
            for rng, (kind, col) in expected.items():
                assert found[rng][0] == kind
                if col.choices:
                    assert found[rng][1] == '"' + ",".join(col.choices) + '"'
                elif col.kind == "item":
                    assert _range_values(wb, found[rng][1]) == [it.id for it in sc.items]


def test_drop_down_values_are_the_unified_format() -> None:
    choices = {c.title: c.choices for cols in sheets.sheet_columns().values() for c in cols if c.choices}
    assert choices["检查结果"] == ("符合", "不符合", "不涉及")
    assert choices["隐患等级"] == ("一般", "重大")
    assert choices["状态"] == ("待整改", "整改中", "待验收", "已销号")


def test_print_setup_frozen_header_widths_and_wrapping(built: tuple[Content, Path]) -> None:
    for sc, wb in workbooks(built):
        for title, columns in sheets.sheet_columns().items():
            ws = wb[title]
            assert ws.freeze_panes == "A2"
            assert ws.print_title_rows == "$1:$1"
            assert ws.page_setup.orientation == "landscape"
            assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
            assert [ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(columns) + 1)] == [
                c.width for c in columns
            ]
            last = last_row(title, sc)
            assert all(ws.cell(r, c).alignment.wrap_text for r in (1, last) for c in range(1, len(columns) + 1))
            dates = [i for i, c in enumerate(columns, 1) if c.kind == "date"]
            assert all(ws.cell(last, i).number_format == "yyyy-mm-dd" for i in dates)
        rows = sheets.checklist_rows(sc)
        heights = [wb[sheets.CHECKLIST_SHEET].row_dimensions[r].height for r in range(2, len(rows) + 2)]
        # Wrapped cells are only readable when the row is tall enough for every line of the longest one.
        assert all(h >= sheets.LINE_HEIGHT * max(str(v).count("\n") + 1 for v in row) for h, row in zip(heights, rows, strict=True))


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _as_text(rows: list[list[object]]) -> list[list[str]]:
    return [[str(v) for v in row] for row in rows]


def test_csv_files_are_utf8_with_bom_and_match_the_checklist(built: tuple[Content, Path]) -> None:
    content, out = built
    head = [c.title for c in sheets.checklist_columns()]
    for sc in content.sectors:
        data = (out / f"{sc.id}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert _csv_rows(data) == [head, *_as_text(sheets.checklist_rows(sc))]
    everything = _csv_rows((out / "all.csv").read_bytes())
    assert everything[0] == [sheets.ALL_SECTORS_TITLE, *head]
    assert [(r[0], r[2]) for r in everything[1:]] == [(sc.sector.name, it.id) for sc in content.sectors for it in sc.items]


def test_the_same_content_builds_byte_identical_files(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, out = built
    build_stages(REPO, tmp_path, "sheets")
    again = tmp_path / "sheets"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert all((out / n).read_bytes() == (again / n).read_bytes() for n in names)
    stamp = datetime.datetime.combine(content.guide.date, datetime.time())
    for sc in content.sectors:
        with zipfile.ZipFile(out / f"{sc.id}.xlsx") as zf:
            assert {i.date_time for i in zf.infolist()} == {stamp.timetuple()[:6]}
        props = load_workbook(out / f"{sc.id}.xlsx").properties
        assert (props.created, props.modified) == (stamp, stamp)


def test_libreoffice_opens_every_workbook_and_converts_it_to_csv(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, out = built
    books = [str(out / f"{sc.id}.xlsx") for sc in content.sectors]
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "csv"), *books],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    for sc in content.sectors:
        converted = _csv_rows((tmp_path / "csv" / f"{sc.id}.csv").read_bytes())
        assert converted == _csv_rows((out / f"{sc.id}.csv").read_bytes()), sc.id
