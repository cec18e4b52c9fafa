"""The `zhinan` MkDocs plugin: it loads and validates the content once, then hands MkDocs the pages
that `zhinan.site` renders in memory (`File.generated`; nothing generated is ever committed), keeps
what each build rendered (`SiteState`) so the next renders only changed pages, and gives every page
its Content-Security-Policy. The content root is the parent of `docs_dir` (which is `guides/`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba
import jinja2
import jinja2.bccache
import material.plugins.search.plugin as material_search
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from zhinan.content.problems import ContentError
from zhinan.content.validate import load_content
from zhinan.pipeline.files import write_text
from zhinan.site.assemble import not_found_html
from zhinan.site.assemble import source as site_source
from zhinan.site.downloads import fill_download_facts
from zhinan.site.mkdocs.search import (
    _default_slugify,
    _load_safety_terms,
    _SegmentOnce,
    mend_worker,
    write_search_index,
)
from zhinan.site.pages import ASSET_DIR, SiteSource, chapter_html

log = logging.getLogger("mkdocs.plugins.zhinan")

WATCHED = ("sectors", "guides")
"""Content folders whose changes rebuild the site under `zhinan serve` / `mkdocs serve`."""


class ZhinanConfig(Config):  # type: ignore[no-untyped-call]
    out = config_options.Type(str, default="build")
    """Build folder, relative to the content root, whose PDFs and workbooks are offered as downloads."""


@dataclass
class SiteState:
    """What one site build leaves for the next, so that the next renders only the pages that changed.

    `frame` is the key of everything every page shows besides its own text (navigation, every
    page's title, configuration, the set of files); while it stays the same, a page whose Markdown is
    unchanged would be written with the same bytes, and is not rendered again."""

    frame: str
    pages: dict[str, str] = field(default_factory=dict)
    """Each page's source path → a digest of its Markdown."""
    titles: dict[str, str] = field(default_factory=dict)
    """Each page's title as MkDocs found it (its neighbours' footers and the navigation show it)."""
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Each page's URL → its entries in the search index, as published (with their subwords)."""
    files: dict[str, str] = field(default_factory=dict)
    """The other files made or copied (self-check data, images, the site's own assets) → a digest
    of their bytes, or the size and time of change of the file copied."""

    @classmethod
    def load(cls, path: Path) -> SiteState | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(frame=data["frame"], pages=data["pages"], titles=data["titles"], search=data["search"],
                       files=data["files"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no state, or an unreadable one: the next build renders every page

    def save(self, path: Path) -> None:
        write_text(path, json.dumps({"frame": self.frame, "pages": self.pages, "titles": self.titles,
                                     "search": self.search, "files": self.files},
                                    ensure_ascii=False, separators=(",", ":")))

    def changed(self, pages: dict[str, str]) -> set[str]:
        """The pages of `pages` whose Markdown differs from this build's (or that it did not have)."""
        return {src for src, md in pages.items() if self.pages.get(src) != page_digest(md)}

    def unsearched(self) -> list[str]:
        """The pages this build rendered without their search entries (`build_site`'s `search_later`)."""
        return [src for src, digest in self.pages.items() if digest == UNSEARCHED]


UNSEARCHED = "unsearched"
"""The digest a page rendered without its search entries is given: no Markdown has it, so the next
build renders the page again, with them."""


def page_digest(markdown: str) -> str:
    return hashlib.sha256(markdown.encode()).hexdigest()


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


class ZhinanPlugin(BasePlugin[ZhinanConfig]):  # type: ignore[no-untyped-call]
    """Generates the guide's pages from the content model."""

    def __init__(self) -> None:
        super().__init__()
        self.source: SiteSource | None = None
        """Set beforehand by `build_site`, so `zhinan build` does not load the content twice."""
        self.preview = False
        """True under `zhinan serve` / `mkdocs serve`: MkDocs injects its live-reload script inline."""
        self.reload = False
        """True under plain `mkdocs serve`: the plugin lives on and loads the content on every rebuild."""
        self.downloads_later = False
        """Set by `build_site`: the downloads may still be being built, and `zhinan.site` copies
        them into the site afterwards; MkDocs writes an empty placeholder for each link target."""
        self.managed = False
        """Set by `build_site`, whose caller puts the downloads in and writes their sizes."""
        self.previous: SiteState | None = None
        """Set by `build_site` for a partial build: the state of the build whose pages are kept."""
        self.search_later = False
        """Set by `build_site` for a partial build whose pages keep their previous search entries."""
        self.frame = ""
        self.rendered: set[str] = set()
        """The pages this build renders (every page, unless `previous` is set)."""
        self.state: SiteState | None = None
        """What this build leaves for the next (set when it has finished)."""
        self._order: list[str] = []
        self._titles: dict[str, str] = {}
        self._built: set[str] = set()
        self._files: dict[str, str] = {}
        self._all_files = Files([])

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # (With this method MkDocs keeps the plugin across the rebuilds of `serve`.)
        self.preview = self.reload = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _load_safety_terms()
        if material_search.jieba is jieba:
            material_search.jieba = _SegmentOnce()
        root = Path(config.docs_dir).parent
        if self.source is None or self.reload:  # under `mkdocs serve` the plugin lives on: reload each time
            try:
                content = load_content(root)
            except ContentError as exc:
                raise PluginError(f"内容有 {len(exc.problems)} 个问题：\n{exc.report()}") from exc
            self.source = site_source(content, root, root / self.config.out)
        config.nav = self.source.nav
        # The theme's 404 page (the whole navigation, links that work only at the server's root) is
        # replaced by `write_not_found`: not rendering it spares a second per city-scale build.
        config.theme.static_templates.discard("404.html")
        if self.preview:
            config.theme.get_env = functools.partial(_listed_once, config.theme.get_env)  # type: ignore[method-assign]
        config.site_name = self.source.site_name
        config.copyright = self.source.copyright
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        # guides/ is only MkDocs' required docs_dir: every page and file comes from the model;
        # the theme's own files are kept.
        assert self.source is not None
        docs = Path(config.docs_dir).resolve()
        kept = [f for f in files if f.abs_src_path is None or not Path(f.abs_src_path).resolve().is_relative_to(docs)]
        if self.previous is not None:  # the theme's files are part of the frame (its version): already in place
            for f in kept:
                # …but for the search worker, which carries the readers' words and the characters of
                # this build's index (`mend_worker`): copied and written again each build.
                if not f.src_uri.startswith("assets/javascripts/workers/search."):
                    f.is_modified = _unchanged  # type: ignore[method-assign]
        kept += [File.generated(config, src, content=md) for src, md in self.source.pages.items()]
        self._files = {src: _stamp(path) for src, path in self.source.files.items()}
        self._files.update((src, page_digest(text)) for src, text in self.source.generated.items())
        for src, path in self.source.files.items():
            kept.append(File.generated(config, src, abs_src_path=str(path)))
        for src, text in self.source.generated.items():
            kept.append(File.generated(config, src, content=text))
        if self.previous is not None:  # a file already in place with these bytes is not written again
            for f in kept[-len(self._files):] if self._files else []:
                if self.previous.files.get(f.src_uri) == self._files[f.src_uri]:
                    f.is_modified = _unchanged  # type: ignore[method-assign]
        for d in self.source.downloads.values():
            offered = (File.generated(config, d.src, content=b"") if self.downloads_later
                       else File.generated(config, d.src, abs_src_path=str(d.path)))
            if self.previous is not None:
                offered.is_modified = _unchanged  # type: ignore[method-assign]  # the site keeps its copy
            kept.append(offered)
        self.rendered = set(self.source.pages) if self.previous is None else self.previous.changed(self.source.pages)
        for f in kept:
            if f.src_uri in self.source.pages and f.src_uri not in self.rendered:
                f.is_modified = _unchanged  # type: ignore[method-assign]  # MkDocs' `dirty` build skips it
        self._order = [f.url for f in kept if f.src_uri in self.source.pages]
        self._all_files = Files(kept)
        self._titles, self._built = {}, set()
        return self._all_files

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        env.bytecode_cache = _THEME_BYTECODE  # the preview builds again and again: compile the theme once
        return env

    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # A page that is not rendered has no Markdown to take its title from; its neighbours' footers
        # and the navigation show the title it had.
        if self.previous is not None:
            for f in files.documentation_pages():
                title = self.previous.titles.get(f.src_uri)
                if f.page is not None and f.src_uri not in self.rendered and title is not None:
                    f.page.title = title
        return nav

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # A chapter never reaches MkDocs' Markdown (its attribute lists, raw HTML, link warnings):
        # `on_page_content` renders it.
        assert self.source is not None
        return "" if page.file.src_uri in self.source.chapters else markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A chapter is the contributor's Markdown as a whole: rendered again through the one allow-list
        (`zhinan.content.sanitize`), without the attribute lists and raw HTML the site's own templates use."""
        assert self.source is not None
        src = page.file.src_uri
        if src not in self.source.chapters:
            return html
        slugify = config.mdx_configs.get("toc", {}).get("slugify") or _default_slugify
        clean, tokens = chapter_html(src, self.source.pages[src], slugify)
        page.toc = get_toc(tokens)  # type: ignore[arg-type]
        return clean

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        root = Path(config.docs_dir).parent
        for folder in WATCHED:
            if (root / folder).is_dir():
                server.watch(str(root / folder))  # watching docs_dir twice is harmless
        return server

    @event_priority(-100)  # after every other plugin has changed the page
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        self._titles[page.file.src_uri] = page.title or ""
        self._built.add(page.url)
        # The theme names the breadcrumbs as it names the main navigation (导航栏): a screen reader's
        # list of landmarks showed two of them.
        output = output.replace('<nav class="md-path" aria-label="导航栏"', '<nav class="md-path" aria-label="当前位置"', 1)
        return with_csp(output, page.content or "", preview=self.preview)

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.source is not None
        kept = self.previous.search if self.previous is not None else {}
        if self.search_later:
            search = kept
            mend_worker(Path(config.site_dir), self.source.readers)
        else:
            search = write_search_index(Path(config.site_dir) / "search", self._order, self._built, kept,
                                        self.source.readers)
        titles = {**(self.previous.titles if self.previous is not None else {}), **self._titles}
        pages = {src: UNSEARCHED if self.search_later and src in self.rendered else page_digest(md)
                 for src, md in self.source.pages.items()}
        self.state = SiteState(frame=self.frame, pages=pages,
                               titles={src: titles[src] for src in self.source.pages if src in titles}, search=search,
                               files=self._files)
        write_not_found(Path(config.site_dir), config.site_name, self._all_files)
        if not self.managed:  # plain `mkdocs build`/`serve`: the files are already in place
            fill_download_facts(Path(config.site_dir))


CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'none'")
"""The Content-Security-Policy of every page. Scripts, styles, fonts and images only from the site
itself: no other origin, no inline event handler (`onclick=`), no `javascript:` URL. The theme's few
inline scripts (its local-storage helpers in <head>) are allowed by their SHA-256 hashes, computed
for each page as it is written, and only for scripts outside the page's content (the content holds
none: it is cleaned by `zhinan.content.sanitize`). mkdocs-material needs inline styles (`style-src
'unsafe-inline'`: its icons and the search highlighting set style attributes), `data:` for its
inline SVG icons in CSS, and `blob:` for the search worker the offline shim starts from file://."""

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.DOTALL)


def with_csp(output: str, content: str, preview: bool = False, preload: bool = True) -> str:
    """The page with its CSP first in <head> (after the charset), followed by a `<link rel="preload">`
    for each stylesheet and script the page loads. Chromium's preload scanner fetches nothing ahead
    of the parser in a page with a CSP <meta> (wherever it sits in <head>): each script in <head>
    stopped the parser until it had run, and a phone fetched the stylesheets and scripts one after
    another (Fast 3G: home 6.3 s to load, 2.2 s without the <meta>). The preloads, read by the
    parser itself at the top of the page, start every fetch at once; they are all the site's own
    files, which the policy allows. The local preview (`serve`) allows inline scripts instead of
    hashing them: MkDocs adds its live-reload call to each page as it serves it."""
    theme = output.replace(content, "") if content else output
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
                     for m in _INLINE_SCRIPT.finditer(theme)})
    if preview:
        hashes = ["'unsafe-inline'"]
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP.format(hashes=" ".join(hashes))}">'
    if preload:
        # (A page's own scripts, such as the self-check's, come from the project's templates:
        # contributors' text holds no script, `zhinan.content.sanitize` sees to it.)
        found = dict.fromkeys([*(("style", h) for h in _STYLESHEET.findall(output)),
                               *(("script", src) for src in _SCRIPT_SRC.findall(output))])
        meta += "".join(f'\n    <link rel="preload" as="{kind}" href="{href}">' for kind, href in found)
    # Right after the page's charset, which must stay within its first 1,024 bytes.
    charset = _CHARSET.search(output)
    if charset is not None and output.find("<head>") < charset.start() < output.find("</head>"):
        return f"{output[:charset.end()]}\n    {meta}{output[charset.end():]}"
    return output.replace("<head>", f"<head>\n    {meta}", 1)


