"""Hostile content: what a contributor sees from `zhinan check`, and what reaches readers when the
check is bypassed (nothing active: no dialog in real Chromium, no request, no file from outside).

One hostile tree holds every payload at once (one check run, one site build, one PDF build);
the expected line of each payload is found in the text this file writes, not by the code under test.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from zhinan import site
from zhinan.build import BuildError, BuildOptions, _build
from zhinan.content import sanitize
from zhinan.content.model import Content, Image
from zhinan.content.validate import collect, load_content
from zhinan.pdf import fonts, render
from zhinan.pipeline.progress import Progress

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

SECRET = "SECRET-OUTSIDE-THE-ROOT-7f3a"
OUTSIDE_SVG = f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="20">{SECRET}</text></svg>'

# ---- The payloads, by class, each in several encodings --------------------------------------

ATTR_LISTS = [
    '## 标题 { title="}" autofocus tabindex="0" onfocus="alert(11)" }',
    '[链接](https://example.com){ title="}" onmouseover="alert(12)" }',
    "正文段落\n{: onclick=\"alert(13)\" }",
]
URLS = [
    "[a](&#106;avascript:alert(21))",
    "[b](javascript&#58;alert(22))",
    "[c](javascript&colon;alert(23))",
    "[d](java&#x09;script:alert(24))",
    "[e](JaVaScRiPt:alert(25))",
    "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgyNik8L3NjcmlwdD4=)",
    "[g](vbscript:msgbox(27))",
    "[h][ref]\n\n[ref]: &#106;avascript:alert(28)",
]
RAW_HTML = [
    "<script>alert(31)</script>",
    '<img src="x" onerror="alert(32)">',
    "<a href=\"#\" onclick=\"alert(33)\">点</a>",
]


def images(port: int, root: Path) -> list[str]:
    outside = root.parent / "outside" / "secret.svg"
    return [
        f"![abs]({outside})",
        "![up](../../../outside/secret.svg)",
        f"![file]({outside.as_uri()})",
        f"![net](http://127.0.0.1:{port}/net.png)",
        "![data](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDQxKSIvPg==)",
    ]


def block(lines: list[str], indent: str) -> str:
    """A YAML block scalar's lines, a blank line between payloads."""
    return "".join(f"{indent}{line}\n" if line else "\n" for text in lines for line in [*text.split("\n"), ""])


@dataclasses.dataclass
class Tree:
    root: Path
    port: int
    requests: list[str]

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def line_of(self, rel: str, needle: str) -> int:
        """1-based line of the first line of `rel` that contains `needle` (the fixture's own text)."""
        return next(n for n, line in enumerate(self.text(rel).splitlines(), 1) if needle in line)


def write_hostile_tree(root: Path, port: int) -> None:
    shutil.copytree(FIXTURES / "minimal", root)
    (root.parent / "outside").mkdir()
    (root.parent / "outside" / "secret.svg").write_text(OUTSIDE_SVG, encoding="utf-8")
    pics = images(port, root)
    chapter = ["# 总则", "", *ATTR_LISTS[:1], "", URLS[0], "", URLS[7], "", RAW_HTML[0], "", pics[1], ""]
    (root / "guides/01-intro.md").write_text("\n".join(chapter), encoding="utf-8")
    ent = root / "sectors/demo/enterprises/sample-a.yml"
    ent.write_text(
        "id: sample-a\n"
        "name: 示例企业甲<img src=x onerror=alert(51)>（示例）\n"
        "county: 丰泽区\nlevel: 市级\nsample: true\n"
        "summary: |\n" + block([URLS[1], URLS[2]], "  ")
        + "practices:\n  - title: 责任清单上墙\n    aspect: 基础管理\n    items: [DM-001]\n"
        "    body: |\n" + block([ATTR_LISTS[1], ATTR_LISTS[2], URLS[3], pics[0], pics[2], pics[3]], "      ")
        + "    results: |\n" + block([URLS[4], URLS[5], RAW_HTML[1], pics[4]], "      ")
        + "    images:\n      - src: images/pic.svg\n        caption: 示意图<script>alert(52)</script>\n",
        encoding="utf-8")
    sector = root / "sectors/demo/sector.yml"
    text = re.sub(r"^summary: .*$", "summary: |\n" + block([URLS[6], RAW_HTML[2]], "  ").rstrip(),
                  sector.read_text(encoding="utf-8"), flags=re.M)
    sector.write_text(text + "\n", encoding="utf-8")


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server that records every request made to it (there must be none)."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, recorder: tuple[int, list[str]]) -> Tree:
    root = tmp_path_factory.mktemp("hostile") / "content"
    write_hostile_tree(root, recorder[0])
    return Tree(root, *recorder)


