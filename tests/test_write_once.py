"""The rule publishing rests on: no stage ever writes into a file that already exists.

A new generation starts as hard links of the published one (`zhinan.pipeline.transaction`), so a
file written in place in the new generation is also changed in the published edition — readers
would see a half-written file and the previous edition would be lost. Every output is therefore
written beside its place and renamed over it (`zhinan.pipeline.files`). This test holds every
published file by a hard link of its own (so its inode cannot be reused), builds an edited edition
over it, and asserts that not one of those inodes changed its bytes, its size or its mtime.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _generation(out: Path) -> Path:
    return (out / ".current").resolve()


def test_a_build_never_changes_a_published_file_in_place(minimal_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    opts = BuildOptions(root=minimal_tree, out=out, jobs=1, progress=Progress(quiet=True))
    build(opts)
    published = _generation(out)
    pinned = tmp_path / "pinned"
    before: dict[Path, tuple[int, int, int, str]] = {}
    for path in sorted(p for p in published.rglob("*") if p.is_file() and not p.is_symlink()):
        keep = pinned / path.relative_to(published)
        keep.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, keep)
        st = keep.stat()
        before[keep] = (st.st_ino, st.st_size, st.st_mtime_ns, hashlib.sha256(keep.read_bytes()).hexdigest())
    assert len(before) > 20

    # An edition that changes some outputs (the enterprise's page and the volume, the data) and not
    # others (the sector's workbook and the site's assets): both kinds are carried over as links.
    _edit(minimal_tree / "sectors/demo/enterprises/sample-a.yml", "summary: 示例企业。", "summary: 示例企业，本版新增一句。")
    build(opts)

    new = _generation(out)
    assert new != published
    changed = [str(keep.relative_to(pinned)) for keep, (ino, size, mtime, digest) in before.items()
               if (st := keep.stat()).st_ino != ino or st.st_size != size or st.st_mtime_ns != mtime
               or hashlib.sha256(keep.read_bytes()).hexdigest() != digest]
    assert not changed, f"published files changed in place: {changed}"

    new_inodes = {p.stat().st_ino for p in new.rglob("*") if p.is_file() and not p.is_symlink()}
    old_inodes = {ino for ino, *_ in before.values()}
    carried, replaced = new_inodes & old_inodes, old_inodes - new_inodes
    assert carried, "the new generation carries no file over as a link: the test would prove nothing"
    assert replaced, "the edit replaced no file: the test would prove nothing"
