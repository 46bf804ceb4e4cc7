"""A progress bar for long builds, shown only to a person watching a terminal.

The build reports its stages ("rendering reports", "writing pages") with the
number of items each has; a stage with few items shows nothing. When stderr
is not a terminal (a log, CI, a pipe) nothing is drawn at all: the closing
line that build.py prints is the record.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

LONG_STAGE = 200  # items; shorter stages finish before a bar would help
REFRESH_SECONDS = 0.1


class Progress:
    """Receives the build's stages; this base class shows nothing."""

    def stage(self, name: str, total: int | None, size: int | None = None) -> Callable[[int], None] | None:
        """Start a stage of ``total`` items (None: not counted) and ``size`` (how much work
        it is, by default ``total``); return what to call with each batch done."""
        return None

    def close(self) -> None:
        pass


quiet = Progress()


class TerminalProgress(Progress):
    """One rich progress bar per long stage, drawn on stderr and cleared at the end."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars, TextColumn, TimeElapsedColumn

        self.bars = Bars(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(file=stream), transient=True, auto_refresh=False,  # no thread: workers fork
        )
        self.bars.start()
        self._drawn = 0.0

    def stage(self, name: str, total: int | None, size: int | None = None) -> Callable[[int], None] | None:
        for task in list(self.bars.task_ids):
            self.bars.remove_task(task)  # one line: the stage the build is at
        if (size if size is not None else total or 0) < LONG_STAGE:
            self.bars.refresh()
            return None
        task = self.bars.add_task(name, total=total)
        self.bars.refresh()

        def advance(count: int) -> None:
            if task not in self.bars.task_ids:
                return  # a later stage has begun
            self.bars.advance(task, count)
            now = time.monotonic()
            if now - self._drawn >= REFRESH_SECONDS:
                self._drawn = now
                self.bars.refresh()

        return advance

    def close(self) -> None:
        self.bars.stop()


def for_terminal(stream: TextIO = sys.stderr) -> Progress:
    """A bar when ``stream`` is a terminal, else nothing."""
    return TerminalProgress(stream) if stream.isatty() else quiet
