"""The whole build in one readable function: validate everything first, then write each output.

Like MkDocs' ``build()``: all content is loaded and validated before a single file is written, so
every output is made from the same consistent model and invalid content writes nothing.

The PDFs take most of the time, in worker processes; while they render, this process builds the
workbooks, the open data and the site, whose pages link the PDFs at once and receive the files
when the PDFs are done. On two cores that keeps both busy instead of leaving one idle for the
minute the site takes.
"""

from __future__ import annotations

import _thread
import ctypes.util
import dataclasses
import errno
import gc
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from zhinan import data, pdf, sheets, site
from zhinan.content.model import Content
from zhinan.content.validate import load_content
from zhinan.errors import ZhinanError
from zhinan.pipeline import workers
from zhinan.pipeline.stage import STAGES, Alongside, BuildError, BuildOptions, StageFailed
from zhinan.pipeline.transaction import causes, transaction

__all__ = ["STAGES", "Alongside", "BuildError", "BuildOptions", "build", "harfbuzz_subset_available"]
"""The shared types live in `zhinan.pipeline.stage`; they are re-exported here for callers of `build`."""

STAGE_BUILDS: dict[str, Callable[..., Any]] = {
    "pdf": pdf.build,        # volumes, blank forms, guide.pdf — in worker processes, in the background
    "sheets": sheets.build,  # the 三张清单 workbooks and CSV
    "data": data.build,      # guide.json and its JSON Schema
    "site": site.build,      # the website; waits for the PDFs only to copy them in
}
"""Every output stage and the function that builds it, in `STAGES` order."""


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts 5x faster with HarfBuzz's libharfbuzz-subset."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@contextmanager
def _long_lived_model() -> Iterator[None]:
    """The content model, just loaded, lives until the build ends: set it aside from the cyclic
    garbage collector (gc.freeze), and collect young objects less often. The site stage allocates
    millions of short-lived objects, and walking a city-sized model on every full collection
    makes it measurably slower (see the commit that added this)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def build(opts: BuildOptions, *, wait: bool = False) -> dict[str, Any]:
    """Build the selected outputs as one transaction (see `zhinan.pipeline.transaction`): into a new
    generation beside the published one, verified, then published with one rename. Returns
    per-stage results (timings and what was written)."""
    started = time.perf_counter()
    content = load_content(opts.root)
    selected = tuple(stage for stage in STAGES if stage in opts.only)
    with transaction(opts.out, selected, wait=wait, progress=opts.progress) as staging, _long_lived_model():
        results = {"validate_seconds": round(time.perf_counter() - started, 3)}
        return _build(content, dataclasses.replace(opts, out=staging), results)


def _build(content: Content, opts: BuildOptions, results: dict[str, Any]) -> dict[str, Any]:
    if "pdf" in opts.only and not harfbuzz_subset_available():
        opts.progress.info(
            "警告: 未找到 libharfbuzz-subset（Debian 包 libharfbuzz-subset0），PDF 生成会慢约 5 倍"
        )
    stages = [stage for stage in STAGES if stage in opts.only]
    if "pdf" not in stages or len(stages) == 1 or opts.jobs <= 1:  # -j 1: one thing at a time
        for stage in stages:
            results[stage] = _run(stage, content, opts)
        return results
    # The PDFs render in the background; the site waits for them only to copy them in.
    pdf_outputs = frozenset(pdf.outputs(content, opts))
    future: Future[Any] = Future()

    # A failed PDF stage ends the stages running here at once (as Ctrl+C would; the failure is
    # raised below in its place), instead of after the site is built.
    is_main = threading.current_thread() is threading.main_thread()
    interrupt = False
    """Set only inside the `try` below: an interruption anywhere else would escape as Ctrl+C."""
    in_stages = threading.Lock()

    def background() -> None:
        try:
            future.set_result(_run("pdf", content, opts))
        except BaseException as exc:
            future.set_exception(exc)
            with in_stages:
                if interrupt and not workers.signalled.is_set():
                    _thread.interrupt_main(signal.SIGUSR1)

    # A daemon thread, not an executor's: after Ctrl+C the process exits without waiting for it.
    thread = threading.Thread(target=background, name="zhinan-pdf", daemon=True)
    thread.start()

    def wait() -> Any:
        results["pdf"] = future.result()
        return results["pdf"]

    def no_more_interrupts() -> None:
        """From here on the PDF stage's failure is raised by `wait`, not by an interruption. One it
        sent just before is taken here (it comes at once: it was sent holding the lock)."""
        nonlocal interrupt
        try:
            with in_stages:
                interrupt = False
        except _PdfStageFailed:
            pass

    alongside = Alongside(pdf_outputs, wait)
    # Not SIGINT: that is Ctrl+C, and the signal relay (workers.signals_relayed) would take it as one.
    previous = signal.signal(signal.SIGUSR1, _pdf_stage_failed) if is_main else None
    try:
        with in_stages:
            interrupt = is_main
        for stage in stages:
            if future.done():  # failed before it could interrupt: end now
                wait()
            if stage != "pdf":
                results[stage] = _run(stage, content, opts, alongside if stage == "site" else None)
        no_more_interrupts()
        wait()
    except BaseException as exc:
        no_more_interrupts()
        opts.stop.set()
        workers.kill_all()  # not waiting for the files they are rendering
        # Let the PDF stage notice (it checks every half second) before the generation it
        # writes into is removed; after Ctrl+C wait no longer than that.
        thread.join(1.0 if isinstance(exc, KeyboardInterrupt) else 30.0)
        pdf_error = future.exception() if future.done() else None
        # The interruption may reach here as itself, or turned into another error by code that
        # catches everything (openpyxl's descriptors turn it into "TypeError: expected bool"), or
        # wrapped by `_run`: in each case it is the PDF stage's failure that is said.
        if pdf_error is not None and any(isinstance(e, _PdfStageFailed) for e in causes(exc)):
            with warnings.catch_warnings():
                # Files the interrupted stage had open are closed by their finalizers here, as its
                # frames are cleared; that they were not closed explicitly is the interruption's
                # doing, not a leak to report.
                warnings.simplefilter("ignore", ResourceWarning)
                for e in causes(exc):  # what it interrupted is freed here, not at exit
                    if e.__traceback__ is not None:
                        traceback.clear_frames(e.__traceback__)
                        e.__traceback__ = None
                gc.collect()
            raise pdf_error from None  # the interruption was the PDF stage's failure
        raise
    finally:
        if is_main:
            signal.signal(signal.SIGUSR1, previous if previous is not None else signal.SIG_DFL)
    return results


class _PdfStageFailed(BaseException):
    """Raised in the main thread when the PDF stage, running beside it, has failed (a BaseException,
    like KeyboardInterrupt: no `except Exception` of a stage takes it for its own failure)."""


def _pdf_stage_failed(signum: int, frame: object) -> None:
    raise _PdfStageFailed




_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})
"""Failures of the machine a stage writes on (full disk, read-only or forbidden folder, an I/O error): said as such by `transaction()` (`environment_error`), not as zhinan's defect."""


def _run(stage: str, content: Content, opts: BuildOptions, alongside: Alongside | None = None) -> Any:
    """Run one stage; an exception that is not one of zhinan's own errors becomes a StageFailed."""
    t0 = time.perf_counter()
    build_stage = STAGE_BUILDS[stage]
    try:
        result = build_stage(content, opts) if alongside is None else build_stage(content, opts, alongside)
    except ZhinanError:
        raise
    except OSError as exc:
        if exc.errno in _ENVIRONMENT_ERRNOS:
            raise  # the disk or the folder, not zhinan: `transaction()` says it for a person
        raise StageFailed(stage, exc) from exc
    except Exception as exc:
        raise StageFailed(stage, exc) from exc
    opts.progress.info(f"[{stage}] 完成，用时 {time.perf_counter() - t0:.1f} 秒")
    return result
