"""Measuring printed pages as an editor does, from the PDF alone (pdfplumber): the lines of each page
with their fonts and extents, the running heads and folios apart from the body, and the measures of
issue 32 — stranded headings, underfull pages inside a part, ids that overrun their cell rule, full
Chinese lines that stop short of the right margin, and the folios printed on the pages.

Nothing here reads the templates or the stylesheet: the margins are where the body's text is, over
the pages of the same size in the same document; a heading is a line in the sans face at a heading
size; a paragraph's line is full when the next line of the same paragraph follows it.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FOLIO = re.compile(r"^—\s*(\S+)\s*—$")
ID = re.compile(r"★?[A-Z]{2,4}-\d{3}")
# Lines printed under a heading that belong to it: its enterprise's place, its practice's category.
HEADING_META = re.compile(r"^(所在地|类别)：")
MARKER = re.compile(r"^(?:[•◦▪‣–]|\d{1,2}[.．])")
HEADING_SIZE = 11.5
PART_SIZE = 15.5  # an h1 (18 pt) or the form's title (16 pt)
# Headings that start a page of their own by design besides a part's: each record sheet (the 自评 page
# included), the front and back matter.
SECTION_START = re.compile(r"^(隐患及整改记录|自评信息|附录|前言|编制说明|发布信息)")


@dataclass
class Line:
    page: int  # 1-based
    baseline: float
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    sans: bool
    text: str
    chars: list[dict[str, Any]] = field(repr=False, default_factory=list)

    @property
    def heading(self) -> bool:
        return self.sans and self.size >= HEADING_SIZE and bool(self.text.strip())


@dataclass
class Page:
    number: int
    width: float
    height: float
    head: list[Line]
    body: list[Line]
    foot: list[Line]
    edges: list[dict[str, Any]] = field(repr=False, default_factory=list)

    @property
    def blank(self) -> bool:
        return not (self.head or self.body or self.foot)

    @property
    def cover(self) -> bool:
        return not self.head and not self.foot and any(line.size >= 19 for line in self.body)

    @property
    def folio(self) -> str | None:
        for line in self.foot:
            m = FOLIO.match(line.text.strip())
            if m:
                return m.group(1)
        return None

    @property
    def size_key(self) -> tuple[int, int]:
        return round(self.width), round(self.height)


def _lines(chars: list[dict[str, Any]], number: int, height: float) -> list[Line]:
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in chars:
        if not c["text"].strip():
            continue
        rows[round((height - c["matrix"][5]) * 2)].append(c)  # by baseline, to half a point
    out = []
    for key in sorted(rows):
        cs = sorted(rows[key], key=lambda c: c["x0"])
        sizes = [round(c["size"], 1) for c in cs]
        main = max(set(sizes), key=sizes.count)
        sans = sum("Sans" in c["fontname"] for c in cs) * 2 > len(cs)
        # A character keeps only what the measures read: a city-scale book has millions of them.
        slim = [{k: c[k] for k in CHAR_KEYS} for c in cs]
        out.append(Line(number, key / 2, min(c["top"] for c in cs), max(c["bottom"] for c in cs),
                        cs[0]["x0"], cs[-1]["x1"], main, sans, "".join(c["text"] for c in cs), slim))
    return out


CHAR_KEYS = ("text", "x0", "x1", "top", "bottom")
EDGE_KEYS = ("x0", "top", "bottom")


def read_pages(path: Path, first: int = 1, last: int | None = None) -> list[Page]:
    """Pages first…last (1-based, inclusive; all by default) of a PDF, each released once read."""
    pages = []
    with pdfplumber.open(path) as pdf:
        for pg in pdf.pages[first - 1:last]:
            number = pg.page_number
            lines = _lines(pg.chars, number, float(pg.height))
            head = [ln for ln in lines[:1] if ln.baseline < 0.1 * pg.height and ln.size <= 10.5 and ln.sans]
            foot = [ln for ln in lines[-1:] if ln.top > 0.9 * pg.height and ln.size <= 10.5 and ln not in head]
            body = [ln for ln in lines if ln not in head and ln not in foot]
            edges = [{k: e[k] for k in EDGE_KEYS} for e in pg.edges if e["orientation"] == "v"]
            pages.append(Page(number, float(pg.width), float(pg.height), head, body, foot, edges))
            pg.close()
    return pages


def _read_part(part: tuple[Path, int, int]) -> list[Page]:
    return read_pages(*part)


def read_pages_in(path: Path, processes: int, chunk: int = 100) -> list[Page]:
    """read_pages over `processes` processes, `chunk` pages at a time (a city-scale book)."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    if processes <= 1 or count <= chunk:
        return read_pages(path)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    parts = [(path, first, min(first + chunk - 1, count)) for first in range(1, count + 1, chunk)]
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        return [page for part in pool.map(_read_part, parts) for page in part]


