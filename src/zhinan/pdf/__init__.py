"""Stage — print: the PDF volumes, the document of record.

Each sector gets its own volume and a blank inspection form, rendered by WeasyPrint from the
validated model in worker processes. The combined volume (guide.pdf) is a 合订本: only its cover,
目录 and common chapters are laid out here; the sector volumes already rendered are bound behind
them with qpdf (pikepdf), each keeping its own page numbers (分册页码), and each font face is embedded once for
the whole book (`_one_copy_of_each_face`). Laying the same pages out twice would
cost minutes and gigabytes at city scale, and the 目录 needs no second pass because the page of
every sector heading is known once its volume is rendered.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime
import gc
import hashlib
import io
import logging
import math
import os
import re
import resource
import shutil
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pikepdf
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from zhinan.content import sanitize
from zhinan.content.model import Content, Enterprise, Guide, SectorContent
from zhinan.formats.record import form_context
from zhinan.pipeline import hashcache, workers
from zhinan.pipeline.files import write_bytes
from zhinan.pipeline.stage import BuildError

if TYPE_CHECKING:
    from zhinan.pipeline.stage import BuildOptions

GUIDE_FILE = "guide.pdf"
VOLUME_TEMPLATE = "print/volume.html"
CN_NUMERALS = "一二三四五六七八九十"
_INSTALL_HINT = "请安装中文字体：Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk（或运行 scripts/setup.sh），然后重新构建。"


class PrintError(BuildError):
    """A PDF could not be made; the message says why, in Chinese."""


# ---- fonts ---------------------------------------------------------------------------------


def require_cjk_font() -> None:
    """Stop before rendering if fontconfig knows no Chinese font: every glyph would be an empty box."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise PrintError(f"找不到 fc-list（fontconfig），无法确认系统中有中文字体。请安装 fontconfig；{_INSTALL_HINT}")
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not found.strip():
        raise PrintError(f"未找到中文字体，生成的 PDF 会满是空框，已停止。{_INSTALL_HINT}")


FONTS_CONF = Path(__file__).parents[1] / "templates" / "print" / "fonts.conf"
# The Noto CJK collections also hold Japanese, Korean and Traditional Chinese faces of the same code
# points, with other shapes (the centred “：” of JP, for one): none of them belongs in the book.
_FOREIGN_FACE = re.compile(r"CJK[ -]?(JP|KR|TC|HK)\b", re.IGNORECASE)


def use_print_fonts() -> None:
    """Point fontconfig at the print configuration, which resolves generic families and Chinese
    text to the SC faces. Fontconfig reads FONTCONFIG_FILE each time WeasyPrint loads its
    configuration (once per document), so this holds in the workers that inherit the environment
    as in this process; a FONTCONFIG_FILE set by the user is kept."""
    os.environ.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))


def foreign_faces(families: Iterable[str]) -> list[str]:
    return sorted({f for f in families if _FOREIGN_FACE.search(f)})


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
    env.globals.update(cn_num=cn_num, anchor=anchor, volume_link=volume_link, aspect_anchor=aspect_anchor, enterprise_anchor=enterprise_anchor)
    return env


@dataclass(frozen=True)
class TocEntry:
    title: str
    anchor: str
    level: int
    page: int | None = None
    """Printed page number when known in advance (sector entries of the combined 目录); None lets
    WeasyPrint fill it in with target-counter()."""


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


def metadata(guide: Guide, title: str, subject: str, keywords: Iterable[str]) -> dict[str, str]:
    return {
        "title": title,
        "author": guide.issuer,
        "subject": subject,
        "keywords": ", ".join(keywords),
        "date": build_date(guide).isoformat(timespec="seconds"),
    }


# ---- jobs (run in worker processes) ----------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One PDF to render: everything a worker needs, picklable, no file scraping."""

    name: str
    template: str
    context: dict[str, Any]
    base_url: str
    out: Path
    pdfa: bool
    anchors: tuple[str, ...] = ()
    size_hint: int = 0
    root: str = ""
    """The content root: the only place WeasyPrint may read files from (see `fetcher`)."""


@dataclass
class Rendered:
    name: str
    path: Path
    pages: int
    seconds: float
    cpu_seconds: float
    bytes: int
    peak_mib: float
    anchor_pages: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cached: bool = False


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _weasyprint_log() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextmanager
def _collect_afterwards() -> Iterator[None]:
    """Pause the cyclic garbage collector while WeasyPrint lays out and draws, and collect once
    afterwards. A render allocates millions of small objects, and the collector's repeated passes
    over them cost about a fifth of the render's time (measured on a 46-page volume)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()
        _give_memory_back()


@cache
def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def _give_memory_back() -> None:
    """Return the freed arenas of a render to the system (glibc keeps them otherwise): a worker
    would hold on to its largest volume's memory for the rest of the build."""
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)


def render_html(job: Job) -> str:
    return jinja_env().get_template(job.template).render(**job.context)


def render(job: Job) -> Rendered:
    """Render one job to its PDF file (atomically); runs in a worker process."""
    started, cpu = time.perf_counter(), time.thread_time()
    with _collect_afterwards():  # after the document is gone, not while it is still held here
        document, data, records = _weasyprint(job, render_html(job))
        fonts = [font.family for font in document.fonts.values()]
        count = len(document.pages)
        pages: dict[str, int] = {}
        for number, page in enumerate(document.pages, 1):
            for name in page.anchors:
                if name in job.anchors:
                    pages.setdefault(name, number)
        del document
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    foreign = foreign_faces(fonts)
    if foreign:
        errors.append(f"嵌入了非简体中文字形的字体 {'、'.join(foreign)}（请检查 fontconfig 配置 {FONTS_CONF} 是否生效）")
    if errors:
        raise PrintError(f"生成 {job.name} 时出错，未写入文件：" + "；".join(errors))
    write_bytes(job.out, data)
    return Rendered(
        name=job.name,
        path=job.out,
        pages=count,
        seconds=round(time.perf_counter() - started, 2),
        cpu_seconds=round(time.thread_time() - cpu, 2),
        bytes=len(data),
        peak_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        anchor_pages=pages,
        warnings=[r.getMessage() for r in records],
    )


