"""Print stage: the PDF volumes, checked with real PDF tools (poppler's pdftotext/pdffonts, pypdf, pdfplumber).

The fixture content is built once per session (twice, for the reproducibility check) and every test
reads those files; checks are driven by the content, not by hand-written lists.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from zhinan.build import BuildOptions
from zhinan.cli import main
from zhinan.content.model import ASPECTS, Content, SectorContent, public_fields
from zhinan.content.validate import load_content
from zhinan.formats import record
from zhinan.formats.record import Finding, Rectification
from zhinan.pdf import bind, fonts, jobs, render, stage, typeset
from zhinan.pipeline.progress import Progress

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

FIXTURE = Path(__file__).parent / "fixtures" / "pdf"
CLOSING = set("，。、；：？！）」』》〉】〕”’…·")
A4_TEXT_WIDTH_PT = (210 - 2 * 20) / 25.4 * 72


@dataclass
class Built:
    content: Content
    out: Path
    again: Path
    result: dict[str, Any]

    def path(self, name: str) -> Path:
        return self.out / "pdf" / name


def _build(root: Path, out: Path, **kw: Any) -> dict[str, Any]:
    opts = BuildOptions(root=root, out=out, only=("pdf",), progress=Progress(quiet=True), **kw)
    return stage.build(load_content(root), opts)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("pdf-out")
    again = tmp_path_factory.mktemp("pdf-again")
    result = _build(FIXTURE, out, jobs=2)
    _build(FIXTURE, again, jobs=1)
    return Built(load_content(FIXTURE), out, again, result)


def squash(text: str) -> str:
    """CJK text extracted across line and cell breaks: whitespace carries no meaning."""
    return re.sub(r"\s+", "", text)


def page_texts(path: Path, layout: bool = False) -> list[str]:
    args = ["pdftotext", "-layout" if layout else "-raw", str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def sector_pdfs(b: Built) -> list[tuple[SectorContent, Path]]:
    return [(sc, b.path(f"{sc.id}.pdf")) for sc in b.content.sectors]


def test_every_output_written(built: Built) -> None:
    names = sorted(f["file"] for f in built.result["files"])
    expected = sorted([fonts.GUIDE_FILE, *(f"{sc.id}{s}.pdf" for sc in built.content.sectors for s in ("", "-form"))])
    assert names == expected
    assert sorted(p.name for p in (built.out / "pdf").iterdir()) == expected  # no temporary files left
    assert all(f["pages"] > 0 and f["bytes"] > 0 for f in built.result["files"])


def test_no_weasyprint_warnings(built: Built) -> None:
    assert built.result["warnings"] == []


@pytest.mark.parametrize("volume", ["sector", "guide"])
def test_text_of_every_item_hazard_and_enterprise(built: Built, volume: str) -> None:
    for sc, path in sector_pdfs(built):
        text = squash("".join(page_texts(path if volume == "sector" else built.path(fonts.GUIDE_FILE))))
        expected = [sc.sector.name, *(e.name for e in sc.enterprises)]
        for it in sc.items:
            expected += [it.id, it.item, it.content, *(h.text for h in it.hazards)]
        missing = [s for s in expected if squash(s) not in text]
        assert missing == [], f"{path.name}: 提取的文字缺少 {missing[:3]}"


def test_common_chapters_in_guide(built: Built) -> None:
    text = squash("".join(page_texts(built.path(fonts.GUIDE_FILE))))
    chapters = [*built.content.chapters, *([built.content.changes] if built.content.changes else [])]
    for ch in chapters:
        for line in ch.markdown.splitlines():
            plain = line.lstrip("#- ").strip()
            if plain:
                assert squash(plain) in text, plain


def _printed_number(page: str) -> str | None:
    """The folio printed at the foot of a page: “7” in the front matter, “3-5” in the 3rd 分册."""
    lines = [line for line in page.splitlines() if line.strip()]
    found = re.findall(r"—\s*(\d+(?:-\d+)?)\s*—", lines[-1]) if lines else []
    return found[-1] if found else None


TOC_LINE = re.compile(r"^\s*(?P<title>\S.*?)\s*\.{3,}\s*(?P<page>\d+(?:-\d+)?)\s*$")


def _volume_of(title: str, volumes: set[str]) -> str | None:
    """The 分册 a 目录 line names (“第3分册　工贸分册”), if it is a 分册's line."""
    return next((v for v in volumes if squash(title).endswith(v)), None)


def toc_entries(pages: list[str], volumes: set[str]) -> list[tuple[str | None, str, str]]:
    """(分册 or None for the front matter, title, printed page) for every 目录 line with a number."""
    first = next(i for i, p in enumerate(pages) if any(TOC_LINE.match(line) for line in p.splitlines()))
    entries: list[tuple[str | None, str, str]] = []
    group: str | None = None
    for page in pages[first:]:
        lines = page.splitlines()
        if not any(TOC_LINE.match(line) for line in lines):
            break
        for line in lines:
            m = TOC_LINE.match(line)
            if m and _volume_of(m.group("title"), volumes):
                group = _volume_of(m.group("title"), volumes)  # a 分册's line: its first page (tested below)
            elif m:
                entries.append((group, squash(m.group("title")), m.group("page")))
    return entries


def _check_toc(pages: list[str], labels: list[str], volumes: set[str]) -> int:
    entries = toc_entries(pages, volumes)
    for group, title, number in entries:
        assert number in labels, f"目录“{title}”的页码 {number} 不存在"
        page = pages[labels.index(number)]
        assert _printed_number(page) == number, f"{number} 页脚印的不是 {number}"
        assert title in squash(page), f"目录“{title}”标的第 {number} 页上没有这个标题"
        assert group is None or "-" in number
    return len(entries)


