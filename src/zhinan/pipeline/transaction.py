"""One build is one transaction: its outputs appear together, or not at all.

The build folder holds generations, and one symbolic link says which is published::

    build/.lock                    the lock (fcntl.flock): one build at a time in this folder
    build/.builds/<id>/            a generation: pdf/ sheets/ data/ site/ and its cache (.cache/)
    build/.current -> .builds/<id> the published generation, switched with one rename(2)
    build/pdf -> .current/pdf      fixed links, the paths users and web servers know
    build/sheets, build/data, build/site (likewise)

A build copies the published generation into a new one (hard links: no bytes are copied), lets
the stages rebuild what changed inside it, verifies it, and then renames a new `.current` link
over the old one. rename(2) is atomic, so a reader that opens `build/site/...` gets a file of the
old generation or of the new one, never a folder that is half of each, and never no folder.
A kill before that rename leaves the old generation published; after it, the new one. Whatever an
interrupted build left (its unpublished generation, a temporary link, the previous generation
not yet removed) is removed by the next build, under the lock, before it starts.

The incremental cache (`.cache/*.json`, see `zhinan.pipeline.hashcache`) lives inside each generation and
describes exactly that generation's files, so it is published in the same rename as the outputs
and only after they were verified: nothing an interrupted build wrote can be reused, because its
generation is never published and is deleted.

Protects against the process being killed at any moment; against a power cut it would also need
fsync of every file, which the build does not do.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zhinan.pipeline.progress import Progress
from zhinan.pipeline.stage import STAGES, BuildError

GENERATIONS = ".builds"
CURRENT = ".current"
LOCK = ".lock"
CACHE = ".cache"
LEGACY = (".site.", ".sheets.", ".data.", ".pdf.", ".cache")
"""What builds before generations left in the build folder: temporary and `.old` folders, and a
cache that could describe files it had not written."""

TEST_PAUSE = "ZHINAN_TEST_PAUSE_AT"
"""Test hook: the name of a point (`staged`, `verified`, `switched`) where the build stops and
waits to be signalled, so that tests can kill it exactly there."""


class Busy(BuildError):
    """Another build holds the lock of this build folder."""


class Interrupted(KeyboardInterrupt):
    """Ctrl+C (or SIGTERM) during a build; `published` says whether its outputs were already
    published when it came."""

    def __init__(self, published: bool, signal_name: str = "SIGINT") -> None:
        super().__init__(signal_name)
        self.published = published
        self.signal_name = signal_name


def checkpoint(name: str) -> None:
    if os.environ.get(TEST_PAUSE) == name:
        sys.stderr.write(f"ZHINAN_TEST_PAUSED {name} {os.getpid()}\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)


# ---- environment errors -----------------------------------------------------------------------


def environment_error(exc: OSError, out: Path) -> BuildError:
    """An OSError of the file system, said for a person: which path, what is wrong, what to do."""
    # For a copy, a link or a rename, the second path is the one being written.
    named = exc.filename2 or exc.filename
    path = out / named if named and not os.path.isabs(named) else named or out
    kept = "上一次的输出原样保留。"
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        text = f"磁盘空间不足，无法写入 {path}。请清理 {out} 所在磁盘的空间，或用 --out 换到空间足够的位置，再重新构建；{kept}"
    elif code == errno.EROFS:
        text = f"{path} 在只读的文件系统上，无法写入。请用 --out 指定一个可写的文件夹；{kept}"
    elif code in (errno.EACCES, errno.EPERM):
        text = f"没有写入 {path} 的权限。请检查 {out} 的所有者和权限（ls -ld {out}），或用 --out 指定一个可写的文件夹；{kept}"
    elif code in (errno.ENOTDIR, errno.EEXIST) and out.exists() and not out.is_dir():
        text = f"输出目录 {out} 是一个文件，不是文件夹。请删除或改名这个文件，或用 --out 指定别的文件夹。"
    else:
        text = f"无法写入 {path}：{exc.strerror or exc}。请检查 {out} 所在的磁盘，或用 --out 指定别的文件夹；{kept}"
    return BuildError(text)


# ---- the lock ------------------------------------------------------------------------------------


def _command_line() -> str:
    try:
        raw = Path("/proc/self/cmdline").read_bytes()
        return " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        return " ".join(sys.argv)


@contextmanager
def locked(out: Path, *, wait: bool, progress: Progress) -> Iterator[None]:
    """Hold the lock of build folder `out` for the block. A second build stops at once (Busy,
    naming the process that holds it) or, with `wait`, waits for it. The kernel releases an
    flock when its process dies, so the lock of a killed build is free at once: there is no
    stale lock to clear."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"输出目录 {out} 是一个文件，不是文件夹。请删除或改名这个文件，或用 --out 指定别的文件夹。")
    out.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(out)) from exc  # the folder is what to fix
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "另一个进程"
            if not wait:
                raise Busy(f"另一个构建正在使用 {out}（进程 {holder}）。请等它结束后再运行，或加 --wait 排队等待。") from None
            progress.info(f"等待另一个构建结束（进程 {holder}）…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}：{_command_line()}\n".encode(), 0)
        _probe(out)
        yield
    finally:
        os.close(fd)  # releases the lock


