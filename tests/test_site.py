"""The website: generated pages, downloads, atomic builds, MkDocs, links, completeness, browser.

The site of the frozen edition (tests/fixtures/edition) is built once per session and the browser
checks share one Chromium (conftest.py). Expected values always come from the content, never from a hand-written list.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import EDITION, Visit, build_site, until
from zhinan import site
from zhinan.content.model import ASPECTS, CheckItem, Content
from zhinan.content.problems import ContentError
from zhinan.content.validate import load_content

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
SEARCH_WORDS = ("受限空间", "重大危险源")


# ---- Reading built HTML -------------------------------------------------------------------


class _Page(HTMLParser):
    """Text, ids and outgoing references of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.alts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") in ("canonical", "alternate")):
                self.refs.append(str(a[key]))
        if tag == "img":
            self.alts.append(str(a.get("alt") or ""))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(path: Path) -> _Page:
    return _parse(path, path.stat().st_mtime_ns)


@functools.cache
def _parse(path: Path, mtime_ns: int) -> _Page:  # a rebuilt page is parsed afresh
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", "".join(parse(path).text))


def flat(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def page_file(site_dir: Path, src: str) -> Path:
    return site_dir / site.url_of(src) / "index.html"


# ---- Fixtures ------------------------------------------------------------------------------


# ---- Pages and downloads (small fixture tree) ------------------------------------------------


def test_every_record_gets_its_page(minimal_tree: Path, tmp_path: Path) -> None:
    (minimal_tree / "guides" / "changes.md").write_text("# 本版修订说明\n\n- 新增示例行业。\n", encoding="utf-8")
    content = load_content(minimal_tree)
    pages = site.render_pages(content, {})
    build_site(minimal_tree, tmp_path / "out")
    assert [src for src in pages if not page_file(tmp_path / "out" / "site", src).is_file()] == []
    expected = {"index.md", "enterprises.md", "hazards.md", "elements.md", "data.md", "changes.md"}
    expected |= {f"guide/{ch.name}" for ch in content.chapters}
    for sc in content.sectors:
        expected |= {site.sector_src(sc), site.sector_src(sc, "checklist"), site.sector_src(sc, "self-check")}
        expected |= {site.enterprise_src(sc, e) for e in sc.enterprises}
    has_reference = __import__("importlib").util.find_spec("zhinan.formats.reference") is not None
    assert set(pages) - {"reference.md"} == expected
    assert ("reference.md" in pages) == has_reference


def test_plain_text_cannot_become_markup(minimal_tree: Path, tmp_path: Path) -> None:
    checklist = minimal_tree / "sectors" / "demo" / "checklist.yml"
    tricky = "储罐 *A* 区与 B_1 区 | 共用 [管廊] 且浓度<10%，第#1号"
    checklist.write_text(checklist.read_text(encoding="utf-8").replace("未建立全员安全生产责任制。", tricky), encoding="utf-8")
    build_site(minimal_tree, tmp_path / "out")
    sc = load_content(minimal_tree).sectors[0]
    for src in (site.sector_src(sc), site.sector_src(sc, "checklist"), "hazards.md"):
        assert tricky in text_of(page_file(tmp_path / "out" / "site", src)), src


def test_downloads_appear_only_once_built(minimal_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    content = load_content(minimal_tree)
    sc = content.sectors[0]
    build_site(minimal_tree, out)
    assert not (out / "site" / "downloads").exists()
    assert "下载" not in text_of(page_file(out / "site", site.sector_src(sc)))

    (out / "pdf").mkdir()
    (out / "pdf" / f"{sc.id}.pdf").write_bytes(b"%PDF-1.7 sector")
    (out / "sheets").mkdir()
    (out / "sheets" / f"{sc.id}.xlsx").write_bytes(b"PK workbook")
    result = build_site(minimal_tree, out)["site"]
    assert result["downloads"] == sorted([f"{sc.id}/pdf", f"{sc.id}/sheets"])
    names = {p.name: p.read_bytes() for p in (out / "site" / "downloads").iterdir()}
    edition = content.guide.edition
    assert names == {
        f"{sc.sector.name}-{content.guide.title}（{edition}）.pdf": b"%PDF-1.7 sector",
        f"{sc.sector.name}-三张清单（{edition}）.xlsx": b"PK workbook",
    }
    refs = [urllib.parse.unquote(r) for r in parse(page_file(out / "site", site.sector_src(sc))).refs]
    assert {r.rsplit("/", 1)[-1] for r in refs if "downloads/" in r} == set(names)


def test_failed_build_keeps_the_previous_site(minimal_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(minimal_tree, out)
    before = {p.relative_to(out): p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()}
    chapter = minimal_tree / "guides" / "01-intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n见[不存在的章节](99-missing.md)。\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"99-missing\.md"):  # reported by the check, before MkDocs
        build_site(minimal_tree, out)
    after = {p.relative_to(out): p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir()) == [".builds", ".current", ".lock", "site"]
    assert len(list((out / ".builds").iterdir())) == 1  # no half-built generation left (zhinan.pipeline.transaction)


# ---- MkDocs itself ---------------------------------------------------------------------------


def run_mkdocs(root: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-q", "-d", str(site_dir)],
                          cwd=root, env=ENV, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_mkdocs_build_strict_passes_on_the_repository(tmp_path: Path, edition_content: Content) -> None:
    root = tmp_path / "repo"  # the repository's own mkdocs.yml (it inherits from src/) over the frozen content
    shutil.copytree(EDITION, root)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / "src").symlink_to(REPO / "src")
    done = run_mkdocs(root, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    sc = edition_content.sectors[0]
    assert page_file(tmp_path / "site", site.sector_src(sc, "checklist")).is_file()


@pytest.mark.slow
def test_mkdocs_reports_content_problems_with_positions(minimal_tree: Path, tmp_path: Path) -> None:
    (minimal_tree / "mkdocs.yml").write_text(f"INHERIT: {site.default_config()}\ndocs_dir: guides\n", encoding="utf-8")
    checklist = minimal_tree / "sectors" / "demo" / "checklist.yml"
    checklist.write_text(checklist.read_text(encoding="utf-8").replace("aspect: 作业现场", "aspect: 作业场所"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(minimal_tree)
    done = run_mkdocs(minimal_tree, tmp_path / "site")
    assert done.returncode != 0
    for problem in caught.value.problems:
        assert problem.text() in done.stderr
    assert not (tmp_path / "site").exists()


# ---- The repository's site: figures, links, completeness, search index --------------------


def test_report_figures(edition_site: tuple[Path, dict[str, Any]]) -> None:
    result = edition_site[1]["site"]
    print(json.dumps({k: v for k, v in result.items() if k != "downloads"}, ensure_ascii=False))
    assert result["pages"] > 0 and result["search_index_gzip_bytes"] > 0


def test_no_broken_internal_links(built: Path) -> None:
    broken = []
    for page in sorted(built.rglob("*.html")):
        if page == built / "404.html":
            continue  # served at any depth; its links are set in the browser (test_site_readers)
        for ref in parse(page).refs:
            url = urllib.parse.urlsplit(ref)
            if url.scheme or url.netloc or ref.startswith(("mailto:", "data:")):
                continue
            base = built if url.path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / urllib.parse.unquote(url.path).lstrip("/")).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built)} → {ref}")
            elif url.fragment and target.suffix == ".html" and urllib.parse.unquote(url.fragment) not in parse(target).ids:
                broken.append(f"{page.relative_to(built)} → {ref}（锚点不存在）")
    assert broken == []


def test_every_record_appears_on_the_site(built: Path, edition_content: Content) -> None:
    home = text_of(built / "index.html")
    directory = text_of(page_file(built, "enterprises.md"))
    missing = [sc.sector.name for sc in edition_content.sectors if sc.sector.name not in home]
    for sc in edition_content.sectors:
        sector_text = text_of(page_file(built, site.sector_src(sc)))
        checklist_text = text_of(page_file(built, site.sector_src(sc, "checklist")))
        for it in sc.items:
            wanted = [it.id, flat(it.item), flat(it.content), *(flat(h.text) for h in it.hazards)]
            missing += [f"{it.id}: {w}" for w in wanted if w not in sector_text or w not in checklist_text]
        for ent in sc.enterprises:
            ent_text = text_of(page_file(built, site.enterprise_src(sc, ent)))
            wanted = [flat(ent.name), *(flat(p.title) for p in ent.practices)]
            missing += [f"{ent.id}: {w}" for w in wanted if w not in ent_text]
            missing += [f"名录缺少 {ent.id}"] if flat(ent.name) not in directory else []
    assert missing == []


def test_hazards_and_elements_indexes_list_every_entry(built: Path, edition_content: Content) -> None:
    hazards = text_of(page_file(built, "hazards.md"))
    elements = text_of(page_file(built, "elements.md"))
    items = [it for sc in edition_content.sectors for it in sc.items]
    assert [h.text for it in items for h in it.hazards if h.level == "重大" and flat(h.text) not in hazards] == []
    assert [it.id for it in items if it.id not in elements] == []


def test_search_index_covers_every_item_and_works_offline(built: Path, edition_content: Content) -> None:
    raw = (built / "search" / "search_index.json").read_text(encoding="utf-8")
    assert (built / "search" / "search_index.js").read_text(encoding="utf-8") == f"var __index = {raw}"
    locations = {d["location"] for d in json.loads(raw)["docs"]}
    for sc in edition_content.sectors:
        url = site.url_of(site.sector_src(sc))
        assert [it.id for it in sc.items if f"{url}#{it.id.lower()}" not in locations] == []


def test_sample_badge_and_image_alt_text(built: Path, edition_content: Content) -> None:
    for sc in edition_content.sectors:
        for ent in sc.enterprises:
            page = page_file(built, site.enterprise_src(sc, ent))
            assert ('class="zn-badge zn-sample"' in page.read_text(encoding="utf-8")) == ent.sample, ent.id
            captions = [flat(i.caption) for p in ent.practices for i in p.images]
            assert [c for c in captions if c not in parse(page).alts or c not in text_of(page)] == [], ent.id


# ---- In the browser --------------------------------------------------------------------------


def sample_pages(content: Content) -> list[str]:
    sc = next(s for s in content.sectors if s.enterprises)
    return ["index.md", site.sector_src(sc), site.sector_src(sc, "checklist"), site.enterprise_src(sc, sc.enterprises[0])]


def first_item_with(content: Content, word: str) -> CheckItem | None:
    for sc in content.sectors:
        for it in sc.items:
            if word in " ".join([it.item, it.content, *(h.text for h in it.hazards)]):
                return it
    return None


def search(page: Any, word: str, anchor: str) -> list[str]:
    """The result links for `word`, once one of them points at `anchor` (or after 20 s). fill() of
    Chinese sends no key event, so a Space and a Backspace make the theme search, as a reader's
    next key would; a query typed before the search worker has loaded its index may not be run
    again once it has, so after 5 s without the result the reader types them again."""
    box = "input[data-md-component='search-query']"
    page.fill(box, word)
    for _ in range(4):
        page.press(box, "End")
        page.press(box, "Space")
        page.press(box, "Backspace")
        if until(page, "a => [...document.querySelectorAll('.md-search-result a[href]')].some(e => e.href.endsWith(a))",
                 anchor):
            break
    hrefs: list[str] = page.eval_on_selector_all(".md-search-result a[href]", "els => els.map(e => e.href)")
    return hrefs


def test_pages_load_cleanly_and_stay_on_their_origin(visit: Visit, edition_content: Content) -> None:
    for src in sample_pages(edition_content):
        page = visit.open(src)
        assert page.locator("h1").count() >= 1, src
    assert visit.errors == []
    assert visit.foreign() == []
    assert len(visit.requests) > 4


def test_axe_finds_no_serious_violations(browser: Any, server: str, edition_content: Content) -> None:
    v = Visit(browser, server, bypass_csp=True)  # axe is injected as an inline script
    found = {}
    for src in sample_pages(edition_content):
        page = v.open(src)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        found[src] = [f"{x['id']}: {x['help']}" for x in result["violations"] if x["impact"] in ("serious", "critical")]
    v.page.close()
    assert found == {src: [] for src in found}


def test_chinese_search_finds_the_item(visit: Visit, edition_content: Content) -> None:
    words = [(w, it) for w in SEARCH_WORDS if (it := first_item_with(edition_content, w))]
    assert words, "内容中没有可供搜索测试的词"
    page = visit.open("index.md")
    for word, item in words:
        hrefs = search(page, word, f"#{item.id.lower()}")
        assert any(h.endswith(f"#{item.id.lower()}") for h in hrefs), (word, item.id, hrefs[:10])
    assert visit.errors == []
    assert visit.foreign() == []


def test_checklist_filter_hides_and_shows_rows(visit: Visit, edition_content: Content) -> None:
    sc = next(s for s in edition_content.sectors if s.items)
    page = visit.open(site.sector_src(sc, "checklist"))
    rows = page.locator("#zn-checklist tbody tr")

    def shown() -> list[str]:
        ids: list[str] = rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.cells[0].querySelector('a').innerText.trim())")
        return ids

    assert shown() == [it.id for it in sc.items]
    aspect = next(a for a in ASPECTS if any(it.aspect == a for it in sc.items))
    page.select_option("#zn-aspect", aspect)
    assert shown() == [it.id for it in sc.items if it.aspect == aspect]
    page.select_option("#zn-level", "重大")
    assert shown() == [it.id for it in sc.items if it.aspect == aspect and any(h.level == "重大" for h in it.hazards)]
    page.select_option("#zn-aspect", "")
    page.select_option("#zn-level", "")
    assert shown() == [it.id for it in sc.items]
    assert page.locator("#zn-checklist tbody tr:visible").count() == len(sc.items)


def test_links_lead_to_pages_from_disk(browser: Any, built: Path, edition_content: Content) -> None:
    v = Visit(browser, built.as_uri() + "/")
    page = v.open("index.md")
    sc = edition_content.sectors[0]
    page.click(f"article a[href*='sectors/{sc.id}/']")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"sectors/{sc.id}/index.html")
    assert page.locator("h1").inner_text().strip() == sc.sector.name
    v.page.close()
    assert v.errors == []


# ---- zhinan serve ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def wait_for(url: str, needle: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if needle in fetch(url):
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_serve_rebuilds_when_content_changes(minimal_tree: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "zhinan"), "serve", "--root", str(minimal_tree), "-a", f"127.0.0.1:{port}"],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sc = load_content(minimal_tree).sectors[0]
        url = f"http://127.0.0.1:{port}/" + posixpath.dirname(site.sector_src(sc)) + "/"
        assert wait_for(url, sc.sector.name)
        sector_yml = minimal_tree / "sectors" / sc.id / "sector.yml"
        sector_yml.write_text(sector_yml.read_text(encoding="utf-8").replace(sc.sector.name, "改名后的行业"), encoding="utf-8")
        assert wait_for(url, "改名后的行业")
        chapter = minimal_tree / "guides" / load_content(minimal_tree).chapters[0].name
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\n新增的一段话。\n", encoding="utf-8")
        assert wait_for(f"http://127.0.0.1:{port}/guide/{chapter.stem}/", "新增的一段话")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
