"""The build's transaction under faults: sequences of builds, each of some stages, with a fault
injected at one step of `transaction()` — inside a stage, before verification, after it, just
after the switch, between the fixed links, while the previous generation is removed — and
invariants checked after every build: each published folder build/<stage> is whole, and is
either the previous edition's or the new one's, never a mix, never missing.

The stages here are stand-ins that write small, valid files (a PDF with %%EOF, JSON, HTML):
what is under test is the procedure `transaction()`, driven as `build()` drives it, not the
renderers. Hypothesis chooses the sequences (few examples, derandomised: seconds, and the
same examples in CI).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhinan.pipeline import transaction as tx
from zhinan.pipeline.progress import Progress
from zhinan.pipeline.stage import STAGES, BuildError

FAULTS = ("none", "in-stage", "staged", "verified", "renamed", "switched", "link", "remove-previous")
"""Where a build is stopped: the named points of `transaction()`, in order. "renamed" is the moment
between the rename that publishes and the next line (only a signal can land there)."""
ERRORS = ("ctrl-c", "disk-full")


class Fault(Exception):
    pass


def files_of(stage: str, version: int, truncated: bool = False) -> dict[str, bytes]:
    """What the stand-in `stage` writes for edition `version`: the file set differs between
    versions too (a file added, one removed), so a mix of two generations is visible."""
    if stage == "pdf":
        body = b"%PDF-1.7\n% v" + str(version).encode() + b"\n"
        files = {f"guide-{version % 2}.pdf": body + (b"" if truncated else b"%%EOF\n"), "form.pdf": body + b"%%EOF\n"}
    elif stage == "data":
        files = {"guide.json": json.dumps({"version": version}).encode()}
    elif stage == "sheets":
        files = {"all.csv": f"\ufeff编号,版本\nA-001,{version}\n".encode(), f"s{version % 3}.csv": b"x\n"}
    else:
        files = {"index.html": f"<p>{version}</p>".encode(), f"v{version % 2}/index.html": b"<p>page</p>"}
    return files


def write_stage(generation: Path, stage: str, version: int, truncated: bool) -> None:
    """As a stage writes: beside the old file, then renamed over it (never into a published inode)."""
    folder = generation / stage
    if folder.exists():
        shutil.rmtree(folder)
    for rel, data in files_of(stage, version, truncated).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def published(out: Path, stage: str) -> dict[str, bytes] | None:
    folder = out / stage
    if not folder.is_dir():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def faulted(monkeypatch: pytest.MonkeyPatch, where: str, error: str) -> Iterator[None]:
    """Make the step `where` of the procedure raise (Ctrl+C, or a full disk)."""

    fired: list[bool] = []

    def boom() -> None:
        """One fault per build (one Ctrl+C, one full disk), at the first time the step is reached."""
        if fired:
            return
        fired.append(True)
        if error == "ctrl-c" or where == "renamed":
            raise KeyboardInterrupt("SIGINT")
        raise OSError(errno.ENOSPC, "No space left on device", "x")

    with monkeypatch.context() as mp:
        if where in ("staged", "verified", "switched"):
            real = tx.checkpoint

            def checkpoint(name: str) -> None:
                if name == where:
                    boom()
                real(name)

            mp.setattr(tx, "checkpoint", checkpoint)
        elif where == "renamed":
            real_replace = tx.os.replace

            def replace(src: object, dst: object) -> None:
                real_replace(src, dst)  # type: ignore[arg-type]
                if Path(str(dst)).name == tx.CURRENT:
                    boom()

            mp.setattr(tx.os, "replace", replace)
        elif where == "link":
            real_link = tx.Transaction._link
            calls = []

            def link(self: tx.Transaction, name: str) -> None:
                calls.append(name)
                if len(calls) == 2:  # after one fixed link was made, before the others
                    boom()
                real_link(self, name)

            mp.setattr(tx.Transaction, "_link", link)
        elif where == "remove-previous":
            real_rmtree, real_checkpoint = shutil.rmtree, tx.checkpoint
            switched = []

            def checkpoint_(name: str) -> None:
                switched.append(name == "switched")
                real_checkpoint(name)

            def rmtree(path: object, *args: object, **kw: object) -> None:
                if any(switched) and tx.GENERATIONS in str(path):
                    boom()  # removing the generation the switch replaced
                real_rmtree(path, *args, **kw)  # type: ignore[arg-type]

            mp.setattr(tx, "checkpoint", checkpoint_)
            mp.setattr(tx.shutil, "rmtree", rmtree)
        yield


def one_build(out: Path, stages: tuple[str, ...], version: int, where: str, error: str, truncated: bool,
              monkeypatch: pytest.MonkeyPatch) -> tuple[bool, BaseException | None]:
    """Run one build; returns (its outputs were published, the exception it ended with)."""
    try:
        with faulted(monkeypatch, where, error), \
                tx.transaction(out, stages, wait=False, progress=Progress(quiet=True)) as generation:
            for stage in stages:
                write_stage(generation, stage, version, truncated and stage == "pdf")
            if where == "in-stage":
                if error == "ctrl-c":
                    raise KeyboardInterrupt("SIGINT")
                raise OSError(errno.ENOSPC, "No space left on device", str(generation / "pdf"))
    except tx.Interrupted as exc:
        return exc.published, exc
    except BuildError as exc:
        return False, exc
    return True, None


builds = st.lists(
    st.tuples(
        st.sets(st.sampled_from(STAGES), min_size=1).map(lambda s: tuple(x for x in STAGES if x in s)),
        st.sampled_from(FAULTS),
        st.sampled_from(ERRORS),
        st.sampled_from((False, False, False, True)),  # a stage that writes a truncated PDF
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=builds)
def test_every_published_folder_is_one_whole_edition_after_any_fault(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        sequence: list[tuple[tuple[str, ...], str, str, bool]]) -> None:
    out = tmp_path_factory.mktemp("tx") / "build"
    ok, _ = one_build(out, STAGES, 0, "none", "ctrl-c", False, monkeypatch)
    assert ok
    model = dict.fromkeys(STAGES, 0)  # the edition each published folder must hold
    for version, (stages, where, error, truncated) in enumerate(sequence, 1):
        was_published, exc = one_build(out, stages, version, where, error, truncated, monkeypatch)
        refused = truncated and "pdf" in stages and where not in ("in-stage", "staged")
        # The specification: a build is published exactly when it got past the switch (one
        # rename); a truncated PDF never passes verification, which comes before it.
        expect = where in ("none", "renamed", "switched", "link", "remove-previous") and not (truncated and "pdf" in stages)
        if expect:
            model.update(dict.fromkeys(stages, version))
        if where == "none" and not refused:
            assert exc is None, f"a build without a fault failed: {exc}"
        if refused:
            assert isinstance(exc, BuildError) and "不是完整的 PDF" in str(exc)
        if isinstance(exc, tx.Interrupted):
            assert exc.published == expect, f"Ctrl+C at {where}: says published={exc.published}"
        assert was_published == expect or not isinstance(exc, tx.Interrupted | type(None))
        for stage in STAGES:
            want = {rel: data for rel, data in files_of(stage, model[stage]).items()}
            assert published(out, stage) == want, (
                f"build {version} ({','.join(stages)}, fault {where}/{error}): build/{stage} is not edition {model[stage]}")
        # Whatever a build left, the next one starts clean: at most one generation after it.
    ok, _ = one_build(out, STAGES, 999, "none", "ctrl-c", False, monkeypatch)
    assert ok and all(published(out, s) == files_of(s, 999) for s in STAGES)
    assert len(list((out / tx.GENERATIONS).iterdir())) == 1


@pytest.mark.parametrize("where", ["renamed", "switched", "link"])
def test_a_first_build_stopped_once_published_leaves_every_folder_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Into an empty build folder there are no fixed links yet: a Ctrl+C after the publishing rename
    must not leave build/<stage> missing while the build says it was published."""
    out = tmp_path / "build"
    was_published, exc = one_build(out, STAGES, 1, where, "ctrl-c", False, monkeypatch)
    assert was_published and isinstance(exc, tx.Interrupted)
    assert {stage: published(out, stage) for stage in STAGES} == {stage: files_of(stage, 1) for stage in STAGES}
