"""Chinese typesetting for the print templates: contributor Markdown through the one allow-list,
the `typeset` filter (no breaks inside standard numbers, punctuation compression, no lone last
character), and the Jinja environment with the helpers the templates use.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from zhinan.content import sanitize
from zhinan.content.model import Enterprise, Guide, SectorContent

if TYPE_CHECKING:
    pass


VOLUME_TEMPLATE = "pdf/volume.html"
CN_NUMERALS = "一二三四五六七八九十"
# ---- rendering helpers ----------------------------------------------------------------------


# CJK characters and full-width punctuation (incl. “ ” ‘ ’ used as Chinese quotes).
_CJK = "\u2018\u2019\u201c\u201d\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_ENDS_CJK = re.compile(f"[{_CJK}]\\s*$")
_STARTS_CJK = re.compile(f"\\s*[{_CJK}]")


def join_cjk_lines(text: str) -> str:
    """Join the lines of a Chinese paragraph. A line break there is no word space (the CSS Text 3
    segment-break rule, which WeasyPrint does not apply), so Markdown's soft break would print a
    gap. Headings and table rows keep their own lines."""
    out: list[str] = []
    for line in text.split("\n"):
        prev = out[-1] if out else ""
        if _ENDS_CJK.search(prev) and _STARTS_CJK.match(line) and not prev.lstrip().startswith("#") \
                and "|" not in prev + line:
            out[-1] = prev.rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _md(text: str, slug_prefix: str = "") -> tuple[Markup, list[dict[str, Any]]]:
    # Contributor Markdown goes through the one allow-list (zhinan.content.sanitize), as on the site.
    def slugify(value: str, separator: str) -> str:
        return slug_prefix + str(slugify_unicode(value, separator))

    return sanitize.render_with_toc(join_cjk_lines(text), slugify if slug_prefix else None)


def md_filter(text: str) -> Markup:
    return _md(text)[0]


def md_inline_filter(text: str) -> Markup:
    """Markdown for a table cell: a single paragraph loses its <p>, one block box fewer per row."""
    html = str(_md(text)[0])
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


# ---- typesetting the text of a page (the `typeset` filter, over the whole body) ---------------

# Punctuation that takes a full em in the SC faces, blank on one side: closing marks (and the
# pause/stop marks, set at the left of their em in Chinese) are blank on the right, opening marks
# on the left. Of two side by side, one loses its blank half (the fonts' `halt` feature), as a
# typesetter sets “）。” or “”，”.
_CLOSING = "，。、；：？！）」』》〉】〕”’"
_OPENING = "（「『《〈【〔“‘"
_HALT_PAIR = re.compile(f"[{_CLOSING}](?=[{_CLOSING}{_OPENING}])|(?<=[{_OPENING}])[{_OPENING}]")
# WeasyPrint may break a line where one inline box ends and the next begins, even before a closing
# mark: a run of punctuation is kept on one line with the characters on either side of it.
_HALT_RUN = re.compile(f"(?:[{_OPENING}]?[^\\s{_CLOSING}{_OPENING}&;])?(?:[{_CLOSING}{_OPENING}]{{2,}}[^\\s{_CLOSING}{_OPENING}&]?)+")
# A standard's number (GB/T 33000-2016, JT/T 1180.1-2018, DB35/T …) or a document's number
# (〔2017〕121号) is one word to its reader: never broken across lines, nor parted from the
# brackets around it.
_NUMBERED = re.compile(f"(?P<pre>(?:[^\\s{_CLOSING}{_OPENING}&;]?[{_CLOSING}]+)?[{_OPENING}]*)(?<![A-Za-z])"
                       r"(?P<num>[A-Z]{2,4}(?:\d{2})?(?:/[TZ])? ?\d+(?:\.\d+)*(?:[-—]\d{4})?|〔\d{4}〕\d+号)"
                       f"(?P<post>[{_CLOSING}]*)")
_YEAR_DASH = re.compile(r"-(?=\d{4}$)")
# The last two characters of a paragraph (with the punctuation around them) stay on one line, so
# that no line holds a single character (every CJK character is a break opportunity).
_TAIL = re.compile(f"[{_OPENING}]*[\u3400-\u9fff]{{2}}[{_CLOSING}]*\\s*$")
_TAG = re.compile(r"(<[^>]*>)")
_BLOCK_END = re.compile(r"</(?:p|li|td|th|div|figcaption|h[1-6])>")


def _nobr(html: str) -> str:
    return f'<span class="nobr">{html}</span>'


def _halt_pairs(text: str) -> str:
    return _HALT_PAIR.sub(lambda m: f'<span class="halt">{m.group()}</span>', text)


def _halt(text: str) -> str:
    return _HALT_RUN.sub(lambda m: _nobr(_halt_pairs(m.group())), text)


def _number(m: re.Match[str]) -> str:
    return _nobr(_halt_pairs(m["pre"]) + _YEAR_DASH.sub("—", m["num"]) + _halt_pairs(m["post"]))


def _typeset_text(text: str, ends_block: bool) -> str:
    tail = ""
    if ends_block and (m := _TAIL.search(text)) and m.start() > 0 and not _NUMBERED.search(m.group()):
        text, tail = text[:m.start()], _nobr(_halt(m.group()))
    out, at = [], 0
    for m in _NUMBERED.finditer(text):
        out += [_halt(text[at:m.start()]), _number(m)]
        at = m.end()
    return "".join([*out, _halt(text[at:])]) + tail


def typeset_filter(html: str) -> Markup:
    """Chinese typesetting that CSS and WeasyPrint leave to the text: standard and document numbers
    kept whole (with the 一字线 of GB/T 1.1 before the year), adjacent punctuation compressed, no
    lone character on a paragraph's last line. Works on the text between tags only."""
    parts = _TAG.split(str(html))
    for i in range(0, len(parts), 2):
        if parts[i].strip():
            parts[i] = _typeset_text(parts[i], i + 1 < len(parts) and bool(_BLOCK_END.match(parts[i + 1])))
    return Markup("".join(parts))


