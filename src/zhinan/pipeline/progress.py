"""What a build shows while it runs: per stage and per file, on a terminal one status line redrawn,
elsewhere (CI logs) one line per step."""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO


class Progress:
    """Per-stage and per-file progress: on a terminal one status line, redrawn, that shows every
    stage still running (the PDFs render while the site is built), and a line kept for each stage
    that finishes; elsewhere (CI, a log file) one plain line per step."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() and not os.environ.get("CI")
        self._lock = threading.Lock()  # the PDF stage reports from its own thread
        self._running: dict[str, str] = {}

    def _emit(self, kept: str | None) -> None:
        """Write `kept` as a line of its own, then (on a terminal) redraw the status line."""
        with self._lock:
            if self.tty:
                status = "  ".join(self._running.values())
                self.stream.write("\r\033[K" + (f"{kept}\n" if kept is not None else "") + status)
            elif kept is not None:
                self.stream.write(f"{kept}\n")
            self.stream.flush()

    def step(self, stage: str, done: int, total: int, name: str) -> None:
        if self.quiet:
            return
        text = f"[{stage}] {done}/{total} {name}"
        if not self.tty:
            self._emit(text)
        elif done >= total:
            self._running.pop(stage, None)
            self._emit(text)
        else:
            self._running[stage] = text
            self._emit(None)

    def info(self, message: str) -> None:
        if not self.quiet:
            self._emit(message)
