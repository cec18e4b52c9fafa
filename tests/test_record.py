"""The enterprise's record: its JSON export and how its columns reach the paper form."""

from __future__ import annotations

import datetime
import json

from zhinan.content.model import public_fields
from zhinan.formats import record
from zhinan.formats.record import Finding, Inspection, ItemResult, Rectification


def test_the_json_export_has_the_documented_shape() -> None:
    ins = Inspection(
        enterprise="泉州示例化工有限公司（示例）", sector="hazardous-chemicals", date=datetime.date(2026, 11, 29),
        results=(ItemResult(item="WHP-001", result="不符合"),),
        findings=(Finding(id="YH-001", item="WHP-001", aspect="基础管理", text="责任书未更新。", level="重大"),),
        rectifications=(Rectification(finding="YH-001", funds=1200.5, deadline=datetime.date(2026, 12, 31)),),
    )
    data = json.loads(json.dumps(record.to_json(ins, "2021年版"), ensure_ascii=False))
    assert list(data) == ["format", "version", "sector", "edition", "inspection"]
    assert (data["format"], data["version"], data["sector"], data["edition"]) == (
        "zhinan-self-check", 2, "hazardous-chemicals", "2021年版")
    body = data["inspection"]
    assert list(body) == [f.name for f in public_fields(Inspection)]
    assert body["date"] == "2026-11-29" and body["kind"] == "综合检查"
    assert body["results"] == [{"item": "WHP-001", "result": "不符合", "remark": ""}]
    assert list(body["findings"][0]) == [f.name for f in public_fields(Finding)]
    rect = body["rectifications"][0]
    assert (rect["funds"], rect["deadline"], rect["done"], rect["status"]) == (1200.5, "2026-12-31", None, "待整改")


def test_the_form_prints_every_column_of_the_two_lists() -> None:
    ctx = record.form_context()
    for rec in (Finding, Rectification):
        assert [t for t, _ in ctx["tables"][rec.__name__]] == [str(f.metadata["title"]) for f in public_fields(rec)]
        assert sum(w for _, w in ctx["tables"][rec.__name__]) == 297 - 2 * 15  # A4 landscape less the margins
    assert ctx["ids"] == [f"YH-{n:03d}" for n in range(1, record.FORM_ROWS + 1)]
