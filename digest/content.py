"""What an article and a timeline event are, and how their fields are checked.

:data:`ARTICLE_FIELDS` is the one table that says how each front-matter field
is converted. A converter raises :class:`FieldProblem` with a message for the
editor; the caller adds the file and the line of the offending value (or of
the offending item of a list, when the converter knows it).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from pathlib import PurePosixPath
from typing import Callable

from .dates import DateProblem, has_time, parse_date
from .errors import ProblemLog
from .i18n import N_, _
from .slugs import slugify
from .sources import UNPRINTABLE, FrontMatter
from .urls import page_url
from .yamlfile import LineDict, LineList

SLUG_FORM = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")


class FieldProblem(ValueError):
    """A value that cannot be used; ``line`` is set when it is one item of a list."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class FieldProblems(FieldProblem):
    """Several items of one list that cannot be used, each with its line; ``found``
    holds the items that can (so that what they say is checked too)."""

    def __init__(self, problems: list[FieldProblem], found):
        super().__init__("; ".join(map(str, problems)), problems[0].line)
        self.problems = problems
        self.found = found


class Body:
    """What rendering an article's Markdown gave: its headings, and its HTML, which
    is fetched only when a page or a feed shows it (from the build cache, or
    rendered again), so that a build of 10,000 reports holds only what it renders.

    A fetched HTML is not kept: the page workers would otherwise end up holding
    every body of the pages they rendered (300 MB each at 100,000 reports).
    """

    __slots__ = ("headings", "_html", "_fetch")

    def __init__(self, headings: tuple = (), html: str | None = None, fetch: Callable[[], str] | None = None):
        self.headings = headings
        self._html = html
        self._fetch = fetch

    @property
    def html(self) -> str:
        if self._html is not None:
            return self._html
        return self._fetch() if self._fetch is not None else ""

    def __reduce__(self):
        return (Body, (self.headings, self.html))

    def forget(self) -> None:
        """Let go of the HTML and of the way to fetch it (the build cache, which holds
        every report's record): for a site kept in memory after its build that shows
        no body again (the preview's, :mod:`digest.quick`). Reading it then fails."""
        self._html = None
        self._fetch = _forgotten


def _forgotten() -> str:
    raise LookupError("this body's HTML was not kept after its build")


@dataclass(frozen=True)
class Photo:
    src: str  # relative to the content folder
    caption: str = ""
    credit: str = ""
    line: int = field(default=1, compare=False)  # of its src in the article file


@dataclass(frozen=True)
class Correction:
    """One dated correction note (更正) of a report. ``text`` is the editor's Markdown;
    ``note_html`` its clean HTML, filled in when the bodies are rendered."""

    date: datetime
    text: str
    line: int = field(default=1, compare=False)  # of its date in the article file
    text_line: int = field(default=1, compare=False)  # where its text starts
    note_html: str = ""


@dataclass(frozen=True)
class Retraction:
    """A report withdrawn (撤稿): its page stays, with this notice instead of its text."""

    date: datetime
    reason: str
    line: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Article:
    """One report. As read from its file it has no ``rendered`` body yet; the
    Markdown stage makes the final Article, with its body and its summary."""

    source: str  # path relative to the content folder
    slug: str
    title: str
    date: datetime
    authors: tuple[str, ...] = ()
    place: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    reading_minutes: int = 0  # how long the body takes to read, once rendered (markdown.reading_minutes)
    body_images: tuple[str, ...] = ()  # the pictures the body shows itself, once rendered (sorted)
    photos: tuple[Photo, ...] = ()
    draft: bool = False
    featured: bool = False  # leads the front page, in place of the newest report with a photo
    updated: datetime | None = None
    corrections: tuple[Correction, ...] = ()  # oldest first
    retracted: Retraction | None = None
    extra: dict = field(default_factory=dict, compare=False)
    body: str = field(default="", repr=False)
    body_line: int = 1
    rendered: Body = field(default_factory=Body, compare=False, repr=False)
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # key -> line

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def headings(self) -> tuple:
        return self.rendered.headings

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    @property
    def url(self) -> str:
        return page_url("article", self.slug)

    @property
    def byline(self) -> str:
        return "、".join(self.authors)

    @property
    def unplaced_photos(self) -> tuple[Photo, ...]:
        """The photos the body does not place itself: the first leads above the
        text, the others follow it (on the page and in the feeds)."""
        return tuple(photo for photo in self.photos if photo.src not in self.body_images)

    @property
    def last_correction(self) -> Correction | None:
        return self.corrections[-1] if self.corrections else None

    @property
    def modified(self) -> datetime:
        """When the report last changed for its readers: the latest of its date,
        ``updated:``, its last correction and its retraction."""
        moments = [self.date, self.updated, self.retracted and self.retracted.date,
                   *(correction.date for correction in self.corrections)]
        return max(moment for moment in moments if moment)


