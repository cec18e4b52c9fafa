"""Stage — pdf: the PDF volumes, the document of record.

Each sector gets its own volume and a blank inspection form, rendered by WeasyPrint from the
validated model in worker processes (`render`). The combined volume (guide.pdf) is a 合订本: only
its cover, 目录 and common chapters are laid out here (`jobs.front_job`); the sector volumes already
rendered are bound behind them (`bind`), from their first part on, each keeping its page numbers,
prefixed with its number in the book (“3-5”, the one numbering of the book), and each font
face is embedded once for the whole book (`fonts`). Laying the same pages out twice would cost
minutes and gigabytes at city scale, and the 目录 needs no second pass because the page of every
sector heading is known once its volume is rendered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from zhinan.content.model import Content, SectorContent
from zhinan.errors import ZhinanError
from zhinan.pipeline import hashcache, workers
from zhinan.pipeline.files import write_bytes
from zhinan.pipeline.stage import StageFailed

if TYPE_CHECKING:
    from zhinan.pipeline.stage import BuildOptions
from zhinan.pdf.bind import bind
from zhinan.pdf.fonts import GUIDE_FILE, PdfError, require_cjk_font, use_print_fonts
from zhinan.pdf.jobs import form_job, front_job, opening_page, volume_job, volume_number
from zhinan.pdf.render import SERVER_PRELOAD, Job, Rendered, Renderer, _check, render, worker_pool
from zhinan.pdf.typeset import VOLUME_TEMPLATE, volume_title

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
        raise PdfError(f"未知的行业编号：{'、'.join(unknown)}；可选：{'、'.join(sorted(known))}")
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
        # the forms. The binding waits until the workers are gone (see `_BoundGuide`).
        renderer.wait(renderer.submit(volumes))
        if not opts.sectors:
            by_name = {r.name: r for r in done}
            guide = _BoundGuide(content, [(sc, by_name[sc.id]) for sc in sectors], [keys[sc.id] for sc in sectors], opts, store)
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


class _BoundGuide:
    """guide.pdf: its front matter, rendered in a worker beside the forms, then the sector volumes
    bound behind it (`bind_guide`).

    The binding runs after the workers are gone, in a process of its own: qpdf holds every object
    of the book at once (a city's book: hundreds of thousands of objects, close to a gigabyte), and
    bound beside workers rendering forms, the build's processes together would hold all of it at
    once. Alone it leaves one core idle for a while, and the memory is given back when it ends."""

    def __init__(self, content: Content, volumes: list[tuple[SectorContent, Rendered]], volume_keys: list[str],
                 opts: BuildOptions, store: hashcache.Cache) -> None:
        self.started = time.perf_counter()
        self.volumes, self.store, self.path = volumes, store, opts.out / "pdf" / GUIDE_FILE
        self.content = content
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
                       [(volume_title(sc), r.path, opening_page(sc, r) - 1, f"{volume_number(self.content, sc)}-")
                        for sc, r in self.volumes], self.pdfa, self.duplex, self.path)
        if jobs <= 1:
            pages, size, notes, cpu = call()
        else:
            with workers.pool(1, "forkserver", SERVER_PRELOAD) as alone:
                pages, size, notes, cpu = _waited(alone.submit(call), stop)
        for note in notes:
            self.progress.info(f"[pdf] 注意：{note}")
        self.store.put(self.path, self.key, {"pages": pages, "bytes": size})
        front = self.front
        return Rendered(GUIDE_FILE, self.path, pages, round(time.perf_counter() - self.started, 2),
                        round(front.cpu_seconds + cpu, 2), size, front.peak_mib, warnings=front.warnings + notes)


T = TypeVar("T")


def _waited(future: Future[T], stop: threading.Event) -> T:
    """The future's result, or PdfError once the build fails elsewhere (the future is not
    cancelled: its pool is killed, see `Renderer`)."""
    while not future.done():
        _check(stop)
        wait([future], timeout=0.5)
    error = future.exception()
    if error is not None and not isinstance(error, ZhinanError | KeyboardInterrupt | SystemExit):
        raise StageFailed("pdf", error, GUIDE_FILE) from error
    return future.result()


def bind_guide(front: Path, meta: dict[str, str], volumes: list[tuple[str, Path, int, str]], pdfa: bool, duplex: bool,
               path: Path) -> tuple[int, int, list[str], float]:
    """Bind guide.pdf from its front matter and the volumes and write it; returns its pages and
    bytes, the binding's notes and the CPU seconds it took."""
    cpu = time.thread_time()
    data, pages, notes = bind(front, volumes, meta, pdfa, duplex)
    write_bytes(path, data)
    return pages, len(data), notes, time.thread_time() - cpu


def _render_front(front_at: Callable[..., Job]) -> Rendered:
    return render(front_at())


def _figures(r: Rendered) -> dict[str, Any]:
    return {"file": r.path.name, "pages": r.pages, "seconds": r.seconds, "cpu_seconds": r.cpu_seconds,
            "bytes": r.bytes, "peak_mib": r.peak_mib}

