"""Work spread over the cores: the same results, in order, as in one process."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import threading

import pytest

from digest import parallel
from digest.parallel import each_result, run_all, shared


def _square_plus_shared(item: int) -> int:
    return item * item + shared()


def test_work_spread_over_processes_comes_back_in_order():
    items = list(range(500))
    assert run_all(_square_plus_shared, items, data=1, min_items=10) == [i * i + 1 for i in items]
    assert run_all(_square_plus_shared, items[:5], data=2) == [i * i + 2 for i in items[:5]]


def test_progress_is_told_of_every_item_done():
    counted = []
    run_all(_square_plus_shared, list(range(300)), data=0, done=counted.append, min_items=10)
    assert sum(counted) == 300


def _big_result(item: int) -> bytes:
    """More than a pipe holds (64 KiB): a worker stopped while sending it leaves half a message."""
    return bytes([item % 256]) * (1 << 18)


def test_a_caller_that_stops_early_leaves_no_worker_and_no_wait():
    """The writer fails (a full disk) after the first result while the other workers are sending
    theirs. ``multiprocessing.Pool.terminate()`` killed them mid-send and then waited forever for
    the rest of the message, about once in 500 runs; the pool must stop cleanly every time."""
    for _ in range(300):
        with pytest.raises(OSError, match="full"):
            for result in each_result(_big_result, range(8), min_items=2):
                assert len(result) == 1 << 18
                raise OSError(errno.ENOSPC, "full")
        assert multiprocessing.active_children() == []


def _die_on_seven(item: int) -> int:
    if item == 7:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return item


def test_a_worker_killed_from_outside_fails_the_work_instead_of_hanging():
    if not parallel._can_fork() or parallel.cores() < 2:
        pytest.skip("the work runs in this process here")
    with pytest.raises(parallel.WorkerLost, match="ran out of memory"):
        run_all(_die_on_seven, list(range(50)), min_items=2)
    assert multiprocessing.active_children() == []


def test_work_in_the_background_inherits_its_data_instead_of_receiving_it():
    """The look at the output's trees takes both manifests (28,000 files each at 10,000
    reports): forked, not pickled through a pipe while the build loads the content."""
    unpicklable = {"lock": threading.Lock(), "files": ["index.html", "about.html"]}
    future = parallel.in_background(_count_files, unpicklable)
    if parallel.cores() < 2:
        assert future is None
        return
    assert parallel.result_or_none(future) == 2


def _count_files(data) -> int:
    return len(data["files"])


def _collector_on(item: int) -> bool:
    import gc
    return gc.isenabled()


@pytest.mark.skipif(parallel.cores() < 2, reason="one core: the work runs in this process")
def test_workers_collect_their_own_garbage_while_the_parent_rests_its_collector():
    from digest.cache import collector_paused

    with collector_paused():
        assert run_all(_collector_on, list(range(20)), min_items=2) == [True] * 20
