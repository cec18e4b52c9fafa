"""CODEOWNERS lines come from the reviewers of each sector.yml, and the committed file is in sync."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import EDITION
from zhinan.cli import main
from zhinan.commands import codeowners
from zhinan.content.validate import load_content


def _add_reviewers(root: Path, *reviewers: str) -> None:
    path = root / "sectors/demo/sector.yml"
    lines = "".join(f"  - '{r}'\n" for r in reviewers)
    path.write_text(path.read_text(encoding="utf-8") + "reviewers:\n" + lines, encoding="utf-8")


def test_committed_codeowners_in_sync() -> None:
    """Every key sector names a reviewer, so each pull request on it requests someone. (That the
    committed file is current for the live content is CI's `zhinan codeowners --check`.)"""
    content = load_content(EDITION)
    lines = [ln for ln in codeowners.render(content).splitlines() if ln and not ln.startswith("#")]
    key = sorted(s.id for s in content.sectors if s.sector.key)
    assert len(key) == 8
    # The agreed placeholder team of CONTRIBUTING.md until a department names its real one.
    assert lines == [f"/sectors/{sid}/ @quanzhou-safety/{sid}" for sid in key]


def test_lines_from_reviewers_and_check_flag(minimal_tree: Path) -> None:
    runner = CliRunner()
    _add_reviewers(minimal_tree, "@quanzhou-yjj", "@quanzhou-safety/demo-team")
    stale = runner.invoke(main, ["codeowners", "--check", "--root", str(minimal_tree)])
    assert stale.exit_code == 1
    assert "不是最新的" in stale.stderr
    assert runner.invoke(main, ["codeowners", "--root", str(minimal_tree)]).exit_code == 0
    text = (minimal_tree / codeowners.PATH).read_text(encoding="utf-8")
    assert text.splitlines()[-1] == "/sectors/demo/ @quanzhou-yjj @quanzhou-safety/demo-team"
    assert runner.invoke(main, ["codeowners", "--check", "--root", str(minimal_tree)]).exit_code == 0


def test_bad_reviewer_points_at_sector_file(minimal_tree: Path) -> None:
    _add_reviewers(minimal_tree, "张三 李四")
    result = CliRunner().invoke(main, ["codeowners", "--root", str(minimal_tree)])
    assert result.exit_code == 1
    assert "sectors/demo/sector.yml:9:6: 错误: 审核人“张三 李四”格式不对" in result.stderr
    assert not (minimal_tree / codeowners.PATH).exists()
