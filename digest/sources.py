"""Find the content files, read them, and split an article's front matter.

This stage knows about bytes, encodings and lines, nothing about what the
fields mean (that is :mod:`digest.content`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import Report
from .yamlfile import LineDict, YamlProblem, load_yaml

ARTICLES_DIR = "articles"
MEDIA_DIR = "media"
SITE_FILE = "site.yaml"
TIMELINE_FILE = "timeline.yaml"


@dataclass(frozen=True)
class SourceFile:
    """An article file as read from disk: where it is and what it says."""

    rel_path: str  # relative to the content folder, with forward slashes
    text: str
    digest: str  # sha256 of the bytes, the key of the incremental cache


@dataclass(frozen=True)
class FrontMatter:
    """The parsed front matter and the body, with the body's first line."""

    fields: LineDict
    body: str
    body_line: int


def find_articles(content_dir: Path) -> list[Path]:
    """Every Markdown file under ``articles/``, subfolders included, sorted."""
    root = content_dir / ARTICLES_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.md") if p.is_file() and not _is_hidden(p, root))


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def rel_path(path: Path, content_dir: Path) -> str:
    return path.relative_to(content_dir).as_posix()


def read_text(path: Path, rel: str, report: Report) -> SourceFile | None:
    """Read and decode a UTF-8 file (BOM and CRLF accepted), or report why not."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = " (it looks like GBK)" if _looks_like_gbk(data) else ""
        report.error(
            rel, line, f"the file is not UTF-8{hint}; save it as UTF-8 in your editor"
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(rel, text, digest)


def _looks_like_gbk(data: bytes) -> bool:
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in decoded)


def split_front_matter(source: SourceFile, report: Report) -> FrontMatter | None:
    """Split ``---`` front matter from the body and parse it as YAML."""
    lines = source.text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(
            source.rel_path, 1,
            "the file does not start with front matter; begin it with a line '---', "
            "the fields (title:, date:), and another '---'",
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        report.error(
            source.rel_path, 1,
            "the front matter is not closed; add a line '---' after the last field",
        )
        return None
    try:
        fields = load_yaml("\n".join(lines[1:end]))
    except YamlProblem as exc:
        report.error(source.rel_path, exc.line + 2, f"{exc.message}; fix the front matter")
        return None
    if fields is None:
        fields = LineDict()
        fields.line, fields.lines = 1, {}
    if not isinstance(fields, LineDict):
        report.error(source.rel_path, 2, "the front matter must be 'key: value' lines")
        return None
    _shift_lines(fields, 1)
    return FrontMatter(fields, "\n".join(lines[end + 1:]), end + 2)


def _shift_lines(value, offset: int) -> None:
    """Turn YAML-document lines into file lines (the front matter starts at line 2)."""
    if isinstance(value, LineDict):
        value.line += offset
        value.lines = {key: line + offset for key, line in value.lines.items()}
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, list):
        for item in value:
            _shift_lines(item, offset)


def load_yaml_file(content_dir: Path, name: str, report: Report):
    """Read a whole YAML file (site.yaml, timeline.yaml); None if absent or broken."""
    path = content_dir / name
    if not path.is_file():
        return None
    source = read_text(path, name, report)
    if source is None:
        return None
    try:
        return load_yaml(source.text)
    except YamlProblem as exc:
        report.error(name, exc.line + 1, f"{exc.message}; fix the YAML")
        return None
