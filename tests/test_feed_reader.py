"""A real feed reader subscribes to the built feeds: newsboat, from Debian.

newsboat fetches each feed from a local web server (``newsboat -x reload``, with a
urls file, a config and a cache of its own) and keeps what it will show in its
SQLite cache: the feed's title and website, each item's title, author and date.
Those must be what the item's page shows. Like the browser tests, these fail
rather than skip when the program is missing.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from conftest import article_text, run_build, serving, write_content

NEWSBOAT = "/usr/bin/newsboat"
BASE_URL = "https://example.cn/digest/"
TZ = ZoneInfo("Asia/Shanghai")
SITE_AUTHOR = "融媒体中心"
SITE = f"title: 测试站\nbase_url: {BASE_URL}\ntimezone: Asia/Shanghai\nauthor: {SITE_AUTHOR}\n"
REPORTS = {  # two authors, markup-like text in a title, one author and an update, no author
    "2020-01-30-a.md": article_text(title="'驿马乡 & <设卡> \"值守\" <b>粗</b>'", date="2020-01-30 09:00",
                                    author="[张世川, 张丽]", place="驿马乡", tags="[疫情防控]"),
    "2020-01-31-b.md": article_text(title="下栅村：党员摸排", date="2020-01-31", author="张丽", place="驿马乡",
                                    updated="2020-02-02 08:00"),
    "2020-02-01-c.md": article_text(title="全市动态", date="2020-02-01 10:30", tags="[疫情防控]"),
}
TIMELINE = """\
- date: 2020-01-26
  title: 启动一级响应 <i>急</i>
  place: 驿马乡
  article: a
- date: 2020-01-30 15:00
  title: 卡口值守
"""
FEEDS = ["feed.xml", "atom.xml", "places/yi-ma-xiang/feed.xml", "tags/yi-qing-fang-kong/feed.xml",
         "timeline/feed.xml"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reader")
    content = write_content(root, REPORTS, timeline=TIMELINE, site=SITE)
    result = run_build("--content", str(content), "--output", str(root / "output"))
    assert result.returncode == 0, result.stderr
    return root / "output"


@pytest.fixture(scope="module")
def read_by_newsboat(built, tmp_path_factory) -> dict[str, tuple]:
    """Each feed as newsboat read it: (feed title, website, items newest first)."""
    home = tmp_path_factory.mktemp("newsboat")
    with serving(built) as site_url:
        return {dest: newsboat_reads(site_url + dest, home / dest.replace("/", "-")) for dest in FEEDS}


def newsboat_reads(url: str, home: Path) -> tuple[str, str, list[tuple]]:
    """Subscribe newsboat to ``url`` alone (it keeps one item per guid across its
    feeds), reload, and read back what it stored."""
    home.mkdir()
    (home / "urls").write_text(url + "\n", encoding="utf-8")
    (home / "config").write_text("", encoding="utf-8")
    cache = home / "cache.db"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    result = subprocess.run([NEWSBOAT, "-u", str(home / "urls"), "-C", str(home / "config"), "-c", str(cache),
                             "-x", "reload"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(cache)) as db:
        title, website = db.execute("SELECT title, url FROM rss_feed").fetchone()
        items = db.execute("SELECT title, author, pubDate, url FROM rss_item ORDER BY pubDate DESC, id").fetchall()
    return title, website, items


def page_of(built: Path, url: str) -> BeautifulSoup:
    """The built page at the absolute ``url`` (its fragment left off)."""
    assert url.startswith(BASE_URL), url
    path = url.removeprefix(BASE_URL).partition("#")[0]
    return BeautifulSoup((built / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def as_page_shows(built: Path, url: str) -> tuple[str, str, int]:
    """A report's title, byline and date as its page shows them; an unsigned
    report is by the site's author in feeds, since a feed entry must name one."""
    header = page_of(built, url).select_one("article.report header")
    byline = header.select_one(".byline")
    date = datetime.fromisoformat(header.select_one(".meta time[datetime]")["datetime"])
    return header.h1.get_text(), byline.get_text() if byline else SITE_AUTHOR, int(date.timestamp())


@pytest.mark.parametrize("dest", FEEDS[:4])
def test_newsboat_shows_each_report_as_its_page_does(built, read_by_newsboat, dest):
    _, _, items = read_by_newsboat[dest]
    expected = {"feed.xml": 3, "atom.xml": 3, "places/yi-ma-xiang/feed.xml": 2, "tags/yi-qing-fang-kong/feed.xml": 2}
    assert len(items) == expected[dest]
    for title, author, moment, url in items:
        assert (title, author, moment) == as_page_shows(built, url), url
    authors = {url.rstrip("/").rsplit("/", 1)[1]: author for _, author, _, url in items}
    if "a" in authors:
        assert authors["a"] == "张世川、张丽"  # both names, as the byline reads, not only the last


@pytest.mark.parametrize("dest", FEEDS)
def test_newsboat_opens_the_feeds_page_as_its_website(built, read_by_newsboat, dest):
    title, website, _ = read_by_newsboat[dest]
    feeds = {urljoin(website, link["href"]) for link in page_of(built, website).find_all("link", rel="alternate")}
    assert BASE_URL + dest in feeds  # the page the reader opens advertises this very feed
    assert title.startswith("测试站")


def test_newsboat_shows_the_timeline_events_at_their_anchors(built, read_by_newsboat):
    _, _, items = read_by_newsboat["timeline/feed.xml"]
    assert [title for title, *_ in items] == ["卡口值守", "启动一级响应 <i>急</i>"]
    timeline = page_of(built, BASE_URL + "timeline/")
    for title, _, moment, url in items:
        event = timeline.find(id=url.partition("#")[2])
        assert event is not None and title in event.select_one(".event-title").get_text(), url
        clock = event.select_one("time.clock")  # shown for an event with a time of day
        if clock:
            assert moment == datetime.fromisoformat(clock["datetime"]).timestamp()
        day = event.find_parent(class_="day").find("time")["datetime"]
        assert datetime.fromtimestamp(moment, TZ).date().isoformat() == day
