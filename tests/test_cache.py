"""The content-hash cache: an incremental build equals a clean build, and does only what it must."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress

pytestmark = pytest.mark.slow  # builds whole editions, servers or kills: not in the quick subset

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
    pinned = _pin(out, base / "pinned")
    enterprise = root / "sectors/gas-demo/enterprises/sample-1.yml"
    enterprise.write_text(enterprise.read_text(encoding="utf-8").replace("summary: ", "summary: 新增一句。", 1),
                          encoding="utf-8")
    edited = run(root, out)
    clean = run(root, base / "clean")
    return {"first": first, "unchanged": unchanged, "edited": edited, "clean": clean,
            "out": out, "clean_out": base / "clean", "root": root, "pinned": pinned}


def _pin(out: Path, pinned: Path) -> dict[Path, tuple[int, int, int, str]]:
    """Every file of the published generation, held by a hard link of its own (so that its inode
    cannot be reused once the generation is removed), with its inode, size, mtime and digest."""
    published = (out / ".current").resolve()
    before = {}
    for path in sorted(p for p in published.rglob("*") if p.is_file() and not p.is_symlink()):
        keep = pinned / path.relative_to(published)
        keep.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, keep)
        st = keep.stat()
        before[keep] = (st.st_ino, st.st_size, st.st_mtime_ns, hashlib.sha256(keep.read_bytes()).hexdigest())
    return before


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


def test_a_build_never_changes_a_published_file_in_place(incremental: dict[str, Any]) -> None:
    """The rule publishing rests on: no stage writes into a file that exists. A new generation
    starts as hard links of the published one (`zhinan.pipeline.transaction`), so a file written in
    place would change the published edition too (readers would see it half-written, and the
    previous edition would be lost); every output is written beside its place and renamed over it
    (`zhinan.pipeline.files`). Every file published before the edited build is held by its own link:
    not one of those inodes changed its bytes, its size or its mtime."""
    pinned = incremental["pinned"]
    assert len(pinned) > 20
    changed = [str(keep) for keep, (ino, size, mtime, digest) in pinned.items()
               if (st := keep.stat()).st_ino != ino or st.st_size != size or st.st_mtime_ns != mtime
               or hashlib.sha256(keep.read_bytes()).hexdigest() != digest]
    assert not changed, f"published files changed in place: {changed}"
    new = (incremental["out"] / ".current").resolve()
    new_inodes = {p.stat().st_ino for p in new.rglob("*") if p.is_file() and not p.is_symlink()}
    old_inodes = {ino for ino, *_ in pinned.values()}
    assert new_inodes & old_inodes, "the edited build carried no file over as a link: this would prove nothing"
    assert old_inodes - new_inodes, "the edit replaced no file: this would prove nothing"


def test_a_removed_sector_leaves_no_pdf_behind(incremental: dict[str, Any], tmp_path: Path) -> None:
    # From a copy of the clean build of the same content (links kept as links, files hard-linked).
    root, out = tmp_path / "content", tmp_path / "out"
    shutil.copytree(incremental["root"], root)
    shutil.copytree(incremental["clean_out"], out, symlinks=True, copy_function=os.link)
    assert (out / "pdf" / "chem-demo.pdf").is_file()
    assert any(p.name.startswith("危险化学品") for p in (out / "site" / "downloads").iterdir())
    shutil.rmtree(root / "sectors" / "chem-demo")
    run(root, out)
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["gas-demo-form.pdf", "gas-demo.pdf", "guide.pdf"]
    assert not any(p.name.startswith("危险化学品") for p in (out / "site" / "downloads").iterdir())
