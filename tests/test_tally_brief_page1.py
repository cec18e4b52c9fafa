"""Page 1 of the 简报 is full: with the city's 46 sectors the bar chart (220 mm in one column) did not
fit under the summary, went to page 2 and left page 1 two thirds empty. Measured from the PDF alone
(tests/printpages.py): the chart's every sector is on page 1 and page 1's body reaches most of the way
down its text block. The figures are a real tally of hand-written returns, with the city's number of
sectors added to them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from printpages import read_pages
from test_tally import AS_OF, ENTERPRISES, content, tree, write  # noqa: F401  (content, tree: fixtures)
from zhinan.commands import tally
from zhinan.commands.tally import outputs

SECTORS = 46
BODY_BOTTOM_MM = 297 - 16  # the 简报's @page bottom margin (its folio below)
MM = 72 / 25.4


def test_page_one_holds_the_summary_and_the_sector_chart(tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    data = tally.run([tmp_path / "inbox"], content, tree, tmp_path / "out", tmp_path / "out" / "t.sqlite", AS_OF,
                     tally.week_of(AS_OF), jobs=1, write=False).data
    real = next(iter(data["summary"]["by_sector"].values()))
    for n in range(SECTORS - len(data["summary"]["by_sector"])):
        data["summary"]["by_sector"][f"extra-{n}"] = real | {"findings": {"一般": 10 + 7 * n, "重大": n % 4}}
        data["sector_names"][f"extra-{n}"] = f"第{n:02d}类行业"
    assert len(data["summary"]["by_sector"]) == SECTORS
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(outputs.brief_pdf(data, content.guide, outputs._tables(data)))
    pages = read_pages(pdf)
    first = pages[0]
    text = "\n".join(line.text for line in first.body)
    assert "二、分行业情况" in text
    chart = [name for name in data["sector_names"].values()]
    missing = [name for name in chart if name not in text]
    assert not missing, f"not on page 1: {missing[:5]}…"
    filled = max(line.bottom for line in first.body) / (BODY_BOTTOM_MM * MM)
    assert filled >= 0.75, f"page 1 is {filled:.0%} down its text block"
    if shutil.which("pdftoppm"):  # for looking at: tmp_path/page-1.png
        import subprocess

        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)


def test_long_names_wrap_in_their_cells(tree: Path, content: Any, tmp_path: Path) -> None:  # noqa: F811
    """The figure tables and the overdue list have given column widths: a name longer than its column,
    with no place to break (a Latin word), wraps inside its cell instead of running over the next
    cells' numbers. Read back from the PDF: no two glyphs of a line overlap."""
    import itertools

    import pdfplumber

    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    data = tally.run([tmp_path / "inbox"], content, tree, tmp_path / "out", tmp_path / "out" / "t.sqlite", AS_OF,
                     tally.week_of(AS_OF), jobs=1, write=False).data
    sector = next(iter(data["summary"]["by_sector"]))
    data["sector_names"][sector] = "ChemicalAndHazardousMaterialsSectorWithALongName"
    county = next(iter(data["summary"]["by_county"]))
    data["summary"]["by_county"]["ACountyNameWithoutAnySpaceInItAtAll"] = data["summary"]["by_county"].pop(county)
    assert data["overdue_enterprises"]
    data["overdue_enterprises"][0]["enterprise"] = "X" * 70
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(outputs.brief_pdf(data, content.guide, outputs._tables(data)))
    overlaps = []
    with pdfplumber.open(pdf) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
        for page in doc.pages:  # every glyph of every line: one running over the next cell lands on its digits
            glyphs = sorted(page.chars, key=lambda c: (round(c["top"]), c["x0"]))
            for a, b in itertools.pairwise(glyphs):
                if abs(a["top"] - b["top"]) < 1 and b["x0"] < a["x1"] - 1:
                    overlaps.append((page.page_number, a["text"], b["text"], round(a["x0"])))
    assert "XXXXXXXXXX" in text and "ACountyName" in text
    assert not overlaps, overlaps[:5]
