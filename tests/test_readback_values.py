"""`readback.values_of` (the tally's fast path: the record's four sheets' XML read by `SheetXml`)
reads exactly what openpyxl's full `load_workbook(data_only=True)` read before: the same record, the
same notes, the same refusals word for word, over workbooks written every way an enterprise returns
them — blank, zhinan's writer, filled with openpyxl as in Excel, the page's export (inline strings,
dates as serial numbers in date-formatted cells), and each of them saved again by LibreOffice."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.formats.record import Finding, Inspection, ItemResult, Member, Rectification
from zhinan.sheets import readback, workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + ALPHABET[-total % 31]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    root = tmp_path_factory.mktemp("values") / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    guide = root / "guides" / "guide.yml"
    data = yaml.safe_load(guide.read_text(encoding="utf-8"))
    data["counties"] = ["甲县", "乙区"]
    guide.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ent = root / "sectors" / "demo" / "enterprises" / "sample-a.yml"
    ent.write_text(ent.read_text(encoding="utf-8").replace("county: 丰泽区", "county: 甲县"), encoding="utf-8")
    return load_content(root)


def filled(sector: str) -> Inspection:
    return Inspection(
        enterprise="示例化工有限公司（示例）", sector=sector, date=datetime.date(2026, 11, 20),
        credit_code=with_check("91350500MA0ABCDE1"), county="乙区", contact="李四", phone="0595-12345678",
        principal="张三", applied_level="三级", plan_scope="全厂各部门", plan_division="张三负责基础管理",
        plan_start=datetime.date(2026, 11, 1), plan_end=datetime.date(2026, 11, 30),
        operation="体系运行一年。", improvements="完善应急预案。",
        members=(Member(name="张三", role="组长", post="总经理"),),
        results=(ItemResult(item="DM-001", result="不符合", remark="见隐患"),),
        findings=(Finding(id="YH-001", item="DM-001", aspect="基础管理", text="未建立全员安全生产责任制。", level="重大"),
                  Finding(id="YH-002", item="DM-001", aspect="基础管理", text="台账不全。", level="一般")),
        rectifications=(Rectification(finding="YH-001", funds=15000.0, deadline=datetime.date(2026, 12, 31), status="整改中"),),
    )


def save(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def columns(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[2] if c.value}


def as_in_excel(content: Content, bad: bool = False) -> bytes:
    """The blank workbook filled with openpyxl as an enterprise types it: dates as dates or text, an
    amount as 万元 text, a row inserted above the first hazard (no 编号), a member; `bad` mistypes."""
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
    check = wb["检查清单"]
    check["C1"], check["G1"], check["G2"] = "示例机械有限公司（示例）", datetime.datetime(2026, 11, 25, 9, 30), "王五"
    item_col = next(c.column for c in check[3] if c.value == "编号")
    for row in check.iter_rows(min_row=4, max_row=check.max_row):
        if row[item_col - 1].value:
            row[item_col - 1 + 5].value = "符合"
            break
    own = wb["自评"]
    cells = workbook.self_layout()["cells"]
    good = with_check("91350500MA0XYKW1K")
    own[cells["credit_code"]] = good[:17] + next(ch for ch in ALPHABET if ch != good[17]) if bad else good
    own[cells["county"]] = "丙市" if bad else "甲县"
    own[cells["plan_start"]] = "2026-13-01" if bad else "2026/11/1"
    first = workbook.self_layout()["members"]["first_row"]
    own[f"A{first}"], own[f"B{first}"], own[f"C{first}"] = 1, "赵六", "顾问" if bad else "成员"
    found, fixes = wb["隐患清单"], wb["整改清单"]
    fc, rc = columns(found), columns(fixes)
    for n, (text, level) in enumerate((("消防通道堵塞。", "一般"), ("未设置可燃气体报警。", "重大"))):
        found.cell(3 + n, fc["隐患编号"], f"YH-00{n + 1}")
        found.cell(3 + n, fc["方面"], "作业现场")
        found.cell(3 + n, fc["隐患描述"], text)
        found.cell(3 + n, fc["隐患等级"], "特大" if bad and n else level)
        fixes.cell(3 + n, rc["隐患编号"], f"YH-00{n + 1}")
        fixes.cell(3 + n, rc["整改措施"], "清理（示例）")
        fixes.cell(3 + n, rc["整改资金（元）"], "-5" if bad else ("0.5万元", 1200)[n])
        fixes.cell(3 + n, rc["整改时限"], "2026/12/31" if n else datetime.date(2026, 12, 15))
        fixes.cell(3 + n, rc["状态"], "待整改")
    found.insert_rows(3)  # a row inserted in Excel: no 隐患编号
    found.cell(3, fc["方面"], "基础管理")
    found.cell(3, fc["隐患描述"], "应急预案未演练。")
    found.cell(3, fc["隐患等级"], "一般")
    return save(wb)


def merged_over_a_value(content: Content) -> bytes:
    """A merged range covering a value (LibreOffice keeps covered cells' contents; Excel drops them),
    made by adding the range to the sheet's XML: the full load empties every cell of it but the
    top-left one, so must the fast path."""
    sc = content.sectors[0]
    data = workbook.workbook_bytes(sc, content, filled(sc.id))
    col = get_column_letter(columns(load_workbook(io.BytesIO(data))["隐患清单"])["隐患描述"])
    before = get_column_letter(column_index_from_string(col) - 1)
    return patched(data, "xl/worksheets/sheet2.xml", lambda text: _merge(text, f"{before}3:{col}3"))


def _merge(text: str, ref: str) -> str:
    assert re.search(r'<c r="' + ref.split(":")[1] + r'"[^>]*t="inlineStr"><is><t>&#', text)  # the covered cell holds text
    if "<mergeCells" in text:
        return re.sub(r"<mergeCells count=\"(\d+)\">", lambda m: f'<mergeCells count="{int(m[1]) + 1}"><mergeCell ref="{ref}"/>', text, count=1)
    return text.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>')


def patched(data: bytes, name: str, change: Any) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.infolist():
            body = src.read(part)
            dst.writestr(part, change(body.decode()).encode() if part.filename == name else body)
    return out.getvalue()


def as_the_page_exports(content: Content) -> bytes:
    """The blank workbook written into as the self-check page does (selfcheck-xlsx.js): inline strings,
    and the 检查日期 as a serial number in its date-formatted cell, each cell keeping its style."""
    def fill(text: str) -> str:
        text, n = re.subn(r'<c r="C1" s="(\d+)" t="n"></c>', r'<c r="C1" s="\1" t="inlineStr"><is><t>页面导出企业（示例）</t></is></c>', text)
        text, m = re.subn(r'<c r="G1" s="(\d+)" t="n"></c>', r'<c r="G1" s="\1"><v>46350</v></c>', text)
        assert n == m == 1
        return text

    return patched(workbook.workbook_bytes(content.sectors[0], content), "xl/worksheets/sheet1.xml", fill)


def workbooks(content: Content, tmp_path: Path) -> dict[str, bytes]:
    sc = content.sectors[0]
    v1 = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
    del v1["自评"]
    other = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
    other["检查清单"]["C2"] = "别的行业"
    missing = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
    del missing["整改清单"]
    beyond = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
    beyond["隐患清单"]["C6001"] = "误输入"
    unused = {}  # values in a column the reader does not look at: past the bounds (refused), within (ignored)
    for name, ref in (("beyond-unused-row", "K6000"), ("beyond-unused-column", "BM4"), ("unused-within", "K400")):
        wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
        wb["检查清单"][ref] = "别处的内容"
        wb["整改清单"][ref] = 7
        unused[name] = save(wb)
    books = {
        **unused,
        "blank": workbook.workbook_bytes(sc, content),
        "writer": workbook.workbook_bytes(sc, content, filled(sc.id)),
        "excel": as_in_excel(content),
        "excel-bad": as_in_excel(content, bad=True),
        "page": as_the_page_exports(content),
        "merged": merged_over_a_value(content),
        "v1": save(v1),
        "other-sector": save(other),
        "missing-sheet": save(missing),
        "beyond": save(beyond),
    }
    books["truncated"] = books["writer"][: len(books["writer"]) // 2]
    books["not-a-workbook"] = b"PK\x03\x04 not really a zip"
    # LibreOffice saves each of them again (its own shared strings, styles and merged cells)
    src, dst = tmp_path / "src", tmp_path / "lo"
    src.mkdir()
    dst.mkdir()
    again = ("blank", "writer", "excel", "excel-bad", "page", "merged", "v1")
    for name in again:
        (src / f"{name}.xlsx").write_bytes(books[name])
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(dst), *(str(src / f"{n}.xlsx") for n in again)],
                   check=True, capture_output=True, timeout=300)
    for name in again:
        books[f"{name}+libreoffice"] = (dst / f"{name}.xlsx").read_bytes()
    return books


def full_load(data: bytes) -> Any:
    """How readback opened a workbook before: every sheet, with styles and merged cells bound."""
    return load_workbook(io.BytesIO(data), data_only=True)


def outcome(data: bytes, content: Content, open_sheets: Any) -> tuple[Any, ...]:
    try:
        ins, notes = readback.read_record(data, content.sectors[0], content.guide.counties, open_sheets=open_sheets)
    except workbook.RecordError as exc:
        return ("refused", exc.messages)
    return ("read", ins, notes)


def test_the_values_read_are_those_of_the_full_load(content: Content, tmp_path: Path) -> None:
    books = workbooks(content, tmp_path)
    kinds = {}
    for name, data in books.items():
        before, now = outcome(data, content, full_load), outcome(data, content, None)
        assert now == before, name
        kinds[name] = before[0]
        if before[0] == "read":  # field by field, so a difference is named
            for f in before[1].__dataclass_fields__:
                assert getattr(now[1], f) == getattr(before[1], f), (name, f)
    # the cases are what they claim: records read, with findings, and refusals of each kind
    assert {k for k, v in kinds.items() if v == "read"} == {"blank", "writer", "excel", "page", "v1", *(
        f"{k}+libreoffice" for k in ("blank", "writer", "excel", "page", "v1"))}
    excel = outcome(books["excel+libreoffice"], content, None)
    assert len(excel[1].findings) == 3 and excel[1].date == datetime.date(2026, 11, 25)
    assert [r.funds for r in excel[1].rectifications][:2] == [5000.0, 1200.0] and any("已编为" in n for n in excel[2])
    page = outcome(books["page"], content, None)
    assert page[1].enterprise == "页面导出企业（示例）" and page[1].date == datetime.date(1899, 12, 30) + datetime.timedelta(days=46350)
    for name in ("merged", "merged+libreoffice"):  # the covered 隐患描述 is not read
        assert outcome(books[name], content, None)[1] == ["隐患清单!E3: 错误: 这一行填了隐患，但“隐患描述”是空的"]
    assert len(outcome(books["excel-bad+libreoffice"], content, None)[1]) >= 6
    assert outcome(books["beyond-unused-row"], content, None)[1][0].startswith("检查清单!K6000: 错误: 单元格有内容（“别处的内容”）")
    assert outcome(books["beyond-unused-column"], content, None)[1][0].startswith("检查清单!BM4: 错误:")
