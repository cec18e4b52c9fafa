"""Shared fixtures: the repository root and copies of small content trees."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EDITION = FIXTURES / "edition"
"""A frozen copy of the repository's content: tests read it, never the live sectors/ and guides/."""

REQUIRED_TOOLS = {
    "/usr/bin/chromium": "Chromium（apt-get install chromium）",
    "soffice": "LibreOffice（apt-get install libreoffice-calc-nogui）",
    "pdftotext": "poppler（apt-get install poppler-utils）",
    "pdffonts": "poppler（apt-get install poppler-utils）",
    "pdftoppm": "poppler（apt-get install poppler-utils）",
    "fc-list": "fontconfig（apt-get install fontconfig）",
}


def missing_tools() -> list[str]:
    """What the tests need installed and is not: each as what to install. Never a reason to skip."""
    missing = sorted({hint for tool, hint in REQUIRED_TOOLS.items()
                      if not (Path(tool).is_file() if tool.startswith("/") else shutil.which(tool))})
    if shutil.which("fc-list"):
        faces = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
        if "Noto Sans CJK SC" not in faces or "Noto Serif CJK SC" not in faces:
            missing.append("思源/Noto CJK SC 字体（apt-get install fonts-noto-cjk）")
    return missing


def pytest_sessionstart(session: pytest.Session) -> None:
    """A missing install fails the run with what to install (see scripts/setup.sh), instead of
    letting tests that need it skip or fail obscurely."""
    missing = missing_tools()
    if missing:
        raise pytest.UsageError("测试需要的程序或字体没有安装：" + "；".join(missing) + "。请运行 scripts/setup.sh 或安装它们。")


@pytest.fixture
def minimal_tree(tmp_path: Path) -> Path:
    """A fresh, writable copy of the smallest valid content tree."""
    dest = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", dest)
    return dest
