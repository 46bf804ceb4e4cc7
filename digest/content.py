"""What an article and a timeline event are, and how their fields are checked.

:data:`ARTICLE_FIELDS` is the one table that says how each front-matter field
is converted. A converter raises :class:`FieldProblem` with a message for the
editor; the caller adds the file and the line of the offending value.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Callable

from pypinyin import lazy_pinyin

from .dates import DateProblem, parse_date
from .errors import Report
from .sources import FrontMatter
from .yamlfile import LineDict

SLUG_FORM = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")


class FieldProblem(ValueError):
    pass


@dataclass(frozen=True)
class Photo:
    src: str  # relative to the content folder
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class Article:
    """One report. ``html`` and ``summary`` are filled in by the Markdown stage."""

    source: str  # path relative to the content folder
    slug: str
    title: str
    date: datetime
    authors: tuple[str, ...] = ()
    place: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    photos: tuple[Photo, ...] = ()
    draft: bool = False
    updated: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False)
    body: str = field(default="", repr=False)
    body_line: int = 1
    html: str = field(default="", repr=False)
    headings: tuple = ()
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # key -> line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    @property
    def url(self) -> str:
        return f"articles/{self.slug}/"

    @property
    def byline(self) -> str:
        return "、".join(self.authors)


@dataclass(frozen=True)
class Event:
    """One dated entry of the timeline."""

    date: datetime
    title: str
    line: int
    place: str = ""
    article: str = ""  # slug of the report, if any
    detail_html: str = ""


# --- converters: value -> typed value, or FieldProblem ---------------------


def _text(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldProblem("must be text")
    return str(value).strip()


def _required_text(value) -> str:
    text = "" if value is None else _text(value)
    if not text:
        raise FieldProblem("is empty; give it some text")
    return text


def _names(value) -> tuple[str, ...]:
    if isinstance(value, list):
        names = tuple(_text(item) for item in value)
    else:
        names = tuple(n.strip() for n in re.split(r"[、,，]", _text(value)))
    return tuple(n for n in names if n)


def _tags(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return _names(value)
    if not isinstance(value, list):
        raise FieldProblem("must be a list, e.g. tags: [疫情防控, 基层党建]")
    tags = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise FieldProblem("must be a list of words, e.g. tags: [疫情防控, 基层党建]")
        if str(item).strip() and str(item).strip() not in tags:
            tags.append(str(item).strip())
    return tuple(tags)


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem("must be true or false")
    return value


def _slug(value) -> str:
    text = _text(value)
    if not SLUG_FORM.match(text):
        raise FieldProblem(
            f"'{text}' is not a usable slug; use lower-case letters, digits and hyphens, e.g. yima-checkpoint"
        )
    return text


def _photos(value) -> tuple[Photo, ...]:
    if not isinstance(value, list):
        raise FieldProblem("must be a list of pictures, each with src:, caption: and credit:")
    photos = []
    for item in value:
        if isinstance(item, str):
            item = {"src": item}
        if not isinstance(item, dict) or not item.get("src"):
            raise FieldProblem("each picture needs src: (a path like media/photo.jpg)")
        photos.append(Photo(
            src=_text(item["src"]).lstrip("/"),
            caption=_text(item.get("caption") or ""),
            credit=_text(item.get("credit") or ""),
        ))
    return tuple(photos)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the Article attribute
    convert: Callable
    required: bool = False


ARTICLE_FIELDS = {
    "title": FieldSpec("title", _required_text, required=True),
    "date": FieldSpec("date", None, required=True),  # needs the timezone: see _convert
    "author": FieldSpec("authors", _names),
    "place": FieldSpec("place", _text),
    "tags": FieldSpec("tags", _tags),
    "summary": FieldSpec("summary", _text),
    "photos": FieldSpec("photos", _photos),
    "slug": FieldSpec("slug", _slug),
    "draft": FieldSpec("draft", _bool),
    "updated": FieldSpec("updated", None),
}
DATE_FIELDS = {"date", "updated"}


def read_article(front: FrontMatter, source: str, zone: tzinfo, report: Report) -> Article | None:
    """Check the front matter of one file against the field table."""
    fields = front.fields
    values: dict = {
        "source": source, "body": front.body, "body_line": front.body_line,
        "lines": dict(fields.lines),
    }
    ok = True
    for key, spec in ARTICLE_FIELDS.items():
        if key not in fields:
            if spec.required:
                report.error(source, 1, f"'{key}:' is missing; add it to the front matter")
                ok = False
            continue
        if fields[key] is None:
            if spec.required:
                report.error(source, fields.line_of(key), f"'{key}:' is empty; fill it in")
                ok = False
            continue
        try:
            values[spec.name] = _convert(key, spec, fields[key], zone)
        except FieldProblem as exc:
            report.error(source, fields.line_of(key), f"'{key}:' {exc}")
            ok = False
    if not front.body.strip():
        report.error(source, front.body_line - 1, "the report has no text after the front matter")
        ok = False
    _warn_misspelt_keys(fields, source, report)
    if "slug" not in values:
        values["slug"] = slug_from_filename(source)
        if not values["slug"]:
            report.error(source, 1, "cannot make a slug from the file name; add 'slug:'")
            ok = False
    values["extra"] = {k: v for k, v in fields.items() if k not in ARTICLE_FIELDS}
    return Article(**values) if ok else None


def _convert(key: str, spec: FieldSpec, value, zone: tzinfo):
    if key in DATE_FIELDS:
        try:
            return parse_date(value, zone)
        except DateProblem as exc:
            raise FieldProblem(str(exc)) from None
    return spec.convert(value)


def _warn_misspelt_keys(fields: LineDict, source: str, report: Report) -> None:
    for key in fields:
        if key in ARTICLE_FIELDS:
            continue
        close = difflib.get_close_matches(key, ARTICLE_FIELDS, n=1, cutoff=0.6)
        if close:
            report.warning(
                source, fields.line_of(key),
                f"unknown key '{key}:'; did you mean '{close[0]}:'? (it is kept for templates)",
            )


def slug_from_filename(source: str) -> str:
    """``2020/2020-01-30-yima.md`` → ``yima``; Chinese names go through pinyin."""
    stem = DATE_PREFIX.sub("", PurePosixPath(source).stem)
    return slugify(stem)


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; Chinese characters become pinyin."""
    words = lazy_pinyin(text)
    ascii_text = " ".join(words).lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text))[:80].strip("-")


