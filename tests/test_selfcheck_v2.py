"""The self-check page with record format v2, in real Chromium from file:// (a site on a USB stick):
the 自评 typed as a person types it, kept, exported to the workbook, imported back, and a
version-1 workbook or browser record taken over with a note of what is new.

The site is built once from a copy of the minimal fixture tree (with a 县（市、区） list added).
Text is typed key by key (`press_sequentially`), not fill(), as a person types it."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from conftest import build_site
from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.formats import record
from zhinan.sheets import readback, workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNTIES = ["甲县", "乙区"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + ALPHABET[-total % 31]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("v2") / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    guide = root / "guides" / "guide.yml"
    data = yaml.safe_load(guide.read_text(encoding="utf-8"))
    data["counties"] = COUNTIES
    guide.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ent = root / "sectors" / "demo" / "enterprises" / "sample-a.yml"  # the benchmark enterprise is in the city too
    ent.write_text(ent.read_text(encoding="utf-8").replace("county: 丰泽区", "county: 甲县"), encoding="utf-8")
    build_site(root, root / "build")
    return root


@pytest.fixture(scope="module")
def content(tree: Path) -> Content:
    return load_content(tree)


@pytest.fixture
def page(browser: Any, tree: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("dialog", lambda d: d.accept())
    open_page(tab, tree)
    yield tab
    assert tab.errors == []
    context.close()


def open_page(tab: Any, tree: Path) -> None:
    tab.goto((tree / "build" / "site" / "sectors" / "demo" / "self-check" / "index.html").as_uri())
    tab.wait_for_selector("#zn-sc .zn-sc-item")


def type_into(tab: Any, selector: str, text: str) -> None:
    box = tab.locator(selector)
    box.click()
    box.press("Control+a")  # typing replaces the selection, as when a person retypes a field
    box.press_sequentially(text)


def rec(tab: Any) -> dict[str, Any]:
    data: dict[str, Any] = tab.evaluate("() => ZhinanSelfCheck.record()")
    return data


def export_xlsx(tab: Any, path: Path) -> Path:
    with tab.expect_download() as dl:
        tab.get_by_role("button", name="导出 Excel 工作簿").click()
    dl.value.save_as(str(path))
    return path


def import_xlsx(tab: Any, path: Path) -> str:
    tab.evaluate("() => { document.querySelector('.zn-sc-message').textContent = ''; }")
    tab.set_input_files("#zn-sc-import", str(path))
    tab.wait_for_function("() => /已导入|未导入/.test(document.querySelector('.zn-sc-message').textContent)")
    text: str = tab.locator(".zn-sc-message").inner_text()
    return text


def fill_self(tab: Any) -> str:
    code = with_check("91350500MA0ABCDE1")
    type_into(tab, "[data-self='credit_code']", code.lower())  # typed in lower case: read as upper
    tab.locator("[data-self='county']").select_option("乙区")
    type_into(tab, "[data-self='contact']", "李四")
    type_into(tab, "[data-self='phone']", "0595-12345678")
    type_into(tab, "[data-self='principal']", "张三")
    for name, role, post in (("张三", "组长", "总经理"), ("王五", "副组长", "安全总监"), ("赵六", "成员", "设备主管")):
        tab.get_by_role("button", name="添加自评机构成员").click()
        n = tab.locator(".zn-sc-member").count() - 1
        tab.locator(f"input[data-member='{n}'][data-field='name']").press_sequentially(name)
        tab.locator(f"select[data-member='{n}']").select_option(role)
        tab.locator(f"input[data-member='{n}'][data-field='post']").press_sequentially(post)
    type_into(tab, "[data-self='plan_scope']", "全厂各部门、罐区")
    type_into(tab, "[data-self='plan_division']", "张三负责基础管理；王五负责设备设施")
    tab.locator("[data-self='plan_start']").fill("2026-11-01")  # a date input: the browser's own picker
    tab.locator("[data-self='plan_end']").fill("2026-11-30")
    type_into(tab, "[data-self='operation']", "体系运行一年，各项制度得到执行。")
    type_into(tab, "[data-self='improvements']", "完善应急预案演练。")
    tab.locator("[data-self='applied_level']").select_option("三级")
    return code


EXPECTED = {
    "county": "乙区", "contact": "李四", "phone": "0595-12345678", "principal": "张三",
    "members": [{"name": "张三", "role": "组长", "post": "总经理"}, {"name": "王五", "role": "副组长", "post": "安全总监"},
                {"name": "赵六", "role": "成员", "post": "设备主管"}],
    "plan_scope": "全厂各部门、罐区", "plan_division": "张三负责基础管理；王五负责设备设施",
    "plan_start": "2026-11-01", "plan_end": "2026-11-30", "operation": "体系运行一年，各项制度得到执行。",
    "improvements": "完善应急预案演练。", "applied_level": "三级",
}


def test_the_self_assessment_is_kept_exported_and_imported(page: Any, browser: Any, tree: Path, content: Content,
                                                           tmp_path: Path) -> None:
    code = fill_self(page)
    got = rec(page)
    assert got["version"] == 2 and got["credit_code"] == code
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    page.reload()
    page.wait_for_selector("#zn-sc .zn-sc-item")
    assert {k: rec(page)[k] for k in EXPECTED} == EXPECTED
    assert page.locator("input[data-member='1'][data-field='name']").input_value() == "王五"
    path = export_xlsx(page, tmp_path / "v2.xlsx")
    ins, notes = readback.read_record(path.read_bytes(), content.sectors[0], content.guide.counties)
    assert notes == [] and ins.credit_code == code and ins.county == "乙区" and ins.applied_level == "三级"
    assert [(m.name, m.role, m.post) for m in ins.members] == [(m["name"], m["role"], m["post"]) for m in EXPECTED["members"]]
    assert str(ins.plan_start) == "2026-11-01" and ins.operation == EXPECTED["operation"]
    # A fresh browser profile imports it to the same record.
    context = browser.new_context(accept_downloads=True)
    fresh = context.new_page()
    fresh.on("dialog", lambda d: d.accept())
    open_page(fresh, tree)
    said = import_xlsx(fresh, path)
    assert "已导入" in said and "第 1 版" not in said
    again = rec(fresh)
    assert {k: again[k] for k in EXPECTED} == EXPECTED and again["credit_code"] == code
    context.close()


def test_a_wrong_credit_code_is_refused_visibly_on_the_page_and_on_import(page: Any, content: Content, tmp_path: Path) -> None:
    good = with_check("91350500MA0ABCDE1")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    type_into(page, "[data-self='credit_code']", bad)
    hint = page.locator(".zn-sc-credit")
    assert "校验码不对" in hint.inner_text() and hint.is_visible()
    assert page.locator("[data-self='credit_code']").get_attribute("aria-invalid") == "true"
    type_into(page, "[data-self='credit_code']", good)
    assert hint.inner_text() == ""
    # On import: the same check, naming the cell.
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
    ref = workbook.self_layout()["cells"]["credit_code"]
    wb["自评"][ref] = bad
    wb["检查清单"]["C1"] = "示例企业（示例）"
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    said = import_xlsx(page, path)
    assert said.startswith("未导入") and f"自评!{ref}（统一社会信用代码）" in said and "校验码不对" in said


def test_a_version_1_workbook_imports_with_a_note(page: Any, content: Content, tmp_path: Path) -> None:
    sc = content.sectors[0]
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content)))
    del wb["自评"]
    wb["检查清单"]["C1"] = "旧版示例企业（示例）"
    path = tmp_path / "v1.xlsx"
    wb.save(path)
    said = import_xlsx(page, path)
    assert "已导入" in said and "第 1 版" in said and "自评机构" in said
    got = rec(page)
    assert got["enterprise"] == "旧版示例企业（示例）" and got["version"] == 2 and got["members"] == []
    assert got["applied_level"] is None and got["plan_start"] is None and got["credit_code"] == ""


def test_a_version_1_record_kept_in_the_browser_is_taken_over(page: Any, tree: Path) -> None:
    old = {"format": "zhinan-self-check", "version": 1, "sector": "demo", "enterprise": "旧记录企业（示例）", "date": None,
           "inspectors": "王五", "kind": "综合检查", "results": [], "findings": [], "rectifications": []}
    page.evaluate("(v) => { localStorage.clear(); localStorage.setItem('zhinan-self-check:demo:v1', v); }", json.dumps(old))
    page.reload()
    page.wait_for_selector("#zn-sc .zn-sc-item")
    got = rec(page)
    assert got["enterprise"] == "旧记录企业（示例）" and got["version"] == 2 and got["members"] == []
    message = page.locator(".zn-sc-message").inner_text()
    assert "旧版格式" in message and record.V1_NOTE in message


# ---- Numbers and dates people type -----------------------------------------------------------------


def funds_box(tab: Any, fid: str = "YH-001") -> Any:
    return tab.locator(f"[data-rec='rect'][data-field='funds'][data-finding='{fid}']")


def type_amount(tab: Any, text: str, fid: str = "YH-001") -> None:
    """Type an amount key by key and leave the field (Tab), as a person does."""
    type_into(tab, f"[data-rec='rect'][data-field='funds'][data-finding='{fid}']", text)
    funds_box(tab, fid).press("Tab")


def a_finding(tab: Any) -> None:
    tab.locator("#zn-sc-DM-001 fieldset label", has_text="不符合").first.click()
    tab.wait_for_selector(".zn-sc-finding[data-finding='YH-001']")


def test_amounts_in_yuan_and_wan_are_read_and_shown_before_saving(page: Any) -> None:
    a_finding(page)
    box = funds_box(page)
    assert box.get_attribute("type") == "text" and box.get_attribute("inputmode") == "decimal"
    reading = page.locator(".zn-sc-finding[data-finding='YH-001'] .zn-sc-reading")
    type_into(page, "[data-rec='rect'][data-field='funds'][data-finding='YH-001']", "1.5万元")
    assert reading.inner_text() == "1.5万元 = 15,000.00 元"  # shown before it is saved
    assert rec(page)["rectifications"][0]["funds"] is None
    box.press("Tab")
    assert rec(page)["rectifications"][0]["funds"] == 15000
    type_amount(page, "37,300.50 元")
    assert reading.inner_text() == "37,300.50 元 = 37,300.50 元"
    assert rec(page)["rectifications"][0]["funds"] == 37300.5
    for typed in ("壹万", "1.5千", "-200", "1,5"):
        type_amount(page, typed)  # "1.5" on the way to "1.5千" is not saved either
        said = reading.inner_text()
        assert said.startswith(f"未保存：“{typed}”不是金额") and "仍为 37,300.50 元" in said, said
        assert reading.is_visible() and box.get_attribute("aria-invalid") == "true"
        assert rec(page)["rectifications"][0]["funds"] == 37300.5
    type_amount(page, "２万")  # full-width digit
    assert rec(page)["rectifications"][0]["funds"] == 20000 and box.get_attribute("aria-invalid") is None
    page.reload()
    page.wait_for_selector(".zn-sc-finding[data-finding='YH-001']")
    assert funds_box(page).input_value() == "20000"
    assert page.locator(".zn-sc-finding[data-finding='YH-001'] .zn-sc-reading").inner_text() == "20000 = 20,000.00 元"


def workbook_with(content: Content, tmp_path: Path, cells: dict[tuple[str, str], Any]) -> Path:
    sc = content.sectors[0]
    ins = record.Inspection(enterprise="示例企业（示例）", sector=sc.id, findings=(
        record.Finding(id="YH-001", item="DM-001", aspect="基础管理", text="未建立全员安全生产责任制。", level="重大"),
    ), rectifications=(record.Rectification(finding="YH-001"),))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    letters = {c["field"]: c["letter"] for c in workbook.enterprise_layout(sc)["sheets"]["rectifications"]["columns"]}
    for (field, _), value in cells.items():
        wb["整改清单"][f"{letters[field]}3"] = value
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    return path


def test_typed_amounts_import_and_unreadable_ones_are_refused_naming_the_cell(page: Any, content: Content,
                                                                              tmp_path: Path) -> None:
    letters = {c["field"]: c["letter"] for c in workbook.enterprise_layout(content.sectors[0])["sheets"]["rectifications"]["columns"]}
    said = import_xlsx(page, workbook_with(content, tmp_path, {("funds", ""): "1.5万元", ("deadline", ""): "2026年1月5日"}))
    assert "已导入" in said, said
    got = rec(page)["rectifications"][0]
    assert (got["funds"], got["deadline"]) == (15000, "2026-01-05")
    for field, typed, words in (("funds", "壹万", "不是金额"), ("deadline", "2026/02/30", "这一天不存在"),
                                ("done", "2026年13月45日", "这一天不存在"), ("accepted", "明天", "不是日期")):
        said = import_xlsx(page, workbook_with(content, tmp_path, {(field, ""): typed}))
        assert said.startswith("未导入") and f"整改清单!{letters[field]}3" in said and f"“{typed}”{words}" in said, said
    assert rec(page)["rectifications"][0]["funds"] == 15000  # the refused files changed nothing


# ---- The exported workbook, printed ----------------------------------------------------------------


def test_the_exported_workbook_prints_every_line_of_every_row(page: Any, tmp_path: Path) -> None:
    from test_printed_workbook import REPEATS, clipped, long_findings, to_pdf

    findings = [{"id": f["id"], "item": "DM-001", "aspect": "基础管理", "location": "", "text": f["text"], "level": "一般",
                 "basis": "", "level_note": ""} for f in long_findings()]
    saved = rec(page)
    saved.update({"enterprise": "示例化工（示例）", "results": [{"item": "DM-001", "result": "不符合", "remark": ""}],
                  "findings": findings,
                  "rectifications": [{"finding": f["id"], "measure": "组织复审培训。", "department": "", "owner": "", "funds": 1000,
                                      "deadline": None, "done": None, "acceptor": "", "accepted": None, "opinion": "",
                                      "status": "待整改"} for f in findings]})
    page.evaluate("(v) => localStorage.setItem('zhinan-self-check:demo:v2', v)", json.dumps(saved, ensure_ascii=False))
    page.reload()
    page.wait_for_selector(".zn-sc-finding[data-finding='YH-006']")
    path = export_xlsx(page, tmp_path / "printed.xlsx")
    wb = load_workbook(path)
    last = 2 + len(REPEATS)
    assert wb["隐患清单"].print_area == f"'隐患清单'!$A$1:$H${last}"  # five or six hazards print their rows only
    assert wb["整改清单"].print_area == f"'整改清单'!$A$1:$M${last}"
    # The 整改清单's rows are as tall as the 隐患描述 their formula shows, not only their own cells.
    assert all(wb["整改清单"].row_dimensions[3 + n].height >= wb["隐患清单"].row_dimensions[3 + n].height - 20
               for n in range(len(REPEATS)))
    checked, problems = clipped(to_pdf(path, tmp_path), len(REPEATS))
    assert problems == [] and checked >= 2 * (len(REPEATS) - 1) - 2


# ---- No silent limits ----------------------------------------------------------------------------


def blank_with(content: Content, tmp_path: Path, name: str, edit: Any) -> Path:
    sc = content.sectors[0]
    ins = record.Inspection(enterprise="示例企业（示例）", sector=sc.id,
                            results=(record.ItemResult(item="DM-001", result="不符合"),),
                            findings=tuple(record.Finding(id=record.finding_id(n), item="DM-001", aspect="基础管理",
                                                          text=f"隐患{n}", level="一般") for n in (1, 2, 3)),
                            rectifications=tuple(record.Rectification(finding=record.finding_id(n), measure=f"措施{n}")
                                                 for n in (1, 2, 3)))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def test_two_thousand_hazards_are_refused_with_the_limit(page: Any, content: Content, tmp_path: Path) -> None:
    def many(wb: Any) -> None:
        ws = wb["隐患清单"]
        for n in range(1, 2001):
            ws[f"A{2 + n}"], ws[f"C{2 + n}"], ws[f"E{2 + n}"], ws[f"F{2 + n}"] = record.finding_id(n), "基础管理", f"隐患{n}", "一般"

    said = import_xlsx(page, blank_with(content, tmp_path, "2000.xlsx", many))
    assert said.startswith("未导入") and "隐患清单填到了第 2002 行：第 503 行起还有 1500 行，超出本页和工作簿的 500 条" in said, said
    assert rec(page)["findings"] == []
    # Nor can the page itself go beyond the workbook's 500 rows.
    a_finding(page)
    page.evaluate("() => { const r = ZhinanSelfCheck.record(); r.findings[0].id = 'YH-500'; r.rectifications[0].finding = 'YH-500';"
                  " localStorage.setItem('zhinan-self-check:demo:v2', JSON.stringify(r)); }")
    page.reload()
    page.wait_for_selector(".zn-sc-finding[data-finding='YH-500']")
    page.locator("#zn-sc-DM-001").get_by_role("button", name="添加隐患").click()
    assert "最多 500 条隐患" in page.locator(".zn-sc-message").inner_text()
    assert len(rec(page)["findings"]) == 1


def test_a_hazard_on_an_item_marked_compliant_is_shown_and_flagged(page: Any, content: Content, tmp_path: Path) -> None:
    def compliant(wb: Any) -> None:
        letters = {c["field"]: c["letter"] for c in workbook.enterprise_layout(content.sectors[0])["sheets"]["checklist"]["columns"]}
        wb["检查清单"][f"{letters['result']}4"] = "符合"

    said = import_xlsx(page, blank_with(content, tmp_path, "odd.xlsx", compliant))
    assert "已导入" in said, said
    for fid in ("YH-001", "YH-002", "YH-003"):
        assert page.locator(f".zn-sc-finding[data-finding='{fid}']").is_visible()
    flag = page.locator("#zn-sc-DM-001 .zn-sc-flag")
    assert flag.is_visible() and "检查结果为“符合”，却记录了 3 条隐患" in flag.inner_text()


def test_rows_inserted_and_deleted_in_excel_are_read_as_meant(page: Any, content: Content, tmp_path: Path) -> None:
    def inserted(wb: Any) -> None:
        ws = wb["隐患清单"]
        ws.insert_rows(4)  # between YH-001 and YH-002: a row without 隐患编号
        ws["C4"], ws["E4"], ws["F4"] = "作业现场", "插入的隐患", "一般"

    said = import_xlsx(page, blank_with(content, tmp_path, "inserted.xlsx", inserted))
    assert "已导入" in said and "隐患清单!A4 没有隐患编号" in said and "已编为 YH-004" in said, said
    got = {f["id"]: f["text"] for f in rec(page)["findings"]}
    assert got == {"YH-001": "隐患1", "YH-002": "隐患2", "YH-003": "隐患3", "YH-004": "插入的隐患"}
    assert {r["finding"] for r in rec(page)["rectifications"]} == set(got)

    def deleted(wb: Any) -> None:
        wb["隐患清单"].delete_rows(4)  # YH-002 deleted from the 隐患清单 only

    said = import_xlsx(page, blank_with(content, tmp_path, "deleted.xlsx", deleted))
    assert "已导入" in said and "整改清单中 YH-002 的整改在隐患清单中没有对应的隐患" in said, said
    assert [f["id"] for f in rec(page)["findings"]] == ["YH-001", "YH-003"]
    assert [r["finding"] for r in rec(page)["rectifications"]] == ["YH-001", "YH-003"]


def test_a_zip_bomb_is_refused_before_it_is_inflated(page: Any, content: Content, tmp_path: Path) -> None:
    import zipfile

    good = blank_with(content, tmp_path, "base.xlsx", lambda wb: None)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        with out.open("xl/media/zeros.bin", "w", force_zip64=True) as big:
            chunk = bytes(16 * 1024 * 1024)
            for _ in range(64):  # 1 GiB of zeros, about 1 MB zipped
                big.write(chunk)
    assert bomb.stat().st_size < 3 * 1024 * 1024
    page.evaluate("""() => { window.said = []; const m = document.querySelector('.zn-sc-message');
        new MutationObserver(() => window.said.push(m.textContent)).observe(m, {childList: true, characterData: true, subtree: true}); }""")
    said = import_xlsx(page, bomb)
    assert said.startswith("未导入") and re.search(r"解压后有 1,02\d(\.\d)? MB", said) and "超过本页可导入的 100 MB" in said, said
    assert any(s.startswith("正在导入“bomb.xlsx”") for s in page.evaluate("() => window.said"))


def test_photos_in_an_imported_workbook_are_named(page: Any, content: Content, tmp_path: Path) -> None:
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    photo = tmp_path / "现场.png"
    Picture.new("RGB", (40, 30), "red").save(photo)

    def with_photo(wb: Any) -> None:
        wb["隐患清单"].add_image(Image(str(photo)), "J3")

    said = import_xlsx(page, blank_with(content, tmp_path, "photo.xlsx", with_photo))
    assert "已导入" in said and "1 张图片（image1.png）不属于自查记录，没有导入" in said, said


def test_csv_cells_that_would_be_formulas_stay_text(page: Any) -> None:
    import csv

    a_finding(page)
    hostile = '=HYPERLINK("http://example.invalid","点我")'
    card = page.locator(".zn-sc-finding[data-finding='YH-001']")
    card.locator("[data-field='text']").press_sequentially(hostile)
    type_into(page, "[data-rec='finding'][data-field='location'][data-finding='YH-001']", "@SUM(1)")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出隐患清单 CSV").click()
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_bytes().decode("utf-8-sig"))))
    head = rows[0]
    assert rows[1][head.index("隐患描述")] == "'" + hostile
    assert rows[1][head.index("部位")] == "'@SUM(1)"
    assert rec(page)["findings"][0]["text"] == hostile  # the record keeps what was typed


# ---- The 自评报告 -----------------------------------------------------------------------------------


def norm(text: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def report_pdf_text(tab: Any, tmp_path: Path) -> tuple[str, int]:
    import subprocess

    tab.get_by_role("button", name="查看自评报告").click()
    pdf = tmp_path / "report.pdf"
    tab.pdf(path=str(pdf), format="A4", print_background=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return norm(text), text.count("\f")


def filled_report(tab: Any) -> None:
    fill_self(tab)
    type_into(tab, "#zn-sc-info input[data-field='enterprise'], [data-rec='info'][data-field='enterprise']", "泉州示例化工有限公司（示例）")
    a_finding(tab)  # DM-001, whose typical hazard is 重大
    tab.locator(".zn-sc-finding[data-finding='YH-001'] [data-act='typical']").select_option(label="【重大】未建立全员安全生产责任制。")
    tab.locator(".zn-sc-finding[data-finding='YH-001'] [data-rec='rect'][data-field='status']").select_option("整改中")


def test_the_report_is_the_self_assessment_report_with_its_sections(page: Any, tmp_path: Path) -> None:
    filled_report(page)
    text, pages = report_pdf_text(page, tmp_path)
    order = ["安全生产标准化自评报告", "统一社会信用代码", "一、自评机构", "二、自评计划", "三、发现问题与整改", "YH-001",
             "四、自评结论和下一步", "体系运行一年", "完善应急预案演练。", "五、拟申请等级", "拟申请等级:三级",
             "主要负责人(签字)", "自评组组长(签字)", "(企业公章)"]
    within = ["组长", "副组长", "成员", "总经理", "安全总监", "设备主管", "全厂各部门、罐区", "2026-11-01至2026-11-30",
              "未建立全员", "【重大】", "整改中", "乙区", "0595-12345678"]
    assert [w for w in within if norm(w) not in text] == []
    missing, at = [], 0
    for w in order:  # each in turn, after the one before
        found = text.find(norm(w), at)
        if found < 0:
            missing.append(w)
        else:
            at = found
    assert missing == []
    assert norm("存在未销号的重大隐患，暂不具备申请定级的条件") in text
    for n in range(1, pages + 1):
        assert f"第{n}页共{pages}页" in text
    assert "检查信息" not in text and "在线自查" not in text  # no form, no site chrome (title, breadcrumb)
    # Closing the 重大 hazard lifts the statement.
    page.get_by_role("button", name="返回填写").click()
    page.locator(".zn-sc-finding[data-finding='YH-001'] [data-rec='rect'][data-field='status']").select_option("已销号")
    text, _ = report_pdf_text(page, tmp_path)
    assert norm("存在未销号的重大隐患") not in text and norm("拟申请等级:三级") in text


def test_the_report_reads_at_390_px(browser: Any, tree: Path, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, accept_downloads=True)
    tab = context.new_page()
    tab.on("dialog", lambda d: d.accept())
    open_page(tab, tree)
    filled_report(tab)
    tab.get_by_role("button", name="查看自评报告").click()
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The hazards and rectifications read as cards: each cell the full width, its title before it.
    cell = tab.locator("table.zn-sc-rects tr.zn-sc-major-row td", has_text="制定").first
    if not cell.count():
        cell = tab.locator("table.zn-sc-rects tr.zn-sc-major-row td").nth(3)
    assert cell.bounding_box()["width"] > 300
    tab.locator("#zn-sc-report").screenshot(path=str(tmp_path / "report-390.png"))
    context.close()


def test_a_formula_without_its_result_is_refused_not_read_as_zero(page: Any, content: Content, tmp_path: Path) -> None:
    letters = {c["field"]: c["letter"] for c in workbook.enterprise_layout(content.sectors[0])["sheets"]["rectifications"]["columns"]}

    def formula(wb: Any) -> None:
        wb["整改清单"][f"{letters['funds']}3"] = "=1000*15"  # openpyxl keeps no result, as a program that does not calculate

    said = import_xlsx(page, blank_with(content, tmp_path, "formula.xlsx", formula))
    assert said.startswith("未导入") and f"整改清单!{letters['funds']}3（整改资金（元））：是公式，但文件中没有保存它的计算结果" in said, said


def test_the_members_csv_has_the_records_columns(page: Any) -> None:
    import csv

    for name, role in (("张三", "组长"), ("=王五", "成员")):
        page.get_by_role("button", name="添加自评机构成员").click()
        n = page.locator(".zn-sc-member").count() - 1
        page.locator(f"input[data-member='{n}'][data-field='name']").press_sequentially(name)
        page.locator(f"select[data-member='{n}']").select_option(role)
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出自评机构 CSV").click()
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [[str(f.metadata["title"]) for f in dataclasses_fields(record.Member)], ["张三", "组长", ""], ["'=王五", "成员", ""]]


def dataclasses_fields(rec: type) -> Any:
    import dataclasses

    return dataclasses.fields(rec)


def test_the_aspect_names_are_not_under_the_marker_icon(browser: Any, tree: Path) -> None:
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        tab = context.new_page()
        open_page(tab, tree)
        gap = tab.evaluate("""() => { const s = document.querySelector('details.zn-sc-aspect > summary');
            const icon = getComputedStyle(s, '::before');
            const right = s.getBoundingClientRect().left + parseFloat(icon.left) + parseFloat(icon.width);
            return s.querySelector('.zn-sc-aspect-name').getBoundingClientRect().left - right; }""")
        assert gap >= 4, (width, gap)
        context.close()


def test_every_self_assessment_field_is_drawn_as_a_field(page: Any) -> None:
    for name in record.SELF_FIELDS:
        box = page.locator(f"[data-self='{name}']")
        style = box.evaluate("e => [getComputedStyle(e).borderTopWidth, getComputedStyle(e).borderTopStyle]")
        assert style[1] == "solid" and float(style[0].rstrip("px")) >= 1, (name, style)
        assert box.bounding_box()["height"] >= 30, name
