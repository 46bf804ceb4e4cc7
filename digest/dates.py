"""Dates as editors write them, read in the site's timezone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

_DATE_FORM = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)

HOW_TO_WRITE = "write it like 2020-01-30 or 2020-01-30 09:00"


class DateProblem(ValueError):
    pass


def parse_date(value, zone: tzinfo) -> datetime:
    """Accept a date, a date-time, or their ISO text; a missing offset means ``zone``.

    A date alone means midnight at the start of that day in the site timezone.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and _DATE_FORM.match(value.strip()):
        moment = _from_text(value.strip())
    else:
        raise DateProblem(f"'{value}' is not a date; {HOW_TO_WRITE}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _from_text(text: str) -> datetime:
    day, _, clock = text.replace("T", " ", 1).partition(" ")
    year, month, mday = (int(part) for part in day.split("-"))
    try:
        date(year, month, mday)
    except ValueError:
        raise DateProblem(f"{day} is no such day; check the month and the day") from None
    iso = f"{year:04d}-{month:02d}-{mday:02d}"
    clock = clock.strip()
    if clock:
        hour, rest = clock.split(":", 1)
        iso += f"T{int(hour):02d}:{rest.replace(' ', '')}"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        raise DateProblem(f"'{text}' has no such time of day; {HOW_TO_WRITE}") from None


def chinese_date(moment: datetime) -> str:
    """2020年1月30日, as Chinese readers write dates."""
    return f"{moment.year}年{moment.month}月{moment.day}日"


def has_time(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) != (0, 0, 0)
