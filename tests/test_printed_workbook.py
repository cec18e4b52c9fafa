"""A filled workbook printed by LibreOffice: every row tall enough for its text (the 整改清单's
looked-up 隐患描述 included), the print areas ending at the last filled row, pages numbered per sheet.

Clipping is seen in the PDF itself: LibreOffice draws the lines of a cell that do not fit below the
row, over the next one, so a row's last word (a tag ENDnn) must end above the next row's 隐患编号."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from openpyxl import load_workbook

from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.formats.record import Finding, Inspection, Rectification
from zhinan.sheets import workbook

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SENTENCE = "叉车驾驶员未持证上岗，现场抽查发现两名驾驶员操作证过期，且未组织复审培训，存在较大风险。"
REPEATS = (1, 2, 3, 1, 4, 2)


def long_findings() -> list[dict[str, str]]:
    """Hazards of 1 to 4 sentences (up to seven wrapped lines), each ending in its tag."""
    return [{"id": f"YH-{n:03d}", "text": SENTENCE * k + f"END{n:02d}"} for n, k in enumerate(REPEATS, 1)]


def to_pdf(xlsx: Path, tmp: Path) -> Path:
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp / "pdf"), str(xlsx)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return tmp / "pdf" / (xlsx.stem + ".pdf")


_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pages(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(body)] for body in _PAGE.findall(out)]


def clipped(pdf: Path, count: int) -> tuple[int, list[str]]:
    """(rows checked, rows whose text runs over the next row), over every page of the PDF."""
    checked, problems = 0, []
    for n_page, words in enumerate(pages(pdf), 1):
        for n in range(1, count):
            ends = [w for w in words if f"END{n:02d}" in w[4]]
            below = [w for w in words if w[4] == f"YH-{n + 1:03d}"]
            if not ends or not below:
                continue
            next_top = min(w[1] for w in below)
            for end in ends:
                checked += 1
                if end[3] > next_top + 1:
                    problems.append(f"page {n_page}: END{n:02d} ends at {end[3]:.0f} pt, below YH-{n + 1:03d} at {next_top:.0f} pt")
    return checked, problems


def filled(content: Content) -> Inspection:
    sc = content.sectors[0]
    found = tuple(Finding(id=f["id"], item=sc.items[0].id, aspect=sc.items[0].aspect, text=f["text"], level="一般")
                  for f in long_findings())
    return Inspection(enterprise="示例化工（示例）", sector=sc.id, findings=found,
                      rectifications=tuple(Rectification(finding=f.id, measure="组织复审培训。", funds=1000.0) for f in found))


def test_the_written_workbook_prints_every_line_and_only_the_filled_rows(tmp_path: Path) -> None:
    content = load_content(FIXTURES / "minimal")
    path = tmp_path / "filled.xlsx"
    path.write_bytes(workbook.workbook_bytes(content.sectors[0], content, filled(content)))
    wb = load_workbook(path)
    last = 2 + len(REPEATS)
    assert wb["隐患清单"].print_area == f"'隐患清单'!$A$1:$H${last}"
    assert wb["整改清单"].print_area == f"'整改清单'!$A$1:$M${last}"
    pdf = to_pdf(path, tmp_path)
    checked, problems = clipped(pdf, len(REPEATS))
    assert problems == []
    assert checked >= 2 * (len(REPEATS) - 1) - 2  # both lists (a row at a page break has no next row to compare)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "YH-007" not in text  # no page of blank prepared rows
    flat = re.sub(r"\s", "", text)
    for sheet in ("检查清单", "隐患清单", "整改清单", "汇总", "自评"):
        assert f"{sheet}第1页" in flat  # each sheet numbers its own pages
    assert not re.search(r"共\d+页", flat)  # no whole-workbook total
