"""Stage — site: the guide as a mkdocs-material website, generated in memory from the model.

Every page is Markdown rendered from a Jinja template in ``templates/site/``; nothing generated is
written into the content tree. MkDocs turns the pages into HTML through ``mkdocs_adapter``, the
only module that imports MkDocs (1.x is frozen, mkdocs-material ends in 2027-05): replacing the
site generator means replacing that one module, not this one.
"""

from __future__ import annotations

import contextlib
import datetime
import filecmp
import functools
import gc
import gzip
import html as html_module
import importlib.util
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import pikepdf
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import escape

from zhinan.content import parse, sanitize, stats, validate
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
from zhinan.data import JSON_NAME, SCHEMA_NAME
from zhinan.formats.names import published_name
from zhinan.pipeline import hashcache
from zhinan.pipeline.files import replace_dir, temp_dir_beside, write_text
from zhinan.pipeline.stage import BuildError
from zhinan.site import selfcheck

if TYPE_CHECKING:
    from zhinan.pipeline.stage import Alongside, BuildOptions

SITE_DIR = "site"
ASSET_DIR = "assets/zhinan"
"""Where the site's own scripts and stylesheets land in the built site."""

# Plain text is set both in Markdown and inside raw HTML blocks; numeric character references
# read the same in both, so a `*` or `|` in a hazard never turns into emphasis or a table cell.
_PLAIN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]<>&|#{}"})


@dataclass(frozen=True)
class Download:
    """A file built by an earlier stage, offered on the site under a Chinese file name."""

    label: str
    src: str
    path: Path


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


def chapter_html(src: str, markdown: str, slugify: sanitize.Slugify) -> tuple[str, list[dict[str, Any]]]:
    """A chapter page's clean HTML and its headings; its images are published under guide/, and a
    link to another chapter (`02-six-tasks.md`) leads to that chapter's page."""
    base = _rel(url_of(src).rstrip("/"), "guide/")
    html, toc = sanitize.render_with_toc(markdown, slugify, image_base="" if base == "." else base)

    def page_url(m: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join("guide", m.group(1)))
        return f'href="{_rel(url_of(src).rstrip("/"), url_of(target))}{m.group(2)}"'

    return re.sub(r'href="([^":/?#]+\.md)((?:#[^"]*)?)"', page_url, str(html)), toc


# ---- Downloads ----------------------------------------------------------------------------


def _download_plan(content: Content) -> list[tuple[str, str, str, str]]:
    """(key, label, path under the build folder, name on the site) of every possible download;
    every name carries the edition (`names.published_name`)."""
    g = content.guide

    def named(stem: str, suffix: str) -> str:
        return published_name(g, stem, suffix)

    plan = [
        ("guide", "指南全文（PDF）", "pdf/guide.pdf", named(g.title, ".pdf")),
        ("data/json", "全部内容（JSON）", f"data/{JSON_NAME}", named("指南数据", ".json")),
        ("data/schema", "JSON 的结构说明（JSON Schema）", f"data/{SCHEMA_NAME}", named("指南数据结构", ".schema.json")),
        ("data/csv", "全部行业检查清单（CSV）", "sheets/all.csv", named("全部行业-检查清单", ".csv")),
    ]
    for sc in content.sectors:
        name = sc.sector.name
        plan += [
            (f"{sc.id}/pdf", "行业指南（PDF）", f"pdf/{sc.id}.pdf", named(f"{name}-{g.title}", ".pdf")),
            (f"{sc.id}/form", "空白检查表（PDF，打印后填写）", f"pdf/{sc.id}-form.pdf", named(f"{name}-安全生产标准化检查表", ".pdf")),
            (f"{sc.id}/sheets", "三张清单（Excel 工作簿）", f"sheets/{sc.id}.xlsx", named(f"{name}-三张清单", ".xlsx")),
            (f"{sc.id}/csv", "检查清单（CSV）", f"sheets/{sc.id}.csv", named(f"{name}-检查清单", ".csv")),
        ]
    return plan


