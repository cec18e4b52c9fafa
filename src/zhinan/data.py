"""Stage — data: the whole validated content as one JSON file, with its JSON Schema beside it.

Both are derived from the model: the JSON mirrors the assembled `Content` (edition, chapters,
sectors with their items and enterprises), and the schema reuses the content-file schemas, so
anyone building on the open data reads the same field titles and rules as a contributor.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import typing
from typing import Any

from zhinan.content.model import Chapter, Content, SectorContent, field_types, public_fields, unwrap_optional
from zhinan.formats.schema import DIALECT, type_schema
from zhinan.pipeline.files import replace_dir, temp_dir_beside, write_text
from zhinan.pipeline.stage import BuildOptions

JSON_NAME = "guide.json"
SCHEMA_NAME = "guide.schema.json"

ASSEMBLED: dict[type, dict[str, tuple[str, str]]] = {
    Content: {
        "guide": ("版次", "指南的版次信息（guides/guide.yml）。"),
        "chapters": ("通用章节", "各行业通用的章节，按发布顺序排列。"),
        "sectors": ("行业", "全部行业（领域），按排序号排列。"),
        "changes": ("本版修订说明", "本版相对上一版的修订说明（没有时省略）。"),
    },
    SectorContent: {
        "sector": ("行业信息", "行业的基本信息（sector.yml）。"),
        "items": ("检查清单", "本行业全部检查项（checklist.yml），含典型隐患和整改要求。"),
        "enterprises": ("标杆企业", "本行业的标杆企业及其典型做法。"),
    },
    Chapter: {
        "name": ("文件名", "guides/ 下的 Markdown 文件名。"),
        "title": ("章节标题", "章节的一级标题。"),
        "markdown": ("正文", "章节全文（Markdown）。"),
    },
}
"""Titles for the records that are assembled from files rather than written as files; every
field of the content files themselves takes its title and rules from the model."""


# ---- Data ------------------------------------------------------------------------------------


def to_data(value: Any) -> Any:
    """A model value as plain JSON data: records as objects, absent optional fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_data(v) for name, v in _fields(value) if v is not None}
    if isinstance(value, tuple):
        return [to_data(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _fields(record: Any) -> list[tuple[str, Any]]:
    cls: type = type(record)
    names = list(ASSEMBLED[cls]) if cls in ASSEMBLED else [f.name for f in public_fields(cls)]
    return [(n, getattr(record, n)) for n in names]


def guide_data(content: Content) -> dict[str, Any]:
    data: dict[str, Any] = to_data(content)
    return data


# ---- Schema ----------------------------------------------------------------------------------


def guide_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    body = _assembled_schema(Content, defs)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_NAME,
        "title": "安全生产标准化运行提升指南开放数据",
        "description": f"{JSON_NAME} 的结构：经过校验的全部内容。字段含义与内容文件（schemas/）相同。",
        **{k: v for k, v in body.items() if k not in ("title", "description")},
        "$defs": dict(sorted(defs.items())),
    }


def _assembled_schema(record: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = field_types(record)
    titles = ASSEMBLED[record]
    fields = {f.name: f for f in dataclasses.fields(record)}
    props = {name: _assembled_field(fields[name], hints[name], title, desc, defs)
             for name, (title, desc) in titles.items()}
    return {
        "type": "object",
        "properties": props,
        "required": [n for n in titles if not _optional(hints[n])],
        "additionalProperties": False,
    }


def _assembled_field(f: dataclasses.Field[Any], tp: Any, title: str, desc: str, defs: dict[str, Any]) -> dict[str, Any]:
    base = unwrap_optional(tp)
    if typing.get_origin(base) is tuple:
        out = {"type": "array", "items": _ref(typing.get_args(base)[0], f, defs)}
    else:
        out = _ref(base, f, defs)
    return {"title": title, "description": desc, **out}


def _ref(tp: Any, f: dataclasses.Field[Any], defs: dict[str, Any]) -> dict[str, Any]:
    if tp in ASSEMBLED:
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _assembled_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    return type_schema(tp, f, defs)


def _optional(tp: Any) -> bool:
    return unwrap_optional(tp) is not tp


# ---- Stage -----------------------------------------------------------------------------------


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def build(content: Content, opts: BuildOptions) -> dict[str, Any]:
    final = opts.out / "data"
    tmp = temp_dir_beside(final)
    texts = {JSON_NAME: dump(guide_data(content)), SCHEMA_NAME: dump(guide_schema())}
    for name, text in texts.items():
        write_text(tmp / name, text)
    replace_dir(tmp, final)
    opts.progress.step("data", 1, 1, JSON_NAME)
    return {"dir": str(final), "files": {n: len(t.encode()) for n, t in texts.items()}}
