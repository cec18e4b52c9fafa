"""The only module that imports MkDocs: the `zhinan` plugin and the calls that run a build.

MkDocs 1.x is frozen and mkdocs-material ends in 2027-05, so everything MkDocs-specific stays
here. The plugin loads and validates the content once, then hands MkDocs the pages that
`zhinan.site` renders in memory (`File.generated`): nothing generated is ever committed.
The content root is the parent of `docs_dir` (which is `guides/`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import logging
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba
import jinja2
import jinja2.bccache
import material.plugins.search.plugin as material_search
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import config_options, load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver, ObservedWatch

from zhinan import site
from zhinan.content.problems import ContentError
from zhinan.content.validate import load_content
from zhinan.pipeline.files import write_text
from zhinan.pipeline.stage import BuildError

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
        self.source: site.SiteSource | None = None
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
            self.source = site.source(content, root, root / self.config.out)
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
        clean, tokens = site.chapter_html(src, self.source.pages[src], slugify)
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
        return with_csp(output, page.content or "", preview=self.preview)

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.source is not None
        kept = self.previous.search if self.previous is not None else {}
        if self.search_later:
            search = kept
        else:
            search = write_search_index(Path(config.site_dir) / "search", self._order, self._built, kept)
        titles = {**(self.previous.titles if self.previous is not None else {}), **self._titles}
        pages = {src: UNSEARCHED if self.search_later and src in self.rendered else page_digest(md)
                 for src, md in self.source.pages.items()}
        self.state = SiteState(frame=self.frame, pages=pages,
                               titles={src: titles[src] for src in self.source.pages if src in titles}, search=search,
                               files=self._files)
        write_not_found(Path(config.site_dir), config.site_name, self._all_files)
        if not self.managed:  # plain `mkdocs build`/`serve`: the files are already in place
            site.fill_download_facts(Path(config.site_dir))


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


def with_csp(output: str, content: str, preview: bool = False) -> str:
    """The page with its CSP as the first element of <head>. The local preview (`serve`) allows inline
    scripts instead of hashing them: MkDocs adds its live-reload call to each page as it serves it."""
    theme = output.replace(content, "") if content else output
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
                     for m in _INLINE_SCRIPT.finditer(theme)})
    if preview:
        hashes = ["'unsafe-inline'"]
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP.format(hashes=" ".join(hashes))}">'
    return output.replace("<head>", f"<head>\n    {meta}", 1)


def _default_slugify(value: str, separator: str) -> str:
    from markdown.extensions.toc import slugify_unicode

    return str(slugify_unicode(value, separator))


@functools.cache
def _load_safety_terms() -> None:
    """Teach jieba (which mkdocs-material uses to segment the index) the field's terms, so that
    受限空间 or 重大危险源 is one searchable word: the browser does not segment the query."""
    jieba.setLogLevel(logging.WARNING)
    with site.default_config().with_name("jieba-userdict.txt").open("rb") as terms:
        jieba.load_userdict(terms)


@functools.cache
def _cut(text: bytes) -> tuple[str, ...]:
    return tuple(jieba.cut(text))


class _SegmentOnce:
    """jieba as mkdocs-material's search plugin sees it, with each run of Han characters segmented
    once per process: the same sentences recur across pages (an item on its checklist page and in
    the indexes), and the preview indexes a changed page again with all but one of its runs as
    they were (city scale: segmenting an edited checklist page took a fifth of showing it). A
    change to the dictionaries forgets every run. (At city scale the runs held take about 40 MB.)"""

    _CHANGE_DICTIONARY = frozenset({"set_dictionary", "load_userdict", "add_word", "del_word", "suggest_freq"})

    def cut(self, sentence: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(sentence, bytes):
            return jieba.cut(sentence, *args, **kwargs)
        return _cut(sentence)

    def __getattr__(self, name: str) -> Any:
        if name in self._CHANGE_DICTIONARY:
            _cut.cache_clear()
        return getattr(jieba, name)


_HAN_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{3,}")
_SEARCH_WORKER = "assets/javascripts/workers/search.*.min.js"
_WORKER_MENDS = (
    # The worker splits a Chinese query into words of its index but never tries a word that ends
    # the query (`j < query.length`): 重大隐患 became 重大 alone, 有限空间 became 有限 (and found
    # 有限公司). One character mends it.
    (re.compile(r"for\(let (\w)=(\w)\+1;\1<(\w)\.length;\1\+\+\)\3\.slice\(\2,\1\)in "),
     lambda m: m.group(0).replace("<", "<=", 1)),
    # The query lexer keeps lunr's default separator (which splits at `-`) although the index uses
    # the configured one: WHP-001 was searched as WHP and 001, and found nothing or every WHP item.
    # …and joins the words it found with "* ", so every word but the last got a second wildcard,
    # matched no query term in its own ranking, and a result with all the words ranked no higher.
    (re.compile(r'\.join\("\* "\)'), lambda m: '.join(" ")'),
    (re.compile(r"lunr\.tokenizer\.separator=new RegExp\((\w)\.separator\)"),
     lambda m: f"{m.group(0)},lunr.QueryLexer.termSeparator=lunr.tokenizer.separator"),
)
"""Three mends to mkdocs-material's search worker (9.x); the build fails if a version no longer has
the code they mend, so that they are looked at again."""


def search_subwords(segmented: str) -> list[str]:
    """Words inside the longer words of an indexed text, in jieba's search mode: 危险源 in
    重大危险源. The browser matches a query word only against the start of an indexed word."""
    found: dict[str, None] = {}
    words = set(segmented.split("\u200b"))
    for token in words:
        for word in _HAN_WORD.findall(token):
            for sub in _subwords(word):
                if sub not in words:
                    found[sub] = None
    return sorted(found)


@functools.lru_cache(maxsize=1 << 16)
def _subwords(word: str) -> tuple[str, ...]:
    """jieba's search-mode words of two or more characters inside `word`, other than itself. The
    same words recur throughout a sector's items: a city's index asks for them 1.4 million times."""
    return tuple(sub for sub in jieba.cut_for_search(word) if len(sub) > 1 and sub != word)


def _with_subwords(doc: dict[str, Any]) -> dict[str, Any]:
    """The doc with the subwords of its title (weighted as title) and text, hidden from view in
    the result list (the worker keeps the markup) but found by the index."""
    doc = dict(doc)
    seen: set[str] = set()
    for key in ("title", "text"):
        subs = [w for w in search_subwords(doc[key]) if w not in seen]
        seen.update(subs)
        if subs:
            doc[key] = f"{doc[key]}<span hidden>{chr(0x200b).join(subs)}</span>"
    return doc


def write_search_index(folder: Path, order: list[str] | None = None, built: set[str] | None = None,
                       kept: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Add the words inside longer words, re-encode the index as UTF-8 (half the size of \\u
    escapes) and add the script copy that mkdocs-material loads instead of fetching JSON when the
    site is opened from file://; mend the worker's query segmentation.

    A partial build's index holds only the pages it rendered (`built`, by URL): the entries of the
    others are `kept` from the previous build, and all are put in the pages' `order`, as a full
    build writes them. Returns the entries by page URL."""
    index = folder / "search_index.json"
    if not index.is_file():
        return {}
    data = json.loads(index.read_text(encoding="utf-8"))
    fresh: dict[str, list[dict[str, Any]]] = {}
    for doc in data["docs"]:
        fresh.setdefault(doc["location"].split("#", 1)[0], []).append(_with_subwords(doc))
    if order is None:
        order = list(fresh)
    built = set(order) if built is None else built
    by_page = {url: fresh.get(url, []) if url in built else (kept or {}).get(url, []) for url in order}
    data["docs"] = [doc for url in order for doc in by_page[url]]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    index.write_text(text, encoding="utf-8")
    (folder / "search_index.js").write_text(f"var __index = {text}", encoding="utf-8")
    for worker in folder.parent.glob(_SEARCH_WORKER):
        code = worker.read_text(encoding="utf-8")
        for pattern, mend in _WORKER_MENDS:
            code, n = pattern.subn(mend, code)
            if n != 1:
                raise PluginError(f"{worker.name}：mkdocs-material 的搜索代码已改变，"
                                  f"zhinan 对它的修正（{pattern.pattern}）需要重新检查")
        worker.write_text(code, encoding="utf-8")
    return {url: docs for url, docs in by_page.items() if docs}