def find_downloads(content: Content, out: Path, pending: Iterable[Path] = ()) -> dict[str, Download]:
    """The downloads that the other stages have built, or are building alongside (`pending`):
    only these are linked."""
    coming = set(pending)
    return {
        key: Download(label, f"downloads/{name}", out / built)
        for key, label, built, name in _download_plan(content)
        if out / built in coming or (out / built).is_file()
    }


def copy_downloads(downloads: dict[str, Download], site_dir: Path) -> int:
    """Put the downloads into a built site, each replaced only if its bytes differ; returns how
    many were copied. MkDocs wrote an empty placeholder for each (the file may not have existed
    yet when the pages were built)."""
    copied = 0
    for d in downloads.values():
        if not d.path.is_file():
            raise BuildError(f"网站要提供下载的文件没有生成：{d.path}")
        target = site_dir / d.src
        if target.is_file() and target.stat().st_size == d.path.stat().st_size \
                and filecmp.cmp(target, d.path, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(d.path, tmp)
        os.replace(tmp, target)
        copied += 1
    return copied


_FACTS = re.compile(r'(<span class="zn-size" data-zn-file="([^"]+)">)[^<]*(</span>)')


def download_facts(path: Path, pages: int | None = None) -> str:
    """What a reader weighs before downloading on a slow line: the size, and a PDF's page count
    (`pages`, if known; else read from the file)."""
    size = path.stat().st_size
    text = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} KB"
    if path.suffix == ".pdf":
        if pages is None:
            pages = _page_count(path)
        if pages is not None:  # not a whole PDF: its size still helps
            text += f"，{pages} 页"
    return text


def _page_count(path: Path) -> int | None:
    with contextlib.suppress(pikepdf.PdfError, OSError), pikepdf.open(path) as doc:
        return len(doc.pages)
    return None


class PageCounts:
    """The page counts of the PDFs offered for download, by their place in the site, known before
    the pages need them: the PDFs already built are read in a thread while the site is generated
    (qpdf lets go of the GIL; city scale: 93 files, 3–6 s), those built beside the site are told
    by the PDF stage (`add`)."""

    def __init__(self, downloads: dict[str, Download], pending: Iterable[Path] = ()) -> None:
        self.known: dict[str, int] = {}
        self.pdfs = {d.path: d.src for d in downloads.values() if d.path.suffix == ".pdf"}
        building = set(pending)
        ready = [(src, path) for path, src in self.pdfs.items() if path not in building and path.is_file()]
        self.thread = threading.Thread(target=self._count, args=(ready,), name="zhinan-page-counts", daemon=True)
        self.thread.start()

    def _count(self, ready: list[tuple[str, Path]]) -> None:
        for src, path in ready:
            pages = _page_count(path)
            if pages is not None:
                self.known[src] = pages

    def add(self, stage_result: dict[str, Any], folder: Path) -> None:
        """The counts the PDF stage reports for the files it wrote into `folder`."""
        self.thread.join()
        for f in stage_result.get("files", []):
            src = self.pdfs.get(folder / f["file"])
            if src is not None and f.get("pages"):
                self.known[src] = int(f["pages"])

    def get(self, src: str) -> int | None:
        self.thread.join()
        return self.known.get(src)


def fill_download_facts(site_dir: Path, pages: Iterable[Path] | None = None, counts: PageCounts | None = None) -> int:
    """Write each download's size (and pages) beside its links, once the file is in the site; the
    pages were written before the PDFs were finished. Only `pages`, if given; `counts`: page counts
    already known (of the same files: the site's copies are made equal to them first). Returns how
    many pages changed (each written anew: its old bytes may be a hard link of the published site)."""
    changed = 0
    facts: dict[str, str] = {}
    for page in site_dir.rglob("*.html") if pages is None else pages:
        html = page.read_text(encoding="utf-8")
        if "data-zn-file" not in html:
            continue

        def fill(m: re.Match[str]) -> str:
            src = html_module.unescape(m.group(2))
            if src not in facts:
                target = site_dir / src
                facts[src] = f"（{download_facts(target, counts.get(src) if counts else None)}）" if target.is_file() else ""
            return f"{m.group(1)}{facts[src]}{m.group(3)}"

        new = _FACTS.sub(fill, html)
        if new != html:
            write_text(page, new)
            changed += 1
    return changed


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
def _href(ctx: Context, target: str) -> str:
    """A Markdown link from the current page's source to another source file (MkDocs resolves it)."""
    return _rel(posixpath.dirname(ctx["src"]), target)