# ---- What `zhinan check` says -----------------------------------------------------------------


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", "check", "--root", str(root)], capture_output=True,
                          text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def expected_places(t: Tree) -> dict[str, str]:
    """`path:line:` of every payload, by what it is, and a word its message must contain."""
    ent, chapter, sector = "sectors/demo/enterprises/sample-a.yml", "guides/01-intro.md", "sectors/demo/sector.yml"
    pics = images(t.port, t.root)
    want = {
        f"{chapter}:{t.line_of(chapter, 'onfocus')}:": "属性列表",
        f"{chapter}:{t.line_of(chapter, '&#106;avascript:alert(21)')}:": "javascript:alert(21)",
        f"{chapter}:{t.line_of(chapter, '[ref]:')}:": "javascript:alert(28)",
        f"{chapter}:{t.line_of(chapter, '<script>')}:": "<script",
        f"{chapter}:{t.line_of(chapter, '../../../outside')}:": "../../../outside/secret.svg",
        f"{ent}:{t.line_of(ent, 'onerror=alert(51)')}:": "<img",
        f"{ent}:{t.line_of(ent, 'javascript&#58;')}:": "javascript:alert(22)",
        f"{ent}:{t.line_of(ent, 'javascript&colon;')}:": "javascript:alert(23)",
        f"{ent}:{t.line_of(ent, 'onmouseover')}:": "onmouseover",
        f"{ent}:{t.line_of(ent, 'onclick')}:": "onclick",
        f"{ent}:{t.line_of(ent, 'java&#x09;script')}:": "java\tscript:alert(24)",
        f"{ent}:{t.line_of(ent, pics[0])}:": "图片地址",
        f"{ent}:{t.line_of(ent, pics[2])}:": "图片地址",
        f"{ent}:{t.line_of(ent, pics[3])}:": "图片地址",
        f"{ent}:{t.line_of(ent, 'JaVaScRiPt')}:": "JaVaScRiPt:alert(25)",
        f"{ent}:{t.line_of(ent, 'data:text/html')}:": "data:text/html",
        f"{ent}:{t.line_of(ent, 'alert(32)')}:": "<img",
        f"{ent}:{t.line_of(ent, 'data:image/svg')}:": "图片地址",
        f"{ent}:{t.line_of(ent, 'alert(52)')}:": "<script",
        f"{sector}:{t.line_of(sector, 'vbscript')}:": "vbscript:msgbox(27)",
        f"{sector}:{t.line_of(sector, 'alert(33)')}:": "<a",
    }
    return want


def test_check_reports_every_payload_where_it_is(tree: Tree) -> None:
    out = check(tree.root)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr + out.stdout
    lines = out.stderr.splitlines()
    missing = {place: word for place, word in expected_places(tree).items()
               if not any(line.startswith(place) and "错误: " in line and word in line for line in lines)}
    assert missing == {}, out.stderr


@pytest.mark.parametrize("title", ["指南<svg onload=alert(53)>", "指南<!-- x -->", "指南&lt;<b>b</b>"])
def test_guide_title_with_html(minimal_tree: Path, title: str) -> None:
    guide = minimal_tree / "guides/guide.yml"
    guide.write_text(re.sub(r"^title: .*$", f"title: {title}", guide.read_text(encoding="utf-8"), flags=re.M),
                     encoding="utf-8")
    out = check(minimal_tree)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    col = len("title: ") + title.index("<") + 1
    assert out.stderr.startswith(f"guides/guide.yml:1:{col}: 错误: 字段“title”（指南名称）含有不允许的 HTML 或脚本“<"), out.stderr


def test_quote_in_guide_title_builds(minimal_tree: Path, tmp_path: Path) -> None:
    """A `"` in the title once stopped the site build with no location; now it is just text."""
    guide = minimal_tree / "guides/guide.yml"
    guide.write_text(re.sub(r"^title: .*$", "title: '指南\"甲\" 乙: 丙'", guide.read_text(encoding="utf-8"), flags=re.M),
                     encoding="utf-8")
    assert check(minimal_tree).returncode == 0
    _build(load_content(minimal_tree), BuildOptions(root=minimal_tree, out=tmp_path, only=("site",),
                                                    progress=Progress(quiet=True)), {})
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert 'aria-label="指南&#34;甲&#34; 乙: 丙"' in home and "<title>首页 - 指南&#34;甲&#34; 乙: 丙</title>" in home


