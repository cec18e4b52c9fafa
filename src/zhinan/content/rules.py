"""Rules over whole records that the model's field types cannot say: sample naming, the city's
counties, codes that must be sourced in reference/, and "did you mean" only among close candidates.

Each rule reports at the line where the value was written, in Chinese, with the fix. They used to
live only in tests over the repository's own content (tests/test_content.py), where a department's
pull request met them as an English traceback; here they are in `zhinan check`, so in CI's
annotations, the preview banner and the field reference.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from zhinan.content.model import Content, Enterprise, Guide, SectorContent, Where
from zhinan.content.problems import WARNING, Problem

SAMPLE_MARK = "（示例）"
_SAMPLE_LIKE = re.compile(r"[（(]\s*示例\s*[)）]\s*$")

# A standard's code (GB/T 33000-2016, KA/T 2050.1-2016, JGJ 59-2011, GB 50194-2014 …) or a
# document number (安监总管三〔2017〕121号, 应急管理部令第10号) written in a basis.
CODE = re.compile(r"(?<![A-Za-z])[A-Z]{1,5}(?:/[A-Z])?\s?[0-9]+(?:\.[0-9]+)*-[0-9]{4}"
                  r"|[^\s《》（）、，；]*〔[0-9]{4}〕[0-9]+号|[^\s《》（）、，；]*部令第[0-9]+号")
REFERENCE_DIR = "reference"
STANDARDS_FILE = "guides/standards.yml"
"""Standards and documents a department cites that the city's verified set (reference/, a byte-for-byte
copy kept by the safety office) does not list yet: each with its title and where it was read, for the
reviewer to check. reference/ itself is never edited by a department's pull request."""


