"""Opening a workbook someone else saved, with every resource bounded: `zhinan import-sheet`'s
department sheets and the enterprises' filled workbooks (`sheets.readback`, so `zhinan report` and
`zhinan tally`) both go through here.

- `check_container`: a password-protected file (an OLE2/CFB container, not a zip) is named as
  protected; the unzipped size of every part is read from the zip's directory and refused before
  anything is inflated; then every part is inflated once, a chunk at a time and thrown away, so a
  directory that lies about a size is caught with the part named, never by holding the part whole.
- `data_extent`: a sheet is read as far as its last cell holding a value, not its declared
  <dimension> nor its last formatted cell; a value beyond the bounds is refused naming the cell.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhinan.errors import ZhinanError

MAX_INFLATED = 100 * 1024 * 1024
"""The most a workbook's parts may declare unzipped in all (the self-check page's bound): one with 500
hazards and a few pictures is a few MB; a zip bomb declares gigabytes."""

MAX_PARTS = 2000
"""The most parts (files inside the zip) a workbook may have: one this guide writes has about 20, a
picture adds two; a directory of millions of empty parts is read in full before anything else."""

CHUNK = 1024 * 1024
"""Parts are inflated this much at a time when verified: memory stays at one chunk whatever they hold."""

MAX_ROWS = 5000
"""The last row a value may be in: the largest sheet of this guide (a sector's 检查清单, or a list of 500
hazards under its cover) has a few hundred rows; reading 5,000 takes well under a second. Excel's last
row is 1,048,576, and a sheet read that far by its declared size loops a million rows."""

MAX_COLUMNS = 64
"""The last column a value may be in (BL): the sheets of this guide have under 20 columns, a
department adds a few of its own. A stray value at XFD (column 16,384) would otherwise make every row
16,384 cells wide — 17 billion cells down to row 1,048,576."""

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an OLE2/CFB compound file: an .xls/.et of the old formats, or an .xlsx that Excel
or WPS saved with a password to open (the encrypted zip inside a container, [MS-OFFCRYPTO])."""


class WorkbookProblem(ZhinanError):
    """A workbook refused before its cells are read: `where` is the sheet!cell when data hit a bound."""

    def __init__(self, text: str, where: str = "") -> None:
        self.text, self.where = text, where
        super().__init__(f"{where}: {text}" if where else text)


def is_protected(data: bytes) -> bool:
    """An OLE2 container holding an encrypted Office package (its EncryptionInfo/EncryptedPackage streams)."""
    return data.startswith(OLE2) and "EncryptedPackage".encode("utf-16-le") in data


def check_container(data: bytes) -> list[zipfile.ZipInfo]:
    """The parts of a workbook's zip after the checks above; a file that is no zip at all but not
    protected either returns [] (openpyxl then says it is not a workbook, as each caller words it)."""
    if is_protected(data):
        raise WorkbookProblem("工作簿设置了打开密码（已加密），无法读取：请在 Excel/WPS 中打开后，在“文件 → 信息 → 保护工作簿”"
                              "（WPS：“文件 → 文档加密”）中删除密码，保存后重新导入")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            parts = book.infolist()
            _bounded(parts, len(data))
            for part in parts:
                _inflate(book, part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError):
        return []
    return parts


def _bounded(parts: list[zipfile.ZipInfo], size: int) -> None:
    if len(parts) > MAX_PARTS:
        raise WorkbookProblem(f"工作簿压缩包中有 {len(parts):,} 个文件，超过可读入的 {MAX_PARTS:,} 个：文件已损坏，或不是 Excel 保存的工作簿；没有解压")
    total = sum(p.file_size for p in parts)
    if total > MAX_INFLATED:
        big = max(parts, key=lambda p: p.file_size)
        raise WorkbookProblem(
            f"文件解压后有 {total / 1024 / 1024:,.1f} MB，超过可读入的 {MAX_INFLATED // 1024 // 1024} MB（文件本身 "
            f"{size / 1024 / 1024:,.1f} MB，其中 {big.filename} 解压后有 {big.file_size / 1024 / 1024:,.1f} MB）：没有解压，也没有读入")


def _inflate(book: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Inflate one part a chunk at a time, counting: more bytes than the directory declares (or a
    check value that does not match, which is what zipfile reports when it stops at the declared
    size) means the directory lies."""
    seen = 0
    lie = WorkbookProblem(f"工作簿压缩包中的 {part.filename} 解压后与压缩包目录记载的大小（{part.file_size:,} 字节）不符："
                          "文件已损坏或被改动，没有读入")
    try:
        with book.open(part) as stream:
            while chunk := stream.read(CHUNK):
                seen += len(chunk)
                if seen > part.file_size:
                    raise lie
    except zipfile.BadZipFile as exc:
        raise lie from exc


def data_extent(ws: Worksheet) -> tuple[int, int]:
    """The last row and column holding a value (0, 0 for an empty sheet). Cells only formatted, the
    <dimension> Excel declares, and openpyxl's max_row/max_column (which count formatted cells) are
    not the data. A value past `MAX_ROWS`/`MAX_COLUMNS` is refused naming the first such cell."""
    rows = cols = 0
    beyond: tuple[int, int] | None = None
    for (r, c), cell in ws._cells.items():  # the parsed cells only; iter_rows would fill the rectangle
        if cell.value is None or cell.value == "":
            continue
        if r > MAX_ROWS or c > MAX_COLUMNS:
            beyond = min(beyond, (r, c)) if beyond else (r, c)
            continue
        rows, cols = max(rows, r), max(cols, c)
    if beyond:
        r, c = beyond
        raise WorkbookProblem(
            f"单元格有内容（“{' '.join(str(ws.cell(r, c).value).split())[:20]}”），超出了可读入的范围（前 {MAX_ROWS:,} 行、前 {MAX_COLUMNS} 列，"
            f"即 A1:{get_column_letter(MAX_COLUMNS)}{MAX_ROWS}）：多半是误输入的内容，请删除后重新导入",
            f"{ws.title}!{get_column_letter(c)}{r}")
    return rows, cols
