"""`zhinan import-sheet` round trips as a department does them (issue 29): comments travel with their
items whether or not a blank line separates the items; importing the same workbook twice changes
nothing the second time; the ids given to new rows are reported with their rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from sheetkit import SMALL, build_stages, copy_content
from zhinan import sheets
from zhinan.cli import main
from zhinan.content.validate import collect
from zhinan.sheets.workbook import CHECKLIST_HEAD_ROW

CHECKLIST = "sectors/paint/checklist.yml"


def run_import(root: Path, book: Path, *flags: str) -> Result:
    return CliRunner().invoke(main, ["import-sheet", "--root", str(root), str(book), "--sector", "paint", *flags])


@pytest.fixture
def tight(tmp_path: Path) -> tuple[Path, Path]:
    """The small tree with no blank line between items (as four sectors are written), a comment above
    every item (one right below a `>-` block), and its exported workbook."""
    root = copy_content(SMALL, tmp_path / "content")
    path = root / CHECKLIST
    text = re.sub(r"\n\n+(  [#-])", r"\n\1", path.read_text(encoding="utf-8"))
    for item in ("TZ-001", "TZ-003", "TZ-004"):
        text = text.replace(f"  - id: {item}\n", f"  # 关于 {item}\n  - id: {item}\n")
    text = text.replace("  # 设备设施：通风和防爆\n", "  # 关于 TZ-002\n")
    path.write_text(text, encoding="utf-8")
    assert collect(root)[1] == []
    build_stages(root, tmp_path / "build", "sheets")
    return root, tmp_path / "build" / "sheets" / "paint.xlsx"


def comments_above(text: str) -> dict[str, str]:
    """Each `# 关于 X` comment → the id of the item on the next line."""
    lines = text.splitlines()
    return {m.group(1): lines[n + 1].strip() for n, line in enumerate(lines)
            if (m := re.fullmatch(r"  # 关于 (TZ-\d+)", line))}


def data_rows(book: Path) -> list[int]:
    ws = load_workbook(book)[sheets.CHECKLIST_SHEET]
    return [r for r in range(CHECKLIST_HEAD_ROW + 1, ws.max_row + 1) if ws.cell(r, 2).value]


def test_comments_stay_on_their_items_when_reordered_and_deleted_without_blank_lines(tight: tuple[Path, Path],
                                                                                     tmp_path: Path) -> None:
    root, book = tight
    wb = load_workbook(book)
    ws = wb[sheets.CHECKLIST_SHEET]
    rows = data_rows(book)
    values = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in rows]
    order = [values[1], values[3], values[0]]  # TZ-002, TZ-004, TZ-001; TZ-003 deleted
    for r in rows:
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    for r, row in zip(rows, order, strict=False):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c).value = v
    edited = tmp_path / "reordered.xlsx"
    wb.save(edited)
    result = run_import(root, edited, "--delete", "--reorder")
    assert result.exit_code == 0, result.output
    text = (root / CHECKLIST).read_text(encoding="utf-8")
    assert comments_above(text) == {"TZ-004": "- id: TZ-004", "TZ-001": "- id: TZ-001", "TZ-002": "- id: TZ-002"}
    assert re.findall(r"- id: (TZ-\d+)", text) == ["TZ-002", "TZ-004", "TZ-001"]
    assert collect(root)[1] == []


def test_the_same_workbook_imported_twice_adds_its_new_rows_once(tight: tuple[Path, Path], tmp_path: Path) -> None:
    root, book = tight
    wb = load_workbook(book)
    ws = wb[sheets.CHECKLIST_SHEET]
    row = data_rows(book)[-1] + 1
    for c, v in enumerate([5, None, "作业现场", "有限空间作业", "进入调漆间地坑作业前进行通风和气体检测。"], start=1):
        ws.cell(row, c).value = v
    edited = tmp_path / "new-row.xlsx"
    wb.save(edited)
    first = run_import(root, edited)
    assert first.exit_code == 0, first.output
    assert f"新增的检查项编号：第 {row} 行 → TZ-005。" in first.stderr
    assert "新增 1 项" in first.stderr
    after_first = (root / CHECKLIST).read_bytes()
    second = run_import(root, edited)
    assert second.exit_code == 0, second.output
    assert "共 5 项（新增 0 项，修改 0 项，删除 0 项）" in second.stderr
    assert f"按同一项处理（没有重复新增）：第 {row} 行 = TZ-005。" in second.stderr
    assert (root / CHECKLIST).read_bytes() == after_first


def test_fill_ids_writes_the_new_ids_back_to_the_workbook(tight: tuple[Path, Path], tmp_path: Path) -> None:
    root, book = tight
    wb = load_workbook(book)
    ws = wb[sheets.CHECKLIST_SHEET]
    row = data_rows(book)[-1] + 1
    for c, v in enumerate([5, None, "作业现场", "有限空间作业", "进入调漆间地坑作业前进行通风和气体检测。"], start=1):
        ws.cell(row, c).value = v
    edited = tmp_path / "new-row.xlsx"
    wb.save(edited)
    result = run_import(root, edited, "--fill-ids")
    assert result.exit_code == 0, result.output
    assert "已把新编号写回 new-row.xlsx 的“编号”列（1 个单元格）。" in result.stderr
    assert load_workbook(edited)[sheets.CHECKLIST_SHEET].cell(row, 2).value == "TZ-005"
    again = run_import(root, edited)
    assert "共 5 项（新增 0 项，修改 0 项，删除 0 项）" in again.stderr and "按同一项处理" not in again.stderr