def test_attribute_list_message(tree: Tree) -> None:
    out = check(tree.root).stderr
    line = tree.line_of("guides/01-intro.md", "onfocus")
    col = tree.text("guides/01-intro.md").splitlines()[line - 1].index("onfocus") + 1
    assert (f"guides/01-intro.md:{line}:{col}: 错误: 章节使用了属性列表“{{ … }}”（其中有“onfocus”）；"
            "指南不支持在花括号里给标题、链接或段落加属性，请删除花括号及其中的内容") in out


def test_encoded_scheme_is_placed_on_its_column(tree: Tree) -> None:
    rel = "sectors/demo/enterprises/sample-a.yml"
    line = tree.line_of(rel, "java&#x09;script")
    col = tree.text(rel).splitlines()[line - 1].index("java&#x09;") + 1
    assert (f"{rel}:{line}:{col}: 错误: 字段“body”（做法说明）的链接地址“java\tscript:alert(24)”不允许："
            "链接只能是相对路径，或以 http:、https:、mailto: 开头的地址") in check(tree.root).stderr


# ---- Files stay inside the root, SVGs hold nothing active ------------------------------------


SVGS = {
    "script": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(61)</script></svg>',
    "onload": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(62)"><rect width="1" height="1"/></svg>',
    "foreign": '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
    "xlink": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
             '<image xlink:href="http://127.0.0.1:1/x.png"/></svg>',
    "entity": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    "css": '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://127.0.0.1:1/a.css);</style></svg>',
}


