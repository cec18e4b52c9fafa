"""Stage — site: the guide as a mkdocs-material website, generated in memory from the model.

Every page is Markdown rendered from a Jinja template in ``templates/site/`` (`pages`); nothing
generated is written into the content tree. MkDocs turns the pages into HTML through
`zhinan.site.mkdocs`, the only package that imports MkDocs (1.x is frozen, mkdocs-material ends in
2027-05): replacing the site generator means replacing that one package. It imports `pages` and
`source` and never this module; this module imports it.
"""

from __future__ import annotations

import gc
import gzip
import shutil
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhinan.content import validate
from zhinan.content.model import (
    Content,
)
from zhinan.pipeline import hashcache
from zhinan.pipeline.files import replace_dir, temp_dir_beside

if TYPE_CHECKING:
    from zhinan.pipeline.stage import Alongside, BuildOptions
from zhinan.site.assemble import config_file, frame_key, lay_over, source, source_key
from zhinan.site.downloads import PageCounts, copy_downloads, fill_download_facts
from zhinan.site.pages import SITE_DIR, SectorMemo, SiteSource


def build(content: Content, opts: BuildOptions, alongside: Alongside | None = None) -> dict[str, Any]:
    """Build the site into `opts.out/site`; the previous site stays until the new one is complete.

    `alongside` is a stage still running beside this one (the PDFs): its files are linked now and
    copied in once it has finished. When nothing the pages are made from has changed, the built
    site is kept as it is and only changed downloads are copied into it."""
    from zhinan.site.mkdocs.build import build_site  # the generator is loaded only when a site is built
    from zhinan.site.mkdocs.plugin import SiteState

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
    previous = SiteState.load(state_file) if marker.is_file() else None
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
        state = build_site(site, config_file(opts.root), docs_dir=opts.root / "guides", site_dir=tmp,
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
    from zhinan.site.mkdocs.preview import preview

    preview(config_file(root), docs_dir=root / "guides", watch=[root / "sectors", root / "guides"],
                           dev_addr=dev_addr, source=Preview(root).source, open_in_browser=open_in_browser)
