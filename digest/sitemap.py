"""What search engines read: ``sitemap.xml`` (every page) and ``robots.txt``."""

from __future__ import annotations

from .cache import short_hash
from .outputs import BYTES, TEMPLATE, Output
from .site import Site

RETRACTED_PRIORITY = "0.1"  # a withdrawn report keeps its address (and its notice), ranked last


def sitemap_output(site: Site, page_urls: list[str], base: str) -> Output:
    """The sitemap: every page's absolute URL, with the last change of the articles;
    a retracted report stays listed, so that search engines see its notice, at the
    lowest priority. Signed by its entries and ``base`` (the engine, templates, site.yaml
    and options: :class:`digest.changes.Signer`), so an unchanged one is not laid out again."""
    modified = {a.url: a.modified.date().isoformat() for a in (*site.articles, *site.retracted)}
    retracted = {a.url for a in site.retracted}
    entries = [{"loc": site.config.absolute_url(url), "lastmod": modified.get(url),
                "priority": RETRACTED_PRIORITY if url in retracted else None} for url in page_urls]
    signature = short_hash(base, "sitemap", repr([tuple(entry.values()) for entry in entries]))
    return Output("sitemap.xml", TEMPLATE, ("sitemap.xml", {"entries": entries}), signature)


def robots_output(site: Site) -> Output:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
    return Output("robots.txt", BYTES, text.encode("utf-8"))