_ARTICLE_ATTRIBUTES = frozenset(Article.__dataclass_fields__)


def rendered_copy(article: Article, **changes) -> Article:
    """``dataclasses.replace(article, **changes)``, for the copy loading makes of each of
    10,000 reports as it gives them their bodies: 0.7 µs, not 4.5 µs. An Article has no
    ``__post_init__`` and every field is set by ``__init__``, so a copy of its fields with
    ``changes`` over them is what ``replace`` would make (``tests/test_content.py``)."""
    if not changes.keys() <= _ARTICLE_ATTRIBUTES:
        raise TypeError(f"not fields of an Article: {sorted(changes.keys() - _ARTICLE_ATTRIBUTES)}")
    copy = object.__new__(Article)
    fields = copy.__dict__
    fields.update(article.__dict__)
    fields.update(changes)
    return copy


def with_shared_names(article: Article) -> Article:
    """The article with one string object for each place, tag, byline and front-matter key
    that thousands of reports repeat (``sys.intern``): a build at 100,000 reports holds
    every report twice (the site and the cache's records), and the cache's file holds
    each name once a part (:data:`digest.cache.RECORDS_PER_PART`)."""
    intern = sys.intern
    return replace(article, place=intern(article.place), tags=tuple(map(intern, article.tags)),
                   authors=tuple(map(intern, article.authors)),
                   lines={intern(key): line for key, line in article.lines.items()})


@dataclass(frozen=True)
class Event:
    """One dated entry of the timeline."""

    date: datetime
    title: str
    line: int
    place: str = ""
    article: str = ""  # slug of the report, if any
    detail_html: str = ""
    id: str = ""  # its anchor on the timeline page and its calendar UID (see event_ids)


# --- converters: value -> typed value, or FieldProblem ---------------------


# Characters a reader cannot see that change what text is: zero-width spaces and joiners
# (pasted from web pages and chat apps) and the bidi controls that reverse what follows.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}


def normalise(text: str) -> str:
    """One spelling for what readers see as one: NFC, full-width letters and digits
    as ASCII (Ａ１ → A1; Chinese punctuation stays), invisible characters removed."""
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text)).translate(FULL_WIDTH_ASCII)


def _text(value) -> str:
    if isinstance(value, bool):
        raise FieldProblem(
            _("must be text, but YAML reads yes/no/true/false/on/off as a yes-or-no answer; put the text in quotes")
        )
    if isinstance(value, list):
        raise FieldProblem(_("must be text, not a list"))
    if isinstance(value, dict):
        raise FieldProblem(_("must be text, not 'key: value' lines; if the text contains ': ', put it in quotes"))
    if not isinstance(value, (str, int, float)):
        raise FieldProblem(_("must be text"))
    text = str(value).strip()
    bad = UNPRINTABLE.search(text)
    if bad:
        raise FieldProblem(_("contains the invisible character {code}; delete it").format(code=f"U+{ord(bad.group()):04X}"))
    return normalise(text).strip()


