"""YAML syntax errors explained as the slips people really make, at the place they made them.

A department's editor is comfortable with Excel, not with YAML. LibYAML reports where it gave up,
in parser terms ("while scanning a simple key; could not find expected ':'"), often a line after
the mistake or, for an unclosed quote, at the end of the file. Here the failure is matched against
the common slips — a full-width colon or space, a tab, an unclosed quote or bracket, a key one
space off, a list item without "- " — and told in plain Chinese at the line where the slip is, with
the parser's own words (translated) only as a second line.

Valid files pay nothing: this runs only after the parser has failed, except the tab scan, which
is one `in` test over the text (tabs are refused even where YAML accepts them: a tab inside a
value prints as a gap of unknown width, and a tab after a colon parses differently in other tools),
and one regex search for a lower-case field name with a full-width colon or full-width spaces before
it, outside `|` text blocks (field names are lower-case ASCII; Chinese prose does not start a line so).
Measured: `collect()` of the repository's content takes the same time as before (≈0.2–0.3 s).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_LINE = re.compile(rf"^(?P<indent> *)(?P<dash>- +)?(?P<key>{_KEY})?(?P<after>.*)$")
_LEAD = re.compile("[ \u3000]*(?:-[ \u3000]+)?[ \u3000]*")
_BLOCK_START = re.compile(r":[ ]+[|>][-+0-9]*[ ]*(#.*)?$")

# LibYAML's words, in the order they read, and what they mean for a person editing the file.
_JARGON = {
    "while scanning a simple key": "读取“字段名: 值”时",
    "could not find expected ':'": "找不到字段名后面的冒号“: ”",
    "while parsing a block collection": "读取列表时",
    "did not find expected '-' indicator": "这里应是以“- ”开头的列表项",
    "while parsing a block mapping": "读取“字段名: 值”时",
    "did not find expected key": "这里应是“字段名: 值”",
    "mapping values are not allowed in this context": "这里不能出现“: ”（缩进不对，或文字里的“: ”需要加引号）",
    "mapping values are not allowed here": "这里不能出现“: ”（缩进不对，或文字里的“: ”需要加引号）",
    "while scanning a quoted scalar": "读取引号中的文字时",
    "found unexpected end of stream": "文件已经结束",
    "while parsing a flow sequence": "读取方括号列表时",
    "did not find expected ',' or ']'": "找不到“,”或“]”",
    "while parsing a flow mapping": "读取花括号内容时",
    "did not find expected ',' or '}'": "找不到“,”或“}”",
    "while scanning for the next token": "读取下一个内容时",
    "found character that cannot start any token": "遇到不能出现在这里的字符",
    "found a tab character that violates indentation": "缩进里有 Tab",
    "did not find expected <document start>": "顶层内容已经结束，后面的内容无法读取",
}


@dataclass(frozen=True, slots=True)
class Slip:
    """A recognised mistake: 1-based line and column of where it is, and what to do."""

    line: int
    col: int
    message: str


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 0-based
    indent: int
    dash: int | None  # column of "- " if the line is a list item
    key: str | None  # the key if the line reads `key:` (or starts with something key-like)
    key_col: int
    after: str
    text: str

    @property
    def is_entry(self) -> bool:
        return self.key is not None and self.after.startswith(":")


def tabs(text: str) -> list[Slip]:
    """Every line with a tab, told by where it is: indentation, after a colon, or in the text."""
    if "\t" not in text:
        return []
    found = []
    for n, line in enumerate(text.splitlines()):
        col = line.find("\t")
        if col < 0:
            continue
        if not line[:col].strip(" "):
            what = "行首用 Tab 缩进；YAML 只能用空格缩进（两个空格一级），请把 Tab 换成空格"
        elif line[:col].rstrip(" ").endswith(":"):
            what = "冒号后面用了 Tab；冒号后面应是一个空格，请把 Tab 换成空格"
        else:
            what = "文字中有 Tab（制表符），打印时宽度不定；请换成空格，或删除"
        found.append(Slip(n + 1, col + 1, f"{what}（内容文件里一律不能用 Tab）"))
    return found


# A field name (always lower-case ASCII) with a full-width colon, or full-width spaces before it:
# the parser may take either for text and fail far away, or not at all.
_FULL_WIDTH_KEY = re.compile(r"^[ \u3000]*(?:-[ \u3000]+)?[a-z_]+ *：|^ *(?:- +)?\u3000[ \u3000]*(?:- +)?[a-z_]+ *:", re.MULTILINE)


def full_width_keys(text: str) -> list[Slip]:
    """Field names written with a full-width colon or indented with full-width spaces, outside text blocks."""
    if not _FULL_WIDTH_KEY.search(text):
        return []
    found = []
    for line in _lines(text):
        slip = line and _FULL_WIDTH_KEY.match(line.text) and _in_line(line)
        if slip:
            found.append(slip)
    return found


# A list item marked with a dash that looks like "-" but is not: full-width －, em dash —, en dash –,
# or the figure/hyphen dashes an input method may give. YAML reads the line as text, and the error
# comes a line late ("mapping values are not allowed"), or never (the items run into one value).
_DASHES = "－—–‐‑‒―−"
_FALSE_DASH = re.compile(rf"^[ \u3000]*[{_DASHES}]+[ \u3000]", re.MULTILINE)


def false_dashes(text: str) -> list[Slip]:
    """List items marked with a full-width or em dash instead of "- ", outside text blocks."""
    if not _FALSE_DASH.search(text):
        return []
    found = []
    for line in _lines(text):  # None for blank lines, comments and text inside `key: |` blocks
        m = _FALSE_DASH.match(line.text) if line is not None else None
        if line is None or m is None:
            continue
        mark = m.group().strip(" \u3000")
        found.append(Slip(line.number + 1, line.text.index(mark[0]) + 1,
                          f"列表项用了“{mark}”开头，它看起来像“-”，却不是 YAML 的列表符号：请把“{mark}”改成半角减号“-”"
                          "（英文输入法下的减号键），后面跟一个空格，如“- ”"))
    return found


def _lines(text: str) -> list[_Line | None]:
    """Each line parsed shallowly; None for blank lines, comments and block-scalar text."""
    out: list[_Line | None] = []
    block_indent: int | None = None  # inside a `key: |` block, lines indented more than this
    text_indent: int | None = None  # ... and as much as its first line of text
    for n, raw in enumerate(text.splitlines()):
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None and not raw.strip():
            out.append(None)
            continue
        if block_indent is not None and indent > block_indent and indent >= (text_indent or indent):
            text_indent = text_indent or indent
            out.append(None)
            continue
        block_indent = text_indent = None
        m = _LINE.match(raw)
        if not raw.strip() or raw.lstrip().startswith("#") or m is None:
            out.append(None)
            continue
        dash = indent if m.group("dash") else None
        key_col = indent + len(m.group("dash") or "")
        line = _Line(n, indent, dash, m.group("key"), key_col, m.group("after"), raw)
        if line.is_entry and _BLOCK_START.search(raw):
            block_indent = key_col
        out.append(line)
    return out


def _in_line(line: _Line) -> Slip | None:
    """Slips visible on the line alone: full-width colon or space, no space after a colon."""
    at = line.number + 1
    head = _LEAD.match(line.text)
    if head and "\u3000" in head.group():
        return Slip(at, head.group().index("\u3000") + 1, "行首的缩进里有全角空格“　”；缩进只能用半角空格（两个空格一级）")
    if line.key is None:
        return None
    colon = line.key_col + len(line.key)
    rest = line.after.lstrip(" ")
    if rest.startswith("："):
        col = line.text.index("：", colon) + 1
        return Slip(at, col, f"“{line.key}：”用了全角冒号“：”；字段名后面应是半角冒号加一个空格，如“{line.key}: ”")
    if rest.startswith(":\u3000"):
        return Slip(at, colon + 2, f"“{line.key}:”后面是全角空格“　”；冒号后面应是一个半角空格")
    if rest.startswith(":") and len(rest) > 1 and rest[1] not in " #" and not rest.startswith("://"):
        return Slip(at, colon + 2, f"“{line.key}:”后面少了一个空格；冒号后面要有一个空格，如“{line.key}: {rest[1:].strip()}”")
    return None


def _open_quote(line: _Line) -> Slip | None:
    """A value that opens a quote and does not close it on the same line."""
    value = line.after[1:].lstrip(" ") if line.is_entry else line.text[line.key_col:]
    if not value or value[0] not in "\"'":
        return None
    q, body = value[0], value[1:]
    closed = re.search(r'(?<!\\)"', body) if q == '"' else re.search(r"'(?!')", body.replace("''", ""))
    if closed:
        return None
    col = len(line.text) - len(value) + 1
    return Slip(line.number + 1, col, _quote_message(q))


_CHINESE_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", "＂": "＂"}


def _chinese_quote(line: _Line) -> Slip | None:
    """A value in Chinese quotes that holds ": ": YAML takes the quotes for text, so the colon still
    splits the line."""
    value = line.after[1:].lstrip(" ") if line.is_entry else line.text[line.key_col:]
    if not value or value[0] not in _CHINESE_QUOTES or ": " not in value:
        return None
    col = len(line.text) - len(value) + 1
    q, end = value[0], _CHINESE_QUOTES[value[0]]
    inner = value.rstrip()
    example = inner if inner.endswith(end) else inner + end
    return Slip(line.number + 1, col,
                f"这段文字放在中文引号 {q}…{end} 里，但 YAML 只认英文引号 \" 或 '：中文引号只是文字的一部分，里面的“: ”仍被当作“字段名: 值”"
                f"的冒号。请在整段文字外面再加一对英文双引号，如 \"{example}\"（中文引号可以留在里面），"
                "或把文字里的“: ”改成全角冒号“：”")


def _quote_message(q: str) -> str:
    return f"这里开始的引号 {q} 没有配对的结束引号 {q}；请在这段文字末尾补上 {q}，或去掉开头的 {q}"


def _context(lines: list[_Line | None], before: int) -> Iterator[_Line]:
    """Content lines above line `before` (0-based), nearest first."""
    for line in reversed(lines[:before]):
        if line is not None:
            yield line


def _off_by_one(lines: list[_Line | None], line: _Line) -> Slip | None:
    """A key whose indentation is one space more or less than its neighbours'."""
    for prev in _context(lines, line.number):
        if prev.key_col == line.key_col or (prev.dash is not None and prev.dash == line.key_col):
            return None
        if abs(prev.key_col - line.key_col) == 1 and prev.key is not None:
            if line.key_col < prev.key_col and _first_child_one_too_far(lines, prev, line):
                return Slip(prev.number + 1, prev.key_col + 1,
                            f"“{prev.key}:”的缩进比下面的“{line.key}:”多了一个空格；同一层的字段必须左对齐"
                            f"（这里应缩进 {line.key_col} 个空格）")
            more = "多" if line.key_col > prev.key_col else "少"
            name = f"“{line.key}:”" if line.key else "这一行"
            right = f"应缩进 {prev.key_col} 个空格" if prev.key_col else "应顶格写，前面不留空格"
            return Slip(line.number + 1, line.key_col + 1,
                        f"{name}的缩进比上面的“{prev.key}:”{more}了一个空格；同一层的字段必须左对齐（这里{right}）")
        if prev.key_col < line.key_col - 1:
            return None
    return None