@pass_context
def _url(ctx: Context, target: str) -> str:
    """A link for raw HTML, which MkDocs leaves alone: from the page's URL to the target's URL."""
    rel = _rel(url_of(ctx["src"]).rstrip("/"), url_of(target))
    return "./" if rel == "." else rel


@pass_context
def _markdown(ctx: Context, text: str) -> str:
    """A contributor's Markdown field as clean HTML (zhinan.content.sanitize), set apart as a raw HTML block so
    that the site's own Markdown (attribute lists, raw HTML for the templates) never reads it.
    Its images are relative to the sector folder; the page may be deeper."""
    sc = ctx.get("sc")
    folder = f"sectors/{sc.id}/" if sc is not None else ""
    base = _rel(url_of(ctx["src"]).rstrip("/"), folder)
    html = sanitize.render(text, image_base="" if base == "." else base)
    return f'<div class="zn-md">\n{html}\n</div>'


def html_text(value: Any) -> str:
    """Plain text for places the theme prints without escaping (titles, navigation, site name)."""
    return str(escape(str(value)))


def _meta(value: Any) -> str:
    """A front-matter value: escaped for HTML, quoted for YAML (JSON is YAML)."""
    return json.dumps(html_text(value), ensure_ascii=False)


def _size_slot(d: Download) -> str:
    """Where `fill_download_facts` writes the file's size and pages once the file is built."""
    return f'<span class="zn-size" data-zn-file="{html_module.escape(d.src)}"></span>'


def _plain(value: Any) -> str:
    return str(value).translate(_PLAIN)


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
    )
    env.filters.update(t=_plain, href=_href, url=_url, cn_date=_cn_date, md=_markdown, meta=_meta,
                       size_slot=_size_slot)
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
    content, downloads, dates, out = _FORKED
    sc = next(s for s in content.sectors if s.id == sector)
    return sector, _sector_pages(content, sc, downloads, dates), _sector_data(content, sc, out)


def _render_sectors(content: Content, downloads: dict[str, Download], dates: dict[str, datetime.date], out: Path,
                    memo: SectorMemo, workers: int) -> dict[str, str]:
    """Render the sectors `memo` does not hold in `workers` forked processes, into `memo`.

    Only when no other stage is running beside the site (`zhinan build --only site`; not in a full
    build, whose PDF workers use the cores, nor in the preview, whose memo lives in memory): then
    the other cores are idle, and the sectors are most of what the site stage does besides MkDocs
    (city scale: about 20 s, half of it the self-check pages' blank workbooks). Returns each
    sector's key in `memo`."""
    global _FORKED
    keys = {sc.id: hashcache.key(*_made_from(content, sc, downloads, dates)) for sc in content.sectors}
    todo = [sc.id for sc in content.sectors if memo.get(sc.id, keys[sc.id]) is None]
    if workers < 2 or len(todo) < 2:
        return keys
    _FORKED = (content, downloads, dates, out)
    try:
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=multiprocessing.get_context("fork")) as pool:
            for sector, pages, data in pool.map(_render_sector, todo):
                memo.put(sector, keys[sector], pages, data)
    finally:
        _FORKED = None
    return keys


def enterprise_src(sc: SectorContent, ent: Enterprise) -> str:
    return f"sectors/{sc.id}/enterprises/{ent.id}.md"


