"""Pages load fast on a slow link and keep their Content-Security-Policy: every page carries its
CSP <meta> first in <head> (after the charset) and announces every stylesheet and script it loads
right after it, so that the fetches start at once (Chromium's preload scanner reads nothing ahead
in a page with a CSP <meta>); the search index is requested only when the reader opens search.
Timings are measured by `scripts/bench.py --network SITE`, not here."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_site_search import BOX, EDITION, ranked, serve

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_site import build_site

    root = tmp_path_factory.mktemp("loading") / "content"
    shutil.copytree(EDITION, root)
    build_site(root, root / "build")
    return root / "build" / "site"


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    httpd, base = serve(built)
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_every_page_carries_its_csp_and_preloads_what_it_loads(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        html = page.read_text(encoding="utf-8")
        head = html[html.index("<head>"):html.index("</head>")]
        policy = CSP_META.search(head)
        assert policy, f"{page}: no CSP"
        assert "default-src 'self'" in policy.group(1) and "object-src 'none'" in policy.group(1), page
        assert html.encode().find(b'<meta charset="utf-8">') < 1024, f"{page}: charset after the first 1,024 bytes"
        first_script = min(i for i in (head.find("<script"), len(head)) if i >= 0)
        assert policy.start() < first_script, f"{page}: a script before the CSP"
        assert policy.start() < head.find('<link rel="stylesheet"'), f"{page}: a stylesheet before the CSP"
        if page.name == "404.html":
            continue  # its scripts are tried at every depth: none is preloaded
        preloaded = set(re.findall(r'<link rel="preload" as="(?:script|style)" href="([^"]+)">', head[:first_script]))
        loaded = set(re.findall(r'<script src="([^"]+)"></script>', html)) | set(
            re.findall(r'<link rel="stylesheet" href="([^"]+)">', html))
        assert loaded and loaded <= preloaded, f"{page}: not preloaded before the first script: {loaded - preloaded}"


def test_the_search_index_is_fetched_only_when_search_is_opened(served: str, browser: Any) -> None:
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(served)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # a request that must not come: only time can tell
    assert not [u for u in asked if "search_index" in u]
    page.goto(served + "sectors/construction/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # (the same)
    assert not [u for u in asked if "search_index" in u]
    with page.expect_request(lambda r: r.url.endswith("search/search_index.json"), timeout=10_000):
        page.focus(BOX)
    assert [u for u in asked if u.endswith("search/search_index.json")]
    assert ranked(page, "脚手架", served)[:1] == ["sectors/construction/#jz-014"]
    page.close()


def test_search_opened_by_a_query_in_the_address_fetches_the_index(served: str, browser: Any) -> None:
    page: Any = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    with page.expect_request(lambda r: r.url.endswith("search/search_index.json"), timeout=10_000):
        page.goto(served + "?q=脚手架")
    assert [u for u in asked if u.endswith("search/search_index.json")]
    page.close()


def test_navigation_and_breadcrumbs_have_distinct_names(built: Path) -> None:
    """A screen reader lists the page's landmarks by name: the main navigation and the breadcrumbs
    were both 导航栏."""
    pages = [p for p in built.rglob("index.html") if '<nav class="md-path"' in p.read_text(encoding="utf-8")]
    assert pages
    for page in pages:
        names = re.findall(r'<nav class="md-(?:nav md-nav--primary|path)" aria-label="([^"]*)"',
                           page.read_text(encoding="utf-8"))
        assert len(names) == 2 and len(set(names)) == 2, f"{page}: {names}"
