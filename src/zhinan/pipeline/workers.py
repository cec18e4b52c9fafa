"""Worker processes that never outlive the build.

A PDF worker is a separate Python process. Left to itself it keeps rendering when the build is
killed (`kill -9`, a cancelled CI job) and writes PDFs nobody asked for; it was seen alive two
minutes later. Three things prevent that:

- each worker dies with the build: a worker the build started itself ("spawn", "fork") asks the
  kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``); a worker forked by
  multiprocessing's fork server (whose child it is, not the build's) watches the build through a
  pidfd and kills itself when the build ends. Either exits at once if the build is already gone;
- a worker dies at once, silently, on Ctrl+C (SIGINT at its default action: the terminal sends
  it to the whole process group; no KeyboardInterrupt traceback from each worker);
- when the build stops early (Ctrl+C or SIGTERM sent to the build alone, an error elsewhere) it
  kills every worker it started (`kill_all`) instead of waiting for the file each one renders.
  A signal is relayed by a thread of its own (`relay_signals`): Python runs signal handlers in
  the main thread between two bytecodes, which can be seconds away (jieba loads its dictionary
  with one marshal.load call), and the workers must stop within a second of Ctrl+C.

The PDF workers come from a fork server ("forkserver"): one process, started once, imports what
they need (WeasyPrint, the fonts, pikepdf: about 0.7 CPU-seconds) and forks each worker from itself,
instead of each spawned worker importing it all again. The server is single-threaded, so a fork of
it holds no lock another thread took (the reason the workers are not forked from the build, which
runs stages in threads). It serves every later build in the same process (the test suite's
in-process builds); `stop_server` ends it, so that its workers' CPU time counts as the build's.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache
from multiprocessing import forkserver

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>."""

_pools: set[ProcessPoolExecutor] = set()
signalled = threading.Event()
"""Set when SIGINT or SIGTERM reached the build (`signals_relayed`): a worker failing from then on
was killed by it, and the build is interrupted, not failed."""
_pools_lock = threading.Lock()


def _die_with_parent(parent: int, start: str) -> None:
    """Initializer of every worker process (runs in the worker): it dies with the build, `parent`."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if start == "forkserver":
        try:
            build = os.pidfd_open(parent)
        except ProcessLookupError:  # the build ended before this worker was forked
            os._exit(1)
        threading.Thread(target=_kill_self_when_ended, args=(build,), name="zhinan-watch", daemon=True).start()
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died between spawning this process and the prctl call above.
    if os.getppid() != parent:
        os._exit(1)


def _kill_self_when_ended(pidfd: int) -> None:
    select.select([pidfd], [], [])  # readable once that process has ended
    os.kill(os.getpid(), signal.SIGKILL)


@cache
def _has_pidfd() -> bool:
    """Whether this system has pidfd_open (Linux 5.3 and later), which a fork server's worker needs."""
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return "forkserver" in multiprocessing.get_all_start_methods()


@contextmanager
def pool(jobs: int, start: str = "spawn", preload: tuple[str, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of `jobs` workers that die with this process, and are killed (not waited for) when
    the block is left by an exception. `start`: "spawn" (a fresh interpreter each), "fork" (to
    inherit what this process holds), or "forkserver" (forked by the fork server, which imported
    `preload` once; "spawn" where the system lacks pidfds). The preload is the server's: it is
    given by the first pool that starts it."""
    if start == "forkserver":
        if _has_pidfd():
            forkserver.set_forkserver_preload(list(preload))
        else:
            start = "spawn"
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(start),
                                   initializer=_die_with_parent, initargs=(os.getpid(), start))
    with _pools_lock:
        _pools.add(executor)
    try:
        yield executor
    except BaseException:
        _kill(executor)
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        with _pools_lock:
            _pools.discard(executor)


def _kill(executor: ProcessPoolExecutor) -> None:
    processes = dict(getattr(executor, "_processes", None) or {})
    for process in processes.values():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    for process in processes.values():
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            process.join(1)


def stop_server() -> None:
    """End the fork server this process started, if any, and wait for it: the CPU time of the
    workers it forked (and reaped) then counts among this process's children's, as `time zhinan
    build` and getrusage read it. Python names no public call for this; `_stop` is the one its own
    tests use. Without it the server ends with this process, and its CPU goes uncounted."""
    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def kill_all() -> None:
    """Kill every worker of every pool this process has open: the build is stopping."""
    with _pools_lock:
        executors = list(_pools)
    for executor in executors:
        _kill(executor)


@contextmanager
def signals_relayed() -> Iterator[None]:
    """While in the block, kill the workers the moment SIGINT or SIGTERM reaches this process
    (enter it in the main thread; the Python handlers still run, and raise, as usual)."""
    read, write = os.pipe()
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    stopping = {int(signal.SIGINT), int(signal.SIGTERM)}
    left = threading.Event()

    def watch() -> None:
        while data := os.read(read, 64):
            if stopping & set(data):
                signalled.set()
                for _ in range(10):  # and again, for a worker that was being started just then
                    kill_all()
                    if left.wait(0.1):  # the block is left: no build of its own remains to stop
                        break
        os.close(read)

    watcher = threading.Thread(target=watch, name="zhinan-signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        left.set()
        signal.set_wakeup_fd(previous)
        os.close(write)  # the watching thread reads the end of the pipe and stops
        watcher.join(5)  # not killing the pools of whatever runs next in this process
