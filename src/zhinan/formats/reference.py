"""The field reference page (字段参考), generated from the model so it never drifts from the format.

Every content file gets a section with its fields, then every nested record (检查项、典型隐患 …)
gets a section of its own, followed by a YAML example assembled from the fields' examples.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import typing
from typing import Any

import yaml

from zhinan.content.model import CONTENT_FILES, field_types, is_required, public_fields, unwrap_optional
from zhinan.formats.record import FORMAT, RECORD_TYPES, VERSION, Inspection
from zhinan.formats.schema import FILES, schema_line

TITLE = "字段参考"

_SCALARS = {str: "文本", int: "整数", float: "数字", bool: "布尔值（true / false）", datetime.date: "日期（YYYY-MM-DD）"}
_COLUMNS = ("字段", "名称", "类型", "必填", "允许值", "格式", "说明", "示例")


def record_title(record: type) -> str:
    """A record's Chinese name: the title of the first field that holds it, or its docstring."""
    for holder in (*CONTENT_FILES.values(), *nested_records()):
        for f in public_fields(holder):
            tp = field_types(holder)[f.name]
            if (_list_item(tp) or unwrap_optional(tp)) is record:
                return f"{f.metadata['title']}（{record.__name__}）"
    doc = (record.__doc__ or record.__name__).strip()
    return doc.split("（")[0].split("：")[0].rstrip("。")


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _list_item(tp: Any) -> Any:
    """The element type of `tuple[X, ...]`, or None for a single value."""
    base = unwrap_optional(tp)
    return typing.get_args(base)[0] if typing.get_origin(base) is tuple else None


def type_label(f: dataclasses.Field[Any], tp: Any) -> str:
    inner = _list_item(tp)
    base = inner if inner is not None else unwrap_optional(tp)
    if _is_record(base):
        name = f"“{record_title(base)}”（见同名一节）"
    elif f.metadata.get("markdown"):
        name = "Markdown 文本"
    else:
        name = _SCALARS[base]
    return f"列表，每项为{name}" if inner is not None else name


def example_value(f: dataclasses.Field[Any], tp: Any) -> Any:
    """The field's example, or one built from the nested record's examples."""
    if f.metadata.get("example") is not None:
        if unwrap_optional(tp) is datetime.date:
            return datetime.date.fromisoformat(f.metadata["example"])
        return f.metadata["example"]
    inner = _list_item(tp)
    if inner is not None and _is_record(inner):
        return [record_example(inner)]
    return None


def record_example(record: type) -> dict[str, Any]:
    hints = field_types(record)
    out = {}
    for f in public_fields(record):
        value = example_value(f, hints[f.name])
        if value is not None:
            out[f.name] = value
    return out


def _plain(value: Any) -> str:
    """A value as one line of text: lists in YAML flow style, booleans as YAML writes them."""
    if isinstance(value, list | dict):
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6).strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\n", " ")


def _cell(text: str) -> str:
    # Table cells end at "|"; "<…>" in prose would be read as an HTML tag.
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(value: Any) -> str:
    return "`" + _plain(value).replace("|", "\\|") + "`"


def field_row(f: dataclasses.Field[Any], tp: Any) -> str:
    example = example_value(f, tp)
    nested = _is_record(_list_item(tp))
    cells = [
        _code(f.name),
        _cell(f.metadata["title"]),
        _cell(type_label(f, tp)),
        "必填" if is_required(f) else "可选",
        " / ".join(f.metadata["enum"]) if f.metadata.get("enum") else "",
        _code(f.metadata["pattern"]) if f.metadata.get("pattern") else "",
        _cell(f.metadata["description"]),
        _code(example) if example is not None and not nested else "",
    ]
    return "| " + " | ".join(cells) + " |"


def field_table(record: type) -> list[str]:
    hints = field_types(record)
    head = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    return head + [field_row(f, hints[f.name]) for f in public_fields(record)]


