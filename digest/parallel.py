"""Spread independent pieces of work over the machine's cores.

Markdown rendering and page rendering are pure functions of data the main
process already holds. Workers are forked after that data is in place, so they
inherit it instead of receiving it through a pipe; only small task arguments
and the results cross. With one core, or too little work to pay for the
forks, everything runs in this process, in the same order, with the same
results.

The workers are a :class:`concurrent.futures.ProcessPoolExecutor`, not a
``multiprocessing.Pool``: when the caller stops early (a full disk while the
results are written, Ctrl-C), the executor cancels the chunks not started and
lets the running ones finish, where ``Pool.terminate()`` kills workers in the
middle of sending a result and can then wait forever for the rest of it.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

from .i18n import _

PR_SET_PDEATHSIG = 1  # prctl(2)
MIN_ITEMS = 200  # below this, forking costs more than it saves
CHUNK = 64  # items per task at most: few enough messages, fine enough to balance the cores
CHUNKS_PER_WORKER = 4  # at least, so that a slow chunk does not leave a core idle at the end
CHUNKS_AHEAD = 3  # chunks given out per worker before their results are taken: enough to keep it busy

_shared: object = None  # what the workers of the current map inherit


class WorkerLost(OSError):
    """A worker process ended in the middle of its work (the kernel's out-of-memory
    killer, or someone's kill): the build cannot finish, for a reason outside the content."""

    def __init__(self):
        super().__init__(None, _("a worker process was stopped from outside, often because "
                                 "the machine ran out of memory"))
        self.advice = _("close other programs, or build on a machine with more memory, then build again")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def shared():
    """The data the current :func:`each_result` made available to its workers."""
    return _shared


def run_all(work: Callable, items: Sequence, data: object = None,
            done: Callable[[int], None] | None = None, min_items: int = MIN_ITEMS) -> list:
    """``[work(item) for item in items]``, on all cores when that pays."""
    return list(each_result(work, items, data, done, min_items))


def each_result(work: Callable, items: Sequence, data: object = None,
                done: Callable[[int], None] | None = None, min_items: int = MIN_ITEMS) -> Iterator:
    """``work(item)`` for each item, in order, as the results come in.

    ``data`` is readable in ``work`` through :func:`shared` (workers inherit
    it when they are forked); ``done(n)`` is told how many items were finished
    after each chunk, for a progress bar. Results are handed over one by one,
    so big ones (rendered pages) need not all be held at once.
    """
    global _shared
    previous, _shared = _shared, data
    try:
        workers = min(cores(), len(items))
        if workers < 2 or len(items) < min_items or not _can_fork():
            yield from _run_here(work, items, done)
        else:
            yield from _run_forked(work, items, workers, done)
    finally:
        _shared = previous


def in_background(work: Callable, data: object) -> Future | None:
    """``work(data)`` in a forked process while this one goes on (its result, or what it
    raises, comes from the Future); None with one core or no fork, and the caller does
    the work itself when it needs the result. ``data`` is inherited with the fork, not
    pickled through a pipe while this process works."""
    global _shared
    if cores() < 2 or not _can_fork():
        return None
    previous, _shared = _shared, data
    pool = _forked_pool(1)  # the process is forked in submit()
    try:
        return pool.submit(_with_shared, work)
    finally:
        pool.shutdown(wait=False)  # the worker ends once the work is done
        _shared = previous


def _with_shared(work: Callable):
    return work(_shared)


def result_or_none(future: Future | None):
    """The result of :func:`in_background`'s work; None if there was none, or if its
    process was killed (the caller then does the work itself)."""
    if future is None:
        return None
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _forked_pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from this process (so they inherit its data), leaving Ctrl-C to it."""
    return ProcessPoolExecutor(workers, multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_here(work: Callable, items: Iterable, done) -> Iterator:
    for item in items:
        yield work(item)
        if done:
            done(1)


def _run_forked(work: Callable, items: Sequence, workers: int, done) -> Iterator:
    """The chunks go out a few at a time (:data:`CHUNKS_AHEAD` a worker), not all at
    once: results wait in this process until the caller takes them, and a caller
    slower than the workers (writing pages while they render) would otherwise hold
    most of a site's pages in memory at once."""
    size = max(1, min(CHUNK, len(items) // (workers * CHUNKS_PER_WORKER)))
    chunks = iter([items[i:i + size] for i in range(0, len(items), size)])
    runner = _ChunkRunner(work)
    with _forked_pool(workers) as pool:
        running = deque(pool.submit(runner, chunk) for chunk in islice(chunks, workers * CHUNKS_AHEAD))
        try:
            while running:
                chunk_results = running.popleft().result()
                running.extend(pool.submit(runner, chunk) for chunk in islice(chunks, 1))
                yield from chunk_results
                if done:
                    done(len(chunk_results))
        except BrokenProcessPool:
            raise WorkerLost() from None
        finally:
            for future in running:  # the caller stopped early: what has not begun never will
                future.cancel()


def dies_with(parent: int) -> Callable[[], None]:
    """For a child process (a worker, Pagefind): end when ``parent`` ends, even by
    SIGKILL, rather than run on alone (Linux's parent-death signal; elsewhere nothing)."""

    def arrange() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # it ended before the signal was arranged
            os._exit(1)

    return arrange


def _start_worker(parent: int) -> None:
    """Ctrl-C reaches the whole process group: the parent stops the pool, and
    workers must not each print a KeyboardInterrupt traceback of their own.
    SIGTERM must simply end a worker, even where the parent (``serve``) turned
    SIGTERM into an interrupt. The cycle collector, which the build keeps out of
    the parent's way, collects here: a worker's garbage is its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    dies_with(parent)()
    gc.enable()


class _ChunkRunner:
    """Runs ``work`` over one chunk inside a worker (picklable, unlike a lambda)."""

    def __init__(self, work: Callable):
        self.work = work

    def __call__(self, chunk: Sequence) -> list:
        return [self.work(item) for item in chunk]
