"""`zhinan tally INBOX…`: the safety office counts what the enterprises returned, every week.

Reads the returned workbooks and JSON exports (`read`), keeps them in a SQLite store keyed by
content hash (`store`), counts as of a date (`figures`) and writes the 简报 PDF, its figures as XLSX
and the 退回清单 (`outputs`). The store and outputs hold enterprise names and findings: they live
where the office says (`--out`, default `tally/`), never in build/ or the site.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
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

__all__ = ["Expected", "TallyError", "read_expected", "run", "week_end", "week_of"]

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


def _init(root: Path, expected: Sequence[Expected]) -> None:
    global _CONTENT, _EXPECTED
    from zhinan.content.validate import load_content

    _CONTENT, _EXPECTED = load_content(root), expected


def _read_one(job: tuple[str, str, str]) -> tuple[str, str, int, Outcome]:
    path, label, _ = job
    data = Path(path).read_bytes()
    assert _CONTENT is not None
    return digest(data), label, len(data), read_file(Path(path), data, _CONTENT, label, _EXPECTED)


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
    files = inbox_files(inboxes)
    store = Store(db)
    try:
        known = store.known()
        new: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        skipped = 0
        for f, label in files:
            h = digest(f.read_bytes())
            if h in known or h in seen:
                skipped += 1
                continue
            seen.add(h)
            new.append((str(f), label, h))
        refused_now: list[tuple[str, str]] = []
        notes_now: list[tuple[str, str]] = []
        workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
        global _CONTENT, _EXPECTED
        _CONTENT, _EXPECTED = content, tuple(expected)
        if len(new) >= PARALLEL_FROM and workers > 1:
            import multiprocessing

            # forked workers share the loaded content; elsewhere each worker loads it once
            forked = "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if forked else "spawn")
            pool = (ProcessPoolExecutor(workers, mp_context=context) if forked
                    else ProcessPoolExecutor(workers, mp_context=context, initializer=_init, initargs=(root, tuple(expected))))
            with pool:
                outcomes = list(pool.map(_read_one, new, chunksize=8))
        else:
            outcomes = [_read_one(job) for job in new]
        for h, label, size, o in outcomes:
            if o.inspection is None:
                store.add_refused(h, label, size, o.reason)
                refused_now.append((label, o.reason))
                continue
            ins = o.inspection
            notes_now.extend((label, n) for n in o.notes)
            assert ins.date is not None
            store.add_record(h, label, size, {"credit_code": ins.credit_code, "sector": ins.sector, "enterprise": ins.enterprise,
                                              "county": ins.county, "date": ins.date.isoformat(), "version": o.version,
                                              "edition": o.edition}, to_json(ins, o.edition))
        store.commit()
        number = store.issue_number(week, as_of) if write else 0
        data: dict[str, Any] = tally(store, content, as_of, week, refused_now, expected)
        data["number"] = number
        data["notes_now"] = notes_now
        written: list[Path] = []
        if write:
            from .outputs import write_outputs

            written = write_outputs(data, content, out)
        return Result(data=data, read=len(new), skipped=skipped, written=written)
    finally:
        store.close()
