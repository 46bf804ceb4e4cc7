"""RSS 2.0 and Atom feeds with feedgen.

One function builds the feed for any list of articles (or, for the timeline's
feed, of events); the caller picks RSS or Atom when it serialises. Feed content
uses absolute URLs (fragments too), because a feed reader shows it far from the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from itertools import islice
from typing import Mapping
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .config import SiteConfig
from .content import Article, Event
from .corrections import corrections_html
from .i18n import page_texts
from .photos import ResponsivePhoto
from .site import Site
from .urls import feed_file, page_url

URL_ATTRIBUTES = {"a": "href", "img": "src", "iframe": "src"}


@dataclass(frozen=True)
class FeedFile:
    dest: str  # path in the output folder
    data: bytes


@dataclass(frozen=True)
class FeedPlan:
    """One feed to make: where it goes, what it lists, and how it is titled."""

    dest: str  # path in the output folder
    articles: tuple
    title: str
    page_url: str  # the page the feed belongs to
    description: str
    atom: bool = False  # else RSS
    events: tuple = ()  # the timeline's feed lists events (newest first) instead of articles


def site_feeds(site: Site, limit: int, photos: Mapping[str, ResponsivePhoto]) -> list[FeedFile]:
    """feed.xml and atom.xml for the site, and an RSS feed per place, per tag and of the timeline."""
    return [FeedFile(plan.dest, render_feed(site, plan, photos)) for plan in feed_plans(site, limit)]


def feed_plans(site: Site, limit: int) -> list[FeedPlan]:
    """The feeds of the site, planned apart from making them (the cache skips unchanged ones)."""
    config = site.config
    newest = tuple(site.articles[:limit])
    plans = [
        FeedPlan("feed.xml", newest, config.title, "", config.description),
        FeedPlan("atom.xml", newest, config.title, "", config.description, atom=True),
    ]
    texts = page_texts(config.language)
    for group in (*site.places.values(), *site.tags.values()):
        plans.append(FeedPlan(feed_file(group.url), tuple(group.articles[:limit]), f"{config.title} · {group.name}",
                              group.url, texts.gettext("Reports about {name}").format(name=group.name)))
    timeline = page_url("timeline")
    plans.append(FeedPlan(feed_file(timeline), (), f"{config.title} · " + texts.gettext("Timeline"), timeline,
                          texts.gettext("The events of the timeline, newest first"),
                          events=tuple(islice(reversed(site.events), limit))))
    return plans


def render_feed(site: Site, plan: FeedPlan, photos: Mapping[str, ResponsivePhoto]) -> bytes:
    feed = make_feed(site, plan, photos)
    return feed.atom_str(pretty=True) if plan.atom else feed.rss_str(pretty=True)


def make_feed(site: Site, plan: FeedPlan, photos: Mapping[str, ResponsivePhoto]) -> FeedGenerator:
    """The feed ``plan`` describes, RSS or Atom."""
    config = site.config
    articles = plan.articles
    feed = FeedGenerator()
    if not plan.atom:  # Atom names authors itself: a dc:creator beside them is each name twice
        feed.load_extension("dc")
    feed.id(config.absolute_url(plan.page_url))
    feed.title(plan.title)  # plain text to readers, as an item's title is
    description = plan.description or plan.title
    # Atom says its subtitle is text; readers take an RSS description as HTML, so
    # there it is escaped once more, as an item's is (a place named '<img ...>').
    feed.subtitle(description if plan.atom else escape(description))
    feed.link(href=config.absolute_url(plan.dest), rel="self")
    # RSS's channel <link> is the last link given: the page, where a reader's "open website" goes
    feed.link(href=config.absolute_url(plan.page_url), rel="alternate")
    feed.language(config.language)
    feed.generator("county-digest")
    if config.author:
        feed.author(name=config.author)
    moments = [*(a.modified for a in articles), *(event.date for event in plan.events)]
    # An empty feed is as new as the newest thing on the site, not the build's
    # clock: else a build with nothing changed would write it again.
    everything = [*(a.modified for a in site.articles), *(event.date for event in site.events)]
    updated = max(moments or everything, default=site.built_at)
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for article in reversed(articles):  # feedgen prepends: add oldest first
        add_entry(feed, site, article, photos, plan.atom)
    for event in reversed(plan.events):
        add_event(feed, site, event)
    return feed


def new_entry(feed: FeedGenerator, url: str, title: str, published: datetime, updated: datetime) -> FeedEntry:
    """An entry known by its address (its id, guid and link), with its title and dates."""
    entry = feed.add_entry()
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(title)
    entry.link(href=url)
    entry.published(published)
    entry.updated(updated)
    return entry


def add_entry(feed: FeedGenerator, site: Site, article: Article, photos: Mapping[str, ResponsivePhoto],
              atom: bool) -> None:
    config = site.config
    url = config.absolute_url(article.url)
    # updated is the last correction's date, if any, so readers update the item
    entry = new_entry(feed, url, article.title, article.date, article.modified)
    entry.summary(escape(article.summary), type="html")  # readers show RSS descriptions as HTML
    entry.content(absolute_html(entry_html(article, photos, config.language), url), type="html" if atom else "CDATA")
    # One name for all authors, as the byline reads: readers show one author element
    # (newsboat the last dc:creator, feedparser the last Atom author).
    separator = page_texts(config.language).pgettext("between the names of a byline", ", ")
    byline = separator.join(article.authors) or unsigned_byline(config)
    if atom:
        entry.author(name=byline)
    else:
        entry.dc.dc_creator(byline)
    for name in (article.place, *article.tags):
        if name:
            entry.category(term=name)


def add_event(feed: FeedGenerator, site: Site, event: Event) -> None:
    """A timeline event as an item that leads to its anchor on the timeline page."""
    config = site.config
    page = config.absolute_url(page_url("timeline"))
    entry = new_entry(feed, f"{page}#{event.id}", event.title, event.date, event.date)
    html = event_html(site, event, page)
    if html:
        entry.content(html, type="CDATA")
    if event.place:
        entry.category(term=event.place)


def event_html(site: Site, event: Event, page: str) -> str:
    """What a reader shows of an event: its detail (its links made absolute from
    the timeline ``page``), then its place and the report on it, linked."""
    config = site.config
    texts = page_texts(config.language)
    parts = [absolute_html(event.detail_html, page)] if event.detail_html else []
    if event.place:  # every event's place has a page
        url = config.absolute_url(site.place_url(event.place))
        link = f'<a href="{escape(url)}">{escape(event.place)}</a>'
        parts.append("<p>" + texts.gettext("Place: {link}").format(link=link) + "</p>")
    article = site.by_slug.get(event.article)
    if article:
        link = f'<a href="{escape(config.absolute_url(article.url))}">{escape(article.title)}</a>'
        parts.append("<p>" + texts.gettext("Report: {link}").format(link=link) + "</p>")
    return "".join(parts)


def unsigned_byline(config: SiteConfig) -> str:
    """Who an unsigned report is by: the site's author, else its publisher, else the
    site itself; so every Atom entry has an author (RFC 4287 §4.1.1)."""
    return config.author or str(config.extra.get("publisher") or "") or config.title


def entry_html(article: Article, photos: Mapping[str, ResponsivePhoto], language: str) -> str:
    """The article as a feed reader shows it, as its page does: the first photo
    with its caption, the body (with its own figures), then the other photos.

    A photo is its largest JPEG rendition, as on a share card: the original,
    with whatever EXIF and GPS data the camera wrote, is never published.
    """
    texts = page_texts(language)
    figures = []
    for photo in article.unplaced_photos:
        image = photos[photo.src].largest_jpeg
        caption = escape(photo.caption)
        if photo.credit:
            caption += texts.gettext(" (Photo: {credit})").format(credit=escape(photo.credit))
        figures.append(
            f'<figure><img src="../../{escape(image.href)}" width="{image.width}" height="{image.height}" '
            f'alt="{escape(photo.caption)}"><figcaption>{caption}</figcaption></figure>'
        )
    return corrections_html(article, language) + "".join(figures[:1]) + article.html + "".join(figures[1:])


def absolute_html(html: str, page_url: str) -> str:
    """Make every link and image in ``html`` absolute, resolved against ``page_url``;
    a body image's ``<picture>`` becomes one ``<img>``, which every feed reader shows."""
    soup = BeautifulSoup(html, "html.parser")
    for picture in soup.find_all("picture"):  # a body image: its largest JPEG, as for the photos
        img = picture.find("img")
        img["src"] = img["srcset"].split(",")[-1].split()[0]  # srcset goes from small to large
        for attribute in ("srcset", "sizes", "loading", "decoding"):
            del img[attribute]
        picture.replace_with(img)
    for tag, attribute in URL_ATTRIBUTES.items():
        for node in soup.find_all(tag, attrs={attribute: True}):
            node[attribute] = urljoin(page_url, node[attribute])
    return str(soup)
