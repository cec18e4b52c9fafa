"""guide.json holds every value of every record, the false, zero and empty ones too: a reader of the
open data must be able to tell `key: false` or an empty list from a field that is not there.

Walked over the whole frozen edition, record by record and field by field, against the content
that zhinan loads from the same files.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from typing import Any

from sheetkit import EDITION, build_stages
from zhinan import data
from zhinan.content.validate import load_content


def _walk(value: Any, published: Any, where: str, seen: dict[str, int]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        assert isinstance(published, dict), where
        for name, v in data._fields(value):
            here = f"{where}.{name}"
            if v is None:
                assert name not in published, f"{here} 为空，不应出现"
                continue
            assert name in published, f"{here} 的值 {v!r} 在 guide.json 中缺失"
            if not v and not isinstance(v, datetime.date):
                seen[type(v).__name__] = seen.get(type(v).__name__, 0) + 1
            _walk(v, published[name], here, seen)
    elif isinstance(value, tuple):
        assert isinstance(published, list) and len(published) == len(value), where
        for n, (v, p) in enumerate(zip(value, published, strict=True)):
            _walk(v, p, f"{where}[{n}]", seen)
    elif isinstance(value, datetime.date):
        assert published == value.isoformat(), where
    else:
        assert published == value, f"{where}: {published!r} ≠ {value!r}"


def test_every_field_of_every_record_is_in_guide_json_false_zero_and_empty_included(tmp_path: Path) -> None:
    build_stages(EDITION, tmp_path, "data")
    published = json.loads((tmp_path / "data" / data.JSON_NAME).read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    _walk(load_content(EDITION), published, "guide", seen)
    # The edition has such values, or this test could not tell them from absent ones.
    assert seen, "the edition has no false, zero or empty value"
