"""Share cards, JSON-LD, favicon and theme colour, read from built pages."""

from __future__ import annotations

import json
from pathlib import Path

import extruct
from bs4 import BeautifulSoup

from conftest import article_text, write_content
from digest.builder import Theme, build
from digest.loading import BuildOptions
from digest.meta import json_for_script

BASE = "https://example.cn/digest/"  # the sample site's base_url


def read(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def properties(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Every <meta property|name=...> of a page, in order."""
    found: dict[str, list[str]] = {}
    for tag in soup.select("meta[property], meta[name]"):
        found.setdefault(tag.get("property") or tag["name"], []).append(tag["content"])
    return found


def json_ld(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(script.string) for script in soup.select('script[type="application/ld+json"]')]


def local_file(site: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    return site / url.removeprefix(BASE)


def test_an_article_shares_its_title_summary_and_first_photo(sample_site):
    soup = read(sample_site, "articles/xiaoyi-overview/index.html")
    meta = properties(soup)
    canonical = soup.select_one('link[rel="canonical"]')["href"]
    assert canonical == BASE + "articles/xiaoyi-overview/"
    assert meta["og:type"] == ["article"] and meta["og:url"] == [canonical]
    assert meta["og:title"] == [soup.h1.get_text()]
    assert meta["og:description"] == meta["description"]
    assert meta["og:image"] == [BASE + "media/xiaoxi-station.1200w.jpg"]
    assert local_file(sample_site, meta["og:image"][0]).is_file()
    assert (meta["og:image:width"], meta["og:image:height"]) == (["1200"], ["800"])
    assert meta["twitter:card"] == ["summary_large_image"]  # Twitter/X reads the og: tags
    assert meta["article:tag"] == ["疫情防控", "卡口值守", "医护驰援", "停课不停学"]
    assert meta["og:locale"] == ["zh_CN"]
    assert meta["article:published_time"] == ["2020-02-03T08:00:00+08:00"]


def test_an_article_without_photos_gets_a_small_card(sample_site):
    meta = properties(read(sample_site, "articles/xiazha/index.html"))
    assert "og:image" not in meta
    assert meta["twitter:card"] == ["summary"]


def test_an_article_is_a_news_article_in_json_ld(sample_site):
    soup = read(sample_site, "articles/yima/index.html")
    [data] = json_ld(soup)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == soup.h1.get_text()
    assert data["datePublished"] == data["dateModified"] == "2020-01-30T09:00:00+08:00"
    assert data["author"] == [{"@type": "Person", "name": "张世川"}]
    assert data["publisher"]["name"] == "孝义市融媒体中心"  # site.yaml's publisher
    assert local_file(sample_site, data["publisher"]["logo"]["url"]).is_file()
    assert data["image"] == [BASE + "media/yima-checkpoint.1200w.jpg"]
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": BASE + "articles/yima/"}


def test_the_front_page_says_how_to_search_the_site(sample_site):
    [data] = json_ld(read(sample_site, "index.html"))
    assert data["@type"] == "WebSite" and data["url"] == BASE
    assert data["potentialAction"]["target"]["urlTemplate"] == BASE + "search/?q={search_term_string}"


def test_every_page_has_a_favicon_and_a_theme_colour_for_each_scheme(sample_site):
    for page in ("index.html", "articles/yima/index.html", "timeline/index.html", "404.html"):
        soup = read(sample_site, page)
        icons = [link["href"] for link in soup.select('link[rel="icon"], link[rel="apple-touch-icon"]')]
        assert len(icons) == 3, page
        if page != "404.html":  # the 404 page links from the site root, wherever it is shown
            assert all((sample_site / page).parent.joinpath(href).resolve().is_file() for href in icons), page
        colours = {tag["media"]: tag["content"] for tag in soup.select('meta[name="theme-color"]')}
        assert set(colours) == {"(prefers-color-scheme: light)", "(prefers-color-scheme: dark)"}, page


def test_json_for_script_cannot_end_the_script_element():
    text = json_for_script({"headline": "</script><script>alert(1)</script> & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"headline": "</script><script>alert(1)</script> & \u2028"}


def test_a_title_with_markup_stays_inside_its_json_ld(tmp_path):
    title = "标题</script><script>alert(1)</script>"
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text(
        title=f"'{title}'", author="甲, 乙", updated="2020-02-01 08:00",
    )})
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content, output_dir=output), Theme())
    soup = read(output, "articles/a/index.html")
    [data] = json_ld(soup)
    assert data["headline"] == title
    assert data["dateModified"] == "2020-02-01T08:00:00+08:00"
    assert [author["name"] for author in data["author"]] == ["甲", "乙"]
    inline = [s for s in soup.find_all("script") if s.get("type") != "application/ld+json" and not s.get("src")]
    assert inline == []


def test_each_timeline_event_is_a_schema_org_event_that_extruct_reads(sample_site):
    html = (sample_site / "timeline/index.html").read_text(encoding="utf-8")
    found = extruct.extract(html, base_url=BASE + "timeline/", syntaxes=["json-ld"], uniform=True)["json-ld"]
    events = [item for item in found[0]["@graph"] if item["@type"] == "Event"]
    anchors = [li["id"] for li in BeautifulSoup(html, "html.parser").select(".event")]
    assert [event["url"] for event in events] == [BASE + "timeline/#" + anchor for anchor in anchors]
    first = events[0]
    assert first["startDate"] == "2020-01-14T00:00:00+08:00"
    assert first["location"] == {"@type": "Place", "name": "驿马乡", "url": BASE + "places/yi-ma-xiang/"}
    assert all(event["name"] and event["startDate"].endswith("+08:00") for event in events)
