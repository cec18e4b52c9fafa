"""The 三张清单 workbooks and CSV files, read back and checked against the repository's content."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import math
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.utils import absolute_coordinate, get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from conftest import lo_profile
from sheetkit import EDITION, REPO, build_stages, copy_content
from zhinan import sheets
from zhinan.content.model import CheckItem, Content, SectorContent, public_fields
from zhinan.content.validate import load_content
from zhinan.formats.record import Finding, Inspection, ItemResult, Rectification
from zhinan.sheets import readback, workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

MM = 72 / 25.4
"""Points per millimetre."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Content, Path]:
    root = copy_content(EDITION, tmp_path_factory.mktemp("repo"))
    out = root / "build"
    build_stages(root, out, "sheets")
    return load_content(root), out / "sheets"


def workbooks(built: tuple[Content, Path], **kw: bool) -> list[tuple[SectorContent, Workbook]]:
    content, out = built
    return [(sc, load_workbook(out / f"{sc.id}.xlsx", **kw)) for sc in content.sectors]


def titles(record: type) -> list[str]:
    return [str(f.metadata["title"]) for f in public_fields(record)]


def header(ws: Worksheet, row: int) -> list[str]:
    return [c.value for c in ws[row] if c.value is not None]


def test_checklist_columns_take_their_titles_from_the_model_and_the_record() -> None:
    cols = sheets.checklist_columns()
    assert [c.title for c in cols] == ["序号", "编号", "检查类别", "检查项目", "检查内容", "检查依据", "检查方法",
                                       "检查结果", "备注", "核心要素", "典型隐患", "整改要求"]
    meta = {f.name: f.metadata["title"] for f in public_fields(CheckItem)}
    assert all(c.title == meta[c.field or c.shows] for c in cols if c.field or c.shows)
    # The importer reads back only the fields it can write; the shown ones stay in YAML.
    assert {c.field for c in cols if c.field} == {"id", "aspect", "item", "content", "basis", "method"}


def test_every_sector_has_a_workbook_whose_sheets_have_the_records_columns(built: tuple[Content, Path]) -> None:
    content, out = built
    assert sorted(p.stem for p in out.glob("*.xlsx")) == sorted(sc.id for sc in content.sectors)
    for sc, wb in workbooks(built):
        assert wb.sheetnames == ["检查清单", "隐患清单", "整改清单", "汇总", "自评"]
        assert header(wb["检查清单"], 3) == [c.title for c in sheets.checklist_columns()]
        assert header(wb["隐患清单"], 2) == titles(Finding)
        rect = header(wb["整改清单"], 2)
        assert rect[:1] + rect[3:] == titles(Rectification) and rect[1:3] == ["隐患描述", "隐患等级"]
        body = [["" if v is None else str(v) for v in row[:12]]
                for row in wb["检查清单"].iter_rows(min_row=4, values_only=True)]
        assert body == [[str(v) for v in row] for row in sheets.checklist_rows(sc)]
        assert [r[1] for r in body] == [it.id for it in sc.items]
        cover = wb["检查清单"]
        assert [cover[c].value for c in ("A1", "F1", "I1", "A2", "F2")] == ["企业名称", "检查日期", "检查类型", "行业", "检查人员"]
        assert cover["C2"].value == sc.sector.name
        ids = [wb["隐患清单"].cell(r, 1).value for r in range(3, 503)]
        assert ids == [f"YH-{n:03d}" for n in range(1, 501)] == [wb["整改清单"].cell(r, 1).value for r in range(3, 503)]


