"""The site's pages as Markdown, rendered from the Jinja templates in ``templates/site/`` from the
model: sector, checklist, enterprise and index pages, chapters, the navigation. Each sector's pages
and self-check data are remembered by what they are made from (`SectorMemo`) and, with idle cores,
rendered in forked processes.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import html as html_module
import importlib.util
import json
import posixpath
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from zhinan.content import sanitize, stats
from zhinan.content.model import (
    ASPECTS,
    ELEMENTS,
    CheckItem,
    Content,
    Enterprise,
    Practice,
    SectorContent,
    public_fields,
)
from zhinan.pipeline import hashcache, transaction
from zhinan.pipeline import workers as pipeline_workers
from zhinan.pipeline.files import write_text
from zhinan.site import selfcheck

if TYPE_CHECKING:
    pass
from zhinan.site.downloads import Download

SITE_DIR = "site"
ASSET_DIR = "assets/zhinan"
"""Where the site's own scripts and stylesheets land in the built site."""

# Plain text is set both in Markdown and inside raw HTML blocks; numeric character references
# read the same in both, so a `*` or `|` in a hazard never turns into emphasis or a table cell, and a
# line break never ends a heading, a table row or a raw HTML block.
_PLAIN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]<>&|#{}\"'\n\r"})

@dataclass
class SiteSource:
    """Everything MkDocs needs: pages as Markdown, files copied as they are, and the navigation."""

    pages: dict[str, str]
    files: dict[str, Path]
    nav: list[Any]
    site_name: str
    copyright: str
    downloads: dict[str, Download] = field(default_factory=dict)
    chapters: set[str] = field(default_factory=set)
    """Pages that are a contributor's Markdown file as a whole (the chapters, 本版修订说明): the
    generator must render them with `chapter_html`, not with the site's own Markdown."""
    generated: dict[str, str] = field(default_factory=dict)
    """Files other than pages made from the model, by their path in the site (self-check data)."""
    readers: dict[str, Any] = field(default_factory=dict)
    """The readers' words the search worker is given (`readers_words`)."""


def chapter_html(src: str, markdown: str, slugify: sanitize.Slugify) -> tuple[str, list[dict[str, Any]]]:
    """A chapter page's clean HTML and its headings; its images are published under guide/, and a
    link to another chapter (`02-six-tasks.md`) leads to that chapter's page."""
    base = _rel(url_of(src).rstrip("/"), "guide/")
    html, toc = sanitize.render_with_toc(markdown, slugify, image_base="" if base == "." else base)

    def page_url(m: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join("guide", m.group(1)))
        return f'href="{_rel(url_of(src).rstrip("/"), url_of(target))}{m.group(2)}"'

    return re.sub(r'href="([^":/?#]+\.md)((?:#[^"]*)?)"', page_url, str(html)), toc


# ---- Pages ----------------------------------------------------------------------------------


def url_of(src: str) -> str:
    """The directory URL a page source gets (`a/b.md` → `a/b/`, `a/index.md` → `a/`)."""
    stem = src.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


@functools.lru_cache(maxsize=65536)  # a page links the same few targets many times (relpath is slow)
def _rel(start_dir: str, target: str) -> str:
    rel = posixpath.relpath(target or ".", start_dir or ".")
    return rel + ("/" if target.endswith("/") and rel != "." else "")


@pass_context
def _href(ctx: Context, target: str) -> Markup:
    """A Markdown link from the current page's source to another source file (MkDocs resolves it).
    Targets are made from ids, which are letters, digits and hyphens."""
    return Markup(_rel(posixpath.dirname(ctx["src"]), target))


@pass_context
def _url(ctx: Context, target: str) -> Markup:
    """A link for raw HTML, which MkDocs leaves alone: from the page's URL to the target's URL."""
    rel = _rel(url_of(ctx["src"]).rstrip("/"), url_of(target))
    return Markup("./" if rel == "." else html_module.escape(rel))


@pass_context
def _markdown(ctx: Context, text: str) -> Markup:
    """A contributor's Markdown field as clean HTML (zhinan.content.sanitize), set apart as a raw HTML block so
    that the site's own Markdown (attribute lists, raw HTML for the templates) never reads it.
    Its images are relative to the sector folder; the page may be deeper."""
    sc = ctx.get("sc")
    folder = f"sectors/{sc.id}/" if sc is not None else ""
    base = _rel(url_of(ctx["src"]).rstrip("/"), folder)
    html = sanitize.render(text, image_base="" if base == "." else base)
    return Markup(f'<div class="zn-md">\n{html}\n</div>')


