"""Text rules of `zhinan check` (issue 35): invisible and reordering characters, YAML tags, and a
length bound per field, each refused with file:line:col and what to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zhinan.content import textrules

pytestmark = pytest.mark.slow  # outside the quick subset: see CONTRIBUTING.md

BIN = Path(sys.executable).parent
CHECKLIST = "sectors/demo/checklist.yml"
ENTERPRISE = "sectors/demo/enterprises/sample-a.yml"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "zhinan"), "check", "--root", str(root)], capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False, timeout=60)


def replace(root: Path, rel: str, old: str, new: str) -> tuple[int, int]:
    """Replace `old` once in a file; the 1-based line and column where `new` starts."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    at = text.index(old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def errors(out: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in out.stderr, out.stderr
    return [line for line in out.stderr.splitlines() if ": 错误: " in line]


# A YAML escape in a double-quoted value, and the character it stands for.
ESCAPES = {r"\f": "\f", r"\0": "\0", r"\e": "\x1b", r"\x01": "\x01", r"\x7f": "\x7f", r"\x85": "\x85",
           r"\x9b": "\x9b", r"\u202e": "\u202e", r"\u2066": "\u2066", r"\u200b": "\u200b", r"\u2060": "\u2060",
           r"\ufeff": "\ufeff"}


@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_an_escaped_character_is_refused_where_its_value_is(minimal_tree: Path, escape: str) -> None:
    line, col = replace(minimal_tree, CHECKLIST, "content: 建立全员安全生产责任制。",
                        f'content: "是否建立{escape}责任制"')
    out = check(minimal_tree)
    found = errors(out)
    code = f"U+{ord(ESCAPES[escape]):04X}"
    assert out.returncode == 1 and len(found) == 1, out.stderr
    assert found[0].startswith(f"{CHECKLIST}:{line}:{col + len('content: ')}: 错误: "), found
    assert code in found[0] and "检查内容" in found[0], found


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\u200b", "\u200d", "\ufeff", "\x01", "\x08", "\x7f", "\x9f"])
def test_a_written_character_is_refused_at_its_column(minimal_tree: Path, char: str) -> None:
    """Written as is (a raw control character, or a reversing mark pasted with a name)."""
    line, col = replace(minimal_tree, ENTERPRISE, "name: 示例企业甲（示例）", f"name: 示例企业{char}甲（示例）")
    found = errors(check(minimal_tree))
    assert len(found) == 1 and found[0].startswith(f"{ENTERPRISE}:{line}:{col + len('name: 示例企业')}: 错误: "), found
    assert f"U+{ord(char):04X}" in found[0]


def test_reversing_marks_in_a_chapter_are_refused(minimal_tree: Path) -> None:
    chapter = minimal_tree / "guides/01-intro.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + "\n泉港\u202e例示\u202c石化\n", encoding="utf-8")
    found = errors(check(minimal_tree))
    line = text.count("\n") + 2
    assert [f.split(" 错误: ")[0] for f in found] == [f"guides/01-intro.md:{line}:3:", f"guides/01-intro.md:{line}:6:"]


def test_tab_and_line_break_in_values_are_text(minimal_tree: Path) -> None:
    replace(minimal_tree, CHECKLIST, "content: 建立全员安全生产责任制。", r'content: "建立\t全员\n安全生产责任制。"')
    assert check(minimal_tree).returncode == 0


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!!python/object/apply:os.system", "!!binary", "!!set",
                                 "!local"])
def test_yaml_tags_are_refused_by_name(minimal_tree: Path, tag: str) -> None:
    line, col = replace(minimal_tree, CHECKLIST, "content: 建立全员安全生产责任制。", f"content: {tag} 5bu656uL")
    found = errors(check(minimal_tree))
    assert len(found) == 1, found
    assert found[0].startswith(f"{CHECKLIST}:{line}:{col + len('content: ')}: 错误: "), found
    assert f"“{tag}”" in found[0] and "不能为空" not in found[0], found


def test_the_standard_tags_are_accepted(minimal_tree: Path) -> None:
    replace(minimal_tree, CHECKLIST, "content: 建立全员安全生产责任制。", "content: !!str 建立全员安全生产责任制。")
    assert check(minimal_tree).returncode == 0


@pytest.mark.parametrize(("rel", "key", "markdown"), [(CHECKLIST, "content", False),
                                                      ("sectors/demo/sector.yml", "name", False),
                                                      ("sectors/demo/sector.yml", "summary", True)])
def test_a_field_may_be_as_long_as_its_bound_and_no_longer(minimal_tree: Path, tmp_path: Path, rel: str, key: str,
                                                           markdown: bool) -> None:
    bound = textrules.MARKDOWN_MAX if markdown else textrules.TEXT_MAX
    text = (minimal_tree / rel).read_text(encoding="utf-8")
    old = re.search(rf"^( *){key}: (.*)$", text, re.M)
    assert old is not None
    for length, ok in ((bound, True), (bound + 1, False)):
        (minimal_tree / rel).write_text(text.replace(old.group(0), f"{old.group(1)}{key}: {'甲' * length}", 1),
                                        encoding="utf-8")
        out = check(minimal_tree)
        assert (out.returncode == 0) == ok, (length, out.stderr)
        if not ok:
            found = errors(out)
            assert len(found) == 1 and found[0].startswith(f"{rel}:{text[:old.start()].count(chr(10)) + 1}:"), found
            assert f"{bound + 1} 个字" in found[0] and f"{bound} 个字" in found[0], found
