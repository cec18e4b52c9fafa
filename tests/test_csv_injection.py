"""CSV cells that a spreadsheet would read as a formula are neutralised (issue 35): a cell that
starts with = + - @, a tab or a carriage return gets a leading single quote (OWASP's advice), in
every CSV the build writes; read back, the cell is the text with that quote, and LibreOffice opens
it as text, not as a live formula."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress
from zhinan.sheets.encode import csv_bytes

FORMULAS = ['=HYPERLINK("https://evil.example/","点击")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_cells_that_start_a_formula_get_a_quote() -> None:
    rows = [["标题", 3], *([value, "甲" + value] for value in FORMULAS), ["'已有引号", -4]]
    got = table(csv_bytes(rows))
    assert got[0] == ["标题", "3"]
    for value, row in zip(FORMULAS, got[1:], strict=False):
        assert row == ["'" + value, "甲" + value], row
    assert got[-1] == ["'已有引号", "-4"]  # numbers are numbers, not text that looks like one


def test_built_csvs_open_as_text_in_libreoffice(minimal_tree: Path, tmp_path: Path) -> None:
    checklist = minimal_tree / "sectors/demo/checklist.yml"
    data = yaml.safe_load(checklist.read_text(encoding="utf-8"))
    data["items"][0]["content"] = FORMULAS[0]
    data["items"][0]["method"] = "+1+1"
    data["items"][1]["item"] = "@SUM(1,1)"
    checklist.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "build"
    build(BuildOptions(root=minimal_tree, out=out, only=("sheets",), progress=Progress(quiet=True)))
    for name in ("demo.csv", "all.csv"):
        cells = [cell for row in table((out / "sheets" / name).read_bytes()) for cell in row]
        assert "'" + FORMULAS[0] in cells and "'+1+1" in cells and "'@SUM(1,1)" in cells, cells
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    converted = tmp_path / "xlsx"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(converted), str(out / "sheets/demo.csv"), str(out / "sheets/all.csv")],
                   check=True, capture_output=True, timeout=180)
    for book in converted.glob("*.xlsx"):
        ws = openpyxl.load_workbook(book).active
        assert ws is not None
        formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], (book.name, formulas)
        texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert any("HYPERLINK" in t for t in texts), texts


def test_the_self_check_pages_csv_cells_too(browser: Any) -> None:
    """The self-check page writes the enterprise's own lists as CSV in the browser: its `csvCell`,
    taken from the shipped script and run in Chromium, neutralises the same cells."""
    import re

    script = (Path(__file__).resolve().parent.parent / "src/zhinan/assets/zhinan/selfcheck-common.js").read_text(encoding="utf-8")
    found = re.search(r"^  function csvCell\(v\) \{\n.*?^  \}\n", script, re.S | re.M)
    assert found is not None
    page = browser.new_page()  # the session's Chromium (a second Playwright in one process fails)
    try:
        got = page.evaluate(f"values => {{ {found.group(0)}; return values.map(csvCell); }}",
                            [*FORMULAS, "甲=1", 5, -3])
    finally:
        page.close()
    rows = table(("\ufeff" + ",".join(got) + "\r\n").encode("utf-8"))[0]
    assert rows == ["'" + v for v in FORMULAS] + ["甲=1", "5", "-3"], rows
