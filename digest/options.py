"""What a build is asked to do: the command line's options and the theme.

Plain data in a module of its own, which imports nothing heavy: a build that
finds nothing changed (:mod:`digest.unchanged`) reads them before Markdown,
Jinja or Pagefind are loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .i18n import _

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    content_dir: Path
    output_dir: Path = Path("output")
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    preview: bool = False  # `serve`: show drafts and scheduled reports, marked
    now: datetime | None = None

    @property
    def build_time(self) -> datetime:
        """``now``, or the clock's time, read afresh (loading fixes it once for a build)."""
        return self.now or datetime.now(timezone.utc)


@dataclass(frozen=True)
class Theme:
    """Where the templates and static assets of the site's look live."""

    templates_dir: Path = PROJECT_DIR / "templates"
    static_dir: Path = PROJECT_DIR / "static"


def real_output(output_dir: Path) -> Path:
    """A symbolic link as the output folder (``output`` → the web server's folder): the
    build replaces the folder it leads to, and the link stays as it is."""
    return Path(os.path.realpath(output_dir)) if output_dir.is_symlink() else output_dir


PROGRAM_DIRS = ("digest", "templates", "static", "tests", ".git")  # never an output folder


def unsafe_output(content_dir: Path, output_dir: Path) -> str | None:
    """Why building into ``output_dir`` would destroy something, if it would.

    A build replaces its output folder whole, so the output must not be or
    hold the content, the program, or the folder the editor works in, nor sit
    inside the content or the program's own folders.
    """
    output = output_dir.resolve()
    content = content_dir.resolve()
    program = [PROJECT_DIR / name for name in PROGRAM_DIRS]
    if output.exists() and not output.is_dir():
        return _("--output '{output}' is a file, not a folder; choose a folder such as 'output'").format(
            output=output_dir)
    for name, folders in (
        (_("the content folder"), [content]),
        (_("the current folder"), [Path.cwd().resolve()]),
        (_("the program's own files"), [PROJECT_DIR, *program]),
    ):
        if any(output == folder or output in folder.parents for folder in folders):
            return _("--output '{output}' would replace {name}: a build replaces its output folder whole; choose a "
                     "separate folder such as 'output'").format(output=output_dir, name=name)
    if any(folder in output.parents for folder in [content, *program]):
        return _("--output '{output}' is inside the content or the program's folders; choose a folder such as "
                 "'output'").format(output=output_dir)
    return None
