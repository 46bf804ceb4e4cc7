"""The timeline as calendars: ``timeline.ics`` and ``places/SLUG/timeline.ics``.

Readers subscribe to the timeline from a phone's calendar (the ``webcal:``
link), so a calendar must be one they can keep: each event's UID comes from
its id (:attr:`~digest.content.Event.id`) and stays the same when events are
added around it, and two builds of the same content give the same bytes (the
stamp is the content's newest date, not the clock). The files are made with
``icalendar`` (RFC 5545), not by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import html as lxml_html

from .config import SiteConfig
from .content import Event
from .dates import has_time
from .changes import Signer
from .outputs import MADE, Output
from .site import Group, Site
from .urls import page_url

if TYPE_CHECKING:
    from icalendar import Event as CalendarEvent

CALENDAR_FILE = "timeline.ics"
PRODUCT = "-//county-digest//timeline//ZH"
REFRESH = timedelta(hours=1)
# Elements whose end is the end of a line in the detail's plain text.
BLOCKS = ("p", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre")


@dataclass(frozen=True)
class CalendarLink:
    """Where a page links its calendar: the file, and the same address as ``webcal:``,
    which phones open as a subscription instead of a download."""

    href: str  # relative to the site root
    subscribe: str  # absolute, webcal://


def calendar_link(config: SiteConfig, dest: str) -> CalendarLink:
    address = config.absolute_url(dest)
    return CalendarLink(dest, "webcal://" + address.split("://", 1)[1])


def timeline_calendar_link(config: SiteConfig) -> CalendarLink:
    return calendar_link(config, CALENDAR_FILE)


def place_calendar_link(site: Site, group: Group) -> CalendarLink | None:
    """A place's calendar, if the timeline has events there."""
    if group.kind != "place" or not group.events:
        return None
    return calendar_link(site.config, group.url + CALENDAR_FILE)


def calendar_outputs(site: Site, signer: Signer) -> list[Output]:
    """The whole timeline's calendar, and one per place page with events; each made
    again only when its events or the content's stamp changed."""
    calendars = [(CALENDAR_FILE, site.events, site.config.title)]
    calendars += [(group.url + CALENDAR_FILE, group.events, f"{site.config.title} · {name}")
                  for name, group in site.places.items() if group.events]
    stamp = content_stamp(site)
    return [Output(dest, MADE, partial(calendar_bytes, site, events, name),
                   signer.data("calendar", dest, name, stamp, events)) for dest, events, name in calendars]


def calendar_bytes(site: Site, events, name: str) -> bytes:
    """One VCALENDAR: a VEVENT per event, and the VTIMEZONE its times refer to."""
    from icalendar import Calendar, vDuration  # here, not at the top: most edits make no calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986; X-WR-CALNAME for the calendars that predate it
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # how often a subscriber looks
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add("x-wr-timezone", site.config.timezone.key)
    stamp = content_stamp(site)
    for event in events:
        calendar.add_component(calendar_event(site, event, stamp))
    if events:
        first, last = events[0].date.date(), events[-1].date.date()
        calendar.add_missing_timezones(date(first.year - 1, 1, 1), date(last.year + 2, 1, 1))
    return calendar.to_ical()


def calendar_event(site: Site, event: Event, stamp: datetime) -> CalendarEvent:
    from icalendar import Event as CalendarEvent

    config = site.config
    entry = CalendarEvent()
    entry.add("uid", event_uid(config, event))
    entry.add("dtstamp", stamp)
    if has_time(event.date):
        entry.add("dtstart", event.date)
    else:
        day = event.date.date()
        entry.add("dtstart", day)
        entry.add("dtend", day + timedelta(days=1))
    entry.add("summary", event.title)
    if event.place:
        entry.add("location", event.place)
    description = event_text(site, event)
    if description:
        entry.add("description", description)
    entry.add("url", event_url(config, event))
    return entry


def event_url(config: SiteConfig, event: Event) -> str:
    """The event's anchor on the timeline page, absolute."""
    return config.absolute_url(page_url("timeline")) + "#" + event.id


def event_uid(config: SiteConfig, event: Event) -> str:
    """``2020-01-26-21c40bae@example.cn/digest``: the event's id, made unique beyond
    this site by the site's address."""
    parts = urlsplit(config.base_url)
    return f"{event.id}@{parts.netloc}{parts.path.rstrip('/')}"


def event_text(site: Site, event: Event) -> str:
    """The detail as plain text, then the address of the report that tells it."""
    lines = [plain_text(event.detail_html)] if event.detail_html else []
    if event.article in site.by_slug:
        lines.append(site.config.absolute_url(site.by_slug[event.article].url))
    return "\n\n".join(line for line in lines if line)


@lru_cache(maxsize=4096)  # an event's detail goes into two calendars, the JSON and the JSON-LD
def plain_text(html: str) -> str:
    """What a reader sees of a piece of HTML, one line per paragraph or list item."""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for block in root.iter(BLOCKS):
        block.tail = "\n" + (block.tail or "")
    lines = (line.strip() for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def content_stamp(site: Site) -> datetime:
    """DTSTAMP, in UTC: the newest date the content holds (a report's last change,
    else an event's), so that a build of unchanged content gives the same bytes."""
    moments = [site.last_change] if site.last_change else [event.date for event in site.events]
    newest = max(moments, default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    return newest.astimezone(timezone.utc)
