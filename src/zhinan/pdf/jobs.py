"""The jobs of a build: one volume and one blank form per sector, and the combined volume's front
matter (cover, 目录, common chapters), whose 目录 learns each 分册's start page from its own length
in the same layout pass.
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
    the longest id of any sector (prefixes differ in length), the form's 不符合/不涉及 heads."""
    items = [it for sc in content.sectors for it in sc.items]
    return {
        "volume_id": column_mm((it.id for it in items), ID_SIZE_PT["volume"]),
        "form_id": column_mm((_starred(it) for it in items), ID_SIZE_PT["form"]),
        "form_box": column_mm(("符合", "不符合", "不涉及"), ID_SIZE_PT["form"]),
    }


def volume_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool, duplex: bool = True) -> Job:
    guide = content.guide
    toc = sector_toc(sc)
    title = f"{guide.title}·{volume_title(sc)}"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查清单和标杆企业典型做法",
                         [guide.title, sc.sector.name, sc.sector.department, "安全生产标准化", "检查清单"]),
        "guide": guide, "sc": sc, "toc": toc, "toc_id": anchor(sc, "toc"), "aspects": aspects_of(sc),
        "volume_title": volume_title(sc), "duplex": duplex, "widths": _widths(content),
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
        "guide": guide, "s": sc.sector, "aspects": aspects_of(sc), "record": form_context(),
        "widths": _widths(content),
    }
    return Job(f"{sc.id}-form", "pdf/form.html", ctx, _sector_base_url(root, sc), out / f"{sc.id}-form.pdf", pdfa,
               size_hint=len(sc.items) // 4, root=str(root))


def _chapters(content: Content) -> tuple[list[Markup], list[TocEntry]]:
    views: list[Markup] = []
    toc: list[TocEntry] = []
    listed = list(content.chapters)
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


def _padded(pages: int, duplex: bool) -> int:
    """Pages a part takes in the bound book: for two-sided printing it ends on a verso."""
    return pages + pages % 2 if duplex else pages


FRONT_END = "front--end"
"""The id of the last element of guide.pdf's front matter: its page is the front's length."""


def front_job(content: Content, volumes: list[tuple[SectorContent, Rendered]], root: Path, out: Path,
              pdfa: bool, duplex: bool = True, front_pages: int | None = None) -> Job:
    """Cover, 目录 and common chapters of the combined volume; the 目录 lists each bound 分册, its
    title with the page of the book it starts on, its entries with the volume's own page numbers;
    all of them are links.

    A 分册's start page follows from the length of this front matter, known only once it is laid
    out. Given as `front_pages`, the numbers are printed as they are. Without it WeasyPrint works
    them out in the one layout: each 分册's number is the page of the front's last element
    (`target-counter` of FRONT_END, which is the front's length), shown in a counter style of that
    分册's own whose symbol for a length n is the page the 分册 starts on after n front pages, for
    every n up to `front_bound` in the context (see `_render_front` for a front longer than that)."""
    guide = content.guide
    chapters, toc = _chapters(content)
    groups, styles = [], []
    bound = 64 + (len(toc) + sum(len(sector_toc(sc)) + 1 for sc, _ in volumes)) // 8 \
        + sum(len(ch.markdown) for ch in content.chapters) // 200
    after = 1  # the page a 分册 starts on, counted from the first after the front matter
    for k, (sc, r) in enumerate(volumes):
        group: dict[str, Any] = {"title": volume_title(sc), "anchor": anchor(sc, "cover"),
                                 "toc": [TocEntry(e.title, e.anchor, e.level, r.anchor_pages[e.anchor])
                                         for e in sector_toc(sc)], "counter": None, "page": None}
        if front_pages is None:
            group["counter"] = f"zn-volume-{k}"
            styles.append((group["counter"], [_padded(n, duplex) + after for n in range(1, bound + 1)]))
        else:
            group["page"] = _padded(front_pages, duplex) + after
        groups.append(group)
        after += _padded(r.pages, duplex)
    ctx = {
        "meta": metadata(guide, guide.title, f"{guide.title}（{guide.edition}）合订本",
                         [guide.title, guide.edition, "安全生产标准化", *(sc.sector.name for sc in content.sectors)]),
        "guide": guide, "toc": toc, "toc_id": "toc", "volumes": groups, "chapters": chapters, "duplex": duplex,
        "counter_styles": styles, "front_end": FRONT_END, "front_bound": bound,
    }
    return Job("guide-front", "pdf/guide.html", ctx, (root / "guides").resolve().as_uri() + "/",
               out / ".guide-front.pdf", pdfa, anchors=(FRONT_END,), root=str(root))


