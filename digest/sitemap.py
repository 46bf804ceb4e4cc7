"""What search engines read: ``sitemap.xml`` (every page) and ``robots.txt``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .cache import short_hash
from .config import SiteConfig
from .outputs import BYTES, TEMPLATE, Output
from .site import Site

RETRACTED_PRIORITY = "0.1"  # a withdrawn report keeps its address (and its notice), ranked last


@dataclass(frozen=True)
class SitemapEntries:
    """The sitemap's entries, made as the sitemap is laid out: a build that keeps it
    (most edits) need not make one for each page only to sign them (166,000 at
    100,000 reports)."""

    config: SiteConfig  # whose base makes each address absolute
    page_urls: tuple[str, ...]
    modified: dict[str, str]  # article URL -> the date it last changed for its readers
    retracted: frozenset[str]  # the URLs of withdrawn reports

    def __iter__(self) -> Iterator[dict]:
        absolute_url = self.config.absolute_url
        for url in self.page_urls:
            yield {"loc": absolute_url(url), "lastmod": self.modified.get(url),
                   "priority": RETRACTED_PRIORITY if url in self.retracted else None}


def sitemap_output(site: Site, page_urls: list[str], base: str) -> Output:
    """The sitemap: every page's absolute URL, with the last change of the articles;
    a retracted report stays listed, so that search engines see its notice, at the
    lowest priority. Signed by what its entries are made of and ``base`` (the engine,
    templates, site.yaml and options: :class:`digest.changes.Signer`), so an unchanged
    one is not laid out again."""
    modified = {a.url: a.modified.date().isoformat() for a in (*site.articles, *site.retracted)}
    retracted = frozenset(a.url for a in site.retracted)
    entries = SitemapEntries(site.config, tuple(page_urls), modified, retracted)
    signature = short_hash(base, "sitemap", "\n".join(page_urls), repr(modified), repr(sorted(retracted)))
    return Output("sitemap.xml", TEMPLATE, ("sitemap.xml", {"entries": entries}), signature)


def robots_output(site: Site) -> Output:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
    return Output("robots.txt", BYTES, text.encode("utf-8"))
