"""Output names are unique by construction (issue 35): a sector id that would name a file another
output already has, and two sectors that would share a download's name, are refused by
`zhinan check`; every published file comes from exactly one source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from zhinan.content.validate import load_content
from zhinan.data import JSON_NAME, SCHEMA_NAME
from zhinan.pdf.stage import outputs as pdf_outputs
from zhinan.pipeline.progress import Progress
from zhinan.pipeline.stage import BuildOptions
from zhinan.sheets.encode import LIST_CSVS
from zhinan.site.downloads import _download_plan

BIN = Path(sys.executable).parent


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "zhinan"), "check", "--root", str(root)], capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False, timeout=60)


def add_sector(root: Path, sid: str, name: str, prefix: str) -> Path:
    folder = root / "sectors" / sid
    shutil.copytree(root / "sectors/demo", folder)
    for f in (folder / "sector.yml", folder / "checklist.yml", *(folder / "enterprises").glob("*.yml")):
        text = f.read_text(encoding="utf-8").replace("DM-", f"{prefix}-").replace("prefix: DM", f"prefix: {prefix}")
        f.write_text(text.replace("id: demo", f"id: {sid}").replace("name: 示例行业", f"name: {name}"), encoding="utf-8")
    return folder


@pytest.mark.parametrize("sid", ["guide", "all", "findings", "rectifications", "mining-form"])
def test_an_id_that_names_another_output_is_refused(minimal_tree: Path, sid: str) -> None:
    add_sector(minimal_tree, sid, "另一行业", "ZZ")
    out = check(minimal_tree)
    rel = f"sectors/{sid}/sector.yml"
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith(f"{rel}:1:")]
    assert len(lines) == 1 and f"“{sid}”" in lines[0], out.stderr


@pytest.mark.parametrize("name", ["示例行业", "全部行业", "示例 行业", "示例/行业"])
def test_a_name_that_shares_a_download_name_is_refused(minimal_tree: Path, name: str) -> None:
    if name != "示例行业":  # the demo's own name is 示例行业: two names that make one file name
        text = (minimal_tree / "sectors/demo/sector.yml").read_text(encoding="utf-8")
        (minimal_tree / "sectors/demo/sector.yml").write_text(text.replace("name: 示例行业", "name: 示例_行业"),
                                                             encoding="utf-8")
    if name == "全部行业":
        folder = add_sector(minimal_tree, "other", name, "ZZ")
    else:
        folder = add_sector(minimal_tree, "other", f"'{name}'", "ZZ")
    out = check(minimal_tree)
    rel = f"{folder.relative_to(minimal_tree)}/sector.yml"
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert any(line.startswith(f"{rel}:2:") and "名称" in line for line in out.stderr.splitlines()), out.stderr


def test_every_published_file_comes_from_one_source(tmp_path: Path) -> None:
    """The edition's content, and sectors whose ids and names come as near the others' files as
    the check allows: no two outputs share a path, no two downloads a name."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    for n, (sid, name) in enumerate([("guides", "全部行业检查清单"), ("all-sectors", "全部行业-"), ("form-a", "示例行业-"),
                                     ("forms", "检查清单"), ("guide-form-x", "指南")]):
        add_sector(root, sid, name, "Z" + "ABCDE"[n])
    assert check(root).returncode == 0, check(root).stderr
    for content in (load_content(root), load_content(FIXTURES / "edition")):
        plan = _download_plan(content)
        # The open data's ASCII copies (keys machine/…) are the same files again under a second,
        # stable site path: each must be a copy of a planned download, never a source of its own.
        built = [path for key, _, path, _ in plan if not key.startswith("machine/")]
        names = [name if key.startswith("machine/") else f"downloads/{name}" for key, _, _, name in plan]
        assert len(set(built)) == len(built) and len(set(names)) == len(names), plan
        assert {path for key, _, path, _ in plan if key.startswith("machine/")} <= set(built), plan
        opts = BuildOptions(root=root, out=tmp_path / "out", progress=Progress(quiet=True))
        written = [str(p.relative_to(opts.out)) for p in pdf_outputs(content, opts)]
        written += [f"sheets/{sc.id}{suffix}" for sc in content.sectors for suffix in (".xlsx", ".csv")]
        written += ["sheets/all.csv", *(f"sheets/{name}" for name in LIST_CSVS), f"data/{JSON_NAME}",
                    f"data/{SCHEMA_NAME}"]
        assert len(set(written)) == len(written), sorted(written)
        assert set(built) <= set(written), set(built) - set(written)
        sector_dirs = [f"sectors/{sc.id}/" for sc in content.sectors]
        assert len(set(sector_dirs)) == len(sector_dirs)

