"""Record format v2: the enterprise's identity and its 自评 (应急〔2021〕83号), in the JSON export,
the workbook's 自评 sheet and the field reference; version-1 files still read, with a note."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.formats import record, reference
from zhinan.formats.record import Finding, Inspection, ItemResult, Member, Rectification
from zhinan.sheets import readback, workbook

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    """A code made valid here, independently of record.py: each character's value times 3^i mod 31."""
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + ALPHABET[-total % 31]


@pytest.fixture
def content(tmp_path: Path) -> Content:
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    guide = root / "guides" / "guide.yml"
    data = yaml.safe_load(guide.read_text(encoding="utf-8"))
    data["counties"] = ["甲县", "乙区"]
    guide.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ent = root / "sectors" / "demo" / "enterprises" / "sample-a.yml"  # the benchmark enterprise is in the city too
    ent.write_text(ent.read_text(encoding="utf-8").replace("county: 丰泽区", "county: 甲县"), encoding="utf-8")
    return load_content(root)


def filled(sector: str) -> Inspection:
    return Inspection(
        enterprise="示例化工有限公司（示例）", sector=sector, date=datetime.date(2026, 11, 20),
        credit_code=with_check("91350500MA0ABCDE1"), county="乙区", contact="李四", phone="0595-12345678",
        principal="张三", applied_level="三级", plan_scope="全厂各部门", plan_division="张三负责基础管理",
        plan_start=datetime.date(2026, 11, 1), plan_end=datetime.date(2026, 11, 30),
        operation="体系运行一年，" * 20, improvements="完善应急预案。",
        members=(Member(name="张三", role="组长", post="总经理"), Member(name="王五", role="成员", post="安全员")),
        results=(ItemResult(item="DM-001", result="不符合"),),
        findings=(Finding(id="YH-001", item="DM-001", aspect="基础管理", text="未建立全员安全生产责任制。", level="重大"),),
        rectifications=(Rectification(finding="YH-001", funds=15000.0, deadline=datetime.date(2026, 12, 31)),),
    )


# ---- 统一社会信用代码 -------------------------------------------------------------------------------


@pytest.mark.parametrize("first17", ["91350500MA0ABCDE1", "12350000000000000", "9135050061234567X", "Y1110105MA01K9J2W"])
def test_a_code_with_its_check_character_is_accepted(first17: str) -> None:
    code = with_check(first17)
    assert len(code) == 18 and record.credit_code_problem(code) is None


def test_a_code_is_refused_with_the_reason() -> None:
    good = with_check("91350500MA0ABCDE1")
    wrong_check = good[:17] + next(ch for ch in ALPHABET if ch != good[17])
    assert "校验码" in (record.credit_code_problem(wrong_check) or "")
    swapped = good[:9] + good[10] + good[9] + good[11:]  # two characters transposed
    assert swapped != good and "校验码" in (record.credit_code_problem(swapped) or "")
    assert "18 位" in (record.credit_code_problem(good[:17]) or "")
    assert "“I”" in (record.credit_code_problem("I" + good[1:]) or "")
    assert "第 3 至 8 位" in (record.credit_code_problem(with_check("91A50500MA0ABCDE1")) or "")


# ---- JSON --------------------------------------------------------------------------------------


def test_the_json_export_is_version_2_and_reads_back() -> None:
    ins = filled("demo")
    data = json.loads(json.dumps(record.to_json(ins, "2021年版"), ensure_ascii=False))
    assert data["version"] == 2
    body = data["inspection"]
    assert body["members"][0] == {"name": "张三", "role": "组长", "post": "总经理"}
    assert (body["plan_start"], body["applied_level"], body["county"]) == ("2026-11-01", "三级", "乙区")
    again, notes = record.from_json(data)
    assert again == ins and notes == []


