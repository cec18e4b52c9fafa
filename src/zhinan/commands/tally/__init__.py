"""`zhinan tally INBOX…`: the safety office counts what the enterprises returned, every week.

Reads the returned workbooks and JSON exports (`read`), keeps them in a SQLite store keyed by
content hash (`store`), counts as of a date (`figures`) and writes the 简报 PDF, its figures as XLSX
and the 退回清单 (`outputs`). The store and outputs hold enterprise names and findings: they live
where the office says (`--out`, default `tally/`), never in build/ or the site.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hmac
import os
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from zhinan.content.model import Content
from zhinan.errors import ZhinanError
from zhinan.formats.record import to_json

from .figures import tally, week_end, week_of
from .read import Expected, Outcome, inbox_files, read_expected, read_file
from .store import Store, digest

__all__ = ["Expected", "TallyError", "load", "read_expected", "run", "week_end", "week_of"]

PARALLEL_FROM = 64
"""Fewer new files than this are read in this process (starting workers costs more than it saves)."""


class TallyError(ZhinanError):
    """The tally cannot run (an output inside build/ or the site, an unusable store)."""


@dataclasses.dataclass
class Result:
    data: dict[str, Any]
    read: int
    skipped: int
    written: list[Path]


_CONTENT: Content | None = None
_EXPECTED: Sequence[Expected] = ()
_KNOWN: frozenset[str] = frozenset()
"""What a worker needs, set before the workers are forked (or by `_init` in a spawned one)."""

RACY_NS = 2_000_000_000
"""A file modified this recently when hashed may change again within its mtime's resolution without
its stat changing (git's "racy" entries): its stat is not remembered, so the next run hashes it again."""


def _init(root: Path, expected: Sequence[Expected], known: frozenset[str]) -> None:
    global _CONTENT, _EXPECTED, _KNOWN
    from zhinan.content.validate import load_content

    _CONTENT, _EXPECTED, _KNOWN = load_content(root), expected, known


def _read_one(job: tuple[str, str]) -> tuple[str, str, int, Outcome | None]:
    """Hash one file and read it unless a file of the same bytes was read before (then no outcome)."""
    path, label = job
    data = Path(path).read_bytes()
    h = digest(data)
    if h in _KNOWN:
        return h, label, len(data), None
    assert _CONTENT is not None
    return h, label, len(data), read_file(Path(path), data, _CONTENT, label, _EXPECTED)


def content_key(root: Path) -> str:
    """What the loaded content depends on: every file under sectors/ and guides/ (name and bytes) and
    zhinan's content code (a changed model or rule makes a different Content)."""
    import hashlib

    import zhinan
    import zhinan.content

    h = hashlib.sha256(zhinan.__version__.encode())
    code = Path(zhinan.content.__file__).parent
    for base, folder in ((code, code), (root, root / "sectors"), (root, root / "guides")):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(p.relative_to(base).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def load(root: Path, db: Path) -> Content:
    """The validated content (ContentError as `load_content`), from the store when neither the content
    files nor zhinan's content code changed since it was loaded: validating the city's 46 sectors took
    2.6–5 s of every rerun, unpickling them takes 0.3 s.

    The pickle is signed with a key kept in this user's cache folder (`_cache_key`) and is only
    unpickled when the signature holds: a store copied from elsewhere, or edited, has its cached
    content ignored (loaded again), never run."""
    import pickle

    from zhinan.content.validate import load_content

    guard(db, root)
    key = content_key(root)
    secret = _cache_key()
    if db.is_file() and secret is not None:
        store = Store(db)
        try:
            body = store.cached_content(key)
        finally:
            store.close()
        if body is not None and hmac.compare_digest(body[:32], hmac.digest(secret, body[32:], "sha256")):
            try:
                found = pickle.loads(body[32:])
            except Exception:  # a cache that no longer unpickles is rebuilt
                found = None
            if isinstance(found, Content):
                return found
    content = load_content(root)  # content with errors: no store is made
    if secret is not None:
        pickled = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
        store = Store(db)
        try:
            store.cache_content(key, hmac.digest(secret, pickled, "sha256") + pickled)
        finally:
            store.close()
    return content


def _cache_key() -> bytes | None:
    """This user's key for signing the content cache ($XDG_CACHE_HOME or ~/.cache, zhinan/tally.key,
    made on first use, readable by this user only); None where it cannot be kept (no cache then)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zhinan"
    path = folder / "tally.key"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_bytes()
            return secret if len(secret) == 32 else None
        with os.fdopen(fd, "wb") as fh:
            secret = secrets.token_bytes(32)
            fh.write(secret)
        return secret
    except OSError:
        return None


class _Kept:
    """The files read, stored one by one as they come back from the readers."""

    def __init__(self, store: Store, stats: dict[str, tuple[int, int, int]]) -> None:
        self.store, self.stats = store, stats
        self.retry = store.failed()
        self.now = time.time_ns()
        self.done: set[str] = set()
        self.read = self.skipped = 0
        self.refused: list[tuple[str, str]] = []
        self.notes: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []

    def add(self, path: str, outcome: tuple[str, str, int, Outcome | None]) -> None:
        h, label, size, o = outcome
        if self.stats[path][1] < self.now - RACY_NS:
            self.store.see([(path, *self.stats[path], h)])
        if o is None or h in self.done:  # the same bytes as a file read before, or earlier in this run
            self.skipped += 1
            return
        self.done.add(h)
        self.read += 1
        if h in self.retry:
            self.store.forget(h)
        if o.inspection is None:
            self.store.add_refused(h, label, size, o.reason)
            self.refused.append((label, o.reason))
            if o.error:
                self.errors.append((label, o.error))
            return
        ins = o.inspection
        self.notes.extend((label, n) for n in o.notes)
        assert ins.date is not None
        self.store.add_record(h, label, size, {"credit_code": ins.credit_code, "sector": ins.sector, "enterprise": ins.enterprise,
                                               "county": ins.county, "date": ins.date.isoformat(), "version": o.version,
                                               "edition": o.edition}, to_json(ins, o.edition))


def guard(path: Path, root: Path) -> None:
    """Refuse a store or output inside the build, the site or the content tree (guides/ is MkDocs'
    docs_dir): they hold enterprise names and findings."""
    p = path.resolve()
    for forbidden in (root / "build", root / "site", root / "guides", root / "sectors"):
        if p == forbidden.resolve() or forbidden.resolve() in p.parents:
            raise TallyError(f"{path}: 进展简报的数据和输出含企业名称和隐患，不能放在 {forbidden.name}/ 下（可能随网站发布）：请另选 --out/--db")


def run(inboxes: Sequence[Path], content: Content, root: Path, out: Path, db: Path, as_of: datetime.date, week: str,
        expected: Sequence[Expected] = (), jobs: int | None = None, write: bool = True) -> Result:
    guard(out, root)
    guard(db, root)
    try:
        files = inbox_files(inboxes)
    except OSError as exc:  # a folder that cannot be listed: its files would be missing from the counts unseen
        raise TallyError(f"{exc.filename}: 无法读取收件箱中的这个文件夹（{exc.strerror}）：请检查权限后重新运行，"
                         "否则其中报送的文件不会被统计") from exc
    store = Store(db)
    try:
        global _CONTENT, _EXPECTED, _KNOWN
        known = store.known()
        seen = store.seen()
        new: list[tuple[str, str]] = []
        stats: dict[str, tuple[int, int, int]] = {}
        skipped = 0
        for f, label, st in files:
            path = str(f)
            stats[path] = (st.st_size, st.st_mtime_ns, st.st_ino)
            was = seen.get(path)
            if was is not None and was[:3] == stats[path] and was[3] in known:
                skipped += 1  # unchanged since it was hashed: not even read
                continue
            new.append((path, label))
        workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
        _CONTENT, _EXPECTED, _KNOWN = content, tuple(expected), frozenset(known)
        kept = _Kept(store, stats)
        if len(new) >= PARALLEL_FROM and workers > 1:
            import multiprocessing

            # forked workers share the loaded content; elsewhere each worker loads it once
            forked = "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if forked else "spawn")
            pool = (ProcessPoolExecutor(workers, mp_context=context) if forked
                    else ProcessPoolExecutor(workers, mp_context=context, initializer=_init,
                                             initargs=(root, tuple(expected), _KNOWN)))
            with pool:  # each file stored as it comes back, while the workers read the next ones
                for job, outcome in zip(new, pool.map(_read_one, new, chunksize=8), strict=True):
                    kept.add(job[0], outcome)
        else:
            for job in new:
                kept.add(job[0], _read_one(job))
        skipped += kept.skipped
        refused_now, notes_now, errors_now, read = kept.refused, kept.notes, kept.errors, kept.read
        store.commit()
        with contextlib.ExitStack() as stack:
            writer = None
            if write and workers > 1:  # the 简报 PDF is made in a process of its own while the XLSX files are written here
                from zhinan.pipeline import workers as worker_pools

                from .outputs import warm

                writer = stack.enter_context(worker_pools.pool(1))
                writer.submit(warm)  # started now: its interpreter and imports while the figures are counted
            number = store.issue_number(week, as_of) if write else 0
            data: dict[str, Any] = tally(store, content, as_of, week, refused_now, expected)
            data["number"] = number
            data["notes_now"] = notes_now
            data["errors_now"] = errors_now
            written: list[Path] = []
            if write:
                from .outputs import write_outputs

                written = write_outputs(data, content, out, writer)
        return Result(data=data, read=read, skipped=skipped, written=written)
    finally:
        store.close()
