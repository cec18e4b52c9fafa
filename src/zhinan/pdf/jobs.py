"""The jobs of a build: one volume and one blank form per sector, and the combined volume's front
matter (cover, 目录, common chapters), whose 目录 gives each 分册's entries the numbers printed on
their pages (“3-5”), known once the volumes are rendered.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from zhinan.content.model import Content, SectorContent
from zhinan.formats.record import form_context

if TYPE_CHECKING:
    pass
from zhinan.pdf.cited import cited
from zhinan.pdf.render import Job, Rendered
from zhinan.pdf.typeset import (
    VOLUME_TEMPLATE,
    TocEntry,
    _md,
    anchor,
    aspects_of,
    column_mm,
    metadata,
    sector_toc,
    volume_title,
)

# ---- the jobs of a build ---------------------------------------------------------------------


def _sector_base_url(root: Path, sc: SectorContent) -> str:
    # Image paths in the content are relative to the sector folder.
    return (root / "sectors" / sc.id).resolve().as_uri() + "/"


ID_SIZE_PT = {"volume": 9.0, "form": 9.5}
"""The size the ids are set in, in the volume's checklist and on the form (print.css, form.html)."""


def _starred(it: Any) -> str:
    """An item's id as the form prints it: ★ before it when one of its hazards is 重大."""
    return ("★" if any(h.level == "重大" for h in it.hazards) else "") + str(it.id)


def _widths(content: Content) -> dict[str, float]:
    """Column widths (mm) from the text they must hold, the same in every sector's volume and form:
    the longest id of any sector (prefixes differ in length), the form's 不符合/不涉及 heads.

    Measured once per content model, not once per job: every id of the city is measured, and
    measuring them again for each of its 92 files kept the PDF workers waiting for two minutes
    before the first volume was queued."""
    global _widths_of
    if _widths_of is not None and _widths_of[0] is content:
        return _widths_of[1]
    items = [it for sc in content.sectors for it in sc.items]
    widths = {
        "volume_id": column_mm((it.id for it in items), ID_SIZE_PT["volume"]),
        "form_id": column_mm((_starred(it) for it in items), ID_SIZE_PT["form"]),
        "form_box": column_mm(("符合", "不符合", "不涉及"), ID_SIZE_PT["form"]),
    }
    _widths_of = (content, widths)
    return widths


_widths_of: tuple[Content, dict[str, float]] | None = None
"""The last content model measured by `_widths`, and its widths (the model is immutable)."""


def volume_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool, duplex: bool = True) -> Job:
    guide = content.guide
    toc = sector_toc(sc)
    title = f"{guide.title}·{volume_title(sc)}"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查清单和标杆企业典型做法",
                         [guide.title, sc.sector.name, sc.sector.department, "安全生产标准化", "检查清单"]),
        "guide": guide, "sc": sc, "toc": toc, "toc_id": anchor(sc, "toc"), "aspects": aspects_of(sc),
        "volume_title": volume_title(sc), "duplex": duplex, "widths": _widths(content),
        "volume_no": volume_number(content, sc),
    }
    return Job(sc.id, VOLUME_TEMPLATE, ctx, _sector_base_url(root, sc), out / f"{sc.id}.pdf", pdfa,
               anchors=tuple(e.anchor for e in toc), size_hint=len(sc.items) + 10 * len(sc.enterprises),
               root=str(root))


