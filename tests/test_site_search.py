"""Search relevance, measured in Chromium through the real search box of a site built from the
frozen content copy (tests/fixtures/edition), over http and from file://.

The queries (tests/fixtures/reader-queries.json) were written the way enterprise staff type them —
questions, abbreviations, traditional characters, typos, Latin and Chinese run together, ids
without their hyphen, one character, a sector and a topic — and each answer was decided from the
content before the search engine was tuned, by someone who did not look at it. Neither the queries
nor the answers are changed to fit the engine.

- precision@1: the decided answer is the first entry a reader sees;
- recall@3: the decided answer is among the first three entries.

Run as a script to measure any site built from that content (e.g. before and after a change):
    python tests/test_site_search.py SITE_DIR [--file]
"""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CHROMIUM, CHROMIUM_ARGS

FIXTURES = Path(__file__).parent / "fixtures"
EDITION = FIXTURES / "edition"
QUERIES: list[dict[str, Any]] = json.loads((FIXTURES / "reader-queries.json").read_text(encoding="utf-8"))
PRECISION_AT_1 = 0.9
RECALL_AT_3 = 0.95
BOX = "input[data-md-component='search-query']"


@functools.cache
def _item_sectors() -> dict[str, str]:
    """Item id → the folder of its sector, in the frozen content."""
    found = {}
    for checklist in sorted(EDITION.glob("sectors/*/checklist.yml")):
        for item in yaml.safe_load(checklist.read_text(encoding="utf-8"))["items"]:
            found[item["id"]] = checklist.parent.name
    return found


def target(answer: dict[str, str]) -> str:
    """A decided answer as the entry that shows it: an item's section on its sector page, a
    heading's section in its chapter, or a page (an enterprise's, a sector's), any section of it."""
    from zhinan.site.mkdocs.search import _default_slugify

    if "item" in answer:
        return f"sectors/{_item_sectors()[answer['item']]}/#{answer['item'].lower()}"
    if "chapter" in answer:
        return f"guide/{answer['chapter']}/#{_default_slugify(answer['heading'], '-')}"
    if "enterprise" in answer:
        sector, enterprise = answer["enterprise"].split("/")
        return f"sectors/{sector}/enterprises/{enterprise}/"
    return f"sectors/{answer['sector']}/"


def _target(href: str, base: str) -> str:
    """A result link as a target: the page path under the site, and the fragment if any."""
    url = urllib.parse.urlsplit(urllib.parse.urljoin(base, href))
    path = urllib.parse.unquote(url.path[len(urllib.parse.urlsplit(base).path):].removesuffix("index.html"))
    return path + (f"#{urllib.parse.unquote(url.fragment)}" if url.fragment else "")


def ranked(page: Any, query: str, base: str) -> list[str]:
    """The result entries for `query` as a reader sees them: groups by page, each with its page
    link and the sections shown under it (those folded away under "more" are not counted); the
    page link counts only when no section is shown. fill() of Chinese sends no key event, so a
    Space and a Backspace make the theme search."""
    page.fill(BOX, query)
    page.press(BOX, "Space")
    page.press(BOX, "Backspace")
    previous: Any = None
    groups: Any = []
    for _ in range(60):
        page.wait_for_timeout(150)
        groups = page.eval_on_selector_all(
            ".md-search-result__item",
            "items => items.map(i => [...i.querySelectorAll(':scope > a.md-search-result__link')].map(a => a.getAttribute('href')))")
        if groups == previous and (groups or _ > 6):
            break
        previous = groups
    entries: list[str] = []
    for links in groups:
        links = [_target(h, base) for h in links]
        entries += links[1:] if len(links) > 1 else links
    return entries


def _hit(entry: str, want: str) -> bool:
    """An entry is the target itself, or (for a page target) any entry on that page."""
    return entry == want if "#" in want else entry.split("#")[0] == want


def measure(page: Any, base: str, hits: list[tuple[bool, bool]] | None = None) -> tuple[float, float, list[str]]:
    """precision@1 and recall@3 over QUERIES, and a line for every query that misses either; `hits`
    gets each query's two answers in order."""
    page.goto(base + "index.html" if base.startswith("file:") else base)
    page.wait_for_load_state("load")
    first = top3 = 0
    failures = []
    for query in QUERIES:
        want = target(query["answer"])
        entries = ranked(page, query["q"], base)
        ok1 = bool(entries) and _hit(entries[0], want)
        ok3 = any(_hit(e, want) for e in entries[:3])
        first += ok1
        top3 += ok3
        if hits is not None:
            hits.append((ok1, ok3))
        if not (ok1 and ok3):
            failures.append(f"[{query['kind']}] {query['q']}: 应为 {want}，"
                            f"{'前三有' if ok3 else '前三无'}，实为 {entries[:3]}")
    return first / len(QUERIES), top3 / len(QUERIES), failures


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def launch(pw: Any) -> Any:
    return pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--allow-file-access-from-files"])