def test_a_version_1_export_reads_with_a_note_of_what_is_new() -> None:
    v1 = {"format": "zhinan-self-check", "version": 1, "sector": "demo", "edition": "2021年版",
          "inspection": {"enterprise": "示例（示例）", "sector": "demo", "date": "2026-11-29", "inspectors": "王五",
                         "kind": "综合检查", "results": [], "findings": [], "rectifications": []}}
    ins, notes = record.from_json(v1)
    assert ins.enterprise == "示例（示例）" and ins.members == () and ins.applied_level is None
    assert len(notes) == 1 and "第 1 版" in notes[0] and "统一社会信用代码" in notes[0] and "自评机构" in notes[0]
    with pytest.raises(record.RecordFormatError, match="3"):
        record.from_json({**v1, "version": 3})


# ---- Workbook ----------------------------------------------------------------------------------


def test_the_workbook_keeps_the_self_assessment(content: Content) -> None:
    sc = content.sectors[0]
    ins = filled(sc.id)
    data = workbook.workbook_bytes(sc, content, ins)
    wb = load_workbook(io.BytesIO(data))
    assert "自评" in wb.sheetnames
    ws = wb["自评"]
    cells = workbook.self_layout()["cells"]
    assert ws[cells["credit_code"]].value == ins.credit_code
    assert ws[cells["county"]].value == "乙区"
    county_lists = [dv.formula1 for dv in ws.data_validations.dataValidation if cells["county"] in str(dv.sqref)]
    assert county_lists == ['"甲县,乙区"']
    back, notes = readback.read_record(data, sc, content.guide.counties)
    assert back == ins and notes == []


def test_the_self_sheet_refuses_what_is_wrong_naming_the_cell(content: Content) -> None:
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
    ws = wb["自评"]
    lay = workbook.self_layout()
    code = lay["cells"]["credit_code"]
    good = str(ws[code].value)
    ws[code] = good[:17] + ("0" if good[17] != "0" else "1")
    ws[lay["cells"]["county"]] = "丙市"
    role = f"C{lay['members']['first_row'] + 1}"
    ws[role] = "顾问"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(workbook.RecordError) as err:
        readback.read_record(buf.getvalue(), sc, content.guide.counties)
    text = str(err.value)
    assert f"自评!{code}: 错误: “统一社会信用代码”校验码不对" in text
    assert f"自评!{lay['cells']['county']}" in text and "丙市" in text
    assert f"自评!{role}" in text and "顾问" in text


def test_a_version_1_workbook_reads_with_a_note(content: Content) -> None:
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
    del wb["自评"]
    wb.properties.identifier = f"zhinan-self-check/1/{sc.id}"
    buf = io.BytesIO()
    wb.save(buf)
    ins, notes = readback.read_record(buf.getvalue(), sc)
    assert ins.enterprise == "示例化工有限公司（示例）" and ins.members == () and ins.credit_code == ""
    assert notes == [record.V1_NOTE]


def test_the_guide_lists_counties(content: Content) -> None:
    assert content.guide.counties == ("甲县", "乙区")


def test_the_field_reference_describes_the_new_fields() -> None:
    text = reference.render_markdown()
    for words in ("统一社会信用代码", "GB 32100-2015", "自评机构", "自评组职务", "组长 / 副组长 / 成员", "拟申请等级", "一级 / 二级 / 三级",
                  "标准化运行情况", "下一步改进措施", "主要负责人"):
        assert words in text, words


# ---- Numbers and dates people type -------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "yuan"), [("1.5万元", 15000), ("15,000 元", 15000), ("￥15,000.50", 15000.5),
                                             ("１５０００", 15000), ("37300.5", 37300.5), ("0", 0), ("2万", 20000)])
def test_amounts_as_typed(typed: str, yuan: float) -> None:
    assert record.parse_money(typed) == yuan


@pytest.mark.parametrize("typed", ["壹万", "1,5", "-200", "1.5千", "1.5.0", "", "万"])
def test_amounts_that_cannot_be_read_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="不是金额"):
        record.parse_money(typed)


@pytest.mark.parametrize(("typed", "words"), [("2026/02/30", "这一天不存在"), ("2026年13月45日", "这一天不存在"),
                                              ("明天", "不是日期"), ("2026-02-29", "这一天不存在")])
