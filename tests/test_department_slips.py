"""The slips a department's clerk made (issue 29), each told at the line where it was made, in words
that match what the clerk sees. (County, sample naming and did-you-mean: tests/test_content_rules.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENT = "sectors/demo/enterprises/sample-a.yml"
HEAD = "id: sample-a\nname: 示例企业甲（示例）\ncounty: 丰泽区\nlevel: 市级\nsample: true\nsummary: 示例企业。\npractices:\n"
PRACTICE = "  - title: 责任清单上墙\n    aspect: 基础管理\n    items: [DM-001]\n    body: 按岗位编制责任清单。\n"
DASH_FIX = "，它看起来像“-”，却不是 YAML 的列表符号：请把“{0}”改成半角减号“-”（英文输入法下的减号键），后面跟一个空格，如“- ”"


def check(root: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    (root / ENT).write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "zhinan", "check", "--root", str(root), *args],
                          capture_output=True, text=True)


def first_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.splitlines()[0]


def test_chinese_quotes_are_not_yaml_quotes(minimal_tree: Path) -> None:
    text = HEAD + PRACTICE + "    images:\n      - src: images/pic.svg\n        caption: “现场照片: 塔吊顶升”\n"
    done = check(minimal_tree, text)
    assert done.returncode == 1
    assert first_line(done) == (
        f"{ENT}:14:18: 错误: 这段文字放在中文引号 “…” 里，但 YAML 只认英文引号 \" 或 '：中文引号只是文字的一部分，"
        "里面的“: ”仍被当作“字段名: 值”的冒号。请在整段文字外面再加一对英文双引号，如 \"“现场照片: 塔吊顶升”\""
        "（中文引号可以留在里面），或把文字里的“: ”改成全角冒号“：”")


def test_the_fix_the_message_gives_passes(minimal_tree: Path) -> None:
    text = HEAD + PRACTICE + "    images:\n      - src: images/pic.svg\n        caption: \"“现场照片: 塔吊顶升”\"\n"
    assert check(minimal_tree, text).returncode == 0


def test_full_width_dash_on_the_first_item(minimal_tree: Path) -> None:
    done = check(minimal_tree, HEAD + PRACTICE.replace("  - title", "  － title"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[:1] == [f"{ENT}:8:3: 错误: 列表项用了“－”开头" + DASH_FIX.format("－")]


def test_em_dash_on_a_later_item(minimal_tree: Path) -> None:
    done = check(minimal_tree, HEAD + PRACTICE + PRACTICE.replace("  - title: 责任清单上墙", "  — title: 第二项"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[:1] == [f"{ENT}:12:3: 错误: 列表项用了“—”开头" + DASH_FIX.format("—")]


def test_full_width_dashes_in_a_list_of_ids_are_each_told(minimal_tree: Path) -> None:
    practice = PRACTICE.replace("    items: [DM-001]\n", "    items:\n      － DM-001\n      －DM-002\n      －　DM-002\n")
    done = check(minimal_tree, HEAD + practice)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [f"{ENT}:11:7: 错误: 列表项用了“－”开头" + DASH_FIX.format("－"),
                                            f"{ENT}:13:7: 错误: 列表项用了“－”开头" + DASH_FIX.format("－")]


def test_a_dash_inside_a_text_block_is_text(minimal_tree: Path) -> None:
    practice = PRACTICE.replace("    body: 按岗位编制责任清单。\n", "    body: |\n      按岗位编制责任清单：\n      — 逐级签订。\n")
    assert check(minimal_tree, HEAD + practice, "--strict").returncode == 0


def test_numbered_lines_that_run_into_one_paragraph_are_a_warning(minimal_tree: Path) -> None:
    practice = PRACTICE.replace("    body: 按岗位编制责任清单。\n",
                                "    body: |\n      做法如下：\n      1、按岗位编制责任清单；\n      2、逐级签订责任书。\n")
    done = check(minimal_tree, HEAD + practice, "--strict", "--format", "github")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == (
        f"::warning file={ENT.replace(':', '%3A')},line=13,col=7,title=内容警告::这几行以“1、”这样的编号开头、中间没有空行，"
        "在网页和 PDF 上会连成一段（换行不保留）。请改成 Markdown 的编号列表：每项一行，以“1. ”“2. ”开头"
        "（半角数字、点和空格），列表前空一行")


def test_a_markdown_list_glued_to_the_paragraph_above_is_a_warning(minimal_tree: Path) -> None:
    practice = PRACTICE.replace("    body: 按岗位编制责任清单。\n",
                                "    body: |\n      做法如下：\n      1. 按岗位编制责任清单；\n      2. 逐级签订责任书。\n")
    done = check(minimal_tree, HEAD + practice)
    assert done.returncode == 0
    assert first_line(done) == (f"{ENT}:13:7: 警告: 列表的第一项紧接在上一段文字后面，没有空行：在网页和 PDF 上它不会成为列表，"
                                "而是连进上一段。请在列表前空一行")


def test_a_proper_list_is_quiet(minimal_tree: Path) -> None:
    practice = PRACTICE.replace("    body: 按岗位编制责任清单。\n",
                                "    body: |\n      做法如下：\n\n      1. 按岗位编制责任清单；\n      2. 逐级签订责任书。\n")
    done = check(minimal_tree, HEAD + practice)
    assert done.returncode == 0 and "警告" not in done.stderr


def test_a_bad_reviewer_is_told_by_check_at_its_line(minimal_tree: Path) -> None:
    sector = minimal_tree / "sectors/demo/sector.yml"
    sector.write_text(sector.read_text(encoding="utf-8") + "reviewers:\n  - 张三 李四\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "zhinan", "check", "--root", str(minimal_tree)], capture_output=True, text=True)
    assert done.returncode == 1
    assert first_line(done) == ("sectors/demo/sector.yml:9:5: 错误: 审核人“张三 李四”格式不对，应为 @用户名、@组织/团队 或电子邮箱"
                                "（每行一个，如 '@quanzhou-safety/demo'）")


def test_stale_codeowners_says_what_to_paste_on_the_web(minimal_tree: Path) -> None:
    sector = minimal_tree / "sectors/demo/sector.yml"
    sector.write_text(sector.read_text(encoding="utf-8") + "reviewers:\n  - '@quanzhou-safety/demo'\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "zhinan", "codeowners", "--check", "--root", str(minimal_tree)],
                          capture_output=True, text=True, env={**os.environ, "GITHUB_ACTIONS": "true"})
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=.github/CODEOWNERS,line=1,title=CODEOWNERS 不是最新的::")
    assert "只在网页上编辑时，打开 .github/CODEOWNERS（没有就新建），把全部内容换成下面几行再提交到同一分支" in done.stderr
    assert done.stderr.rstrip().endswith("/sectors/demo/ @quanzhou-safety/demo")