# ---- column widths from the text a column must hold -------------------------------------------

PT_PER_MM = 72 / 25.4
CELL_PADDING_MM = 2.5
"""The left and right padding of a table cell in print.css (`th, td { padding: 1mm 2.5mm }`)."""


@cache
def _sans_face() -> Any:
    """The sans face the ids are set in, as fontconfig resolves it for the print edition, loaded by
    FreeType through Pillow (WeasyPrint's own dependency); None if it cannot be loaded."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    found = subprocess.run([fc_match, "-f", "%{file}:%{index}", "Noto Sans CJK SC"], capture_output=True,
                           text=True, check=False).stdout
    path, _, index = found.rpartition(":")
    try:
        from PIL import ImageFont

        return ImageFont.truetype(path, size=1000, index=int(index or 0))
    except (OSError, ValueError, ImportError):
        return None


def text_width_mm(text: str, size_pt: float) -> float:
    """The width of `text` set in the sans face at `size_pt` (an em a character where the face
    cannot be loaded, which no Latin or CJK character exceeds)."""
    face = _sans_face()
    if face is None:
        return len(text) * size_pt / PT_PER_MM
    return float(face.getlength(text)) / 1000 * size_pt / PT_PER_MM


def column_mm(texts: Iterable[str], size_pt: float, slack_mm: float = 1.0) -> float:
    """The width of a table column that holds the widest of `texts` on one line, padding included,
    rounded up to a half millimetre."""
    widest = max((text_width_mm(t, size_pt) for t in texts), default=0.0)
    return math.ceil((widest + 2 * CELL_PADDING_MM + slack_mm) * 2) / 2


def cn_num(n: int) -> str:
    return CN_NUMERALS[n - 1] if 0 < n <= len(CN_NUMERALS) else str(n)


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def anchor(sc: SectorContent, name: str) -> str:
    # Named destinations must stay unique once every volume is bound into guide.pdf.
    return f"{sc.id}--{name}"


# The front matter of guide.pdf is rendered apart from the volumes it lists: its links to them are
# written as URIs of this scheme and turned into links to the named destinations when binding.
VOLUME_LINK = "zhinan-volume:"


def volume_link(name: str) -> str:
    return VOLUME_LINK + name


def aspect_anchor(sc: SectorContent, index: int) -> str:
    return anchor(sc, f"aspect-{index}")


def enterprise_anchor(sc: SectorContent, e: Enterprise) -> str:
    return anchor(sc, f"ent-{e.id}")


# ---- the online edition: its addresses and QR codes ------------------------------------------

SELF_CHECK_PAGE = "self-check"
"""The self-check page's name under a sector's folder of the site (zhinan.site.selfcheck.PAGE: the
print edition may not import the site, which comes after it; tests/test_print_matter.py checks
that the two agree)."""


def sector_url(guide: Guide, sc: SectorContent) -> str | None:
    """The sector's page of the online edition (`site.pages.sector_src`), if its address is configured."""
    return f"{guide.site_url}sectors/{sc.id}/" if guide.site_url else None


