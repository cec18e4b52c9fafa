"""Content-hash cache: rebuild an output only when what it is made from has changed.

Each output file records the key it was built from in ``build/.cache/<stage>.json``. A key is a
hash of the model objects the output is rendered from plus a fingerprint of zhinan's own code
and templates, so editing one enterprise rebuilds only its sector's volume and workbook, and
upgrading zhinan rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from zhinan.output import write_text

PACKAGE = Path(__file__).resolve().parent


@cache
def code_fingerprint() -> str:
    """A hash of every source and template file of the installed zhinan package."""
    h = hashlib.sha256()
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


class Cache:
    """The keys of one stage's outputs, stored beside the outputs in build/.cache/."""

    def __init__(self, out: Path, stage: str) -> None:
        self.path = out / ".cache" / f"{stage}.json"
        try:
            self.keys: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.keys = {}

    def fresh(self, output: Path, k: str) -> bool:
        """True if `output` exists and was built from the same key."""
        return output.is_file() and self.keys.get(output.name) == k

    def record(self, output: Path, k: str) -> None:
        self.keys[output.name] = k

    def save(self) -> None:
        write_text(self.path, json.dumps(self.keys, indent=1, sort_keys=True))