def _render(template: str, src: str, **context: Any) -> str:
    return _env().get_template(f"site/{template}").render(src=src, **context)


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
        sector_src(sc): _render("sector.md", sector_src(sc), sc=sc, guide=content.guide, downloads=own,
                                figures=_sector_figures(sc), by_item=by_item, by_aspect=by_aspect,
                                updated=updated(dates, edition, f"{folder}/sector.yml", checklist_file, *ent_files)),
        sector_src(sc, "checklist"): _render("checklist.md", sector_src(sc, "checklist"), sc=sc, downloads=own,
                                             updated=updated(dates, edition, checklist_file)),
        self_check_src(sc): _render("self-check.md", self_check_src(sc), sc=sc, data_file=selfcheck.DATA_FILE,
                                    assets=_rel(url_of(self_check_src(sc)).rstrip("/"), ASSET_DIR)),
    }
    for ent, ent_file in zip(sc.enterprises, ent_files, strict=True):
        src = enterprise_src(sc, ent)
        pages[src] = _render("enterprise.md", src, sc=sc, ent=ent, updated=updated(dates, edition, ent_file))
    return pages


def _data_page(content: Content, downloads: dict[str, Download]) -> str:
    """The 开放数据 page: the files with their sizes, the licence, and field tables taken from the
    declarations the files are written from (the workbook's columns, the JSON's structure)."""
    from zhinan import data, sheets

    kinds = [("data/json", "JSON", "全部内容"), ("data/schema", "JSON Schema", "JSON 文件的结构和每个字段的含义"),
             ("data/csv", "CSV", "全部行业的检查清单")]
    kinds += [(f"{sc.id}/csv", "CSV", f"{sc.sector.name}检查清单") for sc in content.sectors]
    files = [(downloads[key], fmt, note) for key, fmt, note in kinds if key in downloads]
    items = {f.name: f for f in public_fields(CheckItem)}
    csv_fields = [(c.title, items[c.field].metadata["description"] if c.field else "企业自查时填写，发布的数据中为空")
                  for c in sheets.checklist_columns()]
    csv_fields[0] = (csv_fields[0][0], "本行业内的行号")
    json_fields = [(name, title, note) for record in (Content, SectorContent)
                   for name, (title, note) in data.ASSEMBLED[record].items()]
    return _render("data.md", "data.md", guide=content.guide, files=files, csv_fields=csv_fields,
                   json_fields=json_fields)


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
                          lambda: _render("home.md", "index.md", content=content, figures=_figure_rows(content),
                                          sector_figures={sc.id: _sector_figures(sc) for sc in content.sectors},
                                          guide_pdf=downloads.get("guide"))),
    }
    pages.update({f"guide/{ch.name}": ch.markdown for ch in content.chapters})
    for sc in content.sectors:
        done = (sector_pages or {}).get(sc.id)
        pages.update(done if done is not None else _sector_pages(content, sc, downloads, dates or {}))
    pages["enterprises.md"] = index("enterprises.md", (content.guide, sectors, enterprises),
                                    lambda: _render("enterprises.md", "enterprises.md", content=content))
    pages["hazards.md"] = index("hazards.md", (content.guide, sectors, items),
                                lambda: _render("hazards.md", "hazards.md", content=content))
    pages["elements.md"] = index("elements.md", (content.guide, sectors, items),
                                 lambda: _render("elements.md", "elements.md", elements=_element_index(content)))
    pages["data.md"] = index("data.md", (content.guide, sectors, tuple(sorted((k, d.label, d.src) for k, d in downloads.items()))),
                             lambda: _data_page(content, downloads))
    reference = _reference_markdown()
    if reference is not None:
        # For contributors, not readers: kept out of the search results.
        pages["reference.md"] = f"---\nsearch:\n  exclude: true\n---\n{reference}"
    pages["changes.md"] = content.changes.markdown if content.changes is not None else (
        f"# 本版修订说明\n\n{content.guide.edition}没有修订说明：本版是首次发布，或编写组尚未用 "
        "`zhinan changelog` 写出与上一版的差别。\n")
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