def _one_run_per_leader() -> None:
    """WeasyPrint sets a leader (`leader(".")` in the 目录s) as one text box per dot, each shown by
    a text operator of its own: the 目录 of a city's 合订本, 950 lines, held 80,000 of them, and
    drawing and writing them was two thirds of the 23 s its front matter took. Here, once
    WeasyPrint has placed a line's dots, they become one run of the same text, shaped once, at the
    first dot's place: the same glyphs at the same places (a run whose width is not exactly the
    dots' is not used; nor is anything if WeasyPrint's layout functions are not where they were or
    take other arguments)."""
    global _LEADERS_PATCHED
    if _LEADERS_PATCHED:
        return
    _LEADERS_PATCHED = True
    try:
        from weasyprint.layout import inline, leader
        place, find, shape = inline.handle_leader, leader.leader_index, inline.split_text_box
    except (ImportError, AttributeError):
        return

    def handle_leader(context: Any, line: Any, containing_block: Any) -> None:
        place(context, line, containing_block)
        _, box = find(line)
        if box is not None and len(box.children) > 1:
            box.children = _one_run(context, box.children, shape)

    inline.handle_leader = handle_leader


_LEADERS_PATCHED = False


def _one_run(context: Any, dots: tuple[Any, ...], shape: Callable[..., Any]) -> tuple[Any, ...]:
    xs = sorted(d.position_x for d in dots)
    first = min(dots, key=lambda d: d.position_x)
    if any(d.text != first.text for d in dots) or abs(xs[-1] - xs[0] - (len(dots) - 1) * first.width) > 0.01:
        return dots
    try:
        run = shape(context, first.copy_with_text(first.text * len(dots)), math.inf, 0)[0]
    except (TypeError, ValueError, AttributeError):  # another WeasyPrint than the one this was written for
        return dots
    if run is None or abs(run.width - len(dots) * first.width) > 0.01:
        return dots
    run.position_x, run.position_y = first.position_x, first.position_y
    return (run,)