def html_text(value: Any) -> str:
    """Plain text for places the theme prints without escaping (titles, navigation, site name)."""
    return str(escape(str(value)))


class _FrontMatterDumper(yaml.SafeDumper):
    """Every string double-quoted: a line break, `: `, `#` or `---` in a value stays inside it."""


_FrontMatterDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


def front_matter(meta: dict[str, Any]) -> str:
    """A page's front matter, written by the YAML serializer on one line (never by formatting
    strings: a name is data, whatever it contains). Titles must already be `html_text`: the theme
    prints `page.meta.title` without escaping."""
    text = yaml.dump(meta, Dumper=_FrontMatterDumper, allow_unicode=True, default_flow_style=True,
                     width=2**31 - 1, sort_keys=False)
    if text.count("\n") != 1 or yaml.safe_load(text) != meta:  # pragma: no cover - the dumper's contract
        raise ValueError(f"front matter does not round-trip: {text!r}")
    return f"---\n{text}---\n"


def _size_slot(d: Download) -> Markup:
    """Where `fill_download_facts` writes the file's size and pages once the file is built."""
    return Markup(f'<span class="zn-size" data-zn-file="{html_module.escape(d.src)}"></span>')


def _plain(value: Any) -> Markup:
    """Plain text, safe in Markdown and in raw HTML (see `_PLAIN`)."""
    return value if isinstance(value, Markup) else Markup(str(value).translate(_PLAIN))


def _finalize(value: Any) -> Any:
    """Every `{{ … }}` of a page template is plain text unless a filter made it markup (`t`,
    `href`, `url`, `md`, `size_slot`, or `safe` for the templates' own constants): a field that a
    template forgets to filter is still text."""
    return value if isinstance(value, Markup | int | float) or value is None else _plain(value)


def _cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@functools.cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("zhinan", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # `{#id}` sets a heading's anchor in Markdown (attr_list), so Jinja comments use `{##`.
        comment_start_string="{##",
        comment_end_string="##}",
        finalize=_finalize,
    )
    env.filters.update(t=_plain, href=_href, url=_url, cn_date=_cn_date, md=_markdown, size_slot=_size_slot)
    env.globals.update(ASPECTS=ASPECTS, ELEMENTS=ELEMENTS, sector_src=sector_src, enterprise_src=enterprise_src,
                       self_check_src=self_check_src, major_note=major_note)
    return env


def sector_src(sc: SectorContent, page: str = "index") -> str:
    return f"sectors/{sc.id}/{page}.md"


def self_check_src(sc: SectorContent) -> str:
    return sector_src(sc, selfcheck.PAGE)


def self_check_data(content: Content, out: Path | None = None) -> dict[str, str]:
    """The data file of every sector's self-check page, beside the page."""
    return {_data_src(sc): _sector_data(content, sc, out) for sc in content.sectors}


def _data_src(sc: SectorContent) -> str:
    return f"{url_of(self_check_src(sc))}{selfcheck.DATA_FILE}"


def _sector_data(content: Content, sc: SectorContent, out: Path | None) -> str:
    return selfcheck.data_script(selfcheck.sector_data(sc, content, out))


_T = TypeVar("_T")


