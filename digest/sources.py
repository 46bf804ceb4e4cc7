"""Find the content files, read them, and split an article's front matter.

This stage knows about bytes, encodings and lines, nothing about what the
fields mean (that is :mod:`digest.content`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ProblemLog
from .i18n import N_, _
from .yamlfile import LineDict, YamlProblem, empty_mapping, load_yaml

ARTICLES_DIR = "articles"
MEDIA_DIR = "media"
SITE_FILE = "site.yaml"
TIMELINE_FILE = "timeline.yaml"

# The most bytes a content file may have, checked before it is read (a 50 MB report
# took 292 s and 1.8 GB to build). A long report is some 30,000 characters (90 KB
# of UTF-8): 2 MB is twenty times that, and still builds in a few seconds.
MAX_ARTICLE_BYTES = 2 << 20
# timeline.yaml holds every event of the site, each a few lines: 5 MB is some
# 30,000 events with details. site.yaml is a dozen settings: 256 KB is plenty.
MAX_YAML_BYTES = {TIMELINE_FILE: 5 << 20, SITE_FILE: 256 << 10}
# A content folder that is a repository of its own holds one of these: nothing in it
# is published (a remote's address may carry a password), nor stamped by the check
# for a build with nothing to do (git changes it on every fetch).
VERSION_CONTROL_FOLDERS = frozenset({".git", ".hg", ".svn"})
# What to do with a YAML file that is larger.
SHORTEN = {
    TIMELINE_FILE: N_("shorten the events' details, or put long texts in reports and link them with 'article:'"),
    SITE_FILE: N_("keep only the settings in it"),
}


@dataclass(frozen=True)
class SourceFile:
    """An article file as read from disk: where it is and what it says."""

    source: str  # its path relative to the content folder, with forward slashes
    text: str
    digest: str  # sha256 of the bytes, the key of the incremental cache


@dataclass(frozen=True)
class FrontMatter:
    """The parsed front matter and the body, with the body's first line."""

    fields: LineDict
    body: str
    body_line: int


def find_articles(content_dir: Path, log: ProblemLog | None = None) -> list[Path]:
    """Every Markdown file under ``articles/``, subfolders included, sorted.

    A symbolic link is taken only if it leads to a file inside the content
    folder; one that leads out of it is an error, and one that leads nowhere
    (or round in a loop), or to a folder, is left out with a warning, in
    ``log`` when one is given: no file is skipped without a word.
    """
    root = content_dir / ARTICLES_DIR
    if not root.is_dir():
        return []
    found: list[Path] = []
    _find_in(root, content_dir, content_dir.resolve(), log, found)
    return found


