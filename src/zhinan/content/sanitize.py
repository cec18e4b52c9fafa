"""The one allow-list for contributor content, and the Markdown pipeline that feeds it.

Every YAML and Markdown file arrives by pull request, so it is untrusted input to the build machine
and to every reader of the site. Markdown written by contributors is turned into HTML here, always
the same way, and that HTML is cleaned by nh3 (the Python binding of Rust's ammonia) against the
allow-list below: elements, attributes per element and URL schemes declared once. `zhinan check`
reports whatever the cleaner would remove (`findings`), and the site and the PDFs render through
`render`, so a payload that somehow skipped the check is still inert.

Markdown extensions for contributor content: only `tables` and `sane_lists` (and `toc` for the
heading ids of whole chapters). Attribute lists (`attr_list`, `{ … }` after a heading or link) are
off: no content of the guide uses them, and they are the way to put `onfocus=`, `autofocus` or a
`style` on any element. Raw HTML is off too: no content uses it, and everything it could express
that the guide needs (emphasis, lists, tables, links) Markdown says already; a `<tag>` is shown as
text. The check reports both, so nobody publishes braces or tags by mistake.
"""

from __future__ import annotations

import html
import posixpath
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import markdown
import nh3
from markupsafe import Markup

# ---- The allow-list ------------------------------------------------------------------------

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

TAGS: frozenset[str] = frozenset({
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
    *HEADINGS,
})
"""Elements contributor Markdown may produce: what the guide's text really uses."""

ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"align"}),
    "td": frozenset({"align"}),
    **{h: frozenset({"id"}) for h in HEADINGS},  # ids made by `toc` for the 目录 and anchors
}
"""Attributes allowed per element; every other attribute (on*, style, class, autofocus…) is removed."""

URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
"""Schemes a link may use, besides a relative URL. Images take relative paths only."""

DROPPED_WITH_CONTENT: frozenset[str] = frozenset({"script", "style"})
"""Elements removed together with their text (the text of a script is no prose)."""

MARKDOWN_EXTENSIONS: tuple[str, ...] = ("tables", "sane_lists")
"""Markdown extensions for contributor content (see the module docstring for what is off and why)."""

_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # `align="…"`, not `style="text-align: …"`: no style attributes under the site's CSP.
    "tables": {"use_align_attribute": True},
}

Slugify = Callable[[str, str], str]


# ---- Markdown → HTML → clean HTML ------------------------------------------------------------


_local = threading.local()  # Markdown instances are reused (making one costs more than converting), per thread


def _markdown(*, raw_html: bool = False, attr_list: bool = False, slugify: Slugify | None = None) -> markdown.Markdown:
    if slugify is not None:  # a chapter's own slugs: a fresh instance (a closure each time, never reused)
        return _new_markdown(raw_html, attr_list, slugify)
    key = (raw_html, attr_list)
    cached: dict[Any, markdown.Markdown] = _local.__dict__.setdefault("md", {})
    if key not in cached:
        cached[key] = _new_markdown(raw_html, attr_list, slugify)
    return cached[key].reset()


def _new_markdown(raw_html: bool, attr_list: bool, slugify: Slugify | None) -> markdown.Markdown:
    extensions: list[str] = list(MARKDOWN_EXTENSIONS)
    configs = dict(_EXTENSION_CONFIGS)
    if attr_list:
        extensions.append("attr_list")
    if slugify is not None:
        extensions.append("toc")
        configs["toc"] = {"slugify": slugify}
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    if not raw_html:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
    return md