def _weasyprint(job: Job, html: str) -> tuple[Any, bytes, list[logging.LogRecord]]:
    use_print_fonts()
    _one_run_per_leader()
    from weasyprint import HTML  # imported where it renders: a worker, or the main process with -j1

    # Tagged (PDF/UA structure: headings, tables, figures with their alt text, reading order) and
    # shown by its title, for screen readers and reflow.
    options: dict[str, Any] = {"pdf_identifier": hashlib.md5(html.encode()).hexdigest().encode(), "pdf_tags": True}
    if job.pdfa:
        options["pdf_variant"] = "pdf/a-3u"
    with _weasyprint_log() as log, warnings.catch_warnings():
        # WeasyPrint hands the sRGB profile of PDF/A to Pillow as an open file and never closes it.
        warnings.filterwarnings("ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning)
        document = HTML(string=html, base_url=job.base_url, url_fetcher=fetcher(job.root)).render()
        data = document.write_pdf(**options)
    return document, data, log.records


def fetcher(root: str) -> Any:
    """WeasyPrint's URL fetcher, limited to files inside the content root: a path in the content that
    leaves it (/…, ../, a symbolic link, file:) or any network address (http:, https:, ftp:) is refused,
    and the refusal stops the PDF with its reason. Nothing else is ever fetched (the stylesheet is
    inline, fonts come from fontconfig)."""
    from weasyprint.urls import URLFetcher

    top = os.path.realpath(root) if root else ""

    class RootOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme != "file":
                raise PrintError(f"PDF 只能使用仓库内的文件，已拒绝读取“{url[:200]}”（{scheme or '无协议'} 地址）")
            path = os.path.realpath(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
            if not top or not (path == top or path.startswith(top.rstrip(os.sep) + os.sep)):
                raise PrintError(f"PDF 只能使用仓库内的文件，已拒绝读取仓库之外的“{path}”")
            if path.lower().endswith(".svg") and os.path.isfile(path):
                found = sanitize.svg_problems(Path(path).read_bytes())
                if found:
                    raise PrintError(f"SVG 图片 {path} 不能使用：{'；'.join(found)}")
            return super().fetch(url, headers)

    return RootOnly(allowed_protocols=("file",), allow_redirects=False)


class Renderer:
    """Renders jobs in the worker pool (or, with -j 1, in this process when waited for), biggest
    first so that the slowest file never starts last. Stops (PrintError) before the next file once
    `stop` is set: the build has failed elsewhere."""

    def __init__(self, pool: ProcessPoolExecutor | None, on_done: Callable[[Rendered], None],
                 stop: threading.Event | None = None) -> None:
        self.pool, self.on_done, self.stop = pool, on_done, stop or threading.Event()

    def submit(self, jobs: list[Job]) -> list[Future[Rendered]] | list[Job]:
        ordered = sorted(jobs, key=lambda j: -j.size_hint)
        if self.pool is None:
            return ordered
        return [self.pool.submit(render, j) for j in ordered]

    def wait(self, handles: list[Future[Rendered]] | list[Job]) -> list[Rendered]:
        results: list[Rendered] = []
        pending: set[Future[Rendered]] = set()
        for handle in handles:
            if isinstance(handle, Job):
                _check(self.stop)
                results.append(render(handle))
                self.on_done(results[-1])
            else:
                pending.add(handle)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            if self.stop.is_set():
                for other in pending:
                    other.cancel()
                _check(self.stop)
            for fut in done:
                error = fut.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    raise error
                results.append(fut.result())
                self.on_done(results[-1])
        return results


def _check(stop: threading.Event) -> None:
    if stop.is_set():
        raise PrintError("构建已在别处失败，PDF 生成已停止。")


@contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for -j > 1; with -j 1 everything renders in this process.

    Workers are started fresh ("spawn"), not forked: the build runs other stages in threads beside
    this one, and a forked child could inherit a lock another thread held. Fresh workers also
    share no memory pages with the build process, so their memory is their own."""
    if jobs <= 1:
        yield None
        return
    with workers.pool(jobs) as pool:  # workers die with the build, see zhinan.pipeline.workers
        yield pool


# ---- the jobs of a build ---------------------------------------------------------------------


def _sector_base_url(root: Path, sc: SectorContent) -> str:
    # Image paths in the content are relative to the sector folder.
    return (root / "sectors" / sc.id).resolve().as_uri() + "/"


def volume_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool, duplex: bool = True) -> Job:
    guide = content.guide
    toc = sector_toc(sc)
    title = f"{guide.title}·{volume_title(sc)}"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查清单和标杆企业典型做法",
                         [guide.title, sc.sector.name, sc.sector.department, "安全生产标准化", "检查清单"]),
        "guide": guide, "sc": sc, "toc": toc, "toc_id": anchor(sc, "toc"), "aspects": aspects_of(sc),
        "volume_title": volume_title(sc), "duplex": duplex,
    }
    return Job(sc.id, VOLUME_TEMPLATE, ctx, _sector_base_url(root, sc), out / f"{sc.id}.pdf", pdfa,
               anchors=tuple(e.anchor for e in toc), size_hint=len(sc.items) + 10 * len(sc.enterprises),
               root=str(root))


def form_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool, duplex: bool = True) -> Job:
    guide = content.guide
    title = f"{sc.sector.name}安全生产标准化检查表"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查表（空白）",
                         [guide.title, sc.sector.name, "检查表"]),
        "guide": guide, "s": sc.sector, "aspects": aspects_of(sc), "record": form_context(),
    }
    return Job(f"{sc.id}-form", "print/form.html", ctx, _sector_base_url(root, sc), out / f"{sc.id}-form.pdf", pdfa,
               size_hint=len(sc.items) // 4, root=str(root))


def _chapters(content: Content) -> tuple[list[Markup], list[TocEntry]]:
    views: list[Markup] = []
    toc: list[TocEntry] = []
    listed = list(content.chapters)
    if content.changes is not None:
        # The changelog is printed as an appendix; its heading says so, in the 目录 as on the page.
        listed.append(replace(content.changes, markdown=content.changes.markdown.replace("# ", "# 附录　", 1)))
    for ch in listed:
        html, tokens = _md(ch.markdown, f"{ch.slug}-")
        views.append(html)
        for top in tokens:
            toc.append(TocEntry(Markup(top["name"]).unescape(), top["id"], 1))
            toc += [TocEntry(Markup(sub["name"]).unescape(), sub["id"], 2) for sub in top["children"]]
    return views, toc


def _padded(pages: int, duplex: bool) -> int:
    """Pages a part takes in the bound book: for two-sided printing it ends on a verso."""
    return pages + pages % 2 if duplex else pages


FRONT_END = "front--end"
"""The id of the last element of guide.pdf's front matter: its page is the front's length."""


def front_job(content: Content, volumes: list[tuple[SectorContent, Rendered]], root: Path, out: Path,
              pdfa: bool, duplex: bool = True, front_pages: int | None = None) -> Job:
    """Cover, 目录 and common chapters of the combined volume; the 目录 lists each bound 分册, its
    title with the page of the book it starts on, its entries with the volume's own page numbers;
    all of them are links.

    A 分册's start page follows from the length of this front matter, known only once it is laid
    out. Given as `front_pages`, the numbers are printed as they are. Without it WeasyPrint works
    them out in the one layout: each 分册's number is the page of the front's last element
    (`target-counter` of FRONT_END, which is the front's length), shown in a counter style of that
    分册's own whose symbol for a length n is the page the 分册 starts on after n front pages, for
    every n up to `front_bound` in the context (see `_render_front` for a front longer than that)."""
    guide = content.guide
    chapters, toc = _chapters(content)
    groups, styles = [], []
    bound = 64 + (len(toc) + sum(len(sector_toc(sc)) + 1 for sc, _ in volumes)) // 8 \
        + sum(len(ch.markdown) for ch in content.chapters) // 200
    after = 1  # the page a 分册 starts on, counted from the first after the front matter
    for k, (sc, r) in enumerate(volumes):
        group: dict[str, Any] = {"title": volume_title(sc), "anchor": anchor(sc, "cover"),
                                 "toc": [TocEntry(e.title, e.anchor, e.level, r.anchor_pages[e.anchor])
                                         for e in sector_toc(sc)], "counter": None, "page": None}
        if front_pages is None:
            group["counter"] = f"zn-volume-{k}"
            styles.append((group["counter"], [_padded(n, duplex) + after for n in range(1, bound + 1)]))
        else:
            group["page"] = _padded(front_pages, duplex) + after
        groups.append(group)
        after += _padded(r.pages, duplex)
    ctx = {
        "meta": metadata(guide, guide.title, f"{guide.title}（{guide.edition}）合订本",
                         [guide.title, guide.edition, "安全生产标准化", *(sc.sector.name for sc in content.sectors)]),
        "guide": guide, "toc": toc, "toc_id": "toc", "volumes": groups, "chapters": chapters, "duplex": duplex,
        "counter_styles": styles, "front_end": FRONT_END, "front_bound": bound,
    }
    return Job("guide-front", "print/guide.html", ctx, (root / "guides").resolve().as_uri() + "/",
               out / ".guide-front.pdf", pdfa, anchors=(FRONT_END,), root=str(root))


# ---- binding the combined volume -------------------------------------------------------------


def bind(front: Path, volumes: list[tuple[str, Path]], meta: dict[str, str], pdfa: bool,
         duplex: bool = True) -> tuple[bytes, int, list[str]]:
    """The 合订本: front matter, then every sector volume unchanged, with merged bookmarks and page
    labels equal to the printed numbers (front pages 1…n, then “<行业>-1…” for each 分册).

    For two-sided printing each part ends on a verso (a blank page is added after a part of odd
    length), so that every 分册's cover, and with it each of its chapters (set on rectos of their
    own volume), falls on a recto of the book. Each font face is embedded once (see
    `_one_copy_of_each_face`); returns the book, its page count, and the faces that could not be
    (in Chinese).

    The parts are copied by qpdf (pikepdf), in C++: with pypdf, in Python, binding the 2,000-page
    book of a city took four minutes and 4 GB; with qpdf it takes seconds."""
    binding = _Binding(duplex)
    binding.add(front, None, ("/OutputIntents", "/Metadata") if pdfa else ())
    for title, path in volumes:
        binding.add(path, title, ())
    book = binding.finish()
    book.docinfo = book.make_indirect(pikepdf.Dictionary({
        "/Title": pikepdf.String(meta["title"]), "/Author": pikepdf.String(meta["author"]),
        "/Subject": pikepdf.String(meta["subject"]), "/Keywords": pikepdf.String(meta["keywords"]),
        "/Creator": pikepdf.String("zhinan"), "/Producer": pikepdf.String("zhinan (WeasyPrint, qpdf)"),
        "/CreationDate": pikepdf.String(pdf_date(meta["date"])), "/ModDate": pikepdf.String(pdf_date(meta["date"])),
    }))
    notes = _one_copy_of_each_face(book)
    out = io.BytesIO()
    book.save(out, min_version=binding.version, object_stream_mode=pikepdf.ObjectStreamMode.generate,
              compress_streams=True, recompress_flate=False, deterministic_id=True)
    return out.getvalue(), len(book.pages), notes


class _Binding:
    """The book being bound, one part at a time. Each part is copied by qpdf: its pages with
    everything they draw, then its bookmarks, named destinations and structure tree, whose
    references to the part's pages qpdf maps to the copies already made. The copies' stream data
    is then taken into the book, so that the part can be closed: a part open in qpdf holds about
    17 MB, and a city's 46 of them held open would be most of the binding's memory."""

    def __init__(self, duplex: bool) -> None:
        self.book, self.duplex, self.version = pikepdf.new(), duplex, "1.3"
        self.labels: list[Any] = []
        self.outline: list[Any] = []
        self.dests: dict[str, Any] = {}
        self.tree = self.book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        self.kids: list[Any] = []
        self.nums: list[Any] = []
        self.namespaces: list[Any] = []
        self.next_key = 0

    def add(self, path: Path, title: str | None, keep: tuple[str, ...]) -> None:
        """Bind the part at `path` next: a 分册 under the bookmark `title`, or the front matter
        (`title` None), whose catalogue entries `keep` (PDF/A's) become the book's."""
        book = self.book
        with pikepdf.open(path) as part:
            mark, first = self._next_object(), len(book.pages)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # the names are copied below
                book.pages.extend(part.pages)
            label = pikepdf.Dictionary(S=pikepdf.Name.D, St=1)
            items = _copied_outline(book, part)
            if title is None:
                self.outline += items
                for page in book.pages[first:]:
                    _link_into_volumes(page.obj)
            else:
                label.P = pikepdf.String(f"{title}-")
                volume = book.make_indirect(pikepdf.Dictionary(
                    Title=pikepdf.String(title), Dest=pikepdf.Array([book.pages[first].obj, pikepdf.Name.Fit])))
                _chain(volume, items)
                self.outline.append(volume)
            self.labels += [first, label]
            self.dests.update(_copied_dests(book, part))
            self._structure(part, first)
            for key in keep:
                if key in part.Root:
                    book.Root[key] = _copy(book, part.Root[key])
            self.version = max(self.version, part.pdf_version)
            _own_stream_data(book, mark, self._next_object())
        if self.duplex and len(book.pages) % 2:
            book.add_blank_page(page_size=A4_PT)

    def _next_object(self) -> int:
        """The number qpdf gives the next object it makes (an empty dictionary no one refers to, not written)."""
        return int(self.book.make_indirect(pikepdf.Dictionary()).objgen[0])

    def _structure(self, part: Any, first: int) -> None:
        """The part's structure elements, under the book's root after the parts before it, and its
        parent tree renumbered after theirs (with its pages' and annotations' keys into it)."""
        source = part.Root.get("/StructTreeRoot")
        if source is None:
            return
        source = _copy(self.book, source)  # the whole tree at once
        for kid in source.K if isinstance(source.K, pikepdf.Array) else [source.K]:
            kid.P = self.tree
            self.kids.append(kid)
        pairs = list(source.ParentTree.Nums)
        for key, value in zip(pairs[::2], pairs[1::2], strict=True):
            self.nums += [int(key) + self.next_key, value]
        self.namespaces += list(source.get("/Namespaces", []))
        for page in self.book.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + self.next_key
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + self.next_key
        self.next_key += max((int(k) for k in pairs[::2]), default=-1) + 1

    def finish(self) -> Any:
        """The book, with its outline, page labels, named destinations and structure tree."""
        book, root = self.book, self.book.Root
        if self.outline:
            root.Outlines = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
            _chain(root.Outlines, self.outline, open_=True)
        root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(self.labels))
        root.Names = pikepdf.Dictionary(Dests=book.make_indirect(pikepdf.Dictionary(
            Names=pikepdf.Array([x for name in sorted(self.dests) for x in (pikepdf.String(name), self.dests[name])]))))
        if self.kids:
            self.tree.K = pikepdf.Array(self.kids)
            self.tree.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
            self.tree.ParentTreeNextKey = self.next_key
            if self.namespaces:
                self.tree.Namespaces = pikepdf.Array(self.namespaces)
            root.StructTreeRoot = self.tree
            root.MarkInfo = pikepdf.Dictionary(Marked=True)
        root.Lang = pikepdf.String("zh-CN")
        root.PageMode = pikepdf.Name.UseOutlines
        root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        return book


def _own_stream_data(book: Any, start: int, end: int) -> None:
    """Read the data of the streams copied as objects `start`…`end - 1` into the book: qpdf copies
    a foreign stream's data only when the book is written, from the part, which must stay open till then."""
    for number in range(start, end):
        obj = book.get_object(number, 0)
        if isinstance(obj, pikepdf.Stream):
            encoded: Any = (obj.get("/Filter"), obj.get("/DecodeParms"))
            obj.write(obj.read_raw_bytes(), filter=encoded[0], decode_parms=encoded[1])


def _copy(book: Any, obj: Any) -> Any:
    """`obj` of a part, in the book: indirect objects copied by qpdf (once each: it maps what it
    copied before, pages included), direct arrays and dictionaries walked, scalars as they are."""
    if not isinstance(obj, pikepdf.Object):  # a number or a name, as pikepdf gives them
        return obj
    if obj.is_indirect:
        return book.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(book, x) for x in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy(book, v) for k, v in obj.items()})
    return obj


def _copied_outline(book: Any, part: Any) -> list[Any]:
    """The part's top-level bookmarks, copied with everything under them (their /Parent is set by `_chain`)."""
    outlines = part.Root.get("/Outlines")
    items = []
    item = outlines.get("/First") if outlines is not None else None
    while item is not None:
        items.append(item)
        item = item.get("/Next")
    for item in items:
        del item["/Parent"]  # the part's outline root, not wanted in the book
    return [_copy(book, item) for item in items]


def _chain(parent: Any, items: list[Any], open_: bool = False) -> None:
    """Make `items` the children of the bookmark `parent`, in order; it is shown closed unless `open_`."""
    if not items:
        return
    for prev, item in zip([None, *items], items, strict=False):
        item.Parent = parent
        if prev is not None:
            item.Prev, prev.Next = prev, item
    parent.First, parent.Last = items[0], items[-1]
    shown = len(items) + sum(max(0, int(i.get("/Count", 0))) for i in items)
    parent.Count = shown if open_ else -shown


def _copied_dests(book: Any, part: Any) -> dict[str, Any]:
    """The part's named destinations (anchors of its headings and entries), pointing at the copied pages."""
    names = part.Root.get("/Names", {}).get("/Dests")
    if names is None:
        return {}
    return {str(k): _copy(book, v) for k, v in pikepdf.NameTree(names).items()}


def _link_into_volumes(page: Any) -> None:
    """The front's links to a 分册 entry (`volume_link`) become links to its named destination in the book."""
    for annot in page.get("/Annots", []):
        action = annot.get("/A")
        uri = str(action.get("/URI", "")) if action is not None else ""
        if uri.startswith(VOLUME_LINK):
            del annot["/A"]
            annot.Dest = pikepdf.String(uri.removeprefix(VOLUME_LINK))


# ---- one copy of each font face in the bound book ---------------------------------------------


@dataclass
class _PartFont:
    """One part's font dictionary for a face: the glyphs it shows, with their widths and text."""

    font: Any  # the Type0 font dictionary
    widths: dict[int, Any]
    text: dict[int, str]


def _one_copy_of_each_face(doc: Any) -> list[str]:
    """Each part embeds its own subset of each face (Noto Serif, Sans, Sans Bold), all under one
    name, since WeasyPrint's subset tag is a digest of the face, not of its glyphs: the 合订本 of the
    repository's content carried each face nine times (5.5 MB of its 6.5 MB) and gave a print
    shop one font name for nine different glyph sets. Here each face is subset once more, from the
    system font the parts were set in, to the glyphs of the whole book, and every part's font
    dictionary is replaced by one with the merged widths and ToUnicode map. WeasyPrint keeps the
    face's own glyph ids in its subsets (HarfBuzz's RETAIN_GIDS), so no page's text changes.
    Returns, in Chinese, the faces left as they were and why (the book is right, only larger)."""
    faces: dict[str, list[Any]] = {}
    resources = _font_resources(doc)
    for font in {f.objgen: f for res in resources for f in res.values() if f.is_indirect}.values():
        if font.get("/Subtype") == "/Type0":
            faces.setdefault(_SUBSET_TAG.sub("", str(font.get("/BaseFont", ""))).lstrip("/"), []).append(font)
    notes, merged = [], {}
    for name, fonts in sorted(faces.items()):
        if len(fonts) < 2:
            continue
        try:
            merged.update(_share_face(doc, name, fonts))
        except _Unshared as e:
            notes.append(f"{GUIDE_FILE}：字体 {name} 未能合并为一份（{e}），各部分仍各嵌入一份，文件较大")
    for res in resources:
        for key, ref in list(res.items()):
            if ref.objgen in merged:
                res[key] = merged[ref.objgen]
    return notes


def _font_resources(doc: Any) -> list[Any]:
    """Every /Font resource dictionary: of the pages, and of the forms, patterns and annotation
    appearances they draw (the only places a content stream finds its fonts), each once."""
    found, seen = [], set()
    todo = [page.obj for page in doc.pages]
    while todo:
        obj = todo.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        res = obj.get("/Resources")
        if isinstance(res, pikepdf.Dictionary):
            fonts = res.get("/Font")
            if isinstance(fonts, pikepdf.Dictionary) and not (fonts.is_indirect and fonts.objgen in seen):
                if fonts.is_indirect:
                    seen.add(fonts.objgen)  # shared by the pages of a part: once
                found.append(fonts)
            for kind in ("/XObject", "/Pattern"):
                todo += [x for x in res.get(kind, {}).values() if isinstance(x, pikepdf.Stream)]
        for annot in obj.get("/Annots", []):
            for look in annot.get("/AP", {}).values():
                todo += [look] if isinstance(look, pikepdf.Stream) else list(look.values())
    return found


class _Unshared(Exception):
    """Why a face keeps one copy per part."""


_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")
_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.DOTALL)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")


