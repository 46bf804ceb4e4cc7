"""A build with nothing to do, told in a fraction of a second.

A build reads the content folder, the theme, this package's code and the
libraries' versions (the cache's engine key), its command line, and the clock
(a scheduled report comes due; a draft's label says whether its date has
passed). When none of these has changed since the last build, and the output
is file for file as that build left it, the output already is what a build
would make. :func:`unchanged_build` finds that out from the record the last
build left (:class:`LastBuild`), without loading Markdown, Jinja or Pagefind,
and the command line then says so and stops.

A file is taken to be unchanged when its stamp (kind, size, modification and
change times, inode) is, as git trusts its index; a file changed within two
seconds of being stamped is not trusted (the clock's tick may hide a second
change), and the next build is a whole one (the build that stamped it leaves no
record). Every doubt means a whole build:
the record is removed before a build begins, and written only once it has
succeeded, with the stamps taken before it read anything.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISREG

from .cache import RACY_NS, cache_folder, collector_paused, engine_key, short_hash
from .errors import Problem
from .options import BuildOptions, Theme
from .sources import VERSION_CONTROL_FOLDERS
from .summary import Summary
from .write import Manifest, tree_matches, write_atomically

RECORD = "last-build.pickle"  # in the build cache's folder
FORMAT = 2  # of the record; change when LastBuild or Inputs changes shape


@dataclass(frozen=True)
class Inputs:
    """What a build reads, as it was when the build began."""

    key: str  # the engine and the options (see :func:`inputs_key`)
    stamps: dict[str, tuple]  # every file of the content and the theme -> its stamp
    taken_at: int  # time.time_ns() when the stamps were taken
    begun_at: int = 0  # time.time_ns() before the first was taken

    @property
    def trusted(self) -> bool:
        """Whether no file changed so close to being stamped that a second change could hide."""
        newest = max((stamp[3] for stamp in self.stamps.values() if stamp), default=0)  # the change time
        return self.taken_at - newest >= RACY_NS

    def content_signs(self, source: str) -> tuple | None:
        """The :func:`digest.cache.file_signs` of the content's plain file ``source`` as it was
        stamped, so that the build need not look at each of 10,000 reports a second time; None
        for anything else (a symbolic link is stamped as itself, not as the file it leads to).
        The time is when the stamping began: never later than the file's own stamp."""
        stamp = self.stamps.get("content/" + source)
        if not stamp or not S_ISREG(stamp[0]):
            return None
        return (*stamp[1:], self.begun_at)


@dataclass(frozen=True)
class LastBuild:
    """What a successful build leaves for the next one to compare against."""

    inputs: Inputs
    horizon: datetime | None  # the first date in the content after the build's time: past it, build again
    output: Manifest  # the output as the build left it
    problems: tuple[Problem, ...]  # the warnings it told about the content
    summary: Summary  # its pre-publish summary (due_in is worked out again from next_due)
    next_due: datetime | None  # when the first scheduled report comes due
    files: int  # files in the output
    format: int = FORMAT


def take_inputs(options: BuildOptions, theme: Theme) -> Inputs:
    """Stamp every file a build with these options may read."""
    stamps: dict[str, tuple] = {}
    begun_at = time.time_ns()
    for name, folder in (("content", options.content_dir), ("templates", theme.templates_dir),
                         ("static", theme.static_dir)):
        _stamp_tree(folder, name, stamps)
    return Inputs(inputs_key(options, theme), stamps, time.time_ns(), begun_at)


def inputs_key(options: BuildOptions, theme: Theme) -> str:
    """The engine (code, libraries, language of the messages) and what the command line chose."""
    where = [os.path.abspath(path) for path in (options.content_dir, options.output_dir, theme.templates_dir,
                                                 theme.static_dir)]
    return short_hash(engine_key(), *where, repr((options.base_url, options.drafts, options.future,
                                                  options.preview)))


def _stamp_tree(folder: Path, prefix: str, stamps: dict[str, tuple]) -> None:
    """Each file under ``folder`` (a symbolic link: itself and what it leads to, which may be
    a folder, not looked into: the build takes nothing from outside the content folder)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        stamps[prefix] = ()  # missing or unreadable: the same again next time, or not
        return
    for entry in entries:
        name = f"{prefix}/{entry.name}"
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name.lower() in VERSION_CONTROL_FOLDERS:
                    continue  # no build reads from it (:func:`digest.sources.version_control_folder`)
                _stamp_tree(Path(entry.path), name, stamps)
                continue
            stamps[name] = _stamp(entry.stat(follow_symlinks=False))
            if entry.is_symlink():
                stamps[name + " ->"] = _stamp(os.stat(entry.path)) if os.path.exists(entry.path) else ()
        except OSError:
            stamps[name] = ()


def _stamp(stat: os.stat_result) -> tuple:
    return (stat.st_mode, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def horizon(dates, built_at: datetime) -> datetime | None:
    """The first of ``dates`` after ``built_at``: the moment a build would first differ."""
    return min((moment for moment in dates if moment > built_at), default=None)


# --- the record ---------------------------------------------------------------


def forget(output_dir: Path) -> None:
    """A build begins: until it succeeds, nothing vouches for the output."""
    try:
        (cache_folder(output_dir) / RECORD).unlink()
    except FileNotFoundError:
        pass


def remember(output_dir: Path, last: LastBuild) -> None:
    """Leave the record of a build that succeeded."""
    try:
        write_atomically(cache_folder(output_dir) / RECORD,
                         lambda file: pickle.dump(last, file, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # no record: the next build is a whole one


@dataclass(frozen=True)
class Verdict:
    """What :func:`unchanged_build` found."""

    last: LastBuild | None  # the record, when the output already is what a build would make
    inputs: Inputs | None = None  # the stamps it took, if any: the whole build that follows records them


def unchanged_build(options: BuildOptions, theme: Theme, now: datetime) -> Verdict:
    """The last build's record, if nothing it read has changed and its output is as it
    left it; else no record (and a whole build follows, which can keep the stamps taken
    here rather than walk the content again). ``options.output_dir``: the real folder,
    not a symbolic link to it."""
    folder = cache_folder(options.output_dir)
    try:
        with open(folder / "lock", "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)  # a build at work holds it: wait for that one
            with open(folder / RECORD, "rb") as file, collector_paused():
                last = pickle.load(file)
            return _compared(last, options, theme, now)
    except Exception:  # noqa: BLE001 - no record, a busy lock, a damaged record: build as usual
        return Verdict(None)


def _compared(last: LastBuild, options: BuildOptions, theme: Theme, now: datetime) -> Verdict:
    if not isinstance(last, LastBuild) or last.format != FORMAT or not last.inputs.trusted:
        return Verdict(None)
    if last.horizon is not None and now >= last.horizon:
        return Verdict(None)
    inputs = take_inputs(options, theme)
    if inputs.key != last.inputs.key or inputs.stamps != last.inputs.stamps:
        return Verdict(None, inputs)
    return Verdict(last if tree_matches(options.output_dir, last.output) else None, inputs)
