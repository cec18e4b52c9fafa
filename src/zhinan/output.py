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
    """Per-stage and per-file progress: a redrawn line on a terminal, plain lines elsewhere (CI)."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() and not os.environ.get("CI")
        self._lock = threading.Lock()  # the PDF stage reports from its own thread

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

    def step(self, stage: str, done: int, total: int, name: str) -> None:
        if self.quiet:
            return
        if self.tty:
            self._write(f"\r\033[K[{stage}] {done}/{total} {name}")
            if done == total:
                self._write("\n")
        else:
            self._write(f"[{stage}] {done}/{total} {name}\n")

    def info(self, message: str) -> None:
        if not self.quiet:
            self._write(f"{message}\n")
