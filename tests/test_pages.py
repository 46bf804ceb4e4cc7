"""plan_pages: which pages exist and where they go."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from digest.config import SiteConfig
from digest.content import Article, Event, Photo
from digest.pages import Page, lead_report, paginate, plan_pages, timeline_months
from digest.site import Site

TZ = ZoneInfo("Asia/Shanghai")


def make_site(count, per_page=10):
    articles = [Article(source=f"a{i}.md", slug=f"a{i}", title=f"t{i}", date=datetime(2020, 1, 1 + i % 28, i % 24, tzinfo=TZ),
                        place="驿马乡", tags=("疫情防控",)) for i in range(count)]
    return Site.create(SiteConfig(per_page=per_page), articles, [], datetime(2020, 3, 1, tzinfo=TZ))


def test_page_url_and_root():
    page = Page("articles/yima/index.html", "article.html", "t")
    assert (page.url, page.root) == ("articles/yima/", "../../")
    assert Page("index.html", "index.html", "t").root == ""


def test_every_kind_of_page_is_planned():
    dests = {page.dest for page in plan_pages(make_site(3))}
    assert {"index.html", "articles/a0/index.html", "places/index.html", "places/yi-ma-xiang/index.html",
            "tags/index.html", "tags/yi-qing-fang-kong/index.html", "archive/index.html",
            "archive/2020-01/index.html", "timeline/index.html", "search/index.html", "404.html"} <= dests


def test_front_page_is_paginated():
    pages = [p for p in plan_pages(make_site(25, per_page=10)) if p.template == "index.html"]
    assert [p.dest for p in pages] == ["index.html", "page/2/index.html", "page/3/index.html"]
    assert [len(p.data["articles"]) for p in pages] == [10, 10, 5]
    assert pages[1].data["pagination"].newer == "" and pages[1].data["pagination"].older == "page/3/"


def test_an_empty_site_still_has_a_front_page():
    pages = plan_pages(make_site(0))
    assert [p.dest for p in pages if p.template == "index.html"] == ["index.html"]


def test_the_timeline_is_grouped_by_month_then_day_oldest_first():
    events = [Event(datetime(2020, 2, 1, 9, tzinfo=TZ), "三", 3), Event(datetime(2020, 1, 22, tzinfo=TZ), "一", 1),
              Event(datetime(2020, 1, 22, 10, tzinfo=TZ), "二", 2)]
    site = Site.create(SiteConfig(), [], events, datetime(2020, 3, 1, tzinfo=TZ))
    months = timeline_months(site)
    assert [(m.key, m.name) for m in months] == [("2020-01", "2020年1月"), ("2020-02", "2020年2月")]
    assert [[e.title for e in events] for _, events in months[0].days] == [["一", "二"]]


def test_the_newest_report_with_a_photo_leads_unless_one_is_featured():
    def report(slug, day, photos=(), featured=False):
        return Article(source=f"{slug}.md", slug=slug, title=slug, date=datetime(2020, 1, day, tzinfo=TZ),
                       photos=tuple(Photo(src) for src in photos), featured=featured)
    plain, pictured, older = report("plain", 9), report("pictured", 8, ["m/a.jpg"]), report("older", 1, ["m/b.jpg"])
    site = Site.create(SiteConfig(per_page=2), [plain, pictured, older], [], datetime(2020, 3, 1, tzinfo=TZ))
    first, second = [p for p in plan_pages(site) if p.template == "index.html"]
    assert first.data["lead"].slug == "pictured" and [a.slug for a in first.data["articles"]] == ["plain"]
    assert second.data["lead"] is None and [a.slug for a in second.data["articles"]] == ["older"]
    featured = Site.create(SiteConfig(), [plain, pictured, replace(older, featured=True)], [], datetime(2020, 3, 1, tzinfo=TZ))
    assert lead_report(featured).slug == "older"
    assert lead_report(Site.create(SiteConfig(), [plain], [], datetime(2020, 3, 1, tzinfo=TZ))) is None


def test_paginate_gives_each_page_its_address_and_neighbours():
    pages = paginate(tuple(range(5)), "tags/x/", 2)
    assert [(url, chunk) for url, chunk, _ in pages] == [("tags/x/", (0, 1)), ("tags/x/page/2/", (2, 3)), ("tags/x/page/3/", (4,))]
    assert [(p.number, p.count, p.newer, p.older) for _, _, p in pages] == [
        (1, 3, None, "tags/x/page/2/"), (2, 3, "tags/x/", "tags/x/page/3/"), (3, 3, "tags/x/page/2/", None)]


def test_place_tag_month_and_author_pages_are_paginated_like_the_front_page():
    articles = [Article(source=f"a{i}.md", slug=f"a{i}", title=f"t{i}", date=datetime(2020, 1, 1 + i, tzinfo=TZ),
                        place="驿马乡", tags=("疫情防控",), authors=("张世川",)) for i in range(5)]
    site = Site.create(SiteConfig(per_page=2), articles, [], datetime(2020, 3, 1, tzinfo=TZ))
    dests = {p.dest: p for p in plan_pages(site)}
    for url in ("places/yi-ma-xiang/", "tags/yi-qing-fang-kong/", "archive/2020-01/", "authors/zhang-shi-chuan/"):
        assert {url + "index.html", url + "page/2/index.html", url + "page/3/index.html"} <= set(dests), url
        assert url + "page/4/index.html" not in dests
    second = dests["authors/zhang-shi-chuan/page/2/index.html"]
    assert [a.slug for a in second.data["articles"]] == ["a2", "a1"] and second.title == "作者：张世川 · 第 2 页"
    assert "authors/index.html" in dests