def test_impossible_dates_are_refused(typed: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        record.parse_date(typed)
    assert record.parse_date("2028年2月29日") == datetime.date(2028, 2, 29)


def test_the_workbook_reader_reads_typed_amounts_and_names_bad_cells(content: Content) -> None:
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, filled(sc.id))))
    letters = {c["field"]: c["letter"] for c in workbook.enterprise_layout(sc)["sheets"]["rectifications"]["columns"]}
    ws = wb["整改清单"]
    ws[f"{letters['funds']}3"] = "1.5万元"
    ws[f"{letters['done']}3"] = "2026年12月5日"
    buf = io.BytesIO()
    wb.save(buf)
    rect = readback.read_inspection(buf.getvalue(), sc).rectifications[0]
    assert (rect.funds, rect.done) == (15000, datetime.date(2026, 12, 5))
    ws[f"{letters['funds']}3"] = "壹万"
    ws[f"{letters['deadline']}3"] = "2026/02/30"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(workbook.RecordError) as err:
        readback.read_inspection(buf.getvalue(), sc)
    assert f"整改清单!{letters['funds']}3: 错误: “整改资金（元）”填写有误：“壹万”不是金额" in str(err.value)
    assert f"整改清单!{letters['deadline']}3: 错误: “整改时限”填写有误：“2026/02/30”这一天不存在" in str(err.value)


def test_the_reader_refuses_a_zip_bomb_before_inflating_and_names_pictures(content: Content, tmp_path: Path) -> None:
    import zipfile

    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    sc = content.sectors[0]
    data = workbook.workbook_bytes(sc, content, filled(sc.id))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        with out.open("xl/media/zeros.bin", "w", force_zip64=True) as big:
            for _ in range(7):
                big.write(bytes(16 * 1024 * 1024))  # 112 MiB of zeros, about 100 KB zipped
    with pytest.raises(workbook.RecordError, match=r"解压后有 11\d\.\d MB，超过可读入的 100 MB"):
        readback.read_record(bomb.read_bytes(), sc)
    photo = tmp_path / "现场.png"
    Picture.new("RGB", (20, 20), "red").save(photo)
    wb = load_workbook(io.BytesIO(data))
    wb["隐患清单"].add_image(Image(str(photo)), "J3")
    buf = io.BytesIO()
    wb.save(buf)
    _, notes = readback.read_record(buf.getvalue(), sc, content.guide.counties)
    assert notes == ["工作簿中的 1 张图片（image1.png）不属于自查记录，没有读入。"]


def test_the_blank_form_has_a_self_assessment_page(tmp_path: Path) -> None:
    import subprocess

    from sheetkit import build_stages, copy_content

    root = copy_content(FIXTURES / "minimal", tmp_path / "content")
    build_stages(root, tmp_path / "build", "pdf")
    pdf = tmp_path / "build" / "pdf" / "demo-form.pdf"
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    page = next(p for p in pages if "自评信息" in p)
    for name in record.SELF_FIELDS:
        assert next(str(f.metadata["title"]) for f in dataclasses.fields(Inspection) if f.name == name) in page, name
    assert "□一级" in page and "□三级" in page and "自评机构" in page
    assert "组长/副组" in page.replace(" ", "")  # the roles, in the 自评组职务 heading
    assert "本单位职务" in page  # the members' table is on the same page as the fields


def test_a_row_inserted_in_excel_gets_the_next_free_number(content: Content) -> None:
    sc = content.sectors[0]
    ins = dataclasses.replace(filled(sc.id), findings=tuple(
        Finding(id=record.finding_id(n), item="DM-001", aspect="基础管理", text=f"隐患{n}", level="一般") for n in (1, 2, 3)),
        rectifications=())
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    ws = wb["隐患清单"]
    ws.insert_rows(4)
    ws["C4"], ws["E4"], ws["F4"] = "作业现场", "插入的隐患", "一般"
    buf = io.BytesIO()
    wb.save(buf)
    back, notes = readback.read_record(buf.getvalue(), sc, content.guide.counties)
    assert [(f.id, f.text) for f in back.findings] == [("YH-001", "隐患1"), ("YH-004", "插入的隐患"), ("YH-002", "隐患2"),
                                                        ("YH-003", "隐患3")]
    assert notes == ["隐患清单!A4: 没有隐患编号（在 Excel 中插入的行），已编为 YH-004"]