def self_check_url(guide: Guide, sc: SectorContent) -> str | None:
    """The sector's self-check page of the online edition, if its address is configured."""
    return f"{guide.site_url}sectors/{sc.id}/{SELF_CHECK_PAGE}/" if guide.site_url else None


def qr_code(url: str) -> Markup:
    """A QR code of `url` as inline SVG, made here (segno, no network), with its quiet zone;
    error correction M, as for print."""
    import segno

    return Markup(segno.make(url, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True))


@cache
def jinja_env() -> Environment:
    env = Environment(
        loader=PackageLoader("zhinan", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md_filter, md_inline=md_inline_filter, cn_date=cn_date, typeset=typeset_filter)
    env.globals.update(cn_num=cn_num, anchor=anchor, volume_link=volume_link, aspect_anchor=aspect_anchor,
                       enterprise_anchor=enterprise_anchor, qr_code=qr_code, sector_url=sector_url,
                       self_check_url=self_check_url)
    return env


@dataclass(frozen=True)
class TocEntry:
    title: str
    anchor: str
    level: int
    page: str | None = None
    """The number printed on the entry's page when known in advance (a 分册's entries in the
    combined 目录, “3-5”); None lets WeasyPrint fill it in with target-counter()."""


def sector_toc(sc: SectorContent) -> list[TocEntry]:
    """The headings of a sector volume that its 目录 and the combined 目录 list."""
    entries = [TocEntry("行业概述", anchor(sc, "overview"), 1), TocEntry("检查清单", anchor(sc, "checklist"), 1)]
    entries += [TocEntry(f"{cn_num(i)}、{a}", aspect_anchor(sc, i), 2) for i, (a, _) in enumerate(aspects_of(sc), 1)]
    if sc.enterprises:
        entries.append(TocEntry("标杆企业典型做法", anchor(sc, "enterprises"), 1))
        entries += [TocEntry(e.name, enterprise_anchor(sc, e), 2) for e in sc.enterprises]
    return entries


def aspects_of(sc: SectorContent) -> list[tuple[str, list[Any]]]:
    return [(a, items) for a, items in sc.items_by_aspect().items() if items]


def volume_title(sc: SectorContent) -> str:
    return f"{sc.sector.name}分册"


def build_date(guide: Guide) -> datetime.datetime:
    """The date stamped into every PDF: SOURCE_DATE_EPOCH if set (reproducible builds), else the edition date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.combine(guide.date, datetime.time(), tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


_KEYWORD_SEPARATORS = str.maketrans({",": "，", ";": "；"})


def metadata(guide: Guide, title: str, subject: str, keywords: Iterable[str]) -> dict[str, str]:
    return {
        "title": title,
        "author": guide.issuer,
        "subject": subject,
        # A keyword's own commas and semicolons, which readers split keywords on, written full-width.
        "keywords": ", ".join(k.translate(_KEYWORD_SEPARATORS) for k in keywords),
        "date": build_date(guide).isoformat(timespec="seconds"),
    }


