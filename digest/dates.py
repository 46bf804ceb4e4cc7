"""Dates as editors write them, read in the site's timezone."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from datetime import date, datetime, time, tzinfo

from .i18n import N_, _, language_of, page_texts

_DATE_FORM = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)

# The ways Chinese editors write a day (contract: Dates): 2020年1月30日, 2020/1/30, 2020.1.30,
# each maybe followed by a time; full-width digits and colons are folded first (NFKC).
_CHINESE_DAY = re.compile(
    r"^(?P<year>\d{4})\s*(?:年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]?"
    r"|[/.](?P<month2>\d{1,2})[/.](?P<day2>\d{1,2}))\s*(?P<clock>.*)$"
)

FIRST_YEAR, LAST_YEAR = 1000, 9998  # a year beyond these is a slip, and keeps time zones in range
MONTHS = (N_("January {year}"), N_("February {year}"), N_("March {year}"), N_("April {year}"), N_("May {year}"),
          N_("June {year}"), N_("July {year}"), N_("August {year}"), N_("September {year}"), N_("October {year}"),
          N_("November {year}"), N_("December {year}"))


class DateProblem(ValueError):
    """What is wrong with a date, said to follow "'date:' ..." in a message."""


def parse_date(value, zone: tzinfo) -> datetime:
    """Accept a date, a date-time, or their ISO text; a missing offset means ``zone``.

    A date alone means midnight at the start of that day in the site timezone.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and _DATE_FORM.match(iso_form(value)):
        moment = _from_text(iso_form(value), shown=value.strip())
    else:
        raise DateProblem(_("says '{value}', which is not a date; write it in numbers, like 2020-01-30 or "
                            "2020-01-30 09:00").format(value=value))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def iso_form(text: str) -> str:
    """``2020年1月30日 ０９：００`` → ``2020-1-30 09:00``; other text only stripped
    (and, when it is not a date, left for the caller to refuse)."""
    text = text.strip()
    folded = unicodedata.normalize("NFKC", text).strip()
    if _DATE_FORM.match(folded):
        return folded
    found = _CHINESE_DAY.match(folded)
    if not found:
        return text
    month, day = found["month"] or found["month2"], found["day"] or found["day2"]
    return f"{found['year']}-{month}-{day} {found['clock']}".strip()


def _from_text(text: str, shown: str) -> datetime:
    """``text`` in ISO form; ``shown`` is how the editor wrote it, for the messages."""
    day, _space, clock = text.replace("T", " ", 1).partition(" ")
    year, month, mday = (int(part) for part in day.split("-"))
    if shown != text:  # a Chinese form: name it as written
        day = shown
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateProblem(_no_such_day(year, month, day))
    try:
        date(year, month, mday)
    except ValueError:
        raise DateProblem(_no_such_day(year, month, day)) from None
    iso = f"{year:04d}-{month:02d}-{mday:02d}"
    clock = clock.strip()
    if clock:
        hour, rest = clock.split(":", 1)
        iso += f"T{int(hour):02d}:{rest.replace(' ', '')}"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        raise DateProblem(_("says '{value}', which has no such time of day; write it in numbers, like 2020-01-30 "
                            "or 2020-01-30 09:00").format(value=shown)) from None


def _no_such_day(year: int, month: int, day: str) -> str:
    """"February 2020 has 29 days" — the fact that shows the editor the slip."""
    if not 1 <= month <= 12:
        return _("says {day}, but there is no month {month}; check the month and the day").format(day=day, month=month)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return _("says {day}, but the year {year} cannot be right; check the year").format(day=day, year=year)
    return _("says {day}, but {month} has {days} days; check the month and the day").format(
        day=day, month=_(MONTHS[month - 1]).format(year=year), days=monthrange(year, month)[1])


# A day as English readers of the site read it: 3 Feb 2020.
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def long_date(moment: datetime, language: str) -> str:
    """A day on a page of a site in ``language``: 2020年1月30日, or 30 Jan 2020."""
    if language_of(language) == "zh":
        return chinese_date(moment)
    return f"{moment.day} {SHORT_MONTHS[moment.month - 1]} {moment.year}"


def long_datetime(moment: datetime, language: str) -> str:
    """A moment on a page: 2020年1月30日 09:00 or 30 Jan 2020 09:00, the time only where one was given."""
    text = long_date(moment, language)
    return f"{text} {moment:%H:%M}" if has_time(moment) else text


def month_title(year: int, month: int, language: str) -> str:
    """A month on a page: 2020年1月, or January 2020."""
    return page_texts(language).gettext(MONTHS[month - 1]).format(year=year)


def chinese_date(moment: datetime) -> str:
    """2020年1月30日, as Chinese readers write dates."""
    return f"{moment.year}年{moment.month}月{moment.day}日"


def has_time(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) != (0, 0, 0)


def chinese_datetime(moment: datetime) -> str:
    """2020年1月30日 09:00, the time only where one was given."""
    text = chinese_date(moment)
    return f"{text} {moment:%H:%M}" if has_time(moment) else text
