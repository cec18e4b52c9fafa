"""Stage — print: the PDF volumes, the document of record.

Each sector gets its own volume and a blank inspection form, rendered by WeasyPrint from the
validated model in worker processes. The combined volume (guide.pdf) is a 合订本: only its cover,
目录 and common chapters are laid out here; the sector volumes already rendered are bound behind
them with pypdf, each keeping its own page numbers (分册页码). Laying the same pages out twice would
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
import os
import re
import resource
import shutil
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markdown
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

from zhinan import cache as hashcache
from zhinan import workers
from zhinan.model import Content, Enterprise, Guide, SectorContent
from zhinan.output import write_bytes
from zhinan.stage import BuildError

if TYPE_CHECKING:
    from zhinan.stage import BuildOptions

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
    # Content is validated to hold no raw HTML; escaping "<" keeps it so whatever slips through.
    def slugify(value: str, separator: str) -> str:
        return slug_prefix + str(slugify_unicode(value, separator))

    md = markdown.Markdown(
        extensions=["sane_lists", "tables", "toc"],
        extension_configs={"toc": {"slugify": slugify}},
    )
    html = md.convert(join_cjk_lines(text.replace("<", "&lt;")))
    return Markup(html), list(getattr(md, "toc_tokens", []))


def md_filter(text: str) -> Markup:
    return _md(text)[0]


def md_inline_filter(text: str) -> Markup:
    """Markdown for a table cell: a single paragraph loses its <p>, one block box fewer per row."""
    html = str(_md(text)[0])
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def cn_num(n: int) -> str:
    return CN_NUMERALS[n - 1] if 0 < n <= len(CN_NUMERALS) else str(n)


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def anchor(sc: SectorContent, name: str) -> str:
    # Named destinations must stay unique once every volume is bound into guide.pdf.
    return f"{sc.id}--{name}"


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
    env.filters.update(md=md_filter, md_inline=md_inline_filter, cn_date=cn_date)
    env.globals.update(cn_num=cn_num, anchor=anchor, aspect_anchor=aspect_anchor, enterprise_anchor=enterprise_anchor)
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
    document, data, records = _weasyprint(job, render_html(job))
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if errors:
        raise PrintError(f"生成 {job.name} 时出错，未写入文件：" + "；".join(errors))
    write_bytes(job.out, data)
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            if name in job.anchors:
                pages.setdefault(name, number)
    return Rendered(
        name=job.name,
        path=job.out,
        pages=len(document.pages),
        seconds=round(time.perf_counter() - started, 2),
        cpu_seconds=round(time.thread_time() - cpu, 2),
        bytes=len(data),
        peak_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        anchor_pages=pages,
        warnings=[r.getMessage() for r in records],
    )


def _weasyprint(job: Job, html: str) -> tuple[Any, bytes, list[logging.LogRecord]]:
    from weasyprint import HTML  # imported where it renders: a worker, or the main process with -j1

    options: dict[str, Any] = {"pdf_identifier": hashlib.md5(html.encode()).hexdigest().encode()}
    if job.pdfa:
        options["pdf_variant"] = "pdf/a-3u"
    with _weasyprint_log() as log, warnings.catch_warnings(), _collect_afterwards():
        # WeasyPrint hands the sRGB profile of PDF/A to Pillow as an open file and never closes it.
        warnings.filterwarnings("ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning)
        document = HTML(string=html, base_url=job.base_url).render()
        data = document.write_pdf(**options)
    return document, data, log.records


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
    with workers.pool(jobs) as pool:  # workers die with the build, see zhinan.workers
        yield pool


# ---- the jobs of a build ---------------------------------------------------------------------


def _sector_base_url(root: Path, sc: SectorContent) -> str:
    # Image paths in the content are relative to the sector folder.
    return (root / "sectors" / sc.id).resolve().as_uri() + "/"


def volume_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool) -> Job:
    guide = content.guide
    toc = sector_toc(sc)
    title = f"{guide.title}·{volume_title(sc)}"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查清单和标杆企业典型做法",
                         [guide.title, sc.sector.name, sc.sector.department, "安全生产标准化", "检查清单"]),
        "guide": guide, "sc": sc, "toc": toc, "toc_id": anchor(sc, "toc"), "aspects": aspects_of(sc),
        "volume_title": volume_title(sc),
    }
    return Job(sc.id, VOLUME_TEMPLATE, ctx, _sector_base_url(root, sc), out / f"{sc.id}.pdf", pdfa,
               anchors=tuple(e.anchor for e in toc), size_hint=len(sc.items) + 10 * len(sc.enterprises))


def form_job(content: Content, sc: SectorContent, root: Path, out: Path, pdfa: bool) -> Job:
    guide = content.guide
    title = f"{sc.sector.name}安全生产标准化检查表"
    ctx = {
        "meta": metadata(guide, title, f"{sc.sector.name}行业安全生产标准化检查表（空白）",
                         [guide.title, sc.sector.name, "检查表"]),
        "guide": guide, "s": sc.sector, "aspects": aspects_of(sc),
    }
    return Job(f"{sc.id}-form", "print/form.html", ctx, _sector_base_url(root, sc), out / f"{sc.id}-form.pdf", pdfa,
               size_hint=len(sc.items) // 4)


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


def front_job(content: Content, volumes: list[tuple[SectorContent, Rendered]], root: Path, out: Path,
              pdfa: bool) -> Job:
    """Cover, 目录 and common chapters of the combined volume; the 目录 lists each bound 分册."""
    guide = content.guide
    chapters, toc = _chapters(content)
    groups = [
        {"title": volume_title(sc),
         "toc": [TocEntry(e.title, e.anchor, e.level, r.anchor_pages[e.anchor]) for e in sector_toc(sc)]}
        for sc, r in volumes
    ]
    ctx = {
        "meta": metadata(guide, guide.title, f"{guide.title}（{guide.edition}）合订本",
                         [guide.title, guide.edition, "安全生产标准化", *(sc.sector.name for sc in content.sectors)]),
        "guide": guide, "toc": toc, "toc_id": "toc", "volumes": groups, "chapters": chapters,
    }
    return Job("guide-front", "print/guide.html", ctx, (root / "guides").resolve().as_uri() + "/",
               out / ".guide-front.pdf", pdfa)


# ---- binding the combined volume -------------------------------------------------------------


def bind(front: Path, volumes: list[tuple[str, Path]], meta: dict[str, str], pdfa: bool) -> bytes:
    """The 合订本: front matter, then every sector volume unchanged, with merged bookmarks and page
    labels equal to the printed numbers (front pages 1…n, then “<行业>-1…” for each 分册)."""
    writer = PdfWriter()
    front_reader = PdfReader(front)
    writer.append(front_reader)
    writer.set_page_label(0, len(writer.pages) - 1, PageLabelStyle.DECIMAL, start=1)
    for title, path in volumes:
        first = len(writer.pages)
        writer.append(PdfReader(path), outline_item=title)
        writer.set_page_label(first, len(writer.pages) - 1, PageLabelStyle.DECIMAL, prefix=f"{title}-", start=1)
    writer.add_metadata({
        "/Title": meta["title"], "/Author": meta["author"], "/Subject": meta["subject"],
        "/Keywords": meta["keywords"], "/Creator": "zhinan", "/Producer": "zhinan (WeasyPrint, pypdf)",
        "/CreationDate": pdf_date(meta["date"]), "/ModDate": pdf_date(meta["date"]),
    })
    root = writer.root_object
    root[NameObject("/Lang")] = TextStringObject("zh-CN")
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    if pdfa:
        # Every part is PDF/A-3u already; keep the front's XMP and sRGB output intent for the whole.
        for key in ("/OutputIntents", "/Metadata"):
            if key in front_reader.root_object:
                root[NameObject(key)] = front_reader.root_object[key].clone(writer)
    digest = hashlib.md5(b"".join(p.read_bytes() for p in [front, *(v for _, v in volumes)])).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


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
    require_cjk_font()
    out = opts.out / "pdf"
    sectors = selected_sectors(content, opts.sectors)
    jobs = [job(content, sc, opts.root, out, opts.pdfa) for sc in sectors for job in (volume_job, form_job)]
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
    with worker_pool(min(opts.jobs, len(stale))) as pool:
        renderer = Renderer(pool, progress, opts.stop)
        # The volumes are queued first and the forms after them: guide.pdf needs only the volumes,
        # so its front matter is rendered and bound here while the workers render the forms.
        first = renderer.submit(volumes)
        rest = renderer.submit([j for j in stale if j not in volumes])
        renderer.wait(first)
        if not opts.sectors:
            by_name = {r.name: r for r in done}
            guide = _Guide(content, [(sc, by_name[sc.id]) for sc in sectors], [keys[sc.id] for sc in sectors], opts, store)
            progress(guide.build())
        renderer.wait(rest)
    if not opts.sectors:
        _remove_stale(content, opts)
    return {"files": [_figures(r) for r in sorted(done, key=lambda r: r.path.name)],
            "rendered": sorted(r.path.name for r in done if not r.cached),
            "warnings": sorted({w for r in done for w in r.warnings})}


class _Guide:
    """guide.pdf: its front matter rendered in this process (the workers are busy with the forms),
    then the sector volumes bound behind it."""

    def __init__(self, content: Content, volumes: list[tuple[SectorContent, Rendered]], volume_keys: list[str],
                 opts: BuildOptions, store: hashcache.Cache) -> None:
        self.started, self.cpu = time.perf_counter(), time.thread_time()
        self.volumes, self.store, self.path = volumes, store, opts.out / "pdf" / GUIDE_FILE
        # The front matter is kept in the cache folder so that a change inside one 分册 that moves
        # no 目录 entry only re-binds the volumes.
        self.job = front_job(content, volumes, opts.root, opts.out / ".cache", opts.pdfa)
        self.pdfa = opts.pdfa
        self.front_key = job_key(self.job, opts.root)
        self.key = hashcache.key(self.front_key, volume_keys)
        self.cached = store.get(self.path, self.key)

    def build(self) -> Rendered:
        if self.cached is not None:
            return _from_cache(replace(self.job, name=GUIDE_FILE, out=self.path), self.cached)
        info = self.store.get(self.job.out, self.front_key)
        front = _from_cache(self.job, info) if info else render(self.job)
        self.store.put(self.job.out, self.front_key, _cache_info(front))
        data = bind(front.path, [(volume_title(sc), r.path) for sc, r in self.volumes], self.job.context["meta"],
                    self.pdfa)
        write_bytes(self.path, data)
        pages = front.pages + sum(r.pages for _, r in self.volumes)
        self.store.put(self.path, self.key, {"pages": pages, "bytes": len(data)})
        return Rendered(GUIDE_FILE, self.path, pages, round(time.perf_counter() - self.started, 2),
                        round(time.thread_time() - self.cpu, 2), len(data), front.peak_mib,
                        warnings=front.warnings)


def _figures(r: Rendered) -> dict[str, Any]:
    return {"file": r.path.name, "pages": r.pages, "seconds": r.seconds, "cpu_seconds": r.cpu_seconds,
            "bytes": r.bytes, "peak_mib": r.peak_mib}

