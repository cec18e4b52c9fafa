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
import json
import logging
import re
from pathlib import Path
from typing import Any

import jieba
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.commands.serve import serve as mkdocs_serve
from mkdocs.config import config_options, load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from zhinan import site
from zhinan.problems import ContentError
from zhinan.stage import BuildError
from zhinan.validate import load_content

log = logging.getLogger("mkdocs.plugins.zhinan")

WATCHED = ("sectors", "guides")
"""Content folders whose changes rebuild the site under `zhinan serve` / `mkdocs serve`."""


class ZhinanConfig(Config):  # type: ignore[no-untyped-call]
    out = config_options.Type(str, default="build")
    """Build folder, relative to the content root, whose PDFs and workbooks are offered as downloads."""


class ZhinanPlugin(BasePlugin[ZhinanConfig]):  # type: ignore[no-untyped-call]
    """Generates the guide's pages from the content model."""

    def __init__(self) -> None:
        super().__init__()
        self.source: site.SiteSource | None = None
        """Set beforehand by `build_site`, so `zhinan build` does not load the content twice."""
        self.preview = False
        """True under `zhinan serve` / `mkdocs serve`: MkDocs injects its live-reload script inline."""
        self.downloads_later = False
        """Set by `build_site`: the downloads may still be being built, and `zhinan.site` copies
        them into the site afterwards; MkDocs writes an empty placeholder for each link target."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # (With this method MkDocs keeps the plugin across the rebuilds of `serve`.)
        self.preview = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _load_safety_terms()
        root = Path(config.docs_dir).parent
        if self.source is None or self.preview:  # under serve the plugin lives on: reload each time
            try:
                content = load_content(root)
            except ContentError as exc:
                raise PluginError(f"内容有 {len(exc.problems)} 个问题：\n{exc.report()}") from exc
            self.source = site.source(content, root, root / self.config.out)
        config.nav = self.source.nav
        config.site_name = self.source.site_name
        config.copyright = self.source.copyright
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        # guides/ is only MkDocs' required docs_dir: every page and file comes from the model;
        # the theme's own files are kept.
        assert self.source is not None
        docs = Path(config.docs_dir).resolve()
        kept = [f for f in files if f.abs_src_path is None or not Path(f.abs_src_path).resolve().is_relative_to(docs)]
        kept += [File.generated(config, src, content=md) for src, md in self.source.pages.items()]
        kept += [File.generated(config, src, abs_src_path=str(path)) for src, path in self.source.files.items()]
        kept += [File.generated(config, src, content=text) for src, text in self.source.generated.items()]
        for d in self.source.downloads.values():
            kept.append(File.generated(config, d.src, content=b"") if self.downloads_later
                        else File.generated(config, d.src, abs_src_path=str(d.path)))
        return Files(kept)

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # A chapter never reaches MkDocs' Markdown (its attribute lists, raw HTML, link warnings):
        # `on_page_content` renders it.
        assert self.source is not None
        return "" if page.file.src_uri in self.source.chapters else markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A chapter is the contributor's Markdown as a whole: rendered again through the one allow-list
        (`zhinan.sanitize`), without the attribute lists and raw HTML the site's own templates use."""
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
        return with_csp(output, page.content or "", preview=self.preview)

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        write_search_index(Path(config.site_dir) / "search")
        write_not_found(Path(config.site_dir), config.site_name)
        if not self.downloads_later:  # `mkdocs build`/`serve`: the files are already in place
            site.fill_download_facts(Path(config.site_dir))


CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'none'")
"""The Content-Security-Policy of every page. Scripts, styles, fonts and images only from the site
itself: no other origin, no inline event handler (`onclick=`), no `javascript:` URL. The theme's few
inline scripts (its local-storage helpers in <head>) are allowed by their SHA-256 hashes, computed
for each page as it is written, and only for scripts outside the page's content (the content holds
none: it is cleaned by `zhinan.sanitize`). mkdocs-material needs inline styles (`style-src
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
            for sub in jieba.cut_for_search(word):
                if len(sub) > 1 and sub != word and sub not in words:
                    found[sub] = None
    return sorted(found)


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


def write_search_index(folder: Path) -> None:
    """Add the words inside longer words, re-encode the index as UTF-8 (half the size of \\u
    escapes) and add the script copy that mkdocs-material loads instead of fetching JSON when the
    site is opened from file://; mend the worker's query segmentation."""
    index = folder / "search_index.json"
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    data["docs"] = [_with_subwords(d) for d in data["docs"]]
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


def write_not_found(site_dir: Path, site_name: str) -> None:
    """Replace the theme's English 404 page (whose links only work at the root of a server)."""
    css = sorted(p.relative_to(site_dir).as_posix() for p in (site_dir / "assets" / "stylesheets").glob("main.*.min.css"))
    page = with_csp(site.not_found_html(site_name, [*css, f"{site.ASSET_DIR}/zhinan.css"]), "")
    # The same policy as every page, except that its search form may go to the site's own home page.
    page = page.replace("form-action 'none'", "form-action 'self'", 1)
    (site_dir / "404.html").write_text(page, encoding="utf-8")


def _config(config_file: Path, docs_dir: Path, site_dir: Path | None = None) -> MkDocsConfig:
    overrides: dict[str, Any] = {"docs_dir": str(docs_dir)}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    return load_config(str(config_file), **overrides)


def build_site(source: site.SiteSource, config_file: Path, *, docs_dir: Path, site_dir: Path) -> None:
    """Run a strict MkDocs build of the given pages into `site_dir`."""
    config = _config(config_file, docs_dir, site_dir)
    plugin = config.plugins.get("zhinan")
    if not isinstance(plugin, ZhinanPlugin):
        raise PluginError(f"{config_file} 的 plugins 中缺少 zhinan")
    plugin.source = source
    plugin.downloads_later = True
    config.plugins.on_startup(command="build", dirty=False)
    warnings = _Warnings()
    logging.getLogger("mkdocs").addHandler(warnings)
    try:
        mkdocs_build(config)
    except Abort as exc:
        # "Aborted with N warnings" alone tells nobody what to fix: give every warning.
        detail = "\n".join(f"  {m}" for m in warnings.messages)
        raise BuildError(f"网站生成失败（MkDocs：{exc}）：\n{detail}" if detail else f"网站生成失败（MkDocs：{exc}）") from exc
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)
        config.plugins.on_shutdown()


class _Warnings(logging.Handler):
    """The warnings MkDocs logs during a build, kept to be reported in full."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def serve(config_file: Path, *, docs_dir: Path, dev_addr: str, open_in_browser: bool = False) -> None:
    """Preview the site with live reload; the content is reloaded on every change."""
    mkdocs_serve(str(config_file), docs_dir=str(docs_dir), dev_addr=dev_addr, livereload=True,
                 open_in_browser=open_in_browser)