def _find_in(folder: Path, content_dir: Path, inside: Path, log: ProblemLog | None, found: list[Path]) -> None:
    """:func:`find_articles` in one folder and those under it. One ``os.scandir`` a
    folder tells which entries are links without a ``stat`` each (10,000 reports).
    Each folder's entries are taken in the order of their names, so the paths come
    out sorted as paths sort (part by part), without sorting 10,000 paths."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # a folder that cannot be read holds nothing to publish, as os.walk has it
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if _is_folder(entry):
            if not entry.is_symlink():
                _find_in(path, content_dir, inside, log, found)
            elif log is not None:
                log.warning(source_path(path, content_dir), 1,
                            _("this folder is a symbolic link, and the reports in it are left out; "
                              "move the folder itself here"))
        elif entry.name.endswith(".md"):
            problem = _link_problem(path, inside) if entry.is_symlink() else None
            if problem is None:
                found.append(path)
            elif log is not None:
                severity, message = problem
                getattr(log, severity)(source_path(path, content_dir), 1, message)


def _is_folder(entry: os.DirEntry) -> bool:
    """Whether the entry is a folder or leads to one (a link in a loop leads nowhere)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _link_problem(path: Path, inside: Path) -> tuple[str, str] | None:
    """What is wrong with a symbolic link among the reports, if anything."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "warning", _("this is a symbolic link to a file that does not exist; it was left out")
    except (OSError, RuntimeError):
        return "warning", _("this symbolic link leads round in a loop; it was left out")
    if not target.is_relative_to(inside):  # the test way_out makes, on the target resolved above
        return "error", _("this is a symbolic link to a file outside the content folder, and nothing from "
                          "outside is published; copy the report itself into the content folder")
    if not target.is_file():
        return "warning", _("this symbolic link does not lead to a file; it was left out")
    return None


def way_out(content_dir: Path, source: str, inside: Path | None = None) -> str | None:
    """The step of ``source`` (a content path to a file that exists) where a symbolic
    link leads out of the content folder, or None if the whole way stays inside it.

    The check of "nothing from outside is published" for photos and the files a
    body links (a report's own symbolic link is tested on its resolved target in
    :func:`_link_problem`). ``inside`` is the content folder resolved, for callers
    that check many paths.
    """
    inside = inside or resolved(content_dir) or content_dir.absolute()
    target = resolved(content_dir / source)
    if target is not None and target.is_relative_to(inside):
        return None
    parts = source.split("/")
    for end in range(1, len(parts) + 1):
        step = "/".join(parts[:end])
        target = resolved(content_dir / step)
        if target is None or not target.is_relative_to(inside):
            return step
    return source


def real_source(content_dir: Path, source: str, inside: Path) -> str | None:
    """Where the file ``source`` (a content path) really is, as a content path, every
    symbolic link on the way followed; None if that is outside the content folder
    (``inside``, resolved): then :func:`way_out` tells the step that leads out."""
    target = resolved(content_dir / source)
    if target is None or not target.is_relative_to(inside):
        return None
    return target.relative_to(inside).as_posix()


class RealSources:
    """:func:`real_source` for the many photos of a build: each folder is resolved once,
    and a file in it only looked at (``lstat``) to see that it is no symbolic link
    (a ``resolve`` of each of 10,000 photos' paths took 0.3 s a build)."""

    def __init__(self, content_dir: Path, inside: Path):
        self.content_dir = content_dir
        self.inside = inside
        self._prefix = str(inside).rstrip("/") + "/"
        self._folders: dict[str, str | None] = {}  # folder as written -> resolved

    def __call__(self, source: str) -> str | None:
        folder, _slash, name = source.rpartition("/")
        if name in ("", ".", ".."):
            return real_source(self.content_dir, source, self.inside)
        if folder not in self._folders:
            target = resolved(self.content_dir / folder)
            self._folders[folder] = str(target) if target is not None else None
        real_folder = self._folders[folder]
        if real_folder is None:
            return real_source(self.content_dir, source, self.inside)
        path = os.path.join(real_folder, name)
        try:
            plain_file = stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            plain_file = False
        if not plain_file:  # a link, a folder or nothing: the whole way (realpath's rules)
            return real_source(self.content_dir, source, self.inside)
        return path[len(self._prefix):] if path.startswith(self._prefix) else None


def version_control_folder(*paths: str) -> str | None:
    """The version-control folder that any of ``paths`` (content paths to one file: as
    written, and its :func:`real_source`) is in; None if it is in none."""
    for path in paths:
        parts = path.split("/")
        for end, part in enumerate(parts[:-1], start=1):
            if part.lower() in VERSION_CONTROL_FOLDERS:
                return "/".join(parts[:end])
    return None


def resolved(path: Path) -> Path | None:
    """``path`` with every symbolic link on the way followed, or None for a loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a loop, before Python 3.13
        return None


def source_path(path: Path, content_dir: Path) -> str:
    """A content file's *source*: its path relative to the content folder (``articles/a.md``)."""
    return path.relative_to(content_dir).as_posix()


def read_text(path: Path, source: str, log: ProblemLog, limit: int = MAX_ARTICLE_BYTES,
              yaml_file: str | None = None) -> SourceFile | None:
    """Read and decode a UTF-8 file (BOM and CRLF accepted), or report why not.

    A file larger than ``limit`` bytes is an error, found from its size before it
    is read, and read no further than one byte past the limit (it may be growing,
    or be a device that never ends)."""
    try:
        with path.open("rb") as file:
            too_large = os.fstat(file.fileno()).st_size > limit
            data = b"" if too_large else file.read(limit + 1)
    except OSError as exc:
        log.error(source, 1, _("the file cannot be read ({reason}); check that it is a file you may open").format(
            reason=exc.strerror))
        return None
    if too_large or len(data) > limit:
        log.error(source, 1, _too_large(limit, yaml_file))
        return None
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        log.error(source, line, _not_utf8_message(data))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(source, _without_invisible(text, source, log), digest)


def _too_large(limit: int, yaml_file: str | None) -> str:
    size = f"{limit / (1 << 20):g} MB" if limit >= 1 << 20 else f"{limit / (1 << 10):g} KB"
    if yaml_file:
        advice = SHORTEN.get(yaml_file, N_("shorten it"))
        return _("{file} is larger than {size}, the most it may have; {advice}").format(
            file=yaml_file, size=size, advice=_(advice))
    return _("the file is larger than {size}, the most a report may have; split the report into several "
             "reports").format(size=size)


def _not_utf8_message(data: bytes) -> str:
    if _looks_like_gbk(data):
        return _("the file is not UTF-8: it looks like GBK, the old Chinese Windows encoding; "
                 "open it and save it again choosing the encoding UTF-8 (另存为 → 编码 → UTF-8)")
    return _("the file is not UTF-8; open it and save it again choosing the encoding UTF-8")


def _looks_like_gbk(data: bytes) -> bool:
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in decoded)


