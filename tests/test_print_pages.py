"""The print edition measured page by page as a publisher's editor would (issue 32): every page of
every PDF built from the frozen edition (tests/fixtures/edition, copied), read back with pdfplumber
(see tests/printpages.py for what each measure means)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from printpages import (
    Page,
    content_free,
    flush_share,
    full_cjk_lines,
    id_overruns,
    read_pages,
    stranded_headings,
    underfull_pages,
)
from zhinan.build import BuildOptions
from zhinan.content.validate import load_content
from zhinan.pdf import stage
from zhinan.pipeline.progress import Progress

EDITION = Path(__file__).parent / "fixtures" / "edition"


@dataclass
class Edition:
    root: Path
    pdf: Path
    pages: dict[str, list[Page]]

    def volumes(self) -> list[str]:
        return sorted(n for n in self.pages if n != "guide.pdf" and not n.endswith("-form.pdf"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    root = tmp_path_factory.mktemp("edition") / "content"
    shutil.copytree(EDITION, root)
    out = root.parent / "out"
    opts = BuildOptions(root=root, out=out, only=("pdf",), progress=Progress(quiet=True), jobs=1)
    stage.build(load_content(root), opts)
    pdf = out / "pdf"
    return Edition(root, pdf, {p.name: read_pages(p) for p in sorted(pdf.glob("*.pdf"))})


def test_every_pdf_measured(edition: Edition) -> None:
    sectors = {p.name for p in (edition.root / "sectors").iterdir() if p.is_dir()}
    assert set(edition.pages) == {"guide.pdf"} | {f"{s}.pdf" for s in sectors} | {f"{s}-form.pdf" for s in sectors}


def test_no_heading_is_the_last_thing_on_its_page(edition: Edition) -> None:
    found = [x for name, pages in edition.pages.items() for x in stranded_headings(pages, name)]
    assert found == []


def test_no_page_inside_a_part_is_less_than_half_full(edition: Edition) -> None:
    found = [x for name, pages in edition.pages.items() for x in underfull_pages(pages, name)]
    assert found == []


def test_ids_fit_their_cells_in_every_sector(edition: Edition) -> None:
    checked = {name for name in edition.pages if name != "guide.pdf"}
    found = [x for name in sorted(checked) for x in id_overruns(edition.pages[name], name)]
    assert found == []


def test_full_chinese_lines_end_flush_with_the_right_margin(edition: Edition) -> None:
    for name in ["guide.pdf", *edition.volumes()]:
        lines = list(full_cjk_lines(edition.pages[name]))
        assert len(lines) > 20, name
        share = flush_share(lines)
        short = [f"p{ln.page} {ln.short:.1f} pt: {ln.text[:20]}" for ln in lines if ln.short > 1][:10]
        assert share >= 0.95, f"{name}: {share:.0%} of {len(lines)} full lines flush; {short}"


def test_printed_folios_are_unique_in_the_bound_book(edition: Edition) -> None:
    folios = [p.folio for p in edition.pages["guide.pdf"] if p.folio is not None]
    repeated = sorted({f for f in folios if folios.count(f) > 1})
    assert repeated == []
    printed = [p for p in edition.pages["guide.pdf"] if p.body and not p.cover]
    assert all(p.folio for p in printed), [p.number for p in printed if not p.folio]


def test_at_most_one_page_in_ten_of_the_book_carries_no_content(edition: Edition) -> None:
    pages = edition.pages["guide.pdf"]
    free = content_free(pages)
    assert len(free) * 10 <= len(pages), f"{len(free)} of {len(pages)}: {free}"
