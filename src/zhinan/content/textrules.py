"""Rules every piece of content text obeys, whichever field or file it is in: no invisible control
characters, no characters that reorder or hide text, and a length bound per field.

Why these characters: a control character (C0 other than tab and line break, DEL, C1) is invisible
on the site and in the PDFs and is refused by the XML inside a workbook (openpyxl's
IllegalCharacterError); a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069) shows
text in another order than it is stored ("泉港（例示）" for "泉港（示例）"), and a zero-width character
(U+200B–U+200D, U+2060, U+FEFF) makes two names that look the same differ, or splits a word search
should find. None has a use in a Chinese guide.

Why these lengths (see docs/content-contract.md): `TEXT_MAX` for a plain-text field — a name, a
title, a checklist cell — is ten times the longest such field of the city's content (114
characters); 500 characters already fill a cell of the landscape checklist over half a page.
`MARKDOWN_MAX` for a Markdown field (a summary, a practice, 整改要求) is fifteen times the longest
(332); longer text is a chapter (guides/*.md). Without a bound, one 100,000-character field made a
one-sector build take 108 s instead of 11–35 s.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TEXT_MAX = 500
"""Characters in a plain-text field."""
MARKDOWN_MAX = 5000
"""Characters in a Markdown field."""

_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")
_FORBIDDEN_IN_FILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")
"""In a file, a carriage return is part of a line ending (Windows); in a value it is refused."""


@dataclass(frozen=True)
class Bad:
    index: int
    """Where the character is in the text (0-based)."""
    char: str

    @property
    def message(self) -> str:
        return f"含有{kind(self.char)} U+{ord(self.char):04X}（{_name(self.char)}）：{_why(self.char)}，请删除"


def kind(char: str) -> str:
    code = ord(char)
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "改变文字显示顺序的双向控制符"
    if code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
        return "看不见的零宽字符"
    return "看不见的控制字符"


def _name(char: str) -> str:
    return unicodedata.name(char, "控制字符")


def _why(char: str) -> str:
    return {
        "改变文字显示顺序的双向控制符": "它让文字按与保存时不同的顺序显示",
        "看不见的零宽字符": "它让看起来相同的文字不同，也使搜索找不到",
    }.get(kind(char), "它在网页和 PDF 上看不见，在工作簿里无法保存")


def forbidden(text: str, *, in_file: bool = False) -> list[Bad]:
    """Every forbidden character of `text` (a value; with `in_file`, a whole file's text)."""
    pattern = _FORBIDDEN_IN_FILE if in_file else _FORBIDDEN
    return [Bad(m.start(), m.group()) for m in pattern.finditer(text)]


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of `index` in `text`."""
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def file_name_part(text: str) -> str:
    """Text as part of a download's file name: whatever a file system, a URL or a Markdown link would
    read as syntax (quotes, brackets, slashes, spaces…) becomes “_”. A `"` in the guide title once
    broke the link to guide.pdf and with it the whole site build."""
    return re.sub(r"[\\/:*?\"'<>|()\[\]{}#%&;`\s]+", "_", text).strip("_.") or "_"


RESERVED_IDS = ("guide", "all", "findings", "rectifications")
"""Sector ids that would name a file of another output: pdf/guide.pdf (the bound book),
sheets/all.csv, sheets/findings.csv, sheets/rectifications.csv."""
RESERVED_ID_SUFFIX = "-form"
"""A sector id ending so would name another sector's blank form (pdf/<id>-form.pdf)."""
ALL_SECTORS = "全部行业"
"""The name the all-sectors downloads go by (全部行业-检查清单.csv): no sector may have it."""


STANDARD_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map",
                                                               "timestamp"))
"""The tags YAML gives plain values; any other (`!!binary`, `!!python/…`, `!local`) is refused."""


def written_tag(tag: str) -> str:
    """A tag as the contributor wrote it (`tag:yaml.org,2002:binary` → `!!binary`)."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
