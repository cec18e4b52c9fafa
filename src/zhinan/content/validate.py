"""Stage 2 — validate: turn YAML nodes into the typed model, collecting every problem.

All files are loaded and checked before anything is returned, so a contributor sees every problem
of a pull request in one run (like Pelican's readers and MkDocs' config validation), and no later
stage ever sees half-valid content.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import difflib
import functools
import html
import re
import typing
import urllib.parse
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from zhinan.content import parse, rules, sanitize, textrules
from zhinan.content.images import _check_image_name_and_size, check_image_reference
from zhinan.content.model import (
    CHANGES_FILE,
    PLACEHOLDER,
    Chapter,
    Checklist,
    Content,
    Enterprise,
    Guide,
    Sector,
    SectorContent,
    Where,
    field_types,
    is_required,
    public_fields,
    unwrap_optional,
)
from zhinan.content.problems import WARNING, ContentError, Problem
from zhinan.content.synonyms import load_readers_words

_BAD = object()  # a value that failed validation (its problem is already recorded)

_TYPE_NAMES = {str: "文本", int: "整数", bool: "布尔值（true 或 false）", datetime.date: "日期（YYYY-MM-DD）"}
_NODE_NAMES = {yaml.MappingNode: "映射（键: 值）", yaml.SequenceNode: "列表", yaml.ScalarNode: "单个值"}


def _fmt_list(values: typing.Iterable[str]) -> str:
    return "、".join(f"“{v}”" for v in values)



@functools.cache
def _fields_by_name(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in public_fields(cls)}


@functools.cache
def _label(f: dataclasses.Field[Any]) -> str:
    return f"字段“{f.name}”（{f.metadata['title']}）"


@functools.cache
def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


@functools.cache
def _shape(tp: Any) -> tuple[Any, Any]:
    """(the type without `| None`, the item type if it is a tuple of items, else None)."""
    base = unwrap_optional(tp)
    return base, typing.get_args(base)[0] if typing.get_origin(base) is tuple else None


class FileValidator:
    """Validates one content file against a record class of the model."""

    def __init__(self, rel: str, text: str, problems: list[Problem], root: Path | None = None) -> None:
        self.rel = rel
        self.text = text
        self.problems = problems
        self.root = root
        """Given, images in Markdown fields are checked against the files under it."""

    def error(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem.at(parse.where(self.rel, node), message))

    def record(self, node: yaml.Node, cls: type, label: str) -> Any:
        """Convert a mapping node into an instance of `cls`, or _BAD."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{label}应为{_NODE_NAMES[yaml.MappingNode]}，这里是{_NODE_NAMES[type(node)]}")
            return _BAD
        fields = _fields_by_name(cls)
        hints = field_types(cls)
        keys: dict[str, yaml.Node] = {}
        values: dict[str, Any] = {}
        ok = True
        for key_node, value_node in node.value:
            name = self._key(key_node, keys)
            if name is None:
                ok = False
                continue
            if name not in fields:
                self._unknown(key_node, name, list(fields))
                ok = False
                continue
            value = self.value(value_node, hints[name], fields[name])
            if value is _BAD:
                ok = False
            elif value is not None:
                values[name] = value
        for name, f in fields.items():
            if is_required(f) and name not in values and name not in keys:
                self.error(node, f"缺少必填字段“{name}”（{f.metadata['title']}）：{f.metadata['description']}")
                ok = False
        if not ok:
            return _BAD
        return cls(**values, where=parse.where(self.rel, node))

    def refuse_aliases(self, root: yaml.Node) -> bool:
        """Report every node reached twice (an alias); True if there were none.

        The composer hands back the very same node for every alias, so a node met twice is an
        alias. Refusing them before anything else keeps validation linear: no "billion laughs".
        """
        if "&" not in self.text and "*" not in self.text:  # no anchor and no alias can be written without them
            return True
        seen: set[int] = set()
        reported: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                if id(node) not in reported:
                    reported.add(id(node))
                    self.error(node, "不允许使用 YAML 锚点（&）和别名（*），请把内容直接写出来")
                continue
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(v for pair in node.value for v in pair)
        return not reported

    def refuse_tags(self, root: yaml.Node) -> bool:
        """Report every node with a tag other than the standard ones (`textrules.STANDARD_TAGS`,
        which YAML gives plain values anyway); True if there were none. `!!python/name:…` or
        `!!binary` would be read as something else by another YAML reader."""
        ok = True
        stack = [root]
        while stack:
            node = stack.pop()
            if node.tag not in textrules.STANDARD_TAGS:
                self.error(node, f"不允许使用 YAML 标签“{textrules.written_tag(node.tag)}”：内容只能写文本、数字、"
                           "true/false、日期、列表和字段；请删掉这个标签，把值直接写出来")
                ok = False
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(v for pair in node.value for v in pair)
        return ok

    def _key(self, key_node: yaml.Node, keys: dict[str, yaml.Node]) -> str | None:
        if not isinstance(key_node, yaml.ScalarNode):
            self.error(key_node, "字段名应为简单的文本")
            return None
        name = str(key_node.value)
        if name in keys:
            first = keys[name].start_mark.line + 1
            self.error(key_node, f"字段“{name}”重复（第 {first} 行已出现）；YAML 只会保留后一个值，请删除或合并其中一个")
            return None
        keys[name] = key_node
        return name

    def _unknown(self, key_node: yaml.Node, name: str, allowed: list[str]) -> None:
        hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        tip = f"是否想写“{hint[0]}”？" if hint else ""
        self.error(key_node, f"未知字段“{name}”。{tip}允许的字段：{_fmt_list(allowed)}")

    def value(self, node: yaml.Node, tp: Any, f: dataclasses.Field[Any]) -> Any:
        label = _label(f)
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            if is_required(f):
                self.error(node, f"{label}不能为空")
                return _BAD
            return None
        base, item = _shape(tp)
        if item is not None:
            return self._sequence(node, item, f, label)
        return self._single(node, base, f, label)

    def _sequence(self, node: yaml.Node, item_tp: Any, f: dataclasses.Field[Any], label: str) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{label}应为{_NODE_NAMES[yaml.SequenceNode]}（每行以“- ”开头），这里是{_NODE_NAMES[type(node)]}")
            return _BAD
        if not node.value and is_required(f):
            self.error(node, f"{label}至少要有一项")
            return _BAD
        out = [self._single(child, item_tp, f, label) for child in node.value]
        return _BAD if any(v is _BAD for v in out) else tuple(out)

    def _single(self, node: yaml.Node, tp: Any, f: dataclasses.Field[Any], label: str) -> Any:
        if _is_record(tp):
            return self.record(node, tp, f"{label}的每一项" if f.type != tp else label)
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{label}应为{_TYPE_NAMES[tp]}，这里是{_NODE_NAMES[type(node)]}")
            return _BAD
        if tp is str:
            value = self._text(node, label, markdown=bool(f.metadata.get("markdown")))
        else:
            convert: Callable[[yaml.ScalarNode, str], Any] = {
                int: self._int,
                bool: self._bool,
                datetime.date: self._date,
            }[tp]
            value = convert(node, label)
        if value is _BAD:
            return _BAD
        return self._constrain(node, value, f, label)

    def _text(self, node: yaml.ScalarNode, label: str, markdown: bool = False) -> Any:
        # Numbers are accepted as text (a name may be "2021"); booleans almost always mean a
        # forgotten pair of quotes around yes/no/on/off.
        if node.tag.endswith((":bool", ":null")) or node.tag.endswith(("map", "seq")):
            self.error(node, f"{label}应为文本，这里是“{node.value}”；如确实要写这个词，请加引号")
            return _BAD
        invisible = textrules.forbidden(str(node.value))
        for b in invisible:  # written as an escape (`"\\f"`); one written as is was refused with the file
            self.error(node, f"{label}{b.message}（值的第 {b.index + 1} 个字）")
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{label}不能为空")
            return _BAD
        bound = textrules.MARKDOWN_MAX if markdown else textrules.TEXT_MAX
        if len(value) > bound:
            self.error(node, f"{label}有 {len(value)} 个字，超过了上限 {bound} 个字"
                       + ("（更长的内容请写成通用章节）" if markdown else "（请精简，或把说明写进 Markdown 字段）"))
            return _BAD
        if invisible:
            return _BAD
        found = sanitize.findings(value)
        if not markdown:  # plain text is shown as it is written: only a tag in it is a mistake
            found = [f for f in found if f.kind == "html"]
        bad = False
        for f in found:
            self.problems.append(Problem.at(_locate(self.rel, self.text, node, f.needle), disallowed_message(label, f)))
            bad = True
        if markdown and self.root is not None:
            bad |= _check_markdown_images(self.root, self.rel, value,
                                          lambda src: _locate(self.rel, self.text, node, src), label, self.problems)
        return _BAD if bad else value

    def _int(self, node: yaml.ScalarNode, label: str) -> Any:
        if node.tag.endswith(":int"):
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                pass
        self.error(node, f"{label}应为整数（不加引号），这里是“{node.value}”")
        return _BAD

    def _bool(self, node: yaml.ScalarNode, label: str) -> Any:
        if node.tag.endswith(":bool"):
            return str(node.value).lower() in ("true", "yes", "on", "y")
        self.error(node, f"{label}应为 true 或 false，这里是“{node.value}”")
        return _BAD

    def _date(self, node: yaml.ScalarNode, label: str) -> Any:
        try:
            return datetime.date.fromisoformat(str(node.value).strip())
        except ValueError:
            self.error(node, f"{label}应为 YYYY-MM-DD 格式的日期，如 2021-12-31，这里是“{node.value}”")
            return _BAD

    def _constrain(self, node: yaml.ScalarNode, value: Any, f: dataclasses.Field[Any], label: str) -> Any:
        enum = f.metadata.get("enum")
        if enum and value not in enum:
            hint = difflib.get_close_matches(str(value), enum, n=1, cutoff=0.3)
            tip = f"是否想写“{hint[0]}”？" if hint else ""
            self.error(node, f"{label}的值“{value}”不在允许范围内。{tip}应为：{_fmt_list(enum)}")
            return _BAD
        pattern = f.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, str(value)):
            self.error(node, f"{label}的值“{value}”格式不对：{f.metadata['description']}例如“{f.metadata['example']}”")
            return _BAD
        return value