class SectorMemo:
    """Each sector's pages and self-check data, by the key of what they are made from: a build (or a
    preview) renders again only the sectors that changed. Kept in the build's cache (a JSON file) by
    `zhinan build`, and in memory by `zhinan serve`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.live = path is None
        """Kept in memory by a long-lived process: the index pages are remembered too (see `page`)."""
        self.entries: dict[str, dict[str, Any]] = {}
        if path is not None:
            with contextlib.suppress(OSError, ValueError):
                self.entries = json.loads(path.read_text(encoding="utf-8"))
        self.used: set[str] = set()
        self.pages: dict[str, tuple[tuple[Any, ...], Any]] = {}

    def get(self, sector: str, key: str) -> dict[str, Any] | None:
        entry = self.entries.get(sector)
        if entry is None or entry.get("key") != key:
            return None
        self.used.add(sector)
        return entry

    def put(self, sector: str, key: str, pages: dict[str, str], data: str) -> None:
        self.entries[sector] = {"key": key, "pages": pages, "data": data}
        self.used.add(sector)

    def page(self, src: str, made_from: tuple[Any, ...], render: Callable[[], _T]) -> _T:
        """A page made from the whole content (an index), rendered again only when what it is
        `made_from` changed. In memory, the records of unchanged files are the same objects from one
        load to the next (`validate.FileMemo`), so comparing is cheap; in the build cache, by key."""
        if not self.live:
            key = hashcache.key(*made_from)
            entry = self.get(f"page:{src}", key)
            if entry is None:
                entry = {"key": key, "text": render()}
                self.entries[f"page:{src}"] = entry
                self.used.add(f"page:{src}")
            result_: _T = entry["text"]
            return result_
        known = self.pages.get(src)
        if known is None or known[0] != made_from:
            known = self.pages[src] = (made_from, render())
        result: _T = known[1]
        return result

    def stale(self, src: str, made_from: tuple[Any, ...]) -> Any | None:
        """In memory: the page last rendered for `src`, if what it is made from has changed since."""
        known = self.pages.get(src) if self.live else None
        return known[1] if known is not None and known[0] != made_from else None

    def save(self) -> None:
        """Write the entries this build used (a removed sector's go)."""
        if self.path is not None:
            kept = {k: v for k, v in sorted(self.entries.items()) if k in self.used}
            write_text(self.path, json.dumps(kept, ensure_ascii=False, separators=(",", ":")))


def _made_from(content: Content, sc: SectorContent, downloads: dict[str, Download],
               dates: dict[str, datetime.date]) -> tuple[Any, ...]:
    """What a sector's pages and self-check data are made from."""
    own = sorted((k, d.label, d.src) for k, d in downloads.items() if k.startswith(f"{sc.id}/"))
    folder = f"sectors/{sc.id}/"
    return sc, content.guide, own, sorted((k, v) for k, v in dates.items() if k.startswith(folder))


def _sector_output(content: Content, sc: SectorContent, downloads: dict[str, Download], dates: dict[str, datetime.date],
                   out: Path | None, memo: SectorMemo | None, key: str | None = None,
                   defer: set[str] | None = None) -> tuple[dict[str, str], str]:
    """A sector's pages and its self-check data, from `memo` when nothing they are made from changed
    (`key`: the key of what they are made from, if known). Given `defer` (the preview's first pass),
    changed self-check data keeps its last text, and its path is added to `defer`: it embeds the
    sector's blank workbook, written again at each change of the checklist."""
    if memo is None:
        return _sector_pages(content, sc, downloads, dates), _sector_data(content, sc, out)
    made_from = _made_from(content, sc, downloads, dates)

    def render() -> dict[str, Any]:
        return {"pages": _sector_pages(content, sc, downloads, dates), "data": _sector_data(content, sc, out)}

    if memo.live:  # the same records as last time compare equal at once (see `page`)
        pages = memo.page(f"sector:{sc.id}", made_from, lambda: _sector_pages(content, sc, downloads, dates))
        data = memo.stale(f"data:{sc.id}", made_from) if defer is not None else None
        if defer is not None and data is not None:
            defer.add(_data_src(sc))
        else:
            data = memo.page(f"data:{sc.id}", made_from, lambda: _sector_data(content, sc, out))
        return dict(pages), str(data)
    key = key or hashcache.key(*made_from)
    known = memo.get(sc.id, key)
    if known is None:
        known = render()
        memo.put(sc.id, key, known["pages"], known["data"])
    return dict(known["pages"]), str(known["data"])


_FORKED: tuple[Content, dict[str, Download], dict[str, datetime.date], Path] | None = None
"""What the processes forked by `_render_sectors` render from (they inherit it, nothing is pickled)."""


def _render_sector(sector: str) -> tuple[str, dict[str, str], str]:
    assert _FORKED is not None
    transaction.checkpoint("site-sector")
    content, downloads, dates, out = _FORKED
    sc = next(s for s in content.sectors if s.id == sector)
    return sector, _sector_pages(content, sc, downloads, dates), _sector_data(content, sc, out)


def _render_sectors(content: Content, downloads: dict[str, Download], dates: dict[str, datetime.date], out: Path,
                    memo: SectorMemo, workers: int) -> dict[str, str]:
    """Render the sectors `memo` does not hold in `workers` forked processes, into `memo`.

    Only when no other stage is running beside the site (`zhinan build --only site`; not in a full
    build, whose PDF workers use the cores, nor in the preview, whose memo lives in memory): then
    the other cores are idle, and the sectors (their pages and the self-check pages' blank
    workbooks) are most of what the site stage does besides MkDocs. Returns each
    sector's key in `memo`."""
    global _FORKED
    keys = {sc.id: hashcache.key(*_made_from(content, sc, downloads, dates)) for sc in content.sectors}
    todo = [sc.id for sc in content.sectors if memo.get(sc.id, keys[sc.id]) is None]
    if workers < 2 or len(todo) < 2:
        return keys
    _FORKED = (content, downloads, dates, out)
    try:
        # Killed at once on Ctrl+C or SIGTERM, as the PDF workers are (not waited for). Not
        # `pool.map`: when interrupted, its iterator cancels the futures that the killed pool then
        # fails to fail (Python 3.11 prints "InvalidStateError: CANCELLED" after the build's message).
        with pipeline_workers.pool(min(workers, len(todo)), start="fork") as pool:
            for future in [pool.submit(_render_sector, sector) for sector in todo]:
                sector, pages, data = future.result()
                memo.put(sector, keys[sector], pages, data)
    finally:
        _FORKED = None
    return keys


def enterprise_src(sc: SectorContent, ent: Enterprise) -> str:
    return f"sectors/{sc.id}/enterprises/{ent.id}.md"


def _render(template: str, src: str, meta: dict[str, Any], **context: Any) -> str:
    """A page: its front matter (`front_matter`) and the template's Markdown."""
    return front_matter(meta) + _env().get_template(f"site/{template}").render(src=src, **context)


def _sector_figures(sc: SectorContent) -> dict[str, int]:
    return {
        "items": len(sc.items),
        "major": sum(1 for it in sc.items for h in it.hazards if h.level == "重大"),
        "enterprises": len(sc.enterprises),
        "practices": sum(len(e.practices) for e in sc.enterprises),
    }


def content_dates(root: Path) -> dict[str, datetime.date]:
    """The last commit date of every file under sectors/ and guides/, from one `git log` pass (a
    process per file would cost seconds at city scale). Empty when the root is not in git."""
    cmd = ["git", "-c", "core.quotepath=off", "-C", str(root), "log", "--format=%x00%cs", "--name-only",
           "--relative", "--", "sectors", "guides"]
    try:
        log = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, datetime.date] = {}
    current: datetime.date | None = None
    for line in log.splitlines():
        if line.startswith("\0"):
            current = datetime.date.fromisoformat(line[1:])
        elif line and current is not None:
            dates.setdefault(line, current)  # newest first: the first date seen is the last change
    return dates


