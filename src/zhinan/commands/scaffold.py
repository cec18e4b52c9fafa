"""`zhinan new sector|enterprise`: starting files that already pass `zhinan check`.

Each field is preceded by a comment taken from the model (title, required or not, description),
so a department editing the file in a web editor sees what to write without opening the docs.
Placeholders start with "待填写：" (model.PLACEHOLDER); `zhinan check` warns about any left in,
and refuses them with --strict and in CI.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import yaml

from zhinan.content import parse
from zhinan.content.model import (
    ASPECTS,
    ID_PATTERN,
    PLACEHOLDER,
    PREFIX_PATTERN,
    Checklist,
    Enterprise,
    Sector,
    field_types,
    is_required,
    public_fields,
    unwrap_optional,
)
from zhinan.content.problems import ContentError, Problem
from zhinan.content.validate import FileValidator
from zhinan.errors import ZhinanError
from zhinan.formats.reference import record_example
from zhinan.formats.schema import schema_line
from zhinan.pipeline import files as output

TODO = PLACEHOLDER
INDENT = "  "


class ScaffoldError(ZhinanError):
    """A request that cannot be carried out; the message is for people, in Chinese."""


@dataclasses.dataclass(frozen=True)
class Example:
    """A value written as a commented-out line: shown to the editor, not part of the content."""

    value: Any


# ---- Rendering a record as commented YAML ------------------------------------------------


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, width=10**6, sort_keys=False,
                          default_flow_style=isinstance(value, list | dict))
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(f: dataclasses.Field[Any]) -> str:
    meta = f.metadata
    need = "必填" if is_required(f) else "可选"
    allowed = f"可选值：{' / '.join(meta['enum'])}。" if meta.get("enum") else ""
    description = meta["description"].replace("，可选）", "）").replace("（可选）", "")
    return f"# {meta['title']}（{need}）：{description}{allowed}"


def _nested(tp: Any) -> type | None:
    base = unwrap_optional(tp)
    inner = typing.get_args(base)[0] if typing.get_origin(base) is tuple else None
    return inner if isinstance(inner, type) and dataclasses.is_dataclass(inner) else None


def _field_lines(f: dataclasses.Field[Any], tp: Any, value: Any, pad: str, notes: bool) -> list[str]:
    """The value lines of one field, indented by `pad`; with `notes`, a comment line first."""
    lines = [pad + _comment(f)] if notes else []
    if value is None or isinstance(value, Example):
        example = value.value if isinstance(value, Example) else f.metadata.get("example")
        if example is None and _nested(tp) is not None:
            example = [record_example(typing.cast(type, _nested(tp)))]
        elif example is None and dataclasses.is_dataclass(unwrap_optional(tp)):  # one record, e.g. major_criteria
            example = record_example(unwrap_optional(tp))
        return lines + ([f"{pad}# {f.name}: {_scalar(example)}"] if notes and example is not None else [])
    record = _nested(tp)
    if record is not None:
        lines.append(f"{pad}{f.name}:")
        for i, entry in enumerate(value):
            # Explaining the first entry is enough; repeating it on every entry is noise.
            lines += record_lines(record, entry, pad + INDENT, bullet=True, notes=notes and i == 0)
    elif isinstance(value, tuple | list):
        lines += [f"{pad}{f.name}:", *(f"{pad}{INDENT}- {_scalar(v)}" for v in value)]
    elif f.metadata.get("markdown"):
        lines += [f"{pad}{f.name}: |", *(f"{pad}{INDENT}{row}" for row in str(value).splitlines())]
    else:
        lines.append(f"{pad}{f.name}: {_scalar(value)}")
    return lines


def record_lines(record: type, values: dict[str, Any], pad: str = "", bullet: bool = False,
                 notes: bool = True) -> list[str]:
    """A record as YAML lines, with `notes` a comment above each field; `bullet` makes it a list entry."""
    hints = field_types(record)
    lines: list[str] = []
    inner = pad + INDENT if bullet else pad
    for i, f in enumerate(public_fields(record)):
        block = _field_lines(f, hints[f.name], values.get(f.name), inner, notes)
        if bullet and i == 0:
            # The first field carries the list dash; its comment goes above, at the dash's level.
            at = 1 if notes else 0
            block = [*(pad + b.lstrip() for b in block[:at]), f"{pad}- {block[at].lstrip()}", *block[at + 1:]]
        lines += block
    return lines


def render_file(kind: str, depth: int, record: type, values: dict[str, Any], intro: list[str]) -> str:
    head = [schema_line(kind, depth), *(f"# {line}" for line in intro), ""]
    return "\n".join(head + record_lines(record, values)) + "\n"


# ---- Starting values -----------------------------------------------------------------------


def sector_values(sector_id: str, name: str, department: str, prefix: str, order: int, key: bool) -> dict[str, Any]:
    return {
        "id": sector_id, "name": name, "department": department, "prefix": prefix, "key": key, "order": order,
        "summary": f"{TODO}：{name}行业的概况、主要事故风险和本章的检查重点（一两段话）。",
    }


def checklist_values(prefix: str) -> dict[str, Any]:
    # The format needs at least one item, so the file starts with a placeholder per aspect
    # that the department replaces with its real items.
    items = [
        {"id": f"{prefix}-{n:03d}", "aspect": aspect, "item": f"{TODO}：{aspect}方面的检查项目名称",
         "content": f"{TODO}：要检查什么、达到什么要求。"}
        for n, aspect in enumerate(ASPECTS, start=1)
    ]
    return {"items": items}


def enterprise_values(enterprise_id: str, name: str, county: str, level: str,
                      item_ids: list[str]) -> dict[str, Any]:
    practice: dict[str, Any] = {"title": f"{TODO}：用一句话概括这项典型做法", "aspect": ASPECTS[0],
                                "body": f"{TODO}：这项做法具体怎么做，谁负责，多久做一次。"}
    if item_ids:
        practice["items"] = Example(item_ids[:1])
    return {
        "id": enterprise_id, "name": name, "county": county, "level": level,
        "summary": f"{TODO}：企业概况（主要产品、规模）和标准化运行的特点。",
        "practices": [practice],
    }


# ---- Writing -------------------------------------------------------------------------------


def _validated(root: Path, rel: str, text: str, record: type) -> None:
    """Check a generated file as `zhinan check` would, before anything is written."""
    problems: list[Problem] = []
    node = parse.parse_yaml(rel, text, problems)
    if node is not None:
        FileValidator(rel, text, problems).record(node, record, "新文件的内容")
    if problems:
        raise ContentError(problems)


def _write_new(root: Path, files: dict[str, tuple[str, type]]) -> list[Path]:
    for rel in files:
        if (root / rel).exists():
            raise ScaffoldError(f"{rel} 已存在，不会覆盖。如要重新开始，请先删除或改名。")
    for rel, (text, record) in files.items():
        _validated(root, rel, text, record)
    for rel, (text, _) in files.items():
        output.write_text(root / rel, text)
    return [root / rel for rel in files]


def _check_id(value: str, pattern: str, what: str, example: str) -> None:
    if not re.fullmatch(pattern, value):
        raise ScaffoldError(f"{what}“{value}”格式不对，应为 {pattern}，例如“{example}”")


def existing_sectors(root: Path) -> dict[str, dict[str, Any]]:
    """sector.yml of every sector folder, read leniently: it only guards against clashes."""
    found = {}
    for path in sorted((root / "sectors").glob("*/sector.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        found[path.parent.name] = data if isinstance(data, dict) else {}
    return found


def checklist_ids(root: Path, sector_id: str) -> list[str]:
    """The sector's item ids, read leniently: they only make the example line concrete."""
    try:
        data = yaml.safe_load((root / "sectors" / sector_id / "checklist.yml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    return [str(it["id"]) for it in items or () if isinstance(it, dict) and "id" in it]


def new_sector(root: Path, sector_id: str, name: str, department: str, prefix: str,
               order: int | None = None, key: bool = False) -> list[Path]:
    """Create sectors/<id>/sector.yml and checklist.yml; return the written paths."""
    _check_id(sector_id, ID_PATTERN, "行业编号", "urban-gas")
    _check_id(prefix, PREFIX_PATTERN, "编号前缀", "RQ")
    others = existing_sectors(root)
    if (root / "sectors" / sector_id).exists():
        raise ScaffoldError(f"sectors/{sector_id}/ 已存在，不会覆盖。")
    for other, data in others.items():
        if data.get("prefix") == prefix:
            raise ScaffoldError(f"编号前缀“{prefix}”已被行业 {other} 使用，请换一个")
    if order is None:
        order = 1 + max((d["order"] for d in others.values() if isinstance(d.get("order"), int)), default=0)
    base = f"sectors/{sector_id}"
    sector = render_file("sector", 2, Sector, sector_values(sector_id, name, department, prefix, order, key), [
        f"{name}行业：行业说明。字段说明见网站“字段参考”页，改完后运行 zhinan check 检查。",
        f"以“{TODO}”开头的内容是占位文字，发布前必须改写。",
    ])
    checklist = render_file("checklist", 2, Checklist, checklist_values(prefix), [
        f"{name}行业检查清单。下面四项是占位示例（每个检查类别一项），请替换为本行业的真实检查项；",
        f"编号依次为 {prefix}-001、{prefix}-002……，发布后不再更改。",
    ])
    return _write_new(root, {f"{base}/sector.yml": (sector, Sector), f"{base}/checklist.yml": (checklist, Checklist)})


def new_enterprise(root: Path, sector_id: str, enterprise_id: str, name: str, county: str, level: str) -> list[Path]:
    """Create sectors/<sector>/enterprises/<id>.yml; return the written path."""
    if not (root / "sectors" / sector_id / "sector.yml").is_file():
        known = "、".join(existing_sectors(root)) or "（还没有行业）"
        raise ScaffoldError(f"行业“{sector_id}”不存在（找不到 sectors/{sector_id}/sector.yml）。已有行业：{known}")
    _check_id(enterprise_id, ID_PATTERN, "企业编号", "quangang-chem-a")
    values = enterprise_values(enterprise_id, name, county, level, checklist_ids(root, sector_id))
    text = render_file("enterprise", 3, Enterprise, values, [
        f"{name}：标杆企业。字段说明见网站“字段参考”页，改完后运行 zhinan check 检查。",
        f"以“{TODO}”开头的内容是占位文字，发布前必须改写；做法可以写多项，每项以“- title:”开头。",
    ])
    return _write_new(root, {f"sectors/{sector_id}/enterprises/{enterprise_id}.yml": (text, Enterprise)})
