"""The 简报's open 重大 list is bounded like its overdue list: the most urgent (earliest 整改时限, those
without one last) `outputs.MAJOR_SHOWN` hazards, a line counting them all and naming the XLSX sheet
that holds every one. At 5,000 files the full list was 17 of 23 pages and half a rerun. Records
written by hand (JSON, as an enterprise's export); the expected order is computed here."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from test_tally import AS_OF, CHEM, MINE, content, tree  # noqa: F401  (content, tree: fixtures)
from test_tally_brief import write
from zhinan.commands import tally
from zhinan.commands.tally import outputs

# (name, sector, county, [(level, status, deadline)]); AS_OF is 2026-12-10
RETURNS: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = [
    ("东风化工有限公司（示例）", CHEM, "鲤城区", [("重大", "整改中", "2026-12-20"), ("重大", "待整改", "2026-11-05"),
                                           ("重大", "已销号", "2026-10-01"), ("一般", "整改中", "2026-10-02")]),
    ("南山矿业有限公司（示例）", MINE, "丰泽区", [("重大", "待验收", "2026-12-01"), ("重大", "整改中", None)]),
    ("西岭化工有限公司（示例）", CHEM, "晋江市", [("重大", "整改中", "2027-01-15"), ("重大", "整改中", "2026-11-28")]),
]


def expected_major() -> list[tuple[str, str, str]]:
    """(text, enterprise, deadline) of the open 重大 hazards, most urgent first."""
    rows = [(f"{name[:2]}隐患{k}（示例）", name, d or "") for name, _, _, hz in RETURNS
            for k, (lv, st, d) in enumerate(hz, 1) if lv == "重大" and st != "已销号"]
    return sorted(rows, key=lambda r: (r[2] or "9999", r[1]))


@pytest.mark.parametrize("shown", [50, 3])
def test_open_major_in_the_brief_most_urgent_first_and_bounded(tree: Path, content: Any, tmp_path: Path,  # noqa: F811
                                                               monkeypatch: pytest.MonkeyPatch, shown: int) -> None:
    monkeypatch.setattr(outputs, "MAJOR_SHOWN", shown)
    write(tmp_path / "inbox", RETURNS, 31, "{name}隐患{k}（示例）")
    out = tmp_path / "office"
    tally.run([tmp_path / "inbox"], content, tree, out, out / "t.sqlite", AS_OF, tally.week_of(AS_OF), jobs=1)
    want = expected_major()
    assert [w[0][:2] for w in want] == ["东风", "西岭", "南山", "东风", "西岭", "南山"]
    sheet = list(load_workbook(out / "进展简报-数据.xlsx")["未销号重大隐患"].iter_rows(values_only=True))
    assert sorted(r[6] for r in sheet[1:]) == sorted(t for t, _, _ in want)  # every one in the XLSX
    text = subprocess.run(["pdftotext", "-layout", str(out / "进展简报.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    section = text[text.index("五、未销号的重大隐患"):text.index("六、超过整改时限仍未销号的隐患")]
    overdue = sum(1 for _, _, d in want if d and d < AS_OF.isoformat())
    assert f"未销号的重大隐患共 {len(want)} 条，涉及 3 家企业，其中已超过整改时限 {overdue} 条" in section.replace("\n", "")
    listed = [t for t, _, _ in want if t in section]
    assert listed == [t for t, _, _ in want[:shown]]
    order = [section.index(t) for t in listed]
    assert order == sorted(order)  # most urgent first
    assert ("其余 3 条见 XLSX" in section) == (shown == 3)