def _first_child_one_too_far(lines: list[_Line | None], prev: _Line, line: _Line) -> bool:
    """`prev` opens a block one space further in than the usual two below its parent, and `line`,
    its sibling, sits where both should: then `prev` is the line with the extra space."""
    parent = next((p for p in _context(lines, prev.number) if p.key_col < prev.key_col), None)
    return parent is not None and line.key_col - parent.key_col == 2 and prev.key_col - parent.key_col == 3


def _missing_dash(lines: list[_Line | None], line: _Line) -> Slip | None:
    """A line at the column where the list above has its "- ", but without one."""
    if line.dash is not None:
        return None
    for prev in _context(lines, line.number):
        if prev.dash == line.indent:
            return Slip(line.number + 1, line.indent + 1,
                        "这一行与上面的列表项对齐，却没有以“- ”开头；列表的每一项都要以“- ”开头"
                        "（如果它属于上一项，请多缩进两格）")
        if prev.key_col <= line.indent:
            return None
    return None


def words(exc: yaml.MarkedYAMLError) -> str:
    """The parser's message in Chinese where it is jargon."""
    parts = (str(p) for p in (exc.context, exc.problem) if p)
    return "，".join(_JARGON.get(p, p) for p in parts)


def _under_a_value(lines: list[_Line | None], line: _Line) -> Slip | None:
    """A key indented under a key that already has its value on the same line."""
    prev = next(_context(lines, line.number), None)
    if prev is None or line.key is None or not prev.is_entry or line.key_col <= prev.key_col:
        return None
    value = prev.after[1:].strip()
    if not value or value.startswith(("|", ">", "#")):
        return None
    return Slip(line.number + 1, line.key_col + 1,
                f"“{line.key}:”比上面的“{prev.key}:”多缩进了 {line.key_col - prev.key_col} 格，而“{prev.key}:”后面已经写了值；"
                f"同一项的字段要左对齐（如果“{prev.key}:”是列表的一项，它前面要有“- ”）")


