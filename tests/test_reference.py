"""The field reference page covers the whole model and its examples are valid content."""

from __future__ import annotations

import re

import pytest

from zhinan.content import model, parse
from zhinan.content.model import CONTENT_FILES, field_types, public_fields
from zhinan.content.problems import Problem
from zhinan.content.validate import FileValidator
from zhinan.formats.record import RECORD_TYPES
from zhinan.formats.reference import nested_records, render_markdown

PAGE = render_markdown()
ALL_RECORDS = [*CONTENT_FILES.values(), *nested_records(), *RECORD_TYPES]


def _section(record: type) -> str:
    """The part of the page that documents `record` (up to the next level-2 heading)."""
    parts = re.split(r"^## ", PAGE, flags=re.MULTILINE)
    names = [f.name for f in public_fields(record)]
    for part in parts[1:]:
        rows = re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.MULTILINE)
        if rows == names:
            return part
    raise AssertionError(f"没有 {record.__name__} 的字段表")


def test_page_title() -> None:
    assert PAGE.startswith("# 字段参考\n")


def test_every_nested_record_has_a_section() -> None:
    """Every record type reachable from a file's fields is documented (found by walking the types)."""
    reachable = set()
    todo = list(CONTENT_FILES.values())
    while todo:
        record = todo.pop()
        for f in public_fields(record):
            for cls in re.findall(r"zhinan\.content\.model\.(\w+)", str(field_types(record)[f.name])):
                tp = getattr(model, cls)
                if tp not in reachable:
                    reachable.add(tp)
                    todo.append(tp)
    assert reachable - set(CONTENT_FILES.values()) == set(nested_records())
    for record in reachable:
        assert _section(record)


@pytest.mark.parametrize("record", ALL_RECORDS, ids=lambda r: r.__name__)
def test_every_field_documented(record: type) -> None:
    section = _section(record)
    for f in public_fields(record):
        row = next(line for line in section.splitlines() if line.startswith(f"| `{f.name}` |"))
        assert f.metadata["title"] in row
        assert ("可选" in row) != ("必填" in row)
        for value in f.metadata.get("enum") or ():
            assert value in row
        if f.metadata.get("pattern"):
            assert f.metadata["pattern"] in row


@pytest.mark.parametrize("kind", list(CONTENT_FILES))
def test_file_examples_are_valid_content(kind: str) -> None:
    section = _section(CONTENT_FILES[kind])
    text = re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert text, "每个文件都应有示例"
    assert text.group(1).startswith("# yaml-language-server: $schema=")
    problems: list[Problem] = []
    node = parse.parse_yaml("example.yml", text.group(1), problems)
    assert node is not None
    value = FileValidator("example.yml", text.group(1), problems).record(node, CONTENT_FILES[kind], "示例")
    assert problems == []
    assert isinstance(value, CONTENT_FILES[kind])


def test_prose_has_no_raw_html() -> None:
    prose = re.sub(r"`[^`\n]*`|```.*?```", "", PAGE, flags=re.DOTALL)
    assert "<" not in prose
