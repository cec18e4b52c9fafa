"""Hostile spreadsheets (issue 35): read by their real data extent, zip parts bounded before and while
inflating, protected files named, ambiguous workbooks refused, hidden rows and merges over data told.

Both readers of other people's workbooks go through `sheets.opening`: `zhinan import-sheet` (a
department's 检查清单) and `sheets.readback` (an enterprise's filled workbook, so `zhinan report` and
`zhinan tally`). The extent cases run in a child process with a memory and time bound, so the code
that looped a million rows fails there instead of taking the machine.
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from openpyxl.styles import Font

from sheetkit import SMALL, build_stages, copy_content
from zhinan.cli import main
from zhinan.sheets.workbook import CHECKLIST_HEAD_ROW

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MEMORY = 1536 * 1024 * 1024
"""The child's address space: a reader that fills the sheet's declared rectangle runs out of it."""
SECONDS = 120
"""The child's bound: reading any of these files takes a few seconds at most."""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def bounded(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m zhinan ARGS` in a child bounded in memory and time (a timeout is a failure)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", "zhinan", *args], capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=_limit, env=env)


def run_import(root: Path, book: Path) -> Result:
    return CliRunner().invoke(main, ["import-sheet", "--root", str(root), str(book), "--sector", "paint"])


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small content tree and its exported workbook, cover removed (header on row 1)."""
    root = copy_content(SMALL, tmp_path / "content")
    build_stages(root, tmp_path / "build", "sheets")
    wb = load_workbook(tmp_path / "build" / "sheets" / "paint.xlsx")
    ws = wb["检查清单"]
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    ws.delete_rows(1, CHECKLIST_HEAD_ROW - 1)
    book = tmp_path / "paint.xlsx"
    wb.save(book)
    return root, book


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edited(book: Path, name: str, edit: object) -> Path:
    wb = load_workbook(book)
    edit(wb)  # type: ignore[operator]
    out = book.with_name(name)
    wb.save(out)
    return out


# ---- Extent: the data, not the declared size ----------------------------------------------------


def test_a_formatted_cell_at_xfd1048576_is_not_data(small: tuple[Path, Path]) -> None:
    """One bold empty cell in the last cell of the sheet: <dimension ref="A1:XFD1048576">, and
    openpyxl's max_row/max_column say the same; the import reads the four items and changes nothing."""
    root, book = small

    def stray(wb: object) -> None:
        wb["检查清单"]["XFD1048576"].font = Font(bold=True)  # type: ignore[index]

    stray_book = edited(book, "stray.xlsx", stray)
    with zipfile.ZipFile(stray_book) as z:
        assert '<dimension ref="A1:XFD1048576"/>' in z.read("xl/worksheets/sheet1.xml").decode()
    files = files_under(root)
    done = bounded("import-sheet", "--root", str(root), str(stray_book), "--sector", "paint")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.strip().endswith("共 4 项（新增 0 项，修改 0 项，删除 0 项）")
    assert files_under(root) == files


def test_a_value_at_xfd1048576_is_refused_naming_the_cell(small: tuple[Path, Path]) -> None:
    root, book = small

    def stray(wb: object) -> None:
        wb["检查清单"]["XFD1048576"] = "x"  # type: ignore[index]

    stray_book = edited(book, "stray.xlsx", stray)
    files = files_under(root)
    done = bounded("import-sheet", "--root", str(root), str(stray_book), "--sector", "paint")
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.splitlines()[0] == (
        f"{stray_book}:检查清单!XFD1048576: 错误: 单元格有内容（“x”），超出了可读入的范围（前 5,000 行、前 64 列，"
        "即 A1:BL5000）：多半是误输入的内容，请删除后重新导入")
    assert files_under(root) == files


@pytest.fixture
def record_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    return root


READ = """
import sys, json
from zhinan.content.validate import load_content
from zhinan.sheets import readback, workbook
content = load_content(sys.argv[1])
try:
    ins, notes = readback.read_record(open(sys.argv[2], "rb").read(), content.sectors[0])
    print(json.dumps({"findings": [f.id for f in ins.findings]}))
except workbook.RecordError as exc:
    print(json.dumps({"messages": exc.messages}))
"""


