"""What the site says to readers matches what it publishes: the 开放数据 page's column table says a
CSV column is empty exactly when the published CSV leaves it empty; the reader-facing pages do not
talk in the team's tools or the browser's API names."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from test_site import text_of
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress

EDITION = Path(__file__).parent / "fixtures" / "edition"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wording") / "content"
    shutil.copytree(EDITION, root)
    (root / "guides" / "changes.md").unlink(missing_ok=True)
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
