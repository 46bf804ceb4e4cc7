"""Share cards and structured data: what a chat app or a search engine reads.

A report shared in a chat app should show its title, its summary and its
first photo, not a bare link; search engines read a JSON-LD ``NewsArticle``.
The data is built here in Python, so templates only print it, and JSON-LD is
made with :func:`json.dumps` and escaped for a ``<script>`` element, so no
title or summary can end the script early.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import partial

from markupsafe import Markup

from .calendar import event_url, plain_text
from .config import SiteConfig
from .content import Article, Event
from .corrections import retraction_notice
from .markdown import body_text
from .pages import Page
from .photos import LEAD_SIZES, PHOTO_SIZES, ResponsivePhoto
from .site import Site
from .urls import folder, page_url

PUBLISHER_LOGO = folder("static") + "/icon-512.png"
PUBLISHER_LOGO_SIZE = 512
SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class ShareImage:
    url: str  # absolute
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class ShareCard:
    """The Open Graph / Twitter card of one page, and its JSON-LD."""

    title: str
    description: str
    url: str  # the canonical, absolute URL
    kind: str  # og:type: "article" or "website"
    site_name: str
    locale: str  # og:locale: zh_CN
    image: ShareImage | None = None
    published: str = ""  # ISO 8601 with the site's offset
    modified: str = ""
    section: str = ""  # the place
    tags: tuple[str, ...] = ()
    json_ld: Markup = Markup("")

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


def template_helpers(site: Site, photos: dict[str, ResponsivePhoto]) -> dict[str, object]:
    """The names templates use for photos and share cards."""
    return {
        "photos": photos,
        "photo_sizes": PHOTO_SIZES,  # the width a photo is shown at, as body images use it too
        "lead_sizes": LEAD_SIZES,  # the width of the front page's lead photo
        "share_card": partial(share_card, site, photos),
    }


def share_card(site: Site, photos: dict[str, ResponsivePhoto], page: Page) -> ShareCard:
    """The card of any page: an article's own, else the site's."""
    article = page.data.get("article")
    if isinstance(article, Article):
        return article_card(site.config, photos, page, article)
    config = site.config
    card = ShareCard(
        title=page.title,
        description=config.description or config.title,
        url=config.absolute_url(page.url),
        kind="website",
        site_name=config.title,
        locale=og_locale(config.language),
    )
    if page.dest == "index.html":
        return _with_json_ld(card, website_data(config))
    if page.url == page_url("timeline") and site.events:
        return _with_json_ld(card, timeline_data(site))
    return card


def article_card(config: SiteConfig, photos: dict[str, ResponsivePhoto], page: Page, article: Article) -> ShareCard:
    card = ShareCard(
        title=article.title,
        description=retraction_notice(article, config.language) if article.retracted else article.summary,
        url=config.absolute_url(page.url),
        kind="article",
        site_name=config.title,
        locale=og_locale(config.language),
        image=None if article.retracted else first_image(config, photos, article),  # its photos are withdrawn too
        published=article.date.isoformat(),
        modified=article.modified.isoformat(),
        section=article.place,
        tags=article.tags,
    )
    return _with_json_ld(card, news_article_data(config, card, article))


def first_image(config: SiteConfig, photos: dict[str, ResponsivePhoto], article: Article) -> ShareImage | None:
    """The first photo's largest JPEG: every chat app can show a JPEG."""
    if not article.photos:
        return None
    photo = article.photos[0]
    rendition = photos[photo.src].largest_jpeg
    return ShareImage(config.absolute_url(rendition.href), rendition.width, rendition.height, photo.caption)


def news_article_data(config: SiteConfig, card: ShareCard, article: Article) -> dict:
    publisher = publisher_data(config)
    authors = [{"@type": "Person", "name": name} for name in article.authors] or [publisher]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": card.description,
        "datePublished": card.published,
        "dateModified": card.modified,
        "author": authors,
        "publisher": publisher,
        "mainEntityOfPage": {"@type": "WebPage", "@id": card.url},
        "url": card.url,
        "inLanguage": config.language,
    }
    if card.image:
        data["image"] = [card.image.url]
    if article.place:
        data["contentLocation"] = {"@type": "Place", "name": article.place}
    if article.tags:
        data["keywords"] = list(article.tags)
    if article.corrections or article.retracted:
        data["correction"] = correction_data(article, config.language)
    return data


def correction_data(article: Article, language: str) -> list[dict]:
    """schema.org's ``correction``: a CorrectionComment per note, oldest first; a
    retraction is the last one, its text the notice and the reason."""
    notes = [(correction.date, body_text(correction.note_html).visible.strip()) for correction in article.corrections]
    if article.retracted:
        notes.append((article.retracted.date, retraction_notice(article, language)))
    return [{"@type": "CorrectionComment", "text": text, "datePublished": moment.isoformat()} for moment, text in notes]


def publisher_data(config: SiteConfig) -> dict:
    """The organisation behind the site: site.yaml's publisher, else its author or title."""
    name = str(config.extra.get("publisher") or config.author or config.title)
    return {
        "@type": "Organization",
        "name": name,
        "url": config.base_url,
        "logo": {
            "@type": "ImageObject",
            "url": config.absolute_url(PUBLISHER_LOGO),
            "width": PUBLISHER_LOGO_SIZE,
            "height": PUBLISHER_LOGO_SIZE,
        },
    }


def website_data(config: SiteConfig) -> dict:
    """The front page: the site, and how to search it (``search/?q=``)."""
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title,
        "description": config.description,
        "url": config.base_url,
        "inLanguage": config.language,
        "publisher": publisher_data(config),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": config.absolute_url(page_url("search")) + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def timeline_data(site: Site) -> dict:
    """The timeline page: a schema.org ``Event`` for each of its events."""
    return {"@context": "https://schema.org", "@graph": [event_data(site, event) for event in site.events]}


def event_data(site: Site, event: Event) -> dict:
    config = site.config
    data = {
        "@type": "Event",
        "@id": event_url(config, event),
        "name": event.title,
        "startDate": event.date.isoformat(),
        "url": event_url(config, event),
        "inLanguage": config.language,
    }
    if event.place:
        data["location"] = {"@type": "Place", "name": event.place}
        if site.place_url(event.place):
            data["location"]["url"] = config.absolute_url(site.place_url(event.place))
    if event.detail_html:
        data["description"] = plain_text(event.detail_html)
    return data


def og_locale(language: str) -> str:
    """``zh-CN`` → ``zh_CN``, as Open Graph writes locales."""
    return language.replace("-", "_")


def json_for_script(data: dict) -> str:
    """JSON that cannot close or confuse the ``<script>`` element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _with_json_ld(card: ShareCard, data: dict) -> ShareCard:
    script = Markup('<script type="application/ld+json">{}</script>').format(Markup(json_for_script(data)))
    return replace(card, json_ld=script)
