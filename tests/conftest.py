"""Shared fixtures: the repository root and copies of small content trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def minimal_tree(tmp_path: Path) -> Path:
    """A fresh, writable copy of the smallest valid content tree."""
    dest = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", dest)
    return dest