def _probe(out: Path) -> None:
    """Fail now, not after minutes of rendering, if no new entry can be made in the build folder
    (publishing needs one): an immutable folder, a folder of another user."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=out)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(out)) from exc
    os.close(fd)
    os.unlink(probe)


# ---- generations ---------------------------------------------------------------------------------


def _link_or_copy(src: str, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(src, dest)


def link_tree(src: Path, dest: Path) -> None:
    """A copy of folder `src` whose files are hard links to the same bytes. Safe because no stage
    writes into an existing file: every output is written beside it and renamed into place."""
    dest.mkdir()
    with os.scandir(src) as entries:
        for entry in entries:
            target = dest / entry.name
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                continue  # half-written by a build killed before generations (or by hand)
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), target)
            elif entry.is_dir():
                link_tree(Path(entry.path), target)
            else:
                _link_or_copy(entry.path, target)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        return int(libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)) == 0
    except (OSError, AttributeError):
        return False


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


class Transaction:
    """One build's generation, from `begin` (an unpublished copy of the published outputs) to
    `commit` (verified, then published with one rename) or `abort` (removed)."""

    def __init__(self, out: Path, stages: tuple[str, ...]) -> None:
        self.out, self.stages = out, stages
        self.staging: Path | None = None
        self.published = False

    def published_generation(self) -> Path | None:
        current = self.out / CURRENT
        return current.resolve() if current.is_symlink() and current.resolve().is_dir() else None

    def cleanup(self) -> list[str]:
        """Remove whatever interrupted builds left; returns the names removed."""
        keep = self.published_generation()
        removed = []
        generations = self.out / GENERATIONS
        if generations.is_dir():
            for gen in generations.iterdir():
                if gen.resolve() != keep:
                    _remove(gen)
                    removed.append(f"{GENERATIONS}/{gen.name}")
        for entry in self.out.iterdir():
            name = entry.name
            leftover = name.startswith((f"{CURRENT}.", ".link-", ".probe-")) or (
                name.startswith(LEGACY) and not entry.is_symlink())
            if leftover:
                _remove(entry)
                removed.append(name)
        return removed

    def begin(self) -> Path:
        """A new generation holding the published outputs, for the stages to update."""
        (self.out / GENERATIONS).mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=self.out / GENERATIONS))
        self.staging = staging
        os.chmod(staging, 0o755)
        for name in STAGES:
            src = self.out / name
            if src.is_dir():  # the published generation's folder, or one left by an older zhinan
                link_tree(src, staging / name)
        published = self.published_generation()
        if published is not None and (published / CACHE).is_dir():
            link_tree(published / CACHE, staging / CACHE)
        return staging

    def is_published(self) -> bool:
        """Whether this build's generation is the published one. `.current` says so from the
        rename on; `published` is set one line later, and a signal can land in between."""
        return self.published or (self.staging is not None and self.published_generation() == self.staging.resolve())

    def abort(self) -> None:
        """Remove this build's generation; or, if it was published before the build stopped, make
        the fixed links that `commit` had not made yet (a first build has none to follow)."""
        if self.staging is None:
            return
        if not self.is_published():
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        for name in STAGES:
            if (self.staging / name).is_dir():
                self._link(name)

    def commit(self) -> None:
        assert self.staging is not None
        checkpoint("staged")
        verify(self.staging, self.stages)
        checkpoint("verified")
        previous = self.published_generation()
        tmp = self.out / f"{CURRENT}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(self.staging, self.out), tmp)
        os.replace(tmp, self.out / CURRENT)  # the one step that publishes
        self.published = True
        checkpoint("switched")
        for name in STAGES:
            if (self.staging / name).is_dir():
                self._link(name)
        if previous is not None and previous != self.staging.resolve():
            shutil.rmtree(previous, ignore_errors=True)

    def _link(self, name: str) -> None:
        """Make build/<name> the fixed link into the published generation."""
        link, want = self.out / name, f"{CURRENT}/{name}"
        if link.is_symlink() and os.readlink(link) == want:
            return
        tmp = self.out / f".link-{name}.{os.getpid()}"
        _remove(tmp)
        os.symlink(want, tmp)
        if link.is_dir() and not link.is_symlink():
            # A folder written by an older zhinan: its contents were carried into this
            # generation, so swapping it for the link changes nothing a reader sees.
            if not _rename_exchange(tmp, link):
                aside = self.out / f".link-{name}.old"
                os.rename(link, aside)
                os.replace(tmp, link)
                tmp = aside
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, link)


# ---- verification ---------------------------------------------------------------------------------


def verify(generation: Path, stages: tuple[str, ...]) -> None:
    """Refuse to publish a generation in which an output of this build is missing or truncated.
    The site's downloads are copies of the PDFs and workbooks: checked there only for being there."""
    problems: list[str] = []
    for stage in stages:
        folder = generation / stage
        if not folder.is_dir() or not any(p.is_file() for p in folder.rglob("*")):
            problems.append(f"{stage}/ 是空的")
            continue
        for path in sorted(folder.rglob("*")):
            problem = _check_file(path, public=stage != "site" or "downloads" in path.parts, whole=stage != "site")
            if problem:
                problems.append(f"{path.relative_to(generation)}：{problem}")
    if problems:
        raise BuildError("构建结果校验未通过，没有发布（上一次的输出原样保留）：" + "；".join(problems[:10]))