def test_toc_numbers_are_real_pages_in_guide(built: Built) -> None:
    """The book has one numbering: front-matter entries carry the front's numbers, the entries under
    a 分册 its number and page (“3-5”), as printed in the footers. guide.pdf's page labels say the
    same, which is how a page is found here: the page must print that number and hold that heading."""
    path = built.path(fonts.GUIDE_FILE)
    volumes = {typeset.volume_title(sc) for sc in built.content.sectors}
    pages = page_texts(path, layout=True)
    n = _check_toc(pages, list(PdfReader(path).page_labels), volumes)
    expected = sum(len(typeset.sector_toc(sc)) for sc in built.content.sectors) + len(built.content.chapters)
    assert n >= expected


def test_toc_numbers_are_real_pages_in_sector_volumes(built: Built) -> None:
    for sc, path in sector_pdfs(built):
        pages = page_texts(path, layout=True)
        n = _check_toc(pages, [_printed_number(p) or "" for p in pages], {typeset.volume_title(sc)})
        assert n == len(typeset.sector_toc(sc))


def _outline(reader: PdfReader, items: list[Any] | None = None, parent: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    last = parent
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += _outline(reader, item, last)
        else:
            last = str(item.title)
            out.append((parent, last))
    return out


def test_bookmarks_for_every_chapter_sector_and_aspect(built: Built) -> None:
    marks = _outline(PdfReader(built.path(fonts.GUIDE_FILE)))
    titles = {t for _, t in marks}
    assert {ch.title for ch in built.content.chapters} <= titles
    for sc in built.content.sectors:
        vt = typeset.volume_title(sc)
        assert ("", vt) in marks
        children = {t for p, t in marks if p == vt}
        assert {"行业概述", "检查清单", "标杆企业典型做法"} <= children
        own = {t for _, t in _outline(PdfReader(built.path(f"{sc.id}.pdf")))}
        assert {e.title for e in typeset.sector_toc(sc)} <= own
        assert {a for a, _ in typeset.aspects_of(sc)} <= {t.split("、", 1)[-1] for t in own}



def test_each_volume_bookmark_opens_its_first_page_and_is_shown_closed(built: Built) -> None:
    """A city's book has some fifty 分册: the outline shows the chapters and one closed entry per 分册,
    which opens the 分册's first page in the book (its 行业概述: its cover and 目录 are not bound)."""
    reader = PdfReader(built.path(fonts.GUIDE_FILE))
    labels = list(reader.page_labels)
    top = {str(item.title): item for item in reader.outline if not isinstance(item, list)}
    for sc in built.content.sectors:
        item = top[typeset.volume_title(sc)]
        assert labels[reader.get_destination_page_number(item)] == f"{jobs.volume_number(built.content, sc)}-1"
        assert int(item["/Count"]) < 0, "分册书签应默认收起"
    with pikepdf.open(built.path(fonts.GUIDE_FILE)) as book:
        assert int(book.Root.Outlines.Count) == len(top) + sum(max(0, int(i.get("/Count", 0))) for i in top.values())


def test_links_of_bound_volumes_stay_in_their_volume(built: Built) -> None:
    reader = PdfReader(built.path(fonts.GUIDE_FILE))
    labels = list(reader.page_labels)
    dests = reader.named_destinations
    for sc in built.content.sectors:
        own = {i for i, label in enumerate(labels) if label.startswith(f"{jobs.volume_number(built.content, sc)}-")}
        names = {e.anchor for e in typeset.sector_toc(sc)}
        assert names <= set(dests)
        assert {reader.get_destination_page_number(dests[n]) for n in names} <= own
        # The pages left out of the book (the 分册's cover and 目录) take their destinations with them.
        assert typeset.anchor(sc, "toc") not in dests


def test_guide_binds_every_part(built: Built) -> None:
    guide = len(PdfReader(built.path(fonts.GUIDE_FILE)).pages)
    parts = sum(count for _, _, _, count in _bound_parts(built)[1:])
    assert guide >= parts + len(built.content.chapters) + 2  # + cover and 目录


def _pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def test_fonts_embedded_subset_and_simplified_chinese(built: Built) -> None:
    """The fixture's SVG has <text> with no font family: the stylesheet does not reach it, so only
    the print fontconfig configuration keeps it out of the JP face fontconfig would pick."""
    for path in sorted((built.out / "pdf").glob("*.pdf")):
        rows = _pdffonts(path)
        assert rows, path.name
        for row in rows:
            emb, sub, uni = row[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), f"{path.name}: {row}"
            assert not re.search(r"CJK-(JP|KR|TC|HK)", row[0]), f"{path.name} 用了非简体中文字形：{row[0]}"
            assert "CJK-SC" in row[0], f"{path.name} 用了非简体中文字形：{row[0]}"


def _font_programs(path: Path) -> dict[str, list[int]]:
    """Face (its name without the subset tag) → the object number of every font program embedded for it."""
    found: dict[str, set[int]] = {}
    with pikepdf.open(path) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                face = re.sub(r"^/[A-Z]{6}\+", "", str(obj.FontName))
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        found.setdefault(face, set()).add(obj[key].objgen[0])
    return {face: sorted(numbers) for face, numbers in found.items()}


def _bound_parts(built: Built) -> list[tuple[Path, int, int, int]]:
    """Each part bound into guide.pdf (its front matter, then each 分册): the index of its first page
    there, found by guide.pdf's page labels (“1”, “3-1”), the index of the first page of the part
    that is bound (a 分册's 行业概述: its cover and 目录 are left out) and how many are."""
    labels = list(PdfReader(built.path(fonts.GUIDE_FILE)).page_labels)
    front = built.out / ".cache" / ".guide-front.pdf"
    parts = [(front, labels.index("1"), 0, len(PdfReader(front).pages))]
    for sc, path in sector_pdfs(built):
        reader = PdfReader(path)
        skip = reader.get_destination_page_number(reader.named_destinations[typeset.anchor(sc, "overview")])
        parts.append((path, labels.index(f"{jobs.volume_number(built.content, sc)}-1"), skip, len(reader.pages) - skip))
    return parts


def test_guide_embeds_each_face_once(built: Built) -> None:
    """Every part embeds its own subset of each face it uses, under the same subset name; bound as
    they are, guide.pdf would carry each face once per part (one name, different glyph sets)."""
    guide = built.path(fonts.GUIDE_FILE)
    in_parts = [_font_programs(path) for path, _, _, _ in _bound_parts(built)]
    faces = {face for programs in in_parts for face in programs}
    assert max(sum(face in programs for programs in in_parts) for face in faces) >= 2  # something to share
    programs = _font_programs(guide)
    assert set(programs) == faces
    assert all(len(numbers) == 1 for numbers in programs.values()), programs
    names = [row[0] for row in _pdffonts(guide)]
    assert len(names) == len(set(names)) == len(faces), names  # pdffonts: each face one font, one subset name


def _word_boxes(path: Path, first: int, count: int) -> list[bytes]:
    args = ["pdftotext", "-bbox", "-f", str(first + 1), "-l", str(first + count), str(path), "-"]
    return re.findall(rb"<word .*", subprocess.run(args, capture_output=True, check=True).stdout)


def _rasters(path: Path, first: int, count: int, folder: Path) -> list[bytes]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", str(first + 1), "-l", str(first + count), str(path),
                    str(folder / "p")], check=True)
    return [page.read_bytes() for page in sorted(folder.iterdir())]


