"""Corrections (更正) and retractions (撤稿), as readers, feed readers and search engines
see them: on the example content folder (examples/newsroom/), built once."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import extruct
import feedparser
import pytest
from bs4 import BeautifulSoup

from conftest import article_text, run_build, write_content

BASE = "https://example.cn/newsroom/"
CORRECTED = "articles/wutong-square/"
RETRACTED = "articles/wutong-bridge/"
WITHDRAWN_TEXT = "这段原文在撤稿后不再刊出"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def soup_of(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def json_ld(site: Path, url: str) -> dict:
    html = (site / url / "index.html").read_text(encoding="utf-8")
    [data] = extruct.extract(html, base_url=BASE + url, syntaxes=["json-ld"], uniform=True)["json-ld"]
    return data


def test_a_corrected_report_says_so_under_its_headline_and_links_to_the_log(newsroom_site):
    page = soup_of(newsroom_site, CORRECTED)
    notice = page.select_one("header .correction-notice a")
    assert notice.get_text() == "本文已于2026年3月6日更正"  # the last correction's date
    assert notice["href"] == "#corrections"
    assert page.select_one("article.report #corrections") is not None


def test_the_log_lists_every_correction_with_its_date_rendered_as_markdown(newsroom_site):
    log = soup_of(newsroom_site, CORRECTED).select_one("#corrections")
    items = log.select("li")
    assert [item["id"] for item in items] == ["correction-1", "correction-2"]
    assert [item.time["datetime"] for item in items] == ["2026-03-04T10:00:00+08:00", "2026-03-06T09:30:00+08:00"]
    assert items[0].strong.get_text() == "6000"
    assert items[1].a["href"] == "../../articles/wutong-village/"  # a link to another report's .md file


def test_json_ld_carries_each_correction_and_the_date_modified(newsroom_site):
    data = json_ld(newsroom_site, CORRECTED)
    assert data["@type"] == "NewsArticle"
    assert data["dateModified"] == "2026-03-06T09:30:00+08:00"
    assert data["correction"] == [
        {"@type": "CorrectionComment", "text": "原稿称广场占地8000平方米，应为6000平方米。",
         "datePublished": "2026-03-04T10:00:00+08:00"},
        {"@type": "CorrectionComment", "text": "原稿称广场由镇政府独资建设，实为镇政府与梧桐村共同出资。",
         "datePublished": "2026-03-06T09:30:00+08:00"},
    ]


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml", "places/wu-tong-zhen/feed.xml"])
def test_in_the_feeds_a_corrected_entry_is_updated_with_the_note_before_the_text(newsroom_site, name):
    feed = feedparser.parse((newsroom_site / name).read_bytes())
    assert feed.bozo == 0
    [entry] = [e for e in feed.entries if e.link == BASE + CORRECTED]
    assert (entry.get("guid") or entry.id) == BASE + CORRECTED  # the same item, updated in place
    if name == "atom.xml":
        assert entry.updated == "2026-03-06T09:30:00+08:00"
    content = BeautifulSoup(entry.content[0].value, "html.parser")
    first = content.find(True)
    assert first.get_text().startswith("本文已于2026年3月6日更正")
    assert "应为6000平方米" in first.get_text()
    assert content.get_text().index("更正") < content.get_text().index("3月3日，梧桐镇文化广场建成开放")


def test_a_retracted_report_keeps_its_page_with_the_notice_and_not_the_text(newsroom_site):
    page = soup_of(newsroom_site, RETRACTED)
    assert page.h1.get_text() == "（示例）梧桐河大桥提前一个月通车"
    assert page.select_one(".report .meta time")["datetime"] == "2026-03-04T08:00:00+08:00"
    notice = page.select_one("#retraction").get_text()
    assert "本文已于2026年3月5日撤稿" in notice and "大桥尚未通过竣工验收" in notice
    assert WITHDRAWN_TEXT not in str(page)
    assert "提前一个月完工通车" not in str(page)  # nor its summary, in share cards
    data = json_ld(newsroom_site, RETRACTED)
    assert data["dateModified"] == "2026-03-05T18:00:00+08:00"
    assert data["correction"][-1]["text"].startswith("本文已于2026年3月5日撤稿")


def test_a_retracted_report_leaves_the_lists_feeds_and_search(newsroom_site):
    for name in ["index.html", "places/wu-tong-zhen/index.html", "tags/shi-li/index.html", "archive/2026-03/index.html"]:
        page = BeautifulSoup((newsroom_site / name).read_text(encoding="utf-8"), "html.parser")
        listed = {a["href"].lstrip("./") for a in page.select(".article-list h2 a, .article-list h3 a")}
        assert CORRECTED in listed and RETRACTED not in listed, name
    for name in ["feed.xml", "atom.xml", "places/wu-tong-zhen/feed.xml"]:
        links = [entry.link for entry in feedparser.parse((newsroom_site / name).read_bytes()).entries]
        assert BASE + CORRECTED in links and BASE + RETRACTED not in links, name
    assert not (newsroom_site / "tags/jiao-tong").exists()  # its only tag has no page
    indexed = {json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))["url"]
               for path in (newsroom_site / "pagefind").rglob("*.pf_fragment")}
    assert "/wutong-square.html" in indexed and "/wutong-bridge.html" not in indexed


def test_a_retracted_report_stays_in_the_sitemap_at_the_lowest_priority(newsroom_site):
    root = ET.fromstring((newsroom_site / "sitemap.xml").read_bytes())
    entries = {url.findtext(SITEMAP + "loc"): url for url in root.iter(SITEMAP + "url")}
    assert entries[BASE + RETRACTED].findtext(SITEMAP + "priority") == "0.1"
    assert entries[BASE + RETRACTED].findtext(SITEMAP + "lastmod") == "2026-03-05"
    assert entries[BASE + CORRECTED].findtext(SITEMAP + "lastmod") == "2026-03-06"
    assert entries[BASE + CORRECTED].findtext(SITEMAP + "priority") is None


def test_links_to_a_retracted_report_still_resolve(newsroom_site):
    link = soup_of(newsroom_site, CORRECTED).select_one(".body a[href*='wutong-bridge']")
    assert link["href"] == "../../" + RETRACTED
    assert (newsroom_site / RETRACTED / "index.html").is_file()


def test_the_corrections_page_lists_every_correction_and_retraction_newest_first(newsroom_site):
    page = soup_of(newsroom_site, "corrections/")
    notices = page.select(".notice-list > li")
    links = [notice.h2.a["href"] for notice in notices]
    assert links == [f"../{CORRECTED}#correction-2", f"../{RETRACTED}#retraction", f"../{CORRECTED}#correction-1"]
    assert [n.h2.get_text().split("：")[0] for n in notices] == ["更正", "撤稿", "更正"]
    assert notices[0].select_one("p a")["href"] == "../articles/wutong-village/"  # rebased for this page
    assert page.select_one('link[rel="alternate"][href="../corrections/feed.xml"]') is not None


def test_the_corrections_feed_has_an_item_per_notice_linked_to_its_place_in_the_report(newsroom_site):
    feed = feedparser.parse((newsroom_site / "corrections/feed.xml").read_bytes())
    assert feed.bozo == 0 and feed.version == "rss20"
    assert feed.feed.link == BASE + "corrections/"
    assert [e.link for e in feed.entries] == [BASE + CORRECTED + "#correction-2", BASE + RETRACTED + "#retraction",
                                              BASE + CORRECTED + "#correction-1"]
    assert len({e.id for e in feed.entries}) == 3
    assert feed.entries[0].published == "Fri, 06 Mar 2026 09:30:00 +0800"
    assert 'href="https://example.cn/newsroom/articles/wutong-village/"' in feed.entries[0].summary


def new_notice_lines(result) -> list[str]:
    return [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("new ")]


def test_build_and_check_list_the_corrections_new_since_the_last_build(tmp_path):
    corrected = article_text("驿马乡", "2020-01-30 09:00", slug="yima",
                             corrections="\n  - date: 2020-02-02\n    text: 原稿称设卡口30个，应为32个。")
    content = write_content(tmp_path, {"2020-01-30-yima.md": corrected, "2020-01-31-other.md": article_text("别处")})
    first = run_build("--content", str(content), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert new_notice_lines(first) == ["new correction: articles/2020-01-30-yima.md: 驿马乡 (2020-02-02 00:00)"]
    (content / "articles/2020-01-31-other.md").write_text(
        article_text("别处", retracted="\n  date: 2020-02-05 08:00\n  reason: 经核实，本文撤回。"), encoding="utf-8")
    check = run_build("check", "--content", str(content), cwd=tmp_path)  # against the build into ./output
    assert check.returncode == 0, check.stderr
    assert new_notice_lines(check) == ["new retraction: articles/2020-01-31-other.md: 别处 (2020-02-05 08:00)"]
    assert new_notice_lines(run_build("--content", str(content), cwd=tmp_path)) == new_notice_lines(check)


def test_a_retracted_report_publishes_none_of_its_photos_or_files(tmp_path):
    from test_photos import make_jpeg

    body = "![检测点](../media/inside.jpg)\n\n[数据表](../media/data.pdf)\n"
    retracted = article_text("撤回的报道", body=body, photos="\n  - src: media/lead.jpg",
                             retracted="\n  date: 2020-02-05\n  reason: 经核实，本文撤回。")
    content = write_content(tmp_path, {"2020-01-30-gone.md": retracted, "2020-01-31-kept.md": article_text("别处")})
    make_jpeg(content / "media/lead.jpg", (800, 600))
    make_jpeg(content / "media/inside.jpg", (800, 600))
    (content / "media/data.pdf").write_bytes(b"%PDF-1.4\n")
    output = tmp_path / "output"
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    page = (output / "articles/gone/index.html").read_text(encoding="utf-8")
    assert "经核实，本文撤回。" in page and "og:image" not in page
    published = [path.name for path in output.rglob("*") if path.is_file()]
    assert not [name for name in published if name.startswith(("lead", "inside", "data"))], published
