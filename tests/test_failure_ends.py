"""A failure never hangs (issue 35): an exception in any stage of `zhinan build`, or in a PDF
worker, ends the build within a bound, with a Chinese error naming where it failed, and leaves the
published edition exactly as it was.

The failure is injected into the real command in a real process, through a `sitecustomize` module
on PYTHONPATH (Python imports it at start-up in the build and in every spawned PDF worker); the PDF
workers are slowed down so that the failure always comes while PDFs are still queued, which is
what made the build hang: a queued PDF cancelled from outside the pool, then the pool killed, made
CPython's pool manager fail (`InvalidStateError: CANCELLED`) before it closed the queue to the
workers, and the process waited forever at exit for a queue nobody read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parent.parent / "src"
SECTORS = 5
"""More volumes than two workers and the pool's queue hold: some are still queued when it fails."""
BOUND = 25.0
"""Seconds from start to exit: a hung build ran for hours; a slowed-down worker sleeps `SLOW` s."""
SLOW = 120

INJECT = '''
import os
_where = os.environ.get("ZHINAN_TEST_FAIL")
if _where:
    os.environ.setdefault("ZHINAN_TEST_MAIN", str(os.getpid()))
    _main = os.environ["ZHINAN_TEST_MAIN"] == str(os.getpid())

    def _fail(*args, **kwargs):
        raise ValueError("injected failure in " + _where)

    def _slow(*args, **kwargs):
        import time
        time.sleep(float(os.environ["ZHINAN_TEST_SLOW"]))
        raise AssertionError("a slowed-down worker was not stopped")

    if not _main:  # a spawned PDF worker
        import zhinan.pdf.render as _render
        _render.render_html = _fail if _where == "pdf-worker" else _slow
    elif _where != "pdf-worker":
        import zhinan.build as _build
        _build.STAGE_BUILDS[_where] = _fail
'''


def _sector(root: Path, n: int) -> None:
    """A sector of 150 items: a PDF job of some hundred KiB, as a city's are (MiBs)."""
    sid, prefix = f"extra-{n}", f"X{chr(ord('A') + n)}"
    folder = root / "sectors" / sid
    folder.mkdir(parents=True)
    (folder / "sector.yml").write_text(
        "# yaml-language-server: $schema=../../schemas/sector.schema.json\n" + yaml.safe_dump(
            {"id": sid, "name": f"附加行业{n}", "department": "市应急管理局", "prefix": prefix, "key": False,
             "order": 10 + n, "summary": "附加行业的概述。"}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    items = [{"id": f"{prefix}-{k:03d}", "aspect": "基础管理", "item": f"检查项目{k}",
              "content": "建立并落实全员安全生产责任制，明确各岗位的责任人员、责任范围和考核标准。" * 4}
             for k in range(1, 151)]
    (folder / "checklist.yml").write_text(
        "# yaml-language-server: $schema=../../schemas/checklist.schema.json\n"
        + yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content tree of several sectors with one edition built and published."""
    root = tmp_path_factory.mktemp("fails") / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    for n in range(SECTORS - 1):
        _sector(root, n)
    inject = root.parent / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(INJECT, encoding="utf-8")
    check = run(root, [str(BIN / "zhinan"), "check", "--root", str(root)], {})
    assert check.returncode == 0, check.stderr
    first = run(root, [str(BIN / "zhinan"), "build", "--root", str(root), "-j", "2", "-q"], {})
    assert first.returncode == 0, first.stderr
    return root


def run(root: Path, cmd: list[str], extra: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": f"{root.parent / 'inject'}{os.pathsep}{SRC}",
           **extra}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=timeout,
                          start_new_session=True)


def edition(out: Path) -> dict[str, str]:
    """Every published file (through the links) and the digest of its bytes."""
    files = {}
    for name in ("pdf", "sheets", "data", "site"):
        for path in sorted((out / name).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@pytest.mark.parametrize("where", ["pdf-worker", "pdf", "sheets", "data", "site"])
def test_a_failure_ends_the_build_and_keeps_the_edition(published: Path, where: str) -> None:
    out = published / "build"
    before, current = edition(out), os.readlink(out / ".current")
    sector = published / "sectors/demo/sector.yml"
    text = sector.read_text(encoding="utf-8")
    # Changed content, so that every PDF is rendered again (none comes from the cache).
    for folder in sorted((published / "sectors").iterdir()):
        path = folder / "sector.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("的概述", f"的概述（{where}）"), encoding="utf-8")
    try:
        started = time.monotonic()
        try:
            result = run(published, [str(BIN / "zhinan"), "build", "--root", str(published), "-j", "2", "-q"],
                         {"ZHINAN_TEST_FAIL": where, "ZHINAN_TEST_SLOW": str(SLOW)}, timeout=SLOW - 10)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"the build did not end after {where} failed:\n{exc.stderr!r}")
        took = time.monotonic() - started
    finally:
        sector.write_text(text, encoding="utf-8")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert took < BOUND, (took, result.stderr)
    assert "InvalidStateError" not in result.stderr, result.stderr
    assert lines[-1].startswith("错误：") and "injected failure in" in lines[-1], result.stderr
    assert "上一版原样保留" in lines[-1], lines[-1]
    assert os.readlink(out / ".current") == current
    assert edition(out) == before