# The longest a title and a summary may be, in characters: a headline is rarely over
# 60, a lead a sentence or two. Past these something is wrong (a body pasted into the
# front matter), and a 10 MB title cost 11 s and 433 MB, being on every list and feed.
MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 1000


def _short_text(limit: int, too_long: str) -> Callable:
    """:func:`_text` that is at most ``limit`` characters long (``too_long`` says so, untranslated)."""
    def convert(value) -> str:
        text = _text(value)
        if len(text) > limit:
            raise FieldProblem(_(too_long).format(length=f"{len(text):,}", limit=f"{limit:,}"))
        return text
    return convert


_title = _short_text(MAX_TITLE_CHARS, N_("is {length} characters long, more than the {limit} a title may have; "
                                         "shorten it and put the rest in the text"))
_summary = _short_text(MAX_SUMMARY_CHARS, N_("is {length} characters long, more than the {limit} a summary may have; "
                                             "shorten it to a sentence or two"))


def _items(value):
    """(line or None, item) for each item of a list, so a problem can name the item's line."""
    lines = value.line_at if isinstance(value, LineList) else (lambda index: None)
    return [(lines(index), item) for index, item in enumerate(value)]


# How editors separate the items of a list written on one line: the ASCII and the
# full-width comma, the 顿号 and the semicolons (contract: Lists).
LIST_SEPARATORS = re.compile(r"[,，、;；]")
# Brackets an editor puts around a tag (【疫情防控】), which are not part of it.
TAG_BRACKETS = "【】「」『』《》〈〉〔〕［］[]（）()〖〗"


def _pieces(value, item_problem: Callable) -> list[str]:
    """The text of every item, each item split at the list separators; one string
    (``张世川、赵泉``) is a list written on one line. ``item_problem(item, exc)`` says
    what is wrong with an item that is not text, at the item's line."""
    if not isinstance(value, list):
        return LIST_SEPARATORS.split(_text(value))
    pieces = []
    for line, item in _items(value):
        try:
            pieces += LIST_SEPARATORS.split(_text(item))
        except FieldProblem as exc:
            raise FieldProblem(item_problem(item, exc), line) from None
    return pieces


def _unique(texts) -> tuple[str, ...]:
    """The non-empty texts, each once, in their first order."""
    return tuple(dict.fromkeys(text for text in texts if text))


def _names(value) -> tuple[str, ...]:
    pieces = _pieces(value, lambda item, exc: _("has a name that {problem}").format(problem=exc))
    return _unique(piece.strip() for piece in pieces)