def test_bound_pages_keep_the_parts_text_widths_and_glyphs(built: Built, tmp_path: Path) -> None:
    """With one font program per face, every page of guide.pdf still reads (pdftotext, with each
    word's box, which follows from the glyph widths) and looks (pdftoppm, pixel for pixel) as the
    same page of the part it was bound from: no glyph lost from the merged subset, no width or
    ToUnicode entry changed."""
    guide = built.path(fonts.GUIDE_FILE)
    for n, (path, first, skip, count) in enumerate(_bound_parts(built)):
        assert _word_boxes(guide, first, count) == _word_boxes(path, skip, count), path.name
        own, bound = _rasters(path, skip, count, tmp_path / f"{n}-part"), _rasters(guide, first, count, tmp_path / f"{n}")
        assert len(own) == len(bound) == count
        differ = [i + 1 for i, (a, b) in enumerate(zip(own, bound, strict=True)) if a != b]
        assert differ == [], f"{path.name} 的这些页在合订本中与分册里的样子不同：{differ}"


def test_a_face_not_found_again_keeps_a_copy_per_part_and_says_so(built: Built, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Binding subsets each face again from the installed font the parts were set in; where fontconfig
    finds it no more (here: a configuration with no fonts), guide.pdf keeps every part's own copy,
    reads as before, and the build says which face and why."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    bound = _bound_parts(built)
    parts = [path for path, _, _, _ in bound]
    volumes = [(typeset.volume_title(sc), path, skip, f"{jobs.volume_number(built.content, sc)}-")
               for (sc, path), (_, _, skip, _) in zip(sector_pdfs(built), bound[1:], strict=True)]
    data, _, notes = bind.bind(parts[0], volumes, typeset.metadata(built.content.guide, "合订本", "", []), pdfa=False)
    (tmp_path / "guide.pdf").write_bytes(data)
    in_parts = [_font_programs(path) for path in parts]
    copies = {face: len(numbers) for face, numbers in _font_programs(tmp_path / "guide.pdf").items()}
    assert copies == {face: sum(face in programs for programs in in_parts) for face in copies}
    unshared = sorted(face for face, n in copies.items() if n > 1)
    assert unshared and [re.search(r"字体 (\S+) 未能合并为一份（系统中找不到", n)[1] for n in notes] == unshared, notes
    assert page_texts(tmp_path / "guide.pdf") == page_texts(built.path(fonts.GUIDE_FILE))


def test_part_fonts_that_disagree_on_a_glyph_keep_their_own_font_dictionary() -> None:
    """One font program for the face, but a glyph that stands for different text (or has another width)
    in two parts cannot share one ToUnicode map or /W array: those parts get a font dictionary each."""
    a = fonts._PartFont(None, {10: 1000, 11: 500}, {10: "一", 11: "1"})
    b = fonts._PartFont(None, {10: 1000, 12: 500}, {10: "一", 12: "2"})  # agrees with a
    c = fonts._PartFont(None, {10: 1000}, {10: "⼀"})  # the radical, drawn with the same glyph as 一
    d = fonts._PartFont(None, {11: 600}, {11: "1"})  # another width
    assert fonts._clusters([a, b, c, d]) == [[a, b], [c, d]]


def test_svg_text_without_a_font_family_is_set_in_sc(built: Built) -> None:
    svg = FIXTURE / "sectors" / "chem-demo" / "images" / "risk-map.svg"
    assert "<text" in svg.read_text(encoding="utf-8") and "font-family" not in svg.read_text(encoding="utf-8")
    with pdfplumber.open(built.path("chem-demo.pdf")) as doc:
        fonts = {ch["fontname"] for page in doc.pages for ch in page.chars if ch["text"] in "罐区重大风险"}
    assert fonts and all("CJK-SC" in f for f in fonts), fonts


def test_a_japanese_face_fails_the_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = '<html lang="ja"><body><p style="font-family: \'Noto Sans CJK JP\'">检查：罐区</p></body></html>'
    monkeypatch.setattr(render, "render_html", lambda job: html)
    job = render.Job("x", "pdf/volume.html", {}, tmp_path.as_uri() + "/", tmp_path / "x.pdf", False)
    with pytest.raises(fonts.PdfError, match="Noto Sans CJK JP"):
        render.render(job)
    assert not (tmp_path / "x.pdf").exists()


def test_no_line_starts_with_closing_punctuation(built: Built) -> None:
    for path in sorted((built.out / "pdf").glob("*.pdf")):
        with pdfplumber.open(path) as doc:
            for page in doc.pages:
                prev_top = None
                for ch in page.chars:
                    new_line = prev_top is None or abs(ch["top"] - prev_top) > 2
                    assert not (new_line and ch["text"] in CLOSING), f"{path.name} 第 {page.page_number} 页有行首标点“{ch['text']}”"
                    prev_top = ch["top"]


def test_checklist_header_repeats_and_rows_do_not_split(built: Built) -> None:
    for sc, path in sector_pdfs(built):
        pages = [squash(p) for p in page_texts(path)]
        for it in sc.items:
            holding = [i for i, p in enumerate(pages) if squash(it.content) in p]
            assert len(holding) == 1, f"{it.id} 的检查内容没有完整地出现在同一页上"
            assert "典型隐患及整改要求" in pages[holding[0]], f"{it.id} 所在页没有表头"


def test_images_scaled_to_text_width_with_caption(built: Built) -> None:
    for sc, path in sector_pdfs(built):
        captions = [img.caption for e in sc.enterprises for p in e.practices for img in p.images if img.src.endswith(".png")]
        with pdfplumber.open(path) as doc:
            widths = [im["x1"] - im["x0"] for page in doc.pages for im in page.images]
            text = squash("".join(page.extract_text() for page in doc.pages))
        assert len([w for w in widths if abs(w - A4_TEXT_WIDTH_PT) < 1]) == len(captions)
        assert all(squash(c) in text for c in captions)


def test_metadata(built: Built) -> None:
    guide = built.content.guide
    date = bind.pdf_date(typeset.build_date(guide).isoformat())
    for path in sorted((built.out / "pdf").glob("*.pdf")):
        reader = PdfReader(path)
        meta = reader.metadata
        assert meta is not None
        assert meta.get("/Author") == guide.issuer
        assert meta.get("/Title") and meta.get("/Subject") and meta.get("/Keywords")
        assert guide.title in str(meta.get("/Keywords"))
        assert str(meta.get("/CreationDate")).startswith(date[:16])
        assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
        assert "/ID" in reader.trailer


def test_two_builds_are_byte_identical(built: Built) -> None:
    first = sorted((built.out / "pdf").glob("*.pdf"))
    assert [p.name for p in first] == sorted(p.name for p in (built.again / "pdf").glob("*.pdf"))
    differ = [p.name for p in first if p.read_bytes() != (built.again / "pdf" / p.name).read_bytes()]
    assert differ == []


def _form_facts(sector: str) -> tuple[list[str], set[str]]:
    """From the fixture's YAML itself: the item ids in print order (by aspect), and those with a 重大 hazard."""
    data = yaml.safe_load((FIXTURE / "sectors" / sector / "checklist.yml").read_text(encoding="utf-8"))
    order = [it["id"] for a in ASPECTS for it in data["items"] if it["aspect"] == a]
    major = {it["id"] for it in data["items"] if any(h["level"] == "重大" for h in it.get("hazards") or [])}
    return order, major


def test_inspection_form(built: Built) -> None:
    for sc in built.content.sectors:
        path = built.path(f"{sc.id}-form.pdf")
        pages = [squash(p) for p in page_texts(path)]
        text = "".join(pages)
        for label in ("被检查单位", "检查日期", "检查人员", "检查类型", "符合", "不符合", "不涉及", "备注", "（签字）"):
            assert label in text
        assert [it.id for it in sc.items if text.count(it.id) != 1] == []
        # □ is the answer box: three per item, three kinds of inspection, 一般/重大 on each record row,
        # one per level the 自评 page's 拟申请等级 offers.
        assert text.count("□") == 3 * len(sc.items) + 3 + 2 * record.FORM_ROWS + len(record.APPLIED_LEVELS)
        order, major = _form_facts(sc.id)
        assert major, "the fixture has 重大 hazards"
        assert [i for i in order if (f"★{i}" in text) != (i in major)] == []
        assert text.count("★") == len(major) + 1  # and once in the legend, on page 1
        assert pages[0].count("★") == 1 + sum(f"★{i}" in pages[0] for i in major)
        # Every page counts the pages and names the edition; every page after the first, where the
        # enterprise is asked for once in the form's head, names the enterprise.
        guide = built.content.guide
        assert all(f"第{n}页共{len(pages)}页" in p and squash(guide.edition) in p for n, p in enumerate(pages, 1))
        assert all("被检查单位：_____" in p for p in pages[1:]) and pages[0].count("被检查单位：") == 1
        # The signatures are on the page of the last item row, and the record follows with its columns.
        last = next(n for n, p in enumerate(pages) if order[-1] in p)
        assert "被检查单位负责人（签字）" in pages[last] and "（签字）" not in "".join(pages[:last])
        # Then the 自评 page (record v2), then the 隐患 and 整改 sheets.
        self_assessment, *record_pages = pages[last + 1:]
        assert self_assessment.startswith("自评信息") or "自评信息" in self_assessment[:60], self_assessment[:60]
        assert len(record_pages) == 2
        for page, rec in zip(record_pages, (Finding, Rectification), strict=True):
            titles = [str(f.metadata["title"]) for f in public_fields(rec)]
            assert squash("".join(titles)) in page, rec
            assert [f"YH-{n:03d}" in page for n in range(1, record.FORM_ROWS + 1)] == [True] * record.FORM_ROWS


def test_form_rows_to_write_in_and_a_signature_line_that_does_not_wrap(built: Built) -> None:
    mm = 72 / 25.4
    for sc in built.content.sectors:
        signed = 0
        with pdfplumber.open(built.path(f"{sc.id}-form.pdf")) as doc:
            for page in doc.pages:
                words = page.extract_words()
                ys = [w["top"] for w in words if re.fullmatch(r"YH-\d{3}", w["text"])]
                if ys:
                    assert len(ys) == record.FORM_ROWS and page.width > page.height  # landscape
                    assert min(b - a for a, b in itertools.pairwise(ys)) >= 10 * mm - 0.05
                signer = [w for w in words if "被检查单位负责人（签字）" in w["text"]]
                for w in signer:
                    # The line to sign on starts where the label ends, on the same baseline.
                    lines = [e for e in page.horizontal_edges if abs(e["x0"] - w["x1"]) < 3 and
                             w["top"] < e["top"] < w["bottom"] + 4 and e["width"] >= 30 * mm]
                    assert lines, sc.id
                    signed += 1
        assert signed == 1, sc.id


def test_missing_cjk_font_stops_with_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    result = CliRunner().invoke(main, ["build", "--root", str(FIXTURE), "--out", str(tmp_path / "out"), "--only", "pdf", "-q"])
    assert result.exit_code != 0
    assert "fonts-noto-cjk" in result.output
    assert not (tmp_path / "out" / "pdf").exists()


def test_unknown_sector_is_refused(tmp_path: Path) -> None:
    with pytest.raises(fonts.PdfError, match="未知的行业编号"):
        _build(FIXTURE, tmp_path, sectors=("no-such-sector",))


def _good_copy(built: Built, tmp_path: Path) -> tuple[Path, Path, bytes]:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    sc = built.content.sectors[0]
    good = built.path(f"{sc.id}.pdf").read_bytes()
    target = tmp_path / "out" / "pdf" / f"{sc.id}.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes(good)
    return root, target, good


def test_failed_rendering_keeps_the_good_pdf(built: Built, tmp_path: Path) -> None:
    root, target, good = _good_copy(built, tmp_path)
    sc = built.content.sectors[0]
    images = [img.src for e in sc.enterprises for p in e.practices for img in p.images]
    assert images, "fixture sector needs an image"
    content = load_content(root)  # checked while the image was good: the check opens every image
    for src in images:
        # Broken after the check, as a disk error or a concurrent edit would leave it.
        if src.endswith(".png"):
            (root / "sectors" / sc.id / src).write_bytes(b"\x89PNG\r\n\x1a\nnot an image")
    opts = BuildOptions(root=root, out=tmp_path / "out", only=("pdf",), progress=Progress(quiet=True),
                        sectors=(sc.id,), jobs=2)
    with pytest.raises(fonts.PdfError, match="出错"):
        stage.build(content, opts)
    assert target.read_bytes() == good
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_invalid_content_keeps_the_good_pdf(built: Built, tmp_path: Path) -> None:
    root, target, good = _good_copy(built, tmp_path)
    sector_yml = root / "sectors" / built.content.sectors[0].id / "sector.yml"
    sector_yml.write_text(sector_yml.read_text(encoding="utf-8").replace("key: true", "key: 也许"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(tmp_path / "out"), "--only", "pdf", "-q"])
    assert result.exit_code == 1
    assert "sector.yml" in result.output
    assert target.read_bytes() == good


def test_pdfa_variant(built: Built, tmp_path: Path) -> None:
    sc = min(built.content.sectors, key=lambda s: len(s.items))
    _build(FIXTURE, tmp_path, sectors=(sc.id,), pdfa=True, jobs=1)
    # A sector filter builds that sector's volume and form only: no combined volume.
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"{sc.id}-form.pdf", f"{sc.id}.pdf"]
    reader = PdfReader(tmp_path / "pdf" / f"{sc.id}.pdf")
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)U', xmp), xmp


