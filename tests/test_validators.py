"""The built sample site checked by the validators people use.

The Nu Html Checker (vnu.jar from npm, run with Java) for every HTML page,
feedparser for the feeds, and our own walk over every link and fragment.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from conftest import PROJECT

VNU_JAR = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BASE_URL = "https://example.cn/digest/"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_nu_html_checker_finds_no_errors(sample_site, newsroom_site):
    assert VNU_JAR.is_file(), "vnu.jar is missing: run `npm ci` in the project folder"
    assert shutil.which("java"), "Java is needed to run the Nu Html Checker"
    pages = html_pages(sample_site) + html_pages(newsroom_site)  # one Java start for both
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, pages)],
        capture_output=True, text=True, timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] == "error"]
    assert errors == []
    assert len(pages) >= 20
    assert any("wutong-bridge" in str(page) for page in pages)  # a retracted report's page too


@pytest.mark.parametrize("site", ["sample_site", "newsroom_site"])
def test_the_corrections_feed_parses_cleanly(request, site):
    feed = feedparser.parse((request.getfixturevalue(site) / "corrections/feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert len(feed.entries) == (0 if site == "sample_site" else 3)


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_feeds_parse_cleanly(sample_site, name):
    feed = feedparser.parse((sample_site / name).read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == ("rss20" if name == "feed.xml" else "atom10")
    assert len(feed.entries) == 5
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True), "newest first"


def test_place_tag_and_timeline_feeds_parse_cleanly(sample_site):
    feeds = sorted([*(sample_site / "places").glob("*/feed.xml"), *(sample_site / "tags").glob("*/feed.xml"),
                    sample_site / "timeline/feed.xml"])
    assert len(feeds) == 5 + len(list((sample_site / "tags").glob("*/index.html"))) + 1
    for path in feeds:
        assert feedparser.parse(path.read_bytes()).bozo == 0, path


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_feed_links_are_absolute(sample_site, name):
    feed = feedparser.parse((sample_site / name).read_bytes())
    for entry in feed.entries:
        assert entry.link.startswith(BASE_URL + "articles/")
        content = BeautifulSoup(entry.content[0].value, "html.parser")
        for node in content.find_all(["a", "img", "iframe", "source"]):
            for attribute in ("href", "src"):
                if node.get(attribute):
                    assert urlsplit(node[attribute]).scheme in ("https", "http", "mailto"), node


def test_rss_dates_carry_the_site_offset_and_authors_are_named(sample_site):
    text = (sample_site / "feed.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text)
    items = root.findall("./channel/item")
    assert items and all(item.findtext("pubDate").endswith("+0800") for item in items)
    creators = root.findall("./channel/item/{http://purl.org/dc/elements/1.1/}creator")
    assert "张世川" in {c.text for c in creators}
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == len(guids)


def resolve_target(site: Path, page: Path, href: str, base_url: str = BASE_URL) -> tuple[Path, str] | None:
    """The built file a link on ``page`` leads to, and its fragment; None if external."""
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        if not href.startswith(base_url):
            return None
        parts = urlsplit(href[len(base_url) - 1:])
        path = site / unquote(parts.path).lstrip("/")
    elif parts.path.startswith("/"):
        path = site / unquote(parts.path).removeprefix(urlsplit(base_url).path)
    else:
        base = page.relative_to(site).as_posix()
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path or page.name)))
        assert not joined.startswith(".."), f"{base}: {href} leads outside the site"
        path = site / joined
    if path.is_dir() or str(path).endswith("/"):
        path = path / "index.html"
    return path, unquote(parts.fragment)


def ids_of(page: Path, cache: dict) -> set[str]:
    if page not in cache:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        cache[page] = {node["id"] for node in soup.find_all(id=True)}
    return cache[page]


SITES = {"sample_site": BASE_URL, "newsroom_site": "https://example.cn/newsroom/"}


@pytest.mark.parametrize("site", SITES)
def test_every_internal_link_and_fragment_resolves(request, site):
    base_url, site = SITES[site], request.getfixturevalue(site)
    broken, ids = [], {}
    for page in html_pages(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for node in soup.find_all(["a", "link", "img", "script", "source"]):
            for attribute in ("href", "src"):
                value = node.get(attribute)
                target = value and resolve_target(site, page, value, base_url)
                if not target:
                    continue
                path, fragment = target
                if not path.is_file():
                    broken.append(f"{page.relative_to(site)}: {value} (no file)")
                elif fragment and path.suffix == ".html" and fragment not in ids_of(path, ids):
                    broken.append(f"{page.relative_to(site)}: {value} (no id)")
    assert broken == []


@pytest.mark.parametrize("site", SITES)
def test_sitemap_lists_every_page(request, site):
    base_url, site = SITES[site], request.getfixturevalue(site)
    root = ET.fromstring((site / "sitemap.xml").read_bytes())
    listed = {loc.text for loc in root.iter(SITEMAP_NS + "loc")}
    pages = {
        base_url + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in html_pages(site) if p.name != "404.html"
    }
    assert listed == pages