def _share_face(doc: Any, name: str, fonts: list[Any]) -> dict[tuple[int, int], Any]:
    """Embed the face `name` once for all of `fonts`; returns the font dictionary that stands for each.

    The first part's objects (program, descriptor, font dictionary, widths, ToUnicode map) are
    rewritten in place; the other parts' are then referred to by nothing, and not written."""
    parts = [_part_font(f) for f in fonts]
    descriptors = [f.DescendantFonts[0].FontDescriptor for f in fonts]
    identity = {_face_identity(_program(d)) for d in descriptors}
    if len(identity) != 1:
        raise _Unshared("各部分用了不同版本的字体文件")
    ((postscript, head),) = identity
    gids = sorted({g for p in parts for g in p.widths})
    missing = any(not isinstance(f.get("/Encoding"), pikepdf.Name) for f in fonts)  # WeasyPrint's .notdef stand-ins
    program, gids = _subset_system_face(postscript, head, gids, notdef_outline=missing)
    tag = "".join(chr(65 + b % 26) for b in hashlib.md5(f"{postscript} {gids}".encode()).digest()[:6])
    base = pikepdf.Name(f"/{tag}+{name}")
    descriptor = _shared_descriptor(doc, descriptors, base, program, gids)
    widths = {v for p in parts for v in p.widths.values()}
    descriptor.Flags = int(descriptor.Flags) & ~1 | (len(gids) > 1 and len(widths) == 1)  # FixedPitch, as WeasyPrint sets it
    merged = {}
    for cluster in _clusters(parts):
        merged.update(_merged_font(cluster, base, descriptor))
    return merged