def updated(dates: dict[str, datetime.date], fallback: datetime.date, *paths: str) -> datetime.date:
    """A page's 更新日期: the latest change of the files it is made from, or the edition's date."""
    seen = [dates[p] for p in paths if p in dates]
    return max(seen) if seen else fallback


def major_note(sc: SectorContent) -> str:
    """The sector's 重大隐患 as a reader must read them: a count only where the criteria are
    entered, otherwise where to look; never a bare "0 项" that reads as "none"."""
    mc = sc.sector.major_criteria
    n = _sector_figures(sc)["major"]
    if mc is None:
        return f"重大隐患 {n} 项" if n else "本指南尚未收录本行业的重大事故隐患判定标准"
    doc = f"《{mc.title}》" + (f"（{mc.code}）" if mc.code else "")
    if mc.coverage == "未录入":
        return f"本行业重大事故隐患以{doc}为准，条文尚未录入本指南"
    if mc.coverage == "部分录入":
        return f"重大隐患 {n} 项，录自{doc}的部分条文，其余以原文为准"
    return f"重大隐患 {n} 项，录自{doc}"


def _figure_rows(content: Content) -> list[tuple[str, int]]:
    """The `zhinan stats` figures as (label, value) rows, sub-counts indented under their total."""
    figures = stats.compute(content)
    rows: list[tuple[str, int]] = []
    for key, label in stats.LABELS.items():
        rows.append((label, figures[key]))
        if key == "items":
            rows += [(f"　{a}", n) for a, n in figures["items_by_aspect"].items()]
        if key == "enterprises":
            rows += [(f"　{lv}标杆企业", n) for lv, n in figures["enterprises_by_level"].items()]
    return rows


def _element_index(content: Content) -> list[tuple[str, list[tuple[SectorContent, list[CheckItem]]]]]:
    """Checklist items by GB/T 33000-2016 element, then by sector; unmarked items last, if any."""
    index = []
    for element in (*ELEMENTS, None):
        sectors = [(sc, [it for it in sc.items if it.element == element]) for sc in content.sectors]
        sectors = [(sc, items) for sc, items in sectors if items]
        if sectors or element is not None:
            index.append((element or "未标注核心要素", sectors))
    return index