def line_in(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _with_images(root: Path, srcs: list[str]) -> None:
    ent = root / "sectors/demo/enterprises/sample-a.yml"
    text = ent.read_text(encoding="utf-8").split("    images:\n")[0]
    ent.write_text(text + "    images:\n" + "".join(f"      - src: {s}\n        caption: 图\n" for s in srcs),
                   encoding="utf-8")


def test_symbolic_links_out_of_the_root_are_errors(minimal_tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "images").mkdir(parents=True)
    (outside / "secret.svg").write_text(OUTSIDE_SVG, encoding="utf-8")
    (outside / "images" / "pic.svg").write_text(OUTSIDE_SVG, encoding="utf-8")
    shutil.copytree(minimal_tree / "sectors/demo", outside / "sector")
    (outside / "sector" / "sector.yml").write_text(
        (outside / "sector" / "sector.yml").read_text(encoding="utf-8").replace("id: demo", "id: linked")
        .replace("prefix: DM", "prefix: LK"), encoding="utf-8")
    (outside / "chapter.md").write_text("# 外部章节\n", encoding="utf-8")
    demo = minimal_tree / "sectors/demo"
    (demo / "images" / "link.svg").symlink_to(outside / "secret.svg")
    (demo / "pictures").symlink_to(outside / "images")
    (minimal_tree / "sectors/linked").symlink_to(outside / "sector")
    (minimal_tree / "guides/01-intro.md").unlink()
    (minimal_tree / "guides/01-intro.md").symlink_to(outside / "chapter.md")
    _with_images(minimal_tree, ["images/link.svg", "pictures/pic.svg"])
    out = check(minimal_tree)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    ent = "sectors/demo/enterprises/sample-a.yml"
    first, second = (line_in(minimal_tree / ent, f"src: {s}") for s in ("images/link.svg", "pictures/pic.svg"))
    for place, name in [(f"{ent}:{first}:9:", "sectors/demo/images/link.svg"),
                        (f"{ent}:{second}:9:", "sectors/demo/pictures/pic.svg"),
                        ("guides/01-intro.md:1:1:", "guides/01-intro.md"), ("sectors/linked/:1:1:", "sectors/linked/")]:
        assert f"{place} 错误: {name} 是指向仓库（内容根目录）之外的符号链接" in out.stderr, out.stderr


@pytest.mark.parametrize("kind", sorted(SVGS))
def test_active_svg_is_an_error(minimal_tree: Path, kind: str) -> None:
    (minimal_tree / "sectors/demo/images/pic.svg").write_text(SVGS[kind], encoding="utf-8")
    problems = [p.text() for p in collect(minimal_tree)[1]]
    line = line_in(minimal_tree / "sectors/demo/enterprises/sample-a.yml", "src: images/pic.svg")
    assert [p for p in problems if p.startswith(f"sectors/demo/enterprises/sample-a.yml:{line}:9: 错误: SVG 图片 "
                                                "sectors/demo/images/pic.svg 不能发布：")] != [], problems


def test_the_build_refuses_what_the_check_refuses(minimal_tree: Path, tmp_path: Path) -> None:
    """Defence in depth: with the check bypassed, a link out of the root or an active SVG stops the site."""
    content = load_content(minimal_tree)
    (tmp_path / "secret.svg").write_text(OUTSIDE_SVG, encoding="utf-8")
    (minimal_tree / "sectors/demo/images/link.svg").symlink_to(tmp_path / "secret.svg")
    (minimal_tree / "sectors/demo/images/bad.svg").write_text(SVGS["script"], encoding="utf-8")
    for src, word in [("images/link.svg", "符号链接"), ("images/bad.svg", "<script>")]:
        hostile = _replace_practice(content, images=(Image(src=src, caption="图"),))
        with pytest.raises(BuildError, match=word):
            site.source(hostile, minimal_tree, tmp_path / "out")


def test_pdf_fetcher_serves_only_the_root(tree: Tree, tmp_path: Path) -> None:
    fetch = render.fetcher(str(tree.root))
    inside = tree.root / "sectors/demo/images/pic.svg"
    assert fetch(inside.as_uri()).url.startswith("file:")
    refused = [f"http://127.0.0.1:{tree.port}/x.png", f"https://127.0.0.1:{tree.port}/x.png",
               f"ftp://127.0.0.1:{tree.port}/x.png", (tree.root.parent / "outside/secret.svg").as_uri(),
               (tree.root / "../outside/secret.svg").as_uri(), "data:image/png;base64,AAAA",
               # a network address whose path names a file inside the root is still a network address
               f"http://127.0.0.1:{tree.port}{inside}"]
    for url in refused:
        with pytest.raises(fonts.PdfError, match="PDF 只能使用仓库内的文件"):
            fetch(url)
    assert tree.requests == []


# ---- The check bypassed: what readers get ----------------------------------------------------


def _replace_practice(content: Content, **changes: Any) -> Content:
    sc = content.sectors[0]
    ent = sc.enterprises[0]
    practice = dataclasses.replace(ent.practices[0], **changes)
    ent = dataclasses.replace(ent, practices=(practice, *ent.practices[1:]))
    return dataclasses.replace(content, sectors=(dataclasses.replace(sc, enterprises=(ent,)),))


def unchecked(t: Tree) -> Content:
    """The hostile tree's content as if the check had passed: every payload reaches the renderers."""
    valid = Path(str(t.root) + "-valid")
    if not valid.exists():
        shutil.copytree(FIXTURES / "minimal", valid)
    content = load_content(valid)
    pics = images(t.port, t.root)
    everything = "\n\n".join([*ATTR_LISTS, *URLS, *RAW_HTML, *pics])
    quote = '" autofocus onfocus="alert(71)'
    content = _replace_practice(content, title=f"做法{quote}<script>alert(72)</script>", body=everything,
                                results=everything, images=(Image(src="images/pic.svg", caption=f"图{quote}"),))
    sc = content.sectors[0]
    ent = dataclasses.replace(sc.enterprises[0], name=f"企业{quote}</title><script>alert(73)</script>",
                              summary=everything)
    item = dataclasses.replace(sc.items[0], rectification=everything, item=f"项目{quote}")
    sector = dataclasses.replace(sc.sector, summary=everything, name=f"行业{quote}")
    sc = dataclasses.replace(sc, sector=sector, enterprises=(ent,), items=(item, *sc.items[1:]))
    chapter = dataclasses.replace(content.chapters[0], markdown="# 总则\n\n" + everything)
    guide = dataclasses.replace(content.guide, title=f'指南"{quote}</title><script>alert(74)</script>')
    return dataclasses.replace(content, guide=guide, sectors=(sc,), chapters=(chapter,))


@pytest.fixture(scope="module")
def bypassed(tree: Tree, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bypassed")
    opts = BuildOptions(root=Path(str(tree.root) + "-valid"), out=out, only=("pdf", "site"), jobs=1,
                        progress=Progress(quiet=True))
    unchecked(tree)  # makes the valid copy the options point at
    _build(unchecked(tree), opts, {})
    return out


def test_no_request_and_no_outside_file_in_the_build(tree: Tree, bypassed: Path) -> None:
    assert tree.requests == []
    secret = (tree.root.parent / "outside" / "secret.svg").read_bytes()
    for path in bypassed.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret not in data and SECRET.encode() not in data, path
    for volume in (bypassed / "pdf").glob("*.pdf"):
        text = subprocess.run(["pdftotext", str(volume), "-"], capture_output=True, text=True, check=True).stdout
        assert SECRET not in text
        assert "总则" in text or volume.name != "guide.pdf"


class _Active(HTMLParser):
    """Everything active in a page: event handlers, autofocus, scripts, dangerous URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name in ("autofocus", "srcdoc", "formaction") or (
                    name in ("href", "src", "action", "data") and url.startswith(("javascript:", "vbscript:", "data:text", "file:"))):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "svg", "base", "frame"):
            self.found.append(f"<{tag}>")
        if tag == "script":
            self.scripts.append(dict(attrs))


def test_published_html_has_no_active_markup(bypassed: Path) -> None:
    for page in (bypassed / "site").rglob("*.html"):
        body = page.read_text(encoding="utf-8")
        article = body.split("<article", 1)[-1].split("</article>", 1)[0]
        active = _Active()
        active.feed(article)
        # The only scripts inside an article are the self-check page's own files (its template's,
        # never content): the site's assets and the sector's generated data file.
        own = [sc for sc in active.scripts if re.fullmatch(r"(\.\./)*(assets/zhinan/[\w./-]+\.js|data\.js)",
                                                          sc.get("src") or "")]
        assert active.found == [] and active.scripts == own, page
        assert not own or page.parent.name == "self-check", page
        whole = _Active()
        whole.feed(body)
        # outside the content only the theme's own scripts: files, its JSON config, and the hashed ones
        inline = [s for s in whole.scripts if "src" not in s and s.get("type") != "application/json"]
        assert len(inline) <= 3, page


@pytest.fixture(scope="module")
def served(bypassed: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(bypassed / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


HOSTILE_PAGES = ["index.md", "guide/01-intro.md", "sectors/demo/index.md", "sectors/demo/checklist.md",
                 "sectors/demo/enterprises/sample-a.md"]

RENDERED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done))))"
"""Resolves once the page has rendered twice more, and then run what was queued meanwhile: the
autofocus of a loaded page happens at the first rendering, and a task an event handler queued with
no delay runs before this one. (Waiting for a condition, not a fixed time.)"""

PROVOKE = """() => {
  const all = [...document.querySelectorAll('body *')];
  for (const el of all) {
    for (const type of ['focus', 'focusin', 'mouseover', 'mouseenter', 'click', 'load', 'error']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (el.focus) el.focus();
  }
  return [...document.querySelectorAll('article a[href]')]
    .filter(a => !['http:', 'https:', 'mailto:', 'file:'].includes(a.protocol)).map(a => a.href);
}"""


@pytest.mark.slow
@pytest.mark.parametrize(("scheme", "csp"), [("http", "csp"), ("file", "csp"), ("http", "no-csp")])
def test_no_dialog_opens_in_chromium(browser: Any, served: str, bypassed: Path, scheme: str, csp: str) -> None:
    """Load, focus, hover and click everything on every hostile page; with the CSP and, to show the
    sanitizer alone suffices, with the CSP bypassed."""
    base = served if scheme == "http" else (bypassed / "site").as_uri() + "/"
    page = browser.new_page(bypass_csp=csp == "no-csp")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for src in HOSTILE_PAGES:
        url = base + site.url_of(src) + ("index.html" if scheme == "file" else "")
        page.goto(url)
        page.wait_for_load_state("load")
        page.evaluate(RENDERED)  # an autofocus handler has run by now
        # A real mouse over every visible element of the content, scrolled into view one by one:
        # over each one that holds none of the others, as the pointer over it is over every element
        # around it too (their mouseover, mouseenter and :hover all happen). Each move waits for a
        # frame of the page (16.6 ms): 320 moves a run over all of them, 211 over these, and on the
        # five pages the same elements showed :hover (counted when this was written).
        spots = page.evaluate("""() => {
          const shown = [...document.querySelectorAll(
            'article a, article h1, article h2, article h3, article p, article img, article td')]
            .filter(el => el.getBoundingClientRect().width > 0);
          return shown.filter(el => !shown.some(other => other !== el && el.contains(other)))
            .map(el => el.getBoundingClientRect())
            .map(r => [r.left + r.width / 2, r.top + window.scrollY + r.height / 2]);
        }""")
        for x, y in spots:
            scrolled = page.evaluate("y => { window.scrollTo(0, y - 300); return window.scrollY; }", y)
            page.mouse.move(x, y - scrolled)
        for _ in range(25):
            page.keyboard.press("Tab")
        links = page.locator("article a")
        for n in range(links.count()):
            if links.nth(n).evaluate("a => a.hasAttribute('href') && !['http:', 'https:', 'mailto:', 'file:'].includes(a.protocol)"):
                links.nth(n).click(force=True, no_wait_after=True, timeout=2000)
                page.goto(url)
        odd = page.evaluate(PROVOKE)
        assert odd == [], (src, odd)
        page.evaluate(RENDERED)  # and what the events queued has run
    page.close()
    assert dialogs == []


def test_csp_blocks_inline_handlers_on_every_page(browser: Any, served: str) -> None:
    """The CSP alone: markup injected after the sanitizer (as a bug might) runs no handler."""
    page = browser.new_page()
    dialogs: list[str] = []
    violations: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(served + site.url_of("sectors/demo/enterprises/sample-a.md"))
    meta = page.locator("meta[http-equiv='Content-Security-Policy']").get_attribute("content") or ""
    assert "script-src 'self'" in meta and "'unsafe-inline'" not in meta.split("script-src")[1].split(";")[0]
    page.evaluate("""() => {
      document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="alert(81)"><a id="zz" href="javascript:alert(82)">x</a>');
      const s = document.createElement('script'); s.textContent = 'alert(83)'; document.body.appendChild(s);
    }""")
    page.click("#zz")
    page.wait_for_timeout(500)
    page.close()
    assert dialogs == []
    assert violations, "the browser reported no CSP violation: is the policy there?"


def test_sanitizer_keeps_what_the_guide_uses() -> None:
    text = ("段落**加粗**和*强调*，[链接](https://example.com)与[邮件](mailto:a@example.com)。\n\n- 甲\n- 乙\n\n"
            "1. 一\n2. 二\n\n| 甲 | 乙 |\n| :-- | --: |\n| 1 | 2 |\n\n![图](images/a.png)\n\n## 小标题\n")
    html = str(sanitize.render(text))
    for tag in ("<strong>", "<em>", '<a href="https://example.com">', "<ul>", "<ol>", "<table>",
                '<th align="left">', '<img alt="图" src="images/a.png">', "<h2>"):
        assert tag in html, tag
    assert sanitize.findings(text) == []


def test_mkdocs_warnings_are_reported_in_full(minimal_tree: Path, tmp_path: Path) -> None:
    """A page the generator warns about stops the build with every warning, not only their count."""
    from zhinan.site.mkdocs.build import build_site

    source = site.source(load_content(minimal_tree), minimal_tree, tmp_path / "out")
    source.pages["index.md"] += "\n[甲](missing-one.md) [乙](missing-two.md)\n"
    with pytest.raises(BuildError) as caught:
        build_site(source, site.config_file(minimal_tree), docs_dir=minimal_tree / "guides",
                                  site_dir=tmp_path / "site")
    message = str(caught.value)
    assert "Aborted with 2 warnings" in message
    assert "'missing-one.md'" in message and "'missing-two.md'" in message


def test_chapter_links_lead_to_chapters_or_are_errors(minimal_tree: Path, tmp_path: Path) -> None:
    """A chapter never goes through MkDocs' Markdown: its links to other chapters are the check's business."""
    guide = minimal_tree / "guides/guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8") + "  - 02-more.md\n", encoding="utf-8")
    (minimal_tree / "guides/02-more.md").write_text("# 更多\n\n## 小节\n", encoding="utf-8")
    chapter = minimal_tree / "guides/01-intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n见[更多](02-more.md#小节)。\n\n见[缺](03-none.md)。\n",
                       encoding="utf-8")
    line = line_in(chapter, "03-none.md")
    assert (f"guides/01-intro.md:{line}:6: 错误: 章节的链接“03-none.md”指向的章节不存在；"
            "链接别的章节请写 guides/ 下的文件名，如“02-six-tasks.md”") in check(minimal_tree).stderr
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("见[缺](03-none.md)。", ""), encoding="utf-8")
    _build(load_content(minimal_tree), BuildOptions(root=minimal_tree, out=tmp_path, only=("site",),
                                                    progress=Progress(quiet=True)), {})
    assert '<a href="../02-more/#小节">更多</a>' in (tmp_path / "site/guide/01-intro/index.html").read_text(encoding="utf-8")
