"""What search engines read: ``sitemap.xml`` (every page) and ``robots.txt``."""

from __future__ import annotations

from .outputs import BYTES, TEMPLATE, Output
from .site import Site


def sitemap_output(site: Site, page_urls: list[str]) -> Output:
    """The sitemap: every page's absolute URL, with the last change of the articles."""
    modified = {a.url: (a.updated or a.date).date().isoformat() for a in site.articles}
    entries = [{"loc": site.config.absolute_url(url), "lastmod": modified.get(url)} for url in page_urls]
    return Output("sitemap.xml", TEMPLATE, ("sitemap.xml", {"entries": entries}))


def robots_output(site: Site) -> Output:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
    return Output("robots.txt", BYTES, text.encode("utf-8"))
