"""Every page's furniture, not one page's: on every page of guide.pdf the running head names the
part the page is in (the common chapter, or the 分册) and the folio is the page's own number, and
on every page of every blank form the footer counts 第 n 页 共 N 页 with N the form's length.

The parts are read from the PDF's own outline (pypdf), the heads and folios from each page's
margins (pdfplumber): two readings of the same book that must agree on every page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from zhinan.build import BuildOptions
from zhinan.content.validate import load_content
from zhinan.pdf import fonts, stage
from zhinan.pipeline.progress import Progress

FIXTURE = Path(__file__).parent / "fixtures" / "pdf"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("furniture")
    stage.build(load_content(FIXTURE), BuildOptions(root=FIXTURE, out=out, only=("pdf",), jobs=1,
                                                    progress=Progress(quiet=True)))
    return out / "pdf"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _parts(reader: PdfReader) -> list[tuple[int, str]]:
    """(first page index, title) of every top-level outline entry, in page order."""
    parts = []
    for entry in reader.outline:
        if isinstance(entry, list):
            continue
        parts.append((reader.get_destination_page_number(entry), squash(entry.title)))
    return sorted(parts)


@pytest.mark.slow
def test_every_page_of_the_guide_is_headed_by_its_part_and_numbered_by_its_folio(pdfs: Path) -> None:
    path = pdfs / fonts.GUIDE_FILE
    reader = PdfReader(path)
    parts = _parts(reader)
    assert len(parts) >= 3, parts
    headed = 0
    prefixes: dict[str, set[str]] = {}
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            part = [title for first, title in parts if first <= index][-1:] or [""]
            # The head sits on the rule just above the 24 mm top margin (its glyphs reach 18.7 mm):
            # a crop that stops at 18 mm read no head at all, and every head passed.
            head = squash(page.crop((page.width / 2, 0, page.width, 23 * MM)).extract_text())
            foot = squash(page.crop((0, page.height - 18 * MM, page.width, page.height)).extract_text())
            if not head and not foot:
                continue  # covers and blank versos carry no furniture
            headed += 1  # a numbered page is headed by its part, the first pages of the book included
            # An empty head is no head ("" is in every title). The 目录 is headed by the book (合订本).
            if part[0] == "目录":
                part = ["合订本"]
            assert part[0] and head and (head in part[0] or part[0] in head), \
                f"第 {index + 1} 页的页眉“{head}”，应为所在部分“{part[0]}”"
            # One numbering in the book: a 分册's pages print its number first ("— 3-5 —").
            folio = re.fullmatch(r"—((?:\d+-)?\d+)—", foot)
            assert folio, f"第 {index + 1} 页的页脚“{foot}”"
            # The page label (what a viewer shows and the 目录 names) is the printed folio.
            label = reader.page_labels[index]
            assert folio.group(1) == label, f"第 {index + 1} 页印的页码 {folio.group(1)}，页面标签 {label}"
            prefixes.setdefault(part[0], set()).add(label.rpartition("-")[0])
    # Each part numbers its pages with one prefix (a 分册 its own number, the rest none), no two alike.
    assert all(len(p) == 1 for p in prefixes.values()), prefixes
    numbered = [p for (p,) in prefixes.values() if p]
    assert numbered and len(set(numbered)) == len(numbered), prefixes
    assert headed >= len(parts)


@pytest.mark.slow
def test_every_page_of_every_blank_form_counts_the_forms_own_pages(pdfs: Path) -> None:
    forms = sorted(pdfs.glob("*-form.pdf"))
    assert forms
    for path in forms:
        with pdfplumber.open(path) as pdf:
            total = len(pdf.pages)
            for n, page in enumerate(pdf.pages, 1):
                assert f"第{n}页共{total}页" in squash(page.extract_text()), f"{path.name} 第 {n} 页"
