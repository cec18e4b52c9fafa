"""The readers' words (guides/synonyms.yml): what enterprise staff type for the guide's words, and
what they call a sector. The site's search puts the guide's word in place of the reader's before
it searches, and a sector's name or short name in a query narrows the results to that sector.

    words:            # 读者的说法: 指南中的说法
      危化品: 危险化学品
      消防栓: 消火栓
    sectors:          # 行业编号: [读者对该行业的叫法, …]（行业名称本身不必写）
      hazardous-chemicals: [危化品, 危化]

Departments extend it; `zhinan check` reports each mistake at its file:line:col.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from zhinan.content import parse
from zhinan.content.model import ReadersWords
from zhinan.content.problems import Problem

SYNONYMS_FILE = "guides/synonyms.yml"
MAX_WORD = 20
_WORD = re.compile(r"[^\s,，、；;:：]+")


def _where(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _word(node: yaml.Node, what: str, problems: list[Problem]) -> str | None:
    line, col = _where(node)
    if not isinstance(node, yaml.ScalarNode) or not isinstance(node.value, str) or node.tag != "tag:yaml.org,2002:str":
        problems.append(Problem(SYNONYMS_FILE, line, col, f"{what}应是一个词（文字），这里写的是{_kind(node)}"))
        return None
    value = node.value.strip()
    if not value:
        problems.append(Problem(SYNONYMS_FILE, line, col, f"{what}是空的，请填写一个词"))
        return None
    if not _WORD.fullmatch(value):
        problems.append(Problem(SYNONYMS_FILE, line, col,
                                f"{what}“{value}”中有空格或标点；每处只写一个词，几个说法请分成几行"))
        return None
    if len(value) > MAX_WORD:
        problems.append(Problem(SYNONYMS_FILE, line, col, f"{what}“{value}”太长（{len(value)} 个字），一个词不超过 {MAX_WORD} 个字"))
        return None
    return value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "一组“键: 值”"
    if isinstance(node, yaml.SequenceNode):
        return "一个列表"
    if node.tag == "tag:yaml.org,2002:str":
        return f"一个词“{node.value}”"
    return f"“{node.value}”（不是文字，请加引号）"


def load_readers_words(root: Path, sector_ids: set[str] | None, problems: list[Problem]) -> ReadersWords:
    """guides/synonyms.yml under `root` (an empty table when there is none); every mistake is added
    to `problems`. `sector_ids`, when given, are the sectors a `sectors:` entry may name."""
    if not (root / SYNONYMS_FILE).is_file():
        return ReadersWords()
    text = parse.read_text(root, SYNONYMS_FILE, problems)
    if text is None:
        return ReadersWords()
    node = parse.parse_yaml(SYNONYMS_FILE, text, problems)
    if node is None:
        return ReadersWords()
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(SYNONYMS_FILE, *_where(node), "文件应包含 words:（读者的说法: 指南中的说法）和 sectors:（行业编号: [叫法, …]）"))
        return ReadersWords()
    words: dict[str, str] = {}
    sectors: dict[str, tuple[str, ...]] = {}
    spelled: dict[str, tuple[int, int]] = {}
    for key, value in node.value:
        line, col = _where(key)
        if key.value == "words":
            if not isinstance(value, yaml.MappingNode):
                problems.append(Problem(SYNONYMS_FILE, *_where(value), f"words: 下应是“读者的说法: 指南中的说法”各占一行，这里是{_kind(value)}"))
                continue
            for k, v in value.value:
                said, meant = _word(k, "读者的说法", problems), _word(v, "指南中的说法", problems)
                if said is None or meant is None:
                    continue
                if said in spelled:
                    first = spelled[said]
                    problems.append(Problem(SYNONYMS_FILE, *_where(k), f"“{said}”重复，第 {first[0]} 行已写过"))
                    continue
                if said == meant:
                    problems.append(Problem(SYNONYMS_FILE, *_where(v), f"“{said}”换成它自己，没有作用；请删去这一行"))
                    continue
                spelled[said] = _where(k)
                words[said] = meant
        elif key.value == "sectors":
            if not isinstance(value, yaml.MappingNode):
                problems.append(Problem(SYNONYMS_FILE, *_where(value), f"sectors: 下应是“行业编号: [叫法, …]”各占一行，这里是{_kind(value)}"))
                continue
            for k, v in value.value:
                sid = _word(k, "行业编号", problems)
                if sid is None:
                    continue
                if sector_ids is not None and sid not in sector_ids:
                    problems.append(Problem(SYNONYMS_FILE, *_where(k), f"没有编号为“{sid}”的行业（现有：{'、'.join(sorted(sector_ids))}）"))
                    continue
                names = v.value if isinstance(v, yaml.SequenceNode) else None
                if names is None:
                    problems.append(Problem(SYNONYMS_FILE, *_where(v), f"行业“{sid}”的叫法应写成列表，如 [危化品, 危化]，这里是{_kind(v)}"))
                    continue
                found = tuple(n for n in (_word(n, "行业的叫法", problems) for n in names) if n is not None)
                sectors[sid] = sectors.get(sid, ()) + found
        else:
            problems.append(Problem(SYNONYMS_FILE, line, col, f"不认识的“{key.value}”：这里只能写 words: 和 sectors:"))
    for said, meant in words.items():
        if meant in words:
            problems.append(Problem(SYNONYMS_FILE, *spelled[said],
                                    f"“{said}”换成的“{meant}”本身又要换成“{words[meant]}”；请直接写“{said}: {words[meant]}”"))
    return ReadersWords(words=words, sectors=sectors)