# Characters a web page or a feed cannot contain (XML 1.0): removed from files, refused
# in values (where only a YAML escape like "\x01" can put them); and the Unicode line
# separators that YAML would count as line breaks where editors see none.
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
SEPARATORS = re.compile("[\x85\u2028\u2029]")


def _without_invisible(text: str, source: str, log: ProblemLog) -> str:
    """Drop control characters (pasted from Word or a PDF) and say where the first was."""
    text = SEPARATORS.sub(" ", text)
    found = UNPRINTABLE.search(text)
    if found is None:
        return text
    log.warning(
        source, text.count("\n", 0, found.start()) + 1,
        _("an invisible control character ({code}) was removed; such characters cannot appear in a web page "
          "(delete it from the file to silence this warning)").format(code=f"U+{ord(found.group()):04X}"),
    )
    return UNPRINTABLE.sub("", text)


def split_front_matter(file: SourceFile, log: ProblemLog) -> FrontMatter | None:
    """Split ``---`` front matter from the body and parse it as YAML."""
    lines = file.text.split("\n")
    if lines[0].strip() != "---":
        log.error(file.source, 1, _no_front_matter(file.text))
        return None
    end = front_matter_end(lines)
    if end is None:
        log.error(
            file.source, 1,
            _("the front matter is not closed; add a line '---' after the last field (title:, date:, ...)"),
        )
        return None
    try:
        fields = load_yaml("\n".join(lines[1:end]), first_line=2)
    except YamlProblem as exc:
        log.error(file.source, exc.line, _("the front matter cannot be read: {problem}").format(problem=exc.message))
        return None
    if fields is None:
        fields = empty_mapping(2)
    if not isinstance(fields, LineDict):
        log.error(
            file.source, 2,
            _("the front matter must be 'key: value' lines, like 'title: ...' and 'date: ...' "
              "(with an English colon and a space)"),
        )
        return None
    return FrontMatter(fields, "\n".join(lines[end + 1:]), end + 2)


def front_matter_end(lines: list[str]) -> int | None:
    """The index of the line that closes the front matter (``---`` or ``...``)."""
    return next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)


def read_body(path: Path, source: str, digest: str) -> str | None:
    """The body of a report file read before, if the file still holds those bytes
    (``digest``), without parsing its front matter again; else None. A build drops
    the text of its reports once they are read, and reads it here again to render it."""
    file = read_text(path, source, ProblemLog())
    if file is None or file.digest != digest:
        return None
    lines = file.text.split("\n")
    end = front_matter_end(lines)
    return "\n".join(lines[end + 1:]) if end is not None else None


def _no_front_matter(text: str) -> str:
    if not text.strip():
        return _("the file is empty; a report needs front matter ('---', title:, date:, '---') and then its text")
    if text.lstrip().startswith("---"):
        return _("the front matter must begin on the very first line; delete the empty lines above '---'")
    return _("the file does not begin with front matter; its first line must be '---', "
             "then title: and date: lines, then another '---' line, then the text")


def load_yaml_file(content_dir: Path, name: str, log: ProblemLog):
    """Read a whole YAML file (site.yaml, timeline.yaml); None if absent or broken."""
    path = content_dir / name
    if not path.is_file():
        return None
    source = read_text(path, name, log, MAX_YAML_BYTES.get(name, MAX_ARTICLE_BYTES), name)
    if source is None:
        return None
    try:
        return load_yaml(source.text)
    except YamlProblem as exc:
        log.error(name, exc.line, _("{file} cannot be read: {problem}").format(file=name, problem=exc.message))
        return None
