"""The self-check page's CSV exports keep every cell whole when the text holds what CSV must quote:
an ASCII comma, a double quote. Each row read back has exactly the record's columns and each cell
the text entered (Excel and `csv` read the same file), whatever the text."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from conftest import Visit
from test_selfcheck import card, content, fill_check, open_check, sc, tab  # noqa: F401 (fixtures)
from zhinan.content.model import SectorContent
from zhinan.formats import record

TEXTS = {"隐患描述": ("text", '油漆桶未加盖, 放在"临时"通道旁。'),
         "部位": ("location", "喷漆房,东侧"),
         "整改措施": ("measure", '加盖, 移入"危废间"。')}


def test_a_comma_or_a_quote_in_any_text_stays_in_its_own_csv_cell(tab: Visit, sc: SectorContent) -> None:  # noqa: F811
    page = open_check(tab, sc)
    page.get_by_role("button", name="清除本机数据").click()
    entered = fill_check(page, sc)
    second = card(page, "YH-002")
    for label, (name, text) in TEXTS.items():
        second.get_by_label(label).fill(text)
        for row in (*entered["findings"], *entered["rectifications"]):
            if row.get("id", row.get("finding")) == "YH-002" and name in row:
                row[name] = text
    for label, rec, rows in (("导出隐患清单 CSV", record.Finding, entered["findings"]),
                             ("导出整改清单 CSV", record.Rectification, entered["rectifications"])):
        with page.expect_download() as dl:
            page.get_by_role("button", name=label).click()
        table = list(csv.reader(io.StringIO(Path(dl.value.path()).read_bytes().decode("utf-8-sig"))))
        fields = dataclasses.fields(rec)
        assert all(len(line) == len(fields) for line in table), table
        for got, want in zip(table[1:], rows, strict=True):
            assert {f.name: cell for f, cell in zip(fields, got, strict=True) if want[f.name] is not None} == \
                {k: str(v) for k, v in want.items() if v is not None}
    page.get_by_role("button", name="清除本机数据").click()
    assert tab.errors == [] and tab.foreign() == []
