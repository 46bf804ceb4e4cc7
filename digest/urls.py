"""Where things live in the built site: the one table of its folders.

Every address the build makes starts from here, so a folder is renamed in one
place. Addresses are relative to the site root and end in ``/`` for a page
(``articles/yima/``); a page's file is that address plus ``index.html``.
"""

from __future__ import annotations

FOLDERS = {
    "article": "articles",
    "place": "places",
    "tag": "tags",
    "month": "archive",
    "author": "authors",
    "timeline": "timeline",
    "search": "search",
    "corrections": "corrections",  # corrections and retractions
    "search_bundles": "pagefind",  # Pagefind's index, a bundle per shard
    "static": "static",  # the theme's static files
}


def folder(kind: str) -> str:
    """The site's folder for one kind of page or file: ``folder("place") == "places"``."""
    return FOLDERS[kind]


def page_url(kind: str, slug: str = "") -> str:
    """The address of a page: ``page_url("place", "yi-ma-xiang") == "places/yi-ma-xiang/"``;
    without a slug, the kind's own index (``places/``)."""
    return f"{FOLDERS[kind]}/{slug}/" if slug else f"{FOLDERS[kind]}/"


def page_file(url: str) -> str:
    """The file that answers a page's address: ``articles/yima/`` → ``articles/yima/index.html``."""
    return url + "index.html"


def feed_file(url: str) -> str:
    """The RSS feed beside a page: ``places/yi-ma-xiang/`` → ``places/yi-ma-xiang/feed.xml``."""
    return url + "feed.xml"