def _area(pages: list[Page]) -> dict[tuple[int, int], tuple[float, float, float, float]]:
    """Per page size: the body's top, bottom, left and right over all pages of that size."""
    out: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    for page in pages:
        if page.cover or not page.body:
            continue
        t, b, left, r = out.get(page.size_key, (1e9, -1e9, 1e9, -1e9))
        out[page.size_key] = (min(t, *(ln.top for ln in page.body)), max(b, *(ln.bottom for ln in page.body)),
                              min(left, *(ln.x0 for ln in page.body)), max(r, *(ln.x1 for ln in page.body)))
    return out


def _starts_section(page: Page) -> bool:
    if page.cover or page.blank:
        return True
    first = page.body[0] if page.body else None
    if first is None or not first.heading:
        return False
    return first.size >= PART_SIZE or bool(SECTION_START.match(first.text))


def stranded_headings(pages: list[Page], name: str = "") -> list[str]:
    """Pages whose body ends with a heading (and the lines that go with it), its text on a later page."""
    found = []
    for i, page in enumerate(pages):
        if page.cover:
            continue
        body = list(page.body)
        while body and HEADING_META.match(body[-1].text) and not body[-1].heading:
            body.pop()
        if body and body[-1].heading and i + 1 < len(pages):
            found.append(f"{name} p{page.number}: “{body[-1].text}”")
    return found


def underfull_pages(pages: list[Page], name: str = "") -> list[str]:
    """Pages with text less than half way down their body area, where the next page (blank versos
    passed over) does not start a part, a chapter or a record sheet."""
    area = _area(pages)
    found = []
    for i, page in enumerate(pages):
        if page.blank or page.cover or not page.body:
            continue
        rest = [p for p in pages[i + 1:] if not p.blank]
        if not rest or _starts_section(rest[0]) or rest[0].size_key != page.size_key:
            continue
        top, bottom, _, _ = area[page.size_key]
        fill = (max(ln.bottom for ln in page.body) - top) / (bottom - top)
        if fill < 0.5:
            found.append(f"{name} p{page.number}: {fill:.0%} full")
    return found


def id_overruns(pages: list[Page], name: str = "") -> list[str]:
    """Ids at the start of a table's first column whose right edge passes the cell's rule."""
    found = []
    for page in pages:
        if not page.edges:
            continue
        for line in page.body:
            for start, c in enumerate(line.chars):
                if c["text"] not in "★ABCDEFGHIJKLMNOPQRSTUVWXYZ":
                    continue
                run = "".join(x["text"] for x in line.chars[start:start + 9])
                m = ID.match(run)
                if not m or (start and line.chars[start - 1]["x1"] > c["x0"] - 3):
                    continue
                left = [e for e in page.edges if e["x0"] <= c["x0"] and e["top"] <= c["top"] + 1 and e["bottom"] >= c["bottom"] - 1]
                if not left or c["x0"] - max(e["x0"] for e in left) > 12:
                    continue  # not at the start of a cell
                right = [e for e in page.edges if e["x0"] > c["x0"] + 3 and e["top"] <= c["top"] + 1 and e["bottom"] >= c["bottom"] - 1]
                end = line.chars[start + len(m.group()) - 1]["x1"]
                rule = min((e["x0"] for e in right), default=None)
                if rule is not None and end > rule:
                    found.append(f"{name} p{page.number}: {m.group()} ends {end - rule:.1f} pt past the rule")
    return found


@dataclass
class FullLine:
    page: int
    text: str
    short: float  # points between the line's end and the right margin


def _text_x0(line: Line) -> float:
    """Where a line's text starts, after a list marker (“•”, “1.”) if it has one."""
    m = MARKER.match(line.text)
    return float(line.chars[len(m.group())]["x0"]) if m and len(line.chars) > len(m.group()) else line.x0