def test_the_layout_names_the_cells_the_workbook_really_has(built: tuple[Content, Path]) -> None:
    for sc, wb in workbooks(built):
        layout = json.loads(json.dumps(workbook.enterprise_layout(sc)))
        assert layout["sector"] == sc.id and layout["format"] == "zhinan-self-check"
        for role, sheet in layout["sheets"].items():
            if role in ("summary", "self"):  # cells, not a list of rows (自评: tests/test_record_v2.py)
                continue
            ws = wb[sheet["name"]]
            for col in sheet["columns"]:
                assert ws[f"{col['letter']}{sheet['header_row']}"].value == col["title"]
            assert sheet["first_row"] == sheet["header_row"] + 1
            assert sheet["last_row"] - sheet["first_row"] + 1 >= 500
            if role != "checklist":  # the lists print the header and a page of blank rows
                assert ws.print_area == f"'{sheet['name']}'!{absolute_coordinate(sheet['print_area'])}"
        fields = {c["field"] for c in layout["sheets"]["findings"]["columns"]}
        assert fields == {f.name for f in public_fields(Finding)}
        assert {"result", "remark", "id"} <= {c["field"] for c in layout["sheets"]["checklist"]["columns"]}
        assert set(layout["cover"]["cells"]) == {"enterprise", "sector", "date", "inspectors", "kind"}
        assert wb["检查清单"][layout["cover"]["cells"]["sector"]].value == sc.sector.name


def major_hazards_from_yaml(sector: str) -> dict[str, list[str]]:
    """Item id → its 重大 typical hazards, read from the YAML file itself."""
    data = yaml.safe_load((EDITION / "sectors" / sector / "checklist.yml").read_text(encoding="utf-8"))
    return {it["id"]: [h["text"] for h in it.get("hazards") or [] if h["level"] == "重大"] for it in data["items"]}


def test_every_major_typical_hazard_is_in_the_sheet_marked_bold_on_gray(built: tuple[Content, Path]) -> None:
    total = 0
    for sc, wb in workbooks(built, rich_text=True):
        ws = wb["检查清单"]
        col = [c.value for c in ws[3]].index("典型隐患") + 1
        rows = {ws.cell(r, 2).value: r for r in range(4, 4 + len(sc.items))}
        for item, majors in major_hazards_from_yaml(sc.id).items():
            cell = ws.cell(rows[item], col)
            text = str(cell.value)
            lines = text.split("\n")
            assert [ln.removeprefix("【重大】") for ln in lines if ln.startswith("【重大】")] == majors, item
            if majors:
                total += len(majors)
                assert isinstance(cell.value, CellRichText)
                bold = [str(b.text).strip() for b in cell.value if not isinstance(b, str) and b.font.b]
                assert bold == [f"【重大】{m}" for m in majors]
                assert cell.fill.fgColor.rgb.endswith("D9D9D9") and cell.fill.fill_type == "solid"
            else:
                assert "【重大】" not in text and cell.fill.fill_type is None
    assert total == 32  # 20 危险化学品 + 7 城镇燃气 + 5 道路运输, counted with grep in the YAML


def _dv_at(ws: Worksheet, ref: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]


def _range_values(wb: Workbook, ref: str) -> list[str]:
    sheet, cells = ref.split("!")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col) for c in row]


EXPECTED_DV = {
    # sheet: {header title: (type, operator or None, formula1 or None)}
    "隐患清单": {"对应检查项": ("list", None, None), "方面": ("list", None, '"基础管理,设备设施,作业现场,作业行为"'),
                 "隐患等级": ("list", None, '"一般,重大"')},
    "整改清单": {"整改资金（元）": ("decimal", "greaterThanOrEqual", "0"), "整改时限": ("date", "greaterThanOrEqual", "36526"),
                 "完成日期": ("date", "greaterThanOrEqual", "36526"), "验收日期": ("date", "greaterThanOrEqual", "36526"),
                 "状态": ("list", None, '"待整改,整改中,待验收,已销号"')},
}