def _is_word(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


TAG_LIST = N_("must be a list of words, e.g. tags: [疫情防控, 基层党建]")


def _tags(value) -> tuple[str, ...]:
    if not isinstance(value, (str, list)):  # a number alone is a slip ('tags: 2020')
        raise FieldProblem(_(TAG_LIST))
    pieces = _pieces(value, lambda item, exc: str(exc) if _is_word(item) else _(TAG_LIST))
    return _unique(piece.strip().strip(TAG_BRACKETS).strip() for piece in pieces)


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise FieldProblem(_("must be true or false, e.g. draft: true"))
    return value


def _slug(value) -> str:
    text = _text(value)
    if not SLUG_FORM.match(text):
        suggestion = slugify(text) or "yima-checkpoint"
        raise FieldProblem(
            _("'{text}' cannot be part of a web address; a slug is lower-case letters a-z, "
              "digits and hyphens, e.g. slug: {suggestion}").format(text=text, suggestion=suggestion)
        )
    return text


PHOTO_KEYS = ("src", "caption", "credit")
PHOTO_LIST = N_("must be a list of pictures, each starting with '- src:', e.g. '- src: media/yima.jpg'")


def _photos(value) -> tuple[Photo, ...]:
    if not isinstance(value, list):
        raise FieldProblem(_(PHOTO_LIST))
    photos = []
    for line, item in _items(value):
        if isinstance(item, str):
            item = {"src": item}
        if not isinstance(item, dict) or not item.get("src"):
            raise FieldProblem(_("has a picture without 'src:'; give its path, e.g. '- src: media/yima.jpg'"), line)
        try:
            photos.append(Photo(
                src=_text(item["src"]).lstrip("/"),
                caption=_text(item.get("caption") or ""),
                credit=_text(item.get("credit") or ""),
                line=item.line_of("src") if isinstance(item, LineDict) else line or 1,
            ))
        except FieldProblem as exc:
            raise FieldProblem(_("has a picture whose src, caption or credit {problem}").format(problem=exc),
                               line) from None
    return tuple(photos)


CORRECTION_KEYS = ("date", "text")
RETRACTION_KEYS = ("date", "reason")
CORRECTION_EXAMPLE = N_("corrections: then '- date: 2020-02-02' and '  text: 原稿称设卡口30个，应为32个。'")
RETRACTION_EXAMPLE = N_("retracted: then '  date: 2020-02-05' and '  reason: 经核实，稿件数据有误，本文撤回。'")


def _dated_item(item, what: str, words: str, zone: tzinfo, line: int | None) -> tuple[datetime, str]:
    """The date and the text (``words``: text or reason) of a correction or a retraction."""
    lines = item.line_of if isinstance(item, LineDict) else (lambda key: line)
    if not _is_given(item.get("date")):
        raise FieldProblem(_("has {what} without 'date:'; add one, e.g. 'date: 2020-02-02'").format(what=what),
                           line)
    try:
        moment = parse_date(item["date"], zone)
    except DateProblem as exc:
        raise FieldProblem(_("has {what} whose date {problem}").format(what=what, problem=exc),
                           lines("date")) from None
    if not _is_given(item.get(words)):
        raise FieldProblem(_("has {what} without '{key}:'; say what was wrong, e.g. '{key}: {example}'").format(
            what=what, key=words, example="原稿称设卡口30个，应为32个。" if words == "text" else "经核实，稿件数据有误，本文撤回。"),
            lines(words) if words in item else line)
    try:
        return moment, _text(item[words])
    except FieldProblem as exc:
        raise FieldProblem(_("has {what} whose '{key}:' {problem}").format(what=what, key=words, problem=exc),
                           lines(words)) from None


def _corrections(value, zone: tzinfo) -> tuple[Correction, ...]:
    """Dated correction notes, kept oldest first whatever order they are written in."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise FieldProblem(_("must be a list of corrections, e.g. {example}").format(example=_(CORRECTION_EXAMPLE)))
    corrections, problems = [], []
    for line, item in _items(value):
        try:
            if not isinstance(item, dict):
                raise FieldProblem(_("must be a list of corrections, e.g. {example}").format(
                    example=_(CORRECTION_EXAMPLE)), line)
            moment, text = _dated_item(item, _("a correction"), "text", zone, line)
        except FieldProblem as exc:
            problems.append(exc)
            continue
        lines = (item.line_of("date"), item.text_line("text")) if isinstance(item, LineDict) else (line or 1,) * 2
        corrections.append(Correction(moment, text, *lines))
    corrections.sort(key=lambda correction: correction.date)
    if problems:
        raise FieldProblems(problems, tuple(corrections))
    return tuple(corrections)


def _retraction(value, zone: tzinfo) -> Retraction:
    if not isinstance(value, dict):
        raise FieldProblem(_("must say when and why the report was withdrawn, e.g. {example}").format(
            example=_(RETRACTION_EXAMPLE)))
    moment, reason = _dated_item(value, _("a retraction"), "reason", zone, None)
    return Retraction(moment, reason, value.line_of("date") if isinstance(value, LineDict) else 1)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the Article attribute
    convert: Callable | None  # None: a date, converted in the site timezone
    example: str  # a line an editor can copy
    required: bool = False
    zoned: bool = False  # convert(value, zone): the value holds dates


ARTICLE_FIELDS = {
    "title": FieldSpec("title", _title, "title: 驿马乡：党员干部守在防控一线", required=True),
    "date": FieldSpec("date", None, "date: 2020-01-30 09:00", required=True),
    "author": FieldSpec("authors", _names, "author: 张世川"),
    "place": FieldSpec("place", _text, "place: 驿马乡"),
    "tags": FieldSpec("tags", _tags, "tags: [疫情防控, 基层党建]"),
    "summary": FieldSpec("summary", _summary, "summary: 一句话导语。"),
    "photos": FieldSpec("photos", _photos, "photos: then '- src: media/yima.jpg'"),
    "slug": FieldSpec("slug", _slug, "slug: yima"),
    "draft": FieldSpec("draft", _bool, "draft: true"),
    "featured": FieldSpec("featured", _bool, "featured: true"),
    "updated": FieldSpec("updated", None, "updated: 2020-02-02"),
    "corrections": FieldSpec("corrections", _corrections, CORRECTION_EXAMPLE, zoned=True),
    "retracted": FieldSpec("retracted", _retraction, RETRACTION_EXAMPLE, zoned=True),
}

# Keys editors write for the ones we know: Chinese names and near-English ones.
KEY_SYNONYMS = {
    "标题": "title", "题目": "title", "日期": "date", "时间": "date", "作者": "author",
    "记者": "author", "地点": "place", "地方": "place", "标签": "tags", "摘要": "summary",
    "导语": "summary", "图片": "photos", "照片": "photos", "image": "photos", "images": "photos",
    "pictures": "photos", "草稿": "draft", "头条": "featured", "更新": "updated", "modified": "updated",
    "更正": "corrections", "correction": "corrections", "errata": "corrections", "撤稿": "retracted",
    "retraction": "retracted", "retract": "retracted",
}


def read_article(front: FrontMatter, source: str, zone: tzinfo, log: ProblemLog) -> Article | None:
    """Check the front matter of one file against the field table."""
    fields = front.fields
    _name_report(fields.get("title"), source, log)
    values: dict = {
        "source": source, "body": front.body, "body_line": front.body_line,
        "lines": dict(fields.lines),
    }
    ok = True
    for key, spec in ARTICLE_FIELDS.items():
        if not _is_given(fields.get(key)):
            if spec.required:
                log.error(source, *_missing(fields, key, spec))
                ok = False
            continue
        try:
            values[spec.name] = _convert(spec, fields[key], zone)
        except FieldProblem as exc:
            for problem in exc.problems if isinstance(exc, FieldProblems) else [exc]:
                log.error(source, problem.line or fields.line_of(key), key_problem(key, problem))
            if isinstance(exc, FieldProblems):
                values[spec.name] = exc.found  # checked below; the article is not made
            ok = False
    if not front.body.strip():
        log.error(source, 1, _("the report has no text; write it below the front matter's closing '---'"))
        ok = False
    ok = _check_correction_dates(values, fields, source, log) and ok
    _warn_misspelt_keys(fields, ARTICLE_FIELDS, source, log)
    _warn_invisible(fields, source, log)
    _warn_correction_keys(fields, source, log)
    if values.get("retracted") and values.get("draft"):
        log.warning(source, fields.line_of("retracted"),
                    _("the report is both retracted and a draft: a draft is not published, so the "
                      "retraction notice is not shown either; remove 'draft: true' to publish the notice"))
    if isinstance(fields.get("photos"), list):
        _warn_photo_keys(fields["photos"], source, log)
    if "date" in values:
        _warn_file_name_date(source, values["date"], fields.line_of("date"), log)
    if "slug" not in values:
        values["slug"] = slug_from_filename(source)
        if not values["slug"]:
            log.error(source, 1, _("no slug can be made from the file name; add a line like 'slug: yima'"))
            ok = False
    values["extra"] = {k: v for k, v in fields.items() if k not in ARTICLE_FIELDS}
    return Article(**values) if ok else None


def _name_report(title, source: str, log: ProblemLog) -> None:
    """The title the report's problems lead with, when it has a usable one."""
    if _is_given(title):
        try:
            log.name_report(source, _title(title))
        except FieldProblem:
            pass  # told as a problem of its own


def _warn_invisible(fields: LineDict, source: str, log: ProblemLog) -> None:
    """Say where an invisible character was taken out of a value (a zero-width space
    makes two tags of one; a bidi control turns text around)."""
    for key, value in fields.items():
        for line, text in [(fields.line_of(key), value)] + (_items(value) if isinstance(value, list) else []):
            found = INVISIBLE.search(text) if isinstance(text, str) else None
            if found:
                log.warning(source, line or fields.line_of(key),
                            _("'{key}:' held the invisible character {code}, which was removed (delete it "
                              "from the file to silence this warning)").format(key=key,
                                                                               code=f"U+{ord(found.group()):04X}"))
                break


def key_problem(key: str, problem) -> str:
    """``'date:' says ...``: a field's key, then what is wrong with its value."""
    return _("'{key}:' {problem}").format(key=key, problem=problem)


def _check_correction_dates(values: dict, fields: LineDict, source: str, log: ProblemLog) -> bool:
    """A correction or a retraction cannot come before the report it corrects."""
    published = values.get("date")
    if published is None:
        return True
    ok = True
    late = [("corrections", _("a correction"), c.line, c.date) for c in values.get("corrections", ())]
    if values.get("retracted"):
        late.append(("retracted", _("a retraction"), values["retracted"].line, values["retracted"].date))
    for key, what, line, moment in late:
        if moment < published and (has_time(moment) or moment.date() < published.date()):  # a day alone: that day
            log.error(source, line, _("'{key}:' has {what} dated {when}, before the report itself ({date}); "
                                      "check the date").format(key=key, what=what, when=f"{moment:%Y-%m-%d %H:%M}",
                                                               date=f"{published:%Y-%m-%d %H:%M}"))
            ok = False
    return ok


def _warn_correction_keys(fields: LineDict, source: str, log: ProblemLog) -> None:
    corrections = fields.get("corrections")
    for item in corrections if isinstance(corrections, list) else [corrections]:
        if isinstance(item, LineDict):
            _warn_misspelt_keys(item, CORRECTION_KEYS, source, log, UNKNOWN_CORRECTION_KEY)
    if isinstance(fields.get("retracted"), LineDict):
        _warn_misspelt_keys(fields["retracted"], RETRACTION_KEYS, source, log, UNKNOWN_RETRACTION_KEY)


def _warn_file_name_date(source: str, moment: datetime, line: int, log: ProblemLog) -> None:
    """A file named 2020-01-30-... whose 'date:' says another day: one of them is a slip
    (often a copied report whose date was changed, or the other way round)."""
    named = DATE_PREFIX.match(PurePosixPath(source).name)
    if named is None:
        return
    try:
        day = date(*(int(part) for part in named.group().rstrip("-").split("-")))
    except ValueError:
        return  # no such day: not a date the editor meant
    if day != moment.date():
        log.warning(source, line, _(
            "the file name says {named} but 'date:' says {date}; the date is the one used: "
            "correct it, or rename the file"
        ).format(named=day.isoformat(), date=moment.date().isoformat()))


def _is_given(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _missing(fields: LineDict, key: str, spec: FieldSpec) -> tuple[int, str]:
    """The line and the message for a required field that is absent or empty."""
    if key in fields:
        return fields.line_of(key), _("'{key}:' is empty; fill it in, e.g. '{example}'").format(
            key=key, example=spec.example)
    slips = [k for k in fields if close_key(k, ARTICLE_FIELDS) == key]
    if slips:
        return 1, _("'{key}:' is missing; add a line like '{example}' to the front matter ('{slip}:' on line "
                    "{line} looks like a misspelling of it)").format(key=key, example=spec.example, slip=slips[0],
                                                                      line=fields.line_of(slips[0]))
    return 1, _("'{key}:' is missing; add a line like '{example}' to the front matter").format(
        key=key, example=spec.example)


def _convert(spec: FieldSpec, value, zone: tzinfo):
    if spec.zoned:
        return spec.convert(value, zone)
    if spec.convert is None:
        try:
            return parse_date(value, zone)
        except DateProblem as exc:
            raise FieldProblem(str(exc)) from None
    return spec.convert(value)


def close_key(key: str, known) -> str | None:
    """The known key an unknown one probably means: 'titel' → 'title', '标题' → 'title'."""
    if key in known:
        return None
    lowered = key.strip().lower()
    if lowered in known:
        return lowered
    if KEY_SYNONYMS.get(lowered) in known:
        return KEY_SYNONYMS[lowered]
    close = difflib.get_close_matches(lowered, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


UNKNOWN_KEY = N_("unknown key '{key}:'; did you mean '{meant}:'? (as written it is not used)")
UNKNOWN_PICTURE_KEY = N_("unknown picture key '{key}:'; did you mean '{meant}:'? (as written it is not used)")
UNKNOWN_CORRECTION_KEY = N_("unknown correction key '{key}:'; did you mean '{meant}:'? (as written it is not used)")
UNKNOWN_RETRACTION_KEY = N_("unknown retraction key '{key}:'; did you mean '{meant}:'? (as written it is not used)")


def _warn_misspelt_keys(fields: LineDict, known, source: str, log: ProblemLog, message: str = UNKNOWN_KEY) -> None:
    for key in fields:
        meant = close_key(key, known)
        if meant:
            log.warning(source, fields.line_of(key), _(message).format(key=key, meant=meant))


def _warn_photo_keys(photos: list, source: str, log: ProblemLog) -> None:
    for item in photos:
        if isinstance(item, LineDict):
            _warn_misspelt_keys(item, PHOTO_KEYS, source, log, UNKNOWN_PICTURE_KEY)


def slug_from_filename(source: str) -> str:
    """``2020/2020-01-30-yima.md`` → ``yima``; Chinese names go through pinyin."""
    stem = DATE_PREFIX.sub("", PurePosixPath(source).stem)
    return slugify(stem)


# --- the timeline -----------------------------------------------------------

EVENT_KEYS = ("date", "title", "place", "article", "detail", "id")
EVENT_EXAMPLES = {"date": "date: 2020-01-26", "title": "title: 孝义市启动一级响应"}
MONTH_ANCHOR = re.compile(r"^\d{4}-\d{2}$")


def _event_id(value) -> str:
    """An editor's id: one URL segment, as a slug is, and not a month heading's anchor."""
    text = _text(value)
    if not SLUG_FORM.match(text):
        raise FieldProblem(_(
            "'{text}' cannot be an anchor in a web address; an id is lower-case letters a-z, "
            "digits and hyphens, e.g. id: {suggestion}"
        ).format(text=text, suggestion=slugify(text) or "yima-level-1"))
    if MONTH_ANCHOR.match(text):
        raise FieldProblem(_(
            "'{text}' is the anchor of a month heading on the timeline page; add words, e.g. id: {text}-start"
        ).format(text=text))
    return text


EVENT_TEXT = {"title": _title, "id": _event_id}  # converters other than _text


@dataclass(frozen=True)
class RawEvent:
    """A timeline entry whose fields are checked; detail is still Markdown."""

    date: datetime
    title: str
    line: int
    place: str = ""
    article: str = ""
    detail: str = ""
    article_line: int = 0
    detail_line: int = 0  # where the detail's text starts
    id: str = ""  # the editor's id; else one is derived (event_ids)
    id_line: int = 0


def read_timeline(raw, source: str, zone: tzinfo, log: ProblemLog) -> list[RawEvent]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        log.error(
            source, getattr(raw, "line", 1),
            _("the timeline must be a list of events, each starting with '- date:' (a dash and a space)"),
        )
        return []
    events = []
    for line, item in _items(raw):
        event = _read_event(item, line or 1, source, zone, log)
        if event is not None:
            events.append(event)
    return events


def _read_event(item, line: int, source: str, zone: tzinfo, log: ProblemLog) -> RawEvent | None:
    if not isinstance(item, LineDict):
        log.error(
            source, line,
            _("a timeline entry must be 'key: value' lines under a '- ', like '- date: 2020-01-26' "
              "followed by '  title: ...'"),
        )
        return None
    values, ok = {"line": item.line}, True
    for key, example in EVENT_EXAMPLES.items():
        if not _is_given(item.get(key)):
            if key == "date" and isinstance(item.get("title"), str):
                message = _("the event '{title}' has no '{key}:'; add a line like '{example}'")
            else:
                message = _("the event has no '{key}:'; add a line like '{example}'")
            log.error(source, item.line, message.format(title=item.get("title"), key=key, example=example))
            ok = False
    for key in EVENT_KEYS:
        if not _is_given(item.get(key)):
            continue
        try:
            values[key] = parse_date(item[key], zone) if key == "date" else EVENT_TEXT.get(key, _text)(item[key])
        except (DateProblem, FieldProblem) as exc:
            log.error(source, item.line_of(key), key_problem(key, exc))
            ok = False
    values["article_line"] = item.line_of("article")
    values["detail_line"] = item.text_line("detail")
    values["id_line"] = item.line_of("id")
    _warn_unknown_event_keys(item, source, log)
    return RawEvent(**values) if ok else None


def _warn_unknown_event_keys(item: LineDict, source: str, log: ProblemLog) -> None:
    """Events keep no extra keys, so every unknown one is worth a word."""
    for key in item:
        if key not in EVENT_KEYS:
            meant = close_key(key, EVENT_KEYS)
            if meant:
                message = _("unknown timeline key '{key}:'; did you mean '{meant}:'? (as written it is not used)")
            else:
                message = _("unknown timeline key '{key}:'; an event has only {keys} (as written it is not used)")
            log.warning(source, item.line_of(key), message.format(key=key, meant=meant, keys=", ".join(EVENT_KEYS)))


def derived_event_id(moment: datetime, title: str) -> str:
    """The id of an event without ``id:``: its day and a short hash of its title
    (``2020-01-26-3f0c2a91``), ASCII and the same in every build, so an event
    keeps its anchor and calendar UID when others are added or moved around it."""
    digest = hashlib.sha1(normalise(title).encode("utf-8")).hexdigest()[:8]
    return f"{moment.date().isoformat()}-{digest}"


def event_ids(events: list[RawEvent], source: str, log: ProblemLog) -> list[str]:
    """Each event's id, unique on the timeline: the editor's ``id:`` (two events
    giving one id is an error naming both lines), else :func:`derived_event_id`,
    with ``-2``, ``-3`` after it for a second event of the same day and title."""
    sharing: dict[str, list[RawEvent]] = {}
    for event in events:
        if event.id:
            sharing.setdefault(event.id, []).append(event)
    for given, group in sharing.items():
        for one in group if len(group) > 1 else ():
            others = ", ".join(str(other.id_line) for other in group if other is not one)
            log.error(source, one.id_line, _(
                "the id '{id}' is also given to the event at line {lines}; each event needs its own, "
                "e.g. id: {id}-2"
            ).format(id=given, lines=others))
    used = {event.id for event in events if event.id}
    ids = []
    for event in events:
        if event.id:
            ids.append(event.id)
            continue
        base = candidate = derived_event_id(event.date, event.title)
        number = 2
        while candidate in used:
            candidate, number = f"{base}-{number}", number + 1
        used.add(candidate)
        ids.append(candidate)
    return ids