def read_back(root: Path, book: Path) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", READ, str(root), str(book)], capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=_limit, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def enterprise_book(root: Path, dest: Path, cell: str, value: object) -> Path:
    """A blank workbook of the minimal tree's sector with one finding, and `cell` of 隐患清单 set."""
    from zhinan.content.validate import load_content
    from zhinan.formats.record import Finding, Inspection
    from zhinan.sheets import workbook

    content = load_content(root)
    sc = content.sectors[0]
    ins = Inspection(enterprise="示例公司（示例）", sector=sc.id, findings=(
        Finding(id="YH-001", item=sc.items[0].id, aspect=sc.items[0].aspect, text="未建立责任制。", level="一般"),))
    wb = load_workbook(io.BytesIO(workbook.workbook_bytes(sc, content, ins)))
    if value is None:
        wb["隐患清单"][cell].font = Font(bold=True)
    else:
        wb["隐患清单"][cell] = value
    wb.save(dest)
    return dest


def test_the_record_reader_reads_to_the_last_value_not_a_formatted_cell(record_root: Path, tmp_path: Path) -> None:
    book = enterprise_book(record_root, tmp_path / "stray.xlsx", "B1000000", None)
    assert read_back(record_root, book) == {"findings": ["YH-001"]}


def test_the_record_reader_refuses_a_value_past_its_bound_naming_the_cell(record_root: Path, tmp_path: Path) -> None:
    book = enterprise_book(record_root, tmp_path / "stray.xlsx", "C1000000", "x")
    said = read_back(record_root, book)
    assert said == {"messages": [
        "隐患清单!C1000000: 错误: 单元格有内容（“x”），超出了可读入的范围（前 5,000 行、前 64 列，即 A1:BL5000）："
        "多半是误输入的内容，请删除后重新导入"]}


# ---- Zip parts: declared sizes before inflating, actual sizes while inflating ---------------------


def with_part(book: Path, dest: Path, name: str, chunks: int) -> Path:
    """`book` with one more part of `chunks` × 16 MiB of zeros (about 16 KB zipped each)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        with out.open(name, "w", force_zip64=True) as big:
            for _ in range(chunks):
                big.write(bytes(16 * 1024 * 1024))
    return dest


def test_import_refuses_a_zip_bomb_from_the_directory_naming_the_part(small: tuple[Path, Path]) -> None:
    root, book = small
    bomb = with_part(book, book.with_name("bomb.xlsx"), "xl/media/zeros.bin", 7)
    files = files_under(root)
    result = run_import(root, bomb)
    assert result.exit_code == 1, result.output
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"{bomb}: 错误: 文件解压后有 11") and "超过可读入的 100 MB" in line, line
    assert "其中 xl/media/zeros.bin 解压后有 112.0 MB）：没有解压，也没有读入" in line, line
    assert files_under(root) == files


def lying(book: Path, dest: Path, name: str, declared: int) -> Path:
    """`book` with the sizes of part `name` in its directory and local header set to `declared` bytes:
    the part inflates to more than its directory says."""
    data = bytearray(book.read_bytes())
    raw = name.encode()
    for sig, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            (length,) = struct.unpack_from("<H", data, at + name_len_at)
            if bytes(data[at + name_at:at + name_at + length]) == raw:
                struct.pack_into("<I", data, at + size_at, declared)
            at += 4
    dest.write_bytes(bytes(data))
    return dest


def test_import_names_a_part_whose_directory_lies_about_its_size(small: tuple[Path, Path]) -> None:
    root, book = small
    liar = lying(book, book.with_name("liar.xlsx"), "xl/worksheets/sheet1.xml", 100)
    files = files_under(root)
    result = run_import(root, liar)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == (
        f"{liar}: 错误: 工作簿压缩包中的 xl/worksheets/sheet1.xml 解压后与压缩包目录记载的大小（100 字节）不符："
        "文件已损坏或被改动，没有读入")
    assert files_under(root) == files


def test_the_record_reader_names_a_part_whose_directory_lies(record_root: Path, tmp_path: Path) -> None:
    book = enterprise_book(record_root, tmp_path / "book.xlsx", "A1", "x")
    liar = lying(book, tmp_path / "liar.xlsx", "xl/worksheets/sheet2.xml", 100)
    assert read_back(record_root, liar) == {"messages": [
        "错误: 工作簿压缩包中的 xl/worksheets/sheet2.xml 解压后与压缩包目录记载的大小（100 字节）不符："
        "文件已损坏或被改动，没有读入"]}


# ---- Protected files, ambiguous workbooks, hidden rows and merges ----------------------------------


def locked_bytes() -> bytes:
    """What Excel writes for a password to open: an OLE2 compound file whose directory holds the
    streams EncryptionInfo and EncryptedPackage ([MS-OFFCRYPTO] 2.3.4.15), not a zip. Made here by
    hand (no tool on this machine writes one): the header, and the directory's UTF-16 names."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    entries = b"".join(n.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
                       for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    return header.ljust(512, b"\xff") + entries + bytes(4096)


