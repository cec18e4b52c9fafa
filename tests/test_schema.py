"""The JSON Schemas are generated from the model and committed current; content validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import EDITION, REPO
from zhinan.content.model import CONTENT_FILES, public_fields
from zhinan.formats import schema


def test_committed_schemas_are_current() -> None:
    for name, text in schema.render_all().items():
        committed = REPO / schema.SCHEMA_DIR / name
        assert committed.read_text(encoding="utf-8") == text, f"运行 zhinan schema 更新 {name}"


def test_every_model_field_has_chinese_title_and_description() -> None:
    for kind in CONTENT_FILES:
        doc = json.loads(schema.render_all()[f"{kind}.schema.json"])
        records = [doc, *doc.get("$defs", {}).values()]
        for rec in records:
            for name, prop in rec["properties"].items():
                assert prop["title"] and prop["description"], (kind, name)
        assert set(doc["properties"]) == {f.name for f in public_fields(CONTENT_FILES[kind])}


def _content_files(root: Path) -> list[tuple[str, Path]]:
    files = [("guide", root / "guides/guide.yml")]
    for sector in sorted((root / "sectors").iterdir()):
        files += [("sector", sector / "sector.yml"), ("checklist", sector / "checklist.yml")]
        files += [("enterprise", p) for p in sorted((sector / "enterprises").glob("*.yml"))]
    return files


def test_repository_content_matches_schemas() -> None:
    schemas = {k: json.loads(t) for k, t in ((n.split(".")[0], t) for n, t in schema.render_all().items())}
    files = _content_files(EDITION)
    assert len(files) > 8
    for kind, path in files:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, schemas[kind])
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith(f"{kind}.schema.json"), path
        target = (REPO / path.parent.relative_to(EDITION) / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: schema line points to a missing file"


@pytest.mark.parametrize(
    ("defect", "expected_path"),
    [({"level": "省级"}, ["level"]), ({"practices": []}, ["practices"]), ({"id": "Bad_ID"}, ["id"])],
)
def test_schema_rejects_what_the_validator_rejects(defect: dict[str, object], expected_path: list[str]) -> None:
    """Each defect on its own, in an otherwise valid enterprise: the schema rejects exactly that field."""
    doc = json.loads(schema.render_all()["enterprise.schema.json"])
    good = {"id": "x", "name": "n", "county": "c", "level": "市级", "summary": "s",
            "practices": [{"title": "t", "aspect": "基础管理", "body": "b"}]}
    jsonschema.validate(good, doc)
    errors = list(jsonschema.Draft202012Validator(doc).iter_errors({**good, **defect}))
    assert [list(e.absolute_path) for e in errors] == [expected_path]