def test_pdfa_guide_is_bound_with_its_xmp_and_one_copy_of_each_face(tmp_path: Path) -> None:
    """The archival 合订本: the front's XMP (pdfaid 3u) and sRGB output intent carried over as PDF
    objects qpdf can read (a stream inside the catalogue is none), and each face embedded once."""
    _build(FIXTURE, tmp_path, pdfa=True, jobs=2)
    guide = tmp_path / "pdf" / fonts.GUIDE_FILE
    with pikepdf.open(guide) as doc:
        assert doc.Root.Metadata.is_indirect
        assert doc.open_metadata().pdfa_status == "3U"
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
    assert all(len(numbers) == 1 for numbers in _font_programs(guide).values())
    text = squash("".join(page_texts(guide)))
    assert all(squash(sc.sector.name) in text for sc in load_content(FIXTURE).sectors)


def test_closing_punctuation_is_pushed_to_the_previous_line() -> None:
    """A box exactly five characters wide: “，” and “）” would start lines two and four if the
    engine broke lines naively; Pango's UAX #14 rules carry the preceding character down instead.
    (WeasyPrint has no CSS `line-break` property; this is the behaviour we rely on.)"""
    import io

    from weasyprint import HTML

    text = "一二三四五，六七八九十。一二三四五）六七"
    html = f'<html lang="zh-CN"><body style="margin:0"><p style="width:5em;font:20px \'Noto Serif CJK SC\'">{text}</p></body></html>'
    with pdfplumber.open(io.BytesIO(HTML(string=html).write_pdf())) as doc:
        lines = doc.pages[0].extract_text().splitlines()
    assert "".join(lines) == text
    assert len(lines) > 3
    assert [line for line in lines if line[0] in CLOSING] == []


