"""The edition changelog lists exactly the differences between two fixture editions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from zhinan.cli import main
from zhinan.commands.changelog import ADDED, CHANGED, REMOVED, TITLE, Entry, compare, render, snapshot
from zhinan.content.validate import load_content
from zhinan.data import dump, guide_data

EDITIONS = FIXTURES / "changelog"

EXPECTED = {
    "alpha": {
        (ADDED, "检查项", "AL-004 劳动防护用品", ()),
        (CHANGED, "检查项", "AL-002 设备台账", ("检查内容", "检查依据")),
        (REMOVED, "检查项", "AL-003 警示标志", ()),
        (ADDED, "典型隐患", "AL-002：特种设备未登记。", ()),
        (CHANGED, "典型隐患", "AL-001：未建立全员安全生产责任制。", ("隐患等级",)),
        (REMOVED, "典型隐患", "AL-001：责任制未签字。", ()),
        (ADDED, "标杆企业", "丙企业（示例）", ()),
        (CHANGED, "标杆企业", "甲企业（示例）", ("所在县（市、区）",)),
        (REMOVED, "标杆企业", "乙企业（示例）", ()),
        (ADDED, "典型做法", "甲企业（示例）：防护用品智能柜", ()),
        (CHANGED, "典型做法", "甲企业（示例）：责任清单上墙", ("做法说明",)),
        (REMOVED, "典型做法", "甲企业（示例）：设备二维码", ()),
    },
}


def _entries(e: list[Entry]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {(x.action, x.kind, x.label, x.fields) for x in e}


def test_fixture_editions_differ_exactly_as_expected() -> None:
    log = compare(snapshot(load_content(EDITIONS / "old")), snapshot(load_content(EDITIONS / "new")), "上一版")
    assert (log.old_edition, log.new_edition) == ("2021年版", "2022年版")
    assert _entries(log.chapters) == {(CHANGED, "通用章节", "总则", ())}
    by_id = {d.sector_id: d for d in log.sectors}
    assert [(d.sector_id, d.action) for d in log.sectors] == [("alpha", None), ("gamma", ADDED), ("beta", REMOVED)]
    assert by_id["alpha"].sector_fields == ("行业概述",)
    for sector_id, expected in EXPECTED.items():
        assert _entries(by_id[sector_id].entries) == expected
        assert len(by_id[sector_id].entries) == len(expected)
    assert by_id["gamma"].entries == by_id["beta"].entries == []


def test_same_edition_has_no_changes() -> None:
    same = snapshot(load_content(EDITIONS / "new"))
    log = compare(same, same, "本版")
    assert log.is_empty()
    assert "内容没有变化" in render(log)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose content (in a subfolder) is the old edition at tag v1 and the new
    edition in the working tree."""
    content = tmp_path / "repo" / "content"
    shutil.copytree(EDITIONS / "old", content)
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", ".")
    _git(tmp_path / "repo", "commit", "-q", "-m", "old")
    _git(tmp_path / "repo", "tag", "v1")
    shutil.rmtree(content)
    shutil.copytree(EDITIONS / "new", content)
    return content


def test_cli_from_git_ref_writes_a_valid_chapter(repo: Path) -> None:
    result = CliRunner().invoke(main, ["changelog", "--root", str(repo), "--since", "v1"])
    assert result.exit_code == 0, result.stderr
    text = (repo / "guides/changes.md").read_text(encoding="utf-8")
    expected = compare(snapshot(load_content(EDITIONS / "old")), snapshot(load_content(EDITIONS / "new")), "版本 v1")
    assert text == render(expected)
    for _action, _kind, label, fields in EXPECTED["alpha"]:
        assert label.replace("（示例）", "") in text.replace("（示例）", "")
        assert all(f in text for f in fields)
    changes = load_content(repo).changes
    assert changes is not None and changes.title == TITLE


def test_cli_unknown_ref_is_explained(repo: Path) -> None:
    result = CliRunner().invoke(main, ["changelog", "--root", str(repo), "--since", "no-such-tag"])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：git archive")
    assert not (repo / "guides/changes.md").exists()


def test_cli_from_data_export_equals_git_route(repo: Path, tmp_path: Path) -> None:
    """The open-data export (build/data/guide.json) of the old edition gives the same changelog."""
    export = tmp_path / "guide.json"
    export.write_text(dump(guide_data(load_content(EDITIONS / "old"))), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["changelog", "--root", str(repo), "--since", str(export)]).exit_code == 0
    from_export = (repo / "guides/changes.md").read_text(encoding="utf-8")
    assert runner.invoke(main, ["changelog", "--root", str(repo), "--since", "v1"]).exit_code == 0
    from_git = (repo / "guides/changes.md").read_text(encoding="utf-8")
    assert from_export.replace("导出文件 guide.json", "版本 v1") == from_git


def test_export_that_is_not_ours_is_refused(repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text('{"items": []}', encoding="utf-8")
    result = CliRunner().invoke(main, ["changelog", "--root", str(repo), "--since", str(bad)])
    assert result.exit_code == 1
    assert "不是 zhinan 导出的 guide.json" in result.stderr