_HINT = "请只用 Markdown 书写（链接写成 [文字](https://…)，不要用 <标签> 或 javascript:）"


def disallowed_message(label: str, f: sanitize.Disallowed) -> str:
    """What a contributor reads for something the sanitizer would not publish as written."""
    if f.kind == "html":
        return f"{label}含有不允许的 HTML 或脚本“{f.detail}”；{_HINT}"
    if f.kind == "attr_list":
        what = f"（其中有“{f.detail}”）" if f.detail else ""
        return (f"{label}使用了属性列表“{{ … }}”{what}；指南不支持在花括号里给标题、链接或段落加属性，"
                "请删除花括号及其中的内容")
    if f.kind == "url":
        return (f"{label}的链接地址“{f.detail}”不允许：链接只能是相对路径，或以 "
                f"{'、'.join(s + ':' for s in sorted(sanitize.URL_SCHEMES))} 开头的地址")
    if f.kind == "image":
        return (f"{label}的图片地址“{f.detail}”不允许：图片只能写相对于本文件夹的路径（如 images/示意图.png），"
                "不能是绝对路径、不能用 .. 跳出文件夹，也不能是 http:、file:、data: 等地址")
    return f"{label}中的 {f.detail} 不在允许范围内，发布时会被删除；{_HINT}"


