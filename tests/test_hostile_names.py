"""Names are text wherever they land (issue 35): a sector's name, its department, an enterprise's
name, a checklist item's title and a hazard, each set to a hostile value, pass `zhinan check` and
build a site in which every page has exactly the elements plain names give, shows each name as
text, and keeps its front matter out of sight (the self-check page stays out of search). Then
Chromium opens every page over http and file://: no navigation, no dialog.

One tree holds every hostile value, each in a sector of its own (the minimal tree's sector copied
once per value), beside the same tree with plain names: two builds, and every page opened once per
scheme, instead of a build and a round of pages per value. The site-wide pages (home, indexes,
navigation) then carry all the values at once.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress
from zhinan.site import selfcheck

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

BIN = Path(sys.executable).parent

HOSTILE = {
    "meta-refresh": '危险化学品<meta http-equiv=refresh content="0;url=https://evil.example/" ',
    # unclosed, as `zhinan check` refuses a whole tag: the `>` comes from the markup after the name
    "fixed-link": "<a href=x style=position:fixed;inset:0 ",
    "img-onerror": "<img src=x onerror=alert(1) ",
    "yaml-colon": "名称: 说明 #注释",
    "quotes": "甲'乙\"丙`丁",
    "newline": "第一行\n---\nsearch: {exclude: false}\n第二行",
    "script-end": "</script <!-- x",
    "markdown": "*强调* [链接](https://evil.example/) # 标题 | 表 |",
}
PLAIN = "示例行业"


def write_tree(dest: Path, names: dict[str, str]) -> Path:
    """A copy of the minimal tree whose sector is copied once per entry of `names` (a sector id and
    the name it carries), with the name in every name-like field of its copy."""
    import shutil

    shutil.copytree(FIXTURES / "minimal", dest)
    demo = dest / "sectors/demo"
    for n, (sector_id, name) in enumerate(names.items()):
        prefix = "HN" + chr(ord("A") + n)  # item ids follow their sector's prefix: DM-001 → HNA-001
        folder = dest / "sectors" / sector_id
        shutil.copytree(demo, folder)
        sector = yaml.safe_load((folder / "sector.yml").read_text(encoding="utf-8"))
        sector.update(id=sector_id, name=name, department=f"{name}局", prefix=prefix, order=n + 1)
        (folder / "sector.yml").write_text(yaml.safe_dump(sector, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
        checklist = yaml.safe_load((folder / "checklist.yml").read_text(encoding="utf-8").replace("DM-", f"{prefix}-"))
        checklist["items"][0]["item"] = name
        checklist["items"][0]["hazards"][0]["text"] = f"{name}。"
        (folder / "checklist.yml").write_text(yaml.safe_dump(checklist, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
        ent_file = folder / "enterprises/sample-a.yml"
        ent = yaml.safe_load(ent_file.read_text(encoding="utf-8").replace("DM-", f"{prefix}-"))
        ent.update(id=f"sample-{sector_id}", name=f"{name}（示例）")
        ent_file.unlink()
        (folder / f"enterprises/sample-{sector_id}.yml").write_text(
            yaml.safe_dump(ent, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.rmtree(demo)
    return dest


class _Shape(HTMLParser):
    """A page's elements (tag and attribute names, counted), its text and its <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: Counter[tuple[str, tuple[str, ...]]] = Counter()
        self.found: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.shape[(tag, tuple(sorted(n for n, _ in attrs)))] += 1
        values = dict(attrs)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("meta refresh")
        if any(n.startswith("on") for n, _ in attrs):
            self.found.append(f"<{tag}> with a handler")
        if tag == "a" and "style" in values:
            self.found.append("<a style>")
        if tag == "img" and values.get("src") == "x":
            self.found.append("<img src=x>")
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "title":
            self.title += data
        elif not self._in or self._in[-1] not in ("script", "style"):
            self.text.append(data)


def shape_of(path: Path) -> _Shape:
    parser = _Shape()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def _build(root: Path, out: Path) -> Path:
    check = subprocess.run([str(BIN / "zhinan"), "check", "--root", str(root)], capture_output=True, text=True,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False)
    assert check.returncode == 0, check.stderr
    build(BuildOptions(root=root, out=out, only=("site",), progress=Progress(quiet=True)))
    return out / "site"