_CHARSET = re.compile(r'<meta charset="[^"]*">')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
_SCRIPT_SRC = re.compile(r'<script src="([^"]+)"></script>')


_THEME_CSS = re.compile(r"assets/stylesheets/main\.[^/]*\.min\.css")


def write_not_found(site_dir: Path, site_name: str, files: Files) -> None:
    """Replace the theme's English 404 page (whose links only work at the root of a server)."""
    css = sorted(f.url for f in files if _THEME_CSS.fullmatch(f.url))
    # (Its scripts are tried at every depth, most of them missing: none is preloaded.)
    page = with_csp(not_found_html(site_name, [*css, f"{ASSET_DIR}/zhinan.css"]), "", preload=False)
    # The same policy as every page, except that its search form may go to the site's own home page.
    page = page.replace("form-action 'none'", "form-action 'self'", 1)
    (site_dir / "404.html").write_text(page, encoding="utf-8")


_LISTED: dict[tuple[Any, ...], list[str]] = {}


def _listed_once(get_env: Callable[[], jinja2.Environment]) -> jinja2.Environment:
    """The theme's environment, whose list of templates (the theme's thousands of files, which MkDocs
    walks and filters on every build) is made once per process: the preview builds again and again."""
    env = get_env()
    listed = env.list_templates

    def list_templates(extensions: Any = None, filter_func: Any = None) -> list[str]:
        key = (tuple(getattr(env.loader, "searchpath", ())), extensions, getattr(filter_func, "__qualname__", None))
        if key not in _LISTED:
            _LISTED[key] = listed(extensions, filter_func)
        return list(_LISTED[key])

    env.list_templates = list_templates  # type: ignore[method-assign]
    return env


class _MemoryBytecode(jinja2.BytecodeCache):
    """Compiled theme templates, kept for the life of the process (keyed by name and source checksum)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_THEME_BYTECODE = _MemoryBytecode()


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    """MkDocs warns that a `dirty` build may get the navigation wrong: a partial build here is one
    whose navigation and titles are those of the previous build (`SiteState.frame`)."""
    return not record.getMessage().startswith("A 'dirty' build is being performed")


def _unchanged() -> bool:
    return False


