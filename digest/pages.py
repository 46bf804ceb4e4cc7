"""plan_pages(site): the list of HTML pages to make, each with its data.

Pure: nothing here reads or writes files. Each :class:`Page` says where it
goes, which template lays it out, and what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .calendar import place_calendar_link, timeline_calendar_link
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
    pages += group_pages(site, site.places, "place", "地点")
    pages += group_pages(site, site.tags, "tag", "标签")
    pages += group_pages(site, site.months, "month", "归档")
    pages.append(Page(page_file(page_url("timeline")), "timeline.html", "时间线", {
        "months": timeline_months(site), "calendar": timeline_calendar_link(site.config)}))
    pages.append(Page(page_file(page_url("search")), "search.html", "搜索", {"search_bundles": bundle_urls(site.articles)}))
    pages.append(Page("404.html", "404.html", "页面不存在", in_sitemap=False))
    return pages


def front_pages(site: Site) -> list[Page]:
    """The front page, paginated: index.html, page/2/index.html, ..."""
    size = site.config.per_page
    chunks = [site.articles[i:i + size] for i in range(0, len(site.articles), size)] or [()]
    dests = ["index.html"] + [f"page/{n}/index.html" for n in range(2, len(chunks) + 1)]
    pages = []
    for number, (dest, chunk) in enumerate(zip(dests, chunks), start=1):
        pages.append(Page(dest, "index.html", site.config.title if number == 1 else f"第 {number} 页", {
            "articles": chunk,
            "latest_events": site.events[-5:][::-1],
            "pagination": {
                "number": number,
                "count": len(chunks),
                "newer": dests[number - 2].removesuffix("index.html") if number > 1 else None,
                "older": dests[number].removesuffix("index.html") if number < len(chunks) else None,
            },
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
    """An index of all groups, and one page per group."""
    pages = [Page(page_file(page_url(kind)), "groups.html", label,
                  {"groups": list(groups.values()), "folder": folder(kind)})]
    for group in groups.values():
        pages.append(Page(group.url + "index.html", "group.html", f"{label}：{group.name}", {
            "group": group,
            "label": label,
            "feed": feed_file(group.url) if group.kind in ("place", "tag") else None,
            "calendar": place_calendar_link(site, group),
        }))
    return pages


@dataclass(frozen=True)
class TimelineMonth:
    """One month of the timeline under its heading: its events by day, oldest first."""

    key: str  # 2020-01: the heading's anchor
    name: str  # 2020年1月
    days: list  # [(date, [event, ...]), ...]


def timeline_months(site: Site) -> list[TimelineMonth]:
    """Events grouped by month, then by day, oldest first (the contract's order)."""
    months: dict = {}
    for event in site.events:
        months.setdefault(month_key(event.date), {}).setdefault(event.date.date(), []).append(event)
    return [TimelineMonth(key, month_name(key), list(days.items())) for key, days in months.items()]