def _check_file(path: Path, public: bool, whole: bool) -> str | None:
    if not path.is_file():
        return None
    if path.name.startswith(".") and path.name.endswith(".tmp"):
        return "写到一半的临时文件"
    size = path.stat().st_size
    if public and size == 0:
        return "文件是空的"
    if not whole:
        return None
    if path.suffix == ".pdf":
        with path.open("rb") as fh:
            head = fh.read(5)
            fh.seek(max(0, size - 1024))
            tail = fh.read()
        if head != b"%PDF-" or b"%%EOF" not in tail:
            return "不是完整的 PDF"
    if path.suffix == ".xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                if z.testzip() is not None:
                    return "工作簿已损坏"
        except zipfile.BadZipFile:
            return "工作簿已损坏"
    if path.suffix == ".json":
        try:
            json.loads(path.read_bytes())
        except ValueError:
            return "不是完整的 JSON"
    return None


@contextmanager
def transaction(out: Path, stages: tuple[str, ...], *, wait: bool, progress: Progress) -> Iterator[Path]:
    """Lock `out`, clear what interrupted builds left, and yield a new generation to build into;
    it is verified and published when the block ends normally, and removed otherwise.
    File-system errors become BuildError (a message for people); Ctrl+C becomes Interrupted."""
    tx = Transaction(out, stages)
    try:
        with locked(out, wait=wait, progress=progress):
            tx.cleanup()
            try:
                yield tx.begin()
                tx.commit()
            except BaseException as exc:
                tx.abort()
                # Ctrl+C or SIGTERM, as itself or turned into another error by code that catches
                # everything (openpyxl's descriptors: "TypeError: expected bool"): not a failure.
                stop = next((e for e in causes(exc) if isinstance(e, KeyboardInterrupt)), None)
                if stop is None:
                    raise
                name = stop.args[0] if stop.args and isinstance(stop.args[0], str) else "SIGINT"
                raise Interrupted(tx.is_published(), name) from None
    except OSError as exc:
        raise environment_error(exc, out) from exc


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it was raised from or while handling, each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) not in seen:
            seen.add(id(e))
            yield e
            todo += [c for c in (e.__cause__, e.__context__) if c is not None]