_THEME_CSS = re.compile(r"assets/stylesheets/main\.[^/]*\.min\.css")


def write_not_found(site_dir: Path, site_name: str, files: Files) -> None:
    """Replace the theme's English 404 page (whose links only work at the root of a server)."""
    css = sorted(f.url for f in files if _THEME_CSS.fullmatch(f.url))
    page = with_csp(site.not_found_html(site_name, [*css, f"{site.ASSET_DIR}/zhinan.css"]), "")
    # The same policy as every page, except that its search form may go to the site's own home page.
    page = page.replace("form-action 'none'", "form-action 'self'", 1)
    (site_dir / "404.html").write_text(page, encoding="utf-8")


def _config(config_file: Path, docs_dir: Path, site_dir: Path | None = None) -> MkDocsConfig:
    overrides: dict[str, Any] = {"docs_dir": str(docs_dir)}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    return load_config(str(config_file), **overrides)


def build_site(source: site.SiteSource, config_file: Path, *, docs_dir: Path, site_dir: Path,
               previous: SiteState | None = None, frame: str = "", serve_url: str | None = None,
               search_later: bool = False) -> SiteState:
    """Run a strict MkDocs build of the given pages into `site_dir` and return what the next build needs.

    With `previous` (a build whose `frame` is this one's), only the pages whose Markdown changed are
    rendered (MkDocs' `dirty` build): `site_dir` then receives those pages, the theme's files, the
    search index and the site-wide files, and the caller lays them over the previous site
    (`site.lay_over`). `serve_url` is set for the preview (`zhinan serve`).

    With `search_later` too, such a partial build leaves the search index as it was: the search
    plugin does not read the rendered pages, and the state marks them (`SiteState.unsearched`) so
    that the next build renders them again, with their entries. The preview's first pass uses it:
    reading a city-scale sector page for its search entries and writing the 10 MB index again took
    a third of the time to show an edited checklist item."""
    config = _config(config_file, docs_dir, site_dir)
    plugin = config.plugins.get("zhinan")
    if not isinstance(plugin, ZhinanPlugin):
        raise PluginError(f"{config_file} 的 plugins 中缺少 zhinan")
    plugin.source = source
    plugin.managed = True
    plugin.downloads_later = serve_url is None
    plugin.previous = previous if previous is not None and previous.frame == frame else None
    plugin.frame = frame
    plugin.search_later = search_later and plugin.previous is not None
    if plugin.search_later:
        _without(config, config.plugins.get("material/search"), ("config", "page_context", "post_build"))
    config.plugins.on_startup(command="build", dirty=plugin.previous is not None)
    plugin.preview = serve_url is not None
    if serve_url is not None:
        config.site_url = serve_url
    warnings = _Warnings()
    logging.getLogger("mkdocs").addHandler(warnings)
    build_log = logging.getLogger("mkdocs.commands.build")
    build_log.addFilter(_not_dirty_warning)
    try:
        mkdocs_build(config, serve_url=serve_url, dirty=plugin.previous is not None)
    except Abort as exc:
        # "Aborted with N warnings" alone tells nobody what to fix: give every warning.
        detail = "\n".join(f"  {m}" for m in warnings.messages)
        raise BuildError(f"网站生成失败（MkDocs：{exc}）：\n{detail}" if detail else f"网站生成失败（MkDocs：{exc}）") from exc
    finally:
        build_log.removeFilter(_not_dirty_warning)
        logging.getLogger("mkdocs").removeHandler(warnings)
        config.plugins.on_shutdown()
    assert plugin.state is not None
    return plugin.state


