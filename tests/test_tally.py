"""zhinan tally (issue 31): records written here as an enterprise would — JSON by hand, workbooks
filled with openpyxl from the blank workbook the sheets stage writes — and figures computed here."""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from zhinan.cli import main
from zhinan.commands import tally
from zhinan.commands.tally.store import MIGRATIONS, SCHEMA_VERSION
from zhinan.content.validate import load_content
from zhinan.sheets.workbook import workbook_bytes

EDITION = Path(__file__).parent / "fixtures" / "edition"
COUNTIES = ("鲤城区", "丰泽区", "晋江市")
AS_OF = datetime.date(2026, 12, 10)
CHEM, MINE = "hazardous-chemicals", "mining"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tally") / "edition"
    shutil.copytree(EDITION, root)
    # The edition lists the city's counties (COUNTIES among them); the tally adds the deadlines.
    with (root / "guides" / "guide.yml").open("a", encoding="utf-8") as fh:
        fh.write("deadlines:\n  findings: 2026-11-25\n  rectifications: 2026-12-31\n")
    return root


@pytest.fixture(scope="module")
def content(tree: Path) -> Any:
    content = load_content(tree)
    assert set(COUNTIES) <= set(content.guide.counties)
    return content


# ---- an enterprise's side, written without the tally's code -----------------------------------

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def code(n: int, broken: bool = False) -> str:
    """A 统一社会信用代码 with its GB 32100-2015 check character (weights 3^i mod 31)."""
    body = f"913505{n:011d}"
    total = sum(CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    check = CHARS[(31 - total % 31) % 31]
    if broken:
        check = CHARS[(CHARS.index(check) + 1) % 31]
    return body + check


def hazard(fid: str, level: str, status: str | None, deadline: str | None, planned: bool = True, item: str = "") -> dict[str, Any]:
    """One hazard with its rectification (status None: no rectification row)."""
    return {"id": fid, "level": level, "item": item, "text": f"隐患{fid}（示例）", "status": status, "deadline": deadline,
            "planned": planned}


def as_json(name: str, credit: str, county: str, sector: str, date: str, hazards: list[dict[str, Any]], version: int = 2) -> bytes:
    ins: dict[str, Any] = {
        "enterprise": name, "sector": sector, "date": date, "kind": "综合检查", "inspectors": "王五",
        "results": [],
        "findings": [{"id": h["id"], "item": h["item"], "aspect": "基础管理", "location": "", "text": h["text"],
                      "level": h["level"], "basis": "", "level_note": ""} for h in hazards],
        "rectifications": [{"finding": h["id"], "measure": "整改（示例）" if h["planned"] else "", "department": "安全部",
                            "owner": "张三", "funds": 5000 if h["planned"] else None, "deadline": h["deadline"],
                            "done": None, "acceptor": "", "accepted": None, "opinion": "", "status": h["status"]}
                           for h in hazards if h["status"] is not None],
    }
    if version == 2:
        ins |= {"credit_code": credit, "county": county, "members": []}
    return json.dumps({"format": "zhinan-self-check", "version": version, "sector": sector, "edition": "2026年版",
                       "inspection": ins}, ensure_ascii=False).encode()


def as_workbook(content: Any, name: str, credit: str, county: str, sector: str, date: str,
                hazards: list[dict[str, Any]]) -> bytes:
    """The blank workbook filled as in Excel: cover, 自评, 隐患清单 and 整改清单 rows by their headings."""
    sc = next(s for s in content.sectors if s.id == sector)
    wb = load_workbook(io.BytesIO(workbook_bytes(sc, content)))
    check = wb["检查清单"]
    check["C1"], check["G1"] = name, datetime.date.fromisoformat(date)
    own = wb["自评"]
    for row in own.iter_rows(min_row=1, max_row=20):
        label = row[0].value
        if label == "统一社会信用代码":
            own.cell(row[0].row, 3, credit)
        elif label == "所在县（市、区）":
            own.cell(row[0].row, 3, county)

    def columns(ws: Any) -> dict[str, int]:
        return {c.value: c.column for c in ws[2] if c.value}

    found, fixes = wb["隐患清单"], wb["整改清单"]
    fc, rc = columns(found), columns(fixes)
    for n, h in enumerate(hazards):
        found.cell(3 + n, fc["隐患编号"], h["id"])
        found.cell(3 + n, fc["方面"], "基础管理")
        found.cell(3 + n, fc["隐患描述"], h["text"])
        found.cell(3 + n, fc["隐患等级"], h["level"])
        if h["status"] is None:
            continue
        fixes.cell(3 + n, rc["隐患编号"], h["id"])
        fixes.cell(3 + n, rc["状态"], h["status"])
        fixes.cell(3 + n, rc["责任部门"], "安全部")
        if h["planned"]:
            fixes.cell(3 + n, rc["整改措施"], "整改（示例）")
            fixes.cell(3 + n, rc["整改资金（元）"], "0.5万元")
        if h["deadline"]:
            fixes.cell(3 + n, rc["整改时限"], h["deadline"].replace("-", "/"))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def expected_figures(records: list[dict[str, Any]], as_of: datetime.date) -> dict[str, Any]:
    """The figures of the current records, counted here."""
    fig: dict[str, Any] = {"enterprises": len(records), "findings": {"一般": 0, "重大": 0},
                           "rectifications": {"待整改": 0, "整改中": 0, "待验收": 0, "已销号": 0}, "overdue": 0, "open_major": 0}
    for r in records:
        for h in r["hazards"]:
            fig["findings"][h["level"]] += 1
            status = h["status"] or "待整改"
            fig["rectifications"][status] += 1
            if status != "已销号":
                fig["open_major"] += h["level"] == "重大"
                fig["overdue"] += bool(h["deadline"] and datetime.date.fromisoformat(h["deadline"]) < as_of)
    total = sum(fig["findings"].values())
    fig["completion_rate"] = round(fig["rectifications"]["已销号"] / total, 4) if total else None
    return fig


ENTERPRISES = [
    {"name": "甲化工有限公司（示例）", "credit": code(1), "county": "鲤城区", "sector": CHEM, "date": "2026-11-20", "form": "json",
     "hazards": [hazard("YH-001", "重大", "整改中", "2026-12-01", item="WHP-001"), hazard("YH-002", "一般", "已销号", "2026-11-30"),
                 hazard("YH-003", "一般", "待整改", "2026-12-10")]},  # due on the as-of day: not overdue yet
    {"name": "乙化工有限公司（示例）", "credit": code(2), "county": "丰泽区", "sector": CHEM, "date": "2026-12-02", "form": "xlsx",
     "hazards": [hazard("YH-001", "一般", "已销号", "2026-12-05"), hazard("YH-002", "重大", "已销号", "2026-12-08"),
                 hazard("YH-003", "一般", None, None, planned=False)]},
    {"name": "丙矿业有限公司（示例）", "credit": code(3), "county": "鲤城区", "sector": MINE, "date": "2026-11-24", "form": "xlsx",
     "hazards": [hazard("YH-001", "重大", "待验收", "2026-12-31"), hazard("YH-002", "一般", "整改中", "2026-12-09")]},
    {"name": "丁矿业有限公司（示例）", "credit": code(4), "county": "晋江市", "sector": MINE, "date": "2026-12-07", "form": "json",
     "hazards": []},
]


def write(inbox: Path, content: Any, e: dict[str, Any], name: str | None = None) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    args = (e["name"], e["credit"], e["county"], e["sector"], e["date"], e["hazards"])
    if e["form"] == "json":
        p, data = inbox / f"{name or e['name']}.json", as_json(*args)
    else:
        p, data = inbox / f"{name or e['name']}.xlsx", as_workbook(content, *args)
    p.write_bytes(data)
    return p


def run(tree: Path, content: Any, inbox: Path, out: Path, as_of: datetime.date = AS_OF, expected: Any = (),
        write_outputs: bool = False) -> tally.Result:
    return tally.run([inbox], content, tree, out, out / "tally.sqlite", as_of, tally.week_of(as_of), expected, jobs=1,
                     write=write_outputs)


def same(summary: dict[str, Any], fig: dict[str, Any]) -> None:
    for key in ("enterprises", "findings", "rectifications", "completion_rate", "overdue", "open_major"):
        assert summary[key] == fig[key], key


# ---- the figures -----------------------------------------------------------------------------

def test_totals_by_sector_and_county(tree: Path, content: Any, tmp_path: Path) -> None:
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    result = run(tree, content, tmp_path / "inbox", tmp_path / "out")
    s = result.data["summary"]
    assert s["files"] == {"accepted": 4, "refused": 0, "superseded": 0}, s["refused"]
    same(s, expected_figures(ENTERPRISES, AS_OF))
    assert s["overdue"] == 2 and s["open_major"] == 2 and s["completion_rate"] == round(3 / 8, 4)
    for sector in (CHEM, MINE):
        same(s["by_sector"][sector], expected_figures([e for e in ENTERPRISES if e["sector"] == sector], AS_OF))
    for county in COUNTIES:
        same(s["by_county"][county], expected_figures([e for e in ENTERPRISES if e["county"] == county], AS_OF))
    assert s["by_sector"]["urban-gas"]["enterprises"] == 0
    majors = {(m["enterprise"], m["finding"], m["deadline"]) for m in result.data["open_major"]}
    assert majors == {("甲化工有限公司（示例）", "YH-001", "2026-12-01"), ("丙矿业有限公司（示例）", "YH-001", "2026-12-31")}
    assert {(o["enterprise"], o["finding"]) for o in result.data["overdue"]} == {
        ("甲化工有限公司（示例）", "YH-001"), ("丙矿业有限公司（示例）", "YH-002")}
    dl = result.data["deadlines"]
    # by 11-25: 甲 (11-20) and 丙 (11-24); planned by 12-31 (as of 12-10): all but 乙 (YH-003 has no rectification)
    assert (dl["findings_on_time"], dl["planned_on_time"]) == (2, 3)
    # the week before (12-03): 丁 (12-07) had not reported
    assert result.data["change"]["enterprises"] == 1
    # the trend: eight weeks ending on the as-of day, each counted as of its own day
    trend = result.data["trend"]
    days = [AS_OF - datetime.timedelta(days=7 * n) for n in range(7, -1, -1)]
    assert [t["as_of"] for t in trend] == [d.isoformat() for d in days]
    for t, day in zip(trend, days, strict=True):
        fig = expected_figures([e for e in ENTERPRISES if e["date"] <= day.isoformat()], day)
        assert (t["enterprises"], t["findings"], t["done"], t["completion_rate"], t["open_major"]) == (
            fig["enterprises"], sum(fig["findings"].values()), fig["rectifications"]["已销号"], fig["completion_rate"],
            fig["open_major"]), t["week"]
    assert [t["enterprises"] for t in trend[-4:]] == [0, 2, 3, 4]  # the weeks differ: each week's own records


def test_as_of_an_earlier_day_counts_what_was_dated_by_then(tree: Path, content: Any, tmp_path: Path) -> None:
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    day = datetime.date(2026, 11, 25)
    s = run(tree, content, tmp_path / "inbox", tmp_path / "out", as_of=day).data["summary"]
    same(s, expected_figures([e for e in ENTERPRISES if e["date"] <= day.isoformat()], day))


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_latest_record_wins(tree: Path, content: Any, tmp_path: Path, order: str) -> None:
    old = dict(ENTERPRISES[0], date="2026-11-10")
    new = dict(ENTERPRISES[0], date="2026-12-03", form="xlsx",
               hazards=[hazard("YH-001", "重大", "已销号", "2026-12-01"), hazard("YH-002", "一般", "已销号", "2026-11-30")])
    first, second = (old, new) if order == "older first" else (new, old)
    write(tmp_path / "inbox", content, first, "a")
    run(tree, content, tmp_path / "inbox", tmp_path / "out")
    write(tmp_path / "inbox", content, second, "b")
    result = run(tree, content, tmp_path / "inbox", tmp_path / "out")
    s = result.data["summary"]
    assert result.read == 1 and s["files"] == {"accepted": 2, "refused": 0, "superseded": 1}
    same(s, expected_figures([new], AS_OF))
    # the week before, the older record was the current one
    before = run(tree, content, tmp_path / "inbox", tmp_path / "out", as_of=datetime.date(2026, 12, 1)).data["summary"]
    same(before, expected_figures([old], datetime.date(2026, 12, 1)))


def test_rerun_reads_only_new_files(tree: Path, content: Any, tmp_path: Path) -> None:
    for e in ENTERPRISES[:3]:
        write(tmp_path / "inbox", content, e)
    assert run(tree, content, tmp_path / "inbox", tmp_path / "out").read == 3
    write(tmp_path / "inbox", content, ENTERPRISES[3])
    shutil.copy(tmp_path / "inbox" / f"{ENTERPRISES[0]['name']}.json", tmp_path / "inbox" / "copy.json")  # same bytes
    result = run(tree, content, tmp_path / "inbox", tmp_path / "out")
    assert (result.read, result.skipped) == (1, 4)
    same(result.data["summary"], expected_figures(ENTERPRISES, AS_OF))
    db = sqlite3.connect(tmp_path / "out" / "tally.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 4


def test_a_store_of_the_first_schema_is_migrated(tree: Path, content: Any, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    db = sqlite3.connect(tmp_path / "out" / "tally.sqlite")
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.close()
    write(tmp_path / "inbox", content, ENTERPRISES[0])
    assert run(tree, content, tmp_path / "inbox", tmp_path / "out", write_outputs=False).data["summary"]["enterprises"] == 1
    db = sqlite3.connect(tmp_path / "out" / "tally.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'issues'").fetchone()


# ---- refusals --------------------------------------------------------------------------------

def test_each_refusal_has_its_reason(tree: Path, content: Any, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    base = ENTERPRISES[0]
    write(inbox, content, dict(base, credit=code(9, broken=True)), "bad-check")
    write(inbox, content, dict(base, form="xlsx", credit=code(9, broken=True)), "bad-check-xlsx")
    write(inbox / "危险化学品", content, dict(ENTERPRISES[2]), "wrong-sector")
    (inbox / "not-a-workbook.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    (inbox / "notes.txt").write_text("你好", encoding="utf-8")
    write(inbox, content, dict(base, county="厦门市"), "county")
    write(inbox, content, dict(base, credit=""), "no-code")
    write(inbox, content, dict(base, date="2026-02-30"), "no-such-day")
    bad = json.loads(as_json(base["name"], base["credit"], base["county"], CHEM, "2026-11-20", base["hazards"]))
    bad["inspection"]["rectifications"][0]["finding"] = "YH-009"
    (inbox / "orphan.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (inbox / "v1.json").write_bytes(as_json(base["name"], "", "", CHEM, "2026-11-20", base["hazards"], version=1))
    (inbox / "other.json").write_text('{"format": "something-else"}', encoding="utf-8")
    result = run(tree, content, inbox, tmp_path / "out")
    reasons = {Path(f).stem: r for f, r in result.data["refused_now"]}
    expect = {
        "bad-check": "统一社会信用代码校验位不正确", "bad-check-xlsx": "统一社会信用代码校验位不正确",
        "wrong-sector": "这是非煤矿山和煤矿的工作簿，不是危险化学品的", "not-a-workbook": "文件不是 Excel 工作簿",
        "notes": "不是自查页面导出的 JSON", "county": "所在县（市、区）“厦门市”不是本市的县（市、区）",
        "no-code": "没有填写统一社会信用代码", "no-such-day": "inspection.date 应为 YYYY-MM-DD 日期",
        "orphan": "隐患编号“YH-009”在隐患清单中没有", "v1": "第 1 版格式的自查记录，没有统一社会信用代码",
        "other": "不是本指南自查页面导出的自查记录",
    }
    assert set(reasons) == set(expect)
    for stem, words in expect.items():
        assert words in reasons[stem], (stem, reasons[stem])
    s = result.data["summary"]
    assert s["files"]["accepted"] == 0 and s["files"]["refused"] == len(expect) and s["enterprises"] == 0


def test_v1_files_are_read(tree: Path, content: Any, tmp_path: Path) -> None:
    """A v1 record has no credit code: identified by the expected list (one of that name and sector), else refused."""
    base = ENTERPRISES[0]
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "v1.json").write_bytes(as_json(base["name"], "", "", CHEM, base["date"], base["hazards"], version=1))
    listed = tmp_path / "expected.csv"
    listed.write_text("企业名称,统一社会信用代码,行业,所在县（市、区）,规上\n"
                      f"{base['name']},{base['credit']},危险化学品,鲤城区,是\n"
                      f"戊燃气有限公司（示例）,{code(5)},城镇燃气,丰泽区,是\n", encoding="utf-8-sig")
    expected = tally.read_expected(listed, content)
    result = run(tree, content, tmp_path / "inbox", tmp_path / "out", expected=expected)
    s = result.data["summary"]
    assert s["files"]["accepted"] == 1, s["refused"]
    same(s, expected_figures([base], AS_OF))
    assert s["by_county"]["鲤城区"]["enterprises"] == 1
    assert [e.name for e in result.data["missing"]] == ["戊燃气有限公司（示例）"]
    assert result.data["deadlines"]["large"] == 2 and result.data["deadlines"]["large_findings"] == 1


# ---- the command and its outputs --------------------------------------------------------------

def test_command_json_and_outputs(tree: Path, content: Any, tmp_path: Path) -> None:
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    (tmp_path / "inbox" / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    out = tmp_path / "office"
    res = CliRunner().invoke(main, ["tally", "--root", str(tree), str(tmp_path / "inbox"), "--out", str(out),
                                    "--as-of", AS_OF.isoformat(), "--json", "-j", "1"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert set(s) == {"week", "as_of", "files", "enterprises", "findings", "rectifications", "completion_rate", "overdue",
                      "open_major", "by_sector", "by_county", "refused"}
    assert s["week"] == "2026-W50" and s["files"] == {"accepted": 4, "refused": 1, "superseded": 0}
    same(s, expected_figures(ENTERPRISES, AS_OF))
    assert [r["file"].endswith("broken.xlsx") for r in s["refused"]] == [True]
    figures = load_workbook(out / "进展简报-数据.xlsx")
    rows = list(figures["按行业"].iter_rows(values_only=True))
    chem = next(r for r in rows if r[0] == "危险化学品")
    assert chem[1] == 2 and isinstance(chem[1], int) and chem[-3] == pytest.approx(3 / 6, abs=1e-4)
    assert rows[-1][0] == "合计" and rows[-1][1] == 4
    assert len(list(figures["未销号重大隐患"].iter_rows())) == 1 + 2
    returns = list(load_workbook(out / "退回清单.xlsx")["退回清单"].iter_rows(values_only=True))
    assert len(returns) == 2 and "Excel" in str(returns[1][1])
    text = subprocess.run(["pdftotext", "-layout", str(out / "进展简报.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("第 1 期", content.guide.issuer, "2026年12月10日", "甲化工有限公司（示例）", "整改完成率 37.5%", "未销号的重大隐患"):
        assert words in text, words


def test_outputs_never_go_into_build_or_the_site(tree: Path, content: Any, tmp_path: Path) -> None:
    write(tmp_path / "inbox", content, ENTERPRISES[0])
    with pytest.raises(tally.TallyError, match="不能放在 build/ 下"):
        tally.run([tmp_path / "inbox"], content, tree, tree / "build" / "tally", tmp_path / "t.sqlite", AS_OF, "2026-W50")
    assert not (tree / "build").exists()


def test_a_folder_that_cannot_be_listed_stops_the_tally_before_anything_is_written(
        tree: Path, content: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Path.rglob` skipped such a folder silently (its returns missing from the counts); the walk with
    os.scandir raised a traceback. The tests run as root, which no permission stops: the refusal is
    what os.scandir raises for a folder without read permission."""
    for e in ENTERPRISES[:2]:
        write(tmp_path / "inbox" / "locked", content, e)
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    with pytest.raises(tally.TallyError, match="locked: 无法读取收件箱中的这个文件夹（Permission denied）"):
        tally.run([tmp_path / "inbox"], content, tree, out, out / "tally.sqlite", AS_OF, "2026-W50")
    assert not out.exists()


def test_many_new_files_are_read_in_worker_processes(tree: Path, content: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally, "PARALLEL_FROM", 2)
    for e in ENTERPRISES:
        write(tmp_path / "inbox", content, e)
    result = tally.run([tmp_path / "inbox"], content, tree, tmp_path / "out", tmp_path / "out" / "t.sqlite", AS_OF,
                       "2026-W50", jobs=2, write=False)
    assert result.read == 4
    same(result.data["summary"], expected_figures(ENTERPRISES, AS_OF))


def test_check_refuses_deadlines_out_of_order(minimal_tree: Path) -> None:
    with (minimal_tree / "guides" / "guide.yml").open("a", encoding="utf-8") as fh:
        fh.write("deadlines:\n  findings: 2026-12-31\n  rectifications: 2026-11-25\n")
    res = CliRunner().invoke(main, ["check", "--root", str(minimal_tree)])
    assert res.exit_code == 1
    assert "guides/guide.yml:8:3: 错误: 整改清单时限 2026-11-25 早于隐患清单时限 2026-12-31" in res.output
