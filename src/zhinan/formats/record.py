"""The enterprise's own record: one self-check against a sector's 检查清单, with what it found.

The guide asks every enterprise to check itself item by item and to keep **its own** 隐患清单 and
整改清单 (定责任部门、定措施、定时间、定资金). This module declares that record once, in the same
way as the content model (`zhinan.content.model`): frozen dataclasses whose fields carry their Chinese
title, description and allowed values. The blank workbook, the paper form, the empty CSVs, the
JSON export, the field reference and the browser self-check page all take their columns and rules
from here, so a file written by one of them is read by every other.

The record is flat on purpose, like the workbook it mirrors: an `Inspection` holds one
`ItemResult` per checked item, one `Finding` (a row of the 隐患清单) per hazard found, and one
`Rectification` (a row of the 整改清单) per finding, linked to it by 隐患编号. Flat lists survive a
round trip through Excel, WPS and CSV; a nested tree would not.

Stability: `FORMAT` and `VERSION` are written into every export. A change that renames or
removes a field, or narrows its allowed values, raises `VERSION`; adding an optional field does not.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from zhinan.content.model import ASPECTS, HAZARD_LEVELS, ITEM_ID_PATTERN, public_fields, spec

FORMAT = "zhinan-self-check"
"""The `format` value of a JSON export, so an importer can tell the file is a self-check record."""

VERSION = 1
"""The record format's version; see the module docstring for when it changes."""

CHECK_RESULTS = ("符合", "不符合", "不涉及")
"""The answer for each checked item."""

INSPECTION_KINDS = ("综合检查", "专项检查", "季节性检查", "节假日检查", "日常检查")
"""Kinds of inspection an enterprise records; 综合检查 is the full self-check against the list."""

STATUSES = ("待整改", "整改中", "待验收", "已销号")
"""Where a rectification stands; 已销号 means accepted and closed (整改完成)."""

DONE_STATUS = "已销号"
"""The status counted as complete in 整改完成率."""

