"""All-or-nothing output: build a whole new tree beside the old one, then swap.

This module is the only one that writes into the output folder. Nothing is
written into the output folder itself: pages go into a staging folder next
to it, and only when every file is in place is the staging folder exchanged
with the output in one atomic ``renameat2(RENAME_EXCHANGE)``, so an error, a
crash or a SIGKILL at any moment leaves the previous output exactly as it
was. Where that call is missing the build says so rather than swap in two
steps.

Incremental builds reuse the tree the last swap moved out (the *spare*): it
holds the output before last. Only files whose content differs are replaced;
a file the current output already has is hard-linked from it. A file is never
changed in place (the two trees share inodes), only unlinked and created
anew. Removing a whole tree costs a slow ``rmdir`` per article folder, so
trees are reused rather than deleted.

Nothing in a tree is trusted on the cache's word. Each tree the build leaves
has a :class:`Manifest`: what each file holds (its content id) and its
*stamp* (inode, size and modification time) as the build left it. Before a
tree is reused its files are looked at (:func:`scan_tree`), as git looks at
its work tree: a file deleted, replaced, truncated or edited by hand, in
either tree (an edit in place shows in both, since they share the inode),
no longer matches its stamp and is made again, and a file the manifest does
not know is removed. The output also holds :data:`MADE_LIST`, the files the
build made, so that a build that has lost its cache can still tell them
from files someone put there by hand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .i18n import _

STAGING_MARK = ".new-"
DIR_MODE = 0o755
FILE_MODE = 0o644  # of files written whole by write_atomically (renditions the output links to)
MADE_LIST = ".digest-files"  # in the output: every file the build made, one a line
UNKNOWN = "?"  # the content id of a file whose content is not known: it never matches
SPLIT_LOOK_FILES = 10_000  # a tree with this many files is looked at by two processes (see tree_matches)


def content_id(data: bytes) -> str:
    """What a file holds, by its bytes."""
    return "sha1:" + hashlib.sha1(data).hexdigest()


def file_id(path: Path | str) -> str:
    """What a copied file holds, by its identity on disk (no reading)."""
    return stat_id(os.stat(path))


def stat_id(stat: os.stat_result) -> str:
    """:func:`file_id` of a file already looked at."""
    return f"stat:{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def stamp_of(stat: os.stat_result) -> tuple[int, int, int]:
    """What changes when a file is replaced, truncated or edited in place."""
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


@dataclass
class Manifest:
    """What a tree holds, as the build left it."""

    ids: dict[str, str] = field(default_factory=dict)  # dest -> content id
    stamps: dict[str, tuple] = field(default_factory=dict)  # dest -> stamp_of the file


@dataclass
class Trees:
    """The manifests of the output folder and of the spare tree (None: not known)."""

    output: Manifest | None = None
    spare: Manifest | None = None


@dataclass
class TreeScan:
    """A tree as found on disk, held against its manifest."""

    verified: Manifest  # the files that are as the manifest says
    on_disk: list[str]  # every file there (a link or anything else not a plain file too)
    damaged: set[str]  # files the manifest lists that are gone or not as it says

    def sent(self) -> TreeScan:
        """This scan without what its manifest says, for a process that holds the manifest
        (:meth:`received`): the files as it says are those neither damaged nor sent."""
        return TreeScan(Manifest(), [dest for dest in self.on_disk if dest not in self.verified.ids], self.damaged)

    def received(self, manifest: Manifest | None) -> TreeScan:
        """The scan that :meth:`sent` sent, whole again, with the manifest it was held against."""
        if manifest is None:
            return self
        if not self.damaged and len(manifest.ids) == len(manifest.stamps):  # the usual case: each file as it says
            verified = Manifest(dict(manifest.ids), dict(manifest.stamps))  # copied in C: 0.2 → 0.04 s a tree at 100,000
        else:
            ids = {dest: ident for dest, ident in manifest.ids.items() if dest not in self.damaged}
            verified = Manifest(ids, {dest: manifest.stamps[dest] for dest in ids})
        return TreeScan(verified, [*verified.ids, *self.on_disk], self.damaged)


def scan_tree(root: Path, manifest: Manifest | None, vouched: dict[str, tuple] | None = None) -> TreeScan:
    """Look at every file under ``root`` and keep those its manifest vouches for.

    A file is stat'ed unless ``vouched`` (the stamps of the output's files, just
    checked) says its inode was: the spare tree shares most of its files with the
    output, and one look at an inode is enough.
    """
    ids = manifest.ids if manifest is not None else {}
    stamps = manifest.stamps if manifest is not None else {}
    vouched = vouched or {}
    verified, on_disk = Manifest(), []
    for dest, entry in walk_entries(root):
        on_disk.append(dest)
        expected = stamps.get(dest)
        if dest not in ids or expected is None:
            continue
        if vouched.get(dest) == expected and entry.inode() == expected[0]:
            stamp = expected  # the very inode the output's check just looked at
        else:
            stamp = entry_stamp(entry)
        if stamp == expected:
            verified.ids[dest] = ids[dest]
            verified.stamps[dest] = stamp
    return TreeScan(verified, on_disk, set(ids) - set(verified.ids))


def tree_matches(root: Path, manifest: Manifest) -> bool:
    """Whether ``root`` holds exactly the manifest's files, each as stamped: what
    :func:`scan_tree` would find undamaged, with nothing else there, told without
    keeping what it looked at. A big tree is looked at in two halves at once, in
    forked processes: at 100,000 reports the output is 440,000 entries, and looking
    at them is most of a build with nothing to do."""
    try:
        pieces = _pieces(root)
    except OSError:
        return False
    if len(manifest.ids) < SPLIT_LOOK_FILES:
        return _count_matching(pieces, manifest) == len(manifest.ids)
    from .parallel import run_all  # not before it pays: the pool's modules take a while to import

    counts = run_all(_count_matching_half, [0, 1], (pieces, manifest), min_items=2)
    return None not in counts and sum(counts) == len(manifest.ids)


def _pieces(root: Path) -> list[tuple[str, os.DirEntry]]:
    """The entries of ``root`` and of its folders: two levels down, enough pieces of
    like size to share out (an article's folder, a month of the search index)."""
    pieces = []
    for entry in os.scandir(root):
        if entry.is_dir(follow_symlinks=False):
            try:
                pieces += [(f"{entry.name}/{inner.name}", inner) for inner in os.scandir(entry.path)]
            except OSError:
                continue  # as walk_entries does: its files are not there to be counted
        else:
            pieces.append((entry.name, entry))
    return pieces


def _count_matching_half(start: int) -> int | None:
    """In a forked worker: every other piece, from ``start``; a tree's entries are
    inherited (:func:`parallel.shared`), not pickled, which they cannot be."""
    from .parallel import shared

    pieces, manifest = shared()
    return _count_matching(pieces[start::2], manifest)


def _count_matching(pieces: list[tuple[str, os.DirEntry]], manifest: Manifest) -> int | None:
    """How many files the pieces hold, if each is one of the manifest's as stamped; else None."""
    ids, stamps = manifest.ids, manifest.stamps
    count = 0
    for name, entry in pieces:
        if entry.is_dir(follow_symlinks=False):
            files = ((f"{name}/{dest}", inner) for dest, inner in walk_entries(entry.path))
        else:
            files = ((name, entry),)
        for dest, file in files:
            expected = stamps.get(dest)
            if expected is None or dest not in ids or entry_stamp(file) != expected:
                return None
            count += 1
    return count


@dataclass(frozen=True)
class TreeLooks:
    """Both trees as the writer finds them when it begins, looked at ahead of it."""

    output: TreeScan | None  # None: there was no output folder
    spare: TreeScan | None  # None: there was no spare tree (or not a folder)

    def sent(self) -> TreeLooks:
        """For the process that asked, which has the manifests: a 28,000-file manifest
        takes it 0.05 s to unpickle, while it loads the content."""
        return TreeLooks(self.output and self.output.sent(), self.spare and self.spare.sent())

    def received(self, trees: Trees) -> TreeLooks:
        return TreeLooks(self.output and self.output.received(trees.output),
                         self.spare and self.spare.received(trees.spare))


def look_at_trees(output_dir: Path, spare: Path | None, trees: Trees) -> TreeLooks:
    """What :class:`OutputWriter` finds when it looks at the output and the spare tree
    (:func:`scan_tree` of each): a build has it looked at in a second process while it
    loads the content, since at 10,000 reports that is two walks of 28,000 files."""
    output_dir = output_dir.absolute()
    output = scan_tree(output_dir, trees.output) if output_dir.is_dir() else None
    found = None
    if spare is not None and spare.is_dir() and not spare.is_symlink():
        found = scan_tree(spare.absolute(), trees.spare, output.verified.stamps if output else None)
    return TreeLooks(output, found)


@dataclass
class WriteCounts:
    written: int = 0  # files whose bytes changed since the current output
    unchanged: int = 0


class ForeignFiles(Exception):
    """The output folder holds files no build made, and no build has used it yet."""

    def __init__(self, output_dir: Path, dests: list[str]):
        super().__init__(_("{output}: {count} file(s) the build did not make").format(output=output_dir,
                                                                                     count=len(dests)))
        self.output_dir = output_dir
        self.dests = dests


class OutputChanged(RuntimeError):
    """A file the output held when the build began is gone (removed during the build)."""


class OutputWriter:
    """Collects a whole site in a staging folder and swaps it in on commit.

    With ``spare`` (a folder path) the staging folder is that reused tree;
    without, a fresh folder beside the output, removed on abort. ``trees``
    are the manifests the last build left; each tree is checked against its
    own before anything in it is used.
    """

    def __init__(self, output_dir: Path, spare: Path | None = None, trees: Trees | None = None,
                 also_made: set[str] = frozenset(), looks: TreeLooks | None = None):
        """``looks``: the trees as :func:`look_at_trees` found them just before, with these
        ``trees``; without, the writer looks at them itself."""
        self.output_dir = output_dir.absolute()
        self._looks = looks
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(self.output_dir)
        trees = trees or Trees()
        output = self._scan_output(trees.output, also_made)
        self.before = output.verified.ids  # dest -> id of each output file as the last build left it
        self._before_stamps = output.verified.stamps
        self.damaged = output.damaged if trees.output is not None else set()
        self.foreign = [d for d in output.on_disk if d not in self.before and d not in self.damaged
                        ] if trees.output is not None else []  # put there by hand: the caller warns
        self.reused = spare is not None
        self.staging = spare.absolute() if spare else self._fresh_staging()
        self._spare_manifest = trees.spare
        self.present: dict[str, str] | None = None  # what the staging folder holds: read when first needed
        self._present_stamps: dict[str, tuple] = {}
        self.files: dict[str, str] = {}  # dest -> content id, for the new tree
        self.stamps: dict[str, tuple] = {}  # dest -> stamp of the new tree's file
        self.written: dict[str, int] = {}  # dest -> size of the files made by this build
        self.counts = WriteCounts()
        self._dirs: set[str] = set()
        self._by_folder: dict[str, list[str]] | None = None
        # While every file is one the output already holds, nothing is done to
        # the staging folder: a build that changes nothing writes nothing.
        self.lazy = self.reused and trees.output is not None and self.output_dir.is_dir()
        if not self.lazy:
            self._read_staging()

    # --- what the trees hold ----------------------------------------------------

    def _scan_output(self, manifest: Manifest | None, also_made: set[str]) -> TreeScan:
        """The output checked against its manifest. Without one (a first build, or a
        lost cache) only the files :data:`MADE_LIST` names (and ``also_made``: by an
        earlier version's word) are the build's own: a folder holding anything else
        is someone else's, and the build refuses it."""
        if not self.output_dir.is_dir():
            return TreeScan(Manifest(), [], set())
        looked = self._looks and self._looks.output
        scan = looked or scan_tree(self.output_dir, manifest)
        if manifest is None:
            made = {MADE_LIST, *read_made_list(self.output_dir), *also_made}
            foreign = [dest for dest in scan.on_disk if dest not in made]
            if foreign:
                raise ForeignFiles(self.output_dir, sorted(foreign))
        return scan

    def _fresh_staging(self) -> Path:
        staging = self.output_dir.with_name(f".{self.output_dir.name}{STAGING_MARK}{os.getpid()}")
        remove_path(staging)
        staging.mkdir(mode=DIR_MODE)
        staging.chmod(DIR_MODE)
        return staging

    def _read_staging(self) -> None:
        """What the staging folder holds: the files its manifest vouches for, and
        the rest as unknown (to be replaced or removed)."""
        if self.present is not None:
            return
        self.present = {}
        if not self.staging.is_dir() or self.staging.is_symlink():
            remove_path(self.staging)
            self.staging.parent.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir(mode=DIR_MODE)
            self.staging.chmod(DIR_MODE)
            return
        looked = self._looks and self._looks.spare
        scan = looked or scan_tree(self.staging, self._spare_manifest, self._before_stamps)
        self.present = {dest: scan.verified.ids.get(dest, UNKNOWN) for dest in scan.on_disk}
        self._present_stamps = scan.verified.stamps

    def path_for(self, dest: str) -> Path:
        """A path to create a new file at; whatever was there is unlinked first.

        Whoever writes there calls :meth:`register` afterwards.
        """
        if self.lazy:
            self.materialize()
        path = self.staging / dest
        self._make_folders(dest.rpartition("/")[0])
        remove_path(path)
        self.present.pop(dest, None)
        return path

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
        except FileExistsError:
            pass
        path.chmod(DIR_MODE)
        self._dirs.add(folder)

    # --- putting files in ----------------------------------------------------

    def write(self, dest: str, data: bytes) -> None:
        self._put(dest, content_id(data), lambda path: path.write_bytes(data), len(data))

    def copy(self, dest: str, source: Path) -> None:
        """A copy of a content or theme file (never a link: editors change those in place)."""
        self._put(dest, file_id(source), lambda path: shutil.copyfile(source, path), None)

    def link_or_copy(self, dest: str, source: Path | str, ident: str | None = None) -> None:
        """Reuse a file that is never changed in place (a cached rendition) without copying bytes;
        ``ident``: its :func:`file_id`, when the caller has just looked at it."""
        self._put(dest, ident or file_id(source), lambda path: link_or_copy_file(source, path), None)

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
        if self.lazy:
            self._count(dest, changed, size)
            return
        if self.present.get(dest) == ident:
            self.stamps[dest] = self._present_stamps[dest]
            self._count(dest, changed, size)
            return
        path = self.path_for(dest)
        if not changed:
            self._reuse(dest, path)
        elif make is not None:
            make(path)
            self.stamps[dest] = stamp_of(path.stat())
        else:
            raise ValueError(f"{dest}: nothing to keep in the current output")
        self.present[dest] = ident
        self._present_stamps[dest] = self.stamps[dest]
        self._count(dest, changed, size)

    def _count(self, dest: str, changed: bool, size: int | None) -> None:
        if changed:
            self.counts.written += 1
            self.written[dest] = size if size is not None else (self.staging / dest).stat().st_size
        else:
            self.counts.unchanged += 1

    def register(self, dest: str) -> None:
        """A file a tool made in the staging folder (see :meth:`adopt_folder`)."""
        path = self.staging / dest
        data = path.read_bytes()
        ident = content_id(data)
        self.files[dest] = self.present[dest] = ident
        self.stamps[dest] = self._present_stamps[dest] = stamp_of(path.stat())
        self._count(dest, self.before.get(dest) != ident, len(data))

    def adopt_folder(self, folder: str, made: Path) -> None:
        """Move a folder a tool made (a search bundle) into the new tree as ``folder``,
        in place of what stood there; its folders made readable."""
        self.materialize()
        self.clear_folder(folder)
        self._make_folders(folder.rpartition("/")[0])
        shutil.move(made, self.staging / folder)
        root = self.staging / folder
        for path, _folders, _files in os.walk(root):
            os.chmod(path, DIR_MODE)
        for dest in walk_files(root):
            self.register(f"{folder}/{dest}")

    def keep_folder(self, folder: str) -> bool:
        """Keep every file under ``folder/`` (a search bundle: ``pagefind/<shard>``) as the
        output holds it, if each is as the last build left it; else keep nothing and say so."""
        files = self._files_in(folder)
        if not files or any(dest in self.damaged for dest in files):
            return False
        for dest in files:
            self.keep(dest, self.before[dest])
        return True

    def sound_files(self, folder: str) -> frozenset[str]:
        """The files under ``folder/`` (a search bundle) that the output holds as the last
        build left them, as paths within the folder."""
        prefix = folder.rstrip("/") + "/"
        return frozenset(dest[len(prefix):] for dest in self._files_in(folder) if dest not in self.damaged)

    def _files_in(self, folder: str) -> list[str]:
        """The output's files under ``folder/``, a folder two levels down (a search bundle),
        the damaged ones too; grouped once, since it is asked for every shard."""
        if self._by_folder is None:
            self._by_folder = {}
            for dest in [*self.before, *self.damaged]:
                self._by_folder.setdefault("/".join(dest.split("/", 2)[:2]) + "/", []).append(dest)
        return self._by_folder.get(folder.rstrip("/") + "/", [])

    def clear_folder(self, folder: str) -> None:
        """Empty one folder of the staging tree before a tool rewrites it."""
        prefix = folder.rstrip("/") + "/"
        remove_path(self.staging / folder)
        for dest in [d for d in self.present if d.startswith(prefix)]:
            del self.present[dest]
        self._dirs = {d for d in self._dirs if not (d + "/").startswith(prefix)}

    def materialize(self) -> None:
        """Stop being lazy: bring the files put so far (all as in the output) into the staging folder."""
        if not self.lazy:
            return
        self.lazy = False
        self._read_staging()
        for dest, ident in list(self.files.items()):
            if self.present.get(dest) == ident:
                self.stamps[dest] = self._present_stamps[dest]
                continue
            if dest not in self.present:  # the usual case after a first build: link, no questions asked
                try:
                    self._link_from_output(dest)
                    self.present[dest] = ident
                    self.stamps[dest] = self._present_stamps[dest] = self._before_stamps[dest]  # its inode's
                    continue
                except OSError:  # something stands there, or no hard links here: the careful way
                    pass
            self._reuse(dest, self.path_for(dest))
            self.present[dest] = ident

    def _link_from_output(self, dest: str) -> None:
        """Hard-link the output's file into the staging folder (strings, not pathlib:
        this runs for every file of a site)."""
        self._make_folders(dest.rpartition("/")[0])
        os.link(f"{os.fspath(self.output_dir)}/{dest}", f"{os.fspath(self.staging)}/{dest}")

    def _reuse(self, dest: str, target: Path) -> None:
        """Link (or copy) a file of the current output into the staging folder."""
        try:
            link_or_copy_file(self.output_dir / dest, target)
        except FileNotFoundError:
            raise OutputChanged(dest) from None
        linked = target.stat()
        self.stamps[dest] = self._present_stamps[dest] = stamp_of(linked)

    # --- finishing -----------------------------------------------------------

    def finish(self) -> None:
        """Make the staging folder hold exactly the new site (unless nothing changed),
        with the list of the files the build made."""
        listed = sorted({*self.files, MADE_LIST})
        self.write(MADE_LIST, "".join(dest + "\n" for dest in listed).encode("utf-8"))
        if self.lazy and not self.changed:
            return
        self.materialize()
        self.prune()

    def spare_manifest(self) -> Manifest | None:
        """What the staging folder holds now (as last known, if it was never looked at)."""
        if self.present is None:
            return self._spare_manifest
        ids = {dest: ident for dest, ident in self.present.items() if ident != UNKNOWN}
        return Manifest(ids, {dest: self._present_stamps[dest] for dest in ids})

    def prune(self) -> None:
        """Remove what the spare tree holds that the new site does not."""
        folders = set()
        for dest in [dest for dest in self.present if dest not in self.files]:
            remove_path(self.staging / dest)
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
        return self.files != self.before or bool(self.foreign) or bool(self.damaged)

    def commit(self) -> Trees:
        """Swap the staging folder in; return what the output and the spare now hold."""
        made = Manifest(dict(self.files), {dest: self.stamps[dest] for dest in self.files})
        if not self.output_dir.exists():
            os.rename(self.staging, self.output_dir)
            return Trees(output=made, spare=self._linked_spare() if self.reused else None)
        exchange(self.staging, self.output_dir)
        if not self.reused:
            shutil.rmtree(self.staging, ignore_errors=True)
            return Trees(output=made, spare=None)
        return Trees(output=made, spare=Manifest(self.before, self._before_stamps))

    def _linked_spare(self) -> Manifest | None:
        """After a first build, the spare tree made a linked copy of the new output, so
        that the next build (an editor's first fix) changes a few files in it rather
        than making thousands of folders then. Without hard links, no spare."""
        self._dirs = set()
        self.staging.mkdir(mode=DIR_MODE)
        self.staging.chmod(DIR_MODE)
        try:
            for dest in self.files:
                self._link_from_output(dest)
        except OSError:
            shutil.rmtree(self.staging, ignore_errors=True)
            return None
        return Manifest(dict(self.files), {dest: self.stamps[dest] for dest in self.files})

    def abort(self) -> None:
        """Forget this build's staging: a fresh folder is removed, a spare is left (checked next time)."""
        if not self.reused:
            shutil.rmtree(self.staging, ignore_errors=True)


def write_atomically(path: Path, fill: Callable[[BinaryIO], object], mode: int = FILE_MODE) -> None:
    """Write a file whole or not at all: ``fill`` writes a temporary file beside it,
    which is then renamed over it, so that a reader, a parallel build or a crash
    never sees half a file. (The output folder itself is swapped whole instead.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            fill(stream)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_made_list(output_dir: Path) -> list[str]:
    """The files the build that made ``output_dir`` listed as its own."""
    try:
        text = (output_dir / MADE_LIST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text.splitlines() if line]


def remove_path(path: Path) -> None:
    """Remove a file, a link or a whole folder, if anything is there (in the output's
    staging tree, or in the cache)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def link_or_copy_file(source: Path | str, target: Path) -> None:
    """A hard link to a file that is never changed in place (every writer here unlinks first),
    or a copy where links cannot be made (another file system)."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:
        shutil.copyfile(source, target)


def walk_files(root: Path) -> Iterator[str]:
    """The path (``a/b.html``) of every file under ``root``, as strings: the
    output is walked every build and has a file or two per report."""
    top = os.fspath(root)
    for folder, _folders, names in os.walk(top):
        prefix = folder[len(top) + 1:].replace(os.sep, "/")
        for name in names:
            yield f"{prefix}/{name}" if prefix else name


def walk_entries(root: Path | str) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file under ``root`` (anything but a folder: a symbolic link is never
    followed), with its directory entry."""
    stack = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((prefix + entry.name + "/", entry.path))
            else:
                yield prefix + entry.name, entry


def entry_stamp(entry: os.DirEntry) -> tuple | None:
    """The stamp of a plain file; None for anything else, or what cannot be looked at."""
    try:
        return stamp_of(entry.stat(follow_symlinks=False)) if entry.is_file(follow_symlinks=False) else None
    except OSError:
        return None


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
    """Atomically swap two paths (Linux renameat2). There is no safe way without it:
    two renames would leave a moment with no output, or half a swap after a failure."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, _("this system cannot swap two folders in one step (no renameat2), "
                                      "so the output is not replaced"), os.fspath(b))
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), os.fspath(b))
