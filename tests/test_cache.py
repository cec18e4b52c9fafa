"""The content-hash cache: an incremental build equals a clean build, and does only what it must."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress

STAGES = ("pdf", "sheets", "data", "site")


def run(root: Path, out: Path) -> dict[str, Any]:
    # -j 2: the PDFs render alongside the other stages, as in every real build.
    return build(BuildOptions(root=root, out=out, only=STAGES, jobs=2, progress=Progress(quiet=True)))


def outputs(out: Path) -> dict[str, bytes]:
    """The published files, read through the build folder's links to the published generation."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for stage in STAGES for p in sorted((out / stage).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("cache")
    root = base / "content"
    shutil.copytree(FIXTURES / "pdf", root)
    out = base / "out"
    first = run(root, out)
    unchanged = run(root, out)
    enterprise = root / "sectors/gas-demo/enterprises/sample-1.yml"
    enterprise.write_text(enterprise.read_text(encoding="utf-8").replace("summary: ", "summary: 新增一句。", 1),
                          encoding="utf-8")
    edited = run(root, out)
    clean = run(root, base / "clean")
    return {"first": first, "unchanged": unchanged, "edited": edited, "clean": clean,
            "out": out, "clean_out": base / "clean"}


def test_an_unchanged_rebuild_renders_nothing(incremental: dict[str, Any]) -> None:
    r = incremental["unchanged"]
    assert r["pdf"]["rendered"] == []
    assert r["sheets"]["rebuilt"] == []
    assert r["site"]["cached"] is True


def test_editing_one_enterprise_rebuilds_only_its_sector(incremental: dict[str, Any]) -> None:
    r = incremental["edited"]
    assert r["pdf"]["rendered"] == ["gas-demo.pdf", "guide.pdf"]
    assert r["sheets"]["rebuilt"] == []  # enterprises are not part of the 三张清单
    assert r["site"]["cached"] is False
    assert len(incremental["first"]["pdf"]["rendered"]) == len(r["pdf"]["files"])
    # Only the pages that show the enterprise are rendered again (its page, its sector's page, the
    # directory of enterprises, the home page at most), and laid over the previous site.
    assert 1 <= r["site"]["pages_rendered"] <= 4 < incremental["first"]["site"]["pages_rendered"]


def test_incremental_outputs_equal_a_clean_build(incremental: dict[str, Any]) -> None:
    assert outputs(incremental["out"]) == outputs(incremental["clean_out"])


def test_a_removed_sector_leaves_no_pdf_behind(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "pdf", root)
    out = tmp_path / "out"
    run(root, out)
    assert (out / "pdf" / "chem-demo.pdf").is_file()
    assert any(p.name.startswith("危险化学品") for p in (out / "site" / "downloads").iterdir())
    shutil.rmtree(root / "sectors" / "chem-demo")
    run(root, out)
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["gas-demo-form.pdf", "gas-demo.pdf", "guide.pdf"]
    assert not any(p.name.startswith("危险化学品") for p in (out / "site" / "downloads").iterdir())
