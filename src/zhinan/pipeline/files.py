"""Writing outputs so that a failed build never replaces a good file or folder."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes 0600 files; published outputs must be readable by a web server.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes(path, text.encode(encoding))


def temp_dir_beside(final: Path) -> Path:
    """A fresh folder on the same file system as `final`, for building into."""
    final.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    os.chmod(built, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
    return built


def replace_dir(built: Path, final: Path) -> None:
    """Move a completely built folder into place; the old one is removed only afterwards."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(built, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
