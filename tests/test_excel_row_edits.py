"""Rows a person deletes or inserts in Excel, read by both readers: the Python `readback.read_record`
and the self-check page's import (in Chromium, from file://). Each case is the workbook as Excel or
LibreOffice leaves it (built here with openpyxl: `delete_rows`/`insert_rows` shift the cells as they do);
both readers must give the same record, or the same refusal naming the same cells, and what
docs/enterprise-record.md says (“隐患编号如何把整改清单和隐患清单连起来”)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import test_selfcheck_v2 as v2
from zhinan.content.model import Content
from zhinan.formats import record
from zhinan.sheets import readback, workbook
from zhinan.sheets.workbook import RecordError

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

tree, content, page = v2.tree, v2.content, v2.page  # the module's site, built once, and a tab on its page
import_xlsx, rec = v2.import_xlsx, v2.rec

CELL = re.compile(r"(?:检查清单|隐患清单|整改清单|自评)!\$?[A-Z]{1,3}\$?\d+")


def letters(content: Content, sheet: str) -> dict[str, str]:
    return {c["field"]: c["letter"] for c in workbook.enterprise_layout(content.sectors[0])["sheets"][sheet]["columns"]}


def filled(content: Content, tmp_path: Path, name: str, edit: Callable[[Any], None], count: int = 5) -> Path:
    """A workbook with `count` hazards (YH-001 … on rows 3 …), each with its rectification, edited as a
    person edits it in Excel."""
    sc = content.sectors[0]
    ins = record.Inspection(
        enterprise="示例企业（示例）", sector=sc.id, results=(record.ItemResult(item="DM-001", result="不符合"),),
        findings=tuple(record.Finding(id=record.finding_id(n), item="DM-001", aspect="基础管理", text=f"隐患{n}", level="一般")
                       for n in range(1, count + 1)),
        rectifications=tuple(record.Rectification(finding=record.finding_id(n), measure=f"措施{n}", funds=100.0 * n)
                             for n in range(1, count + 1)))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def python_reads(content: Content, path: Path) -> tuple[str, Any]:
    try:
        ins, notes = readback.read_record(path.read_bytes(), content.sectors[0], content.guide.counties)
    except RecordError as exc:
        return "refused", sorted(set(CELL.findall(str(exc))))
    body = record.to_json(ins, "")["inspection"]
    return "read", (plain(body), [n for n in notes if "第 1 版" not in n])


def page_reads(tab: Any, path: Path) -> tuple[str, Any]:
    said = import_xlsx(tab, path)
    if said.startswith("未导入"):
        return "refused", sorted(set(CELL.findall(said)))
    got = rec(tab)
    notes = [n for n in re.split(r"(?<=。)", said) if "编为" in n or "没有对应" in n]
    return "read", (plain(got), notes)


def plain(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a record both readers hold: results, findings, rectifications (amounts as numbers)."""
    def rect(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "funds": None if r["funds"] is None else float(r["funds"])}
    return {"results": [{k: r[k] for k in ("item", "result", "remark")} for r in body["results"]],
            "findings": [dict(f) for f in body["findings"]],
            "rectifications": [rect(r) for r in body["rectifications"]]}


def both(tab: Any, content: Content, path: Path) -> tuple[str, Any]:
    py, js = python_reads(content, path), page_reads(tab, path)
    if py[0] == js[0] == "read":
        assert py[1][0] == js[1][0], f"Python: {py[1][0]}\npage: {js[1][0]}"
        assert [norm(n) for n in py[1][1]] == [norm(n) for n in js[1][1]], (py[1][1], js[1][1])
    else:
        assert py == js, f"Python: {py}\npage: {js}"
    return py


def norm(note: str) -> str:
    return re.sub(r"[\s:：。]", "", note).replace("没有读入", "没有导入")


def ids(out: tuple[str, Any], key: str) -> list[str]:
    return [r["id" if key == "findings" else "finding"] for r in out[1][0][key]]


def measures(out: tuple[str, Any]) -> dict[str, str]:
    return {r["finding"]: r["measure"] for r in out[1][0]["rectifications"]}


def test_a_hazard_deleted_from_the_findings_only_takes_its_rectification_with_it(page: Any, content: Content,
                                                                                   tmp_path: Path) -> None:
    # Docs: the 整改清单 row left behind is not read, and the notes name its 隐患编号.
    got = both(page, content, filled(content, tmp_path, "f.xlsx", lambda wb: wb["隐患清单"].delete_rows(4)))
    assert ids(got, "findings") == ["YH-001", "YH-003", "YH-004", "YH-005"]
    assert measures(got) == {"YH-001": "措施1", "YH-003": "措施3", "YH-004": "措施4", "YH-005": "措施5"}
    assert [norm(n) for n in got[1][1]] == [norm("整改清单中 YH-002 的整改在隐患清单中没有对应的隐患（隐患行已删除），没有导入。")]