FINDING_ID_PATTERN = r"^YH-[0-9]{3,}$"
"""隐患编号 of the enterprise's own hazards: YH-001, YH-002, … (YH = 隐患)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    """一个检查项的检查结果。"""

    item: str = spec("检查项编号", "所查检查项的编号。", pattern=ITEM_ID_PATTERN, example="WHP-001")
    result: str | None = spec(
        "检查结果", "符合、不符合或不涉及；尚未检查时留空。", enum=CHECK_RESULTS, example="不符合", default=None
    )
    remark: str = spec("备注", "检查时的说明，如查阅了哪些资料（可选）。", example="抽查3个岗位的责任书。", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """企业隐患清单中的一条隐患。"""

    id: str = spec("隐患编号", "本次检查中隐患的编号，YH- 加三位数字，按发现顺序。", pattern=FINDING_ID_PATTERN, example="YH-001")
    item: str = spec("对应检查项", "发现该隐患的检查项编号；检查清单以外的隐患留空。", pattern=ITEM_ID_PATTERN,
                     example="WHP-001", default="")
    aspect: str = spec("方面", "隐患所属的方面（四个方面之一）。", enum=ASPECTS, example="基础管理")
    location: str = spec("部位", "隐患所在的场所、设备或岗位。", example="罐区2号储罐", default="")
    text: str = spec("隐患描述", "隐患的具体表现。", example="安全生产责任制未覆盖新设岗位。")
    level: str = spec("隐患等级", "一般隐患或重大隐患。", enum=HAZARD_LEVELS, example="一般")
    basis: str = spec("判定依据", "判定隐患（特别是重大隐患）所依据的标准或文件（可选）。", default="")
    level_note: str = spec(
        "等级说明",
        "指南列为重大隐患、企业判定为一般隐患时，必须写明理由；其他情况可不填。",
        example="经核实，该储罐已停用并清空置换。",
        default="",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Rectification:
    """企业整改清单中的一条整改：定责任部门、定措施、定时间、定资金。"""

    finding: str = spec("隐患编号", "所整改隐患的编号，与隐患清单对应。", pattern=FINDING_ID_PATTERN, example="YH-001")
    measure: str = spec("整改措施", "具体的整改措施。", example="修订岗位安全生产责任制并补签责任书。", default="")
    department: str = spec("责任部门", "负责整改的部门。", example="安全管理部", default="")
    owner: str = spec("责任人", "整改责任人。", example="张三", default="")
    funds: float | None = spec("整改资金（元）", "落实的整改资金，单位元（可选）。", example=5000, default=None)
    deadline: datetime.date | None = spec("整改时限", "完成整改的期限，YYYY-MM-DD。", example="2026-12-31", default=None)
    done: datetime.date | None = spec("完成日期", "实际完成整改的日期。", example="2026-12-20", default=None)
    acceptor: str = spec("验收人", "验收整改的人员。", example="李四", default="")
    accepted: datetime.date | None = spec("验收日期", "验收的日期。", example="2026-12-25", default=None)
    opinion: str = spec("验收意见", "验收结论和意见。", example="整改到位，同意销号。", default="")
    status: str = spec("状态", "整改进度。", enum=STATUSES, example="待整改", default="待整改")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """企业的一次自查：被检查单位、检查信息、逐项结果、隐患清单和整改清单。"""

    enterprise: str = spec("企业名称", "被检查单位的全称。", example="泉州某化工有限公司")
    sector: str = spec("行业", "所用检查清单的行业编号。", example="hazardous-chemicals")
    date: datetime.date | None = spec("检查日期", "YYYY-MM-DD。", example="2026-11-29", default=None)
    inspectors: str = spec("检查人员", "参加检查的人员，多人用顿号分隔。", example="王五、赵六", default="")
    kind: str = spec("检查类型", "本次检查的类型。", enum=INSPECTION_KINDS, example="综合检查", default="综合检查")
    results: tuple[ItemResult, ...] = spec("检查结果", "逐项检查结果。", default_factory=tuple)
    findings: tuple[Finding, ...] = spec("隐患清单", "本次检查发现的隐患。", default_factory=tuple)
    rectifications: tuple[Rectification, ...] = spec("整改清单", "每条隐患的整改，按隐患编号对应。", default_factory=tuple)


RECORD_TYPES = (Inspection, ItemResult, Finding, Rectification)
"""Every record of the format, outermost first (for the field reference and the export schema)."""


def to_json(inspection: Inspection, edition: str) -> dict[str, Any]:
    """The JSON export of a record: `{format, version, sector, edition, inspection}`; dates as
    YYYY-MM-DD, empty values as "" or null, lists in the record's order."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {"format": FORMAT, "version": VERSION, "sector": inspection.sector, "edition": edition,
            "inspection": plain(dataclasses.asdict(inspection))}


def finding_id(n: int) -> str:
    """The n-th 隐患编号 of an inspection (1-based): YH-001, YH-002, …"""
    return f"YH-{n:03d}"


FORM_ROWS = 15
"""Rows of the paper form's 隐患记录 and 整改记录: one landscape page each at 10 mm a row. That is
half the items of the longest sector checklist (30, 危险化学品): more hazards than a self-check
normally records at once; beyond it the workbook has 500 rows, or a second copy of the page."""

FORM_WIDTHS_MM = {
    Finding: (18, 20, 18, 30, 82, 22, 40, 37),
    Rectification: (18, 62, 22, 16, 20, 20, 20, 16, 20, 35, 18),
}
"""Column widths of the form's two record tables (267 mm, an A4 landscape page less its margins)."""


def form_context() -> dict[str, object]:
    """What the paper form prints of the record: each table's (title, width in mm), the 隐患编号 rows."""
    return {
        "tables": {
            record.__name__: list(zip((str(f.metadata["title"]) for f in public_fields(record)), widths, strict=True))
            for record, widths in FORM_WIDTHS_MM.items()
        },
        "ids": [finding_id(n) for n in range(1, FORM_ROWS + 1)],
    }