def test_a_password_protected_file_is_named_as_protected(small: tuple[Path, Path]) -> None:
    root, book = small
    locked = book.with_name("locked.xlsx")
    locked.write_bytes(locked_bytes())
    result = run_import(root, locked)
    assert result.exit_code == 1
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"{locked}: 错误: 工作簿设置了打开密码（已加密），无法读取"), line
    assert "另存为" not in line


def test_two_sheets_that_could_be_the_checklist_are_refused_naming_both(small: tuple[Path, Path]) -> None:
    """The issue's case: a copy “检查清单 (2)” placed first, the edited “检查清单” second; and a copy
    under another name that still carries the checklist's header."""
    root, book = small

    def copy_first(wb: object) -> None:
        ws = wb["检查清单"]  # type: ignore[index]
        ws["E2"] = "改过的检查内容。"
        copy = wb.copy_worksheet(ws)  # type: ignore[attr-defined]
        copy.title = "检查清单 (2)"
        copy["E2"] = "旧的检查内容。"
        wb.move_sheet(copy, -wb.index(copy))  # type: ignore[attr-defined]

    def copy_renamed(wb: object) -> None:
        copy_first(wb)
        wb["检查清单 (2)"].title = "副本"  # type: ignore[index]

    files = files_under(root)
    for name, edit, sheets in (("two.xlsx", copy_first, "“检查清单 (2)”、“检查清单”"),
                               ("renamed.xlsx", copy_renamed, "“检查清单”、“副本”")):
        two = edited(book, name, edit)
        result = run_import(root, two)
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines()[0] == (
            f"{two}: 错误: 工作簿中有 2 个工作表都可能是检查清单：{sheets}；请删除不用的副本"
            "（或改名为“检查清单”以外、且不带检查清单表头的名称），只留下要导入的一个")
        assert files_under(root) == files


def test_hidden_rows_and_columns_and_merges_over_data_are_warned(small: tuple[Path, Path]) -> None:
    root, book = small

    def hide(wb: object) -> None:
        ws = wb["检查清单"]  # type: ignore[index]
        ws.row_dimensions[3].hidden = True
        ws.column_dimensions["F"].hidden = True
        ws["E5"] = ws["E4"].value
        ws.merge_cells("E4:E5")  # one 检查内容 over two items

    result = run_import(root, edited(book, "hidden.xlsx", hide))
    assert result.exit_code == 0, result.output
    sheet = book.with_name("hidden.xlsx")
    warned = [line for line in result.output.splitlines() if "警告" in line]
    assert warned == [
        f"{sheet}:检查清单!A3: 警告: 第 3 行是隐藏的，已照常导入；请在 Excel 中取消隐藏核对这些行",
        f"{sheet}:检查清单!F1: 警告: F 列是隐藏的，已照常导入；请在 Excel 中取消隐藏核对这些列",
        f"{sheet}:检查清单!E4: 警告: E4:E5 是合并单元格，其内容已用于第 4–5 行的每一行；请确认这是本意，或取消合并后分别填写",
    ]


def test_the_bounds_are_stated_in_one_module_used_by_both_readers() -> None:
    from zhinan.commands import importer
    from zhinan.sheets import opening, readback

    assert importer.opening is opening and readback.opening is opening
    assert not hasattr(readback, "MAX_INFLATED")


READ_EXPECTED = """
import sys
from pathlib import Path
from zhinan.commands import tally
from zhinan.content.validate import load_content
print([e.name for e in tally.read_expected(Path(sys.argv[2]), load_content(sys.argv[1]))])
"""


def test_the_tallys_expected_list_is_read_by_its_data_not_its_declared_size(record_root: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "行业", "所在县（市、区）", "规上"])
    ws.append(["甲公司（示例）", "91350500MA0ABCDE1X", "示例行业", "甲县", "是"])
    ws["XFD1048576"].font = Font(bold=True)
    listed = tmp_path / "expected.xlsx"
    wb.save(listed)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", READ_EXPECTED, str(record_root), str(listed)], capture_output=True,
                          text=True, timeout=SECONDS, preexec_fn=_limit, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['甲公司（示例）']"


def test_the_tally_names_a_password_protected_file(record_root: Path, tmp_path: Path) -> None:
    from zhinan.commands.tally import read_file
    from zhinan.content.validate import load_content

    locked = tmp_path / "甲公司.xlsx"
    locked.write_bytes(locked_bytes())
    out = read_file(locked, locked.read_bytes(), load_content(record_root), "甲公司.xlsx")
    assert out.inspection is None
    assert out.reason == "工作簿设置了打开密码（已加密），无法读取：请在 Excel/WPS 中删除打开密码，保存后重新报送"
