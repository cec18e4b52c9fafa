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

Version 2 adds the enterprise's identity (统一社会信用代码, county, contact) and the 自评 of the
《企业安全生产标准化建设定级办法》(应急〔2021〕83号): 自评机构, 自评计划, 标准化运行情况, 下一步改进措施,
拟申请等级 and 主要负责人. It raises `VERSION` because the page keeps its record under a key of the
version and a v1 reader would drop the new fields silently; a v1 file still reads (`from_json`,
`sheets.workbook.read_record`), with a note of what it lacks (`V1_NOTE`).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from zhinan.content.model import (
    ASPECTS,
    HAZARD_LEVELS,
    ITEM_ID_PATTERN,
    field_types,
    public_fields,
    spec,
    unwrap_optional,
)

FORMAT = "zhinan-self-check"
"""The `format` value of a JSON export, so an importer can tell the file is a self-check record."""

VERSION = 2
"""The record format's version; see the module docstring for when it changes."""

READABLE_VERSIONS = (1, 2)
"""Versions a reader of this version still reads (a v1 record is a v2 record without the 自评)."""

MEMBER_ROLES = ("组长", "副组长", "成员")
"""Roles in the enterprise's 自评机构 (自评工作组)."""

APPLIED_LEVELS = ("一级", "二级", "三级")
"""The grades of 应急〔2021〕83号 an enterprise may apply for (一级 highest). Which scores reach which
grade is set by each industry's 定级标准, not here."""

CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
"""统一社会信用代码 (GB 32100-2015): 18 characters of the code's alphabet; the last is a check character
(`credit_code_problem`)."""

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The code's 31 characters (no I, O, S, V, Z), each worth its index."""

CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""GB 32100-2015's weights of the first 17 characters (3 to the power of the position, modulo 31)."""

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
class Member:
    """自评机构（自评工作组）的一名成员。"""

    name: str = spec("姓名", "成员的姓名。", example="张三")
    role: str = spec("自评组职务", "在自评组中担任组长、副组长或成员。", enum=MEMBER_ROLES, example="组长")
    post: str = spec("本单位职务", "在本单位的职务或岗位。", example="总经理", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """企业的一次自查：被检查单位、检查信息、逐项结果、隐患清单和整改清单。"""

    enterprise: str = spec("企业名称", "被检查单位的全称。", example="泉州某化工有限公司")
    sector: str = spec("行业", "所用检查清单的行业编号。", example="hazardous-chemicals")
    credit_code: str = spec("统一社会信用代码", "18 位，见营业执照；最后一位是校验码（GB 32100-2015）。",
                            pattern=CREDIT_CODE_PATTERN, example="91350500MA00000009", default="")
    county: str = spec("所在县（市、区）", "企业所在的县、市或区，取自指南所列的县（市、区）。", example="泉港区", default="")
    contact: str = spec("联系人", "自评工作的联系人。", example="李四", default="")
    phone: str = spec("联系电话", "联系人的电话。", example="0595-00000000", default="")
    principal: str = spec("主要负责人", "企业主要负责人（在自评报告上签字）。", example="张三", default="")
    date: datetime.date | None = spec("检查日期", "YYYY-MM-DD。", example="2026-11-29", default=None)
    inspectors: str = spec("检查人员", "参加检查的人员，多人用顿号分隔。", example="王五、赵六", default="")
    kind: str = spec("检查类型", "本次检查的类型。", enum=INSPECTION_KINDS, example="综合检查", default="综合检查")
    results: tuple[ItemResult, ...] = spec("检查结果", "逐项检查结果。", default_factory=tuple)
    findings: tuple[Finding, ...] = spec("隐患清单", "本次检查发现的隐患。", default_factory=tuple)
    rectifications: tuple[Rectification, ...] = spec("整改清单", "每条隐患的整改，按隐患编号对应。", default_factory=tuple)
    members: tuple[Member, ...] = spec("自评机构", "自评工作组的组长、副组长和成员。", default_factory=tuple)
    plan_scope: str = spec("自评范围", "自评计划覆盖的部门、场所和生产经营活动。", example="全厂各部门、罐区和装卸区", default="")
    plan_division: str = spec("自评分工", "自评计划中各成员或各小组的分工。", example="张三负责基础管理；李四负责设备设施", default="")
    plan_start: datetime.date | None = spec("自评开始日期", "自评计划的开始日期，YYYY-MM-DD。", example="2026-11-01", default=None)
    plan_end: datetime.date | None = spec("自评结束日期", "自评计划的结束日期，YYYY-MM-DD。", example="2026-11-30", default=None)
    operation: str = spec("标准化运行情况", "安全生产标准化体系运行以来的情况（自评结论）。", default="")
    improvements: str = spec("下一步改进措施", "针对自评发现的问题，下一步的改进措施。", default="")
    applied_level: str | None = spec("拟申请等级", "拟申请的安全生产标准化等级；达到哪一级由本行业定级标准确定。",
                                     enum=APPLIED_LEVELS, example="三级", default=None)


RECORD_TYPES = (Inspection, ItemResult, Finding, Rectification, Member)
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


SELF_FIELDS = ("credit_code", "county", "contact", "phone", "principal", "applied_level", "plan_scope", "plan_division",
               "plan_start", "plan_end", "operation", "improvements")
"""The Inspection fields new in version 2 besides `members`, in the order the 自评 sheet and page show them."""

V1_NOTE = ("这是第 1 版格式的自查记录，没有第 2 版新增的内容：统一社会信用代码、所在县（市、区）、联系人、联系电话、"
           "主要负责人，以及自评机构、自评计划（范围、分工、起止日期）、标准化运行情况、下一步改进措施、拟申请等级。"
           "请补填后再形成自评报告。")
"""What a reader says of a version-1 record it has read."""


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a 统一社会信用代码 (GB 32100-2015), or None when it is one.

    The 18th character is the check character: the first 17 characters' values (their index in
    `CREDIT_CODE_CHARS`) times `CREDIT_CODE_WEIGHTS`, summed; 31 less the sum modulo 31 (31 counting
    as 0) is the value of the check character."""
    if len(code) != 18:
        return f"应为 18 位，这里是 {len(code)} 位"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARS})
    if bad:
        return f"含有不允许的字符“{'”“'.join(bad)}”（只用数字和除 I、O、S、V、Z 以外的大写字母）"
    if not code[2:8].isdigit():
        return "第 3 至 8 位（登记管理机关行政区划码）应为数字"
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    expected = CREDIT_CODE_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"校验码不对：按前 17 位，第 18 位应为“{expected}”，这里是“{code[17]}”（请核对营业执照）"
    return None


_MONEY = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$")
_DATE = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$")

MONEY_HINT = "请填写金额，单位元或万元，如 15000、15,000 元、1.5万元"
DATE_HINT = "请填写存在的日期，如 2026-12-31、2026/12/31 或 2026年12月31日"


def parse_money(text: str) -> float:
    """An amount as people type it, in 元: "15000", "15,000 元", "￥15,000.50", "1.5万元" (= 15000),
    full-width digits too. ValueError (its message in Chinese) for anything else: "壹万", "1,5",
    "-200", "1.5千"."""
    plain = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    number = plain.removeprefix("¥").removesuffix("元")
    scale = 1
    if number.endswith("万"):
        number, scale = number[:-1], 10000
    if not _MONEY.match(number):
        raise ValueError(f"“{text}”不是金额：{MONEY_HINT}")
    return round(float(number.replace(",", "")) * scale, 2)


def parse_date(text: str) -> datetime.date:
    """A date as people type it: 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日. ValueError for
    anything else, and for dates that do not exist (2026/02/30, 2026年13月45日)."""
    found = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not found:
        raise ValueError(f"“{text}”不是日期：{DATE_HINT}")
    try:
        return datetime.date(*(int(g) for g in found.groups()))
    except ValueError:
        raise ValueError(f"“{text}”这一天不存在：{DATE_HINT}") from None


class RecordFormatError(ValueError):
    """A JSON export that is not a self-check record this version reads."""


def from_json(data: Any) -> tuple[Inspection, list[str]]:
    """A JSON export (`to_json`) of version 1 or 2 read back: the record and notes for the reader
    (a version-1 file gets `V1_NOTE`). RecordFormatError says why a file is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordFormatError(f"不是自查记录：缺少 \"format\": \"{FORMAT}\"")
    version = data.get("version")
    if version not in READABLE_VERSIONS:
        raise RecordFormatError(f"自查记录的格式版本为 {version!r}，本程序只读 {'、'.join(map(str, READABLE_VERSIONS))} 版：请更新 zhinan")
    body = data.get("inspection")
    if not isinstance(body, dict):
        raise RecordFormatError("自查记录缺少 inspection")
    inspection = _record(Inspection, body, "inspection")
    return inspection, [V1_NOTE] if version == 1 else []


def _record(record: type, body: dict[str, Any], where: str) -> Any:
    hints = field_types(record)
    values: dict[str, Any] = {}
    for f in public_fields(record):
        if f.name not in body:
            continue
        value, tp = body[f.name], unwrap_optional(hints[f.name])
        if getattr(tp, "__origin__", None) is tuple:
            inner = tp.__args__[0]
            if not isinstance(value, list):
                raise RecordFormatError(f"{where}.{f.name} 应为列表")
            value = tuple(_record(inner, v, f"{where}.{f.name}[{n}]") for n, v in enumerate(value))
        elif tp is datetime.date and value is not None:
            try:
                value = datetime.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise RecordFormatError(f"{where}.{f.name} 应为 YYYY-MM-DD 日期，这里是 {value!r}") from None
        values[f.name] = value
    try:
        return record(**values)
    except TypeError as exc:
        raise RecordFormatError(f"{where} 缺少必填字段：{exc}") from None


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
        "self": {name: _title(Inspection, name) for name in SELF_FIELDS},
        "member_titles": [str(f.metadata["title"]) for f in public_fields(Member)],
        "member_rows": FORM_MEMBER_ROWS,
        "roles": list(MEMBER_ROLES),
        "levels": list(APPLIED_LEVELS),
    }


FORM_MEMBER_ROWS = 6
"""Rows of the paper form's 自评机构 table: the 自评信息 fits one A4 page with them (more members: a second copy)."""


def _title(record: type, name: str) -> str:
    return next(str(f.metadata["title"]) for f in public_fields(record) if f.name == name)