def _edits1(a: str, b: str, digits_replaced: bool = True) -> bool:
    """One character inserted, deleted, replaced (a digit by a digit only if `digits_replaced`), or
    two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return digits_replaced or not (a[diff[0]].isdigit() and b[diff[0]].isdigit())
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def close_match(value: str, candidates: Iterable[str], normalise: bool = False) -> str | None:
    """The one candidate `value` was plainly meant to be, or None when there is none or several.

    Plainly meant: the same text once case, width and zero-padding are set right (jz-28 → JZ-028),
    a unique candidate that starts with it (泉港 → 泉港区), or the unique candidate one keystroke
    away (丰择区 → 丰泽区). For item ids (`normalise`) one digit put for another is not a keystroke
    slip but another number: a deleted item's id (JZ-028) is one digit from its neighbours, and
    suggesting JZ-029 or JZ-030 would name an unrelated item; so nothing is suggested then."""
    pool = sorted(set(candidates))
    if normalise:
        m = re.fullmatch(r"\s*([A-Za-z]{2,6})\s*[-_－—–]?\s*([0-9]+)\s*", value)
        if m:
            fixed = f"{m.group(1).upper()}-{int(m.group(2)):03d}"
            if fixed != value and fixed in pool:
                return fixed
    starts = [c for c in pool if value and c.startswith(value) and c != value]
    if len(starts) == 1:
        return starts[0]
    near = [c for c in pool if _edits1(value, c, digits_replaced=not normalise)]
    return near[0] if len(near) == 1 else None


def key_where(root: Path, where: Where, key: str) -> Where:
    """The line of `key:` in the mapping that starts at `where` (its own line or below), else `where`."""
    try:
        lines = (root / where.path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return where
    pattern = re.compile(rf"^(\s*(?:-\s+)?){re.escape(key)}\s*:")
    for n in range(max(where.line - 1, 0), len(lines)):
        m = pattern.match(lines[n])
        if m and len(m.group(1)) == where.col - 1:
            return Where(where.path, n + 1, len(m.group(1)) + 1)
    return where


def text_where(root: Path, where: Where, needle: str) -> Where:
    """Where `needle` is first written at or below `where`'s line."""
    try:
        lines = (root / where.path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return where
    for n in range(max(where.line - 1, 0), len(lines)):
        col = lines[n].find(needle)
        if col >= 0:
            return Where(where.path, n + 1, col + 1)
    return where


def check_enterprise(root: Path, ent: Enterprise, guide: Guide | None, problems: list[Problem]) -> None:
    """Sample naming both ways, and the county in the city's list."""
    named_sample = bool(_SAMPLE_LIKE.search(ent.name))
    if ent.sample and not ent.name.endswith(SAMPLE_MARK):
        stem = _SAMPLE_LIKE.sub("", ent.name)
        problems.append(Problem.at(key_where(root, ent.where, "name"), (
            f"示例企业（sample: true）的名称必须以全角括号的“（示例）”结尾，请改为“{stem}（示例）”；"
            "如果这是一家真实企业，请删去“sample: true”这一行")))
    elif not ent.sample and named_sample:
        problems.append(Problem.at(key_where(root, ent.where, "name"), (
            "名称以“（示例）”结尾，却没有写“sample: true”：虚构的示例企业请在文件中加一行“sample: true”；"
            "真实企业请删去名称末尾的“（示例）”")))
    counties = guide.counties if guide is not None else ()
    if counties and ent.county not in counties:
        guess = close_match(ent.county.strip(), counties)
        tip = f"是否想写“{guess}”？" if guess else f"应为其中之一：{'、'.join(counties)}。"
        problems.append(Problem.at(key_where(root, ent.where, "county"), (
            f"所在县（市、区）“{ent.county}”不在 guides/guide.yml 的 counties 列表中。{tip}"
            "请写县（市、区）的全称；确是新设的县区，请先把它加入 guides/guide.yml 的 counties")))


# A forge user (@name), a team (@org/team) or an e-mail address, as CODEOWNERS accepts them.
OWNER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+")


def check_reviewers(root: Path, sc: SectorContent, problems: list[Problem]) -> None:
    """Each reviewer is one CODEOWNERS understands: checked here, so a web-only editor sees it on the
    line in the pull request, not only from `zhinan codeowners` which they cannot run."""
    for r in sc.sector.reviewers:
        if not OWNER.fullmatch(r):
            problems.append(Problem.at(text_where(root, sc.sector.where, r),
                                       f"审核人“{r}”格式不对，应为 @用户名、@组织/团队 或电子邮箱（每行一个，如 '@quanzhou-safety/{sc.id}'）"))


def sourced_codes(root: Path) -> set[str] | None:
    """Every code and document number reference/ gives, or None where the root has no reference/."""
    folder = root / REFERENCE_DIR
    if not folder.is_dir():
        return None
    codes: set[str] = set()
    for path in sorted(folder.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        codes |= set(CODE.findall(text))
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(data, list):
            codes |= {str(e["code"]) for e in data if isinstance(e, dict) and e.get("code")}
    return codes | department_codes(root)


def department_codes(root: Path) -> set[str]:
    """The codes of guides/standards.yml whose entries give a code, a title and a source."""
    path = root / STANDARDS_FILE
    if not path.is_file():
        return set()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return set()
    return {str(e["code"]).strip() for e in data or [] if isinstance(e, dict)
            and all(str(e.get(k) or "").strip() for k in ("code", "title", "source"))}


def _unsourced(code: str) -> str:
    return (f"依据中的编号“{code}”不在 reference/ 核实过的资料中：只引用能查证的标准和文件。如果编号无误，"
            f"请把它加入 {STANDARDS_FILE}（每条写明 sector、code、title 和 source：发布机关、日期和网址），"
            "与本次修改一起提交，由审核人核对；否则请改正或删去这个编号")


def check_basis(root: Path, sc: SectorContent, codes: set[str] | None, problems: list[Problem]) -> None:
    """Every code a sector's or an item's basis cites is one reference/ gives."""
    if codes is None:
        return
    for b in sc.sector.basis:
        if b.code is not None and b.code not in codes:
            problems.append(Problem.at(text_where(root, b.where, b.code), _unsourced(b.code)))
    for it in sc.items:
        for text in it.basis:
            for cited in CODE.findall(text):
                if cited not in codes:
                    problems.append(Problem.at(text_where(root, it.where, cited), _unsourced(cited)))


# "1、" "2、" (or "一、" "（1）") at the start of lines that follow one another: Markdown joins them
# into one paragraph, so the numbering runs on in a single line on the site and in the PDF.
_NUMBERED = re.compile(r"^[ \u3000]*(?:[0-9]+、|[一二三四五六七八九十]+、|[（(][0-9]+[)）])")
_MD_ITEM = re.compile(r"^(?:[0-9]+\.|[-*+]) ")


def advice(root: Path, content: Content) -> list[Problem]:
    """Warnings: what is published but not as the writer meant (numbered lines, see `numbered_lines`),
    and sample enterprises' practices with no checklist item (samples are there to show the link)."""
    found = numbered_lines(root, content)
    for sc in content.sectors:
        prefix = sc.sector.prefix
        for ent in sc.enterprises:
            for p in ent.practices if ent.sample else ():
                if not p.items:
                    found.append(Problem.at(key_where(root, p.where, "title"), (
                        f"示例企业的做法“{p.title}”没有写对应检查项：示例企业是用来演示做法与检查项如何对应的，"
                        f"请加一行“items:”列出本行业检查清单中与它对应的编号，如“items: [{prefix}-001]”"), WARNING))
    return sorted(found)


def numbered_lines(root: Path, content: Content) -> list[Problem]:
    """Warnings for `1、`-style lines with no blank line between them, in Markdown fields and chapters."""
    found: list[Problem] = []
    texts: dict[str, list[str]] = {}

    def lines_of(rel: str) -> list[str]:
        if rel not in texts:
            texts[rel] = (root / rel).read_text(encoding="utf-8").splitlines()
        return texts[rel]

    def report(where: Where, value: str) -> None:
        lines = value.splitlines()
        for n, line in enumerate(lines):
            if n == 0 or not lines[n - 1].strip():
                continue
            if _NUMBERED.match(line):
                first = next(m for m in range(n - 1, -1, -1) if m == 0 or not lines[m - 1].strip())
                slip = lines[first] if _NUMBERED.match(lines[first]) else line
                mark = _NUMBERED.match(slip)
                shown = mark.group().strip() if mark else "1、"
                message = (f"这几行以“{shown}”这样的编号开头、中间没有空行，在网页和 PDF 上会连成一段（换行不保留）。"
                           "请改成 Markdown 的编号列表：每项一行，以“1. ”“2. ”开头（半角数字、点和空格），列表前空一行")
            elif _MD_ITEM.match(line) and not _MD_ITEM.match(lines[n - 1]) and not lines[n - 1].startswith((" ", "\u3000")):
                slip = line
                message = ("列表的第一项紧接在上一段文字后面，没有空行：在网页和 PDF 上它不会成为列表，而是连进上一段。"
                           "请在列表前空一行")
            else:
                continue
            file_lines = lines_of(where.path)
            at = next(((k, file_lines[k].find(slip.strip())) for k in range(max(where.line - 1, 0), len(file_lines))
                       if slip.strip() in file_lines[k]), None)
            found.append(Problem(where.path, at[0] + 1, at[1] + 1, message, WARNING) if at else
                         Problem.at(where, message, WARNING))
            return

    def visit(record: Any, where: Where) -> None:
        where = getattr(record, "where", where)
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            for v in value if isinstance(value, tuple) else (value,):
                if dataclasses.is_dataclass(v):
                    visit(v, where)
                elif isinstance(v, str) and f.metadata.get("markdown"):
                    report(where, v)

    records: list[Any] = [r for sc in content.sectors for r in (sc.sector, *sc.items, *sc.enterprises)]
    for record in records:
        visit(record, record.where)
    for ch in content.chapters:
        report(Where(ch.where.path), ch.markdown)
    return sorted(found)