def test_validations_reach_row_500_with_error_messages_and_the_right_operator(built: tuple[Content, Path]) -> None:
    for sc, wb in workbooks(built):
        for sheet, expected in EXPECTED_DV.items():
            ws = wb[sheet]
            heads = [c.value for c in ws[2]]
            for title, (kind, op, formula) in expected.items():
                letter = get_column_letter(heads.index(title) + 1)
                for row in (3, 500, 502):
                    (dv,) = _dv_at(ws, f"{letter}{row}")
                    assert (dv.type, dv.operator, dv.showErrorMessage, dv.allow_blank) == (kind, op, True, True), (sheet, title)
                    assert dv.error and dv.errorTitle
                    if formula:
                        assert dv.formula1 == formula
                if title == "对应检查项":
                    values = _range_values(wb, dv.formula1)
                    assert values[: len(sc.items)] == [it.id for it in sc.items]
                    assert len(values) >= len(sc.items) + 500  # items added below the list are offered too
        ws = wb["检查清单"]
        last = 3 + len(sc.items)
        (dv,) = _dv_at(ws, f"H{last + 500}")
        assert dv.type == "list" and dv.formula1 == '"符合,不符合,不涉及"' and dv.showErrorMessage
        assert _dv_at(ws, "J1")[0].formula1.startswith('"综合检查') and _dv_at(ws, "G1")[0].type == "date"


def test_print_setup_fonts_rows_to_write_in_and_page_numbers_per_sheet(built: tuple[Content, Path]) -> None:
    for sc, wb in workbooks(built):
        for ws in wb.worksheets:
            assert ws.page_setup.orientation == ("portrait" if ws.title in ("汇总", "自评") else "landscape")
            assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
            assert int(ws.page_setup.firstPageNumber) == 1 and ws.page_setup.useFirstPageNumber
            assert ws.oddFooter.center.text == f"{ws.title}　第 &P 页"  # &N counts the whole workbook in LibreOffice
            assert ws.oddHeader.center.font.startswith("Noto Sans CJK SC")
        assert wb["检查清单"].print_title_rows == "$1:$3"
        assert wb["隐患清单"].print_title_rows == wb["整改清单"].print_title_rows == "$1:$2"
        for title in ("隐患清单", "整改清单"):
            ws = wb[title]
            # Rows to write in: ≥ 8 mm after a 0.9 scale. Every prepared row has the sheet's default
            # height (none is given a lower one), every column a named font and wrapping.
            assert ws.sheet_format.defaultRowHeight >= 25 and ws.sheet_format.customHeight
            assert all(d.height is None or d.height >= 25 for r, d in ws.row_dimensions.items() if r > 2)
            width = get_column_letter(len(header(ws, 2)))
            for letter in (get_column_letter(i) for i in range(1, len(header(ws, 2)) + 1)):
                dim = ws.column_dimensions[letter]
                assert (dim.font.name, dim.font.sz, dim.font.family) == ("Noto Sans CJK SC", 10, 2)
                assert dim.alignment.wrap_text
            for r in (3, 502):
                assert ws.cell(r, 1).font.name == "Noto Sans CJK SC" and ws.cell(r, 1).value == f"YH-{r - 2:03d}"
            # The grid of the 500 prepared rows: one conditional format, always true, with thin borders.
            grid = [rule for cf in ws.conditional_formatting for rule in cf.rules
                    if str(cf.sqref) == f"A3:{width}502" and rule.formula == ["TRUE"]]
            assert len(grid) == 1 and grid[0].dxf.border.bottom.style == "thin"
            # A 重大 row is bold on gray; LibreOffice applies only the first true rule, so that rule
            # comes first and draws the grid as well.
            rules = sorted((rule for cf in ws.conditional_formatting for rule in cf.rules), key=lambda r: r.priority)
            assert '="重大"' in rules[0].formula[0] and rules[0].dxf.font.b and rules[0].dxf.border.bottom.style == "thin"
        ws = wb["检查清单"]
        assert all(ws.row_dimensions[r].height >= 25 for r in range(4, 4 + len(sc.items)))
        assert all(ws.cell(r, c).alignment.wrap_text for r in (3, 3 + len(sc.items)) for c in range(1, 13))
        assert wb["整改清单"].column_dimensions["I"].number_format == "yyyy-mm-dd"  # 完成日期


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
        rows = _csv_rows(data)
        assert rows == [head, *_as_text(sheets.checklist_rows(sc))]
        majors = sum(len(v) for v in major_hazards_from_yaml(sc.id).values())
        assert sum(r[head.index("典型隐患")].count("【重大】") for r in rows[1:]) == majors
    everything = _csv_rows((out / "all.csv").read_bytes())
    assert everything[0] == [sheets.ALL_SECTORS_TITLE, *head]
    assert [(r[0], r[2]) for r in everything[1:]] == [(sc.sector.name, it.id) for sc in content.sectors for it in sc.items]


