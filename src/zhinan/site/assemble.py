"""What MkDocs is given: the pages, the navigation, the files to copy (assets, images, downloads),
all checked to lie inside the content root; the keys that say what a built site is made from; and
`lay_over`, which moves a (partial) build into a site folder by rename only.
"""

from __future__ import annotations

import filecmp
import html as html_module
import os
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zhinan.content import parse, sanitize
from zhinan.content.model import (
    Content,
    SectorContent,
)
from zhinan.pipeline import hashcache
from zhinan.pipeline.stage import BuildError

if TYPE_CHECKING:
    pass
from zhinan.site.downloads import find_downloads
from zhinan.site.pages import (
    ASSET_DIR,
    SectorMemo,
    SiteSource,
    _cn_date,
    _data_src,
    _nav,
    _render_sectors,
    _sector_output,
    content_dates,
    html_text,
    render_pages,
)


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
        readers=readers_words(content),
    )


def readers_words(content: Content) -> dict[str, Any]:
    """What the site's search is given of guides/synonyms.yml and the sectors: the readers' words,
    each sector's page and the names a query may call it by (its own name first), and the
    prefixes of item ids."""
    sectors = [{"url": f"sectors/{sc.id}/", "names": [sc.sector.name, *content.readers.sectors.get(sc.id, ())]}
               for sc in content.sectors]
    return {"words": dict(content.readers.words), "sectors": sectors,
            "prefixes": sorted({sc.sector.prefix for sc in content.sectors}, key=lambda p: (-len(p), p))}


NOT_FOUND_DEPTH = 8
"""How many folders below the site's root a missing address may be and the 404 page still find it."""


def not_found_html(site_name: str, stylesheets: list[str]) -> str:
    """The 404 page: Chinese, under the site's header (its name, linking home), with links home
    and to the search, working at any depth below the site, from a sub-folder and from disk. (`dir`
    is set: the theme indents lists only under `[dir=ltr]`.) Its links are set by `not-found.js`, loaded by trying
    each depth (a server answers the wrong ones with 404, which browsers do not run)."""
    scripts = "".join(f'<script src="{"../" * d}{ASSET_DIR}/not-found.js"></script>' for d in range(NOT_FOUND_DEPTH + 1))
    css = "".join(f'<link rel="stylesheet" data-zn-css="{html_module.escape(c)}" href="/{html_module.escape(c)}">'
                  for c in stylesheets)
    name = html_module.escape(site_name)
    return f"""<!doctype html>
<html lang="zh" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>页面不存在 - {name}</title>
{css}
{scripts}
</head>
<body dir="ltr">
<header class="md-header md-header--shadow">
<nav class="md-header__inner md-grid" aria-label="页眉">
<div class="md-header__title"><div class="md-header__ellipsis"><div class="md-header__topic">
<a class="zn-site-name" data-zn-root="" href="/"><span class="md-ellipsis">{name}</span></a>
</div></div></div>
</nav>
</header>
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

