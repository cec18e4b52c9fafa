"""`readback.values_of` reads the sheets' XML itself (`readback.SheetXml`, the tally's cold run): cell
by cell, the values it gives are openpyxl's full `load_workbook(data_only=True)`'s — the reference it
is compared to — over every workbook of tests/test_readback_values.py and the ways of writing XML
those do not use: shared strings with rich-text runs and phonetic runs, shared formulas with their
cached values, booleans, formula strings and errors, cells and rows without r=, rows out of order,
the 1904 calendar, an x14 extension; each both parsed whole and streamed."""

from __future__ import annotations

import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from test_readback_values import as_the_page_exports, columns, content, filled, full_load, outcome, workbooks  # noqa: F401  (content: a fixture)
from zhinan.content.model import Content
from zhinan.sheets import readback, workbook

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def parts(data: bytes, changes: dict[str, Callable[[str], str]], added: dict[str, str] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.infolist():
            body = src.read(part)
            if part.filename in changes:
                text = body.decode()
                new = changes[part.filename](text)
                assert new != text, part.filename  # the change is made
                body = new.encode()
            dst.writestr(part, body)
        for name, text in (added or {}).items():
            dst.writestr(name, text.encode())
    return out.getvalue()


def cell(text: str, ref: str, new: str) -> str:
    """The sheet XML with the cell at `ref` replaced (or added at the start of its row)."""
    found = re.search(r'<c r="' + ref + r'"[^>]*?(?:/>|>.*?</c>)', text, re.S)
    if found:
        return text[:found.start()] + new + text[found.end():]
    row = re.search(r'(<row r="' + re.sub(r"[A-Z]+", "", ref) + r'"[^>]*>)', text)
    assert row, ref
    return text[:row.end()] + new + text[row.end():]


def hostile(content: Content) -> dict[str, bytes]:  # noqa: F811
    sc = content.sectors[0]
    writer = workbook.workbook_bytes(sc, content, filled(sc.id))
    wb = load_workbook(io.BytesIO(writer))
    fund = get_column_letter(columns(wb["整改清单"])["整改资金（元）"])
    place = get_column_letter(columns(wb["隐患清单"])["部位"])
    text_col = get_column_letter(columns(wb["隐患清单"])["隐患描述"])

    def no_addresses(text: str) -> str:  # row 3's cells and the row itself name no address
        text = re.sub(r'<c r="[A-Z]+3"', "<c", text)
        return text.replace('<row r="3"', "<row", 1)

    def swapped(text: str) -> str:  # row 4 written before row 3
        r3 = re.search(r'<row r="3".*?</row>', text, re.S)
        r4 = re.search(r'<row r="4".*?</row>', text, re.S)
        assert r3 and r4 and r3.end() <= r4.start()
        return text[:r3.start()] + r4[0] + text[r3.end():r4.start()] + r3[0] + text[r4.end():]

    def kinds(text: str) -> str:  # a boolean, a formula's string and an error, an x14 extension
        text = cell(text, f"{place}3", f'<c r="{place}3" t="b"><v>1</v></c>')
        text = cell(text, f"{place}4", f'<c r="{place}4" t="str"><f>"东"&amp;"区"</f><v>东区</v></c>')
        text = cell(text, "G3", '<c r="G3" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
        ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/'
               'spreadsheetml/2009/9/main"><x14:dataValidations count="0"/></ext></extLst>')
        return text.replace("</worksheet>", ext + "</worksheet>")

    def shared_formula(text: str) -> str:  # the cached values are read, the formula is not
        text = cell(text, f"{fund}3", f'<c r="{fund}3"><f t="shared" ref="{fund}3:{fund}4" si="0">1000+200</f><v>1200</v></c>')
        return cell(text, f"{fund}4", f'<c r="{fund}4"><f t="shared" si="0"/><v>1300.5</v></c>')

    strings = (f'<sst xmlns="{MAIN}" count="2" uniqueCount="2"><si><r><t>示例</t></r><r><rPr><b/></rPr>'
               '<t xml:space="preserve">化工 x005F_x000D_有限公司（示例）</t></r><rPh sb="0" eb="2"><t>シレイ</t></rPh></si>'
               '<si><t>  未设置防护栏。  </t></si></sst>')

    def with_strings(text: str) -> str:
        return cell(text, "C1", '<c r="C1" t="s"><v>0</v></c>')

    def finding_string(text: str) -> str:
        return cell(text, f"{text_col}3", f'<c r="{text_col}3" t="s"><v>1</v></c>')

    def hidden_cells(text: str) -> str:  # a cell's start inside a CDATA section and inside a comment, before cells read
        text = cell(text, f"{text_col}4", f'<c r="{text_col}4" t="inlineStr"><is><t><![CDATA[<c r="Z4">]]></t></is></c>')
        return cell(text, f"{place}4", f'<!-- <c r="Z4"> --><c r="{place}4" t="inlineStr"><is><t>东区</t></is></c>')

    page = workbook.workbook_bytes(sc, content)
    page = parts(page, {"xl/worksheets/sheet1.xml": lambda t: cell(t, "G1", '<c r="G1" s="0"><v>46350</v></c>')})
    return {
        "no-addresses": parts(writer, {"xl/worksheets/sheet2.xml": no_addresses}),
        "rows-out-of-order": parts(writer, {"xl/worksheets/sheet2.xml": swapped}),
        "booleans-strings-errors-x14": parts(writer, {"xl/worksheets/sheet2.xml": kinds}),
        "shared-formula": parts(writer, {"xl/worksheets/sheet3.xml": shared_formula}),
        "shared-strings-rich": parts(writer, {
            "xl/worksheets/sheet1.xml": with_strings, "xl/worksheets/sheet2.xml": finding_string,
            "[Content_Types].xml": lambda t: t.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType='
                                                       '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
            "xl/_rels/workbook.xml.rels": lambda t: t.replace("</Relationships>", '<Relationship Id="rIdSS" Type="http://schemas.'
                                                              'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                                              'Target="sharedStrings.xml"/></Relationships>')},
            {"xl/sharedStrings.xml": strings}),
        "cells-hidden-in-markup": parts(writer, {"xl/worksheets/sheet2.xml": hidden_cells}),
        "1904": parts(as_the_page_exports(content), {"xl/workbook.xml": lambda t: t.replace("<workbookPr/>", '<workbookPr date1904="1"/>')}),
        "serial-in-general-cell": page,
    }


def same_cells(data: bytes) -> None:
    """Every cell the reader can look at holds the value (and its type) the full load gives."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's about the x14 extension it drops
        full = load_workbook(io.BytesIO(data), data_only=True)
    mine = readback.values_of(data)
    assert mine.sheetnames == full.sheetnames
    wanted_columns = readback._read_columns()
    for name in readback.SHEETS:
        if name not in full.sheetnames or not hasattr(full[name], "_cells"):
            continue
        keep = wanted_columns.get(name)

        def wanted(k: tuple[int, int], keep: Any = keep) -> bool:
            return keep is None or k[0] <= readback._KEPT_ROWS or get_column_letter(k[1]).encode() in keep

        theirs = {k: (type(c.value), c.value) for k, c in full[name]._cells.items() if c.value not in (None, "") and wanted(k)}
        ours = {k: (type(v.value), v.value) for k, v in mine[name]._cells.items() if v.value not in (None, "") and wanted(k)}
        assert ours == theirs, name


@pytest.fixture(scope="module")
def every_workbook(content: Content, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:  # noqa: F811
    return {**workbooks(content, tmp_path_factory.mktemp("books")), **hostile(content)}


@pytest.mark.parametrize("whole", [True, False], ids=["parsed-whole", "streamed"])
def test_cell_by_cell_as_the_full_load(every_workbook: dict[str, bytes], content: Content,  # noqa: F811
                                       whole: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not whole:
        monkeypatch.setattr(readback, "WHOLE_PARSE", 0)
    for name, data in every_workbook.items():
        if name in ("truncated", "not-a-workbook"):
            continue
        same_cells(data)
        assert outcome(data, content, None) == outcome(data, content, full_load), name


def test_the_hostile_cases_are_what_they_claim(every_workbook: dict[str, bytes], content: Content) -> None:  # noqa: F811
    read = {n: outcome(every_workbook[n], content, None) for n in hostile(content)}
    assert read["shared-strings-rich"][1].enterprise == "示例化工 x000D_有限公司（示例）"  # runs joined, phonetics not, x005F_ dropped
    assert read["shared-strings-rich"][1].findings[0].text == "未设置防护栏。"
    assert read["shared-formula"][1].rectifications[0].funds == 1200.0
    # The boolean and the formula's string are read as openpyxl reads them (`same_cells`); the error a
    # formula shows is refused at its cell, as a #REF! left by rows deleted in Excel is.
    kinds = read["booleans-strings-errors-x14"]
    assert kinds[0] == "refused" and [m for m in kinds[1] if m.startswith("隐患清单!G3: 错误: ")], kinds
    assert read["no-addresses"][1].findings == read["rows-out-of-order"][1].findings == outcome(
        workbook.workbook_bytes(content.sectors[0], content, filled(content.sectors[0].id)), content, None)[1].findings
    assert read["1904"][1].date == datetime.date(1904, 1, 1) + datetime.timedelta(days=46350)
    assert read["serial-in-general-cell"][0] == "refused"  # a number where the date is, not formatted as one
    hidden = read["cells-hidden-in-markup"][1].findings[1]  # as openpyxl reads it (`same_cells`), and read, not refused
    assert (hidden.text, hidden.location) == ('<c r="Z4">', "东区"), hidden



def test_entities_that_expand_are_refused(content: Content) -> None:  # noqa: F811
    """A sheet whose DTD expands an entity a billionfold is refused as unreadable, in a moment."""
    laughs = '<!DOCTYPE worksheet [<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + "]>"

    def bomb(text: str) -> str:
        text = text.replace("<worksheet", laughs + "<worksheet", 1)
        return cell(text, "C1", '<c r="C1" t="inlineStr"><is><t>&l9;</t></is></c>')

    sc = content.sectors[0]
    data = parts(workbook.workbook_bytes(sc, content, filled(sc.id)), {"xl/worksheets/sheet1.xml": bomb})
    assert outcome(data, content, None) == ("refused", ["错误: 无法读取工作簿：只支持 .xlsx 文件（Excel 2007 及以后、WPS 另存为 .xlsx）"])
