"""RSS 2.0 and Atom feeds with feedgen.

One function builds the feed for any list of articles (or, for the timeline's
feed, of events); the caller picks RSS or Atom when it serialises. Feed content
uses absolute URLs (fragments too), because a feed reader shows it far from the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from itertools import islice
from typing import Mapping
from urllib.parse import urljoin

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


def render_feed(site: Site, plan: FeedPlan, photos: Mapping[str, ResponsivePhoto],
                contents: Mapping[str, str] | None = None) -> bytes:
    """``contents``: :func:`entry_contents` of the plans being made, if made already."""
    feed = make_feed(site, plan, entry_contents(site, [plan], photos) if contents is None else contents)
    return feed.atom_str(pretty=True) if plan.atom else feed.rss_str(pretty=True)


def entry_contents(site: Site, plans: list[FeedPlan], photos: Mapping[str, ResponsivePhoto]) -> dict[str, str]:
    """What each report of the ``plans`` shows in a feed reader (by source): made once
    for all its feeds, as a report is in five or six (the site's, its place's, its tags')."""
    config = site.config
    contents = {}
    for plan in plans:
        for article in plan.articles:
            if article.source not in contents:
                contents[article.source] = absolute_html(entry_html(article, photos, config.language),
                                                         config.absolute_url(article.url))
    return contents


def make_feed(site: Site, plan: FeedPlan, contents: Mapping[str, str]) -> FeedGenerator:
    """The feed ``plan`` describes, RSS or Atom, its reports showing ``contents``."""
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
    updated = max(moments) if moments else newest_on_site(site)
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for article in reversed(articles):  # feedgen prepends: add oldest first
        add_entry(feed, site, article, contents[article.source], plan.atom)
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


def newest_on_site(site: Site) -> datetime:
    """What an empty feed is dated by: the newest thing on the site, not the build's clock
    (else a build with nothing changed would write it again)."""
    everything = [event.date for event in site.events]
    if site.last_change is not None:
        everything.append(site.last_change)
    return max(everything, default=site.built_at)


def add_entry(feed: FeedGenerator, site: Site, article: Article, content: str, atom: bool) -> None:
    config = site.config
    url = config.absolute_url(article.url)
    # updated is the last correction's date, if any, so readers update the item
    entry = new_entry(feed, url, article.title, article.date, article.modified)
    entry.summary(escape(article.summary), type="html")  # readers show RSS descriptions as HTML
    entry.content(content, type="html" if atom else "CDATA")
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
    a body image's ``<picture>`` becomes one ``<img>``, which every feed reader shows.

    What BeautifulSoup (html.parser) makes of it, byte for byte: the bodies
    are nh3's output, which :func:`absolute_html_fast` reads about thirty
    times as fast; HTML it is not sure of goes to BeautifulSoup itself.
    """
    fast = absolute_html_fast(html, page_url)
    return fast if fast is not None else absolute_html_by_soup(html, page_url)


def absolute_html_by_soup(html: str, page_url: str) -> str:
    """:func:`absolute_html` by BeautifulSoup: the reference, for any HTML."""
    from bs4 import BeautifulSoup  # here, not at the top: a build that writes no feed body never needs it

    soup = BeautifulSoup(html, "html.parser")
    for picture in soup.find_all("picture"):  # a body image: its largest JPEG, as for the photos
        img = picture.find("img")
        img["src"] = img["srcset"].split(",")[-1].split()[0]  # srcset goes from small to large
        for attribute in PICTURE_ONLY:
            del img[attribute]
        picture.replace_with(img)
    for tag, attribute in URL_ATTRIBUTES.items():
        for node in soup.find_all(tag, attrs={attribute: True}):
            node[attribute] = urljoin(page_url, node[attribute])
    return str(soup)


PICTURE_ONLY = ("srcset", "sizes", "loading", "decoding")  # an <img>'s attributes that only a <picture> uses
# The HTML absolute_html_fast reads: tags whose attributes are all name="value" (as nh3
# and our own code write them), text, and the character references they write.
HTML_TOKEN = re.compile(r'<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*="[^"<>]*")*)>|([^<&]+)|&(amp|lt|gt|quot|nbsp|#x27|#39|#34);')
ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
REFERENCE = {"amp": "&amp;", "lt": "&lt;", "gt": "&gt;", "quot": '"', "nbsp": "\xa0", "#x27": "'", "#39": "'", "#34": '"'}
# BeautifulSoup's rules for html.parser (bs4.builder.HTMLParserTreeBuilder's DEFAULT_* sets),
# written out so that a build that writes no feed body does not import bs4 (a tenth of a
# second); tests/test_feeds.py checks them against the installed bs4.
VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr", "image",
                  "img", "input", "isindex", "keygen", "link", "menuitem", "meta", "nextid", "param", "source",
                  "spacer", "track", "wbr"})  # BeautifulSoup writes these <br/>
KEEPS_WHITESPACE = frozenset({"pre", "textarea"})
LIST_VALUED = {"*": {"class", "accesskey", "dropzone"}, "a": {"rel", "rev"}, "link": {"rel", "rev"},
               "td": {"headers"}, "th": {"headers"}, "form": {"accept-charset"}, "object": {"archive"},
               "area": {"rel"}, "icon": {"sizes"}, "iframe": {"sandbox"},
               "output": {"for"}}  # tag -> attributes it splits at whitespace
STRING_CONTAINERS = frozenset({"rt", "rp", "style", "script", "template"})  # kept apart as their own strings
ASCII_WHITESPACE = re.compile("[ \n\t\f\r]*")
# Elements whose text BeautifulSoup keeps apart, or some version of html.parser reads raw:
NOT_PLAIN = {*STRING_CONTAINERS, "textarea", "title", "plaintext", "xmp", "noembed", "noframes", "noscript"}


def absolute_html_fast(html: str, page_url: str) -> str | None:
    """:func:`absolute_html_by_soup`'s result for HTML made only of what
    :data:`HTML_TOKEN` reads, in balanced tags; None for any other HTML.

    BeautifulSoup's ways, followed here: it reads the references and writes
    back only ``&amp;``, ``&lt;`` and ``&gt;`` (and ``&quot;`` in a value that
    has both quotes), sorts a tag's attributes, writes a void element
    ``<br/>``, and makes a text of ASCII whitespace alone one newline or space
    (outside ``<pre>``).
    """
    out: list[str] = []
    text: list[str] = []
    open_tags: list[str] = []
    picture: list | None = None  # in a <picture>: the first <img> in it, once met
    position = 0
    for token in HTML_TOKEN.finditer(html):
        if token.start() != position:
            return None
        position = token.end()
        closing, name, attributes, chunk, reference = token.groups()
        if open_tags and open_tags[-1] == "iframe" and not closing:
            return None  # text in an iframe: newer html.parser reads it raw
        if chunk is not None:
            text.append(chunk.replace(">", "&gt;"))
            continue
        if reference is not None:
            text.append(REFERENCE[reference])
            continue
        if text:
            if picture is None:
                out.append(_text_as_soup_writes_it("".join(text), open_tags))
            text = []
        if name in NOT_PLAIN or (closing and (attributes or name in VOID)):
            return None
        if closing:
            if not open_tags or open_tags.pop() != name:
                return None  # BeautifulSoup would close the tags between: let it
            if name == "picture":
                if not picture:
                    return None
                out.append(_start_tag("img", picture[0], page_url))
                picture = None
            elif picture is None:
                out.append(f"</{name}>")
            continue
        values = {}
        for key, value in ATTRIBUTE.findall(attributes):
            if key in values:
                return None
            value = unescape(value) if "&" in value else value
            if (key in LIST_VALUED["*"] or key in LIST_VALUED.get(name, ())) and " ".join(value.split()) != value:
                return None
            values[key] = value
        if name not in VOID:
            open_tags.append(name)
        if name == "picture":
            if picture is not None:
                return None
            picture = []
        elif picture is not None:
            if name == "img" and not picture:
                largest = values.get("srcset", "").split(",")[-1].split()
                if not largest:  # not a picture the build made: not sure
                    return None
                values["src"] = largest[0]
                for key in PICTURE_ONLY:
                    values.pop(key, None)
                picture.append(values)
        else:
            out.append(_start_tag(name, values, page_url))
    if position != len(html) or open_tags:
        return None
    if text:
        out.append(_text_as_soup_writes_it("".join(text), open_tags))
    return "".join(out)


def _text_as_soup_writes_it(text: str, open_tags: list[str]) -> str:
    if ASCII_WHITESPACE.fullmatch(text) and not KEEPS_WHITESPACE.intersection(open_tags):
        return "\n" if "\n" in text else " "
    return text


def _start_tag(name: str, values: dict[str, str], page_url: str) -> str:
    if URL_ATTRIBUTES.get(name) in values:
        values[URL_ATTRIBUTES[name]] = urljoin(page_url, values[URL_ATTRIBUTES[name]])
    written = "".join(f" {key}={_quoted(value)}" for key, value in sorted(values.items()))
    return f"<{name}{written}/>" if name in VOID else f"<{name}{written}>"


def _quoted(value: str) -> str:
    """An attribute's value as BeautifulSoup writes it (its minimal formatter)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'
