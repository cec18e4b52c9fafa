"""What a reader sees in the search results, in Chromium on the frozen edition's site over http:
each item of a checklist page is a result of its own (not folded behind another item of its sector
under "N more on this page"), and a sample enterprise's practice comes after the checklist item it
meets when the query's words in its title are the item's own requirements — but first when they
are its own words (a slogan the item does not use)."""

from __future__ import annotations

from typing import Any

import pytest

from test_site_search import ranked


@pytest.fixture(scope="module")
def results(server: str, browser: Any) -> Any:
    page = browser.new_page()
    page.goto(server)
    page.wait_for_load_state("load")
    yield page, server
    page.close()


def _folded(page: Any) -> list[str]:
    """The links a reader sees only after opening "N more on this page"."""
    return list(page.eval_on_selector_all(".md-search-result__more a.md-search-result__link",
                                          "links => links.map(a => a.getAttribute('href'))"))


@pytest.mark.slow
def test_no_checklist_item_is_folded_behind_another(results: tuple[Any, str]) -> None:
    """有限空间 is in two items of the 工贸 checklist (GM-020 台账, GM-022 作业): both are shown,
    each under its sector's title; the theme folded the second away."""
    page, base = results
    entries = ranked(page, "有限空间", base)
    assert "sectors/industry-trade/#gm-020" in entries and "sectors/industry-trade/#gm-022" in entries, entries
    folded = _folded(page)
    assert not [href for href in folded if "/sectors/" in href and "/enterprises/" not in href
                and "#" in href], folded
    titles = page.eval_on_selector_all(
        ".md-search-result__item", "groups => groups.map(g => g.querySelector('a h1') && g.querySelector('a h1').innerText)")
    assert titles.count("工贸") >= 2, titles


@pytest.mark.slow
def test_a_practice_comes_after_the_item_it_meets(results: tuple[Any, str]) -> None:
    """厂站监控与保护装置“月测试” meets RQ-013, RQ-014 and RQ-015, whose requirements hold 保护装置:
    the practice came first with its short title."""
    page, base = results
    entries = ranked(page, "保护装置", base)
    practice = next(i for i, e in enumerate(entries) if e.startswith("sectors/urban-gas/enterprises/sample-gas-a/"))
    items = [i for i, e in enumerate(entries) if e in {f"sectors/urban-gas/#rq-0{n}" for n in (13, 14, 15)}]
    assert items and items[0] < practice, entries[:5]
    assert practice > 0, entries[:5]


@pytest.mark.slow
@pytest.mark.parametrize(("query", "enterprise"), [
    ("一瓶一码", "sectors/urban-gas/enterprises/sample-gas-b/"),
    ("随手拍", "sectors/industry-trade/enterprises/sample-gm-b/"),
])
def test_a_practices_own_words_find_it_first(results: tuple[Any, str], query: str, enterprise: str) -> None:
    """The item names the practice (标杆做法：…) but does not use its slogan: the practice is the answer."""
    page, base = results
    entries = ranked(page, query, base)
    assert entries and entries[0].startswith(enterprise), entries[:3]