def _reference_markdown() -> str | None:
    """The field reference, when the reference module of this installation exists."""
    if importlib.util.find_spec("zhinan.formats.reference") is None:
        return None
    module = importlib.import_module("zhinan.formats.reference")
    text: str = module.render_markdown()
    return text


Ref = tuple[Enterprise, Practice, int]
"""A practice with its enterprise and its number on the enterprise's page (the anchor `p-<n>`)."""


def _practice_refs(sc: SectorContent) -> tuple[dict[str, list[Ref]], dict[str, list[Ref]]]:
    """Practices by the checklist item they address and by aspect, for links both ways."""
    by_item: dict[str, list[Ref]] = {}
    by_aspect: dict[str, list[Ref]] = {a: [] for a in ASPECTS}
    for ent in sc.enterprises:
        for n, p in enumerate(ent.practices, 1):
            by_aspect[p.aspect].append((ent, p, n))
            for ref in p.items:
                by_item.setdefault(ref, []).append((ent, p, n))
    return by_item, by_aspect


def _sector_pages(content: Content, sc: SectorContent, downloads: dict[str, Download],
                  dates: dict[str, datetime.date]) -> dict[str, str]:
    own = {k.split("/", 1)[1]: d for k, d in downloads.items() if k.startswith(f"{sc.id}/")}
    by_item, by_aspect = _practice_refs(sc)
    folder, edition = f"sectors/{sc.id}", content.guide.date
    ent_files = [f"{folder}/enterprises/{e.id}.yml" for e in sc.enterprises]
    checklist_file = f"{folder}/checklist.yml"
    pages = {
        sector_src(sc): _render("sector.md", sector_src(sc), {"title": html_text(sc.sector.name)}, sc=sc, guide=content.guide, downloads=own,
                                figures=_sector_figures(sc), by_item=by_item, by_aspect=by_aspect,
                                updated=updated(dates, edition, f"{folder}/sector.yml", checklist_file, *ent_files)),
        sector_src(sc, "checklist"): _render("checklist.md", sector_src(sc, "checklist"),
                                             {"title": html_text(f"{sc.sector.name}检查清单"),
                                              "hide": ["navigation", "toc"]}, sc=sc, downloads=own,
                                             updated=updated(dates, edition, checklist_file)),
        # The self-check page is a tool, not reading: kept out of the search results.
        self_check_src(sc): _render("self-check.md", self_check_src(sc),
                                    {"title": html_text(f"{sc.sector.name}在线自查"), "search": {"exclude": True},
                                     "hide": ["toc"]}, sc=sc, data_file=selfcheck.DATA_FILE,
                                    assets=_rel(url_of(self_check_src(sc)).rstrip("/"), ASSET_DIR)),
    }
    for ent, ent_file in zip(sc.enterprises, ent_files, strict=True):
        src = enterprise_src(sc, ent)
        # An enterprise's practices illustrate the checklist items: where both match a query, the
        # item comes first (mkdocs-material ranks a whole page above its sections).
        pages[src] = _render("enterprise.md", src, {"title": html_text(ent.name), "search": {"boost": 0.3}},
                             sc=sc, ent=ent, updated=updated(dates, edition, ent_file))
    return pages


def _data_page(content: Content, downloads: dict[str, Download]) -> str:
    """The 开放数据 page: the files with their sizes, the licence, and field tables taken from the
    declarations the files are written from (the workbook's columns, the JSON's structure)."""
    from zhinan import data
    from zhinan.formats.columns import checklist_columns

    kinds = [("data/json", "JSON", "全部内容"), ("data/schema", "JSON Schema", "JSON 文件的结构和每个字段的含义"),
             ("data/csv", "CSV", "全部行业的检查清单")]
    kinds += [(f"{sc.id}/csv", "CSV", f"{sc.sector.name}检查清单") for sc in content.sectors]
    files = [(downloads[key], fmt, note) for key, fmt, note in kinds if key in downloads]
    machine = [downloads[k] for k in sorted(downloads) if k.startswith("machine/")]
    items = {f.name: f for f in public_fields(CheckItem)}
    # 核心要素, 典型隐患 and 整改要求 are shown from the item (`shows`) and filled in the published CSV
    # like the fields the importer reads; only the enterprise's own columns are empty.
    csv_fields = [(c.title, str(items[name].metadata["description"]) if (name := c.field or c.shows)
                   else "企业自查时填写，发布的数据中为空") for c in checklist_columns()]
    csv_fields[0] = (csv_fields[0][0], "本行业内的行号")
    json_fields = [(name, title, note) for record in (Content, SectorContent)
                   for name, (title, note) in data.ASSEMBLED[record].items()]
    return _render("data.md", "data.md", {"title": "开放数据"}, guide=content.guide, files=files, csv_fields=csv_fields,
                   json_fields=json_fields, machine=machine)


