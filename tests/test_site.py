"""The Site model: ordering, indexes and neighbours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from digest.config import SiteConfig
from digest.content import Article, Event
from digest.site import Site

TZ = ZoneInfo("Asia/Shanghai")


def article(slug, day, place="", tags=(), draft=False):
    return Article(source=f"articles/{slug}.md", slug=slug, title=slug, date=datetime(2020, 1, day, tzinfo=TZ),
                   place=place, tags=tuple(tags), draft=draft)


def make_site(*articles, events=()):
    return Site.create(SiteConfig(), list(articles), list(events), datetime(2020, 3, 1, tzinfo=TZ))


def test_articles_newest_first_and_neighbours():
    site = make_site(article("a", 1), article("c", 3), article("b", 2))
    assert [a.slug for a in site.articles] == ["c", "b", "a"]
    older, newer = site.neighbours(site.by_slug["b"])
    assert (older.slug, newer.slug) == ("a", "c")
    assert site.neighbours(site.by_slug["c"])[1] is None


def test_places_and_tags_get_unique_pinyin_slugs():
    site = make_site(article("a", 1, "驿马乡", ["疫情防控"]), article("b", 2, "驿马乡"), article("c", 3, "下栅村"))
    assert site.places["驿马乡"].url == "places/yi-ma-xiang/"
    assert [a.slug for a in site.places["驿马乡"].articles] == ["b", "a"]
    assert list(site.places) == ["驿马乡", "下栅村"], "biggest first"
    assert site.tags["疫情防控"].url == "tags/yi-qing-fang-kong/"
    assert [a.slug for a in site.same_place(site.by_slug["a"])] == ["b"]


def test_groups_whose_pinyin_collides_stay_apart():
    site = make_site(article("a", 1, "石村"), article("b", 2, "十村"))
    assert {g.slug for g in site.places.values()} == {"shi-cun", "shi-cun-2"}


def test_months_newest_first_and_events_oldest_first():
    events = [Event(datetime(2020, 1, 26, tzinfo=TZ), "二", 3, article="a"),
              Event(datetime(2020, 1, 22, tzinfo=TZ), "一", 1)]
    site = make_site(article("a", 1), events=events)
    assert [e.title for e in site.events] == ["一", "二"]
    assert site.events_by_article["a"][0].title == "二"
    assert list(site.months) == ["2020-01"] and site.months["2020-01"].name == "2020年1月"


def test_status_marks_drafts_and_scheduled_reports():
    later = Article(source="x.md", slug="x", title="x", date=datetime(2021, 1, 1, tzinfo=TZ))
    site = make_site(article("a", 1, draft=True), later, article("b", 2))
    assert [site.status_of(a) for a in site.articles] == ["定时发布", "", "草稿"]
    assert site.early == {"x.md": "定时发布", "articles/a.md": "草稿"}


def test_the_last_change_is_the_newest_date_updated_or_correction_of_any_report():
    from dataclasses import replace

    from digest.content import Correction

    def on(day):
        return datetime(2020, 1, day, tzinfo=TZ)

    reports = [article("a", 1), article("b", 2), article("c", 3)]
    assert make_site(*reports).last_change == on(3)
    assert make_site(replace(reports[0], updated=on(20)), *reports[1:]).last_change == on(20)
    assert make_site(replace(reports[1], corrections=(Correction(on(25), "更正"),)), reports[0], reports[2]
                     ).last_change == on(25)
    assert make_site().last_change is None


def test_a_place_holds_its_events_and_an_event_s_place_has_a_page_without_reports():
    events = [Event(datetime(2020, 1, 26, tzinfo=TZ), "卡口", 3, place="驿马乡"),
              Event(datetime(2020, 1, 22, tzinfo=TZ), "会议", 1, place="崇文街道")]
    site = make_site(article("a", 1, "驿马乡"), events=events)
    assert [e.title for e in site.places["驿马乡"].events] == ["卡口"]
    assert site.places["崇文街道"].articles == () and site.place_url("崇文街道") == "places/chong-wen-jie-dao/"


def test_each_author_of_a_byline_has_a_page():
    site = make_site(Article(source="a.md", slug="a", title="a", date=datetime(2020, 1, 1, tzinfo=TZ), authors=("张世川", "赵泉")),
                     Article(source="b.md", slug="b", title="b", date=datetime(2020, 1, 2, tzinfo=TZ), authors=("赵泉",)))
    assert site.author_url("赵泉") == "authors/zhao-quan/" and [a.slug for a in site.authors["赵泉"].articles] == ["b", "a"]
    assert site.author_url("张世川") == "authors/zhang-shi-chuan/" and site.author_url("无名") is None