def test_a_rectification_row_deleted_leaves_its_hazard_to_rectify(page: Any, content: Content, tmp_path: Path) -> None:
    # Docs: a hazard without a 整改清单 row reads with a rectification “待整改”.
    got = both(page, content, filled(content, tmp_path, "r.xlsx", lambda wb: wb["整改清单"].delete_rows(4)))
    assert ids(got, "findings") == ["YH-001", "YH-002", "YH-003", "YH-004", "YH-005"]
    assert measures(got) == {"YH-001": "措施1", "YH-002": "", "YH-003": "措施3", "YH-004": "措施4", "YH-005": "措施5"}
    assert {r["finding"]: r["status"] for r in got[1][0]["rectifications"]}["YH-002"] == "待整改"


def test_rows_deleted_in_the_middle_of_both_lists_keep_each_rectification_with_its_hazard(page: Any, content: Content,
                                                                                         tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["隐患清单"].delete_rows(4)  # YH-002 from both lists: the rows below move up one
        wb["整改清单"].delete_rows(4)

    got = both(page, content, filled(content, tmp_path, "b.xlsx", edit))
    assert ids(got, "findings") == ["YH-001", "YH-003", "YH-004", "YH-005"]
    assert measures(got) == {"YH-001": "措施1", "YH-003": "措施3", "YH-004": "措施4", "YH-005": "措施5"}
    assert got[1][1] == []

    def apart(wb: Any) -> None:
        wb["隐患清单"].delete_rows(4)  # YH-002's hazard, and YH-004's rectification: different rows
        wb["整改清单"].delete_rows(6)

    got = both(page, content, filled(content, tmp_path, "apart.xlsx", apart))
    assert measures(got) == {"YH-001": "措施1", "YH-003": "措施3", "YH-004": "", "YH-005": "措施5"}


def test_inserted_rows_without_a_number(page: Any, content: Content, tmp_path: Path) -> None:
    rl, fl = letters(content, "rectifications"), letters(content, "findings")

    def hazard(wb: Any) -> None:
        ws = wb["隐患清单"]
        ws.insert_rows(4)
        ws[f"{fl['aspect']}4"], ws[f"{fl['text']}4"], ws[f"{fl['level']}4"] = "作业现场", "插入的隐患", "一般"

    got = both(page, content, filled(content, tmp_path, "ih.xlsx", hazard))
    assert {f["id"]: f["text"] for f in got[1][0]["findings"]}["YH-006"] == "插入的隐患"
    assert measures(got)["YH-006"] == ""
    assert [norm(n) for n in got[1][1]] == [norm(f"隐患清单!{fl['id']}4 没有隐患编号（在 Excel 中插入的行），已编为 YH-006")]

    def rectification(wb: Any) -> None:
        ws = wb["整改清单"]
        ws.insert_rows(4)
        ws[f"{rl['measure']}4"] = "插入的整改"  # which hazard it is for, nobody can tell

    assert both(page, content, filled(content, tmp_path, "ir.xlsx", rectification)) == ("refused", [f"整改清单!{rl['finding']}4"])


def test_formulas_showing_ref_errors(page: Any, content: Content, tmp_path: Path) -> None:
    rl, fl = letters(content, "rectifications"), letters(content, "findings")
    computed = [c for c in workbook.enterprise_layout(content.sectors[0])["sheets"]["rectifications"]["columns"] if c.get("computed")]

    def lookups(wb: Any) -> None:  # the 隐患清单 rows the lookups pointed at were deleted: not read, nothing lost
        for r in range(3, 503):
            for c in computed:
                wb["整改清单"][f"{c['letter']}{r}"] = "#REF!"

    untouched = both(page, content, filled(content, tmp_path, "same.xlsx", lambda wb: None))
    assert both(page, content, filled(content, tmp_path, "lookups.xlsx", lookups)) == untouched

    def text(wb: Any) -> None:  # a hazard typed as a formula whose cell was deleted
        wb["隐患清单"][f"{fl['text']}4"] = "#REF!"

    assert both(page, content, filled(content, tmp_path, "text.xlsx", text)) == ("refused", [f"隐患清单!{fl['text']}4"])

    def funds(wb: Any) -> None:
        wb["整改清单"][f"{rl['funds']}4"] = "#REF!"

    assert both(page, content, filled(content, tmp_path, "funds.xlsx", funds)) == ("refused", [f"整改清单!{rl['funds']}4"])


def test_a_row_copied_in_excel_with_its_number(page: Any, content: Content, tmp_path: Path) -> None:
    """A row copied and inserted (Ctrl+C, 插入复制的单元格) keeps the 隐患编号 it was copied with: two
    hazards, or two rectifications, under one number. Refused at the second row's 编号, in both readers."""
    rl, fl = letters(content, "rectifications"), letters(content, "findings")

    def copied(sheet: str) -> Callable[[Any], None]:
        def edit(wb: Any) -> None:
            ws = wb[sheet]
            ws.insert_rows(5)
            for col in range(1, ws.max_column + 1):
                ws.cell(5, col).value = ws.cell(4, col).value  # YH-002 again, on row 5
        return edit

    assert both(page, content, filled(content, tmp_path, "cf.xlsx", copied("隐患清单"))) == ("refused", [f"隐患清单!{fl['id']}5"])
    assert both(page, content, filled(content, tmp_path, "cr.xlsx", copied("整改清单"))) == ("refused", [f"整改清单!{rl['finding']}5"])
