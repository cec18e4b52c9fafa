"""Helpers shared by the sheets, data and import tests: copies of content trees and builds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress

REPO = Path(__file__).resolve().parent.parent
EDITION = REPO / "tests" / "fixtures" / "edition"
"""The frozen copy of the repository's content (tests/fixtures/edition/README.md)."""
SMALL = Path(__file__).resolve().parent / "fixtures" / "sheets" / "content"
"""A one-sector tree with hand-written comments, odd field order and a practice that refers to an item."""


def copy_content(src: Path, dest: Path) -> Path:
    """A writable copy of a content tree (tests never touch the repository's own content)."""
    for name in ("guides", "sectors"):
        shutil.copytree(src / name, dest / name)
    return dest


def build_stages(root: Path, out: Path, *stages: str) -> dict[str, Any]:
    results: dict[str, Any] = build(BuildOptions(root=root, out=out, only=stages, jobs=1, progress=Progress(quiet=True)))
    return results