def _first_line(lines: list[_Line | None]) -> Slip | None:
    """The first key of a file starts at the left margin; everything else is measured from it."""
    first = next((line for line in lines if line is not None), None)
    if first is None or first.indent == 0:
        return None
    return Slip(first.number + 1, 1, f"文件的第一个字段前面有 {first.indent} 个空格；顶层的字段要顶格写，前面不留空格")


def detail(exc: yaml.MarkedYAMLError) -> str:
    """The parser's own account, as the second line under a recognised slip."""
    mark = exc.problem_mark or exc.context_mark
    where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
    return f"YAML 解析器：{words(exc)}{where}"


def explain(text: str, exc: yaml.MarkedYAMLError) -> Slip | None:
    """The slip behind a parser error, if it is one of the common ones."""
    ctx, mark = exc.context_mark, exc.problem_mark or exc.context_mark
    context = str(exc.context or "")
    raw = text.splitlines()
    if ctx is not None and context == "while scanning a quoted scalar" and ctx.line < len(raw):
        return Slip(ctx.line + 1, ctx.column + 1, _quote_message(raw[ctx.line][ctx.column]))
    if ctx is not None and context.startswith("while parsing a flow "):
        pair = "[]" if "sequence" in context else "{}"
        return Slip(ctx.line + 1, ctx.column + 1,
                    f"这里开始的“{pair[0]}”没有配对的“{pair[1]}”；写在一行里的列表要以“{pair[1]}”结束，"
                    "如 [DM-001, DM-002]")
    if mark is None:
        return None
    lines = _lines(text)
    # A "simple key" error names the line that lacks its colon; others, the line where parsing
    # stopped. Slips on a line of their own are looked for from there upwards, nearest first.
    culprit = ctx.line if ctx is not None and context == "while scanning a simple key" else mark.line
    culprit = min(culprit, len(lines) - 1)
    checks: tuple[Callable[[_Line], Slip | None], ...] = (_in_line, _chinese_quote, _open_quote)
    for line in [lines[culprit], *_context(lines, culprit)] if culprit >= 0 else []:
        if line is None:
            continue
        for check in checks:
            found = check(line)
            if found:
                return found
    first = _first_line(lines)
    if first is not None or culprit < 0:
        return first
    # The parser may read a slip's line as the end of the text above and stop on the next line.
    above = next(_context(lines, culprit), None)
    for target in (lines[culprit], above):
        if target is None:
            continue
        found = _off_by_one(lines, target) or _missing_dash(lines, target) or _under_a_value(lines, target)
        if found:
            return found
    return None
