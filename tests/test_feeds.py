"""Feeds: absolute URLs in content, one entry per article, feeds per place."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
from bs4 import BeautifulSoup

from digest.config import SiteConfig
from digest.content import Article, Body, Photo
from digest.feeds import absolute_html, site_feeds
from digest.photos import plan_renditions
from digest.site import Site

TZ = ZoneInfo("Asia/Shanghai")


def test_absolute_html_resolves_links_images_and_fragments():
    html = '<p><a href="../other/">x</a><a href="#fn:1">1</a><img src="../../media/a.jpg" alt=""><a href="https://x.org/">y</a></p>'
    result = absolute_html(html, "https://example.cn/digest/articles/yima/")
    assert 'href="https://example.cn/digest/articles/other/"' in result
    assert 'href="https://example.cn/digest/articles/yima/#fn:1"' in result
    assert 'src="https://example.cn/digest/media/a.jpg"' in result
    assert 'href="https://x.org/"' in result


def make_site():
    config = SiteConfig(title="摘编", base_url="https://example.cn/digest/", author="融媒体中心")
    articles = [
        Article(source="a.md", slug="a", title="甲 & <乙>", date=datetime(2020, 1, 30, 9, tzinfo=TZ),
                authors=("张世川", "张丽"), place="驿马乡", tags=("疫情防控",), summary="摘要",
                photos=(Photo("media/p.jpg", "卡口", "赵泉"),), rendered=Body(html="<p>正文<a href=\"#fn:1\">1</a></p>")),
        Article(source="b.md", slug="b", title="乙", date=datetime(2020, 2, 1, tzinfo=TZ), rendered=Body(html="<p>二</p>")),
    ]
    return Site.create(config, articles, [], datetime(2020, 3, 1, tzinfo=TZ))


PHOTOS = {"media/p.jpg": plan_renditions("media/p.jpg", 2000, 1500)}


def test_site_feeds_carry_every_entry_with_names_and_categories():
    files = {f.dest: f.data for f in site_feeds(make_site(), limit=50, photos=PHOTOS)}
    assert set(files) == {"feed.xml", "atom.xml", "places/yi-ma-xiang/feed.xml"}
    rss = feedparser.parse(files["feed.xml"])
    assert rss.bozo == 0
    assert [e.title for e in rss.entries] == ["乙", "甲 & <乙>"]
    first = rss.entries[1]
    assert first.link == "https://example.cn/digest/articles/a/"
    assert {t.term for t in first.tags} == {"驿马乡", "疫情防控"}
    assert {a.name for a in first.authors} == {"张世川", "张丽"}
    # the largest JPEG rendition, made without the camera's EXIF and GPS data, never the original
    image = BeautifulSoup(first.content[0].value, "html.parser").img
    assert (image["src"], image["width"], image["height"]) == ("https://example.cn/digest/media/p.1600w.jpg", "1600", "1200")
    assert b"Thu, 30 Jan 2020 09:00:00 +0800" in files["feed.xml"]
    atom = feedparser.parse(files["atom.xml"])
    assert atom.bozo == 0 and atom.version == "atom10"
    assert {a.name for a in atom.entries[1].authors} == {"张世川", "张丽"}
    assert b'<content type="html">' in files["atom.xml"]


def test_feed_limit_keeps_the_newest():
    files = {f.dest: f.data for f in site_feeds(make_site(), limit=1, photos=PHOTOS)}
    assert [e.title for e in feedparser.parse(files["feed.xml"]).entries] == ["乙"]