def _static_files(content: Content, root: Path) -> dict[str, Path]:
    """Images of practices and the site's own assets: copied as they are."""
    files: dict[str, Path] = {}
    for sc in content.sectors:
        for img in {i.src for e in sc.enterprises for p in e.practices for i in p.images} | _markdown_images(sc):
            files[f"sectors/{sc.id}/{img}"] = _publishable(root, f"sectors/{sc.id}", img)
    for img in {src for ch in content.chapters for src in sanitize.images(ch.markdown)}:
        files[f"guide/{img}"] = _publishable(root, "guides", img)
    assets = resources.files("zhinan") / "assets" / "zhinan"
    for path in _walk(Path(str(assets))):
        files[f"{ASSET_DIR}/{path.relative_to(Path(str(assets))).as_posix()}"] = path
    return files


def _markdown_images(sc: SectorContent) -> set[str]:
    """Images written in the sector's Markdown fields (paths relative to the sector folder)."""
    texts = [sc.sector.summary, sc.sector.scope or "", *(it.rectification or "" for it in sc.items)]
    for e in sc.enterprises:
        texts += [e.summary, *(t for p in e.practices for t in (p.body, p.results or ""))]
    return {unquote(src) for text in texts for src in sanitize.images(text)}


def _publishable(root: Path, folder: str, src: str) -> Path:
    """A content image that may be published: inside its folder (links followed), nothing active in an SVG.
    The check reports these first; the build refuses them again, in case it was bypassed."""
    path = root / folder / src
    if not parse.inside(root / folder, path):
        raise BuildError(parse.outside_message(f"{folder}/{src}"))
    if path.suffix.lower() == ".svg" and path.is_file():
        found = sanitize.svg_problems(path.read_bytes())
        if found:
            raise BuildError(f"SVG 图片 {folder}/{src} 不能发布：{'；'.join(found)}")
    return path


