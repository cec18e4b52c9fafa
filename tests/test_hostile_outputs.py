"""Hostile names where they leave the site (issue 35): a sector name that `zhinan check` accepts — at
its 500-character bound, with markup, quotes, an SQL-ish tail, `../`, `&`, commas and semicolons and
right-to-left text — in the PDFs' document information and bookmarks (read back with pikepdf), the
workbook's properties, sheet names, defined names and printed headers (openpyxl, and the header
string as Excel parses it), and the file names of the site's downloads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml
from openpyxl import load_workbook

from conftest import FIXTURES
from zhinan.build import BuildOptions, build
from zhinan.content.textrules import TEXT_MAX
from zhinan.formats.names import NAME_BYTES, published_name
from zhinan.pipeline.progress import Progress

BIN = Path(sys.executable).parent
HOSTILE = '</script "; DROP TABLE x; -- ../../etc/passwd, R&D; &P&N مصنع الكيماويات '
NAME = HOSTILE + "长" * (TEXT_MAX - len(HOSTILE))
"""At the checker's bound for a plain field (`textrules.TEXT_MAX`)."""
SHEETS = ["检查清单", "隐患清单", "整改清单", "汇总", "自评"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile-outputs")
    root = base / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    sector_file = root / "sectors/demo/sector.yml"
    sector = yaml.safe_load(sector_file.read_text(encoding="utf-8"))
    sector.update(name=NAME, department=HOSTILE + "局")
    sector_file.write_text(yaml.safe_dump(sector, allow_unicode=True, sort_keys=False), encoding="utf-8")
    check = subprocess.run([str(BIN / "zhinan"), "check", "--root", str(root)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    out = base / "build"
    build(BuildOptions(root=root, out=out, only=("pdf", "sheets", "site"), jobs=1, progress=Progress(quiet=True)))
    return out


def test_every_download_has_a_name_a_file_system_takes(built: Path) -> None:
    names = sorted(p.name for p in (built / "site" / "downloads").iterdir())
    assert len(names) == 6  # guide.pdf, all.csv and the sector's four
    assert all(len(n.encode()) <= NAME_BYTES for n in names), [len(n.encode()) for n in names]
    assert len(set(names)) == len(names)
    long = [n for n in names if n.startswith("script_DROP")]
    assert len(long) == 4 and all(re.search(r"…[0-9a-f]{8}\.(pdf|xlsx|csv)$", n) for n in long), long


def test_long_names_that_begin_alike_stay_two_names() -> None:
    from zhinan.content.validate import load_content

    guide = load_content(FIXTURES / "minimal").guide
    one, two = published_name(guide, NAME + "甲", ".pdf"), published_name(guide, NAME + "乙", ".pdf")
    assert one != two and len(one.encode()) <= NAME_BYTES and len(two.encode()) <= NAME_BYTES


def _outline(pdf: pikepdf.Pdf) -> list[str]:
    titles: list[str] = []
    with pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop(0)
            titles.append(item.title)
            stack[:0] = list(item.children)
    return titles


def test_pdf_metadata_and_bookmarks_carry_the_name_as_text(built: Path) -> None:
    keyword = NAME.replace(",", "，").replace(";", "；")
    with pikepdf.open(built / "pdf" / "demo-form.pdf") as form:
        info = form.docinfo
        assert str(info["/Title"]) == f"{NAME}安全生产标准化检查表"
        assert str(info["/Subject"]) == f"{NAME}行业安全生产标准化检查表（空白）"
        # one keyword per field, whatever separators the name holds
        assert str(info["/Keywords"]).split(", ") == ["安全生产标准化运行提升指南", keyword, "检查表"]
        assert any(t.startswith(NAME) for t in _outline(form))
    with pikepdf.open(built / "pdf" / "demo.pdf") as volume:
        assert str(volume.docinfo["/Subject"]) == f"{NAME}行业安全生产标准化检查清单和标杆企业典型做法"
        assert str(volume.docinfo["/Keywords"]).split(", ")[1:3] == [keyword, (HOSTILE + "局").replace(",", "，")
                                                                     .replace(";", "；")]
    with pikepdf.open(built / "pdf" / "guide.pdf") as book:
        assert keyword in str(book.docinfo["/Keywords"]).split(", ")
        assert any(NAME in t for t in _outline(book))


def _excel_header(raw: str) -> tuple[str, list[str]]:
    """A header or footer string read as Excel reads it: the printed text and the codes."""
    text, codes, i = [], [], 0
    while i < len(raw):
        if raw[i] != "&":
            text.append(raw[i])
            i += 1
        elif raw[i + 1:i + 2] == "&":
            text.append("&")
            i += 2
        elif raw[i + 1:i + 2] == '"':
            end = raw.index('"', i + 2)
            codes.append(raw[i:end + 1])
            i = end + 1
        elif (size := re.match(r"&\d+ ?", raw[i:])) is not None:
            codes.append(size.group(0).strip())
            i += len(size.group(0))
        else:
            codes.append(raw[i:i + 2])
            i += 2
    return "".join(text), codes


def test_workbook_properties_sheet_names_and_headers(built: Path) -> None:
    book = built / "sheets" / "demo.xlsx"
    wb = load_workbook(book)
    assert wb.sheetnames == SHEETS
    assert wb.properties.title == f"{NAME}三张清单"
    assert all(not n.startswith(("<", "'")) for ws in wb.worksheets for n in ws.defined_names)
    with zipfile.ZipFile(book) as z:
        for number, title in enumerate(SHEETS, 1):
            xml = z.read(f"xl/worksheets/sheet{number}.xml").decode()
            found = re.search(r"<oddHeader>(.*?)</oddHeader>", xml)
            assert found is not None
            raw = found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            raw = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), raw)
            assert len(raw) <= 255, (title, len(raw))  # Excel's bound for a header
            text, codes = _excel_header(raw)
            assert codes == ["&C", '&"Noto Sans CJK SC,Regular"', "&10"], codes
            assert text.endswith(f"…{title}") and NAME.startswith(text[:-len(title) - 1]), text
