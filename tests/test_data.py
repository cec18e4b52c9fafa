"""The open-data export: build/data/guide.json and the JSON Schema beside it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sheetkit import EDITION, build_stages
from zhinan import data
from zhinan.content import model
from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.formats.schema import record_schema


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Content, dict[str, Any], dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("data")
    build_stages(EDITION, out, "data")
    folder = out / "data"
    guide = json.loads((folder / data.JSON_NAME).read_text(encoding="utf-8"))
    schema = json.loads((folder / data.SCHEMA_NAME).read_text(encoding="utf-8"))
    return load_content(EDITION), guide, schema, folder


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_guide_json_validates_against_its_schema(exported: tuple[Content, dict[str, Any], dict[str, Any], Path]) -> None:
    _, guide, schema, _ = exported
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(schema).iter_errors(guide)]
    assert errors == []


def test_the_schema_rejects_what_the_content_model_rejects(
    exported: tuple[Content, dict[str, Any], dict[str, Any], Path],
) -> None:
    _, guide, schema, _ = exported
    validator = _validator(schema)
    item = guide["sectors"][0]["items"][0]
    for key, bad in (("aspect", "其他"), ("id", "bad-id"), ("surprise", "未知字段")):
        broken = copy.deepcopy(guide)
        broken["sectors"][0]["items"][0] = {**item, key: bad}
        assert not validator.is_valid(broken), key


def test_the_schema_is_generated_from_the_model(exported: tuple[Content, dict[str, Any], dict[str, Any], Path]) -> None:
    _, _, schema, _ = exported
    assembled = {cls.__name__ for cls in data.ASSEMBLED}
    records = {name: d for name, d in schema["$defs"].items() if name not in assembled}
    assert set(records) >= {"CheckItem", "Hazard", "Enterprise", "Practice", "Sector", "Guide"}
    for name, definition in records.items():
        assert definition == record_schema(getattr(model, name), {}), name


def test_guide_json_holds_the_complete_content(exported: tuple[Content, dict[str, Any], dict[str, Any], Path]) -> None:
    content, guide, _, _ = exported
    assert guide["guide"]["edition"] == content.guide.edition
    assert [c["name"] for c in guide["chapters"]] == [c.name for c in content.chapters]
    assert [s["sector"]["id"] for s in guide["sectors"]] == [s.id for s in content.sectors]
    for entry, sc in zip(guide["sectors"], content.sectors, strict=True):
        assert [it["id"] for it in entry["items"]] == [it.id for it in sc.items]
        assert entry["items"] == data.to_data(sc.items)
        assert [len(it.get("hazards", [])) for it in entry["items"]] == [len(it.hazards) for it in sc.items]
        assert [e["id"] for e in entry["enterprises"]] == [e.id for e in sc.enterprises]
        assert sum(len(e["practices"]) for e in entry["enterprises"]) == sum(len(e.practices) for e in sc.enterprises)
    every_id = {it["id"] for s in guide["sectors"] for it in s["items"]}
    assert every_id == {it.id for s in content.sectors for it in s.items}


def test_two_builds_are_byte_identical(exported: tuple[Content, dict[str, Any], dict[str, Any], Path], tmp_path: Path) -> None:
    folder = exported[3]
    build_stages(EDITION, tmp_path, "data")
    for name in (data.JSON_NAME, data.SCHEMA_NAME):
        assert (tmp_path / "data" / name).read_bytes() == (folder / name).read_bytes()
