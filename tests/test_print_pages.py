"""The print edition measured page by page as a publisher's editor would (issue 32): every page of
every PDF built from the frozen edition (tests/fixtures/edition, copied), read back with pdfplumber
(see tests/printpages.py for what each measure means)."""

from __future__ import annotations

import re
import shutil
import subprocess
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
from zhinan.pdf import stage, typeset
from zhinan.pipeline.progress import Progress
from zhinan.site import selfcheck

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

EDITION = Path(__file__).parent / "fixtures" / "edition"
SITE = "https://example.org/zhinan/"
DOCUMENT_NUMBER = "示例〔2026〕1号"
PREFACE = "本指南由示例单位编制，供测试使用。"
# What the content cites: standards by number and year, documents by 〔year〕number号, orders by 令第n号.
CITED_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{2,4}(?:/[TZ])? ?\d+(?:\.\d+)*[-—]\d{4}|〔\d{4}〕\d+号|令第\d+号")


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
    guide_yml = root / "guides" / "guide.yml"
    text = guide_yml.read_text(encoding="utf-8").replace("chapters:\n", "chapters:\n  - 00-preface.md\n")
    guide_yml.write_text(text + f"site_url: {SITE}\ndocument_number: {DOCUMENT_NUMBER}\n", encoding="utf-8")
    (root / "guides" / "00-preface.md").write_text(f"# 编制说明\n\n{PREFACE}\n", encoding="utf-8")
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
    # Every page with text carries its number, but the cover and its verso (the 发布信息).
    printed = [p for p in edition.pages["guide.pdf"] if p.body and not p.cover and "发布信息" not in p.body[0].text]
    assert all(p.folio for p in printed), [p.number for p in printed if not p.folio]


def test_at_most_one_page_in_ten_of_the_book_carries_no_content(edition: Edition) -> None:
    pages = edition.pages["guide.pdf"]
    free = content_free(pages)
    assert len(free) * 10 <= len(pages), f"{len(free)} of {len(pages)}: {free}"


def _qr_codes(path: Path, page: int, folder: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    png = folder / f"{path.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path), str(png)],
                   check=True)
    with Image.open(f"{png}.png") as image:
        return sorted(r.text for r in zxingcpp.read_barcodes(image))


def test_qr_codes_decode_to_the_configured_addresses(edition: Edition, tmp_path: Path) -> None:
    assert _qr_codes(edition.pdf / "guide.pdf", 1, tmp_path) == [SITE]
    for name in edition.volumes():
        sector = name.removesuffix(".pdf")
        page, check = f"{SITE}sectors/{sector}/", f"{SITE}sectors/{sector}/self-check/"
        assert _qr_codes(edition.pdf / name, 1, tmp_path) == [page, check], name
        assert _qr_codes(edition.pdf / f"{sector}-form.pdf", 1, tmp_path) == [check], name


def test_the_self_check_address_is_the_sites() -> None:
    assert typeset.SELF_CHECK_PAGE == selfcheck.PAGE


def test_publication_facts_on_the_cover_verso(edition: Edition) -> None:
    guide = load_content(edition.root).guide
    for name in ["guide.pdf", *edition.volumes()]:
        verso = "".join(line.text for line in edition.pages[name][1].body).replace("\u3000", "")
        for fact in (guide.issuer, guide.edition, typeset.cn_date(guide.date), DOCUMENT_NUMBER, SITE):
            assert fact in verso, (name, fact)


def _text(page: Page) -> str:
    return "".join(line.text for line in page.body).replace("\u3000", "").replace(" ", "")


def test_the_preface_comes_before_the_contents(edition: Edition) -> None:
    texts = [_text(p) for p in edition.pages["guide.pdf"]]
    preface = next(i for i, t in enumerate(texts) if t.startswith("编制说明"))
    contents = next(i for i, t in enumerate(texts) if t.startswith("目录"))
    assert 1 < preface < contents and PREFACE in texts[preface]


def test_every_cited_code_and_basis_is_in_the_appendix(edition: Edition) -> None:
    pages = edition.pages["guide.pdf"]
    start = next(i for i, p in enumerate(pages) if _text(p).startswith("附录本指南引用"))
    end = next(i for i, p in enumerate(pages) if p.folio == "1-1")
    # In the order the PDF holds its text (a cell's lines together): pdftotext -raw.
    raw = subprocess.run(["pdftotext", "-raw", "-f", str(start + 1), "-l", str(end), str(edition.pdf / "guide.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    appendix = re.sub(r"\s+", "", raw).replace("—", "-")
    sources = [*(edition.root / "sectors").rglob("*.yml"), *(edition.root / "guides").glob("*.md")]
    codes = {m.group().replace("—", "-").replace(" ", "") for f in sources for m in CITED_CODE.finditer(f.read_text("utf-8"))}
    assert len(codes) >= 8
    assert sorted(c for c in codes if c not in appendix) == []
    content = load_content(edition.root)
    titles = {b.title for sc in content.sectors for b in sc.sector.basis}
    assert sorted(t for t in titles if f"《{t}》".replace(" ", "") not in appendix) == []
