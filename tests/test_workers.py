"""Where PDF workers come from (zhinan.pipeline.workers): forked by the fork server, which is not the
build, or spawned by the build itself where the system has no pidfds; and the fork server, once
stopped, has been waited for (its workers' CPU is the build's)."""

from __future__ import annotations

import os
import resource
import time

import pytest

from zhinan.pipeline import workers


def _parent_and_cpu(seconds: float) -> int:
    """In the worker: spend `seconds` of CPU, then say who the worker's parent is."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return os.getppid()


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def test_a_fork_server_worker_is_not_the_builds_child_and_its_cpu_is_counted_once_stopped() -> None:
    before = _children_cpu()
    with workers.pool(1, "forkserver", ("zhinan.pipeline.workers",)) as pool:
        parent = pool.submit(_parent_and_cpu, 0.5).result(timeout=60)
    assert parent != os.getpid()  # the fork server's child
    workers.stop_server()
    workers.stop_server()  # a second stop, with no server left, does nothing
    assert _children_cpu() - before >= 0.45


def test_without_pidfds_the_workers_are_spawned_by_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "_has_pidfd", lambda: False)
    with workers.pool(1, "forkserver", ("zhinan.pipeline.workers",)) as pool:
        assert pool.submit(os.getppid).result(timeout=60) == os.getpid()
