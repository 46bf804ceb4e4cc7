"""A shard's search bundle made again from the one the output holds.

Pagefind cannot update a bundle, but it does not write a file whose name is a hash of
what it holds (the ``pf_meta``, each report's ``pf_fragment``, each ``pf_index`` chunk,
each ``pf_filter``) when the folder it writes to holds that file already; compressing
them at gzip's best level is about half of its time on a shard. So a shard indexed
again begins with copies of those files from the bundle the output holds
(:func:`seed`), Pagefind makes what changed, and the copies its new meta does not name
are removed (:func:`prune`). The copies are hard links where the file system allows:
Pagefind does not write a file it finds, and nothing here changes a file in place, so the
output's bundle is never touched, and a link costs no new inode (on a full disk, 0.1 ms
each, 300 a shard). The bundle is then what Pagefind makes in an empty folder,
byte for byte.

A name is seven hex digits of a SHA-1, so a changed file could be named as an old one,
which Pagefind would then not write. Every copy it kept is checked against what both
metas say of it (a report's word count, a chunk's first and last word, a filter's name),
and a bundle that fails, or is not laid out as Pagefind 1 lays it out, is made again
from an empty folder (:class:`UnknownBundle`).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import cbor2

from .write import link_or_copy_file

ENTRY = "pagefind-entry.json"  # names each language's meta; written anew by every run
MAGIC = b"pagefind_dcd"  # what each compressed file of a bundle begins with, once unpacked
KNOWN_VERSION = "1."  # the layout read here: a bundle of another Pagefind is made from nothing
HASH = re.compile(r"[a-z0-9_-]+")  # a language and a hash: ``und_6e28beb``


class UnknownBundle(ValueError):
    """A bundle not laid out as Pagefind 1 lays it out, or a copy that may not be what
    Pagefind would have written."""


@dataclass(frozen=True)
class Earlier:
    """The output's bundle of a shard: its folder and the files in it (paths within it)
    that are as the last build left them."""

    folder: Path
    sound: frozenset[str]


@dataclass(frozen=True)
class Seeds:
    """What :func:`seed` copied: Pagefind's version, and each copy with what the meta said of it."""

    version: str
    copied: dict[str, tuple]


def described_files(bundle: Path) -> tuple[str, dict[str, tuple]]:
    """The version of Pagefind that made ``bundle``, and each file named by its content
    that the bundle's metas list, with what they say of it."""
    try:
        entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
        files: dict[str, tuple] = {}
        for language in entry["languages"].values():
            meta = f"pagefind.{_hash(language['hash'])}.pf_meta"
            files[meta] = ("meta",)
            _version, pages, chunks, filters, *_sorts = _unpacked(bundle / meta)
            files.update((f"fragment/{_hash(name)}.pf_fragment", ("page", count)) for name, count in pages)
            files.update((f"index/{_hash(name)}.pf_index", ("chunk", first, last)) for first, last, name in chunks)
            files.update((f"filter/{_hash(name)}.pf_filter", ("filter", key)) for key, name in filters)
        return str(entry["version"]), files
    except (OSError, ValueError, KeyError, TypeError, AttributeError, cbor2.CBORDecodeError) as error:
        raise UnknownBundle(f"{bundle}: {error}") from error


def seed(earlier: Earlier, bundle: Path) -> Seeds | None:
    """Copy into the empty folder ``bundle`` the files of the earlier bundle that Pagefind
    names by their content, when the output vouches for them; None when there is
    nothing to go on (``bundle`` is then left empty)."""
    try:
        if ENTRY not in earlier.sound:
            return None
        version, described = described_files(earlier.folder)
        metas = [name for name, said in described.items() if said == ("meta",)]
        if not version.startswith(KNOWN_VERSION) or not earlier.sound.issuperset(metas):
            return None
        copied = {}
        for name, said in described.items():
            if name in earlier.sound:
                (bundle / name).parent.mkdir(parents=True, exist_ok=True)
                link_or_copy_file(earlier.folder / name, bundle / name)
                copied[name] = said
        return Seeds(version, copied)
    except (OSError, UnknownBundle):  # the output changed meanwhile, or is not what it was
        empty(bundle)
        return None


def prune(bundle: Path, seeds: Seeds) -> None:
    """Remove the copies Pagefind's new meta does not name. Raise :class:`UnknownBundle`
    if one it kept may not be what it would have written."""
    version, described = described_files(bundle)
    if version != seeds.version:
        raise UnknownBundle(f"{bundle}: made by Pagefind {seeds.version}, now {version}")
    for name, said in seeds.copied.items():
        if name not in described:
            (bundle / name).unlink()
        elif described[name] != said:
            raise UnknownBundle(f"{bundle}: {name} may be another file of the same name")
    for folder in {(bundle / name).parent for name in seeds.copied} - {bundle}:
        if not any(folder.iterdir()):
            folder.rmdir()  # Pagefind makes a folder only for a file it writes


def empty(bundle: Path) -> None:
    """Make ``bundle`` an empty folder again."""
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.mkdir(parents=True)


def _hash(name) -> str:
    if not isinstance(name, str) or not HASH.fullmatch(name):
        raise ValueError(f"not a name Pagefind gives: {name!r}")
    return name


def _unpacked(path: Path) -> list:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(MAGIC):
        raise ValueError(f"{path.name}: not a Pagefind file")
    return cbor2.loads(data[len(MAGIC):])
