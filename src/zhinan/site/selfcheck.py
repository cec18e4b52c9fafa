"""The browser self-check: what the page of each sector needs, derived from the model and the record.

The self-check page (`sectors/<id>/self-check/`) lets an enterprise go through its sector's
检查清单 in the browser and leave with its own 隐患清单, 整改清单 and 自查报告. The page itself is
one static template and two asset files (`selfcheck.js`, `selfcheck.css`); everything it knows
about the sector and about the record format comes from here, at build time, as a data file
beside the page. Nothing is copied by hand into JavaScript: field names, titles, allowed values,
the items with their 典型隐患 and 整改要求, and the enterprise workbook of the sector.

The data file is a script that assigns a global (`ZHINAN_SELFCHECK`) rather than JSON, because a
page opened from disk (file://) may not fetch() a local file, but may load a local script.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from zhinan.content import sanitize
from zhinan.content.model import ASPECTS, HAZARD_LEVELS, CheckItem, Content, SectorContent, field_types, unwrap_optional
from zhinan.formats import record
from zhinan.pipeline import hashcache
from zhinan.pipeline.files import write_bytes
from zhinan.sheets import workbook

GLOBAL = "ZHINAN_SELFCHECK"
"""The name of the global the data file assigns."""

DATA_FILE = "data.js"
"""The data file's name, beside the page (`sectors/<id>/self-check/data.js`)."""

PAGE = "self-check"
"""The page's name under its sector (`sectors/<id>/self-check.md`)."""


def storage_key(sector_id: str) -> str:
    """The browser's localStorage key of a sector's self-check: a new record VERSION starts afresh
    instead of misreading an old record."""
    return f"zhinan-self-check:{sector_id}:v{record.VERSION}"


# ---- Field facts ----------------------------------------------------------------------------------


def _kind(tp: Any) -> str:
    base = unwrap_optional(tp)
    if base is float or base is int:
        return "number"
    if getattr(base, "__name__", "") == "date":
        return "date"
    if getattr(base, "__origin__", None) is tuple:
        return "list"
    return "text"


def record_fields(rec: type) -> list[dict[str, Any]]:
    """A record's fields as the page reads them: name, title, description, allowed values,
    pattern, kind (text, number, date or list) and default."""
    hints = field_types(rec)
    out = []
    for f in dataclasses.fields(rec):
        meta = f.metadata
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append({
            "name": f.name,
            "title": meta["title"],
            "description": meta["description"],
            "enum": list(meta["enum"] or ()),
            "pattern": meta["pattern"],
            "kind": _kind(hints[f.name]),
            "required": required,
            "default": None if required or f.default is dataclasses.MISSING else f.default,
        })
    return out


def record_facts() -> dict[str, Any]:
    """The record format, for the page: every record's fields and the values it uses."""
    return {
        "format": record.FORMAT,
        "version": record.VERSION,
        "results": list(record.CHECK_RESULTS),
        "kinds": list(record.INSPECTION_KINDS),
        "statuses": list(record.STATUSES),
        "doneStatus": record.DONE_STATUS,
        "levels": list(HAZARD_LEVELS),
        "aspects": list(ASPECTS),
        "findingPattern": record.FINDING_ID_PATTERN,
        "roles": list(record.MEMBER_ROLES),
        "appliedLevels": list(record.APPLIED_LEVELS),
        "selfFields": list(record.SELF_FIELDS),
        "creditChars": record.CREDIT_CODE_CHARS,
        "creditWeights": list(record.CREDIT_CODE_WEIGHTS),
        "v1Note": record.V1_NOTE,
        "moneyHint": record.MONEY_HINT,
        "dateHint": record.DATE_HINT,
        "fields": {rec.__name__: record_fields(rec) for rec in record.RECORD_TYPES},
    }


# ---- Items ----------------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "li", "br") and self.parts:
            self.parts.append("\n")


