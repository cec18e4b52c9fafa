"""Stage — site: the guide as a mkdocs-material website, generated in memory from the model.

Every page is Markdown rendered from a Jinja template in ``templates/site/``; nothing generated is
written into the content tree. MkDocs turns the pages into HTML through ``mkdocs_adapter``, the
only module that imports MkDocs (1.x is frozen, mkdocs-material ends in 2027-05): replacing the
site generator means replacing that one module, not this one.
"""

from __future__ import annotations

import datetime
import filecmp
import functools
import gzip
import importlib.util
import os
import posixpath
import shutil
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from zhinan import cache as hashcache
from zhinan import stats
from zhinan.model import ASPECTS, ELEMENTS, CheckItem, Content, Enterprise, Practice, SectorContent
from zhinan.output import replace_dir, temp_dir_beside
from zhinan.stage import BuildError

if TYPE_CHECKING:
    from zhinan.stage import Alongside, BuildOptions

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


# ---- Downloads ----------------------------------------------------------------------------


def _download_plan(content: Content) -> list[tuple[str, str, str, str]]:
    """(key, label, path under the build folder, name on the site) of every possible download."""
    g = content.guide
    plan = [("guide", "指南全文（PDF）", "pdf/guide.pdf", f"{g.title}（{g.edition}）.pdf")]
    for sc in content.sectors:
        name = sc.sector.name
        plan += [
            (f"{sc.id}/pdf", "行业指南（PDF）", f"pdf/{sc.id}.pdf", f"{name}-{g.title}.pdf"),
            (f"{sc.id}/form", "空白检查表（PDF，打印后填写）", f"pdf/{sc.id}-form.pdf", f"{name}-安全生产标准化检查表.pdf"),
            (f"{sc.id}/sheets", "三张清单（Excel 工作簿）", f"sheets/{sc.id}.xlsx", f"{name}-三张清单.xlsx"),
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


# ---- Pages ----------------------------------------------------------------------------------


def url_of(src: str) -> str:
    """The directory URL a page source gets (`a/b.md` → `a/b/`, `a/index.md` → `a/`)."""
    stem = src.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


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
    env.filters.update(t=_plain, href=_href, url=_url, cn_date=_cn_date)
    env.globals.update(ASPECTS=ASPECTS, ELEMENTS=ELEMENTS, sector_src=sector_src, enterprise_src=enterprise_src)
    return env


def sector_src(sc: SectorContent, page: str = "index") -> str:
    return f"sectors/{sc.id}/{page}.md"


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
    if importlib.util.find_spec("zhinan.reference") is None:
        return None
    module = importlib.import_module("zhinan.reference")
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


def _sector_pages(content: Content, sc: SectorContent, downloads: dict[str, Download]) -> dict[str, str]:
    own = {k.split("/", 1)[1]: d for k, d in downloads.items() if k.startswith(f"{sc.id}/")}
    by_item, by_aspect = _practice_refs(sc)
    pages = {
        sector_src(sc): _render("sector.md", sector_src(sc), sc=sc, guide=content.guide, downloads=own,
                                figures=_sector_figures(sc), by_item=by_item, by_aspect=by_aspect),
        sector_src(sc, "checklist"): _render("checklist.md", sector_src(sc, "checklist"), sc=sc),
    }
    for ent in sc.enterprises:
        src = enterprise_src(sc, ent)
        pages[src] = _render("enterprise.md", src, sc=sc, ent=ent)
    return pages


def render_pages(content: Content, downloads: dict[str, Download]) -> dict[str, str]:
    """Every page of the site as Markdown, keyed by its source path (which fixes its URL)."""
    pages = {
        "index.md": _render("home.md", "index.md", content=content, figures=_figure_rows(content),
                            sector_figures={sc.id: _sector_figures(sc) for sc in content.sectors},
                            guide_pdf=downloads.get("guide")),
    }
    pages.update({f"guide/{ch.name}": ch.markdown for ch in content.chapters})
    for sc in content.sectors:
        pages.update(_sector_pages(content, sc, downloads))
    pages["enterprises.md"] = _render("enterprises.md", "enterprises.md", content=content)
    pages["hazards.md"] = _render("hazards.md", "hazards.md", content=content)
    pages["elements.md"] = _render("elements.md", "elements.md", elements=_element_index(content))
    reference = _reference_markdown()
    if reference is not None:
        pages["reference.md"] = reference
    if content.changes is not None:
        pages["changes.md"] = content.changes.markdown
    return pages


def _nav(content: Content, pages: dict[str, str]) -> list[Any]:
    sectors = []
    for sc in content.sectors:
        children: list[Any] = [sector_src(sc), {"检查清单": sector_src(sc, "checklist")}]
        if sc.enterprises:
            children.append({"标杆企业": [{e.name: enterprise_src(sc, e)} for e in sc.enterprises]})
        sectors.append({sc.sector.name: children})
    nav: list[Any] = [
        {"首页": "index.md"},
        {"通用章节": [{ch.title: f"guide/{ch.name}"} for ch in content.chapters]},
        {"行业指南": sectors},
        {"索引": [{"标杆企业名录": "enterprises.md"}, {"重大隐患": "hazards.md"}, {"核心要素索引": "elements.md"}]},
    ]
    nav += [{title: src} for src, title in (("reference.md", "字段参考"), ("changes.md", "本版修订说明")) if src in pages]
    return nav


def _static_files(content: Content, root: Path) -> dict[str, Path]:
    """Images of practices and the site's own assets: copied as they are."""
    files: dict[str, Path] = {}
    for sc in content.sectors:
        for img in {i.src for e in sc.enterprises for p in e.practices for i in p.images}:
            files[f"sectors/{sc.id}/{img}"] = root / "sectors" / sc.id / img
    assets = resources.files("zhinan") / "assets" / "zhinan"
    for path in _walk(Path(str(assets))):
        files[f"{ASSET_DIR}/{path.relative_to(Path(str(assets))).as_posix()}"] = path
    return files


def _walk(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def source(content: Content, root: Path, out: Path, pending: Iterable[Path] = ()) -> SiteSource:
    """The whole site, ready for the generator."""
    downloads = find_downloads(content, out, pending)
    pages = render_pages(content, downloads)
    g = content.guide
    return SiteSource(
        pages=pages,
        files=_static_files(content, root),
        nav=_nav(content, pages),
        site_name=g.title,
        copyright=f"{g.issuer} · {g.edition} · {_cn_date(g.date)}发布",
        downloads=downloads,
    )


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
                         sorted(d.src for d in site.downloads.values()))


def build(content: Content, opts: BuildOptions, alongside: Alongside | None = None) -> dict[str, Any]:
    """Build the site into `opts.out/site`; the previous site stays until the new one is complete.

    `alongside` is a stage still running beside this one (the PDFs): its files are linked now and
    copied in once it has finished. When nothing the pages are made from has changed, the built
    site is kept as it is and only changed downloads are copied into it."""
    from zhinan import mkdocs_adapter  # the generator is loaded only when a site is built

    started = time.perf_counter()
    final = opts.out / SITE_DIR
    site = source(content, opts.root, opts.out, alongside.outputs if alongside else ())
    store = hashcache.Cache(opts.out, "site")
    key = source_key(site, config_file(opts.root))
    marker = final / "index.html"
    waited = 0.0

    def wait() -> None:
        nonlocal waited
        if alongside is not None:
            t0 = time.perf_counter()
            alongside.wait()
            waited = time.perf_counter() - t0

    if store.get(marker, key) is not None:
        wait()
        copied = copy_downloads(site.downloads, final)
        opts.progress.step("site", len(site.pages), len(site.pages), f"网站（未变，沿用；更新下载文件 {copied} 个）")
        return {"seconds": round(time.perf_counter() - started - waited, 3), "waited_seconds": round(waited, 3),
                "cached": True, **measure(final), "downloads": sorted(site.downloads)}
    tmp = temp_dir_beside(final)
    try:
        opts.progress.step("site", 0, len(site.pages), "生成网页")
        mkdocs_adapter.build_site(site, config_file(opts.root), docs_dir=opts.root / "guides", site_dir=tmp)
        wait()
        copy_downloads(site.downloads, tmp)
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.put(marker, key)
    store.save()
    opts.progress.step("site", len(site.pages), len(site.pages), "网站")
    return {"seconds": round(time.perf_counter() - started - waited, 3), "waited_seconds": round(waited, 3),
            "cached": False, **measure(final), "downloads": sorted(site.downloads)}


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


def serve(root: Path, *, dev_addr: str, open_in_browser: bool = False) -> None:
    """Preview with live reload: the plugin reloads the content whenever sectors/ or guides/ change."""
    from zhinan import mkdocs_adapter

    mkdocs_adapter.serve(config_file(root), docs_dir=root / "guides", dev_addr=dev_addr, open_in_browser=open_in_browser)
