"""Content-hash cache: rebuild an output only when what it is made from has changed.

Each output file records the key it was built from in ``build/.cache/<stage>.json``. A key is a
hash of the model objects the output is rendered from plus a fingerprint of zhinan's own code
and templates and of the versions of the libraries that render, so editing one enterprise
rebuilds only its sector's volume and workbook, and upgrading zhinan or WeasyPrint rebuilds
everything. That also makes a build/ folder restored from an earlier CI run safe to reuse.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from functools import cache
from pathlib import Path
from typing import Any

from zhinan.pipeline.files import write_text

PACKAGE = Path(__file__).resolve().parents[1]
RENDERERS = ("weasyprint", "pydyf", "pikepdf", "openpyxl", "markdown", "pymdown-extensions", "jinja2", "mkdocs",
             "mkdocs-material", "jieba")
"""Libraries whose version changes what the outputs look like."""


@cache
def code_fingerprint() -> str:
    """A hash of every source and template file of the installed zhinan package, and of the
    versions of the libraries that render the outputs."""
    h = hashlib.sha256()
    for name in RENDERERS:
        h.update(f"{name}=={importlib.metadata.version(name)}\n".encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix not in (".pyc",) and "__pycache__" not in path.parts:
            h.update(path.relative_to(PACKAGE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def key(*parts: object) -> str:
    """A stable key for an output made from `parts` (model objects: their repr is complete)."""
    h = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        h.update(b"\0")
        h.update(repr(part).encode())
    return h.hexdigest()


def file_digest(*paths: Path) -> str:
    """A hash of files' bytes (images referenced by the content, for instance)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes() if p.is_file() else b"")
    return h.hexdigest()


CACHE_DIR = ".cache"
"""The build folder's cache folder (inside each generation: see `zhinan.pipeline.transaction`)."""


class Cache:
    """The keys of one stage's outputs, stored in build/.cache/<stage>.json, with a little
    information about each output (page counts, anchor pages) that later steps need."""

    def __init__(self, out: Path, stage: str) -> None:
        self.path = out / CACHE_DIR / f"{stage}.json"
        try:
            self.entries: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def get(self, output: Path, k: str) -> dict[str, Any] | None:
        """The stored information if `output` exists and was built from key `k`, else None."""
        entry = self.entries.get(output.name)
        if output.is_file() and entry is not None and entry.get("key") == k:
            info: dict[str, Any] = entry.get("info", {})
            return info
        return None

    def put(self, output: Path, k: str, info: dict[str, Any] | None = None) -> None:
        self.entries[output.name] = {"key": k, "info": info or {}}

    def save(self) -> None:
        write_text(self.path, json.dumps(self.entries, ensure_ascii=False, indent=1, sort_keys=True))
