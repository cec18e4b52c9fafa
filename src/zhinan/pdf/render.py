"""Rendering one PDF in a worker process: a `Job` in, a `Rendered` out. WeasyPrint's log is
collected and turned into a Chinese error; only files inside the repository are fetched; the
目录's leader dots are set as one run per line after layout, and lines of Chinese text justified
between their characters (`justify`); memory is given back after each file.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import hashlib
import logging
import math
import os
import resource
import signal
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhinan.content import sanitize
from zhinan.errors import ZhinanError
from zhinan.pipeline import workers
from zhinan.pipeline.files import write_bytes
from zhinan.pipeline.stage import StageFailed

if TYPE_CHECKING:
    pass
from zhinan.pdf.fonts import FONTS_CONF, PdfError, foreign_faces, use_print_fonts
from zhinan.pdf.justify import justify_chinese
from zhinan.pdf.typeset import jinja_env

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


TIME_LIMIT = 600.0
"""Seconds one PDF may take to lay out and write (environment: ZHINAN_PDF_TIME_LIMIT). The
largest file of the city's content, guide.pdf's front matter, takes about 25 s; a document that
runs for ten minutes is not going to end (an SVG expanded to 2^40 elements ran for hours)."""


def time_limit() -> float:
    try:
        return float(os.environ.get("ZHINAN_PDF_TIME_LIMIT", "") or TIME_LIMIT)
    except ValueError:
        return TIME_LIMIT


@contextmanager
def _time_bound(job: Job) -> Iterator[None]:
    """Stop the document (PdfError naming it) once it has taken `time_limit()` seconds: a timer
    signal in the process rendering it (a worker, or the build with -j 1; only its main thread can
    take a signal, elsewhere the block is unbounded)."""
    limit = time_limit()
    if threading.current_thread() is not threading.main_thread() or limit <= 0:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise PdfError(f"生成 {job.out.name} 超过了每个 PDF 的时间上限 {limit:g} 秒，已停止，未写入文件。"
                       "请检查其中的图片（如很复杂的 SVG）或内容是否异常；确需更长时间时设置环境变量 ZHINAN_PDF_TIME_LIMIT")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render(job: Job) -> Rendered:
    """Render one job to its PDF file (atomically); runs in a worker process."""
    started, cpu = time.perf_counter(), time.thread_time()
    with _collect_afterwards(), _time_bound(job):  # collected after the document is gone
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
        raise PdfError(f"生成 {job.name} 时出错，未写入文件：" + "；".join(errors))
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
    a text operator of its own: a city's 合订本 has tens of thousands of them in its 目录, and
    drawing and writing them dominated the front matter's layout. Here, once
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
    justify_chinese()
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
                raise PdfError(f"PDF 只能使用仓库内的文件，已拒绝读取“{url[:200]}”（{scheme or '无协议'} 地址）")
            path = os.path.realpath(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
            if not top or not (path == top or path.startswith(top.rstrip(os.sep) + os.sep)):
                raise PdfError(f"PDF 只能使用仓库内的文件，已拒绝读取仓库之外的“{path}”")
            if path.lower().endswith(".svg") and os.path.isfile(path):
                found = sanitize.svg_problems(Path(path).read_bytes())
                if found:
                    raise PdfError(f"SVG 图片 {path} 不能使用：{'；'.join(found)}")
            return super().fetch(url, headers)

    return RootOnly(allowed_protocols=("file",), allow_redirects=False)


def failed(job: Job, error: BaseException) -> BaseException:
    """The error a failed job ends the build with: the job's own (a PdfError names its file), or
    any other exception of the worker as a StageFailed naming the file."""
    if isinstance(error, ZhinanError | KeyboardInterrupt | SystemExit):
        return error
    wrapped = StageFailed("pdf", error, job.out.name)
    wrapped.__cause__ = error
    return wrapped


class Renderer:
    """Renders jobs in the worker pool (or, with -j 1, in this process when waited for), biggest
    first so that the slowest file never starts last. Stops (PdfError) before the next file once
    `stop` is set: the build has failed elsewhere.

    A queued job is never cancelled (`Future.cancel`) from here: the pool is killed instead
    (`workers.pool`), which fails every queued job itself. On CPython 3.11 a job cancelled just
    before its workers die makes the pool's manager thread fail (`InvalidStateError: CANCELLED` in
    `terminate_broken`) before it closes the queue to the workers, and the process then waited for
    ever at exit for a queue nobody read: the build that never ended."""

    def __init__(self, pool: ProcessPoolExecutor | None, on_done: Callable[[Rendered], None],
                 stop: threading.Event | None = None) -> None:
        self.pool, self.on_done, self.stop = pool, on_done, stop or threading.Event()
        self.jobs: dict[Future[Rendered], Job] = {}

    def submit(self, jobs: list[Job]) -> list[Future[Rendered]] | list[Job]:
        ordered = sorted(jobs, key=lambda j: -j.size_hint)
        if self.pool is None:
            return ordered
        futures = [self.pool.submit(render, j) for j in ordered]
        self.jobs.update(zip(futures, ordered, strict=True))
        return futures

    def wait(self, handles: list[Future[Rendered]] | list[Job]) -> list[Rendered]:
        results: list[Rendered] = []
        pending: set[Future[Rendered]] = set()
        for handle in handles:
            if isinstance(handle, Job):
                _check(self.stop)
                try:
                    results.append(render(handle))
                except Exception as exc:
                    raise failed(handle, exc) from exc
                self.on_done(results[-1])
            else:
                pending.add(handle)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            _check(self.stop)  # the others are not cancelled: see the class
            for fut in done:
                error = fut.exception()
                if error is not None:
                    raise failed(self.jobs[fut], error)
                results.append(fut.result())
                self.on_done(results[-1])
        return results


def _check(stop: threading.Event) -> None:
    if stop.is_set():
        raise PdfError("构建已在别处失败，PDF 生成已停止。")


@contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for -j > 1; with -j 1 everything renders in this process.

    Workers are not forked from the build: it runs other stages in threads beside this one, and a
    forked child could inherit a lock another thread held. They are forked by the fork server
    (`zhinan.pipeline.workers`), a single-threaded process that imported `SERVER_PRELOAD` once,
    and share no memory pages with the build process."""
    if jobs <= 1:
        yield None
        return
    with workers.pool(jobs, "forkserver", SERVER_PRELOAD) as pool:  # they die with the build
        yield pool


SERVER_PRELOAD = ("zhinan.pdf.render", "weasyprint")
"""What the fork server imports before it forks a PDF worker (WeasyPrint is imported where it
renders, so it is named too): each worker starts with them, instead of importing them again."""