def test_empty_hazard_and_rectification_csvs_have_the_records_columns(built: tuple[Content, Path]) -> None:
    _, out = built
    for name, record in (("findings.csv", Finding), ("rectifications.csv", Rectification)):
        data = (out / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert _csv_rows(data) == [titles(record)]


def test_the_same_content_builds_byte_identical_files(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, out = built
    build_stages(EDITION, tmp_path, "sheets")
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


# ---- The record in and out of the workbook ------------------------------------------------------


def sample(sc: SectorContent) -> Inspection:
    a, b = sc.items[0], sc.items[-1]
    return Inspection(
        enterprise="泉州示例化工有限公司（示例）", sector=sc.id, date=datetime.date(2026, 11, 29), inspectors="王五、赵六",
        kind="专项检查",
        results=(ItemResult(item=a.id, result="不符合", remark="抽查3个岗位"), ItemResult(item=b.id, result="不涉及")),
        findings=(
            Finding(id="YH-001", item=a.id, aspect=a.aspect, location="罐区", text="责任书未更新。", level="重大",
                    basis="判定标准第一条"),
            Finding(id="YH-003", aspect="作业行为", text="未戴安全帽。", level="一般"),
        ),
        rectifications=(
            Rectification(finding="YH-001", measure="修订责任制", department="安全部", owner="张三", funds=1200.5,
                          deadline=datetime.date(2026, 12, 31), done=datetime.date(2026, 12, 20), acceptor="李四",
                          accepted=datetime.date(2026, 12, 25), opinion="同意销号", status="已销号"),
            Rectification(finding="YH-003", status="待整改"),
        ),
    )


def test_a_record_written_into_the_workbook_reads_back_the_same(built: tuple[Content, Path]) -> None:
    content, _ = built
    for sc in content.sectors[:3]:
        record = sample(sc)
        assert readback.read_inspection(workbook.workbook_bytes(sc, content, record), sc) == record


def test_another_sectors_workbook_is_refused_in_chinese(built: tuple[Content, Path]) -> None:
    content, out = built
    a, b = content.sectors[:2]
    with pytest.raises(workbook.RecordError) as err:
        readback.read_inspection((out / f"{a.id}.xlsx").read_bytes(), b)
    assert str(err.value) == (f"检查清单!C2: 错误: 这是“{a.sector.name}”行业的工作簿，不是“{b.sector.name}”的，"
                              "不能导入本行业的自查；请打开该行业的自查页面，或下载本行业的工作簿")
    with pytest.raises(workbook.RecordError, match="无法读取工作簿"):
        readback.read_inspection(b"not a zip", a)


def test_bad_cells_are_named_with_the_sheet_and_cell(built: tuple[Content, Path]) -> None:
    content, out = built
    sc = content.sectors[0]
    wb = load_workbook(out / f"{sc.id}.xlsx")
    wb["检查清单"]["H4"] = "合格"
    wb["隐患清单"]["E7"] = "消防通道堵塞"
    wb["整改清单"]["G7"] = "-5"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(workbook.RecordError) as err:
        readback.read_inspection(buf.getvalue(), sc)
    assert err.value.messages == [
        "检查清单!H4: 错误: “检查结果”的值“合格”不在允许范围内，应为：符合、不符合、不涉及",
        "隐患清单!C7: 错误: 这一行填了隐患，但“方面”是空的",
        "隐患清单!F7: 错误: 这一行填了隐患，但“隐患等级”是空的",
        "整改清单!G7: 错误: “整改资金（元）”应为不小于 0 的数字（元），这里是“-5”",
    ]


# ---- LibreOffice -------------------------------------------------------------------------------


def soffice(tmp_path: Path, target: str, outdir: Path, *books: Path) -> None:
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={lo_profile()}", "--headless", "--convert-to", target,
         "--outdir", str(outdir), *map(str, books)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr


ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
"""Comma, quote, UTF-8, every sheet into its own <book>-<sheet>.csv."""


@pytest.mark.slow
def test_libreoffice_opens_every_workbook_and_its_checklist_is_the_csv(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, out = built
    soffice(tmp_path, ALL_SHEETS_CSV, tmp_path / "csv", *(out / f"{sc.id}.xlsx" for sc in content.sectors))
    for sc in content.sectors:
        converted = _csv_rows((tmp_path / "csv" / f"{sc.id}-检查清单.csv").read_bytes())
        assert converted[2:] == _csv_rows((out / f"{sc.id}.csv").read_bytes()), sc.id


@pytest.mark.slow
def test_the_summary_recalculated_by_libreoffice_counts_what_was_filled_in(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, out = built
    sc = content.sector("hazardous-chemicals")
    wb = load_workbook(out / f"{sc.id}.xlsx")
    cl, hz, rc = wb["检查清单"], wb["隐患清单"], wb["整改清单"]
    answers = ["符合", "不符合", "不涉及", None]
    results = {}
    for n, it in enumerate(sc.items):
        results[it.id] = answers[(n * 7) % 4]
        cl.cell(4 + n, 8, results[it.id])
    # Two items added by hand below the list count too.
    cl.cell(4 + len(sc.items), 2, "WHP-900")
    cl.cell(4 + len(sc.items), 3, "作业行为")
    cl.cell(4 + len(sc.items), 8, "不符合")
    aspects = ["基础管理", "设备设施", "作业现场", "作业行为"]
    statuses = ["待整改", "整改中", "待验收", "已销号", None]
    hazards = []
    for n in range(37):  # rows 3 … 39; row 450 below shows the 500 prepared rows count
        row = 3 + n if n < 36 else 450
        aspect, level, status = aspects[n % 4], "重大" if n % 5 == 0 else "一般", statuses[n % 5]
        funds = float(100 * n) if n % 3 else None
        hz.cell(row, 3, aspect)
        hz.cell(row, 5, f"隐患{n}")
        hz.cell(row, 6, level)
        rc.cell(row, 4, f"措施{n}")
        rc.cell(row, 13, status)
        if funds is not None:
            rc.cell(row, 7, funds)
        hazards.append((row, aspect, level, status, funds))
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    soffice(tmp_path, ALL_SHEETS_CSV, tmp_path / "csv", filled)
    summary = _csv_rows((tmp_path / "csv" / "filled-汇总.csv").read_bytes())
    looked_up = _csv_rows((tmp_path / "csv" / "filled-整改清单.csv").read_bytes())
    table = {row[0]: row[1:] for row in summary if row and row[0]}  # the later table wins a repeated name
    rows = [r for r in summary if r and r[0] in aspects]  # results per aspect, then hazards per aspect
    totals = [r for r in summary if r and r[0] == "合计"]

    by_aspect = {a: [it for it in sc.items if it.aspect == a] for a in aspects}
    by_aspect["作业行为"] = [*by_aspect["作业行为"], None]  # WHP-900
    for a, row in zip(aspects, rows[:4], strict=True):
        got = [int(v) for v in row[1:6]]
        ids = [it.id if it else "WHP-900" for it in by_aspect[a]]
        answered = [results.get(i, "不符合") for i in ids]
        counts = [answered.count(x) for x in ("符合", "不符合", "不涉及")]
        assert got == [len(ids), *counts, len(ids) - sum(counts)], a
    assert int(totals[0][1]) == len(sc.items) + 1
    for a, row in zip(aspects, rows[4:8], strict=True):
        mine = [h for h in hazards if h[1] == a]
        assert [int(v) for v in row[1:4]] == [sum(h[2] == "一般" for h in mine), sum(h[2] == "重大" for h in mine), len(mine)]
    assert [int(v) for v in totals[1][1:4]] == [sum(h[2] == "一般" for h in hazards), sum(h[2] == "重大" for h in hazards), 37]
    for status in ("整改中", "待验收", "已销号"):
        assert int(table[status][0]) == sum(h[3] == status for h in hazards)
    assert int(table["待整改"][0]) == sum(h[3] in ("待整改", None) for h in hazards)
    done = sum(h[3] == "已销号" for h in hazards)
    assert float(table["整改完成率（已销号/隐患合计）"][0].rstrip("%")) == pytest.approx(100 * done / 37)
    assert float(table["整改资金合计（元）"][0].replace(",", "")) == sum(h[4] or 0 for h in hazards)
    # The 整改清单 looked each hazard up by its 隐患编号.
    assert looked_up[2][:3] == ["YH-001", "隐患0", "重大"] and looked_up[3][:3] == ["YH-002", "隐患1", "一般"]
    assert looked_up[50][:3] == ["YH-049", "", ""]


@pytest.mark.slow
def test_printed_by_libreoffice_the_text_is_9_pt_or_more_and_rows_to_write_in_8_mm(
    built: tuple[Content, Path], tmp_path: Path
) -> None:
    content, out = built
    sc = content.sector("hazardous-chemicals")
    soffice(tmp_path, "pdf", tmp_path / "pdf", out / f"{sc.id}.xlsx")
    path = tmp_path / "pdf" / f"{sc.id}.pdf"
    reader = PdfReader(path)
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.append(size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1]))

    names = []
    for n, page in enumerate(reader.pages, 1):
        sizes.clear()
        page.extract_text(visitor_text=visit)
        assert min(sizes) >= 9.0, (n, min(sizes))
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-bbox", str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
        names.append(re.findall(r'yMin="([\d.]+)"[^>]*>(YH-00[12])<', text))
    tops = [[float(y) for y, _ in found] for found in names if len(found) == 2]
    assert len(tops) == 2  # 隐患清单 and 整改清单
    assert all(b - a >= 8 * MM for a, b in tops)
    # Each sheet numbers its own pages: the first page of each of the five sheets (自评 since record v2) is 第 1 页.
    whole = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert len(re.findall(r"第\s*1\s*页", whole)) == 5


@pytest.mark.slow
def test_a_filled_workbook_saved_again_by_libreoffice_reads_back_the_same(built: tuple[Content, Path], tmp_path: Path) -> None:
    content, _ = built
    sc = content.sector("urban-gas")
    record = sample(sc)
    book = tmp_path / f"{sc.id}.xlsx"
    book.write_bytes(workbook.workbook_bytes(sc, content, record))
    soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo", book)
    assert readback.read_inspection((tmp_path / "lo" / book.name).read_bytes(), sc) == record


def test_content_text_is_never_a_formula(tmp_path: Path) -> None:
    """A checklist line written as a formula stays text in the workbook (no formula injection)."""
    content = load_content(REPO / "tests" / "fixtures" / "sheets" / "content")
    sc = content.sectors[0]
    payload = '=HYPERLINK("http://127.0.0.1/x","点击")'
    item = dataclasses.replace(sc.items[0], item=payload, content="=1+1")
    sc = dataclasses.replace(sc, items=(item, *sc.items[1:]))
    book = tmp_path / "x.xlsx"
    book.write_bytes(workbook.workbook_bytes(sc, content))
    with zipfile.ZipFile(book) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(r"<f>[^<]*(HYPERLINK|1\+1)", xml)
    values = [c.value for row in load_workbook(book)[sheets.CHECKLIST_SHEET].iter_rows() for c in row]
    assert payload in values and "=1+1" in values
