"""`zhinan import-sheet`: round trips, hand edits, messy spreadsheets and what is refused.

Each messy workbook is made here with openpyxl from the exported one, so a fixture is a few lines
describing a quirk a real department sheet has, next to what the importer must do with it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from conftest import lo_profile
from sheetkit import EDITION, SMALL, build_stages, copy_content
from zhinan import sheets
from zhinan.cli import main
from zhinan.content.validate import collect, load_content
from zhinan.sheets.workbook import CHECKLIST_HEAD_ROW

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

Quirk = Callable[[Worksheet], None]
CHECKLIST = "sectors/paint/checklist.yml"
HEADER = "、".join(c.title for c in sheets.checklist_columns())


def run_import(root: Path, book: Path, sector: str = "paint", *flags: str) -> Result:
    return CliRunner().invoke(main, ["import-sheet", "--root", str(root), str(book), "--sector", sector, *flags])


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small content tree and its exported workbook."""
    root = copy_content(SMALL, tmp_path / "content")
    build_stages(root, tmp_path / "build", "sheets")
    return root, tmp_path / "build" / "sheets" / "paint.xlsx"


def messy(book: Path, quirk: Quirk, dest: Path) -> Path:
    """The exported workbook with its cover block removed (header on row 1), then the quirk applied."""
    wb = load_workbook(book)
    ws = wb[sheets.CHECKLIST_SHEET]
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    ws.delete_rows(1, CHECKLIST_HEAD_ROW - 1)
    quirk(ws)
    wb.save(dest)
    return dest


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---- Round trips -----------------------------------------------------------------------------


def test_export_then_import_gives_back_every_sector_of_the_repository(tmp_path: Path) -> None:
    root = copy_content(EDITION, tmp_path / "content")
    build_stages(root, tmp_path / "build", "sheets")
    before = load_content(root)
    files = files_under(root)
    for sc in before.sectors:
        result = run_import(root, tmp_path / "build" / "sheets" / f"{sc.id}.xlsx", sc.id)
        assert result.exit_code == 0, result.output
        assert f"共 {len(sc.items)} 项（新增 0 项，修改 0 项，删除 0 项）" in result.stderr
    assert files_under(root) == files
    assert load_content(root) == before


def test_a_workbook_saved_again_by_libreoffice_imports_to_the_same_file(small: tuple[Path, Path], tmp_path: Path) -> None:
    root, book = small
    files = files_under(root)
    subprocess.run(
        ["soffice", f"-env:UserInstallation={lo_profile()}", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "lo"), str(book)],
        capture_output=True, timeout=300, check=True,
    )
    result = run_import(root, tmp_path / "lo" / book.name)
    assert result.exit_code == 0, result.output
    assert files_under(root) == files


def _edit(ws: Worksheet) -> None:
    ws["E3"] = "喷漆房设置机械通风并每季度检测风量。"
    ws["G2"] = None
    ws.delete_rows(5)
    ws.append([5, None, "作业行为", "有限空间作业", "进入调漆间地坑作业前进行通风和气体检测。", None, "现场检查"])
    ws.append([6, "TZ-010", "作业现场", "油漆暂存", "暂存量不超过一天用量。", "GB 6514-2008\n《中华人民共和国安全生产法》"])


def test_hand_edits_are_merged_keeping_ids_field_order_and_comments(small: tuple[Path, Path]) -> None:
    root, book = small
    old = load_content(root).sectors[0]
    original = (root / CHECKLIST).read_text(encoding="utf-8")
    result = run_import(root, messy(book, _edit, book.with_name("edited.xlsx")), "paint", "--delete")
    assert result.exit_code == 0, result.output
    assert "共 5 项（新增 2 项，修改 2 项，删除 1 项）" in result.stderr
    content, problems = collect(root)
    assert problems == [] and content is not None
    items = {it.id: it for it in content.sectors[0].items}
    assert list(items) == ["TZ-001", "TZ-002", "TZ-003", "TZ-011", "TZ-010"]
    assert items["TZ-001"].method is None
    assert items["TZ-001"].hazards == old.items[0].hazards and items["TZ-001"].element == "目标职责"
    assert items["TZ-002"].content == "喷漆房设置机械通风并每季度检测风量。"
    assert items["TZ-011"].item == "有限空间作业"
    assert items["TZ-010"].basis == ("GB 6514-2008", "《中华人民共和国安全生产法》")
    text = (root / CHECKLIST).read_text(encoding="utf-8")
    comments = [line.split("#", 1)[1] for line in original.splitlines() if "#" in line]
    assert all(c in text for c in comments)
    tz3 = text[text.index("id: TZ-003"):]
    assert tz3.index("item:") < tz3.index("aspect:")
    assert "rectification: >-" in text


