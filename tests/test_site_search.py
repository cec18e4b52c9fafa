"""Search relevance, measured in Chromium against the built site.

Each query is one an enterprise safety officer or a department would type, with the entry a reader
needs first and one that must be in the top three. The expectations are written by hand from the
content (the item whose subject the query names), never taken from the search itself.

Run as a script to measure any built site (e.g. before and after a change):
    python tests/test_site_search.py build/site
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CH = "sectors/hazardous-chemicals/"
GM = "sectors/industry-trade/"
JZ = "sectors/construction/"
XF = "sectors/fire-safety/"
KS = "sectors/mining/"
DL = "sectors/road-transport/"
RQ = "sectors/urban-gas/"
SS = "sectors/waterway-transport/"

QUERIES: list[tuple[str, str, str]] = [
    # (query, must come first, must be in the top 3): a page ("hazards/") or an item ("…/#gm-020").
    # Results are grouped by page and a group shows its best sections only, so the top-3 entry is
    # one on another page where there is one worth naming.
    ("有限空间", f"{GM}#gm-020", f"{GM}enterprises/sample-gm-c/"),
    ("有限空间作业", f"{GM}#gm-022", f"{GM}enterprises/sample-gm-c/"),
    ("受限空间", f"{CH}#whp-027", f"{CH}#whp-027"),
    ("液氨", f"{GM}#gm-016", f"{CH}#whp-025"),
    ("重大隐患", "hazards/", "hazards/"),
    ("重大危险源", f"{CH}#whp-010", f"{CH}#whp-010"),
    ("危险源", f"{CH}#whp-010", f"{CH}#whp-010"),
    ("WHP-001", f"{CH}#whp-001", f"{CH}#whp-001"),
    ("KS-018", f"{KS}#ks-018", f"{KS}#ks-018"),
    ("JZ-013", f"{JZ}#jz-013", f"{JZ}#jz-013"),
    ("特种作业", f"{CH}#whp-006|{JZ}#jz-022", f"{KS}#ks-006|{GM}#gm-005"),
    ("动火作业", f"{XF}#xf-025", f"{SS}#ss-024"),
    ("塔式起重机", f"{JZ}#jz-011", f"{JZ}#jz-011"),
    ("施工升降机", f"{JZ}#jz-012", f"{JZ}#jz-012"),
    ("脚手架", f"{JZ}#jz-014", f"{JZ}#jz-014"),
    ("临时用电", f"{JZ}#jz-013", f"{GM}#gm-023"),
    ("消火栓", f"{XF}#xf-013", f"{XF}#xf-013"),
    ("灭火器", f"{XF}#xf-014", f"{XF}#xf-014"),
    ("电动自行车", f"{XF}#xf-023", f"{XF}#xf-023"),
    ("疲劳驾驶", f"{DL}#dl-023", f"{DL}#dl-023"),
    ("卫星定位", f"{DL}#dl-013", f"{DL}#dl-013"),
    ("危险货物", f"{DL}#dl-015", f"{GM}#gm-019"),
    ("液化石油气钢瓶", f"{RQ}#rq-019", f"{RQ}#rq-019"),
    ("可燃气体检测", f"{RQ}#rq-015", f"{RQ}#rq-015"),
    ("粉尘防爆", f"{GM}#gm-015", f"{GM}#gm-015"),
    ("尾矿库", f"{KS}#ks-017", f"{KS}#ks-017"),
    ("敲帮问顶", f"{KS}#ks-024", f"{KS}#ks-024"),
    ("救生设备", f"{SS}#ss-011", f"{SS}#ss-011"),
    ("船员", f"{SS}#ss-005", f"{SS}#ss-005"),
    ("紧急停车", f"{CH}#whp-016", f"{CH}#whp-016"),
    ("安全阀", f"{CH}#whp-019", f"{RQ}#rq-016"),
    ("承包商", f"{CH}#whp-028", f"{CH}#whp-028"),
    ("能量隔离", f"{GM}#gm-024", f"{GM}#gm-024"),
    ("防台防汛", f"{JZ}#jz-021", f"{JZ}#jz-021"),
    ("标杆企业名录", "enterprises/", "enterprises/"),
    ("核心要素", "elements/", "elements/"),
    ("工贸检查清单", f"{GM}checklist/", f"{GM}checklist/"),
]

BOX = "input[data-md-component='search-query']"


def _target(href: str, base: str) -> str:
    """A result link as a target: the page path under the site, and the fragment if any."""
    url = urllib.parse.urlsplit(urllib.parse.urljoin(base, href))
    path = url.path[len(urllib.parse.urlsplit(base).path):].removesuffix("index.html")
    return path + (f"#{url.fragment}" if url.fragment else "")


def ranked(page: Any, query: str, base: str) -> list[str]:
    """The result entries for `query` as a reader sees them: groups by page, each with its page
    link and the sections shown under it (those folded away under "more" are not counted); the
    page link counts only when no section is shown."""
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
        if groups and groups == previous:
            break
        previous = groups
    entries: list[str] = []
    for links in groups:
        links = [_target(h, base) for h in links]
        entries += links[1:] if len(links) > 1 else links
    return entries


def _hit(entry: str, target: str) -> bool:
    """`target` may name equally right entries separated by `|`."""
    return any(entry == t if "#" in t else entry.split("#")[0] == t for t in target.split("|"))


def measure(page: Any, base: str) -> tuple[float, list[str]]:
    """Precision@1 over QUERIES, and a line for every query whose expectations fail."""
    page.goto(base)
    page.wait_for_load_state("load")
    first_right = 0
    failures = []
    for query, first, top3 in QUERIES:
        entries = ranked(page, query, base)
        ok1 = bool(entries) and _hit(entries[0], first)
        ok3 = any(_hit(e, top3) for e in entries[:3])
        first_right += ok1
        if not (ok1 and ok3):
            failures.append(f"{query}: 应为 {first}（前三含 {top3}），实为 {entries[:3]}")
    return first_right / len(QUERIES), failures


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def launch(pw: Any) -> Any:
    return pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


@pytest.fixture(scope="module")
def site_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_site import EDITION, build_site

    out = tmp_path_factory.mktemp("search-build")
    build_site(EDITION, out)
    httpd, base = serve(out / "site")
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_queries_cover_at_least_thirty_cases() -> None:
    assert len(QUERIES) >= 30
    assert len({q for q, _, _ in QUERIES}) == len(QUERIES)


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


def test_search_puts_the_right_entry_first(site_base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        precision, failures = measure(browser.new_page(), site_base)
        browser.close()
    print(f"precision@1 = {precision:.2f} over {len(QUERIES)} queries")
    assert failures == []


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    server, root = serve(Path(sys.argv[1]))
    with sync_playwright() as pw:
        chromium = launch(pw)
        p1, missed = measure(chromium.new_page(), root)
        chromium.close()
    server.shutdown()
    print("\n".join(missed))
    print(f"precision@1 = {p1:.3f} ({round(p1 * len(QUERIES))}/{len(QUERIES)})")
