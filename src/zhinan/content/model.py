"""The content model: the single source of truth for the public format.

Every record is a frozen dataclass whose fields carry their Chinese title, description, allowed
values and an example in ``metadata``. The validator, the JSON Schemas, the field reference page
and the spreadsheet columns are all derived from these classes, never written twice.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

ASPECTS = ("基础管理", "设备设施", "作业现场", "作业行为")
"""The four aspects an enterprise checks itself against (the city's unified format)."""

ELEMENTS = (
    "目标职责",
    "制度化管理",
    "教育培训",
    "现场管理",
    "安全风险管控及隐患排查治理",
    "应急管理",
    "事故管理",
    "持续改进",
)
"""The eight first-level core elements of GB/T 33000-2016, in the standard's order."""

HAZARD_LEVELS = ("一般", "重大")
ENTERPRISE_LEVELS = ("市级", "县级")
MAJOR_COVERAGE = ("全部录入", "部分录入", "未录入")
"""How much of a sector's 重大事故隐患判定标准 its checklist carries as 重大 hazards."""

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
PREFIX_PATTERN = r"^[A-Z]{2,6}$"
ITEM_ID_PATTERN = r"^[A-Z]{2,6}-[0-9]{3,}$"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
PLACEHOLDER = "待填写"
"""`zhinan new` writes "待填写：…" wherever a person must write the real text; `zhinan check` finds it."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where a value was written: path relative to the content root, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1


NOWHERE = Where("")


def spec(
    title: str,
    description: str,
    *,
    example: Any = None,
    enum: tuple[str, ...] | None = None,
    pattern: str | None = None,
    markdown: bool = False,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """Declare a content field with the facts every derived artefact needs."""
    meta = {
        "title": title,
        "description": description,
        "example": example,
        "enum": enum,
        "pattern": pattern,
        "markdown": markdown,
    }
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def position() -> Any:
    """The source position of a record: not part of the public format."""
    return field(default=NOWHERE, compare=False, repr=False, metadata={"internal": True})


@dataclass(frozen=True, slots=True, kw_only=True)
class Basis:
    """检查依据：法律法规或标准。"""

    title: str = spec("名称", "法律、法规、规章或标准的名称，不加书名号。", example="企业安全生产标准化基本规范")
    code: str | None = spec(
        "编号", "标准号或文号；没有编号的法律法规不填。只写能查证的编号。", example="GB/T 33000-2016", default=None
    )
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class MajorCriteria:
    """重大事故隐患判定标准：本行业判定重大隐患所依据的文件，以及检查清单录入了多少。"""

    title: str = spec(
        "名称", "判定标准的名称，不加书名号；须与本行业“主要依据”中的一项相同。", example="工贸企业重大事故隐患判定标准"
    )
    code: str | None = spec(
        "文号", "判定标准的文号，须与“主要依据”中该项的编号相同；没有查证的文号不填。", example="应急管理部令第10号",
        default=None,
    )
    coverage: str = spec(
        "录入情况",
        "全部录入：每种情形都已作为重大隐患写进检查清单；部分录入：只录入了其中一部分；"
        "未录入：检查清单还没有逐条录入（网站和指南会提示以判定标准原文为准）。",
        enum=MAJOR_COVERAGE,
        example="未录入",
    )
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Hazard:
    """典型隐患：检查不符合时可能存在的隐患。"""

    text: str = spec("隐患描述", "隐患的具体表现，一句话写清楚。", example="特种作业人员未持证上岗。")
    level: str = spec("隐患等级", "一般隐患或重大隐患；重大隐患须有判定标准依据。", enum=HAZARD_LEVELS, example="重大")
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckItem:
    """检查清单中的一个检查项。"""

    id: str = spec(
        "编号",
        "本行业前缀加连字符和至少三位数字，全市唯一，发布后不再更改。",
        pattern=ITEM_ID_PATTERN,
        example="WHP-001",
    )
    aspect: str = spec("检查类别", "四个方面之一。", enum=ASPECTS, example="基础管理")
    element: str | None = spec(
        "核心要素", "对应 GB/T 33000-2016 的一级核心要素（可选）。", enum=ELEMENTS, example="目标职责", default=None
    )
    item: str = spec("检查项目", "简短的检查项目名称。", example="安全生产责任制")
    content: str = spec(
        "检查内容", "要检查什么、达到什么要求。", example="建立与岗位相匹配的全员安全生产责任制，并逐级签订责任书。"
    )
    method: str | None = spec("检查方法", "查阅资料、现场检查、询问人员等（可选）。", example="查阅资料", default=None)
    basis: tuple[str, ...] = spec(
        "检查依据",
        "法律法规或标准的名称（可加编号），每条一行；只引用能查证的文件。",
        example=["《中华人民共和国安全生产法》"],
        default_factory=tuple,
    )
    hazards: tuple[Hazard, ...] = spec("典型隐患", "不符合本项时的典型隐患及其等级。", default_factory=tuple)
    rectification: str | None = spec(
        "整改要求",
        "定责任部门、定措施、定时间、定资金的整改要求（Markdown）。",
        markdown=True,
        example="由安全管理部门牵头，一个月内完成修订，所需资金列入年度安全投入。",
        default=None,
    )
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Checklist:
    """一个行业的检查清单（checklist.yml）。"""

    items: tuple[CheckItem, ...] = spec("检查项", "本行业全部检查项，按编号顺序排列。")
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """做法配图。"""

    src: str = spec(
        "图片路径", "相对于行业文件夹的路径，png、jpg 或 svg 格式。", example="images/risk-map.svg"
    )
    caption: str = spec("图片说明", "图片的中文说明，也用作无障碍替代文本。", example="四色安全风险分布图")
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Practice:
    """标杆企业的一项典型做法。"""

    title: str = spec("做法名称", "一句话概括这项做法。", example="全员安全生产责任清单上墙")
    aspect: str = spec("检查类别", "做法所属的方面。", enum=ASPECTS, example="基础管理")
    items: tuple[str, ...] = spec(
        "对应检查项", "本做法对应的本行业检查项编号；示例企业的每项做法都应填写（不填时 zhinan check 给出警告），用来演示做法与检查项的对应。",
        example=["WHP-001"], default_factory=tuple,
    )
    body: str = spec("做法说明", "具体怎么做（Markdown）。", markdown=True, example="企业按岗位编制责任清单……")
    results: str | None = spec("取得成效", "做法带来的成效（Markdown，可选）。", markdown=True, default=None)
    images: tuple[Image, ...] = spec("配图", "做法的图片及说明（可选）。", default_factory=tuple)
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Enterprise:
    """一家标杆企业（enterprises/<编号>.yml）。"""

    id: str = spec("编号", "与文件名相同，只用小写字母、数字和连字符。", pattern=ID_PATTERN, example="sample-chem-a")
    name: str = spec("企业名称", "企业全称；示例企业（sample: true）以“（示例）”结尾，真实企业不能以它结尾。",
                     example="泉州示例化工有限公司（示例）")
    county: str = spec("所在县（市、区）", "企业所在的县、市或区的全称，须是 guides/guide.yml 的 counties 之一。", example="泉港区")
    level: str = spec("标杆级别", "市级或县级标杆企业。", enum=ENTERPRISE_LEVELS, example="市级")
    year: int | None = spec("遴选年份", "确定为标杆企业的年份（可选）。", example=2021, default=None)
    sample: bool = spec(
        "示例企业", "为 true 时表示虚构的示例企业，页面显示“示例”标记，名称须以“（示例）”结尾；真实企业不写。",
        example=True, default=False,
    )
    summary: str = spec("企业简介", "企业概况和标准化运行特点（Markdown）。", markdown=True, example="……")
    practices: tuple[Practice, ...] = spec("典型做法", "企业的典型做法，至少一项。")
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Sector:
    """一个行业（领域）（sector.yml）。"""

    id: str = spec("编号", "与文件夹名相同，只用小写字母、数字和连字符。", pattern=ID_PATTERN, example="urban-gas")
    name: str = spec("行业名称", "行业（领域）的中文名称。", example="城镇燃气")
    department: str = spec("主管部门", "负责本行业指南的市直部门。", example="市住房和城乡建设局")
    prefix: str = spec(
        "编号前缀", "2 至 6 个大写字母，本行业每个检查项编号都以它开头。", pattern=PREFIX_PATTERN, example="RQ"
    )
    key: bool = spec("重点行业", "是否为八个重点行业（领域）之一。", example=True)
    order: int = spec("排序", "在指南中的顺序，数字小的在前。", example=7)
    summary: str = spec("行业概述", "本行业指南的概述（Markdown）。", markdown=True, example="……")
    scope: str | None = spec("适用范围", "本指南适用的企业范围（Markdown，可选）。", markdown=True, default=None)
    basis: tuple[Basis, ...] = spec(
        "主要依据", "本行业的主要法律法规和标准（可选）。",
        example=[{"title": "企业安全生产标准化基本规范", "code": "GB/T 33000-2016"},
                 {"title": "工贸企业重大事故隐患判定标准", "code": "应急管理部令第10号"}],
        default_factory=tuple,
    )
    major_criteria: MajorCriteria | None = spec(
        "重大事故隐患判定标准",
        "本行业的重大事故隐患判定标准及其录入情况（可选）；写了，网站和指南就不会把“未录入”显示为“0 项”。只写查证过的判定标准。",
        default=None,
    )
    reviewers: tuple[str, ...] = spec(
        "审核人", "代码托管平台上的审核账号或团队（如 @org/team），用于生成 CODEOWNERS（可选）。",
        example=["@quanzhou-safety/urban-gas"],
        default_factory=tuple,
    )
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadlines:
    """专项行动的完成时限：规上企业形成隐患清单、完成整改清单的日期（进展简报按此统计）。"""

    findings: datetime.date = spec("隐患清单时限", "规上企业形成本企业隐患清单的期限，YYYY-MM-DD。", example="2026-11-25")
    rectifications: datetime.date = spec(
        "整改清单时限", "规上企业完成整改清单（每条隐患定责任部门、措施、时限、资金）的期限，YYYY-MM-DD；不早于隐患清单时限。",
        example="2026-12-31",
    )
    where: Where = position()


@dataclass(frozen=True, slots=True, kw_only=True)
class Guide:
    """指南的版次（guides/guide.yml）。"""

    title: str = spec("指南名称", "指南的正式名称。", example="安全生产标准化运行提升指南")
    issuer: str = spec("发布单位", "发布指南的单位。", example="泉州市安全生产委员会办公室")
    edition: str = spec("版次", "如“2021年版”。", example="2021年版")
    date: datetime.date = spec("发布日期", "YYYY-MM-DD 格式。", example="2021-12-31")
    data_license: str | None = spec(
        "开放数据许可", "网站“开放数据”页所列 JSON 和 CSV 的使用许可（由发布单位确定；不填时说明尚未声明）。",
        example="署名 4.0 国际（CC BY 4.0）", default=None,
    )
    document_number: str | None = spec(
        "文号", "印发指南的文件的文号（有文号时填写），印在封二的发布信息中。", default=None,
    )
    site_url: str | None = spec(
        "网站地址", "网络版的地址（以 / 结尾）。填写后，PDF 封面印网络版地址和二维码，各行业分册和检查表印该行业页面"
        "和在线自查页面的地址和二维码；不填则不印。", example="https://example.org/zhinan/",
        pattern=r"^https?://[^\s/]+(/[^\s]*)?/$", default=None,
    )
    chapters: tuple[str, ...] = spec(
        "通用章节", "guides/ 下的 Markdown 文件名，按顺序排列。", example=["01-overview.md"]
    )
    counties: tuple[str, ...] = spec(
        "县（市、区）",
        "本市的县、市、区（及开发区等功能区），每行一个全称；标杆企业的“所在县（市、区）”和企业自查记录的“所在县（市、区）”"
        "必须是其中之一（可选，不填则不检查）。",
        example=["鲤城区", "丰泽区", "泉港区"], default_factory=tuple,
    )
    start_here: str | None = spec(
        "从这里开始", "首页“第一次使用”一句指向的通用章节（chapters 中的一个文件名）；不填时指向最后一章。",
        example="04-how-to-use.md", default=None,
    )
    feedback: str | None = spec(
        "意见反馈", "首页和每页页脚给读者的联系和反馈方式（如电话、邮箱、受理科室）；不填时请读者向发布单位反映。",
        example="市应急管理局安全生产基础科（示例），电话 0000-0000000", default=None,
    )
    deadlines: Deadlines | None = spec(
        "完成时限", "专项行动的完成时限（可选）：进展简报统计按期形成隐患清单、完成整改清单的企业。", default=None,
    )
    where: Where = position()


# ---- Assembled content (not files of their own) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Chapter:
    """A common chapter of the guide: a Markdown file under guides/."""

    name: str
    title: str
    markdown: str
    where: Where = NOWHERE

    @property
    def slug(self) -> str:
        return self.name.removesuffix(".md")


@dataclass(frozen=True, slots=True)
class SectorContent:
    """A sector with its checklist and benchmark enterprises."""

    sector: Sector
    items: tuple[CheckItem, ...]
    enterprises: tuple[Enterprise, ...]

    @property
    def id(self) -> str:
        return self.sector.id

    def items_by_aspect(self) -> dict[str, list[CheckItem]]:
        grouped: dict[str, list[CheckItem]] = {a: [] for a in ASPECTS}
        for it in self.items:
            grouped[it.aspect].append(it)
        return grouped

    def practices_for(self, item_id: str) -> list[tuple[Enterprise, Practice]]:
        return [(e, p) for e in self.enterprises for p in e.practices if item_id in p.items]


@dataclass(frozen=True, slots=True)
class ReadersWords:
    """guides/synonyms.yml, checked (`zhinan.content.synonyms`): `words` maps a reader's word to the
    guide's word; `sectors` maps a sector id to the other names readers give it."""

    words: dict[str, str] = field(default_factory=dict)
    sectors: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Content:
    """Everything under the content root, validated."""

    guide: Guide
    chapters: tuple[Chapter, ...]
    sectors: tuple[SectorContent, ...]
    changes: Chapter | None = None
    """本版修订说明 (guides/changes.md, written by `zhinan changelog`), if the edition has one."""
    readers: ReadersWords = field(default_factory=ReadersWords)
    """The readers' words for the site's search (guides/synonyms.yml)."""

    def sector(self, sector_id: str) -> SectorContent:
        for s in self.sectors:
            if s.id == sector_id:
                return s
        raise KeyError(sector_id)


CHANGES_FILE = "changes.md"
"""The edition's 本版修订说明 under guides/: generated, optional, never listed in `chapters`."""

CONTENT_FILES: dict[str, type] = {
    "guide": Guide,
    "sector": Sector,
    "checklist": Checklist,
    "enterprise": Enterprise,
}
"""The four kinds of content file, each validated against its top-level record."""


@functools.cache
def public_fields(record: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields a contributor writes (source positions excluded)."""
    return tuple(f for f in dataclasses.fields(record) if not f.metadata.get("internal"))


def is_required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


@functools.cache
def field_types(record: type) -> dict[str, Any]:
    """Resolved annotations of a record's fields."""
    return typing.get_type_hints(record)


@functools.cache
def unwrap_optional(tp: Any) -> Any:
    """`X | None` → `X`; anything else unchanged."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return next(a for a in typing.get_args(tp) if a is not type(None))
    return tp