def _locate(rel: str, text: str, node: yaml.Node, needle: str) -> Where:
    """Where `needle` is within a scalar's source, also when the source writes it with character
    references (`&#106;` for j); else the scalar's start."""
    found = parse.locate(rel, text, node, needle)
    if found != parse.where(rel, node) or not needle:
        return found
    lines = text.splitlines()
    for n in range(node.start_mark.line, min(node.end_mark.line, len(lines) - 1) + 1):
        col = _unescaped_find(lines[n], needle)
        if col >= 0:
            return Where(rel, n + 1, col + 1)
    return found


def _unescaped_find(line: str, needle: str) -> int:
    """The column in `line` where `needle` starts once character references are decoded, or -1."""
    plain = html.unescape(line)
    at = plain.find(needle) if needle in plain else plain.find(html.unescape(needle))
    if at < 0:
        return -1
    return next((i for i in range(len(line) + 1) if len(html.unescape(line[:i])) > at), len(line)) - 1


def _text_where(rel: str, text: str, needle: str) -> Where:
    """Where `needle` is in a whole Markdown file (a chapter)."""
    for n, line in enumerate(text.splitlines()):
        col = line.find(needle)
        if col < 0 and needle:
            col = _unescaped_find(line, needle)
        if col >= 0:
            return Where(rel, n + 1, col + 1)
    return Where(rel)


