"""JSON Schemas for the content files, generated from the model (never written by hand)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import typing
from pathlib import Path
from typing import Any

from zhinan.content.model import CONTENT_FILES, field_types, is_required, public_fields, unwrap_optional

SCHEMA_DIR = "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = {
    "guide": "guides/guide.yml",
    "sector": "sectors/<行业编号>/sector.yml",
    "checklist": "sectors/<行业编号>/checklist.yml",
    "enterprise": "sectors/<行业编号>/enterprises/<企业编号>.yml",
}


def _scalar(tp: Any) -> dict[str, Any]:
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is datetime.date:
        return {"type": "string", "format": "date"}
    return {"type": "string", "minLength": 1}


def _field_schema(f: dataclasses.Field[Any], tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    base = unwrap_optional(tp)
    if typing.get_origin(base) is tuple:
        inner = typing.get_args(base)[0]
        out: dict[str, Any] = {"type": "array", "items": type_schema(inner, f, defs)}
        if is_required(f):
            out["minItems"] = 1
    else:
        out = type_schema(base, f, defs)
    meta = f.metadata
    out = {"title": meta["title"], "description": meta["description"],
           "markdownDescription": meta["description"], **out}
    if meta.get("example") is not None:
        out["examples"] = [meta["example"]]
    return out


def type_schema(tp: Any, f: dataclasses.Field[Any], defs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = record_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    out = _scalar(tp)
    if f.metadata.get("enum"):
        out = {"type": "string", "enum": list(f.metadata["enum"])}
    if f.metadata.get("pattern"):
        out["pattern"] = f.metadata["pattern"]
    if f.metadata.get("markdown"):
        out["contentMediaType"] = "text/markdown"
    return out


def record_schema(record: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = field_types(record)
    fields = public_fields(record)
    doc = (record.__doc__ or "").strip()
    return {
        "type": "object",
        "title": doc.split("（")[0].rstrip("。"),
        "description": doc,
        "properties": {f.name: _field_schema(f, hints[f.name], defs) for f in fields},
        "required": [f.name for f in fields if is_required(f)],
        "additionalProperties": False,
    }


def file_schema(kind: str) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    body = record_schema(CONTENT_FILES[kind], defs)
    out = {"$schema": DIALECT, "$id": f"{kind}.schema.json", **body}
    out["description"] = f"{body['description']} 文件位置：{FILES[kind]}"
    if defs:
        out["$defs"] = dict(sorted(defs.items()))
    return out


def render_all() -> dict[str, str]:
    """File name → JSON text for every content schema."""
    return {f"{kind}.schema.json": _dump(file_schema(kind)) for kind in CONTENT_FILES}


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_all(root: Path) -> list[Path]:
    out = root / SCHEMA_DIR
    out.mkdir(exist_ok=True)
    written = []
    for name, text in render_all().items():
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def schema_line(kind: str, depth: int) -> str:
    """The first line of a content file that points editors at its schema."""
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/{kind}.schema.json"