def full_cjk_lines(pages: list[Page], body_size: float = 10.5, leading: float = 1.65) -> Iterator[FullLine]:
    """The body's full lines of Chinese paragraph text: each line in the serif body size followed,
    one line pitch below, by the next line of the same paragraph or list item (at the paragraph's
    left edge, or where the item's text starts)."""
    area = _area(pages)
    for page in pages:
        if page.cover or not page.body:
            continue
        _, _, left, right = area[page.size_key]
        body = [ln for ln in page.body if abs(ln.size - body_size) < 0.2 and not ln.sans]
        for line, nxt in itertools.pairwise(body):
            if abs(nxt.baseline - line.baseline - leading * body_size) > 0.6:
                continue
            if len(CJK.findall(line.text)) * 2 < len(line.text):
                continue
            if _text_x0(nxt) != nxt.x0:
                continue  # the next item of a list
            if abs(nxt.x0 - left) < 1 or abs(nxt.x0 - _text_x0(line)) < 1 < nxt.x0 - left:
                yield FullLine(page.number, line.text, right - line.x1)


def flush_share(lines: list[FullLine], within: float = 1.0) -> float:
    return sum(ln.short <= within for ln in lines) / len(lines) if lines else 1.0


def content_free(pages: list[Page]) -> list[int]:
    """Pages that carry nothing a reader of the book needs: blank pages, and a cover or a 目录 that
    repeats one already printed earlier in the same file (a bound 分册's own)."""
    free, covers, tocs = [], 0, 0
    for page in pages:
        first = page.body[0].text.replace("\u3000", "").strip() if page.body else ""
        if page.cover:
            covers += 1
        is_toc = first == "目录" and page.body[0].heading
        tocs += is_toc
        if page.blank or (page.cover and covers > 1) or (is_toc and tocs > 1):
            free.append(page.number)
    return free


def measure(files: dict[str, list[Page]]) -> dict[str, Any]:
    """The measures of issue 32 over every page of a set of PDFs (a build's pdf/ folder), as
    tests/test_print_pages.py judges them, with what each finds: the bench applies them to a
    city-scale build. guide.pdf's folios must be unique and printed on every page with text but the
    cover and its verso, and at most one page in ten of it may carry no content; ids are checked in
    every file but guide.pdf (which binds the volumes: the same tables)."""
    found: dict[str, Any] = {"files": len(files), "pages": sum(len(p) for p in files.values())}
    found["stranded_headings"] = [x for name, pages in files.items() for x in stranded_headings(pages, name)]
    found["underfull_pages"] = [x for name, pages in files.items() for x in underfull_pages(pages, name)]
    found["id_overruns"] = [x for name, pages in files.items() if name != "guide.pdf" for x in id_overruns(pages, name)]
    flush = {}
    for name, pages in files.items():
        if name.endswith("-form.pdf"):
            continue
        lines = list(full_cjk_lines(pages))
        flush[name] = {"full_lines": len(lines), "flush": sum(ln.short <= 1 for ln in lines),
                       "share": round(flush_share(lines), 4)}
    found["flush"] = flush
    guide = files.get("guide.pdf", [])
    folios = [p.folio for p in guide if p.folio is not None]
    found["guide_pages"] = len(guide)
    found["repeated_folios"] = sorted({f for f in folios if folios.count(f) > 1})
    found["unnumbered_pages"] = [p.number for p in guide if p.body and not p.cover and not p.folio
                                 and "发布信息" not in p.body[0].text]
    found["content_free_pages"] = content_free(guide)
    return found


def failures(found: dict[str, Any], share: float = 0.95, min_lines: int = 20) -> list[str]:
    """What `measure` found that the issue does not allow, in words (empty: all met)."""
    out = [f"{key}: {len(found[key])}" for key in ("stranded_headings", "underfull_pages", "id_overruns",
                                                      "repeated_folios", "unnumbered_pages") if found[key]]
    out += [f"{name}: {f['share']:.1%} of {f['full_lines']} full lines flush" for name, f in found["flush"].items()
            if f["full_lines"] >= min_lines and f["share"] < share]
    if len(found["content_free_pages"]) * 10 > found["guide_pages"]:
        out.append(f"guide.pdf: {len(found['content_free_pages'])} of {found['guide_pages']} pages carry no content")
    return out
