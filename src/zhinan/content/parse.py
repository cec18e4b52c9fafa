"""Stage 1 — load: read content files safely and parse YAML into position-carrying nodes.

Nothing here knows the content model: it turns bytes into YAML nodes (or problems).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from zhinan.content import slips, textrules
from zhinan.content.model import Where
from zhinan.content.problems import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger content files are refused: a real checklist of 500 items is a few hundred KiB."""

try:  # LibYAML is 7.5x faster and still records node positions.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - LibYAML missing
    _Loader = yaml.SafeLoader


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every symbolic link followed, is within the content root."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def outside_message(rel: str) -> str:
    return f"{rel} 是指向仓库（内容根目录）之外的符号链接，不会读取也不会发布；请把文件本身放进仓库"


def read_text(root: Path, rel: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 text file of sane size inside the root, or record why it cannot be read."""
    path = root / rel
    if not inside(root, path):
        problems.append(Problem(rel, 1, 1, outside_message(rel)))
        return None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(rel, 1, 1, f"文件过大（{size // 1024} KiB），内容文件不能超过 "
                        f"{MAX_FILE_BYTES // 1024 // 1024} MiB，请拆分或删减")
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(rel, 1, 1, f"无法读取文件：{exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            Problem(rel, line, col, f"文件不是 UTF-8 编码（第 {exc.start} 字节无法解码），"
                    "请用 UTF-8 另存（不要用 GBK/GB2312）")
        )
        return None
    return text.removeprefix("\ufeff")


def bad_characters(rel: str, text: str, problems: list[Problem]) -> bool:
    """Report every character of a file's text that no content may hold (`textrules`); True if any."""
    bad = textrules.forbidden(text, in_file=True)
    for b in bad:
        line, col = textrules.line_col(text, b.index)
        problems.append(Problem(rel, line, col, "文件中" + b.message.replace("含有", "有", 1)))
    return bool(bad)


def parse_yaml(rel: str, text: str, problems: list[Problem]) -> yaml.Node | None:
    """Compose a single YAML document into nodes; syntax errors become problems.

    Tabs and full-width colons or spaces around field names are refused before parsing (see
    zhinan.content.slips); a parser error is explained as the slip behind it where it is a common one, with
    the parser's words as a second line.
    """
    if bad_characters(rel, text, problems):
        return None
    found = slips.tabs(text) or slips.full_width_keys(text) or slips.false_dashes(text)
    if found:
        problems.extend(Problem(rel, s.line, s.col, s.message) for s in found)
        return None
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(rel, text, exc))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(rel, 1, 1, f"YAML 语法错误：{exc}"))
        return None
    if node is None:
        problems.append(Problem(rel, 1, 1, "文件是空的，请按模板填写内容"))
    return node


def _syntax_problem(rel: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    slip = slips.explain(text, exc)
    if slip is not None:
        return Problem(rel, slip.line, slip.col, f"{slip.message}\n  {slips.detail(exc)}")
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(rel, line, col, f"YAML 语法错误：{slips.words(exc)}（请检查缩进、冒号后的空格和引号是否成对）")


def where(rel: str, node: yaml.Node) -> Where:
    return Where(rel, node.start_mark.line + 1, node.start_mark.column + 1)


def locate(rel: str, text: str, node: yaml.Node, needle: str) -> Where:
    """The position of `needle` inside a scalar's source text, or the scalar's start."""
    lines = text.splitlines()
    first, last = node.start_mark.line, min(node.end_mark.line, len(lines) - 1)
    for n in range(first, last + 1):
        start = node.start_mark.column if n == first else 0
        col = lines[n].find(needle, start)
        if col >= 0:
            return Where(rel, n + 1, col + 1)
    return where(rel, node)