def _walk(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def source(content: Content, root: Path, out: Path, pending: Iterable[Path] = (),
           memo: SectorMemo | None = None, workers: int = 1, defer: set[str] | None = None) -> SiteSource:
    """The whole site, ready for the generator; `memo` spares rendering the sectors that did not
    change, and those that did are rendered in `workers` processes (see `_render_sectors`); `defer`
    as in `render_pages`."""
    downloads = find_downloads(content, out, pending)
    dates = content_dates(root)
    keys = _render_sectors(content, downloads, dates, out, memo, workers) if memo is not None and not memo.live else {}
    done = {sc.id: _sector_output(content, sc, downloads, dates, out, memo, keys.get(sc.id), defer)
            for sc in content.sectors}
    pages = render_pages(content, downloads, dates, {k: v[0] for k, v in done.items()}, memo, defer)
    g = content.guide
    return SiteSource(
        pages=pages,
        files=_static_files(content, root),
        nav=_nav(content, pages),
        site_name=html_text(g.title),
        copyright=html_text(f"{g.issuer} · {g.edition} · {_cn_date(g.date)}发布"),
        downloads=downloads,
        chapters={f"guide/{ch.name}" for ch in content.chapters} | ({"changes.md"} if content.changes else set()),
        generated={_data_src(sc): done[sc.id][1] for sc in content.sectors},
    )


NOT_FOUND_DEPTH = 8
"""How many folders below the site's root a missing address may be and the 404 page still find it."""


def not_found_html(site_name: str, stylesheets: list[str]) -> str:
    """The 404 page: Chinese, with links home and to the search, working at any depth below the
    site, from a sub-folder and from disk. Its links are set by `not-found.js`, loaded by trying
    each depth (a server answers the wrong ones with 404, which browsers do not run)."""
    scripts = "".join(f'<script src="{"../" * d}{ASSET_DIR}/not-found.js"></script>' for d in range(NOT_FOUND_DEPTH + 1))
    css = "".join(f'<link rel="stylesheet" data-zn-css="{html_module.escape(c)}" href="/{html_module.escape(c)}">'
                  for c in stylesheets)
    name = html_module.escape(site_name)
    return f"""<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>页面不存在 - {name}</title>
{css}
{scripts}
</head>
<body>
<main class="md-main"><div class="md-main__inner md-grid"><div class="md-content"><article class="md-content__inner md-typeset">
<h1>页面不存在</h1>
<p>您要找的页面不在《{name}》中，可能是地址输错了，或者页面已经移动。</p>
<ul>
<li><a data-zn-root="" href="/">返回首页</a></li>
<li><a data-zn-root="?q=" href="/?q=">打开搜索</a>，按检查项目、隐患或编号（如 <span class="zn-nobr">WHP-001</span>）查找</li>
</ul>
<form class="zn-search-form" data-zn-root="" action="/" method="get" role="search">
<label for="zn-q">搜索本指南</label> <input id="zn-q" name="q" type="search"> <button type="submit">搜索</button>
</form>
</article></div></div></main>
</body>
</html>
"""


# ---- The stage ------------------------------------------------------------------------------


def default_config() -> Path:
    """The MkDocs configuration used for a content root without its own mkdocs.yml."""
    return Path(str(resources.files("zhinan") / "templates" / "site" / "mkdocs.yml"))


def config_file(root: Path) -> Path:
    own = root / "mkdocs.yml"
    return own if own.is_file() else default_config()


def source_key(site: SiteSource, config: Path) -> str:
    """Everything the built site's pages are made from: pages, copied files' bytes, configuration,
    and which downloads are offered (their bytes are compared when they are copied)."""
    files = sorted(site.files.items())
    return hashcache.key(site.pages, site.nav, site.site_name, site.copyright, [dest for dest, _ in files],
                         hashcache.file_digest(*(path for _, path in files)), config.read_bytes(),
                         sorted(d.src for d in site.downloads.values()), site.generated)


_HEAD = re.compile(r"\A(---\n.*?\n---\n)?(?:.*?^(# [^\n]*)$)?", re.DOTALL | re.MULTILINE)


def frame_key(site: SiteSource, config: Path) -> str:
    """Everything a page shows besides its own text: the navigation, every page's title (its first
    heading and front matter: the navigation and its neighbours' footers show it), the site's name,
    the configuration and the set of files. While it is unchanged, a page whose Markdown did not
    change is written with the same bytes, and a build renders only the pages that changed."""
    heads = [(src, m.groups() if (m := _HEAD.match(md)) else None) for src, md in site.pages.items()]
    return hashcache.key(heads, site.nav, site.site_name, site.copyright, sorted(site.files), config.read_bytes(),
                         sorted(d.src for d in site.downloads.values()), sorted(site.generated), sorted(site.chapters))


def lay_over(part: Path, site_dir: Path, *, whole: bool = False) -> list[Path]:
    """Move the files of a (partial) build `part` into `site_dir`, each only where its bytes differ, by
    rename: a file of `site_dir` is never written in place (it may be a hard link of the published
    site). With `whole`, files that `part` lacks are removed. Returns the files written."""
    written: list[Path] = []
    names: set[Path] = set()
    for path in _walk(part):
        rel = path.relative_to(part)
        names.add(rel)
        target = site_dir / rel
        if target.is_file() and target.stat().st_size == path.stat().st_size and filecmp.cmp(target, path, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        written.append(target)
    if whole:
        for path in _walk(site_dir):
            if path.relative_to(site_dir) not in names:
                path.unlink()
    return written


def build(content: Content, opts: BuildOptions, alongside: Alongside | None = None) -> dict[str, Any]:
    """Build the site into `opts.out/site`; the previous site stays until the new one is complete.

    `alongside` is a stage still running beside this one (the PDFs): its files are linked now and
    copied in once it has finished. When nothing the pages are made from has changed, the built
    site is kept as it is and only changed downloads are copied into it."""
    from zhinan.site import mkdocs as mkdocs_adapter  # the generator is loaded only when a site is built

    started = time.perf_counter()
    final = opts.out / SITE_DIR
    memo = SectorMemo(opts.out / hashcache.CACHE_DIR / "site-sectors.json")
    site = source(content, opts.root, opts.out, alongside.outputs if alongside else (), memo,
                  workers=1 if alongside else opts.jobs)
    counts = PageCounts(site.downloads, alongside.outputs if alongside else ())
    store = hashcache.Cache(opts.out, "site")
    key = source_key(site, config_file(opts.root))
    marker = final / "index.html"
    waited = 0.0

    def wait() -> None:
        nonlocal waited
        if alongside is not None:
            t0 = time.perf_counter()
            counts.add(alongside.wait(), opts.out / "pdf")
            waited = time.perf_counter() - t0

    if store.get(marker, key) is not None:
        memo.save()
        wait()
        copied = copy_downloads(site.downloads, final)
        fill_download_facts(final, counts=counts)
        opts.progress.step("site", len(site.pages), len(site.pages), f"网站（未变，沿用；更新下载文件 {copied} 个）")
        return {"seconds": round(time.perf_counter() - started - waited, 3), "waited_seconds": round(waited, 3),
                "cached": True, **measure(final), "downloads": sorted(site.downloads)}
    state_file = opts.out / hashcache.CACHE_DIR / "site-state.json"
    frame = frame_key(site, config_file(opts.root))
    previous = mkdocs_adapter.SiteState.load(state_file) if marker.is_file() else None
    partial = previous is not None and previous.frame == frame
    rendered = len(previous.changed(site.pages)) if previous is not None and partial else len(site.pages)
    tmp = temp_dir_beside(final)
    try:
        opts.progress.step("site", 0, rendered, "生成网页")
        # Everything alive now (the model, the pages, the previous build's state) lives until the
        # end: set it aside from the cyclic collector, which otherwise walks it on every full
        # collection while MkDocs allocates (city scale: the search plugin's indexing took 66 s
        # instead of 33 s; a plain `mkdocs build` has none of it in memory).
        gc.freeze()
        state = mkdocs_adapter.build_site(site, config_file(opts.root), docs_dir=opts.root / "guides", site_dir=tmp,
                                          previous=previous, frame=frame)
        wait()
        if partial:  # only the changed pages were rendered: lay them over the previous site
            written = lay_over(tmp, final)
            # A download that changed (its sector's PDF) changes the size shown on pages not rendered again.
            copied = copy_downloads(site.downloads, final)
            fill_download_facts(final, None if copied else [p for p in written if p.suffix == ".html"], counts)
        else:
            copy_downloads(site.downloads, tmp)
            fill_download_facts(tmp, counts=counts)
            replace_dir(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    state.save(state_file)
    memo.save()
    store.put(marker, key)
    store.save()
    opts.progress.step("site", rendered, rendered, "网站（只生成有改动的网页）" if partial else "网站")
    return {"seconds": round(time.perf_counter() - started - waited, 3), "waited_seconds": round(waited, 3),
            "cached": False, "pages_rendered": rendered, **measure(final), "downloads": sorted(site.downloads)}


def measure(site_dir: Path) -> dict[str, Any]:
    """Sizes worth watching: the whole site, the search index (raw and gzip'd), the median page."""
    pages = [p.stat().st_size for p in site_dir.rglob("*.html")]
    index = site_dir / "search" / "search_index.json"
    raw = index.read_bytes() if index.is_file() else b""
    return {
        "path": str(site_dir),
        "pages": len(pages),
        "site_bytes": sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file()),
        "search_index_bytes": len(raw),
        "search_index_gzip_bytes": len(gzip.compress(raw, 6)) if raw else 0,
        "median_page_bytes": int(statistics.median(pages)) if pages else 0,
    }


class Preview:
    """The content as `zhinan serve` sees it: loaded again on each change, but each file parsed and
    checked again only if its text changed, and each sector rendered again only if it changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = validate.FileMemo()
        self.memo = SectorMemo()

    def source(self, defer: set[str] | None = None) -> SiteSource:
        content = validate.load_content(self.root, memo=self.files)
        return source(content, self.root, self.root / "build", memo=self.memo, defer=defer)


def serve(root: Path, *, dev_addr: str, open_in_browser: bool = False) -> None:
    """Preview with live reload: a change under sectors/ or guides/ renders again the pages it changes."""
    from zhinan.site import mkdocs as mkdocs_adapter

    mkdocs_adapter.preview(config_file(root), docs_dir=root / "guides", watch=[root / "sectors", root / "guides"],
                           dev_addr=dev_addr, source=Preview(root).source, open_in_browser=open_in_browser)