# --- the timeline -----------------------------------------------------------

EVENT_KEYS = ("date", "title", "place", "article", "detail")


@dataclass(frozen=True)
class RawEvent:
    """A timeline entry whose fields are checked; detail is still Markdown."""

    date: datetime
    title: str
    line: int
    place: str = ""
    article: str = ""
    detail: str = ""


def read_timeline(raw, source: str, zone: tzinfo, report: Report) -> list[RawEvent]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        report.error(source, 1, "the timeline must be a list of events, each starting with '- date:'")
        return []
    events = []
    for item in raw:
        event = _read_event(item, source, zone, report)
        if event is not None:
            events.append(event)
    return events


def _read_event(item, source: str, zone: tzinfo, report: Report) -> RawEvent | None:
    if not isinstance(item, LineDict):
        report.error(source, 1, "each timeline entry must be 'date:', 'title:' ... lines")
        return None
    values, ok = {"line": item.line}, True
    for key in ("date", "title"):
        if item.get(key) in (None, ""):
            report.error(source, item.line, f"a timeline event has no '{key}:'; add it")
            ok = False
    for key in EVENT_KEYS:
        if item.get(key) in (None, ""):
            continue
        try:
            values[key] = parse_date(item[key], zone) if key == "date" else _text(item[key])
        except (DateProblem, FieldProblem) as exc:
            report.error(source, item.line_of(key), f"'{key}:' {exc}")
            ok = False
    for key in item:
        if key not in EVENT_KEYS:
            close = difflib.get_close_matches(key, EVENT_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}:'?" if close else ""
            report.warning(source, item.line_of(key), f"unknown timeline key '{key}:'{hint}")
    return RawEvent(**values) if ok else None