def _program(descriptor: Any) -> Any:
    for key in ("/FontFile3", "/FontFile2"):
        if key in descriptor:
            return descriptor[key]
    raise _Unshared("没有嵌入 OpenType 或 TrueType 字形数据")


def _shared_descriptor(doc: Any, descriptors: list[Any], base: Any, program: bytes, gids: list[int]) -> Any:
    """The first part's font descriptor, holding the one program for all parts and the box of all their glyphs."""
    descriptor = descriptors[0]
    if (program[:4] == b"OTTO") != ("/FontFile3" in descriptor):
        raise _Unshared("系统中的字体文件与嵌入的格式不同")
    stream = _program(descriptor)
    stream.write(program)
    if "/Length1" in stream:
        stream.Length1 = len(program)
    descriptor.FontName = base
    boxes = [[float(x) for x in d.FontBBox] for d in descriptors]
    descriptor.FontBBox = pikepdf.Array([min(b[0] for b in boxes), min(b[1] for b in boxes),
                                         max(b[2] for b in boxes), max(b[3] for b in boxes)])
    if any("/CIDSet" in d for d in descriptors):  # PDF/A-1 asks for it: the glyphs the program holds
        bits = bytearray((gids[-1] + 8) // 8)
        for g in gids:
            bits[g // 8] |= 0x80 >> (g % 8)
        descriptor.CIDSet = doc.make_stream(bytes(bits))
    return descriptor


def _part_font(font: Any) -> _PartFont:
    cid = font.DescendantFonts[0]
    if str(cid.get("/CIDToGIDMap", "/Identity")) != "/Identity":
        raise _Unshared("字形编号不是字体自身的编号")
    if "/ToUnicode" not in font:
        raise _Unshared("没有 ToUnicode 映射")
    cmap = font.ToUnicode.read_bytes()
    if b"beginbfrange" in cmap:
        raise _Unshared("ToUnicode 映射格式不是 WeasyPrint 写的")
    text = {int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be")
            for block in _BFCHAR_BLOCK.findall(cmap) for g, u in _BFCHAR.findall(block)}
    return _PartFont(font, _widths(cid.W.unparse() if "/W" in cid else b"[]"), text)


_W_TOKEN = re.compile(rb"[\[\]]|[-+]?[0-9.]+")


def _widths(array: bytes) -> dict[int, int | float]:
    """Glyph id → width from a CIDFont's /W array as written (read token by token: a tenth of the time
    of walking it as PDF objects), in both its forms: `c [w1 w2 …]` and `c_first c_last w`."""
    tokens = _W_TOKEN.findall(array)[1:-1]
    widths: dict[int, int | float] = {}
    i = 0
    while i < len(tokens):
        first = int(tokens[i])
        if tokens[i + 1] == b"[":
            end = tokens.index(b"]", i + 2)
            widths.update((first + k, _width(t)) for k, t in enumerate(tokens[i + 2:end]))
            i = end + 1
        else:
            widths.update(dict.fromkeys(range(first, int(tokens[i + 1]) + 1), _width(tokens[i + 2])))
            i += 3
    return widths


def _width(token: bytes) -> int | float:
    value = float(token)
    return int(value) if value.is_integer() else value


def _clusters(parts: list[_PartFont]) -> list[list[_PartFont]]:
    """The parts' fonts, gathered into as few groups as agree on the width and text of every glyph
    they share (one, unless a glyph stands for different text in two parts): one font dictionary each."""
    groups: list[tuple[dict[int, Any], dict[int, str], list[_PartFont]]] = []
    for part in parts:
        for widths, text, members in groups:
            if all(widths.get(g, v) == v for g, v in part.widths.items()) and \
                    all(text.get(g, t) == t for g, t in part.text.items()):
                widths.update(part.widths)
                text.update(part.text)
                members.append(part)
                break
        else:
            groups.append((dict(part.widths), dict(part.text), [part]))
    return [members for _, _, members in groups]


def _merged_font(cluster: list[_PartFont], base: Any, descriptor: Any) -> dict[tuple[int, int], Any]:
    """The first font dictionary of `cluster`, rewritten to stand for all of them."""
    widths = {g: v for part in cluster for g, v in part.widths.items()}
    w = pikepdf.Array()
    for g in sorted(widths):
        if g - 1 not in widths:
            w.append(g)
            w.append(pikepdf.Array())
        w[-1].append(widths[g])
    font = cluster[0].font
    cid = font.DescendantFonts[0]
    font.BaseFont = cid.BaseFont = base
    cid.W, cid.FontDescriptor = w, descriptor
    font.ToUnicode.write(_to_unicode({g: t for part in cluster for g, t in part.text.items()}))
    return {part.font.objgen: font for part in cluster}


def _to_unicode(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap in WeasyPrint's own form (bfchar blocks of at most 100 glyphs)."""
    items = sorted(text.items())
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    for i in range(0, len(items), 100):
        block = items[i:i + 100]
        lines.append(f"{len(block)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in block]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _face_identity(stream: Any) -> tuple[str, bytes]:
    """Which face a subset was made from: its PostScript name, and the revision, size of the em and
    dates in its `head` table (kept by the subsetter). HarfBuzz writes the small tables first, so
    the first 64 KB of the program tell it, a tenth of the time of inflating every part's copy."""
    flate = stream.get("/Filter") == "/FlateDecode" and "/DecodeParms" not in stream
    start = zlib.decompressobj().decompress(stream.read_raw_bytes(), 1 << 16) if flate else b""
    for program in (start, stream.read_bytes()):
        tables = _sfnt_tables(program)
        if tables.get(b"head") and tables.get(b"name"):
            return _postscript_name(tables[b"name"]), _head_identity(tables[b"head"])
    raise _Unshared("嵌入的字体没有可读的 head 和 name 表")


def _sfnt_tables(program: bytes) -> dict[bytes, bytes]:
    """The tables of an OpenType/TrueType program that lie wholly within `program` (which may be its start)."""
    if len(program) < 12:
        return {}
    count = int.from_bytes(program[4:6], "big")
    found = {}
    for i in range(min(count, (len(program) - 12) // 16)):
        tag, _, offset, length = struct.unpack_from(">4sIII", program, 12 + 16 * i)
        if offset + length <= len(program):
            found[tag] = program[offset:offset + length]
    return found


def _postscript_name(table: bytes) -> str:
    """Name 6 of a `name` table, from its Windows (UTF-16) or Macintosh (ASCII) record."""
    count, strings = struct.unpack_from(">HH", table, 2)
    for i in range(count):
        platform, _, _, name_id, length, offset = struct.unpack_from(">6H", table, 6 + 12 * i)
        if name_id == 6 and platform in (1, 3):
            raw = table[strings + offset:strings + offset + length]
            return raw.decode("utf-16-be" if platform == 3 else "latin-1")
    raise _Unshared("嵌入的字体没有 PostScript 名称")


def _head_identity(head: bytes) -> bytes:
    return head[4:8] + head[18:36]  # fontRevision; unitsPerEm, created, modified


@cache
def _harfbuzz() -> tuple[Any, Any, Any, Any]:
    """WeasyPrint's own HarfBuzz bindings, with the two calls that open a font file added."""
    import cffi
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None:
        raise _Unshared("没有 HarfBuzz 子集化库")
    files = cffi.FFI()
    files.include(ffi)
    files.cdef("hb_blob_t * hb_blob_create_from_file_or_fail (const char *file_name);"
               "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);")
    return ffi, harfbuzz, harfbuzz_subset, files.dlopen(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")


def _system_face(postscript: str, head: bytes) -> Any:
    """The HarfBuzz face of the installed font with this PostScript name and `head` identity."""
    ffi, harfbuzz, _, files = _harfbuzz()
    fc_list = shutil.which("fc-list") or "fc-list"
    found = subprocess.run([fc_list, f":postscriptname={postscript}", "-f", "%{file}\t%{index}\n"],
                           capture_output=True, text=True, check=False).stdout
    for line in found.splitlines():
        path, _, index = line.partition("\t")
        blob = ffi.gc(files.hb_blob_create_from_file_or_fail(path.encode()), harfbuzz.hb_blob_destroy)
        if blob == ffi.NULL:
            continue
        face = ffi.gc(files.hb_face_create(blob, int(index or 0)), harfbuzz.hb_face_destroy)
        table = ffi.gc(harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"head", -1)),
                       harfbuzz.hb_blob_destroy)
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(table, length)
        if _head_identity(bytes(ffi.buffer(data, length[0]))) == head:
            return face
    raise _Unshared(f"系统中找不到排版时用的字体文件 {postscript}")


def _subset_system_face(postscript: str, head: bytes, gids: list[int], notdef_outline: bool) -> tuple[bytes, list[int]]:
    """The face subset to `gids`, as WeasyPrint subsets it (glyph ids kept, no hinting, no layout
    tables), in one HarfBuzz call: a fraction of a second for a CJK face. Returns it and the glyphs
    it holds (not the ids WeasyPrint gives the characters no font has)."""
    ffi, harfbuzz, subset, _ = _harfbuzz()
    face = _system_face(postscript, head)
    gids = [g for g in gids if g < harfbuzz.hb_face_get_glyph_count(face)]  # not .notdef stand-ins
    plan = ffi.gc(subset.hb_subset_input_create_or_fail(), subset.hb_subset_input_destroy)
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_glyph_set(plan), ffi.new("hb_codepoint_t[]", gids),
                                     len(gids))
    flags = (subset.HB_SUBSET_FLAGS_RETAIN_GIDS | subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | subset.HB_SUBSET_FLAGS_DESUBROUTINIZE | subset.HB_SUBSET_FLAGS_NO_HINTING)
    if notdef_outline:
        flags |= subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    subset.hb_subset_input_set_flags(plan, flags)
    drop = sorted(harfbuzz.hb_tag_from_string(t, -1) for t in (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC",
                  b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_set(plan, subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                     ffi.new("hb_codepoint_t[]", drop), len(drop))
    result = subset.hb_subset_or_fail(face, plan)
    if result == ffi.NULL:
        raise _Unshared("HarfBuzz 子集化失败")
    result = ffi.gc(result, harfbuzz.hb_face_destroy)
    blob = ffi.gc(harfbuzz.hb_face_reference_blob(result), harfbuzz.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    return bytes(ffi.buffer(data, length[0])), gids


A4_PT = (595.28, 841.89)


def pdf_date(w3c: str) -> str:
    d = datetime.datetime.fromisoformat(w3c)
    offset = d.strftime("%z")
    return "D:" + d.strftime("%Y%m%d%H%M%S") + (f"{offset[:3]}'{offset[3:]}'" if offset else "")


# ---- the stage -------------------------------------------------------------------------------


def outputs(content: Content, opts: BuildOptions) -> list[Path]:
    """The files `build` writes with these options."""
    out = opts.out / "pdf"
    files = [out / f"{sc.id}{suffix}.pdf" for sc in selected_sectors(content, opts.sectors) for suffix in ("", "-form")]
    return files if opts.sectors else [*files, out / GUIDE_FILE]


def _remove_stale(content: Content, opts: BuildOptions) -> None:
    """After a whole build, remove the PDFs of sectors that no longer exist: build/ may be one
    restored from an earlier run, and everything in build/pdf/ is published."""
    keep = set(outputs(content, opts))
    for path in (opts.out / "pdf").glob("*.pdf"):
        if path not in keep:
            path.unlink()


def selected_sectors(content: Content, wanted: tuple[str, ...]) -> list[SectorContent]:
    if not wanted:
        return list(content.sectors)
    known = {sc.id for sc in content.sectors}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise PrintError(f"未知的行业编号：{'、'.join(unknown)}；可选：{'、'.join(sorted(known))}")
    return [sc for sc in content.sectors if sc.id in wanted]


def job_key(job: Job, root: Path) -> str:
    """What a PDF is made from: its template and context, and the bytes of the images it shows."""
    images: list[Path] = []
    sc = job.context.get("sc")
    if isinstance(sc, SectorContent):
        folder = root / "sectors" / sc.id
        images = [folder / img.src for e in sc.enterprises for p in e.practices for img in p.images]
    return hashcache.key(job.template, job.context, job.base_url, job.pdfa, hashcache.file_digest(*images))


def _from_cache(job: Job, info: dict[str, Any]) -> Rendered:
    return Rendered(job.name, job.out, info["pages"], 0.0, 0.0, info["bytes"], 0.0,
                    anchor_pages=info.get("anchor_pages", {}), cached=True)


def _cache_info(r: Rendered) -> dict[str, Any]:
    return {"pages": r.pages, "bytes": r.bytes, "anchor_pages": r.anchor_pages}


def build(content: Content, opts: BuildOptions) -> dict[str, Any]:
    """Write pdf/<sector>.pdf, pdf/<sector>-form.pdf and (without a sector filter) pdf/guide.pdf.

    Only what changed is rendered again: each file's key (see `job_key`) is kept in build/.cache/.
    """
    use_print_fonts()
    require_cjk_font()
    out = opts.out / "pdf"
    sectors = selected_sectors(content, opts.sectors)
    jobs = [job(content, sc, opts.root, out, opts.pdfa, opts.duplex) for sc in sectors for job in (volume_job, form_job)]
    store = hashcache.Cache(opts.out, "pdf")
    keys = {j.name: job_key(j, opts.root) for j in jobs}
    total = len(jobs) + (0 if opts.sectors else 1)
    done: list[Rendered] = []

    def progress(r: Rendered) -> None:
        done.append(r)
        if not r.cached:
            if r.name in keys:
                store.put(r.path, keys[r.name], _cache_info(r))
            store.save()
        opts.progress.step("pdf", len(done), total, r.path.name + ("（未变，沿用）" if r.cached else ""))

    stale = []
    for j in jobs:
        info = store.get(j.out, keys[j.name])
        if info is None:
            stale.append(j)
        else:
            progress(_from_cache(j, info))
    volumes = [j for j in stale if j.template == VOLUME_TEMPLATE]
    guide = None
    with worker_pool(min(opts.jobs, len(stale))) as pool:
        renderer = Renderer(pool, progress, opts.stop)
        # The volumes first: guide.pdf's front matter needs their lengths, and is rendered beside
        # the forms. The binding waits until the workers are gone (see `_Guide`).
        renderer.wait(renderer.submit(volumes))
        if not opts.sectors:
            by_name = {r.name: r for r in done}
            guide = _Guide(content, [(sc, by_name[sc.id]) for sc in sectors], [keys[sc.id] for sc in sectors], opts, store)
            guide.start(pool)
        renderer.wait(renderer.submit([j for j in stale if j not in volumes]))
        if guide is not None:
            guide.front_matter(opts.stop)
    if guide is not None:
        progress(guide.finish(opts.jobs, opts.stop))
    if not opts.sectors:
        _remove_stale(content, opts)
    return {"files": [_figures(r) for r in sorted(done, key=lambda r: r.path.name)],
            "rendered": sorted(r.path.name for r in done if not r.cached),
            "warnings": sorted({w for r in done for w in r.warnings})}


class _Guide:
    """guide.pdf: its front matter, rendered in a worker beside the forms, then the sector volumes
    bound behind it (`bind_guide`).

    The binding runs after the workers are gone, in a process of its own: qpdf holds every object
    of the book at once (a city's 2,000 pages: 550,000 objects, about 900 MiB), and bound beside
    two workers rendering forms, the build's processes together took 2.1 GiB. Alone, it costs the
    build about half its 20 s (one core idle), and the memory is given back when it ends."""

    def __init__(self, content: Content, volumes: list[tuple[SectorContent, Rendered]], volume_keys: list[str],
                 opts: BuildOptions, store: hashcache.Cache) -> None:
        self.started = time.perf_counter()
        self.volumes, self.store, self.path = volumes, store, opts.out / "pdf" / GUIDE_FILE
        # The front matter is kept in the cache folder so that a change inside one 分册 that moves
        # no 目录 entry only re-binds the volumes.
        self.front_at = partial(front_job, content, volumes, opts.root, opts.out / ".cache", opts.pdfa, opts.duplex)
        self.job = self.front_at()
        self.pdfa, self.duplex, self.progress = opts.pdfa, opts.duplex, opts.progress
        self.front_key = job_key(self.job, opts.root)
        self.key = hashcache.key(self.front_key, volume_keys)
        self.cached = store.get(self.path, self.key)
        self.front: Rendered | None = None

    def start(self, pool: ProcessPoolExecutor | None) -> None:
        """Queue the front matter in a worker, unless the cached one is right (with -j 1 it is
        rendered in `front_matter`)."""
        self.pending: Future[Rendered] | None = None
        if self.cached is not None:
            return
        info = self.store.get(self.job.out, self.front_key)
        if info is not None:
            self.front = _from_cache(self.job, info)
        elif pool is not None:
            self.pending = pool.submit(_render_front, self.front_at)

    def front_matter(self, stop: threading.Event) -> None:
        """Wait for the front matter (or render it here, with -j 1), and keep it in the cache."""
        if self.cached is not None or self.front is not None:
            return
        if self.pending is None:
            self.front = _render_front(self.front_at)
        else:
            self.front = _waited(self.pending, stop)
        self.store.put(self.job.out, self.front_key, _cache_info(self.front))

    def finish(self, jobs: int, stop: threading.Event) -> Rendered:
        """Bind the book: in a fresh process of its own with -j > 1, in this one with -j 1."""
        if self.cached is not None:
            return _from_cache(replace(self.job, name=GUIDE_FILE, out=self.path), self.cached)
        assert self.front is not None
        call = partial(bind_guide, self.front.path, self.job.context["meta"],
                       [(volume_title(sc), r.path) for sc, r in self.volumes], self.pdfa, self.duplex, self.path)
        if jobs <= 1:
            pages, size, notes, cpu = call()
        else:
            with workers.pool(1) as alone:
                pages, size, notes, cpu = _waited(alone.submit(call), stop)
        for note in notes:
            self.progress.info(f"[pdf] 注意：{note}")
        self.store.put(self.path, self.key, {"pages": pages, "bytes": size})
        front = self.front
        return Rendered(GUIDE_FILE, self.path, pages, round(time.perf_counter() - self.started, 2),
                        round(front.cpu_seconds + cpu, 2), size, front.peak_mib, warnings=front.warnings + notes)


T = TypeVar("T")


def _waited(future: Future[T], stop: threading.Event) -> T:
    """The future's result, or PrintError (the future cancelled) once the build fails elsewhere."""
    while not future.done():
        if stop.is_set():
            future.cancel()
            _check(stop)
        wait([future], timeout=0.5)
    return future.result()


def bind_guide(front: Path, meta: dict[str, str], volumes: list[tuple[str, Path]], pdfa: bool, duplex: bool,
               path: Path) -> tuple[int, int, list[str], float]:
    """Bind guide.pdf from its front matter and the volumes and write it; returns its pages and
    bytes, the binding's notes and the CPU seconds it took."""
    cpu = time.thread_time()
    data, pages, notes = bind(front, volumes, meta, pdfa, duplex)
    write_bytes(path, data)
    return pages, len(data), notes, time.thread_time() - cpu


def _render_front(front_at: Callable[..., Job]) -> Rendered:
    """Rendered once, the 分册' start pages worked out by WeasyPrint (see `front_job`); rendered
    again with the numbers given only if the front is longer than its counter styles reach, or its
    last element is not on its last page. Those numbers change no line: its length stays."""
    job = front_at()
    front = render(job)
    if not job.context["volumes"] or front.anchor_pages.get(FRONT_END) == front.pages <= job.context["front_bound"]:
        return front
    for _ in range(3):
        pages = front.pages
        front = render(front_at(front_pages=pages))
        if front.pages == pages:
            break
    return front


def _figures(r: Rendered) -> dict[str, Any]:
    return {"file": r.path.name, "pages": r.pages, "seconds": r.seconds, "cpu_seconds": r.cpu_seconds,
            "bytes": r.bytes, "peak_mib": r.peak_mib}

