"""All-or-nothing output: build a new folder beside the old one, then swap.

Nothing is written into the output folder itself. Pages go into a staging
folder next to it; only when every file is written is the staging folder
exchanged with the output in one atomic ``renameat2(RENAME_EXCHANGE)``, so an
error, a crash or a SIGKILL at any moment leaves the previous output exactly
as it was. This module and :mod:`digest.cache` are the only places that write.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

STAGING_MARK = ".new-"


class OutputWriter:
    """Collects a whole site in a staging folder and swaps it in on commit."""

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir.absolute()
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(self.output_dir)
        self.staging = self.output_dir.with_name(f".{self.output_dir.name}{STAGING_MARK}{os.getpid()}")
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir()
        self.written: dict[str, int] = {}  # dest -> size

    def path_for(self, dest: str) -> Path:
        path = self.staging / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, dest: str, data: bytes) -> None:
        self.path_for(dest).write_bytes(data)
        self.written[dest] = len(data)

    def copy(self, dest: str, source: Path) -> None:
        shutil.copyfile(source, self.path_for(dest))
        self.written[dest] = source.stat().st_size

    def link_or_copy(self, dest: str, source: Path) -> None:
        """Reuse an unchanged file of the previous output without copying bytes."""
        target = self.path_for(dest)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        self.written[dest] = target.stat().st_size

    def commit(self) -> None:
        """Swap the staging folder in; the old output is removed afterwards."""
        for path in (self.staging, *self.staging.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        if self.output_dir.exists():
            exchange(self.staging, self.output_dir)
            shutil.rmtree(self.staging, ignore_errors=True)
        else:
            os.rename(self.staging, self.output_dir)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


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
