"""A failed PDF stage interrupts the stage running beside it, and its failure is what the build says,
even when the interrupted code turns the interruption into an error of its own.

The interruption is an exception raised in the main thread wherever it happens to be. Code that
catches everything, as openpyxl's descriptors do (`except: raise TypeError('expected bool')`),
turned it into "生成三张清单工作簿时出错：TypeError" — a wrong diagnosis, seen when the PDF stage
failed while a workbook was being written (tests/test_failure_ends.py, by chance of timing). Here
the timing is fixed: the PDF stage fails only once the stage beside it is inside such code.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhinan import build
from zhinan.cli import main
from zhinan.errors import ZhinanError
from zhinan.pipeline import workers


class _Failed(ZhinanError):
    """The PDF stage's own failure, as a person should read it."""


def _stages(monkeypatch: pytest.MonkeyPatch, leak: list[Any]) -> None:
    entered = threading.Event()

    def pdf_stage(content: Any, opts: Any) -> None:
        assert entered.wait(60), "the stage beside the PDFs never started"
        raise _Failed("PDF 阶段的故障（测试注入）")

    def catches_everything(content: Any, opts: Any) -> None:
        handle = Path(__file__).open("rb")  # noqa: SIM115 — open in this frame when the interruption comes
        leak.append(id(handle))
        try:
            entered.set()
            for _ in range(600):  # interrupted here (between two sleeps: the signal is simulated)
                time.sleep(0.1)
        except:  # noqa: E722 — as openpyxl's descriptors do
            raise TypeError("expected <class 'bool'>") from None
        handle.close()

    monkeypatch.setitem(build.STAGE_BUILDS, "pdf", pdf_stage)
    monkeypatch.setitem(build.STAGE_BUILDS, "sheets", catches_everything)


def test_the_pdf_failure_is_said_when_the_interrupted_stage_converts_the_interruption(
        minimal_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leak: list[Any] = []
    _stages(monkeypatch, leak)
    result = CliRunner().invoke(main, ["build", "--root", str(minimal_tree), "--out", str(tmp_path / "out"),
                                       "-j", "2", "-q", "--only", "pdf,sheets"])
    assert leak, "the interrupted stage did not run"
    assert result.exit_code == 1, result.output
    assert "PDF 阶段的故障（测试注入）" in result.output, result.output
    assert "TypeError" not in result.output and "三张清单" not in result.output, result.output


def test_what_the_interruption_left_open_is_closed_by_the_build(minimal_tree: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The file the interrupted frame held is closed before the build returns, not left for a later
    garbage collection to report as a leak (it surfaced in whichever test ran next)."""
    leak: list[Any] = []
    _stages(monkeypatch, leak)
    CliRunner().invoke(main, ["build", "--root", str(minimal_tree), "--out", str(tmp_path / "out"),
                              "-j", "2", "-q", "--only", "pdf,sheets"])
    assert leak
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []


def test_sigterm_turned_into_another_error_by_the_stage_is_still_an_interruption(
        minimal_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM (or Ctrl+C) landing inside code that catches everything reaches the build as that
    code's error: the build still says it was interrupted and exits 143, not "出错" with a traceback."""
    entered = threading.Event()

    def pdf_stage(content: Any, opts: Any) -> None:
        while not opts.stop.wait(0.05):  # renders until the build stops
            pass

    def catches_everything(content: Any, opts: Any) -> None:
        try:
            entered.set()
            for _ in range(600):  # SIGTERM comes here
                time.sleep(0.1)
        except:  # noqa: E722 — as openpyxl's descriptors do
            raise TypeError("expected <class 'bool'>") from None

    def terminate() -> None:
        assert entered.wait(60)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setitem(build.STAGE_BUILDS, "pdf", pdf_stage)
    monkeypatch.setitem(build.STAGE_BUILDS, "sheets", catches_everything)
    threading.Thread(target=terminate, daemon=True).start()
    out = tmp_path / "out"
    try:
        result = CliRunner().invoke(main, ["build", "--root", str(minimal_tree), "--out", str(out), "-j", "2", "-q",
                                           "--only", "pdf,sheets"])
    finally:
        workers.signalled.clear()  # one build per process outside the tests: set for good once signalled
    # What runs next in this process keeps its workers (here one that works past the second in
    # which the relay kills again whatever starts): the relay stopped killing when the build ended.
    with workers.pool(1) as pool:
        assert pool.submit(time.sleep, 1.5).result(timeout=60) is None
    assert result.exit_code == 143, result.output
    assert result.output.strip().splitlines()[-1] == f"已中断：本次构建没有发布任何输出，{out.resolve()} 中上一次的输出原样保留。"
    assert "TypeError" not in result.output and "出错" not in result.output, result.output