def render_pages(content: Content, downloads: dict[str, Download],
                 dates: dict[str, datetime.date] | None = None, sector_pages: dict[str, dict[str, str]] | None = None,
                 memo: SectorMemo | None = None, defer: set[str] | None = None) -> dict[str, str]:
    """Every page of the site as Markdown, keyed by its source path (which fixes its URL); `dates`
    are the content files' last changes (`content_dates`); `sector_pages` are pages already rendered
    for some sectors (by sector id). Given `defer` (the preview's first pass), a site-wide page made
    from the whole content that changed keeps its last text here, and its path is added to `defer`."""
    def index(src: str, made_from: tuple[Any, ...], render: Callable[[], str]) -> str:
        if memo is None:
            return render()
        if defer is not None and (last := memo.stale(src, made_from)) is not None:
            defer.add(src)
            return str(last)
        return memo.page(src, made_from, render)

    sectors = tuple(sc.sector for sc in content.sectors)
    items = tuple(sc.items for sc in content.sectors)
    enterprises = tuple(sc.enterprises for sc in content.sectors)
    pages = {
        "index.md": index("index.md", (content.guide, content.chapters, content.changes, sectors, items, enterprises,
                                       downloads.get("guide") and (downloads["guide"].label, downloads["guide"].src)),
                          lambda: _render("home.md", "index.md", {"title": "首页"}, content=content, figures=_figure_rows(content),
                                          sector_figures={sc.id: _sector_figures(sc) for sc in content.sectors},
                                          guide_pdf=downloads.get("guide"))),
    }
    pages.update({f"guide/{ch.name}": ch.markdown for ch in content.chapters})
    for sc in content.sectors:
        done = (sector_pages or {}).get(sc.id)
        pages.update(done if done is not None else _sector_pages(content, sc, downloads, dates or {}))
    pages["enterprises.md"] = index("enterprises.md", (content.guide, sectors, enterprises),
                                    lambda: _render("enterprises.md", "enterprises.md", {"title": "标杆企业名录"}, content=content))
    pages["hazards.md"] = index("hazards.md", (content.guide, sectors, items),
                                lambda: _render("hazards.md", "hazards.md", {"title": "重大隐患"}, content=content))
    pages["elements.md"] = index("elements.md", (content.guide, sectors, items),
                                 lambda: _render("elements.md", "elements.md", {"title": "核心要素索引"},
                                                                 elements=_element_index(content)))
    pages["data.md"] = index("data.md", (content.guide, sectors, tuple(sorted((k, d.label, d.src) for k, d in downloads.items()))),
                             lambda: _data_page(content, downloads))
    reference = _reference_markdown()
    if reference is not None:
        # For contributors, not readers: kept out of the search results.
        pages["reference.md"] = front_matter({"search": {"exclude": True}}) + reference
    pages["changes.md"] = content.changes.markdown if content.changes is not None else (
        f"# 本版修订说明\n\n{content.guide.edition}暂无修订说明：本版是首次发布，或与上一版的差别尚在整理。\n")
    return pages


def _nav(content: Content, pages: dict[str, str]) -> list[Any]:
    sectors = []
    for sc in content.sectors:
        children: list[Any] = [sector_src(sc), {"检查清单": sector_src(sc, "checklist")}, {"在线自查": self_check_src(sc)}]
        if sc.enterprises:
            children.append({"标杆企业": [{html_text(e.name): enterprise_src(sc, e)} for e in sc.enterprises]})
        sectors.append({html_text(sc.sector.name): children})
    nav: list[Any] = [
        {"首页": "index.md"},
        {"通用章节": [{html_text(ch.title): f"guide/{ch.name}"} for ch in content.chapters]},
        {"行业指南": sectors},
        {"索引": [{"标杆企业名录": "enterprises.md"}, {"重大隐患": "hazards.md"}, {"核心要素索引": "elements.md"}]},
        {"开放数据": "data.md"},
    ]
    nav.append({"本版修订说明": "changes.md"})
    if "reference.md" in pages:
        nav.append({"参与编写": [{"字段参考": "reference.md"}]})
    return nav