# ---- Tolerated quirks: the result is exactly the original file ------------------------------


def _blank_rows(ws: Worksheet) -> None:
    ws.insert_rows(3)
    ws.insert_rows(6, 2)
    ws["A6"] = "二、"  # a section heading in the 序号 column only
    ws["D7"] = " \u3000 "
    ws.append([])
    ws.append([None, "  "])


def _merged_cells(ws: Worksheet) -> None:
    ws.insert_rows(1)
    ws["A1"] = "涂装作业检查清单"
    ws.merge_cells("A1:I1")
    ws.merge_cells("C4:C5")  # TZ-002 and TZ-003 are both 设备设施


def _spaces(ws: Worksheet) -> None:
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = "\u3000" + cell.value.replace("\n", " \n") + " \u3000 "


def _numbers_as_text(ws: Worksheet) -> None:
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 1).value = str(r - 1) if r % 2 else chr(0xFF10 + r - 1)  # "1", "２", …
        ws.cell(r, 1).number_format = "@"


def _header_punctuation(ws: Worksheet) -> None:
    for cell, name in zip(ws[1], ["序号：", "＊编号", "检查类别:", "检 查 项 目", "检查内容（必填）",
                                   "检查依据(可多条，每条一行)", "【检查方法】"], strict=False):
        cell.value = name


def _full_width_ids(ws: Worksheet) -> None:
    ws["B2"] = "ＴＺ－００１"
    ws["B3"] = " tz-002"


def _filled_in_and_extra_column(ws: Worksheet) -> None:
    ws["H2"], ws["I2"], ws["J1"], ws["J2"] = "不符合", "责任书未更新", "说明", "企业自查时填写"


def _only_sheet_renamed(ws: Worksheet) -> None:
    wb = ws.parent
    for other in wb.sheetnames[1:]:
        del wb[other]
    ws.title = "Sheet1"


def _blank_lines_in_lists(ws: Worksheet) -> None:
    """Alt+Enter pressed twice between two 检查依据 (a list: one entry a line)."""
    col = next(c.column for c in ws[1] if "检查依据" in str(c.value or ""))
    doubled = 0
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(r, col)
        if isinstance(cell.value, str) and "\n" in cell.value:
            cell.value = cell.value.replace("\n", "\n\n")
            doubled += 1
    assert doubled, "the fixture has an item with two 检查依据"


TOLERATED = [_blank_rows, _merged_cells, _spaces, _numbers_as_text, _header_punctuation, _full_width_ids,
             _filled_in_and_extra_column, _only_sheet_renamed, _blank_lines_in_lists]


@pytest.mark.parametrize("quirk", TOLERATED, ids=lambda q: q.__name__.strip("_"))
def test_messy_sheets_that_mean_the_same_import_to_the_same_file(small: tuple[Path, Path], quirk: Quirk) -> None:
    root, book = small
    files = files_under(root)
    result = run_import(root, messy(book, quirk, book.with_name("messy.xlsx")))
    assert result.exit_code == 0, result.output
    assert files_under(root) == files


# ---- Rejected cases: exact messages, nothing written ----------------------------------------


def _set(**cells: str) -> Quirk:
    def quirk(ws: Worksheet) -> None:
        for ref, value in cells.items():
            ws[ref] = value

    return quirk


def _delete_column(col: int) -> Quirk:
    return lambda ws: ws.delete_cols(col)


def _delete_row(row: int) -> Quirk:
    return lambda ws: ws.delete_rows(row)


def _rename(ws: Worksheet) -> None:
    ws.title = "自查表"


def refused(small: tuple[Path, Path], quirk: Quirk, *flags: str) -> tuple[Path, list[str]]:
    """Import a sheet with `quirk` that must be refused; check that nothing was written."""
    root, book = small
    files = files_under(root)
    bad = messy(book, quirk, book.with_name("bad.xlsx"))
    result = run_import(root, bad, "paint", *flags)
    assert result.exit_code == 1, result.output
    assert files_under(root) == files
    return bad, result.stderr.splitlines()