@pytest.fixture(scope="module")
def site_base(server: str) -> str:
    """The frozen edition's site over http (conftest.py): a department's new item cannot change these rankings."""
    return server


def test_the_readers_queries_are_the_decided_ones() -> None:
    """At least forty queries, none repeated, each answer present in the frozen content."""
    assert len(QUERIES) >= 40
    assert len({q["q"] for q in QUERIES}) == len(QUERIES)
    from zhinan.site.mkdocs.search import _default_slugify

    for query in QUERIES:
        want = target(query["answer"])
        page = EDITION / ("guides/" + query["answer"]["chapter"] + ".md" if "chapter" in query["answer"]
                          else "sectors/" + want.split("/")[1])
        assert page.exists(), query
        if "chapter" in query["answer"]:
            headings = [line.lstrip("#").strip() for line in page.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#")]
            assert query["answer"]["heading"] in headings, query
            assert want.endswith(_default_slugify(query["answer"]["heading"], "-"))


def test_words_inside_longer_words_are_indexed() -> None:
    from zhinan.site.mkdocs.search import _load_safety_terms, search_subwords

    _load_safety_terms()
    assert "危险源" in search_subwords("WHP-010\u200b重大危险源\u200b管理")
    assert "危险源" not in search_subwords("危险源\u200b重大危险源")  # already a word of the text


def test_the_index_is_segmented_as_jieba_segments_it() -> None:
    """The search plugin's jieba answers each run of Han characters once per process: the same
    words as jieba itself, the same answer again, and other calls passed through unchanged."""
    import jieba

    from zhinan.site.mkdocs.search import _load_safety_terms, _SegmentOnce

    _load_safety_terms()
    seg = _SegmentOnce()
    for text in ("重大危险源辨识和管控", "有限空间作业未执行先通风再检测后作业", "液氨制冷企业"):
        data = text.encode("utf-8")
        assert list(seg.cut(data)) == list(jieba.cut(data)) == list(seg.cut(data))
        assert list(seg.cut(text, cut_all=True)) == list(jieba.cut(text, cut_all=True))
    assert seg.lcut is jieba.lcut


REACHED = (111, 118)
"""Queries answered first and within the first three, over http and file:// (0.910 and 0.967; the
issue asks for 110 and 116 of 122): the ranking may not fall back below them."""


def held_out(position: int) -> bool:
    """The third of the queries kept out of tuning, chosen by position before tuning began (every
    query whose position in reader-queries.json is divisible by 3): the ranking's constants were
    chosen on the other two thirds, and the figures of both are printed."""
    return position % 3 == 0


def halves(hits: list[tuple[bool, bool]]) -> str:
    parts = []
    for name, keep in (("tuned", False), ("held out", True)):
        rows = [hit for i, hit in enumerate(hits) if held_out(i) == keep]
        parts.append(f"{name}: precision@1 {sum(a for a, _ in rows) / len(rows):.3f}, "
                     f"recall@3 {sum(b for _, b in rows) / len(rows):.3f} over {len(rows)}")
    return "; ".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["http", "file"])
def test_readers_find_what_they_type(scheme: str, request: pytest.FixtureRequest, built: Path, browser: Any) -> None:
    """The issue's thresholds, and not below what is reached: 111 and 118 of 122 (0.910 / 0.967;
    tuned 0.889 / 0.963, held out 0.951 / 0.976); 0.893 / 0.943 before each item of a checklist
    page was a result of its own and a practice came after the item it meets, 0.844 / 0.910 before
    the ranking of practices, neighbouring words and copies of one item, 0.287 / 0.410 before the
    readers' words."""
    base = request.getfixturevalue("site_base") if scheme == "http" else built.as_uri() + "/"
    page = browser.new_page()
    hits: list[tuple[bool, bool]] = []
    p1, r3, failures = measure(page, base, hits)
    page.close()
    print(f"{scheme}: precision@1 = {p1:.3f}, recall@3 = {r3:.3f} over {len(QUERIES)} queries ({halves(hits)})")
    print("\n".join(failures))
    first, top3 = round(p1 * len(QUERIES)), round(r3 * len(QUERIES))
    assert first >= REACHED[0] and top3 >= REACHED[1], "\n".join(failures)
    assert p1 >= PRECISION_AT_1 and r3 >= RECALL_AT_3, "\n".join(failures)


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    folder = Path(sys.argv[1])
    server, root = serve(folder)
    with sync_playwright() as pw:
        chromium = launch(pw)
        found: list[tuple[bool, bool]] = []
        p1, r3, missed = measure(chromium.new_page(), folder.resolve().as_uri() + "/" if "--file" in sys.argv else root,
                                 found)
        chromium.close()
    server.shutdown()
    print("\n".join(missed))
    print(f"precision@1 = {p1:.3f} ({round(p1 * len(QUERIES))}/{len(QUERIES)}), "
          f"recall@3 = {r3:.3f} ({round(r3 * len(QUERIES))}/{len(QUERIES)}); {halves(found)}")
