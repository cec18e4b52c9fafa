"""A build is one transaction: faults injected for real into `zhinan build` subprocesses.

Each test starts from a copy of a clean build of content A (the "old" outputs) and builds
content B (the edition date changed: every PDF, workbook and page changes), then kills the build
(SIGKILL, SIGINT) at a point, runs two builds at once, or takes away the disk. Each asserts that
the published outputs are exactly the old ones or exactly the new ones, that the next build gives
the bytes of a clean build, that nothing an interrupted build left stays behind, and that no
process of the build is still alive (found by a tag in their environment, through /proc).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import FIXTURES
from zhinan.build import BuildOptions, build
from zhinan.pipeline.progress import Progress
from zhinan.pipeline.stage import STAGES
from zhinan.pipeline.transaction import TEST_PAUSE

pytestmark = pytest.mark.slow  # builds whole editions, servers or kills: not in the quick subset

OLD_DATE, NEW_DATE = "date: 2021-12-31", "date: 2022-06-30"
IS_ROOT = os.geteuid() == 0
PF_EXITING = 0x4
"""In the flags of /proc/PID/stat while the kernel tears down a killed process."""
SERVER = "multiprocessing.forkserver"
"""In the command line of the fork server and of the PDF workers it forks (and not of
multiprocessing's resource tracker, which exits when the build does)."""


def published(out: Path) -> dict[str, bytes]:
    """Every published file (through the build folder's links, as a web server reads them)."""
    files = {}
    for stage in STAGES:
        for folder, _, names in os.walk(out / stage, followlinks=True):
            for name in names:
                path = Path(folder, name)
                files[path.relative_to(out).as_posix()] = path.read_bytes()
    return files


def leftovers(out: Path) -> list[str]:
    current = (out / ".current").resolve()
    extra = [f".builds/{g.name}" for g in (out / ".builds").iterdir() if g.resolve() != current]
    return extra + [p.name for p in out.iterdir() if p.name.startswith((".current.", ".link-", ".site", ".pdf."))]


def tagged(tag: str, only: str = "", running: bool = False) -> list[int]:
    """Pids of live processes started by the build under test (their environment holds `tag`),
    and whose command line contains `only`. With `running`, a process that has been sent SIGKILL
    does not count: it runs no further instruction, it only waits for a CPU to exit on (which
    can take a moment on a loaded machine)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                status = (entry / "status").read_text()
            except OSError:  # gone meanwhile
                continue
            state = stat[0]
            pending = [int(line.split()[1], 16) for line in status.splitlines() if line.startswith(("SigPnd", "ShdPnd"))]
            exiting = int(stat[6]) & PF_EXITING
            killed = exiting or any(mask >> (signal.SIGKILL - 1) & 1 for mask in pending)
            if f"ZHINAN_TEST_TAG={tag}".encode() in environ.split(b"\0") and state not in "ZX" and only in command \
                    and not (running and killed):
                pids.append(int(entry.name))
    return pids


def workers(tag: str, running: bool = False) -> list[int]:
    """Pids of the PDF workers of the build under test (`tagged`): the fork server's children."""
    return [pid for pid in tagged(tag, SERVER, running) if SERVER in _command(_parent(pid))]


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class Env:
    root: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    old_out: Path
    tmp: Path

    def set_date(self, line: str) -> None:
        guide = self.root / "guides" / "guide.yml"
        text = guide.read_text(encoding="utf-8")
        guide.write_text(text.replace(OLD_DATE, line).replace(NEW_DATE, line), encoding="utf-8")

    def fresh_out(self, name: str) -> Path:
        """A build folder holding the clean build of content A (links kept as links)."""
        out = self.tmp / name / "build"
        shutil.copytree(self.old_out, out, symlinks=True)
        return out


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    base = tmp_path_factory.mktemp("integrity")
    root = base / "content"
    shutil.copytree(FIXTURES / "minimal", root)
    e = Env(root, {}, {}, base / "old" / "build", base)
    # The content root's path is part of the PDFs' cache keys: every build here uses this one.
    opts = {"only": STAGES, "jobs": 2, "progress": Progress(quiet=True)}
    e.set_date(NEW_DATE)
    build(BuildOptions(root=root, out=base / "new" / "build", **opts))  # type: ignore[arg-type]
    e.new = published(base / "new" / "build")
    e.set_date(OLD_DATE)
    build(BuildOptions(root=root, out=e.old_out, **opts))  # type: ignore[arg-type]
    e.old = published(e.old_out)
    assert e.old != e.new and set(e.old) == set(e.new)
    return e


@pytest.fixture
def content_b(env: Env) -> Iterator[Env]:
    env.set_date(NEW_DATE)
    yield env
    env.set_date(OLD_DATE)


def _as_from_a_terminal() -> None:
    """Ctrl+C as in a terminal even when the tests run in the background, where the shell starts
    them with SIGINT ignored (and a process that inherits SIG_IGN keeps ignoring it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


_started: list[Build] = []


@pytest.fixture(autouse=True)
def _no_build_left_running() -> Iterator[None]:
    """A test that fails half-way must not leave its build running into the next test."""
    yield
    while _started:
        b = _started.pop()
        proc = b.proc
        if proc.poll() is None:
            proc.kill()
        for pid in tagged(b.tag):  # its workers too: they would hold its stderr open
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if proc.stderr is not None and proc.stderr.closed:  # closed by the test, as a reader that went
            proc.wait()
        else:
            proc.communicate()


class Build:
    """`zhinan build` in a subprocess, tagged so that every process it starts can be found."""

    def __init__(self, env: Env, out: Path, *args: str, pause: str | None = None, module: str = "zhinan",
                 path: Path | None = None) -> None:
        _started.append(self)
        self.tag = uuid.uuid4().hex
        child_env = {**os.environ, "ZHINAN_TEST_TAG": self.tag}
        if pause:
            child_env[TEST_PAUSE] = pause
        if path:
            child_env["PYTHONPATH"] = os.pathsep.join([str(path), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, "build", "--root", str(env.root), "--out", str(out), "-j", "2", "-q", *args],
            env=child_env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, preexec_fn=_as_from_a_terminal)
        self.err = b""

    def read_until(self, marker: str, timeout: float = 120) -> None:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        while marker.encode() not in self.err:
            assert time.monotonic() < deadline, f"no “{marker}” in time: {self.err.decode()}"
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                assert chunk or marker.encode() in self.err, f"exited before “{marker}”: {self.err.decode()}"
                self.err += chunk

    def wait_for_workers(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not workers(self.tag):
            assert self.proc.poll() is None and time.monotonic() < deadline, "no PDF worker started"
            time.sleep(0.05)

    def wait_for_rendering(self, cpu_seconds: float = 0.5, timeout: float = 120) -> None:
        """Until a PDF worker has spent `cpu_seconds` of CPU: past start-up, laying pages out."""
        self.wait_for_workers(timeout)
        deadline = time.monotonic() + timeout
        while max((_cpu(pid) for pid in workers(self.tag)), default=0.0) < cpu_seconds:
            assert self.proc.poll() is None and time.monotonic() < deadline, "no PDF worker rendered"
            time.sleep(0.05)

    def wait_until_blocked_on_the_lock(self, timeout: float = 120) -> None:
        """Until this build sleeps in flock(2) on the build folder's lock (queued behind another)."""
        deadline = time.monotonic() + timeout
        while _wchan(self.proc.pid) != "locks_lock_inode_wait":
            assert self.proc.poll() is None and time.monotonic() < deadline, "the build never waited for the lock"
            time.sleep(0.05)

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        _, rest = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, (self.err + rest).decode()

    def kill(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)
        if sig == signal.SIGKILL:
            self.finish()


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


def run(env: Env, out: Path, *args: str) -> tuple[int, str]:
    return Build(env, out, *args).finish()


def _states(pids: list[int]) -> list[str]:
    def state(pid: int) -> str:
        try:
            return " ".join(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                            if line.startswith(("State", "SigPnd", "ShdPnd", "SigIgn", "PPid")))
        except OSError:
            return "gone"

    return [f"{pid}: {state(pid)}" for pid in pids]


def assert_gone(tag: str, within: float) -> None:
    deadline = time.monotonic() + within
    while tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tagged(tag) == [], f"processes still alive {within} s later"


# ---- kill -9 ---------------------------------------------------------------------------------


def next_build_publishes(env: Env, out: Path, expected: dict[str, bytes]) -> None:
    """The build after a fault succeeds, publishes exactly `expected` (a clean build's bytes) and
    leaves nothing of the interrupted one behind."""
    code, err = run(env, out)
    assert code == 0, err
    assert published(out) == expected
    assert leftovers(out) == []


def test_kill_9_while_pdfs_render_leaves_the_old_outputs_and_no_worker(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("kill-pdf")
    b = Build(env, out)
    b.wait_for_rendering()
    b.kill(signal.SIGKILL)
    assert_gone(b.tag, 2.0)  # the workers died with the build: nothing writes PDFs any more
    assert published(out) == env.old
    # The case: revert the date and build again: the bytes of a clean build, nothing
    # the killed build rendered for the other date reused.
    env.set_date(OLD_DATE)
    next_build_publishes(env, out, env.old)


def test_kill_9_before_and_after_the_switch(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("kill-switch")
    b = Build(env, out, pause="verified")  # all built and verified, not yet published
    b.read_until("ZHINAN_TEST_PAUSED verified")
    b.kill(signal.SIGKILL)
    assert published(out) == env.old
    assert_gone(b.tag, 2.0)
    b = Build(env, out, pause="switched")  # published; links and the old generation not yet done
    b.read_until("ZHINAN_TEST_PAUSED switched")
    b.kill(signal.SIGKILL)
    assert published(out) == env.new
    assert len(leftovers(out)) == 1  # the previous generation, not yet removed
    assert_gone(b.tag, 2.0)
    next_build_publishes(env, out, env.new)
    assert len(list((out / ".builds").iterdir())) == 1


# ---- Ctrl+C ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_every_worker_within_a_second_and_keeps_the_old_outputs(content_b: Env, sig: int,
                                                                             exit_code: int) -> None:
    """Ctrl+C, and SIGTERM as a cancelled CI job sends it, stop the same way (exit 128 + signal)."""
    env = content_b
    out = env.fresh_out(f"stopped-by-{sig}")
    b = Build(env, out)
    b.wait_for_rendering()
    b.kill(sig)
    sent = time.monotonic()
    while still := workers(b.tag, running=True):
        assert time.monotonic() - sent < 1.0, f"a PDF worker still ran a second after {sig}: {_states(still)}"
        time.sleep(0.02)
    code, err = b.finish(timeout=10)
    assert code == exit_code
    assert err.strip() == f"已中断：本次构建没有发布任何输出，{out} 中上一次的输出原样保留。"
    assert published(out) == env.old
    assert_gone(b.tag, 2.0)
    # Its unpublished generation is removed at once, or (if the PDF stage was writing into it in
    # that second) by the next build, as after kill -9.


SLOW_SERVER = """\
import os, sys, time
if "multiprocessing.forkserver" in " ".join(sys.orig_argv):
    time.sleep(3)
"""
"""A `sitecustomize` that makes the fork server take 3 s to start: the build waits that long for
its first worker's pid."""


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_while_the_first_worker_starts_ends_the_build_and_its_fork_server(
        content_b: Env, sig: int, exit_code: int, tmp_path: Path) -> None:
    """With `--only pdf` the PDF stage runs in the main thread, where the signal interrupts the
    start of a worker after its request went to the fork server: no pool knows that worker. The
    build once waited for the server at the end, and the server for that worker, for ever."""
    env = content_b
    out = env.fresh_out(f"signalled-in-start-{sig}")
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_SERVER, encoding="utf-8")
    b = Build(env, out, "--only", "pdf", path=site)
    deadline = time.monotonic() + 60
    while not tagged(b.tag, SERVER):
        assert b.proc.poll() is None and time.monotonic() < deadline, "no fork server started"
        time.sleep(0.05)
    time.sleep(0.5)  # the build has sent its request and waits for the worker's pid
    assert workers(b.tag) == []
    b.kill(sig)
    code, err = b.finish(timeout=30)
    assert code == exit_code, err
    # Not the last line: the server, waking after the build has gone, forks the requested worker,
    # which fails in multiprocessing's own start-up (its semaphore is gone) and says so on stderr.
    assert f"已中断：本次构建没有发布任何输出，{out} 中上一次的输出原样保留。" in err.splitlines(), err
    assert published(out) == env.old
    assert_gone(b.tag, 10.0)  # the server wakes, finds the build gone, and ends


PAUSED_IN_EXEC = """\
import os, runpy, sys, time
from zhinan.pipeline import transaction

WAIT = \'\'\'
sys.stderr.write(f"ZHINAN_TEST_PAUSED {name} {os.getpid()}\\\\n")
sys.stderr.flush()
while True:
    time.sleep(3600)
\'\'\'

def checkpoint(name):
    if os.environ.get(transaction.TEST_PAUSE) == name:
        exec(WAIT, {"sys": sys, "os": os, "time": time, "name": name})

transaction.checkpoint = checkpoint
runpy.run_module("zhinan", run_name="__main__", alter_sys=True)
"""
"""`python -m zhinan` whose pause points wait inside code run by exec() of a string, as the code
that libraries generate (dataclasses, namedtuple) is run."""


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_that_lands_in_code_run_by_exec_still_exits_128_plus_the_signal(content_b: Env, sig: int,
                                                                                exit_code: int) -> None:
    """CPython remembers a KeyboardInterrupt that ended a string's exec(), even once handled, and
    `python -m` then ends the process by SIGINT (-2) instead of with its exit code. The CI saw it
    once in 828 tests: SIGTERM had come while the main thread ran such code."""
    env = content_b
    out = env.fresh_out(f"exec-{sig}")
    wrapper = env.tmp / "paused_in_exec"
    wrapper.mkdir(exist_ok=True)
    (wrapper / "zhinan_paused_in_exec.py").write_text(PAUSED_IN_EXEC, encoding="utf-8")
    b = Build(env, out, pause="verified", module="zhinan_paused_in_exec", path=wrapper)
    b.read_until("ZHINAN_TEST_PAUSED verified")
    b.kill(sig)
    code, err = b.finish(timeout=10)
    assert code == exit_code, err
    assert err.splitlines()[-1] == f"已中断：本次构建没有发布任何输出，{out} 中上一次的输出原样保留。"
    assert published(out) == env.old


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_after_the_reader_of_its_output_is_gone_still_exits_128_plus_the_signal(
        content_b: Env, sig: int, exit_code: int) -> None:
    """`zhinan build 2>&1 | tee build.log`, then Ctrl+C: tee ends with the same keystroke, and
    saying what became of the outputs finds the pipe closed (BrokenPipeError)."""
    env = content_b
    out = env.fresh_out(f"no-reader-{sig}")
    b = Build(env, out, pause="verified")
    b.read_until("ZHINAN_TEST_PAUSED verified")
    assert b.proc.stderr is not None
    b.proc.stderr.close()
    b.kill(sig)
    assert b.proc.wait(10) == exit_code
    assert published(out) == env.old


def test_sigterm_stops_the_sites_forked_renderers_too(tmp_path: Path) -> None:
    """`zhinan build --only site` renders the sectors in forked processes; SIGTERM sent to the
    build alone (a cancelled CI job) ends them at once instead of waiting for each page."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "edition", root)  # several sectors
    out = tmp_path / "build"
    b = Build(Env(root, {}, {}, out, tmp_path), out, "--only", "site", pause="site-sector")
    b.read_until("ZHINAN_TEST_PAUSED site-sector")  # each forked renderer waits there
    assert len(tagged(b.tag)) > 1  # the build and its renderers
    b.kill(signal.SIGTERM)
    code, err = b.finish(timeout=10)
    assert code == 143, err
    assert err.splitlines()[-1] == f"已中断：本次构建没有发布任何输出，{out} 中上一次的输出原样保留。"
    assert_gone(b.tag, 2.0)
    assert not (out / ".current").exists()


def test_ctrl_c_between_the_switch_and_the_cleanup_says_the_build_was_published(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("ctrl-c-switched")
    b = Build(env, out, pause="switched")
    b.read_until("ZHINAN_TEST_PAUSED switched")
    b.kill(signal.SIGINT)
    code, err = b.finish(timeout=10)
    assert code == 130
    assert err.splitlines()[-1] == "已中断：本次构建已经发布完毕。"
    assert published(out) == env.new
    next_build_publishes(env, out, env.new)


# ---- two builds ------------------------------------------------------------------------------


def test_two_builds_started_together_one_runs_the_other_says_who(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("two")
    first, second = Build(env, out), Build(env, out)
    (code1, err1), (code2, err2) = first.finish(), second.finish()
    assert sorted([code1, code2]) == [0, 1], (err1, err2)
    winner, (loser_err,) = (first, [err2]) if code1 == 0 else (second, [err1])
    assert loser_err.startswith(f"错误：另一个构建正在使用 {out}（进程 {winner.proc.pid}：")
    assert "zhinan build" in loser_err and "请等它结束后再运行，或加 --wait 排队等待。" in loser_err
    assert "Traceback" not in loser_err
    assert published(out) == env.new
    assert leftovers(out) == []


def test_wait_queues_behind_a_build_and_takes_the_lock_of_a_killed_one(env: Env) -> None:
    out = env.fresh_out("wait")
    holder = Build(env, out, pause="staged")
    holder.read_until("ZHINAN_TEST_PAUSED staged")
    waiting = Build(env, out, "--wait")
    waiting.wait_until_blocked_on_the_lock()  # queued behind the holder
    holder.kill(signal.SIGKILL)  # the kernel releases a dead process's flock
    code, err = waiting.finish()
    assert code == 0, err
    assert published(out) == env.old
    assert leftovers(out) == []


# ---- the environment -------------------------------------------------------------------------


def assert_refused(code: int, err: str, *expected: str) -> None:
    assert code == 1, err
    assert err.startswith("错误：") and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


def test_a_build_folder_that_is_a_file(env: Env) -> None:
    out = env.tmp / "is-a-file"
    out.write_bytes(b"not a folder")
    code, err = run(env, out)
    assert_refused(code, err)
    assert err.strip() == f"错误：输出目录 {out} 是一个文件，不是文件夹。请删除或改名这个文件，或用 --out 指定别的文件夹。"
    assert out.read_bytes() == b"not a folder"


@pytest.mark.skipif(not IS_ROOT, reason="a read-only bind mount needs root")
def test_a_read_only_build_folder(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("read-only")
    subprocess.run(["mount", "--bind", str(out), str(out)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(out)], check=True)
        code, err = run(env, out)
        assert_refused(code, err)
        assert err.strip() == f"错误：{out} 在只读的文件系统上，无法写入。请用 --out 指定一个可写的文件夹；上一次的输出原样保留。"
        assert published(out) == env.old
    finally:
        subprocess.run(["umount", str(out)], check=True)


@pytest.mark.skipif(not IS_ROOT or shutil.which("chattr") is None, reason="chattr +i needs root and ext2/3/4")
def test_a_build_folder_without_permission(content_b: Env) -> None:
    env = content_b
    out = env.fresh_out("no-permission")
    if subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable attribute")
    try:
        code, err = run(env, out)
        assert_refused(code, err)
        assert err.strip() == (f"错误：没有写入 {out} 的权限。请检查 {out} 的所有者和权限（ls -ld {out}），"
                               "或用 --out 指定一个可写的文件夹；上一次的输出原样保留。")
        assert published(out) == env.old
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)


@pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs needs root")
def test_a_full_disk_keeps_the_old_outputs(content_b: Env) -> None:
    env = content_b
    disk = env.tmp / "small-disk"
    disk.mkdir()
    # What the copy below takes on a tmpfs (whole 4 KiB pages a file, the site's copies of the PDFs,
    # the cache), so that the old outputs fit and a new build cannot.
    used = 0
    for folder, _, files in os.walk(env.old_out):
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                used += -(-path.stat().st_size // 4096) * 4096 + 4096
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used + 600_000}", "tmpfs", str(disk)], check=True)
    try:
        out = disk / "build"
        shutil.copytree(env.old_out, out, symlinks=True)
        code, err = run(env, out)
        assert_refused(code, err, "磁盘空间不足，无法写入", f"请清理 {out} 所在磁盘的空间", "上一次的输出原样保留")
        assert published(out) == env.old
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# ---- what older builds left, and what is never published -------------------------------------


def test_a_build_folder_of_an_older_zhinan_is_converted_and_its_leftovers_removed(env: Env) -> None:
    out = env.tmp / "legacy" / "build"
    for stage in STAGES:  # real folders, as builds before generations wrote them
        shutil.copytree(env.old_out / stage, out / stage)
    for junk in (".site.old", ".site.k2j4x9", ".data.ab12cd", ".cache"):
        (out / junk).mkdir()
        (out / junk / "index.html").write_text("半个旧网站", encoding="utf-8")
    (out / "pdf" / ".guide.pdf.x1y2.tmp").write_bytes(b"%PDF-1.7 half")
    build(BuildOptions(root=env.root, out=out, jobs=2, progress=Progress(quiet=True)))
    assert published(out) == env.old
    assert sorted(p.name for p in out.iterdir()) == [".builds", ".current", ".lock", *sorted(STAGES)]
    assert all(os.readlink(out / stage) == f".current/{stage}" for stage in STAGES)


def test_a_truncated_output_is_never_published(tmp_path: Path) -> None:
    from zhinan.pipeline.stage import BuildError
    from zhinan.pipeline.transaction import verify

    generation = tmp_path / "gen"
    (generation / "pdf").mkdir(parents=True)
    (generation / "pdf" / "a.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n")  # the writer was stopped here
    (generation / "data").mkdir()
    (generation / "data" / "guide.json").write_text('{"title": "指', encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        verify(generation, ("pdf", "data", "site"))
    assert str(caught.value) == (
        "构建结果校验未通过，没有发布（上一次的输出原样保留）：pdf/a.pdf：不是完整的 PDF；"
        "data/guide.json：不是完整的 JSON；site/ 是空的"
    )