REJECTED: list[tuple[str, Quirk, list[str]]] = [
    ("no-checklist-sheet", _rename, [
        "{f}: 错误: 找不到名为“检查清单”的工作表；工作簿中的工作表有：“自查表”、“隐患清单”、“整改清单”、“汇总”、“自评”",
    ]),
    ("no-header", _delete_row(1), [
        "{f}:检查清单!A1: 错误: 前 20 行中找不到表头行；表头应包含“编号”、“检查类别”、“检查项目”、“检查内容”等列名",
    ]),
    ("missing-column", _delete_column(5), [f"{{f}}:检查清单!A1: 错误: 表头缺少“检查内容”列；统一格式的列依次为：{HEADER}"]),
    ("duplicate-column", _set(I1="检查内容"), [
        "{f}:检查清单!I1: 错误: 列名“检查内容”重复（E1 已有），请删除或改名其中一列",
    ]),
    ("bad-aspect-and-empty-content", _set(C2="基础", E3="\u3000"), [
        "{f}:检查清单!C2: 错误: “检查类别”的值“基础”不在允许范围内。是否想写“基础管理”？应为：“基础管理”、“设备设施”、“作业现场”、“作业行为”",
        "{f}:检查清单!E3: 错误: “检查内容”不能为空：要检查什么、达到什么要求。",
    ]),
    ("bad-ids", _set(B3="TZ02", B4="WHP-003"), [
        "{f}:检查清单!B3: 错误: 编号“TZ02”格式不对：应为本行业前缀“TZ-”加至少三位数字，如“TZ-001”；新增的检查项可以不填编号",
        "{f}:检查清单!B4: 错误: 编号“WHP-003”格式不对：应为本行业前缀“TZ-”加至少三位数字，如“TZ-001”；新增的检查项可以不填编号",
    ]),
    ("duplicate-id", _set(B4="tz-002"), ["{f}:检查清单!B4: 错误: 编号“TZ-002”重复（B3 已有）；编号在全市必须唯一"]),
    ("formula", _set(D2='=B2&"制度"'), [
        "{f}:检查清单!D2: 错误: 单元格是公式“=B2&\"制度\"”；请复制后“选择性粘贴 → 数值”，再导入",
    ]),
    ("index-not-a-number", _set(A3="二"), ["{f}:检查清单!A3: 错误: 序号应为数字，这里是“二”"]),
    ("nothing-below-header", lambda ws: ws.delete_rows(2, ws.max_row), ["{f}:检查清单!A2: 错误: 表头下面没有任何检查项"]),
    # A renamed header, optional or required: its values would be lost without a word.
    ("renamed-optional-header", _set(G1="检查方式"), [
        f"{{f}}:检查清单!G1: 错误: 列名“检查方式”不是统一格式的列名，是否想写“检查方法”？表头缺少“检查方法”列；统一格式的列依次为：{HEADER}",
    ]),
    ("renamed-required-header", _set(E1="检查要求"), [
        f"{{f}}:检查清单!E1: 错误: 列名“检查要求”不是统一格式的列名，是否想写“检查内容”？表头缺少“检查内容”列；统一格式的列依次为：{HEADER}",
    ]),
    ("line-break-in-a-one-line-field", _set(D2="安全生产\n责任制"), [
        "{f}:检查清单!D2: 错误: “检查项目”只能写一行，这里有换行；请删除单元格中的换行（Alt+Enter）",
    ]),
    ("halves-swapped", _set(C5="现场作业"), [
        "{f}:检查清单!C5: 错误: “检查类别”的值“现场作业”不在允许范围内。是否想写“作业现场”？应为：“基础管理”、“设备设施”、“作业现场”、“作业行为”",
    ]),
]