def image_folder(rel: str) -> str:
    """The folder images of a content file are relative to: its sector's folder, or guides/."""
    parts = PurePosixPath(rel).parts
    return "/".join(parts[:2]) if parts[0] == "sectors" else parts[0]


def _check_markdown_images(root: Path, rel: str, text: str, where: Callable[[str], Where], label: str,
                           problems: list[Problem]) -> bool:
    """Every image of Markdown text exists inside its folder; True if one does not."""
    bad = False
    folder = image_folder(rel)
    for src in sanitize.images(text):
        before = len(problems)
        check_image_reference(root, folder, urllib.parse.unquote(src), where(src), problems, label)
        bad |= len(problems) > before
    return bad


class FileMemo:
    """Each content file's record and problems by its text, for a process that loads the content
    again and again (`zhinan serve`): a file whose text did not change is not parsed or checked
    again. What a file's check reads besides its text (the images it names) is looked at again:
    any change to a file other than a .yml or .md file forgets everything (chapters, the .md files,
    are checked on every load)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, type], tuple[str, Any, list[Problem]]] = {}
        self.others: dict[str, tuple[int, int]] = {}

    def refresh(self, root: Path) -> None:
        others = {p.as_posix(): (st.st_mtime_ns, st.st_size) for folder in ("sectors", "guides")
                  for p in sorted((root / folder).rglob("*")) if p.suffix not in (".yml", ".md") and (st := p.stat())}
        if others != self.others:
            self.entries.clear()
        self.others = others


_memo: FileMemo | None = None


def validate_file(root: Path, rel: str, cls: type, problems: list[Problem]) -> Any:
    text = parse.read_text(root, rel, problems)
    if text is None:
        return None
    if _memo is None:
        return _validate_text(root, rel, cls, text, problems)
    known = _memo.entries.get((rel, cls))
    if known is None or known[0] != text:
        found: list[Problem] = []
        known = (text, _validate_text(root, rel, cls, text, found), found)
        _memo.entries[(rel, cls)] = known
    problems.extend(known[2])
    return known[1]


def _validate_text(root: Path, rel: str, cls: type, text: str, problems: list[Problem]) -> Any:
    node = parse.parse_yaml(rel, text, problems)
    if node is None:
        return None
    kind = cls.__doc__.split("（")[0].rstrip("。") if cls.__doc__ else cls.__name__
    validator = FileValidator(rel, text, problems, root)
    if not validator.refuse_aliases(node) or not validator.refuse_tags(node):
        return None
    value = validator.record(node, cls, f"{kind}文件的内容")
    return None if value is _BAD else value


# ---- Whole-tree loading ----------------------------------------------------------------


def _chapter(root: Path, name: str, where: Where, problems: list[Problem]) -> Chapter | None:
    rel = f"guides/{name}"
    if PurePosixPath(name).name != name or not name.endswith(".md"):
        problems.append(Problem.at(where, f"章节“{name}”应为 guides/ 下的 .md 文件名（不含路径）"))
        return None
    if not (root / rel).is_file():
        problems.append(Problem.at(where, f"章节文件 {rel} 不存在"))
        return None
    text = parse.read_text(root, rel, problems)
    if text is None or parse.bad_characters(rel, text, problems):
        return None
    found = sanitize.findings(text)
    for f in found:
        problems.append(Problem.at(_text_where(rel, text, f.needle), disallowed_message("章节", f)))
    if _check_markdown_images(root, rel, text, lambda src: _text_where(rel, text, src), "章节的", problems) or found:
        return None
    for href in sanitize.page_links(text):
        target = href.split("#", 1)[0]
        if PurePosixPath(target).name != target or not (root / "guides" / target).is_file():
            problems.append(Problem.at(_text_where(rel, text, href), f"章节的链接“{href}”指向的章节不存在；"
                                       "链接别的章节请写 guides/ 下的文件名，如“02-six-tasks.md”"))
            return None
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if not first.startswith("# "):
        problems.append(Problem(rel, 1, 1, "章节应以一级标题开头，如“# 什么是安全生产标准化”"))
        return None
    return Chapter(name=name, title=first[2:].strip(), markdown=text, where=Where(rel))


def _load_guide(root: Path, problems: list[Problem]) -> tuple[Guide | None, list[Chapter]]:
    if not (root / "guides/guide.yml").is_file():
        problems.append(Problem("guides/guide.yml", 1, 1, "缺少版次文件 guides/guide.yml（见 CONTRIBUTING.md）"))
        return None, []
    guide: Guide | None = validate_file(root, "guides/guide.yml", Guide, problems)
    if guide is None:
        return None, []
    if guide.deadlines and guide.deadlines.rectifications < guide.deadlines.findings:
        problems.append(Problem.at(guide.deadlines.where, f"整改清单时限 {guide.deadlines.rectifications} 早于隐患清单时限 "
                                   f"{guide.deadlines.findings}：整改清单是在隐患清单之后完成的"))
    chapters = []
    for name in guide.chapters:
        ch = _chapter(root, name, guide.where, problems)
        if ch:
            chapters.append(ch)
    if guide.start_here is not None and guide.start_here not in guide.chapters:
        problems.append(Problem.at(guide.where, f"start_here“{guide.start_here}”不是 chapters 中的章节"
                                                f"（可选：{'、'.join(guide.chapters)}）"))
    listed = {*guide.chapters, CHANGES_FILE}
    for md in sorted((root / "guides").glob("*.md")):
        if md.name not in listed:
            problems.append(Problem(f"guides/{md.name}", 1, 1, "该章节没有列入 guides/guide.yml 的 chapters，不会发布；请加入或删除"))
    return guide, chapters


def _load_sector(root: Path, folder: Path, problems: list[Problem]) -> SectorContent | None:
    base = f"sectors/{folder.name}"
    if not (folder / "sector.yml").is_file():
        problems.append(Problem(f"{base}/", 1, 1, f"行业文件夹缺少 sector.yml：请用 zhinan new sector {folder.name} 创建"))
        return None
    for stray in sorted(folder.glob("*.y*ml")):
        if stray.name not in ("sector.yml", "checklist.yml"):
            problems.append(Problem(f"{base}/{stray.name}", 1, 1, "行业文件夹只应有 sector.yml 和 checklist.yml（扩展名为 .yml）"))
    sector: Sector | None = validate_file(root, f"{base}/sector.yml", Sector, problems)
    checklist: Checklist | None = None
    if (folder / "checklist.yml").is_file():
        checklist = validate_file(root, f"{base}/checklist.yml", Checklist, problems)
    else:
        problems.append(Problem(f"{base}/checklist.yml", 1, 1, "缺少检查清单 checklist.yml"))
    enterprises = []
    edir = folder / "enterprises"
    for path in sorted(edir.iterdir()) if edir.is_dir() else []:
        if path.name.startswith("."):
            continue
        if path.suffix != ".yml" or not path.is_file():
            problems.append(Problem(f"{base}/enterprises/{path.name}", 1, 1, "enterprises/ 下只应有 .yml 文件，每家企业一个"))
            continue
        ent = validate_file(root, f"{base}/enterprises/{path.name}", Enterprise, problems)
        if ent is not None:
            enterprises.append(ent)
    if sector is None or checklist is None:
        return None
    return SectorContent(sector=sector, items=checklist.items, enterprises=tuple(enterprises))


def _check_sector(root: Path, folder: Path, sc: SectorContent, problems: list[Problem]) -> None:
    s = sc.sector
    if s.id != folder.name:
        problems.append(Problem.at(s.where, f"行业编号“{s.id}”应与文件夹名“{folder.name}”相同"))
    for it in sc.items:
        if not re.fullmatch(rf"{re.escape(s.prefix)}-[0-9]{{3,}}", it.id):
            problems.append(Problem.at(it.where, f"检查项编号“{it.id}”应以本行业前缀“{s.prefix}-”开头，后接至少三位数字，如“{s.prefix}-001”"))
    _check_major_criteria(sc, problems)
    known = {it.id for it in sc.items}
    suggested: dict[str, str] = {}  # image names suggested so far in this sector → their src: each distinct
    for ent in sc.enterprises:
        seen_images: list[str] = []
        stem = PurePosixPath(ent.where.path).stem
        if ent.id != stem:
            problems.append(Problem.at(ent.where, f"企业编号“{ent.id}”应与文件名“{stem}.yml”相同"))
        for p in ent.practices:
            for ref in p.items:
                if ref not in known:
                    hint = rules.close_match(ref, known, normalise=True)
                    tip = (f"是否想写“{hint}”？" if hint else
                           "它可能已从检查清单中删除或改了编号：请从本做法的 items 中删去它，或改为本行业现有的编号。")
                    problems.append(Problem.at(rules.text_where(root, p.where, ref),
                                               f"做法“{p.title}”引用的检查项“{ref}”在本行业检查清单中不存在。{tip}"))
            for img in p.images:
                before = len(problems)
                check_image_reference(root, f"sectors/{folder.name}", img.src, img.where, problems)
                if len(problems) == before:
                    _check_image_name_and_size(folder, img.src, img.where, f"{ent.id}-{len(seen_images) + 1}",
                                               problems, suggested)
                seen_images.append(img.src)


def _check_major_criteria(sc: SectorContent, problems: list[Problem]) -> None:
    """The criteria must be the ones the sector cites in its basis, and the coverage must say what
    the checklist holds: a reader must never take "0 项" for "none"."""
    s, mc = sc.sector, sc.sector.major_criteria
    majors = sum(1 for it in sc.items for h in it.hazards if h.level == "重大")
    if mc is None:
        return
    cited = {b.title: b.code for b in s.basis}
    if mc.title not in cited:
        problems.append(Problem.at(mc.where, f"判定标准“{mc.title}”不在本行业“主要依据”（basis）中，请先在 basis 中列出"))
    elif cited[mc.title] != mc.code:
        problems.append(Problem.at(mc.where, f"判定标准的文号“{mc.code or '（空）'}”与主要依据中的“{cited[mc.title] or '（空）'}”不同"))
    if mc.coverage == "未录入" and majors:
        problems.append(Problem.at(mc.where, f"录入情况为“未录入”，但检查清单已有 {majors} 项重大隐患：应为“全部录入”或“部分录入”"))
    if mc.coverage != "未录入" and not majors:
        problems.append(Problem.at(mc.where, f"录入情况为“{mc.coverage}”，但检查清单没有重大隐患：应为“未录入”"))


def placeholders(root: Path, content: Content) -> list[Problem]:
    """Every text still holding the placeholder `zhinan new` wrote ("待填写：…"), as warnings."""
    found: list[Problem] = []
    texts: dict[str, list[str]] = {}
    mark = f"{PLACEHOLDER}："

    def visit(record: Any, where: Where) -> None:
        where = getattr(record, "where", where)
        for f in _fields_by_name(typing.cast(type, type(record))).values():
            value = getattr(record, f.name)
            for v in value if isinstance(value, tuple) else (value,):
                if dataclasses.is_dataclass(v):
                    visit(v, where)
                elif isinstance(v, str) and mark in v:
                    found.append(_placeholder(root, texts, where, f, v[v.index(mark):].splitlines()[0]))

    records: list[Any] = [content.guide]
    for sc in content.sectors:
        records += [sc.sector, *sc.items, *sc.enterprises]
    for record in records:
        visit(record, record.where)
    return sorted(found)


def _placeholder(root: Path, texts: dict[str, list[str]], where: Where, f: dataclasses.Field[Any], line: str) -> Problem:
    if where.path not in texts:
        texts[where.path] = (root / where.path).read_text(encoding="utf-8").splitlines()
    lines = texts[where.path]
    at = next(((n, lines[n].find(line)) for n in range(where.line - 1, len(lines)) if line in lines[n]), None)
    shown = line if len(line) <= 24 else line[:23] + "…"
    message = f"字段“{f.name}”（{f.metadata['title']}）还是 zhinan new 写入的占位文字“{shown}”，发布前必须改写成正式内容"
    if at is None:
        return Problem.at(where, message, WARNING)
    return Problem(where.path, at[0] + 1, at[1] + 1, message, WARNING)


def _check_unique(sectors: list[SectorContent], problems: list[Problem]) -> None:
    first_item: dict[str, Where] = {}
    first_prefix: dict[str, Where] = {}
    # The next free number of each prefix: after the highest in use, as numbers are never reused.
    last: dict[str, int] = {}
    for it in (it for sc in sectors for it in sc.items):
        prefix, _, number = it.id.rpartition("-")
        if number.isdigit():
            last[prefix] = max(last.get(prefix, 0), int(number))
    for sc in sectors:
        prefix = sc.sector.prefix
        if prefix in first_prefix:
            w = first_prefix[prefix]
            problems.append(Problem.at(sc.sector.where, f"编号前缀“{prefix}”已被 {w.path} 使用，每个行业的前缀必须不同"))
        first_prefix.setdefault(prefix, sc.sector.where)
        for it in sc.items:
            if it.id in first_item:
                w = first_item[it.id]
                last[prefix] = last.get(prefix, 0) + 1
                free = f"{prefix}-{last[prefix]:03d}"
                problems.append(Problem.at(it.where, f"检查项编号“{it.id}”重复，已在 {w.path}:{w.line} 使用；编号在全市必须唯一。"
                                                     f"建议改为 {free}（本行业下一个未用的编号）"))
            first_item.setdefault(it.id, it.where)


def _field_where(root: Path, sc: SectorContent, key: str) -> Where:
    """Where `key:` is written in a sector's sector.yml (its record's start if not found)."""
    rel = f"sectors/{sc.id}/sector.yml"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for n, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(f"{key}:"):
                return Where(rel, n, 1)
    return sc.sector.where


def _check_output_names(root: Path, sectors: list[SectorContent], problems: list[Problem]) -> None:
    """Every output's name is its own: a sector id that names another output's file, and two
    sectors whose names make one download name (`textrules.file_name_part`), are refused."""
    for sc in sectors:
        if sc.id in textrules.RESERVED_IDS or sc.id.endswith(textrules.RESERVED_ID_SUFFIX):
            why = ("以“-form”结尾的编号与另一个行业的空白检查表同名" if sc.id.endswith(textrules.RESERVED_ID_SUFFIX)
                   else "这个编号是合订本、全部行业检查清单或空白隐患/整改清单的文件名")
            problems.append(Problem.at(_field_where(root, sc, "id"),
                                       f"行业编号“{sc.id}”不能使用：{why}，生成的文件会互相覆盖；请换一个编号"
                                       f"（同时改文件夹名）。保留的编号：{'、'.join(textrules.RESERVED_IDS)}，以及以“-form”结尾的编号"))
    first: dict[str, SectorContent] = {}
    for sc in sorted(sectors, key=lambda s: s.id):
        name = sc.sector.name
        key = textrules.file_name_part(name)
        if key == textrules.file_name_part(textrules.ALL_SECTORS):
            problems.append(Problem.at(_field_where(root, sc, "name"), f"行业名称“{name}”不能使用：“{textrules.ALL_SECTORS}”"
                                       "是全部行业检查清单的名称，下载文件会同名；请写本行业的名称"))
        elif key in first:
            other = first[key]
            same = "相同" if other.sector.name == name else f"作为文件名相同（都是“{key}”）"
            problems.append(Problem.at(_field_where(root, sc, "name"), f"行业名称“{name}”与 sectors/{other.id}/sector.yml "
                                       f"的“{other.sector.name}”{same}：两个行业的下载文件会同名；请改用不同的名称"))
        else:
            first[key] = sc


def collect(root: Path) -> tuple[Content | None, list[Problem]]:
    """Load and validate the whole content tree; return the content and every problem."""
    problems: list[Problem] = []
    guide, chapters = _load_guide(root, problems)
    sectors: list[SectorContent] = []
    sroot = root / "sectors"
    folders = sorted(p for p in sroot.iterdir() if p.is_dir() and not p.name.startswith(".")) if sroot.is_dir() else []
    for folder in folders:
        if not parse.inside(root, folder):
            problems.append(Problem(f"sectors/{folder.name}/", 1, 1, parse.outside_message(f"sectors/{folder.name}/")))
            continue
        sc = _load_sector(root, folder, problems)
        if sc is not None:
            _check_sector(root, folder, sc, problems)
            sectors.append(sc)
    _check_unique(sectors, problems)
    codes = rules.sourced_codes(root)
    for sc in sectors:
        rules.check_basis(root, sc, codes, problems)
        rules.check_reviewers(root, sc, problems)
        for ent in sc.enterprises:
            rules.check_enterprise(root, ent, guide, problems)
    readers = load_readers_words(root, {sc.id for sc in sectors}, problems)
    _check_output_names(root, sectors, problems)
    changes = None
    if guide is not None and (root / "guides" / CHANGES_FILE).is_file():
        changes = _chapter(root, CHANGES_FILE, guide.where, problems)
    if problems or guide is None:
        return None, sorted(set(problems))
    sectors.sort(key=lambda s: (s.sector.order, s.id))
    return Content(guide=guide, chapters=tuple(chapters), sectors=tuple(sectors), changes=changes, readers=readers), []


def load_content(root: Path, memo: FileMemo | None = None) -> Content:
    """The validated content, or ContentError with every problem; `memo` remembers the files
    already checked (see `FileMemo`)."""
    global _memo
    if memo is not None:
        memo.refresh(Path(root))
    _memo = memo
    try:
        content, problems = collect(Path(root))
    finally:
        _memo = None
    if content is None:
        raise ContentError(problems)
    return content