def _without(config: MkDocsConfig, plugin: Any, events: tuple[str, ...]) -> None:
    """This build does not call `plugin` on these events (it stays configured: the theme still shows
    the search box)."""
    for event in events:
        config.plugins.events[event] = [m for m in config.plugins.events[event] if getattr(m, "__self__", None) is not plugin]


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


class _Warnings(logging.Handler):
    """The warnings MkDocs logs during a build, kept to be reported in full."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, which also shows the content's problems at the top of every page."""

    def __init__(self, *args: Any, problems: Callable[[], str | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems = problems

    def request_rebuild(self) -> None:
        """Build again after the build under way (as the server's watcher does when a file changes)."""
        with self._rebuild_cond:
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        page: bytes = super()._inject_js_into_html(content, epoch)  # type: ignore[no-untyped-call]
        report = self.problems()
        if report is None:
            return page
        banner = (f'<div class="zn-preview-problems" role="alert" style="position:sticky;top:0;z-index:9;'
                  f'background:#fff3cd;color:#5c3c00;border-bottom:2px solid #b35c00;padding:.6rem 1rem;'
                  f'font:14px/1.5 sans-serif"><strong>内容有错误，网页仍是上一次成功生成的样子；'
                  f'改正后保存，网页会自动更新：</strong><pre style="white-space:pre-wrap;margin:.4rem 0 0">'
                  f'{html.escape(report)}</pre></div>').encode()
        m = re.search(rb"<body[^>]*>", page)
        at = m.end() if m else 0
        return page[:at] + banner + page[at:]


_CHANGES: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent,
                                          FileMovedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


def _observer(folders: list[Path]) -> BaseObserver | None:
    """A watcher told of each change by the kernel (inotify), where the system offers one for these
    folders; else None, and the server polls as MkDocs does. Polling every 0.2 s walked a city's
    500 content files five times a second and saw a save 0.1 s late on average."""
    try:
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:
        return None

    class ChangesOnly(InotifyObserver):
        """inotify also reports each file opened and closed unwritten: the build reading the
        content would start the next build. Only what changes a file is passed on."""

        def schedule(self, event_handler: FileSystemEventHandler, path: str | Path, *, recursive: bool = False,
                     event_filter: list[type[FileSystemEvent]] | None = None, follow_symlink: bool = False) -> ObservedWatch:
            return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or _CHANGES,
                                    follow_symlink=follow_symlink)

    probe = ChangesOnly()
    try:
        for folder in folders:
            probe.schedule(FileSystemEventHandler(), str(folder), recursive=True)
        probe.start()  # (inotify's watches are added here: this is where a system without them fails)
    except OSError:
        return None
    finally:
        if probe.is_alive():
            probe.stop()
            probe.join()
    return ChangesOnly()


def preview(config_file: Path, *, docs_dir: Path, watch: list[Path], dev_addr: str,
            source: Callable[[set[str] | None], site.SiteSource], open_in_browser: bool = False) -> None:
    """Serve the site with live reload. Each change renders again only the pages whose Markdown
    changed (see `build_site`); a problem in the content is printed as `path:line:col: 错误: …` and
    shown at the top of every page, and the next change that fixes it updates the pages again.

    A change is served in two passes. The first renders the pages of what was edited (an
    enterprise's page, a sector's pages, a chapter) and keeps as they were the site-wide pages made
    from the whole content, the sector's self-check data (which embeds its blank workbook) and the
    search index; browsers reload. The second, queued at once, renders those (home page, 标杆企业 /
    隐患 / 要素 indexes, open data page, self-check data) and the first pass's pages again for their
    search entries, and browsers reload again. At city scale the 要素 index alone took two thirds of
    the time to show an edited item, the workbook a sixth, and the search entries a third of what
    was left."""
    host, _, port = dev_addr.rpartition(":")
    url = f"http://{host}:{port}/"
    served = Path(tempfile.mkdtemp(prefix="zhinan-preview-"))
    state: SiteState | None = None
    problems: str | None = None
    server: _PreviewServer | None = None
    second = False  # the next build is the second pass of a change

    def rebuild() -> None:
        nonlocal state, problems, second
        started = time.perf_counter()
        deferred: set[str] | None = set() if server is not None and not second else None
        second = False
        try:
            pages = source(deferred)
            frame = site.frame_key(pages, config_file)
            fresh = Path(tempfile.mkdtemp(prefix="zhinan-preview-part-"))
            try:
                new = build_site(pages, config_file, docs_dir=docs_dir, site_dir=fresh, previous=state,
                                 frame=frame, serve_url=url, search_later=deferred is not None)
                partial = state is not None and state.frame == frame
                written = site.lay_over(fresh, served, whole=not partial)
                site.fill_download_facts(served, [p for p in written if p.suffix == ".html"])
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
        except (ContentError, BuildError, PluginError) as exc:
            problems = exc.report() if isinstance(exc, ContentError) else str(exc)
            print(f"内容有问题，网页未更新（改正后保存即可）：\n{problems}", file=sys.stderr, flush=True)
            return
        state, problems = new, None
        print(f"已更新 {len(written)} 个文件（{time.perf_counter() - started:.1f} 秒）", file=sys.stderr, flush=True)
        later = sorted(deferred or ()) + (["搜索索引"] if deferred is not None and new.unsearched() else [])
        if later and server is not None:
            print(f"接着更新：{'、'.join(later)}", file=sys.stderr, flush=True)
            second = True
            server.request_rebuild()

    def stamps() -> dict[str, str]:
        return {str(p): _stamp(p) for folder in watch if folder.is_dir() for p in folder.rglob("*") if p.is_file()}

    # The watcher starts with the server: a file saved during the first build is seen by building again.
    before = None
    while before != (before := stamps()):
        rebuild()
    server = _PreviewServer(builder=rebuild, host=host, port=int(port), root=str(served), polling_interval=0.2,
                            problems=lambda: problems)
    native = _observer([folder for folder in watch if folder.is_dir()])
    if native is not None:  # (MkDocs' own, never started, is dropped)
        server.observer = native  # type: ignore[assignment]
    server.error_handler = lambda code: (served / "404.html").read_bytes() if code == 404 and (served / "404.html").is_file() else None
    for folder in watch:
        if folder.is_dir():
            server.watch(str(folder))
    try:
        server.serve(open_in_browser=open_in_browser)  # type: ignore[no-untyped-call]
    except KeyboardInterrupt:
        print("预览已停止。", file=sys.stderr)
    finally:
        server.shutdown()
        shutil.rmtree(served, ignore_errors=True)
