"""Corrections (更正) and retractions (撤稿): what the site says openly about its mistakes.

A corrected report shows its notes on its own page (the article template),
in its JSON-LD (meta.py) and in the feeds (feeds.py). This module makes the
rest: the page of every retracted report, which keeps its address and shows
the notice instead of the text; ``corrections/index.html``, every correction
and retraction newest first, each linked to its report; and its RSS feed,
``corrections/feed.xml``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from .content import Article
from .dates import long_date, long_datetime
from .i18n import N_, page_texts
from .outputs import BYTES, Output
from .pages import Page
from .site import Site
from .urls import page_file, page_url

CORRECTION, RETRACTION = "correction", "retraction"
LABELS = {CORRECTION: N_("Correction"), RETRACTION: N_("Retraction")}  # translated where shown
FEED_FILE = "feed.xml"
SITE_ROOT = "https://site.invalid/"  # a stand-in base for resolving a note's relative links
LINK_ATTRIBUTES = {"a": "href", "img": "src"}


@dataclass(frozen=True)
class Notice:
    """One line of the corrections page: a correction or a retraction of a report."""

    kind: str  # CORRECTION or RETRACTION
    date: datetime
    article: Article
    anchor: str  # its id on the report's page
    note_html: str  # clean HTML, its links relative to the report's page

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def url(self) -> str:
        """Where it is on the report's page, from the site root."""
        return f"{self.article.url}#{self.anchor}"


def correction_notice(article: Article, language: str) -> str:
    """The line under a corrected report's headline: 本文已于2020年2月2日更正."""
    date = long_date(article.last_correction.date, language)
    return page_texts(language).gettext("Corrected on {date}").format(date=date)


def retraction_notice(article: Article, language: str) -> str:
    """What a withdrawn report says in place of its text, as one line."""
    date = long_date(article.retracted.date, language)
    notice = page_texts(language).gettext("Retracted on {date}. {reason}")
    return notice.format(date=date, reason=article.retracted.reason)


def corrections_html(article: Article, language: str) -> str:
    """A corrected report's notes as a feed shows them, before its text (links
    relative to the report's page)."""
    if not article.corrections:
        return ""
    notes = "".join(f"<li><p>{long_datetime(c.date, language)}</p>{c.note_html}</li>" for c in article.corrections)
    notice = correction_notice(article, language)
    return f'<div class="corrections"><p><strong>{notice}</strong></p><ol>{notes}</ol></div>'


def correction_anchor(number: int) -> str:
    """The id of a report's ``number``-th correction (from 1) on its page."""
    return f"correction-{number}"


def notices(site: Site) -> list[Notice]:
    """Every correction and retraction of the site, newest first."""
    found = []
    for article in (*site.articles, *site.retracted):
        for number, correction in enumerate(article.corrections, start=1):
            found.append(Notice(CORRECTION, correction.date, article, correction_anchor(number), correction.note_html))
        if article.retracted:
            found.append(Notice(RETRACTION, article.retracted.date, article, RETRACTION,
                                f"<p>{escape(article.retracted.reason)}</p>"))
    return sorted(found, key=lambda notice: (notice.date, notice.article.slug, notice.anchor), reverse=True)


def notice_keys(site: Site) -> frozenset:
    """What names each notice of the site, for the next build to tell what is new."""
    return frozenset(map(_key, notices(site)))


def new_notices(site: Site, seen: frozenset | None) -> tuple[Notice, ...]:
    """The notices not among those ``seen`` by the last build (all of them, with no
    last build), newest first: what an editor checks before they go out."""
    return tuple(notice for notice in notices(site) if seen is None or _key(notice) not in seen)


def _key(notice: Notice) -> tuple:
    return (notice.article.source, notice.kind, notice.date.isoformat(), notice.note_html)


def correction_pages(site: Site) -> list[Page]:
    """The corrections page, and the page of each retracted report at its own address."""
    url = page_url("corrections")
    listed = [_shown_from(notice, url) for notice in notices(site)]
    title = page_texts(site.config.language).gettext("Corrections and retractions")
    pages = [Page(page_file(url), "corrections.html", title,
                  {"notices": listed, "feed": url + FEED_FILE})]
    pages += [retracted_page(article) for article in site.retracted]
    return pages


def retracted_page(article: Article) -> Page:
    """A withdrawn report: headline, date and the notice, not the text."""
    return Page(page_file(article.url), "retracted.html", article.title, {"article": article})


def corrections_feed(site: Site) -> Output:
    """``corrections/feed.xml``: an item per correction and retraction, newest first.
    Made every build: it is small, and equal bytes are kept by the writer."""
    return Output(page_url("corrections") + FEED_FILE, BYTES, render_corrections_feed(site, notices(site)))


def render_corrections_feed(site: Site, found: list[Notice]) -> bytes:
    config = site.config
    page = config.absolute_url(page_url("corrections"))
    feed = FeedGenerator()
    texts = page_texts(config.language)
    feed.title(f"{config.title} · " + texts.gettext("Corrections and retractions"))
    description = texts.gettext("Corrections and retractions of the reports of {site}").format(site=config.title)
    feed.description(escape(description))
    feed.link(href=config.absolute_url(page_url("corrections") + FEED_FILE), rel="self")
    feed.link(href=page, rel="alternate")  # last: feedgen makes the channel's <link> of the last one
    feed.language(config.language)
    feed.generator("county-digest")
    # Without notices, the site's last change: a date that stays the same from build to build.
    updated = found[0].date if found else (site.last_change or site.built_at)
    feed.lastBuildDate(updated)
    for notice in reversed(found):  # feedgen prepends: add oldest first
        url = config.absolute_url(notice.url)
        entry = feed.add_entry()
        entry.guid(url, permalink=True)
        label = texts.gettext(notice.label)
        entry.title(texts.gettext("{label}: {title}").format(label=label, title=notice.article.title))
        entry.link(href=url)
        entry.published(notice.date)
        entry.description(rebased(notice.note_html, notice.article.url, config.absolute_url("")))
    return feed.rss_str(pretty=True)


def _shown_from(notice: Notice, page_url_: str) -> Notice:
    """The notice with its note's links made relative to the page at ``page_url_``."""
    return replace(notice, note_html=rebased(notice.note_html, notice.article.url, "../" * page_url_.count("/")))


def rebased(html: str, page: str, root: str) -> str:
    """``html`` written for the page at ``page`` (its links relative to it), with each
    link into the site written as ``root`` + its address from the site root."""
    from bs4 import BeautifulSoup  # here, not at the top: most builds have no notice to rebase

    soup = BeautifulSoup(html, "html.parser")
    for tag, attribute in LINK_ATTRIBUTES.items():
        for node in soup.find_all(tag, attrs={attribute: True}):
            resolved = urljoin(SITE_ROOT + page, node[attribute])
            node[attribute] = root + resolved[len(SITE_ROOT):] if resolved.startswith(SITE_ROOT) else resolved
    return str(soup)
