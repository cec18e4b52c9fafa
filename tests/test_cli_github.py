"""`zhinan check --format github`: one workflow command per problem, on the right file and line,
so GitHub shows each error on the changed line of the pull request."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

COMMAND = re.compile(r"^::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),title=[^:]+::(?P<msg>.+)$")


def check_github(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", "check", "--format", "github", "--root", str(root)],
                          capture_output=True, text=True)


def _break(path: Path, old: str, new: str) -> tuple[int, int]:
    """Replace `old` by `new` in a file; return the 1-based line and column of the change."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def test_bad_files_annotated_on_their_lines(minimal_tree: Path) -> None:
    checklist = minimal_tree / "sectors/demo/checklist.yml"
    enterprise = minimal_tree / "sectors/demo/enterprises/sample-a.yml"
    aspect_line, _ = _break(checklist, "aspect: 作业现场", "aspect: 作业场所")
    level_line, level_col = _break(enterprise, "level: 市级", "level: 省级")
    out = check_github(minimal_tree)
    assert out.returncode == 1
    found = [COMMAND.match(line) for line in out.stdout.splitlines()]
    assert all(found), out.stdout
    where = {(m["file"], int(m["line"])): m["msg"] for m in found if m}
    assert "“作业场所”不在允许范围内" in where["sectors/demo/checklist.yml", aspect_line]
    assert "“省级”不在允许范围内" in where["sectors/demo/enterprises/sample-a.yml", level_line]
    col = next(int(m["col"]) for m in found if m and int(m["line"]) == level_line)
    assert col == level_col + len("level: ")
    for file, _line in where:
        assert (minimal_tree / file).is_file(), "路径应相对于仓库根目录，GitHub 才能对应到改动的文件"


def test_yaml_syntax_error_line(minimal_tree: Path) -> None:
    sector = minimal_tree / "sectors/demo/sector.yml"
    line, _ = _break(sector, "name: 示例行业", "name: [示例行业")
    out = check_github(minimal_tree)
    assert out.returncode == 1
    (match,) = [COMMAND.match(x) for x in out.stdout.splitlines()]
    assert match and match["file"] == "sectors/demo/sector.yml"
    assert int(match["line"]) == line  # where the bracket opened, not where the parser gave up
    assert "没有配对的“]”" in match["msg"]


def test_message_special_characters_escaped(minimal_tree: Path) -> None:
    """A '%' in a message must be written as %25, or GitHub would decode it into something else."""
    sector = minimal_tree / "sectors/demo/sector.yml"
    _break(sector, "name: 示例行业", "name: 示例行业\nrate%: 100")
    lines = check_github(minimal_tree).stdout.splitlines()
    assert len(lines) == 1 and COMMAND.match(lines[0])
    assert "未知字段“rate%25”" in lines[0]


def test_clean_content_prints_no_commands(minimal_tree: Path) -> None:
    out = check_github(minimal_tree)
    assert out.returncode == 0
    assert out.stdout == ""