def form_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool, duplex: bool = True) -> Job:
    guide = content.guide
    title = f"{sc.sector.name}安全生产标准化检查表"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查表（空白）",
                         [guide.title, sc.sector.name, "检查表"]),
        # The blank form shows the sector and its items, never its enterprises: without them in its
        # context, editing an enterprise does not lay the form out again.
        "guide": guide, "s": sc.sector, "sc": replace(sc, enterprises=()), "aspects": aspects_of(sc),
        "record": form_context(),
        "widths": _widths(content),
    }
    return Job(f"{sc.id}-form", "pdf/form.html", ctx, _sector_base_url(root, sc), out / f"{sc.id}-form.pdf", pdfa,
               size_hint=len(sc.items) // 4, root=str(root))


PREFACE_TITLES = ("前言", "编制说明")
"""A common chapter with one of these titles is printed before the 目录, as a book's 前言 is."""


def _chapters(content: Content) -> tuple[list[Markup], list[TocEntry]]:
    views: list[Markup] = []
    toc: list[TocEntry] = []
    listed = sorted(content.chapters, key=lambda ch: ch.title not in PREFACE_TITLES)
    if content.changes is not None:
        # The changelog is printed as an appendix; its heading says so, in the 目录 as on the page.
        listed.append(replace(content.changes, markdown=content.changes.markdown.replace("# ", "# 附录　", 1)))
    for ch in listed:
        html, tokens = _md(ch.markdown, f"{ch.slug}-")
        views.append(html)
        for top in tokens:
            toc.append(TocEntry(Markup(top["name"]).unescape(), top["id"], 1))
            toc += [TocEntry(Markup(sub["name"]).unescape(), sub["id"], 2) for sub in top["children"]]
    return views, toc


def volume_number(content: Content, sc: SectorContent) -> int:
    """The 分册's number in the book (its place among the sectors): the prefix of its folios."""
    return next(n for n, other in enumerate(content.sectors, 1) if other.id == sc.id)


def folio(number: int, page: int) -> str:
    """A 分册's page number as printed, in its 目录 and in the book's, and as the page label: “3-5”."""
    return f"{number}-{page}"


def opening_page(sc: SectorContent, rendered: Rendered) -> int:
    """The volume page (1-based) of its first part: its cover and 目录 come before it, unnumbered
    (the 目录 in roman numerals), and are not bound into the book, whose 目录 lists the 分册."""
    return rendered.anchor_pages.get(anchor(sc, "overview"), 1)


CITED_TITLE = "附录　本指南引用的法律、法规、规范性文件和标准"
CITED_ANCHOR = "appendix-cited"

FRONT_END = "front--end"
"""The id of the last element of guide.pdf's front matter."""


def front_job(content: Content, volumes: list[tuple[SectorContent, Rendered]], root: Path, out: Path,
              pdfa: bool, duplex: bool = True) -> Job:
    """Cover with its 发布信息 verso, 前言, 目录 and common chapters of the combined volume. The 目录
    lists each bound 分册 with its entries, each with the number printed on its page (“3-5”: the
    5th page of the 3rd 分册, counted from its first part), all of them links. The book has one
    page numbering: the front matter's numbers, then each 分册's, prefixed with its number."""
    guide = content.guide
    chapters, toc = _chapters(content)
    prefaces = sum(ch.title in PREFACE_TITLES for ch in content.chapters)
    toc.append(TocEntry(CITED_TITLE, CITED_ANCHOR, 1))
    groups = []
    for sc, r in volumes:
        number, first = volume_number(content, sc), opening_page(sc, r)
        entries = [TocEntry(e.title, e.anchor, e.level, folio(number, r.anchor_pages[e.anchor] - first + 1))
                   for e in sector_toc(sc)]
        groups.append({"title": f"第{number}分册　{volume_title(sc)}", "anchor": anchor(sc, "overview"),
                       "toc": entries, "page": folio(number, 1)})
    ctx = {
        "meta": metadata(guide, guide.title, f"{guide.title}（{guide.edition}）合订本",
                         [guide.title, guide.edition, "安全生产标准化", *(sc.sector.name for sc in content.sectors)]),
        "guide": guide, "toc": toc, "toc_id": "toc", "volumes": groups, "duplex": duplex,
        "preface": chapters[:prefaces], "chapters": chapters[prefaces:],
        "front_end": FRONT_END, "cited": cited(content, root), "cited_title": CITED_TITLE, "cited_anchor": CITED_ANCHOR,
    }
    return Job("guide-front", "pdf/guide.html", ctx, (root / "guides").resolve().as_uri() + "/",
               out / ".guide-front.pdf", pdfa, anchors=(FRONT_END,), root=str(root))


