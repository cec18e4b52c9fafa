"""The command line: exit codes (0 ok, 1 content errors, 2 usage), output formats, stats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import EDITION


def zhinan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zhinan", *args], capture_output=True, text=True, cwd=cwd)


def test_version_and_help() -> None:
    assert zhinan("--version").stdout.strip() == "zhinan, version 0.1.0"
    out = zhinan("-h")
    assert out.returncode == 0
    for command in ("check", "stats", "build", "schema"):
        assert command in out.stdout


def test_check_ok_exit_0(minimal_tree: Path) -> None:
    out = zhinan("check", "--root", str(minimal_tree))
    assert out.returncode == 0, out.stderr
    assert "内容检查通过：1 个行业，2 个检查项" in out.stderr


def test_check_works_in_current_directory(minimal_tree: Path) -> None:
    assert zhinan("check", cwd=minimal_tree).returncode == 0


def test_check_errors_exit_1_text(minimal_tree: Path) -> None:
    (minimal_tree / "sectors/demo/sector.yml").write_text("id: demo\nname: 示例\nnmae: 重复\n", encoding="utf-8")
    out = zhinan("check", "--root", str(minimal_tree))
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert lines[0].startswith("sectors/demo/sector.yml:1:1: 错误: 缺少必填字段")
    assert "sectors/demo/sector.yml:3:1: 错误: 未知字段“nmae”。是否想写“name”？" in out.stderr
    assert lines[-1] == f"发现 {len(lines) - 1} 个问题。"


def test_check_errors_github_format(minimal_tree: Path) -> None:
    (minimal_tree / "sectors/demo/sector.yml").write_text("id: demo\nname: 示例\nnmae: 重复\n", encoding="utf-8")
    out = zhinan("check", "--format", "github", "--root", str(minimal_tree))
    assert out.returncode == 1
    assert "::error file=sectors/demo/sector.yml,line=3,col=1,title=内容错误::未知字段“nmae”。" in out.stdout


def test_usage_error_exit_2(minimal_tree: Path) -> None:
    assert zhinan("check", "--format", "xml", "--root", str(minimal_tree)).returncode == 2
    assert zhinan("build", "--only", "video", "--root", str(minimal_tree)).returncode == 2
    assert zhinan("nonsense").returncode == 2


def test_stats_text_and_json(minimal_tree: Path) -> None:
    out = zhinan("stats", "--json", "--root", str(minimal_tree))
    assert out.returncode == 0
    figures = json.loads(out.stdout)
    assert figures["items"] == 2
    assert figures["items_by_aspect"] == {"基础管理": 1, "设备设施": 0, "作业现场": 1, "作业行为": 0}
    assert figures["major_hazards"] == 1
    assert figures["enterprises_by_level"] == {"市级": 1, "县级": 0}
    assert figures["enterprises_by_county"] == {"丰泽区": 1}
    assert figures["practices"] == 1
    text = zhinan("stats", "--root", str(minimal_tree)).stdout
    assert "检查项：2" in text and "其中重大隐患：1" in text


def test_stats_on_invalid_content_exit_1(minimal_tree: Path) -> None:
    (minimal_tree / "guides/guide.yml").write_text("title: 指南\n", encoding="utf-8")
    assert zhinan("stats", "--root", str(minimal_tree)).returncode == 1


def test_repository_content_is_valid() -> None:
    out = zhinan("check", "--root", str(EDITION))
    assert out.returncode == 0, out.stderr


def test_outputs_are_written_atomically_and_readable(tmp_path: Path) -> None:
    from zhinan.pipeline.files import replace_dir, temp_dir_beside, write_bytes

    target = tmp_path / "out" / "a.bin"
    write_bytes(target, b"one")
    assert target.read_bytes() == b"one"
    assert target.stat().st_mode & 0o044 == 0o044
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]  # no temporary file left
    built = temp_dir_beside(tmp_path / "site")
    (built / "index.html").write_text("x", encoding="utf-8")
    assert built.stat().st_mode & 0o055 == 0o055
    replace_dir(built, tmp_path / "site")
    assert (tmp_path / "site/index.html").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]