def test_markdown_lines_of_a_chinese_paragraph_join_without_a_space() -> None:
    content = load_content(FIXTURE)
    texts = [sc.sector.summary for sc in content.sectors] + [ch.markdown for ch in content.chapters]
    assert any(re.search(r"[。，]\n\w", t) for t in texts), "fixture needs a paragraph written over several lines"
    for text in texts:
        html = str(typeset.md_filter(text))
        assert not re.search(r"[\u4e00-\u9fff。，；：）]\s+[\u4e00-\u9fff（]", html), html


PUNCT_CLOSING = "，。、；：？！）」』》〉】〕”’"
PUNCT_OPENING = "（「『《〈【〔“‘"


def _lines_of_chars(page: Any) -> list[list[dict[str, Any]]]:
    """Characters in content order, cut where the baseline or the column changes."""
    lines: list[list[dict[str, Any]]] = []
    for ch in page.chars:
        prev = lines[-1][-1] if lines else None
        if prev is None or abs(ch["top"] - prev["top"]) > 1 or not 0 <= ch["x0"] - prev["x0"] < 2 * prev["size"]:
            lines.append([ch])
        else:
            lines[-1].append(ch)
    return lines


def test_adjacent_punctuation_is_compressed(built: Built) -> None:
    """Of two punctuation marks side by side (”。 ）。 ）” …), the first takes half an em, not a full
    one: measured from where each glyph is drawn."""
    advances: list[tuple[str, float]] = []
    for _, path in sector_pdfs(built):
        with pdfplumber.open(path) as doc:
            for page in doc.pages:
                for line in _lines_of_chars(page):
                    for a, b in itertools.pairwise(line):
                        if a["text"] in PUNCT_CLOSING and b["text"] in PUNCT_CLOSING + PUNCT_OPENING:
                            advances.append((a["text"] + b["text"], (b["x0"] - a["x0"]) / a["size"]))
    assert len(advances) >= 5, advances
    assert [(pair, em) for pair, em in advances if not 0.4 < em < 0.6] == []