def markdown_html(text: str, slugify: Slugify | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The HTML contributor Markdown becomes (not yet cleaned), and its headings if `slugify` is given."""
    md = _markdown(slugify=slugify)
    out = md.convert(text)
    return out, list(getattr(md, "toc_tokens", []))


def safe_image_src(src: str) -> bool:
    """An image is a relative path that stays in its folder: no scheme, no `/…`, no `..`."""
    plain = unquote(html.unescape(src)).strip()
    if not plain or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", plain) or plain.startswith(("/", "\\")) or "\\" in plain:
        return False
    return ".." not in posixpath.normpath(plain).split("/")


def clean(fragment: str, image_base: str = "") -> str:
    """Clean an HTML fragment against the allow-list; `image_base` is put before image paths (they are
    relative to the content's folder, the page may be elsewhere)."""

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return image_base + value if safe_image_src(value) else None
        return value

    return nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def render(text: str, slugify: Slugify | None = None, image_base: str = "") -> Markup:
    """Contributor Markdown as clean HTML: what the site and the PDFs publish."""
    return render_with_toc(text, slugify, image_base)[0]


def render_with_toc(text: str, slugify: Slugify | None = None,
                    image_base: str = "") -> tuple[Markup, list[dict[str, Any]]]:
    out, toc = markdown_html(text, slugify)
    return Markup(clean(out, image_base)), toc


# ---- What the check reports -------------------------------------------------------------------


@dataclass(frozen=True)
class Disallowed:
    """Something in contributor Markdown that would not be published as written."""

    kind: str
    """"html" (a raw tag), "attr_list" ({ … }), "url" (a link), "image", "element" or "attribute"."""
    needle: str
    """Text to look for in the source to place the finding."""
    detail: str


class _Tags(HTMLParser):
    """The start tags of an HTML fragment with their attributes (character references decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.raw: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self.raw.append(self.get_starttag_text() or "")


def _tags(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


def _raw_attribute(start_tag: str, name: str) -> str | None:
    m = re.search(rf"\s{re.escape(name)}\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", start_tag)
    return m.group(1).strip("\"'") if m else None


def _removed(before: _Tags, after: _Tags) -> Iterator[tuple[str, str, dict[str, str], dict[str, str], str]]:
    """(tag, attribute or "", attributes before, after, raw start tag) for what cleaning removed."""
    j = 0
    for (tag, attrs), raw in zip(before.tags, before.raw, strict=True):
        if j < len(after.tags) and after.tags[j][0] == tag:
            kept = after.tags[j][1]
            j += 1
            for name in attrs:
                if kept.get(name) != attrs[name]:
                    yield tag, name, attrs, kept, raw
        else:
            yield tag, "", attrs, {}, raw


def _cleaning_findings(out: str) -> Iterator[Disallowed]:
    before, after = _tags(out), _tags(clean(out))
    for tag, name, attrs, _kept, raw in _removed(before, after):
        if not name:
            yield Disallowed("element", f"<{tag}", f"<{tag}>")
            continue
        value = attrs[name]
        needle = _raw_attribute(raw, name) or value
        if tag == "a" and name == "href":
            yield Disallowed("url", needle, value)
        elif tag == "img" and name == "src":
            yield Disallowed("image", needle, value)
        else:
            yield Disallowed("attribute", name, f"<{tag} {name}>")


def _raw_html(text: str) -> Iterator[Disallowed]:
    md = _markdown(raw_html=True)
    md.convert(text)
    for block in md.htmlStash.rawHtmlBlocks:
        if isinstance(block, str) and block.lstrip().startswith("<"):
            m = re.match(r"\s*(<!--|<[!?/]?\s*[A-Za-z][A-Za-z0-9-]*)", block)
            snippet = m.group(1) if m else block.strip()[:20]
            if not snippet.startswith("</"):  # the opening tag is reported
                yield Disallowed("html", snippet, snippet)


def _attr_lists(text: str, plain: str) -> Iterator[Disallowed]:
    """Attribute lists `{ … }`: what the text would become if `attr_list` were on, compared with
    what it is (the braces stay text)."""
    with_lists = _markdown(attr_list=True).convert(text)
    if with_lists == plain:
        return
    added = [name for (_, attrs), (_, kept) in zip(_tags(with_lists).tags, _tags(plain).tags, strict=False)
             for name in attrs.keys() - kept.keys()]
    for name in added or [""]:
        has_value = name and re.search(rf"(?<![\w-]){re.escape(name)}\s*=", text)
        yield Disallowed("attr_list", f"{name}=" if has_value else "{", name)


def images(text: str) -> list[str]:
    """The image paths of contributor Markdown that the cleaner keeps (relative ones)."""
    if "![" not in text and "]:" not in text:
        return []
    return [attrs["src"] for tag, attrs in _tags(str(render(text))).tags if tag == "img" and attrs.get("src")]


def page_links(text: str) -> list[str]:
    """Links of contributor Markdown to another Markdown file (`02-six-tasks.md#…`)."""
    if "](" not in text and "]:" not in text:
        return []
    hrefs = [attrs.get("href", "") for tag, attrs in _tags(str(render(text))).tags if tag == "a"]
    return [h for h in hrefs if re.match(r"^[^:/?#]+\.md(#|$)", h)]


_MARKUP = re.compile(r"[<{\[]")
"""Without one of these, Markdown makes no tag, attribute list, link or image: most prose is
checked at the cost of one search (the Markdown passes cost 5x the rest of the check)."""


def findings(text: str) -> list[Disallowed]:
    """Everything in `text` that would not be published as written, once per kind and place."""
    if not _MARKUP.search(text):
        return []
    out, _ = markdown_html(text)
    found = [*_raw_html(text), *_attr_lists(text, out), *_cleaning_findings(out)]
    unique: dict[tuple[str, str], Disallowed] = {}
    for f in found:
        unique.setdefault((f.kind, f.needle), f)
    return list(unique.values())


# ---- SVG images -------------------------------------------------------------------------------
# An SVG opened by its own URL is a document in the site's origin: a script in it would run there.
# SVGs are not rewritten on publish (a rewritten drawing may no longer be the one reviewed); one that
# holds anything active is refused, by the check and again by the build.

_SVG_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


def _local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def svg_problems(data: bytes) -> list[str]:
    """Why an SVG file cannot be published (empty when it can): script, event handlers,
    <foreignObject>, references to anything outside the drawing, or a DOCTYPE/entities."""
    import xml.etree.ElementTree as ET

    head = data.lower()
    if b"<!doctype" in head or b"<!entity" in head:
        return ["含有 DOCTYPE 或实体声明（<!DOCTYPE、<!ENTITY）"]
    try:
        root = ET.fromstring(data)  # expat: no external entity or DTD is ever fetched
    except ET.ParseError as exc:
        return [f"不是有效的 SVG（XML）文件：{exc}"]
    found: list[str] = []
    for el in root.iter():
        tag = _local_name(str(el.tag))
        if tag in ("script", "foreignobject", "iframe", "embed", "object"):
            found.append(f"含有 <{tag}> 元素")
        for name, value in el.attrib.items():
            attr = _local_name(name)
            if attr.startswith("on"):
                found.append(f"<{tag}> 含有事件属性 {attr}")
            elif attr == "href" and not value.strip().startswith("#"):
                found.append(f"<{tag}> 引用了外部地址“{value.strip()[:60]}”")
            elif _SVG_URL.search(value):
                found.append(f"<{tag}> 的 {attr} 引用了外部地址")
        if tag == "style" and el.text and (_SVG_URL.search(el.text) or "@import" in el.text.lower()):
            found.append("<style> 引用了外部地址")
    found += _svg_size_problems(root)
    return list(dict.fromkeys(found))


SVG_MAX_ELEMENTS = 20_000
"""Elements in an SVG file: a detailed exported drawing has a few thousand."""
SVG_MAX_DRAWN = 50_000
"""Elements drawn once every `<use>` is expanded: a 2 KB file whose 40 levels each use the one
before twice draws 2^40, and kept WeasyPrint at 2.6 GB for more than ten minutes."""
SVG_MAX_USE_DEPTH = 8
"""`<use>` inside what a `<use>` shows, inside …"""
SVG_MAX_NESTING = 64
"""Elements inside elements (groups in groups): also what bounds the walk below."""


def _svg_size_problems(root: Any) -> list[str]:
    """Bounds on an SVG's size, before WeasyPrint or a browser expands it: elements, nesting,
    `<use>` depth and the elements drawn once every `<use>` is expanded (each counted once per
    use, as a renderer draws it); a `<use>` that refers to itself, directly or not, is refused."""
    elements = 0
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        elements += 1
        if depth > SVG_MAX_NESTING:
            return [f"元素嵌套超过 {SVG_MAX_NESTING} 层"]
        stack.extend((child, depth + 1) for child in el)
    if elements > SVG_MAX_ELEMENTS:
        return [f"有 {elements} 个元素，超过上限 {SVG_MAX_ELEMENTS} 个；请简化图形或改用 png"]
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    memo: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()

    class _Cycle(Exception):
        pass

    class _TooDeep(Exception):
        pass

    def drawn(el: Any, hops: int = 0) -> tuple[int, int]:
        """(elements drawn, depth of <use>) for `el` and what it contains or uses; `hops`: the
        <use> followed to reach it (bounds the recursion: nesting × hops)."""
        if hops > SVG_MAX_USE_DEPTH:
            raise _TooDeep
        key = id(el)
        if key in memo:
            return memo[key]
        if key in visiting:
            raise _Cycle
        visiting.add(key)
        count, use_depth = 1, 0
        for child in el:
            c, d = drawn(child, hops)
            count, use_depth = count + c, max(use_depth, d)
        if _local_name(str(el.tag)) == "use":
            href = next((v for k, v in el.attrib.items() if _local_name(k) == "href"), "").strip()
            target = ids.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                c, d = drawn(target, hops + 1)
                count, use_depth = count + c, max(use_depth, d + 1)
        visiting.discard(key)
        memo[key] = (count, use_depth)
        return count, use_depth

    try:
        count, use_depth = drawn(root)
    except _Cycle:
        return ["<use> 直接或间接引用了自己（循环引用）"]
    except (_TooDeep, RecursionError):
        use_depth = SVG_MAX_USE_DEPTH + 1
        count = 0
    if use_depth > SVG_MAX_USE_DEPTH:
        return [f"<use> 引用的内容里又有 <use>，超过上限 {SVG_MAX_USE_DEPTH} 层；请展开或简化图形"]
    if count > SVG_MAX_DRAWN:
        return [f"展开 <use> 引用后要绘制 {count} 个元素，超过上限 {SVG_MAX_DRAWN} 个；请简化图形或改用 png"]
    return []
