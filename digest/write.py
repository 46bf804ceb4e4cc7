"""All-or-nothing output: build a whole new tree beside the old one, then swap.

Nothing is written into the output folder itself. Pages go into a staging
folder next to it; only when every file is in place is the staging folder
exchanged with the output in one atomic ``renameat2(RENAME_EXCHANGE)``, so an
error, a crash or a SIGKILL at any moment leaves the previous output exactly
as it was. This module and :mod:`digest.cache` are the only places that write.

Incremental builds reuse the tree the last swap moved out (the *spare*): it
holds the output before last, and its manifest says what each file holds. Only
files whose content differs are replaced; a file the current output already
has is hard-linked from it. A file is never changed in place (the two trees
share inodes), only unlinked and created anew. Removing a whole tree costs a
slow ``rmdir`` per article folder, so trees are reused rather than deleted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

STAGING_MARK = ".new-"
DIR_MODE = 0o755


def content_id(data: bytes) -> str:
    """What a file holds, by its bytes."""
    return "sha1:" + hashlib.sha1(data).hexdigest()


def file_id(path: Path) -> str:
    """What a copied file holds, by its identity on disk (no reading)."""
    stat = path.stat()
    return f"stat:{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


@dataclass
class Trees:
    """What the output folder and the spare tree hold: dest → content id (None: not known)."""

    output: dict[str, str] | None = None
    spare: dict[str, str] | None = None


@dataclass
class WriteCounts:
    written: int = 0  # files whose bytes changed since the current output
    unchanged: int = 0


class OutputWriter:
    """Collects a whole site in a staging folder and swaps it in on commit.

    With ``spare`` (a folder path) the staging folder is that reused tree;
    without, a fresh folder beside the output, removed on abort.
    """

    def __init__(self, output_dir: Path, spare: Path | None = None, trees: Trees | None = None,
                 on_change: Callable[[], None] | None = None):
        self.output_dir = output_dir.absolute()
        self.on_change = on_change  # told once, before the spare tree is first changed
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(self.output_dir)
        trees = trees or Trees()
        self.before_known = trees.output is not None or not self.output_dir.exists()
        self.before = (trees.output or {}) if self.output_dir.is_dir() else {}
        self.foreign = self._foreign_files()  # in the output, but not made by the last build
        self.reused = spare is not None
        self.staging = spare.absolute() if spare else self._fresh_staging()
        self.present = self._spare_contents(trees.spare) if self.reused else {}
        self.files: dict[str, str] = {}  # dest -> content id, for the new tree
        self.written: dict[str, int] = {}  # dest -> size of the files made by this build
        self.counts = WriteCounts()
        self._dirs: set[str] = set()
        # While every file is one the output already holds, nothing is done to
        # the staging folder: a build that changes nothing writes nothing.
        self.lazy = self.reused and self.before_known and self.output_dir.is_dir()

    # --- the staging folder --------------------------------------------------

    def _foreign_files(self) -> list[str]:
        """Files someone put into the output by hand: the build owns that folder and
        replaces them, so the caller warns about each (none is dropped silently)."""
        if not (self.before_known and self.output_dir.is_dir()):
            return []
        return sorted(dest for dest in walk_files(self.output_dir) if dest not in self.before)

    def _fresh_staging(self) -> Path:
        staging = self.output_dir.with_name(f".{self.output_dir.name}{STAGING_MARK}{os.getpid()}")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(mode=DIR_MODE)
        staging.chmod(DIR_MODE)
        return staging

    def _spare_contents(self, manifest: dict[str, str] | None) -> dict[str, str]:
        """What the spare tree holds: its manifest, else found by reading it."""
        if not self.staging.is_dir():
            if self.staging.exists() or self.staging.is_symlink():
                self.staging.unlink()
            self.staging.parent.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir(mode=DIR_MODE)
            self.staging.chmod(DIR_MODE)
            return {}
        if manifest is not None:
            return dict(manifest)
        return {dest: content_id((self.staging / dest).read_bytes()) for dest in walk_files(self.staging)}

    def path_for(self, dest: str) -> Path:
        """A path to create a new file at; whatever was there is unlinked first.

        Whoever writes there calls :meth:`register` afterwards.
        """
        if self.lazy:
            self.materialize()
        self._changing()
        path = self.staging / dest
        self._make_folders(dest.rpartition("/")[0])
        self._remove(path)
        self.present.pop(dest, None)
        return path

    def _changing(self) -> None:
        if self.on_change is not None:
            on_change, self.on_change = self.on_change, None
            on_change()

    def _make_folders(self, folder: str) -> None:
        """Create ``folder`` and its parents, readable by a web server whatever the umask."""
        if not folder or folder in self._dirs:
            return
        self._make_folders(folder.rpartition("/")[0])
        path = self.staging / folder
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            path.unlink()  # a file of the old tree stands where a folder must be
            self.present.pop(folder, None)
        try:
            path.mkdir(mode=DIR_MODE)
            path.chmod(DIR_MODE)
        except FileExistsError:
            pass
        self._dirs.add(folder)

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    # --- putting files in ----------------------------------------------------

    def write(self, dest: str, data: bytes) -> None:
        self._put(dest, content_id(data), lambda path: path.write_bytes(data), len(data))

    def copy(self, dest: str, source: Path) -> None:
        """A copy of a content or theme file (never a link: editors change those in place)."""
        self._put(dest, file_id(source), lambda path: shutil.copyfile(source, path), None)

    def link_or_copy(self, dest: str, source: Path) -> None:
        """Reuse a file that is never changed in place (a cached rendition) without copying bytes."""
        self._put(dest, file_id(source), lambda path: _link_or_copy(source, path), None)

    def keep(self, dest: str, ident: str) -> None:
        """A file the current output already holds, unchanged: link it from there."""
        self._put(dest, ident, None, None)

    def current(self, dest: str) -> str | None:
        """What the output's file at ``dest`` holds, if it is known."""
        return self.before.get(dest)

    def _put(self, dest: str, ident: str, make, size: int | None) -> None:
        changed = self.before.get(dest) != ident
        if self.lazy and changed:
            self.materialize()
        self.files[dest] = ident
        if self.lazy or self.present.get(dest) == ident:
            self._count(dest, changed, size)
            return
        path = self.path_for(dest)
        if not changed:
            _reuse(self.output_dir, dest, path)
        elif make is not None:
            make(path)
        else:
            raise ValueError(f"{dest}: nothing to keep in the current output")
        self.present[dest] = ident
        self._count(dest, changed, size)

    def _count(self, dest: str, changed: bool, size: int | None) -> None:
        if changed:
            self.counts.written += 1
            self.written[dest] = size if size is not None else (self.staging / dest).stat().st_size
        else:
            self.counts.unchanged += 1

    def register(self, dest: str) -> None:
        """A file something else (Pagefind, or a caller of :meth:`path_for`) created."""
        data = (self.staging / dest).read_bytes()
        ident = content_id(data)
        self.files[dest] = ident
        self.present[dest] = ident
        self._count(dest, self.before.get(dest) != ident, len(data))

    def register_folder(self, folder: str) -> None:
        """Every file a tool wrote under ``folder``; its folders made readable."""
        root = self.staging / folder
        for path, _, _ in os.walk(root):
            os.chmod(path, DIR_MODE)
        for dest in walk_files(root):
            self.register(f"{folder}/{dest}")

    def clear_folder(self, folder: str) -> None:
        """Empty one folder of the staging tree before a tool rewrites it."""
        prefix = folder.rstrip("/") + "/"
        self._changing()
        shutil.rmtree(self.staging / folder, ignore_errors=True)
        for dest in [d for d in self.present if d.startswith(prefix)]:
            del self.present[dest]
        self._dirs = {d for d in self._dirs if not (d + "/").startswith(prefix)}

    def materialize(self) -> None:
        """Stop being lazy: bring the files put so far (all as in the output) into the staging folder."""
        if not self.lazy:
            return
        self.lazy = False
        self._changing()
        for dest, ident in list(self.files.items()):
            if self.present.get(dest) == ident:
                continue
            if dest not in self.present:  # the usual case after a first build: link, no questions asked
                try:
                    self._link_from_output(dest)
                    self.present[dest] = ident
                    continue
                except OSError:  # something stands there, or no hard links here: the careful way
                    pass
            _reuse(self.output_dir, dest, self.path_for(dest))
            self.present[dest] = ident

    def _link_from_output(self, dest: str) -> None:
        """Hard-link the output's file into the staging folder (strings, not pathlib:
        this runs for every file of a site)."""
        self._make_folders(dest.rpartition("/")[0])
        os.link(f"{os.fspath(self.output_dir)}/{dest}", f"{os.fspath(self.staging)}/{dest}")

    # --- finishing -----------------------------------------------------------

    def finish(self, materialize: bool = False) -> None:
        """Make the staging folder hold exactly the new site (unless nothing changed)."""
        if self.lazy and not materialize and not self.changed:
            return
        self.materialize()
        self.prune()

    def spare_files(self) -> dict[str, str]:
        """What the staging folder holds now."""
        return dict(self.present)

    def prune(self) -> None:
        """Remove what the spare tree holds that the new site does not."""
        extra = [dest for dest in self.present if dest not in self.files]
        if extra:
            self._changing()
        folders = set()
        for dest in extra:
            self._remove(self.staging / dest)
            del self.present[dest]
            folders.add(dest.rpartition("/")[0])
        for folder in sorted(folders, key=len, reverse=True):
            self._remove_empty(folder)

    def _remove_empty(self, folder: str) -> None:
        while folder:
            try:
                (self.staging / folder).rmdir()
            except OSError:
                return
            self._dirs.discard(folder)
            folder = folder.rpartition("/")[0]

    @property
    def changed(self) -> bool:
        """Whether the new tree differs from the current output at all."""
        return self.files != self.before or bool(self.foreign)

    def commit(self) -> Trees:
        """Swap the staging folder in; return what the output and the spare now hold."""
        if not self.output_dir.exists():
            os.rename(self.staging, self.output_dir)
            return Trees(output=self.files, spare=self._linked_spare() if self.reused else None)
        exchange(self.staging, self.output_dir)
        if not self.reused:
            shutil.rmtree(self.staging, ignore_errors=True)
            return Trees(output=self.files, spare=None)
        return Trees(output=self.files, spare=self._old_output() if self.before_known else None)

    def _linked_spare(self) -> dict[str, str] | None:
        """After a first build, the spare tree made a linked copy of the new output, so
        that the next build (an editor's first fix) changes a few files in it rather
        than making thousands of folders then. Without hard links, no spare."""
        self._changing()
        self._dirs, self.present = set(), {}
        self.staging.mkdir(mode=DIR_MODE)
        self.staging.chmod(DIR_MODE)
        try:
            for dest, ident in self.files.items():
                self._link_from_output(dest)
                self.present[dest] = ident
        except OSError:
            shutil.rmtree(self.staging, ignore_errors=True)
            return None
        return dict(self.present)

    def _old_output(self) -> dict[str, str]:
        """What the old output, now the spare tree, holds: hand-placed files included, so
        that reusing the spare removes them rather than bringing them back."""
        return {**self.before, **{dest: "foreign" for dest in self.foreign}}

    def abort(self) -> None:
        """Forget this build's staging: a fresh folder is removed, a spare is left (now unknown)."""
        if not self.reused:
            shutil.rmtree(self.staging, ignore_errors=True)


class OutputChanged(RuntimeError):
    """A file the output should hold, by its manifest, is not there (removed by hand)."""


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:
        shutil.copyfile(source, target)


def _reuse(output_dir: Path, dest: str, target: Path) -> None:
    """Link a file of the current output into the staging folder."""
    try:
        _link_or_copy(output_dir / dest, target)
    except FileNotFoundError:
        raise OutputChanged(dest) from None


def walk_files(root: Path):
    """The path (``a/b.html``) of every file under ``root``, as strings: the
    output is walked every build and has a file or two per report."""
    top = os.fspath(root)
    for folder, _, names in os.walk(top):
        prefix = folder[len(top) + 1:].replace(os.sep, "/")
        for name in names:
            yield f"{prefix}/{name}" if prefix else name


def remove_stale_staging(output_dir: Path) -> None:
    """Staging folders of builds that were killed: their process is gone."""
    prefix = f".{output_dir.name}{STAGING_MARK}"
    for path in output_dir.parent.glob(prefix + "*"):
        pid = path.name.removeprefix(prefix)
        if pid.isdigit() and not _is_running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> None:
    """Atomically swap two paths (Linux renameat2); else two quick renames."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if result == 0:
            return
    aside = b.with_name(b.name + ".old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)