def test_type_sizes(built: Built) -> None:
    """Checklist text at 9 pt or more; nothing (the secondary columns, tags) below 8 pt."""
    for sc, path in sector_pdfs(built):
        with pdfplumber.open(path) as doc:
            sizes = [round(ch["size"], 1) for page in doc.pages for ch in page.chars]
            content = [round(ch["size"], 1) for page in doc.pages for ch in page.chars
                       if page.search(re.escape(sc.items[0].content[:6]))]
        assert min(sizes) >= 8, f"{path.name}: {min(sizes)} pt"
        assert content and max(set(content), key=content.count) >= 9


def test_no_standard_or_document_number_split_across_lines(built: Built) -> None:
    numbered = re.compile(r"(?:GB|AQ|JT|KA)(?:/T)? ?\d+(?:\.\d+)*[-—]\d{4}|〔\d{4}〕\d+号")
    starts = re.compile(r"(?:GB|AQ|JT|KA)(?:/T)?|〔")
    for path in sorted((built.out / "pdf").glob("*.pdf")):
        lines = [line for page in page_texts(path) for line in page.splitlines()]
        whole = sum(len(numbered.findall(line)) for line in lines)
        begun = sum(len(starts.findall(line)) for line in lines)
        assert whole == begun, f"{path.name}: {begun - whole} 个标准号或文号被拆到两行"
    text = "".join(page_texts(built.path("chem-demo.pdf")))
    assert "GB/T 33000—2016" in text and "〔2021〕83号" in text  # the fixture has both, with 一字线


def test_no_paragraph_ends_with_a_lone_character(built: Built) -> None:
    texts = [sc.sector.summary for sc in built.content.sectors] + [ch.markdown for ch in built.content.chapters]
    paragraphs = [squash(p) for t in texts for p in re.split(r"\n\s*\n", t) if not p.lstrip().startswith(("#", "-", "|"))]
    lines = [squash(line) for page in page_texts(built.path(fonts.GUIDE_FILE), layout=True) for line in page.splitlines()]
    checked = 0
    for i, line in enumerate(lines[1:], 1):
        if line and any(p.endswith(line) and len(p) > len(line) and lines[i - 1] and lines[i - 1] in p for p in paragraphs):
            checked += 1
            assert len(line.rstrip(PUNCT_CLOSING)) >= 2, f"段落末行只有一个字：{lines[i - 1]}／{line}"
    assert checked >= 3


