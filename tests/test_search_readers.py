"""The search reads readers' words: traditional characters, Chinese run together with Latin or
digits, ids without their hyphen, the readers' words a department adds to guides/synonyms.yml, and
ArrowDown + Enter opening the item found. In Chromium, on a site built from a copy of the frozen
content (tests/fixtures/edition) with one readers' word added by the test itself."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_site_search import BOX, EDITION, ranked, serve
from zhinan.content.synonyms import SYNONYMS_FILE
from zhinan.content.validate import collect

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

ADDED = "灭火瓶"
"""A reader's word for 灭火器 that the content never uses and the shipped table does not hold: the
test adds it, so only the table can make the search find XF-014."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[tuple[Any, str, Path]]:
    from conftest import build_site

    root = tmp_path_factory.mktemp("readers") / "content"
    shutil.copytree(EDITION, root)
    table = root / SYNONYMS_FILE
    table.write_text(table.read_text(encoding="utf-8").replace("words:\n", f"words:\n  {ADDED}: 灭火器\n", 1),
                     encoding="utf-8")
    build_site(root, root / "build")
    built = root / "build" / "site"
    httpd, base = serve(built)
    page = browser.new_page()
    page.goto(base)
    yield page, base, built
    page.close()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(("query", "first"), [
    # traditional characters
    ("滅火器", "sectors/fire-safety/#xf-014"),
    ("塔式起重機", "sectors/construction/#jz-011"),
    ("疲勞駕駛", "sectors/road-transport/#dl-023"),
    # Chinese and Latin or digits run together
    ("WHP-003整改", "sectors/hazardous-chemicals/#whp-003"),
    ("三张清单excel", "guide/04-how-to-use/#检查表和电子表格"),
    ("LPG钢瓶", "sectors/urban-gas/#rq-019"),
    # ids without their hyphen, in any case, with a space
    ("WHP003", "sectors/hazardous-chemicals/#whp-003"),
    ("gm022", "sectors/industry-trade/#gm-022"),
    ("XF 019", "sectors/fire-safety/#xf-019"),
    ("ks017", "sectors/mining/#ks-017"),
    # the readers' words: shipped (消防栓, 危化品 as a sector's name) and added by a department
    ("消防栓", "sectors/fire-safety/#xf-013"),
    ("危化品 特种作业", "sectors/hazardous-chemicals/#whp-006"),
    (ADDED, "sectors/fire-safety/#xf-014"),
    # question words carry no weight; one character is found inside words
    ("动火作业要办什么证", "sectors/fire-safety/#xf-025"),
    ("氨", "sectors/industry-trade/#gm-016"),
])
def test_readers_words_find_the_entry(site: tuple[Any, str, Path], query: str, first: str) -> None:
    page, base, _ = site
    entries = ranked(page, query, base)
    assert entries[:1] == [first], f"{query}: {entries[:3]}"


def test_the_added_word_is_not_in_the_content(site: tuple[Any, str, Path]) -> None:
    """Only the table can find it: the index never holds the word."""
    _, _, built = site
    assert ADDED not in (built / "search" / "search_index.json").read_text(encoding="utf-8")
    assert ADDED not in "".join(p.read_text(encoding="utf-8") for p in EDITION.rglob("*.yml") if p.name != "synonyms.yml")


@pytest.mark.parametrize(("query", "item"), [("燃气报警器", "#rq-015"), ("动火作业", "#xf-025"), ("WHP003", "#whp-003")])
def test_arrow_down_and_enter_open_the_item(site: tuple[Any, str, Path], query: str, item: str) -> None:
    page, base, _ = site
    page.goto(base)
    entries = ranked(page, query, base)
    assert entries and entries[0].endswith(item)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{item}")
    assert page.url.endswith(item)
    page.goto(base)


def test_the_search_worker_carries_the_readers_table(site: tuple[Any, str, Path]) -> None:
    _, _, built = site
    worker = next((built / "assets" / "javascripts" / "workers").glob("search.*.min.js")).read_text(encoding="utf-8")
    table = json.loads(worker[len("var __zhinanTable="):worker.index(";\n")])
    assert table["words"][ADDED] == "灭火器"
    assert "險" in table["fold"] and "险" in table["fold"]
    assert {"url": "sectors/hazardous-chemicals/", "names": ["危险化学品", "危化品", "危化"]} in table["sectors"]
    assert BOX  # the same search box as the relevance test


BAD = """\
words:
  危化品: 危险化学品
  危化品: 危险品
  消防栓: 消防栓
  应急 灯: 应急照明
  灭火瓶: 灭火筒
  灭火筒: 灭火器
  空的: ""
sectors:
  no-such-sector: [某行业]
  demo: 演示
colours: []
"""


def test_zhinan_check_reports_each_mistake_in_the_readers_words(minimal_tree: Path) -> None:
    (minimal_tree / SYNONYMS_FILE).write_text(BAD, encoding="utf-8")
    content, problems = collect(minimal_tree)
    assert content is None
    found = {(p.path, p.line, p.col) for p in problems}
    assert {(SYNONYMS_FILE, line, col) for line, col in
            [(3, 3), (4, 8), (5, 3), (6, 3), (8, 7), (10, 3), (11, 9), (12, 1)]} <= found, problems
    texts = "\n".join(p.text() for p in problems)
    assert "重复" in texts and "换成它自己" in texts and "空格或标点" in texts and "灭火器" in texts
    assert "没有编号为“no-such-sector”的行业" in texts and "应写成列表" in texts and "colours" in texts


def test_zhinan_check_accepts_the_shipped_readers_words(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(EDITION, root)
    content, problems = collect(root)
    assert problems == [] and content is not None
    assert content.readers.words["消防栓"] == "消火栓"
    assert "危化品" in content.readers.sectors["hazardous-chemicals"]


def test_a_sector_name_narrows_to_the_sector_but_keeps_its_pages(site: tuple[Any, str, Path]) -> None:
    """燃气报警器: the item, not the top of the 城镇燃气 page; 工贸检查清单: the sector's checklist
    page is one of the sector's own pages, kept by the narrowing."""
    page, base, _ = site
    gas = ranked(page, "燃气报警器", base)
    assert gas[0] == "sectors/urban-gas/#rq-015" and "sectors/urban-gas/" not in gas[:3]
    assert "sectors/industry-trade/checklist/" in ranked(page, "工贸检查清单", base)[:3]