@pytest.mark.parametrize(("quirk", "expected"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_unreadable_sheets_are_refused_with_the_cell_to_fix(
    small: tuple[Path, Path], quirk: Quirk, expected: list[str]
) -> None:
    bad, stderr = refused(small, quirk)
    lines = [line.format(f=bad) for line in expected]
    assert stderr == [*lines, f"发现 {len(lines)} 个问题，未写入任何文件。"]


def test_a_file_that_is_not_xlsx_is_refused(small: tuple[Path, Path]) -> None:
    root, book = small
    bad = book.with_name("old.xlsx")
    bad.write_bytes(b"\xd0\xcf\x11\xe0 an .xls file renamed")
    result = run_import(root, bad)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{bad}: 错误: 无法读取工作簿：只支持 Excel 2007 及以后的 .xlsx 文件；.xls、.et 或 .csv 请先在 Excel/WPS 中“另存为”.xlsx"
    )


CONTENT_PROBLEMS = [
    ("raw-html", _set(E2="建立<b>全员</b>责任制。"), "{f}:检查清单!B2: 错误: 字段“content”（检查内容）含有不允许的 HTML 或脚本“<b”"),
    ("referenced-item-removed", _delete_row(3),
     "sectors/paint/enterprises/sample-paint.yml:11:13: 错误: 做法“喷漆房风量每月检测”引用的检查项“TZ-002”在本行业检查清单中不存在。"),
]


@pytest.mark.parametrize(("quirk", "expected"), [c[1:] for c in CONTENT_PROBLEMS], ids=[c[0] for c in CONTENT_PROBLEMS])
def test_a_sheet_that_would_break_zhinan_check_writes_nothing(
    small: tuple[Path, Path], quirk: Quirk, expected: str
) -> None:
    bad, stderr = refused(small, quirk, "--delete")
    assert stderr[0].startswith(expected.format(f=bad))


def test_an_unknown_sector_is_a_usage_error(small: tuple[Path, Path]) -> None:
    root, book = small
    result = run_import(root, book, "no-such-sector")
    assert result.exit_code == 2
    assert "行业“no-such-sector”不存在" in result.stderr


# ---- A department's sheet is not the whole truth --------------------------------------------


def imported(small: tuple[Path, Path], quirk: Quirk, *flags: str) -> tuple[Path, list[str], str]:
    """Import a sheet with `quirk` that must be accepted: the sheet, the lines said, the new file."""
    root, book = small
    sheet = messy(book, quirk, book.with_name("edited.xlsx"))
    result = run_import(root, sheet, "paint", *flags)
    assert result.exit_code == 0, result.output
    return sheet, result.stderr.splitlines(), (root / CHECKLIST).read_text(encoding="utf-8")


def unchanged(small: tuple[Path, Path], quirk: Quirk) -> tuple[Path, list[str]]:
    """Import a sheet with `quirk` that must leave checklist.yml as it was; what was said."""
    root, _ = small
    files = files_under(root)
    sheet, said, _ = imported(small, quirk)
    assert files_under(root) == files
    return sheet, said


def test_rows_missing_from_the_sheet_are_listed_and_kept(small: tuple[Path, Path]) -> None:
    _, said = unchanged(small, lambda ws: ws.delete_rows(4, 2))
    assert said == [
        "注意：表中没有以下 2 项，已保留在 sectors/paint/checklist.yml 中，没有删除：TZ-003、TZ-004。确实要删除它们，请加 --delete 重新导入。",
        "已写入 sectors/paint/checklist.yml：共 4 项（新增 0 项，修改 0 项，删除 0 项）",
    ]


def test_delete_removes_them_and_the_comment_above_the_next_item_stays_with_it(small: tuple[Path, Path]) -> None:
    root, _ = small
    original = (root / CHECKLIST).read_text(encoding="utf-8")
    _, said, text = imported(small, _delete_row(2), "--delete")
    assert said == [
        "已按 --delete 删除表中没有的 1 项：TZ-001。",
        "已写入 sectors/paint/checklist.yml：共 3 项（新增 0 项，修改 0 项，删除 1 项）",
    ]
    # TZ-001 is gone, with its hidden fields; the heading comment of TZ-002 is still above it.
    assert "TZ-001" not in text and "由安全管理部门牵头" not in text
    assert text == original[:original.index("  - id: TZ-001")] + original[original.index("  # 设备设施"):]


def _sort_by_item(ws: Worksheet) -> None:
    rows = sorted(([c.value for c in row] for row in ws.iter_rows(min_row=2)), key=lambda r: str(r[3]))
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            ws.cell(r, c).value = value


def test_sorting_the_sheet_does_not_reorder_the_checklist(small: tuple[Path, Path]) -> None:
    _, said = unchanged(small, _sort_by_item)
    assert said == [
        "注意：表中各行的顺序与 sectors/paint/checklist.yml 不同，没有调整顺序；要按表中的顺序排列，请加 --reorder 重新导入。",
        "已写入 sectors/paint/checklist.yml：共 4 项（新增 0 项，修改 0 项，删除 0 项）",
    ]


def test_reorder_follows_the_sheet_and_comments_move_with_their_items(small: tuple[Path, Path]) -> None:
    root, _ = small
    original = (root / CHECKLIST).read_text(encoding="utf-8")
    _, said, text = imported(small, lambda ws: ws.move_range("A2:I2", rows=4), "--reorder")  # TZ-001 last
    assert said == ["已写入 sectors/paint/checklist.yml：共 4 项（新增 0 项，修改 0 项，删除 0 项，按表中的行序调整了顺序）"]
    content, problems = collect(root)
    assert problems == [] and content is not None
    assert [it.id for it in content.sectors[0].items] == ["TZ-002", "TZ-003", "TZ-004", "TZ-001"]
    tz1 = original[original.index("  - id: TZ-001"):original.index("  # 设备设施")]
    assert text.endswith("\n\n" + tz1.rstrip("\n") + "\n")  # TZ-001 whole, at the end, after a blank line
    assert "\n  # 设备设施：通风和防爆\n  - id: TZ-002" in text  # the heading went with TZ-002
    assert sorted(text.splitlines()) == sorted(original.splitlines())


def test_an_extra_column_is_named_in_a_warning(small: tuple[Path, Path]) -> None:
    sheet, said = unchanged(small, _set(J1="隐患等级", J3="重大"))
    assert said == [
        f"{sheet}:检查清单!J1: 警告: 列“隐患等级”（J 列）不是统一格式的列，没有导入；统一格式的列依次为：{HEADER}",
        "已写入 sectors/paint/checklist.yml：共 4 项（新增 0 项，修改 0 项，删除 0 项）",
    ]


def test_tabs_in_cells_become_spaces_and_are_noted(small: tuple[Path, Path]) -> None:
    _, said, text = imported(small, _set(E3="喷漆房设置机械通风\t并定期检测风量。", D4="防爆\t\t电气"))
    assert said == [
        "注意：E3、D4 中的制表符（Tab）已换成空格。",  # in reading order, row by row
        "已写入 sectors/paint/checklist.yml：共 4 项（新增 0 项，修改 2 项，删除 0 项）",
    ]
    assert "content: 喷漆房设置机械通风 并定期检测风量。" in text and "item: 防爆 电气" in text
    assert "\t" not in text


def test_a_workbook_of_another_sector_gets_one_message_naming_it(small: tuple[Path, Path]) -> None:
    root, _ = small
    gas = root / "sectors" / "gas"
    gas.mkdir()
    sector = (root / "sectors" / "paint" / "sector.yml").read_text(encoding="utf-8")
    (gas / "sector.yml").write_text(
        sector.replace("id: paint", "id: gas").replace("涂装作业", "城镇燃气").replace("prefix: TZ", "prefix: RQ"),
        encoding="utf-8")
    (gas / "checklist.yml").write_text("items: []\n", encoding="utf-8")

    def gas_ids(ws: Worksheet) -> None:
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 2).value = f"RQ-{r - 1:03d}"

    bad, stderr = refused(small, gas_ids)
    assert stderr == [
        f"{bad}: 错误: 这是“城镇燃气”行业的工作簿（检查项编号以“RQ-”开头），不是“涂装作业”行业（“TZ-”）的；"
        "请换成“涂装作业”的工作簿，或改用 --sector gas 导入",
        "发现 1 个问题，未写入任何文件。",
    ]


@pytest.mark.parametrize(("typed", "meant"), [
    ("现场作业", "作业现场"),  # halves swapped: difflib alone suggests 作业行为
    ("设施设备", "设备设施"),
    ("基础", "基础管理"),
    ("行为作业", "作业行为"),
    ("人员", None),
])
def test_did_you_mean_counts_shared_characters_before_their_order(typed: str, meant: str | None) -> None:
    from zhinan.commands.importer import closest
    from zhinan.content.model import ASPECTS

    assert closest(typed, ASPECTS) == meant
