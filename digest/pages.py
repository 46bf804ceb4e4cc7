"""plan_pages(site): the list of HTML pages to make, each with its data.

Pure: nothing here reads or writes files. Each :class:`Page` says where it
goes, which template lays it out, and what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .calendar import place_calendar_link, timeline_calendar_link
from .i18n import page_texts
from .search import bundle_urls
from .site import Group, Site, month_key, month_name
from .urls import feed_file, folder, page_file, page_url


@dataclass(frozen=True)
class Page:
    dest: str  # path in the output folder, e.g. articles/yima/index.html
    template: str
    title: str
    data: dict = field(default_factory=dict)
    in_sitemap: bool = True

    @property
    def url(self) -> str:
        """The page's URL relative to the site root: ``articles/yima/``."""
        return self.dest.removesuffix("index.html")

    @property
    def root(self) -> str:
        """The relative way back to the site root from this page: ``../../``."""
        return "../" * self.dest.count("/")


def plan_pages(site: Site) -> list[Page]:
    pages = front_pages(site)
    pages += [article_page(site, article) for article in site.articles]
    texts = page_texts(site.config.language)
    pages += group_pages(site, site.places, "place", texts.gettext("Places"))
    pages += group_pages(site, site.tags, "tag", texts.gettext("Tags"))
    pages += group_pages(site, site.months, "month", texts.gettext("Archive"))
    pages += group_pages(site, site.authors, "author", texts.gettext("Authors"))
    pages.append(Page(page_file(page_url("timeline")), "timeline.html", texts.gettext("Timeline"), {
        "months": timeline_months(site), "calendar": timeline_calendar_link(site.config),
        "feed": feed_file(page_url("timeline"))}))
    pages.append(Page(page_file(page_url("search")), "search.html", texts.gettext("Search"),
                      {"search_bundles": bundle_urls(site.articles)}))
    pages.append(Page("404.html", "404.html", texts.gettext("Page not found"), in_sitemap=False))
    return pages


@dataclass(frozen=True)
class Pagination:
    """Where one page of a paginated list stands, and the addresses of its neighbours."""

    number: int  # 1 for the first page
    count: int
    newer: str | None  # the address of the page before (newer reports), None on the first
    older: str | None  # the address of the page after, None on the last


def paginate(articles: tuple, url: str, size: int) -> list[tuple[str, tuple, Pagination]]:
    """A list of reports cut into pages of ``size``: the first at ``url``, the others
    at ``url`` + ``page/2/``, ...: (its address, its reports, where it stands) each."""
    chunks = [articles[i:i + size] for i in range(0, len(articles), size)] or [()]
    urls = [url] + [f"{url}page/{n}/" for n in range(2, len(chunks) + 1)]
    return [(urls[index], chunk, Pagination(index + 1, len(chunks), urls[index - 1] if index else None,
                                            urls[index + 1] if index + 1 < len(chunks) else None))
            for index, chunk in enumerate(chunks)]


def lead_report(site: Site):
    """The report the front page leads with, its photo large: the newest marked
    ``featured: true``, else the newest with a photo; None if none has one."""
    featured = next((a for a in site.articles if a.featured), None)
    return featured or next((a for a in site.articles if a.photos), None)


def front_pages(site: Site) -> list[Page]:
    """The front page, paginated: index.html, page/2/index.html, ...; the first
    leads with :func:`lead_report`, taken out of its list."""
    lead = lead_report(site)
    texts = page_texts(site.config.language)
    pages = []
    for url, chunk, pagination in paginate(site.articles, "", site.config.per_page):
        first = pagination.number == 1
        title = site.config.title if first else texts.gettext("Page {number}").format(number=pagination.number)
        pages.append(Page(page_file(url), "index.html", title, {
            "lead": lead if first else None,
            "articles": tuple(a for a in chunk if not (first and a is lead)),
            "latest_events": site.events[-5:][::-1],
            "pagination": pagination,
        }))
    return pages


def article_page(site: Site, article) -> Page:
    older, newer = site.neighbours(article)
    return Page(article.url + "index.html", "article.html", article.title, {
        "article": article,
        "place": site.place_of(article),
        "tags": site.tag_groups(article),
        "events": site.events_by_article.get(article.slug, ()),
        "older": older,
        "newer": newer,
        "same_place": site.same_place(article),
    })


def group_pages(site: Site, groups: dict[str, Group], kind: str, label: str) -> list[Page]:
    """An index of all groups, and the pages of each group, paginated as the front
    page is; a place's events and calendar stand on its first page."""
    texts = page_texts(site.config.language)
    pages = [Page(page_file(page_url(kind)), "groups.html", label,
                  {"groups": list(groups.values()), "folder": folder(kind)})]
    for group in groups.values():
        for url, chunk, pagination in paginate(group.articles, group.url, site.config.per_page):
            first = pagination.number == 1
            title = texts.gettext("{label}: {name}").format(label=label, name=group.name)
            if not first:
                title += " · " + texts.gettext("Page {number}").format(number=pagination.number)
            pages.append(Page(page_file(url), "group.html", title, {
                "group": group,
                "articles": chunk,
                "pagination": pagination,
                "events": group.events if first else (),
                "label": label,
                "feed": feed_file(group.url) if group.kind in ("place", "tag") else None,
                "calendar": place_calendar_link(site, group) if first else None,
            }))
    return pages


@dataclass(frozen=True)
class TimelineMonth:
    """One month of the timeline under its heading: its events by day, oldest first."""

    key: str  # 2020-01: the heading's anchor
    name: str  # 2020年1月, January 2020
    days: list  # [(date, [event, ...]), ...]


def timeline_months(site: Site) -> list[TimelineMonth]:
    """Events grouped by month, then by day, oldest first (the contract's order)."""
    months: dict = {}
    for event in site.events:
        months.setdefault(month_key(event.date), {}).setdefault(event.date.date(), []).append(event)
    language = site.config.language
    return [TimelineMonth(key, month_name(key, language), list(days.items())) for key, days in months.items()]
