"""The 附录 of guide.pdf that lists every law, regulation, normative document and standard the
content cites: each with its full title and its number, as the content gives them (a title in
《》 beside a number, or a sector's 主要依据), completed from reference/standards.yml (verified
entries) where the content gives one without the other. Nothing is made up: a document whose
number is known nowhere is listed by its title alone, a number whose title is known nowhere by
its number alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zhinan.content.model import Content

# A standard's number with its year (GB/T 33000-2016, JT/T 1180.1-2018, AQ/T 2050.1-2016), a
# document's (应急〔2021〕83号, 安监总管三〔2017〕121号) or an order's (应急管理部令第10号).
CODE = (r"(?:(?<![A-Za-z])[A-Z]{2,4}(?:/[TZ])?\s?\d+(?:\.\d+)*[-—]\d{4}"
        r"|[\u4e00-\u9fff]{1,10}〔\d{4}〕\d+号|[\u4e00-\u9fff]{2,10}令第\d+号)")
_CODE_TITLE = re.compile(f"(?P<code>{CODE})\\s*《(?P<title>[^《》]+)》")
_TITLE_CODE = re.compile(f"《(?P<title>[^《》]+)》\\s*[（(](?P<code>{CODE})[）)]")
_TITLE = re.compile("《(?P<title>[^《》]+)》")
_CODE = re.compile(CODE)


def norm_code(code: str) -> str:
    """A number as the 附录 prints it: the hyphen before the year, one space after the letters."""
    code = code.replace("—", "-")
    return re.sub(r"^([A-Z]{2,4}(?:/[TZ])?)\s?(?=\d)", r"\1 ", code)


@dataclass(frozen=True)
class Cited:
    title: str | None
    code: str | None

    @property
    def kind(self) -> int:
        """The 附录's order: laws, then regulations and documents, then standards."""
        if self.code and re.match(r"[A-Z]", self.code):
            return 2
        if self.title and self.title.startswith("中华人民共和国") and self.title.endswith("法"):
            return 0
        return 1


def _texts(content: Content) -> list[str]:
    texts = [ch.markdown for ch in content.chapters]
    for sc in content.sectors:
        texts += [sc.sector.summary, sc.sector.scope or ""]
        for it in sc.items:
            texts += [*it.basis, it.content, it.method or "", it.rectification or ""]
        for e in sc.enterprises:
            texts += [e.summary, *(p.body for p in e.practices), *(p.results or "" for p in e.practices)]
    return texts


def _reference(root: Path) -> list[dict[str, Any]]:
    path = root / "reference" / "standards.yml"
    if not path.is_file():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [e for e in entries if isinstance(e, dict) and e.get("status") == "verified"]


def cited(content: Content, root: Path) -> list[Cited]:
    """Every document the content cites, once, in the 附录's order."""
    own = {content.guide.title}
    by_title: dict[str, str | None] = {}
    codes: set[str] = set()

    def add(title: str | None, code: str | None) -> None:
        if title is not None:
            title = title.strip()
            if title in own:
                return
            if by_title.get(title) is None:
                by_title[title] = code
        if code is not None:
            codes.add(code)

    for sc in content.sectors:
        for b in sc.sector.basis:
            add(b.title, norm_code(b.code) if b.code else None)
    for text in _texts(content):
        for m in _CODE_TITLE.finditer(text):
            add(m["title"], norm_code(m["code"]))
        for m in _TITLE_CODE.finditer(text):
            add(m["title"], norm_code(m["code"]))
        for m in _TITLE.finditer(text):
            add(m["title"], None)
        for m in _CODE.finditer(text):
            add(None, norm_code(m.group()))
    reference = _reference(root)
    for title, code in list(by_title.items()):
        if code is None:
            found = [norm_code(str(e["code"])) for e in reference if e.get("title") == title and e.get("code")]
            by_title[title] = found[0] if found else None
    entries = [Cited(title, code) for title, code in by_title.items()]
    titled = {code for code in by_title.values() if code}
    for code in sorted(codes - titled):
        found = [str(e["title"]) for e in reference if e.get("code") and norm_code(str(e["code"])) == code]
        entries.append(Cited(found[0] if found else None, code))
    return sorted(entries, key=lambda c: (c.kind, c.code or "", c.title or ""))
