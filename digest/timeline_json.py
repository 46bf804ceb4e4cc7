"""``timeline.json``: the timeline as data, for other newsrooms to reuse.

The format is a promise (README, "The timeline as data"; its JSON Schema is
docs/timeline.schema.json): within one ``version`` fields are only added,
never renamed or removed, and an event's ``id`` is its anchor and calendar
UID, stable across builds. Two builds of the same content give the same bytes.
"""

from __future__ import annotations

import json
from functools import partial

from .calendar import event_url, plain_text
from .content import Event
from .dates import has_time
from .feeds import absolute_html
from .changes import Signer
from .outputs import MADE, Output
from .site import Site
from .urls import page_url

JSON_FILE = "timeline.json"
VERSION = 1


def timeline_json_output(site: Site, signer: Signer) -> Output:
    """Made again only when an event, or the title of a report an event links, changed."""
    titles = [site.by_slug[event.article].title for event in site.events if event.article in site.by_slug]
    return Output(JSON_FILE, MADE, partial(timeline_json, site), signer.data("json", JSON_FILE, site.events, titles))


def timeline_json(site: Site) -> bytes:
    config = site.config
    data = {
        "version": VERSION,
        "title": config.title,
        "url": config.absolute_url(page_url("timeline")),
        "language": config.language,
        "timezone": config.timezone.key,
        "events": [event_record(site, event) for event in site.events],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def event_record(site: Site, event: Event) -> dict:
    """One event, every address absolute (in the detail too); what is not given is null."""
    config = site.config
    timeline_url = config.absolute_url(page_url("timeline"))
    article = site.by_slug.get(event.article)
    place_url = site.place_url(event.place) if event.place else None
    return {
        "id": event.id,
        "title": event.title,
        "start": event.date.isoformat(),
        "all_day": not has_time(event.date),
        "date": event.date.date().isoformat(),
        "place": event.place or None,
        "place_url": config.absolute_url(place_url) if place_url else None,
        "article_url": config.absolute_url(article.url) if article else None,
        "article_title": article.title if article else None,
        "detail": plain_text(event.detail_html) if event.detail_html else None,
        "detail_html": absolute_html(event.detail_html, timeline_url) if event.detail_html else None,
        "url": event_url(config, event),
    }
