"""What the site says to readers matches what it publishes: the 开放数据 page's column table says a
CSV column is empty exactly when the published CSV leaves it empty; the reader-facing pages do not
talk in the team's tools or the browser's API names."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from test_site import text_of
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress

EDITION = Path(__file__).parent / "fixtures" / "edition"
FEEDBACK = "某某科（示例），电话 0000-0000000"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wording") / "content"
    shutil.copytree(EDITION, root)
    (root / "guides" / "changes.md").unlink(missing_ok=True)
    guide = root / "guides" / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8") + f"start_here: 03-self-assessment.md\nfeedback: {FEEDBACK}\n",
                     encoding="utf-8")
    build(BuildOptions(root=root, out=root / "build", only=("site", "sheets"), progress=Progress(quiet=True)))
    return root / "build"


def _column_notes(site_dir: Path) -> dict[str, str]:
    """The 开放数据 page's CSV column table: column title → what it says of the column."""
    html = (site_dir / "data" / "index.html").read_text(encoding="utf-8")
    table = html[html.index('id="csv-fields"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", table, re.S)
    return {re.sub(r"<[^>]+>", "", a).strip(): re.sub(r"<[^>]+>", "", b).strip() for a, b in rows}


def test_the_data_page_says_a_column_is_empty_only_when_the_csv_leaves_it_empty(out: Path) -> None:
    notes = _column_notes(out / "site")
    assert len(notes) > 8
    sheets = sorted((out / "sheets").glob("*.csv"))
    rows = []
    for f in sheets:
        if f.stem not in ("findings", "rectifications"):
            with f.open(encoding="utf-8-sig") as data:
                rows += list(csv.DictReader(data))
    assert rows
    for title, note in notes.items():
        filled = any((row.get(title) or "").strip() for row in rows)
        says_empty = "为空" in note
        assert filled != says_empty, f"{title}: 页面说“{note}”，CSV 中{'有' if filled else '没有'}内容"
    for title in ("核心要素", "典型隐患", "整改要求"):
        assert title in notes and "为空" not in notes[title]


def test_reader_pages_do_not_speak_in_tools_or_apis(out: Path) -> None:
    changes = text_of(out / "site" / "changes" / "index.html")
    assert "zhinan" not in changes and "暂无修订说明" in changes
    for page in (out / "site" / "sectors").glob("*/self-check/index.html"):
        assert "localStorage" not in text_of(page), page


def test_the_home_page_says_where_to_start_and_where_to_send_feedback(out: Path) -> None:
    html = (out / "site" / "index.html").read_text(encoding="utf-8")
    start = html[html.index('class="zn-start"'):]
    start = start[:start.index("</p>")]
    assert "第一次使用" in start and 'href="guide/03-self-assessment/"' in start
    feedback = html[html.index('id="feedback"'):]
    assert FEEDBACK in feedback[:feedback.index("</p>")]


def test_sector_cards_carry_distinct_badges(out: Path) -> None:
    html = (out / "site" / "index.html").read_text(encoding="utf-8")
    cards = html[html.index('id="sectors"'):html.index('id="figures"')]
    badges = re.findall(r'<li>.*?<span class="zn-badge[^"]*"[^>]*>([^<]+)</span>', cards, re.S)
    assert len(badges) == 8 and len(set(badges)) == 8, badges


def test_start_here_must_be_a_chapter(minimal_tree: Path) -> None:
    from zhinan.content.validate import collect

    guide = minimal_tree / "guides" / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8") + "start_here: no-such.md\n", encoding="utf-8")
    content, problems = collect(minimal_tree)
    assert content is None
    assert any(p.path == "guides/guide.yml" and "no-such.md" in p.message for p in problems), problems


def test_open_data_also_under_stable_ascii_names(tmp_path: Path) -> None:
    """Beside the Chinese, edition-bearing names: data/guide.json, its schema and the checklists'
    CSV, the same bytes, linked from the 开放数据 page."""
    root = tmp_path / "content"
    shutil.copytree(EDITION, root)
    build(BuildOptions(root=root, out=root / "build", only=("site", "sheets", "data"), progress=Progress(quiet=True)))
    site, built = root / "build" / "site", root / "build"
    pairs = {"data/guide.json": built / "data" / "guide.json",
             "data/guide.schema.json": built / "data" / "guide.schema.json",
             "data/csv/all.csv": built / "sheets" / "all.csv",
             **{f"data/csv/{s.name}.csv": built / "sheets" / f"{s.name}.csv" for s in (root / "sectors").iterdir()}}
    page = (site / "data" / "index.html").read_text(encoding="utf-8")
    for name, source in pairs.items():
        assert (site / name).read_bytes() == source.read_bytes(), name
        assert name.isascii() and f'href="{name.removeprefix("data/")}"' in page, name


def test_the_404_page_has_the_site_header_and_indented_bullets_on_a_phone(out: Path, browser: Any) -> None:
    from test_site_search import serve

    httpd, base = serve(out / "site")
    try:
        page = browser.new_page(viewport={"width": 390, "height": 700})
        page.goto(base + "404.html")
        page.wait_for_load_state("load")
        header = page.locator("header.md-header a")
        assert header.inner_text().strip() == "安全生产标准化运行提升指南"
        assert page.evaluate("document.querySelector('header.md-header a').href") == base
        para = page.evaluate("document.querySelector('article p').getBoundingClientRect().left")
        item = page.evaluate("document.querySelector('article li').getBoundingClientRect().left")
        assert item >= para + 16, (para, item)  # the bullet sits inside the page's margin, not at its edge
        page.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