def test_duplex_volumes_and_the_contents_open_on_rectos(built: Built) -> None:
    """Built with the default --duplex: in guide.pdf every 分册 and the 目录 open on odd pages
    (rectos), and a page left blank before one carries nothing. The other parts and chapters
    follow on the next page, as a book's sections do (issue 32: a recto for each left a third of the
    book blank)."""
    path = built.path(fonts.GUIDE_FILE)
    reader = PdfReader(path)
    assert len(reader.pages) % 2 == 0
    dests = reader.named_destinations
    labels = list(reader.page_labels)
    opening: dict[str, int] = {}
    for sc in built.content.sectors:
        opening[typeset.volume_title(sc)] = labels.index(f"{jobs.volume_number(built.content, sc)}-1") + 1
        opening[typeset.anchor(sc, "overview")] = reader.get_destination_page_number(dests[typeset.anchor(sc, "overview")]) + 1
    opening["toc"] = reader.get_destination_page_number(dests["toc"]) + 1
    assert len(opening) == 2 * len(built.content.sectors) + 1
    assert {k: n for k, n in opening.items() if n % 2 == 0} == {}
    texts = page_texts(path)
    blanks = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    assert blanks, "fixture should need a blank verso somewhere"
    assert all(n % 2 == 0 for n in blanks)


def test_master_toc_links_every_volume_entry_to_its_page(built: Built) -> None:
    """In guide.pdf's 目录 each 分册 line is a link to the 分册's first page and prints its number
    (“3-1”); each entry under it is a link to the page holding its heading."""
    path = built.path(fonts.GUIDE_FILE)
    reader = PdfReader(path)
    labels = list(reader.page_labels)
    dests = reader.named_destinations
    texts = page_texts(path, layout=True)
    links: dict[str, int] = {}
    for i, page in enumerate(reader.pages):
        if "-" in labels[i]:
            break  # the front matter ends where the first 分册 begins
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if "/Dest" in annot:
                links[str(annot["/Dest"])] = reader.get_destination_page_number(dests[str(annot["/Dest"])])
    for sc in built.content.sectors:
        vt, number = typeset.volume_title(sc), jobs.volume_number(built.content, sc)
        first = labels.index(f"{number}-1")
        assert links[typeset.anchor(sc, "overview")] == first
        printed = [m.group("page") for t in texts[:first] for line in t.splitlines()
                   if (m := TOC_LINE.match(line)) and squash(m.group("title")).endswith(vt)]
        assert printed == [f"{number}-1"], f"{vt} 在目录中标的起始页不对"
        for e in typeset.sector_toc(sc):
            target = links[e.anchor]
            assert labels[target].startswith(f"{number}-") and squash(e.title) in squash(texts[target]), e


def test_leader_dots_are_one_run_per_line_on_one_grid(built: Built) -> None:
    """The 目录's leader dots are shown one run per line (`render._one_run_per_leader`: one text operator
    per dot made the city's front matter three times slower), still where WeasyPrint places them:
    every dot of every line on the one grid counted from the right edge, a dot's width apart."""
    path = built.path(fonts.GUIDE_FILE)
    with pikepdf.open(path) as doc:
        labels = list(PdfReader(path).page_labels)
        toc = labels.index("3")  # the cover and its verso, then the 目录
        shown = sum(1 for _, op in pikepdf.parse_content_stream(doc.pages[toc]) if str(op) in ("Tj", "TJ", "'", '"'))
    with pdfplumber.open(path) as plumbed:
        dots = [c for c in plumbed.pages[toc].chars if c["text"] == "."]
    assert len(dots) > 200
    assert shown < len(dots) / 5, f"{shown} 个文字操作显示 {len(dots)} 个点"
    lines: dict[tuple[str, float, float], list[float]] = {}
    for d in dots:  # the 分册 lines are set in another face: dots of their own width
        lines.setdefault((d["fontname"], round(d["size"], 2), round(d["top"])), []).append(d["x0"])
    ends: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for (face, size, _), xs in lines.items():
        width = (max(xs) - min(xs)) / (len(xs) - 1)
        assert all(abs(b - a - width) < 0.05 for a, b in itertools.pairwise(sorted(xs)))
        ends.setdefault((face, size), []).append((max(xs), width))
    for style in ends.values():
        right = max(x for x, _ in style)
        off_grid = [x for x, w in style if abs((right - x) / w - round((right - x) / w)) * w > 0.1]
        assert not off_grid, off_grid


def _as_rendered(sc: SectorContent, path: Path) -> render.Rendered:
    """A built 分册 as the print stage reports it: its pages and the page of each named destination."""
    reader = PdfReader(path)
    anchors = {name: reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}
    return render.Rendered(sc.id, path, len(reader.pages), 0.0, 0.0, 0, 0.0, anchor_pages=anchors)


def test_front_matter_is_laid_out_once_with_each_volumes_numbers(built: Built, tmp_path: Path) -> None:
    """guide.pdf's 目录 gives each 分册 and its entries the numbers printed on their pages (“3-5”),
    known from the rendered volumes: the front matter is laid out once, whatever its own length."""
    volumes = [(sc, _as_rendered(sc, path)) for sc, path in sector_pdfs(built)]
    job = jobs.front_job(built.content, volumes, FIXTURE, tmp_path, False, True)
    laid_out = page_texts(render.render(job).path, layout=True)
    for sc, _ in volumes:
        number = jobs.volume_number(built.content, sc)
        assert any(re.search(rf"{re.escape(typeset.volume_title(sc))}\s*\.{{3,}}\s*{number}-1\s*$", line)
                   for page in laid_out for line in page.splitlines())


