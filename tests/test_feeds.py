"""Feeds: absolute URLs in content, one entry per article, feeds per place and tag and
of the timeline, the channel linked to its page, one author element per entry."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from bs4 import BeautifulSoup

from digest import feeds
from digest.config import SiteConfig
from digest.content import Article, Body, Event, Photo
from digest.feeds import absolute_html, absolute_html_by_soup, absolute_html_fast, site_feeds
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



BODY = ('<p>正文&amp;<a href="../other/#fn:1" class="footnote-ref">1</a>&nbsp;&lt;x&gt; &#x27;q&#x27;</p>\n\n'
        '<figure><picture><source type="image/webp" srcset="a-480.webp 480w, a-960.webp 960w" sizes="100vw">'
        '<img src="../../a-480.jpg" srcset="../../a-480.jpg 480w, ../../a-960.jpg 960w" sizes="100vw" width="960" '
        'height="720" loading="lazy" decoding="async" alt="卡口 &quot;A&quot; &amp; B"></picture>'
        '<figcaption>卡口<br></figcaption></figure>\n  \n<pre><code>  \n</code></pre>'
        '<iframe src="//player.example/1" allowfullscreen=""></iframe><p title="it\'s">x</p>')


def test_absolute_html_reads_nh3s_html_itself_as_beautifulsoup_would():
    url = "https://example.cn/digest/articles/yima/"
    fast = absolute_html_fast(BODY, url)
    assert fast is not None  # not left to BeautifulSoup
    assert fast == absolute_html_by_soup(BODY, url)
    assert '<img alt=\'卡口 "A" &amp; B\' height="720" src="https://example.cn/digest/a-960.jpg" width="960"/>' in fast


@pytest.mark.parametrize("html", [
    "<p>a<b>b</p></b>",  # not nested as written: BeautifulSoup closes the tags between
    "<p>open", "</p>", "<br/>", "<P>x</P>", "<p class='x'>x</p>", "<p>a &copy; b</p>", "<!-- x --><p>x</p>",
    "<script>a&amp;b</script>", '<p class="a  b">x</p>', "<iframe>a&amp;b</iframe>", "<p>a < b</p>",
    "<picture><source srcset=\"x\"></picture>", '<p id="a" id="b">x</p>',
])
def test_absolute_html_leaves_other_html_to_beautifulsoup(html):
    assert absolute_html_fast(html, "https://example.cn/") is None


HTML_TAGS = st.sampled_from(["p", "a", "img", "br", "pre", "picture", "source", "iframe", "span", "textarea", "ol"])
HTML_ATTRIBUTES = st.sampled_from(["href", "src", "srcset", "class", "alt", "title", "sizes", "rel", "loading", "id"])
HTML_VALUES = st.lists(st.sampled_from([*" a/.,:#?驿\t\n'\"<>&", "&amp;", "&quot;", "&#x27;", "&lt;", "&nbsp;", "../../",
                                        "480w", "https://x.org/", "//y/"]), max_size=8).map("".join)
HTML_TEXTS = st.lists(st.sampled_from([*" \n\t\r\x0c\xa0驿a<>\"'&", "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#39;",
                                       "&#x27;", "&copy;"]), max_size=6).map("".join)


@st.composite
def html_fragments(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if depth > 2 or draw(st.booleans()):
            parts.append(draw(HTML_TEXTS))
            continue
        tag = draw(HTML_TAGS)
        values = draw(st.dictionaries(HTML_ATTRIBUTES, HTML_VALUES, max_size=3))
        written = "".join(f' {key}="{value}"' for key, value in values.items())
        inner = "" if tag in ("img", "br", "source") else draw(html_fragments(depth=depth + 1)) + f"</{tag}>"
        parts.append(f"<{tag}{written}>{inner}")
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(html_fragments())
@example('<picture><img srcset=""></picture>')  # found by Hypothesis: both once raised IndexError
def test_absolute_html_reads_any_html_as_beautifulsoup_does(html):
    url = "https://example.cn/digest/articles/yima/"
    try:
        expected = absolute_html_by_soup(html, url)
    except (TypeError, KeyError, IndexError):  # a <picture> without an <img>, an <img> without srcset or an empty one
        expected = None
    fast = absolute_html_fast(html, url)
    assert fast is None or fast == expected


def test_the_fast_reader_follows_the_installed_beautifulsoups_rules():
    from bs4.builder import HTMLParserTreeBuilder as rules

    assert feeds.VOID == rules.DEFAULT_EMPTY_ELEMENT_TAGS
    assert feeds.KEEPS_WHITESPACE == rules.DEFAULT_PRESERVE_WHITESPACE_TAGS
    assert feeds.LIST_VALUED == rules.DEFAULT_CDATA_LIST_ATTRIBUTES
    assert feeds.STRING_CONTAINERS == set(rules.DEFAULT_STRING_CONTAINERS)


ATOM = "{http://www.w3.org/2005/Atom}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def make_site(config=None):
    config = config or SiteConfig(title="摘编", base_url="https://example.cn/digest/", author="融媒体中心")
    articles = [
        Article(source="a.md", slug="a", title="甲 & <乙>", date=datetime(2020, 1, 30, 9, tzinfo=TZ),
                authors=("张世川", "张丽"), place="驿马乡", tags=("疫情防控",), summary="摘要",
                photos=(Photo("media/p.jpg", "卡口", "赵泉"),), rendered=Body(html="<p>正文<a href=\"#fn:1\">1</a></p>")),
        Article(source="b.md", slug="b", title="乙", date=datetime(2020, 2, 1, tzinfo=TZ), rendered=Body(html="<p>二</p>")),
    ]
    events = [
        Event(datetime(2020, 1, 26, tzinfo=TZ), "启动一级响应", 1, "孝义市", "", '<p>见<a href="../articles/a/#fn:1">注</a></p>',
              "level-1"),
        Event(datetime(2020, 1, 30, 9, tzinfo=TZ), "驿马乡 <设卡> & 值守", 5, "驿马乡", "a", "", "2020-01-30-0f0f0f0f"),
        Event(datetime(2020, 1, 22, tzinfo=TZ), "全面铺开防控", 9, "", "", "", "2020-01-22-aaaaaaaa"),
    ]
    return Site.create(config, articles, events, datetime(2020, 3, 1, tzinfo=TZ))


PHOTOS = {"media/p.jpg": plan_renditions("media/p.jpg", 2000, 1500)}


def test_site_feeds_carry_every_entry_with_names_and_categories():
    files = {f.dest: f.data for f in site_feeds(make_site(), limit=50, photos=PHOTOS)}
    assert set(files) == {"feed.xml", "atom.xml", "places/yi-ma-xiang/feed.xml", "places/xiao-yi-shi/feed.xml",
                          "tags/yi-qing-fang-kong/feed.xml", "timeline/feed.xml"}
    rss = feedparser.parse(files["feed.xml"])
    assert rss.bozo == 0
    assert [e.title for e in rss.entries] == ["乙", "甲 & <乙>"]
    first = rss.entries[1]
    assert first.link == "https://example.cn/digest/articles/a/"
    assert {t.term for t in first.tags} == {"驿马乡", "疫情防控"}
    assert first.author == "张世川、张丽"
    # the largest JPEG rendition, made without the camera's EXIF and GPS data, never the original
    image = BeautifulSoup(first.content[0].value, "html.parser").img
    assert (image["src"], image["width"], image["height"]) == ("https://example.cn/digest/media/p.1600w.jpg", "1600", "1200")
    assert b"Thu, 30 Jan 2020 09:00:00 +0800" in files["feed.xml"]
    atom = feedparser.parse(files["atom.xml"])
    assert atom.bozo == 0 and atom.version == "atom10"
    assert [a.name for a in atom.entries[1].authors] == ["张世川、张丽"]
    assert b'<content type="html">' in files["atom.xml"]


def test_feed_limit_keeps_the_newest():
    files = {f.dest: f.data for f in site_feeds(make_site(), limit=1, photos=PHOTOS)}
    assert [e.title for e in feedparser.parse(files["feed.xml"]).entries] == ["乙"]


def feeds_of(site) -> dict[str, bytes]:
    return {f.dest: f.data for f in site_feeds(site, limit=50, photos=PHOTOS)}


@pytest.mark.parametrize("dest, page", [
    ("feed.xml", "https://example.cn/digest/"),
    ("places/yi-ma-xiang/feed.xml", "https://example.cn/digest/places/yi-ma-xiang/"),
    ("tags/yi-qing-fang-kong/feed.xml", "https://example.cn/digest/tags/yi-qing-fang-kong/"),
    ("timeline/feed.xml", "https://example.cn/digest/timeline/"),
])
def test_an_rss_channel_links_its_page_and_itself(dest, page):
    data = feeds_of(make_site())[dest]
    channel = ET.fromstring(data).find("channel")
    assert channel.findtext("link") == page  # RSS 2.0: the URL of the HTML website
    assert channel.find(f"{ATOM}link").attrib == {"href": "https://example.cn/digest/" + dest, "rel": "self"}
    assert feedparser.parse(data).feed.link == page


def test_atom_links_itself_and_the_front_page():
    root = ET.fromstring(feeds_of(make_site())["atom.xml"])
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": "https://example.cn/digest/atom.xml", "alternate": "https://example.cn/digest/"}


def test_a_tag_feed_lists_the_tags_reports():
    rss = feedparser.parse(feeds_of(make_site())["tags/yi-qing-fang-kong/feed.xml"])
    assert rss.bozo == 0
    assert rss.feed.title == "摘编 · 疫情防控"
    assert [e.link for e in rss.entries] == ["https://example.cn/digest/articles/a/"]


def test_each_entry_has_one_author_element_naming_every_author():
    files = feeds_of(make_site())
    rss_items = ET.fromstring(files["feed.xml"]).findall("channel/item")
    assert [[c.text for c in item.findall(DC_CREATOR)] for item in rss_items] == [["融媒体中心"], ["张世川、张丽"]]
    assert all(item.find("author") is None for item in rss_items)
    atom_entries = ET.fromstring(files["atom.xml"]).findall(f"{ATOM}entry")
    assert [[a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] for entry in atom_entries] == [
        ["融媒体中心"], ["张世川、张丽"]]
    assert b"dc:creator" not in files["atom.xml"] and b"purl.org/dc" not in files["atom.xml"]
    for name in ("feed.xml", "atom.xml"):
        assert [(e.author, len(e.authors)) for e in feedparser.parse(files[name]).entries] == [
            ("融媒体中心", 1), ("张世川、张丽", 1)]


@pytest.mark.parametrize("author, publisher, expected", [
    ("融媒体中心", "孝义日报社", "融媒体中心"),
    ("", "孝义日报社", "孝义日报社"),
    ("", "", "摘编"),
])
def test_an_unsigned_report_is_by_the_site_so_atom_stays_valid(author, publisher, expected):
    extra = {"publisher": publisher} if publisher else {}
    config = SiteConfig(title="摘编", base_url="https://example.cn/digest/", author=author, extra=extra)
    files = feeds_of(make_site(config))
    root = ET.fromstring(files["atom.xml"])
    # RFC 4287 4.1.1: an entry without an author needs one on the feed; each entry has its own
    unsigned = root.findall(f"{ATOM}entry")[0]
    assert [a.findtext(f"{ATOM}name") for a in unsigned.findall(f"{ATOM}author")] == [expected]
    assert (root.find(f"{ATOM}author") is not None) == bool(author)
    item = ET.fromstring(files["feed.xml"]).find("channel/item")
    assert [c.text for c in item.findall(DC_CREATOR)] == [expected]


def test_the_timeline_feed_lists_events_newest_first_at_their_anchors():
    data = feeds_of(make_site())["timeline/feed.xml"]
    rss = feedparser.parse(data)
    assert rss.bozo == 0 and rss.version == "rss20"
    assert [e.title for e in rss.entries] == ["驿马乡 <设卡> & 值守", "启动一级响应", "全面铺开防控"]
    timeline = "https://example.cn/digest/timeline/"
    assert [e.link for e in rss.entries] == [timeline + "#2020-01-30-0f0f0f0f", timeline + "#level-1",
                                             timeline + "#2020-01-22-aaaaaaaa"]
    assert [e.id for e in rss.entries] == [e.link for e in rss.entries]
    assert b"<pubDate>Thu, 30 Jan 2020 09:00:00 +0800</pubDate>" in data
    reported, detailed, bare = (BeautifulSoup(e.get("description", ""), "html.parser") for e in rss.entries)
    # the report and the place are linked; the title is text, escaped once
    assert [(a.text, a["href"]) for a in reported.find_all("a")] == [
        ("驿马乡", "https://example.cn/digest/places/yi-ma-xiang/"), ("甲 & <乙>", "https://example.cn/digest/articles/a/")]
    # a detail's links, written relative to the timeline page, are absolute
    assert [a["href"] for a in detailed.find_all("a")] == ["https://example.cn/digest/articles/a/#fn:1",
                                                          "https://example.cn/digest/places/xiao-yi-shi/"]
    assert bare.text == "" and ET.fromstring(data).findall("channel/item")[2].find("description") is None
    assert [t.term for t in rss.entries[0].tags] == ["驿马乡"]
    assert rss.feed.updated_parsed[:3] == (2020, 1, 30)


def test_an_empty_feed_is_dated_by_the_newest_thing_on_the_site_not_the_clock():
    site = make_site()
    site = Site.create(site.config, list(site.articles), [], datetime(2026, 12, 3, tzinfo=TZ))
    empty = feedparser.parse(feeds_of(site)["timeline/feed.xml"])
    assert empty.entries == [] and empty.feed.updated_parsed[:4] == (2020, 1, 31, 16)  # report b, in UTC


def test_the_timeline_feed_keeps_the_newest_events():
    files = {f.dest: f.data for f in site_feeds(make_site(), limit=1, photos=PHOTOS)}
    titles = [e.title for e in feedparser.parse(files["timeline/feed.xml"]).entries]
    assert titles == ["驿马乡 <设卡> & 值守"]
