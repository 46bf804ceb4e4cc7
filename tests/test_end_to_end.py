"""An end-to-end build of the sample site, read as a reader would read it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from conftest import SAMPLE_CONTENT, run_build


def soup_of(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def test_contract_paths_exist(sample_site):
    for path in ["index.html", "timeline/index.html", "feed.xml", "atom.xml", "sitemap.xml",
                 "404.html", "search/index.html", "robots.txt", "places/index.html",
                 "tags/index.html", "archive/index.html"]:
        assert (sample_site / path).is_file(), path
    slugs = {p.parent.name for p in (sample_site / "articles").glob("*/index.html")}
    assert slugs == {"yima", "chongwen", "xiazha", "zhupu", "xiaoyi-overview"}


def test_the_site_icon_is_also_where_browsers_look_without_being_told(sample_site):
    assert (sample_site / "favicon.ico").read_bytes() == (sample_site / "static/favicon.ico").read_bytes()


def test_every_page_declares_language_and_links_the_feeds(sample_site):
    for page in sample_site.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.html["lang"] == "zh-CN", page
        types = {link["type"] for link in soup.find_all("link", rel="alternate")}
        assert {"application/rss+xml", "application/atom+xml"} <= types, page


def test_place_tag_and_timeline_pages_advertise_their_own_feed(sample_site):
    pages = [*sample_site.glob("places/*/index.html"), *sample_site.glob("tags/*/index.html"),
             sample_site / "timeline/index.html"]
    assert len(pages) > 5
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        feeds = {link["href"] for link in soup.find_all("link", rel="alternate", type="application/rss+xml")}
        own = page.parent.relative_to(sample_site).as_posix() + "/feed.xml"
        assert "../" * own.count("/") + own in feeds, page
        assert (sample_site / own).is_file()


def test_the_timeline_feed_leads_to_each_events_anchor(sample_site):
    items = ET.fromstring((sample_site / "timeline/feed.xml").read_bytes()).findall("channel/item")
    anchors = {node["id"] for node in soup_of(sample_site, "timeline/index.html").find_all(id=True)}
    links = [item.findtext("link") for item in items]
    assert len(links) == len(yaml.safe_load((SAMPLE_CONTENT / "timeline.yaml").read_text(encoding="utf-8")))
    for link in links:
        page, _, anchor = link.partition("#")
        assert page == "https://example.cn/digest/timeline/" and anchor in anchors, link


def test_article_page_shows_what_a_reader_needs(sample_site):
    soup = soup_of(sample_site, "articles/yima/index.html")
    report = soup.find("article")
    assert report.h1.get_text(strip=True).startswith("驿马乡")
    assert "2020年1月30日" in report.find("time").get_text()
    assert "张世川" in report.get_text()
    place_link = report.find("a", string="驿马乡")
    assert place_link and (sample_site / "articles/yima" / place_link["href"] / "index.html").resolve().is_file()
    tag_links = [a["href"] for a in report.select(".tags a")]
    assert tag_links and all((sample_site / "articles/yima" / href / "index.html").resolve().is_file() for href in tag_links)
    assert "赵泉" in report.find("figcaption").get_text()
    assert soup.select_one(".related-events li"), "timeline events that link to the report"
    assert soup.select_one(".neighbours a")


def test_relative_markdown_links_become_article_urls(sample_site):
    soup = soup_of(sample_site, "articles/xiaoyi-overview/index.html")
    hrefs = [a["href"] for a in soup.select(".body a[href]")]
    assert "../yima/" in {href.replace("../../articles/", "../") for href in hrefs}
    assert not any(href.endswith(".md") for href in hrefs)


def test_front_page_lists_newest_first_with_summaries(sample_site):
    soup = soup_of(sample_site, "index.html")
    lead = soup.select_one(".lead")
    assert lead.h2.a["href"] == "articles/xiaoyi-overview/"  # the newest with a photo, the photo large
    assert lead.select_one(".lead-photo img")["fetchpriority"] == "high"
    items = soup.select(".article-list > li")
    assert len(items) == 4
    thumbs = soup.select(".article-list .thumb img")
    assert [img["loading"] for img in thumbs] == ["lazy"] and thumbs[0]["width"] and thumbs[0]["height"]
    times = [li.find("time")["datetime"] for li in items]
    assert times == sorted(times, reverse=True)
    assert all(li.select_one(".summary").get_text(strip=True) for li in items)
    assert soup.select(".side-timeline li")


def test_timeline_is_oldest_first_and_linked(sample_site):
    soup = soup_of(sample_site, "timeline/index.html")
    days = [t["datetime"] for t in soup.select(".day > h3 > time")]
    assert days == sorted(days) and days[0] == "2020-01-14"
    assert [h2["id"] for h2 in soup.select(".month > h2")] == ["2020-01", "2020-02"]
    assert [a["href"] for a in soup.select(".months a")] == ["#2020-01", "#2020-02"]
    assert "14:00" in soup.get_text()
    links = {a["href"] for a in soup.select(".event a")}
    assert "../articles/yima/" in links and "../places/yi-ma-xiang/" in links
    events = soup.select("li.event")
    assert events and len({li["id"] for li in events}) == len(events)


def test_events_link_to_their_anchor_from_the_front_page_and_show_on_their_place_page(sample_site):
    anchors = {li["id"] for li in soup_of(sample_site, "timeline/index.html").select("li.event")}
    latest = soup_of(sample_site, "index.html").select(".side-timeline .event-date")
    assert latest and all(a["href"].removeprefix("timeline/#") in anchors for a in latest)
    place = soup_of(sample_site, "places/yi-ma-xiang/index.html")
    assert "驿马乡走访的武汉返乡人员以此日为起算点" in place.select_one(".place-events").get_text()


def test_not_found_page_works_at_any_depth(sample_site):
    soup = soup_of(sample_site, "404.html")
    assert soup.find("link", rel="stylesheet")["href"] == "/digest/static/style.css"


def test_base_url_option_overrides_site_yaml(tmp_path):
    output = tmp_path / "out"
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output),
                       "--base-url", "https://news.example.org/xy")
    assert result.returncode == 0, result.stderr
    feed = (output / "feed.xml").read_text(encoding="utf-8")
    assert "https://news.example.org/xy/articles/yima/" in feed
    assert "example.cn" not in feed


def test_missing_content_folder_is_a_command_line_error(tmp_path):
    result = run_build("--content", str(tmp_path / "nothing"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "out").exists()


def test_runs_from_another_directory(tmp_path):
    (tmp_path / "content").symlink_to(SAMPLE_CONTENT)
    result = run_build(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output" / "index.html").is_file()


def test_bylines_link_to_author_pages_and_dates_come_with_a_reading_time(sample_site):
    soup = soup_of(sample_site, "articles/yima/index.html")
    byline = soup.select_one(".report .byline a")
    assert byline.get_text() == "张世川" and byline["href"] == "../../authors/zhang-shi-chuan/"
    assert re.fullmatch(r"阅读约 \d+ 分钟", soup.select_one(".report .meta .reading").get_text())
    author = soup_of(sample_site, "authors/zhang-shi-chuan/index.html")
    assert [a["href"] for a in author.select(".article-list h2 a")] == ["../../articles/yima/"]
    assert author.select_one(".article-list .reading")
    sitemap = (sample_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.cn/digest/authors/zhang-shi-chuan/" in sitemap


def test_the_search_page_has_one_search_box_and_other_pages_the_masthead_s(sample_site):
    assert len(soup_of(sample_site, "search/index.html").select("input[type=search]")) == 1
    assert len(soup_of(sample_site, "index.html").select(".masthead input[type=search]")) == 1