def _outline_pages(reader: PdfReader, items: list[Any] | None = None) -> set[int]:
    pages: set[int] = set()
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            pages |= _outline_pages(reader, item)
        else:
            pages.add(reader.get_destination_page_number(item))
    return pages


def test_no_page_nearly_empty_and_no_row_alone(built: Built) -> None:
    """Every page with text is at least a fifth full, unless a section (a bookmark) starts on it:
    a short section stands on its own page. Every page of a checklist holds two rows at least."""
    path = built.path(fonts.GUIDE_FILE)
    starts = _outline_pages(PdfReader(path)) | {0}
    with pdfplumber.open(path) as doc:
        for i, page in enumerate(doc.pages):
            landscape = page.width > page.height
            top, bottom = (20, 18) if landscape else (24, 22)
            area = (top / 25.4 * 72 + 12, page.height - bottom / 25.4 * 72)  # below the running header
            body = [c for c in page.chars if area[0] < c["top"] < area[1]]
            if body and i not in starts:
                full = (max(c["bottom"] for c in body) - area[0]) / (area[1] - area[0])
                assert full >= 0.2, f"guide.pdf 第 {i + 1} 页只排了 {full:.0%}"
    for sc, p in sector_pdfs(built):
        ids = {it.id for it in sc.items}
        for number, text in enumerate(page_texts(p), 1):
            rows = [w for w in re.findall(r"[A-Z]+-\d+", text) if w in ids]
            assert "典型隐患及整改要求" not in text or len(rows) != 1, f"{p.name} 第 {number} 页只有一行检查项 {rows}"


def _struct_elements(node: Any) -> list[Any]:
    node = node.get_object()
    found = [node] if "/S" in node else []
    kids = node.raw_get("/K").get_object() if "/K" in node else []
    for kid in kids if isinstance(kids, list) else [kids]:
        if hasattr(kid.get_object(), "raw_get"):
            found += _struct_elements(kid)
    return found


def test_pdfs_are_tagged_with_alt_text_and_title_shown(built: Built) -> None:
    """Every PDF, guide.pdf too (bound from tagged parts), has a structure tree reaching every page,
    is marked, shows its title; each figure's alt text is its caption."""
    for path in sorted((built.out / "pdf").glob("*.pdf")):
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"]), path.name
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), path.name
        elements = _struct_elements(root["/StructTreeRoot"])
        pages = {p.indirect_reference.idnum for p in reader.pages}
        tagged = {e.raw_get("/Pg").idnum for e in elements if "/Pg" in e}
        assert tagged <= pages and len(tagged) >= len([p for p in reader.pages if p.extract_text().strip()]), path.name
        if not path.name.endswith("-form.pdf"):
            captions = {img.caption for sc in built.content.sectors for e in sc.enterprises for p in e.practices
                        for img in p.images if path.stem in (sc.id, "guide")}
            alts = {str(e["/Alt"]) for e in elements if e["/S"] == "/Figure" and "/Alt" in e}
            assert alts == captions, path.name


def test_guide_parent_tree_leads_each_page_and_link_to_its_own_elements(built: Built) -> None:
    """The parts' parent trees are renumbered into one when bound: the marked content of every page
    and every link annotation of guide.pdf leads back to structure elements of that page and link."""
    with pikepdf.open(built.path(fonts.GUIDE_FILE)) as book:
        tree = book.Root.StructTreeRoot
        pairs = list(tree.ParentTree.Nums)
        parents = dict(zip((int(k) for k in pairs[::2]), pairs[1::2], strict=True))
        assert int(tree.ParentTreeNextKey) == max(parents) + 1
        pages = links = 0
        for page in book.pages:
            if "/StructParents" in page.obj:
                elements = parents[int(page.obj.StructParents)]
                assert all(e.Pg.objgen == page.obj.objgen for e in elements if "/Pg" in e)
                pages += 1
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    element = parents[int(annot.StructParent)]
                    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                    assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                               and k.Obj.objgen == annot.objgen for k in kids)
                    links += 1
        assert pages > len(book.pages) // 2 and links > 0


def test_pdftotext_keeps_each_hazard_sentence_whole(built: Built) -> None:
    """pdftotext in its default (reading-order) mode must not interleave the columns of a checklist
    row: the cells are far enough apart to be read as columns. The same in guide.pdf, whose parts
    share one font program per face."""
    def text(path: Path) -> str:
        return squash(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)

    guide = text(built.path(fonts.GUIDE_FILE))
    for sc, path in sector_pdfs(built):
        for name, found in ((path.name, text(path)), (fonts.GUIDE_FILE, guide)):
            broken = [h.text for it in sc.items for h in it.hazards if squash(h.text) not in found]
            assert broken == [], f"{name}: {broken[:2]}"


def test_cover_issuer_and_date_at_the_foot(built: Built) -> None:
    guide = built.content.guide
    for path in [built.path(fonts.GUIDE_FILE), *(p for _, p in sector_pdfs(built))]:
        with pdfplumber.open(path) as doc:
            page = doc.pages[0]
            found = page.search(guide.issuer)
            assert found and found[0]["top"] > 0.75 * page.height, path.name
