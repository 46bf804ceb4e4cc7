"""``build.py publish``: a build that stays running and publishes reports on time.

A county office has no CI server to run "the first build after" a scheduled
report's date. This loop is that build: it builds once at start, then again
when a scheduled report comes due (it sleeps until then, at most ``every``),
and when the content changes (watchfiles wakes it; a look at every file's
size and time decides). Nothing due and nothing changed: nothing is built.

It is made to be left alone under systemd, cron's ``@reboot`` or a Windows
scheduled task: one line per build, a build that fails leaves the previous
site as it was (the build is all or nothing) and the loop keeps running, and
SIGTERM or Ctrl-C ends it cleanly after the build in progress. The clock, the
wait and the build are passed in, so tests run the loop with a clock of their
own and no real sleeps.
"""

from __future__ import annotations

import gc
import re
import signal
import sys
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from .builder import build
from .errors import ContentError, format_problems
from .i18n import _
from .loading import BuildOptions
from .summary import next_due

INTERVAL_FORM = re.compile(r"^(\d+)\s*([smhd]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Attempt:
    """What one build left behind."""

    at: datetime  # the time it was built for
    ok: bool
    next_due: datetime | None = None  # the first scheduled report still waiting
    lines: tuple[str, ...] = ()  # what to say about it: the problems, then one line


Clock = Callable[[], datetime]
Wait = Callable[[float], None]  # sleep up to this many seconds; may return early (a change, a stop)
Builder = Callable[[datetime], Attempt]


class Publisher:
    """The loop: build when something is due, else wait for it."""

    def __init__(self, content_dir: Path, build: Builder, every: timedelta, clock: Clock, wait: Wait,
                 say: Callable[[str], None], stop: threading.Event):
        self.content_dir = content_dir
        self.build = build
        self.every = every
        self.clock = clock
        self.wait = wait
        self.say = say
        self.stop = stop
        self.last: Attempt | None = None
        self.built_from: tuple | None = None  # the content as it was when the last build began

    def run(self) -> int:
        while not self.stop.is_set():
            now = self.clock()
            content = content_snapshot(self.content_dir)
            if self.is_due(content, now):
                self.built_from = content  # taken first: an edit made during the build is seen next round
                self.last = self.build(now)
                for line in self.last.lines:
                    self.say(line)
                continue
            self.wait(self.seconds_to_wait(now))
        return 0

    def is_due(self, content: tuple, now: datetime) -> bool:
        """Build at start, when the content changed, when a scheduled report came due,
        and, after a failed build, once every interval (a full disk may have been freed)."""
        last = self.last
        if last is None or content != self.built_from:
            return True
        if not last.ok:
            return now - last.at >= self.every
        return last.next_due is not None and last.next_due <= now

    def seconds_to_wait(self, now: datetime) -> float:
        wake = self.last.at + self.every if self.last and not self.last.ok else now + self.every
        if self.last and self.last.ok and self.last.next_due is not None:
            wake = min(wake, self.last.next_due)
        return max((wake - now).total_seconds(), 0.001)


def content_snapshot(content_dir: Path) -> tuple:
    """Every file of the content with its size and modification time: what changes when an
    editor saves, adds, renames or deletes a file (a stat of each, no reading)."""
    files = []
    for path in sorted(content_dir.rglob("*")):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked, or a link to nothing: a change like any other
            files.append((path.as_posix(), -1, -1))
            continue
        if not path.is_dir():
            files.append((path.as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(files)


def build_for(options: BuildOptions, theme) -> Builder:
    """The real build, for the moment the loop gives it: reports dated up to then go out."""
    def attempt(now: datetime) -> Attempt:
        try:
            result = build(replace(options, now=now), theme)
        except ContentError as exc:
            problems = exc.log.errors
            return Attempt(now, False, lines=(*format_problems(problems), _(
                "{time}: not published: {count} error(s) in the content; the previous site stays, "
                "and the next change to the content is built").format(time=stamp(now), count=len(problems))))
        except Exception as exc:  # noqa: BLE001 - a full disk, Pagefind, a foreign output folder: keep running
            return Attempt(now, False, lines=(_(
                "{time}: not published: {reason}; the previous site stays, and the build is tried "
                "again in a while").format(time=stamp(now), reason=exc),))
        finally:
            gc.unfreeze()  # the build froze its objects for speed; this process lives on
        due = next_due(result.site)
        line = _("{time}: published {reports} report(s), {written} file(s) changed").format(
            time=stamp(now), reports=len(result.site.articles), written=result.files_written)
        if due is not None:
            line += _("; next scheduled at {due}").format(due=stamp(due))
        return Attempt(now, True, due, (line,))

    return attempt


def stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S%z}"


def watch_wait(content_dir: Path, stop: threading.Event) -> Wait:
    """Sleep until the time is up, the content changes or a stop is asked for."""
    import watchfiles

    def wait(seconds: float) -> None:
        try:
            for _changes in watchfiles.watch(content_dir, stop_event=stop, rust_timeout=max(1, round(seconds * 1000)),
                                             yield_on_timeout=True, raise_interrupt=False):
                return
        except OSError:  # the folder is gone for now (a network share, say): look again in a while
            stop.wait(seconds)

    return wait


def parse_interval(text: str) -> timedelta:
    """``10m``, ``30s``, ``1h``, ``1d`` or plain seconds; at least one second."""
    found = INTERVAL_FORM.match(text.strip().lower())
    if not found or int(found.group(1)) == 0:
        raise ValueError(_("'{text}' is not an interval; write a number and a unit, like 10m, 30s or 1h").format(
            text=text))
    return timedelta(seconds=int(found.group(1)) * UNIT_SECONDS[found.group(2)])


def stop_on_signals(stop: threading.Event, say: Callable[[str], None]) -> None:
    """SIGTERM (systemd), Ctrl-C, Ctrl-Break (Windows): finish the build in progress, then end.
    A second one ends at once (the build is all or nothing, so the site is safe either way)."""
    def request(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        say(_("stopping: the build in progress (if any) finishes first"))

    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), request)


def publish(options: BuildOptions, theme, every: timedelta) -> int:
    """The command: run the loop on the real clock until stopped."""
    stop = threading.Event()

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)  # flushed: a service's log shows each line as it comes

    stop_on_signals(stop, say)
    publisher = Publisher(options.content_dir, build_for(options, theme), every,
                          lambda: datetime.now().astimezone(), watch_wait(options.content_dir, stop), say, stop)
    try:
        return publisher.run()
    except KeyboardInterrupt:
        return 130