def plain_text(md: str) -> str:
    """Markdown as the plain text a reader would type into a cell: markup gone, one paragraph or
    list entry per line."""
    parser = _Text()
    parser.feed(sanitize.markdown_html(md)[0])  # the Markdown the site publishes (one reused instance)
    return re.sub(r"\n\s*\n+", "\n", "".join(parser.parts)).strip()


def item_data(it: CheckItem) -> dict[str, Any]:
    return {
        "id": it.id,
        "aspect": it.aspect,
        "item": it.item,
        "content": it.content,
        "method": it.method or "",
        "basis": list(it.basis),
        "hazards": [{"text": h.text, "level": h.level} for h in it.hazards],
        "rectification": plain_text(it.rectification) if it.rectification else "",
    }


# ---- The data file --------------------------------------------------------------------------------


def sector_data(sc: SectorContent, content: Content, out: Path | None = None) -> dict[str, Any]:
    """Everything the self-check page of a sector needs; `out` is the build folder, whose caches
    spare writing the blank workbook again."""
    return {
        "sector": {"id": sc.id, "name": sc.sector.name, "department": sc.sector.department},
        "guide": {"title": content.guide.title, "edition": content.guide.edition},
        "storageKey": storage_key(sc.id),
        "oldStorageKeys": [f"zhinan-self-check:{sc.id}:v{v}" for v in record.READABLE_VERSIONS if v != record.VERSION],
        "counties": list(content.guide.counties),
        "record": record_facts(),
        "items": [item_data(it) for it in sc.items],
        "workbook": workbook_data(sc, content, out),
    }


def data_script(data: dict[str, Any]) -> str:
    """The data as a script assigning the global (`script_json`)."""
    return f"window.{GLOBAL} = {script_json(data)};\n"


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """JSON that is also safe inside a script element, inline or loaded: `<`, `>` and `&` (so no
    value can write `</script>` or `<!--`) and the two line separators are escaped as `\\uXXXX`,
    which every JSON and JavaScript reader reads back as the same character."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


# ---- The enterprise workbook ----------------------------------------------------------------------


def workbook_data(sc: SectorContent, content: Content, out: Path | None = None) -> dict[str, Any]:
    """The sector's blank enterprise workbook (base64) and its layout (`zhinan.sheets.workbook`)."""
    blank = blank_workbook(sc, content, out)
    return {"blank": base64.b64encode(blank).decode("ascii"), "layout": workbook.enterprise_layout(sc)}


def blank_workbook(sc: SectorContent, content: Content, out: Path | None) -> bytes:
    """The blank workbook, written once per content change.

    Writing a workbook is slow next to the rest of a sector's pages, so every build would pay it
    again for the site alone. The same bytes are therefore taken from the sheets stage's file when it was made from
    the same content (its own cache key says so, or the key it carries: `workbook.written_source`),
    else from this page's cache in build/.cache/, and written afresh only when neither is current."""
    if out is None:
        return workbook.workbook_bytes(sc, content)
    own = hashcache.Cache(out, CACHE)
    kept = out / ".cache" / CACHE / f"{sc.id}.xlsx"
    key = workbook.source_key(sc, content)  # the sheets stage's key of the same file
    if own.get(kept, key) is not None:
        return kept.read_bytes()
    built = out / "sheets" / f"{sc.id}.xlsx"
    data = built.read_bytes() if built.is_file() else b""
    if hashcache.Cache(out, "sheets").get(built, key) is None and workbook.written_source(data) != key:
        data = workbook.workbook_bytes(sc, content)
    write_bytes(kept, data)
    with _locked(kept.parent):  # the sectors may be rendered in several processes at once
        own = hashcache.Cache(out, CACHE)
        own.put(kept, key)
        own.save()
    return data


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (no lock file is left in the build)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


CACHE = "self-check"
"""The folder and cache file, under build/.cache/, of the blank workbooks the pages embed."""