@functools.cache
def nested_records() -> tuple[type, ...]:
    """Records that appear inside the files, in the order they are first met."""
    seen: list[type] = []

    def walk(record: type) -> None:
        hints = field_types(record)
        for f in public_fields(record):
            inner = _list_item(hints[f.name]) or unwrap_optional(hints[f.name])
            if _is_record(inner) and inner not in seen and inner not in CONTENT_FILES.values():
                seen.append(inner)
                walk(inner)

    for record in CONTENT_FILES.values():
        walk(record)
    return tuple(seen)


def _example_block(record: type, schema_hint: str | None) -> list[str]:
    text = yaml.safe_dump(record_example(record), allow_unicode=True, sort_keys=False, width=88)
    head = [schema_hint] if schema_hint else []
    return ["示例：", "", "```yaml", *head, text.rstrip(), "```"]


def _file_section(kind: str, record: type) -> list[str]:
    where = FILES[kind]
    hint = schema_line(kind, where.count("/"))
    name = "/".join(where.split("/")[-2:]) if kind == "enterprise" else where.split("/")[-1]
    doc = (record.__doc__ or "").strip().split("（")[0].rstrip("。")
    return [
        f"## {doc}：`{name}`", "",
        f"文件位置：`{where}`。文件第一行是给编辑器的提示行 `{hint}`，请保留。", "",
        *field_table(record), "", *_example_block(record, hint), "",
    ]


def _nested_section(record: type) -> list[str]:
    doc = _cell((record.__doc__ or "").strip())
    return [f"## {record_title(record)}", "", f"{doc}写在上面文件的列表中，每项包含：", "",
            *field_table(record), "", *_example_block(record, None), ""]


def render_markdown() -> str:
    """The whole reference page as Markdown (Chinese)."""
    lines = [
        f"# {TITLE}",
        "",
        "本页由内容模型（`zhinan.content.model`）自动生成，与 `zhinan check` 和编辑器使用的 JSON Schema 同源，"
        "请勿手工修改。YAML 的字段名用英文，字段值用中文；“可选”字段不需要时整行省略。",
        "",
        "| 文件 | 位置 |",
        "|---|---|",
        *[f"| {_cell((r.__doc__ or '').split('（')[0])} | `{FILES[k]}` |" for k, r in CONTENT_FILES.items()],
        "",
    ]
    for kind, record in CONTENT_FILES.items():
        lines += _file_section(kind, record)
    for record in nested_records():
        lines += _nested_section(record)
    lines += _self_check_sections()
    return "\n".join(lines).rstrip() + "\n"


def _self_check_sections() -> list[str]:
    """The enterprise's own record (`zhinan.formats.record`): not a content file, but the columns of the
    workbook, the paper form, the empty CSVs and the browser self-check's export."""
    export = {"format": FORMAT, "version": VERSION, "sector": "hazardous-chemicals", "edition": "2021年版",
              "inspection": record_example(Inspection)}
    short = {"Inspection": "一次自查", "ItemResult": "逐项检查结果", "Finding": "隐患清单的一行", "Rectification": "整改清单的一行",
             "Member": "自评机构的一名成员"}
    lines = []
    for n, record in enumerate(RECORD_TYPES):
        doc = _cell((record.__doc__ or "").strip().rstrip("。"))
        intro = (f"企业自己的自查记录（格式 `{FORMAT}` 第 {VERSION} 版），不是指南的内容文件：三张清单工作簿、"
                 "检查表的“隐患及整改记录”、空白的隐患清单/整改清单 CSV 和网站的在线自查都用这些列。"
                     "第 2 版增加企业的统一社会信用代码、所在县（市、区）、联系人和电话，以及《企业安全生产标准化建设定级办法》"
                     "（应急〔2021〕83号）的自评：自评机构、自评计划、标准化运行情况、下一步改进措施、拟申请等级、主要负责人；"
                     "第 1 版的文件仍可导入，并提示需补填的内容。"
                 "说明见仓库的 `docs/enterprise-record.md`。") if n == 0 else f"{doc}，每项包含："
        lines += [f"## 企业自查记录：{short[record.__name__]}（{record.__name__}）", "", intro, "", *field_table(record), ""]
    body = json.dumps(export, ensure_ascii=False, indent=2, default=str)
    return [*lines[:-1], "", "导出的 JSON 文件：", "", "```json", body, "```", ""]