SECTORS = {key: f"name-{key}" for key in sorted(HOSTILE)}
"""The sector that carries each hostile value (the same sector ids in the plain tree)."""


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("plain")
    names = {sector: f"{PLAIN}{n}" for n, sector in enumerate(SECTORS.values())}
    return _build(write_tree(base / "content", names), base / "build")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    return _build(write_tree(base / "content", {SECTORS[key]: HOSTILE[key] for key in SECTORS}), base / "build")


def pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in site_dir.rglob("*.html") if p.name != "404.html")


def test_every_page_has_the_elements_plain_names_give(hostile_site: Path, plain_site: Path) -> None:
    site_dir = hostile_site
    assert [p.relative_to(site_dir) for p in pages(site_dir)] == [p.relative_to(plain_site) for p in pages(plain_site)]
    assert len(pages(site_dir)) > 4 * len(HOSTILE)  # each sector's pages are there
    for page in pages(site_dir):
        got, want = shape_of(page), shape_of(plain_site / page.relative_to(site_dir))
        assert got.found == [], (page, got.found)
        assert got.shape == want.shape, (page, (got.shape - want.shape), (want.shape - got.shape))


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_the_name_reads_as_text(hostile_site: Path, key: str) -> None:
    one_line = " ".join(HOSTILE[key].split())
    self_check = shape_of(hostile_site / "sectors" / SECTORS[key] / selfcheck.PAGE / "index.html")
    assert " ".join(self_check.title.split()).startswith(f"{one_line}在线自查 - "), self_check.title
    sector = shape_of(hostile_site / "sectors" / SECTORS[key] / "index.html")
    assert one_line in " ".join("".join(sector.text).split())


def test_front_matter_stays_out_of_sight(hostile_site: Path) -> None:
    for page in pages(hostile_site):
        if page.parent.name == "reference":  # the field reference explains the files' keys
            continue
        text = "".join(shape_of(page).text)
        for name in HOSTILE.values():  # the names' own words, wherever they are shown
            for part in name.splitlines():
                text = text.replace(part, "")
        assert "exclude" not in text and "search:" not in text and "title:" not in text, page


def test_the_self_check_pages_stay_out_of_search(hostile_site: Path) -> None:
    index = json.loads((hostile_site / "search/search_index.json").read_text(encoding="utf-8"))
    locations = [doc["location"] for doc in index["docs"]]
    assert len({loc.split("/")[1] for loc in locations if loc.startswith("sectors/")}) == len(HOSTILE), locations
    assert not [loc for loc in locations if f"/{selfcheck.PAGE}/" in f"/{loc}"], locations


# ---- In Chromium ------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_no_page_navigates_or_opens_a_dialog(browser: Any, hostile_site: Path, scheme: str) -> None:
    site_dir = hostile_site
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/" if scheme == "http" else site_dir.as_uri() + "/"
    # Every page open at once, each in its own tab: one wait then covers a 0 s meta refresh on any
    # of them (a wait per page made this the suite's slowest module).
    context = browser.new_context()
    dialogs: list[str] = []
    outside: list[str] = []
    context.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                  if not route.request.url.startswith(base) else route.continue_())
    try:
        opened = []
        for path in pages(site_dir):
            rel = path.relative_to(site_dir).as_posix()
            url = base + (rel if scheme == "file" else rel.removesuffix("index.html"))
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url)
            page.wait_for_load_state("load")
            opened.append((rel, url, page))
        opened[-1][2].wait_for_timeout(300)  # a meta refresh of 0 s has fired on every page by now
        for rel, url, page in opened:
            assert page.url == url, (rel, page.url)
            center = page.evaluate("""() => {
              const el = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
              return el && el.closest('a[style]') ? el.outerHTML : null; }""")
            assert center is None, (rel, center)
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()
    assert dialogs == [] and outside == []


def test_script_json_cannot_end_or_comment_out_a_script() -> None:
    value = {"name": "</script><!--<script>alert(1)</script>&\u2028\u2029"}
    text = selfcheck.script_json(value)
    assert json.loads(text) == value
    assert not any(c in text for c in "<>&\u2028\u2029"), text
