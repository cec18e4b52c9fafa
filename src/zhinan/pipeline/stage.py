"""What every output stage shares: its options, its error, and the stage running alongside.

These types sit below the stages (pdf, sheets, data, site) and below `build`, which runs them,
so that dependencies point one way: model ← load/validate ← stage ← the stages ← build ← cli.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhinan.errors import ZhinanError
from zhinan.pipeline.progress import Progress

STAGES = ("pdf", "sheets", "data", "site")
"""Every output stage, in build order; `zhinan.build.STAGE_BUILDS` names the function that builds each.
The site comes last so that it can offer the PDFs and workbooks already built as downloads."""


class BuildError(ZhinanError):
    """A build that cannot go on for a reason outside the content (a missing font, a renderer
    error); the message says, in Chinese, what to do. The command line exits 1 with it."""


STAGE_NAMES = {"pdf": "PDF", "sheets": "三张清单工作簿", "data": "开放数据", "site": "网站"}


class StageFailed(BuildError):
    """An unexpected exception in a stage or a worker (a bug in zhinan, or in a library it uses):
    the build ends with this, in Chinese, instead of the bare exception; the command line shows the
    exception's traceback above it, for the report."""

    def __init__(self, stage: str, error: BaseException, file: str | None = None) -> None:
        where = f"生成{STAGE_NAMES.get(stage, stage)}" + (f"（{file}）" if file else "")
        super().__init__(f"{where}时出错：{type(error).__name__}: {error}。本次构建没有发布任何输出，上一版原样保留。"
                         "这是 zhinan 的缺陷，请把上面的详细信息报告给维护者")
        self.stage, self.error = stage, error


@dataclass
class BuildOptions:
    root: Path
    out: Path
    only: tuple[str, ...] = STAGES
    sectors: tuple[str, ...] = ()
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    pdfa: bool = False
    duplex: bool = True
    """Set the PDFs for two-sided printing: covers, 目录, chapters and 分册 start on a recto."""
    progress: Progress = field(default_factory=Progress)
    stop: threading.Event = field(default_factory=threading.Event)
    """Set when the build has failed elsewhere: a stage running alongside stops at the next file."""


@dataclass(frozen=True)
class Alongside:
    """A stage running in the background beside the others: the files it will write, and how to
    wait for it to finish (which returns its result, or raises its error if it failed)."""

    outputs: frozenset[Path]
    wait: Callable[[], Any]
