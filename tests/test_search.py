"""What Pagefind is given to index (the real queries run in test_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from digest.search import WORD_BREAK, SearchIndexError, body_text, index_site, one_word_per_character

ZW = WORD_BREAK


@pytest.mark.parametrize(("text", "expected"), [
    ("红白喜事", f"红{ZW}白{ZW}喜{ZW}事"),
    ("口罩8000余只， 柱濮", f"口{ZW}罩{ZW}8000{ZW}余{ZW}只{ZW}， 柱{ZW}濮"),
    ("COVID-19 疫情", f"COVID-19 疫{ZW}情"),
    ("  两个\n\n 空格  ", f"两{ZW}个 空{ZW}格"),
])
def test_every_chinese_character_is_its_own_word(text, expected):
    assert one_word_per_character(text) == expected


def test_body_text_separates_blocks_but_not_inline_markup():
    html = "<p>张艳维：<strong>口罩</strong>500个</p><table><tr><td>口罩</td><td>8000余只</td></tr></table><ul><li>甲</li><li>乙</li></ul>"
    assert body_text(html).split() == ["张艳维：口罩500个", "口罩", "8000余只", "甲", "乙"]


def article_pages(site: Path) -> list[Path]:
    return sorted(site.glob("articles/*/index.html"))


def test_the_indexed_copy_is_exactly_the_text_a_reader_sees(sample_site):
    """Searching finds what a reader sees, no more, no less: compare, ignoring spaces."""
    pages = article_pages(sample_site)
    assert pages
    for path in pages:
        report = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article.report")
        copy = report.select_one(".search-text[hidden]")
        indexed = "".join(p.get_text() for p in copy.select("p:not([data-pagefind-ignore])"))
        copy.decompose()
        assert re.sub(r"\s", "", indexed.replace(ZW, "")) == re.sub(r"\s", "", report.get_text()), path


def test_only_the_report_and_its_copy_are_indexed_with_date_and_place(sample_site):
    html = (sample_site / "articles/yima/index.html").read_text(encoding="utf-8")
    report = BeautifulSoup(html, "html.parser").select_one("[data-pagefind-body]")
    assert report.name == "article" and "report" in report["class"]
    visible = [child for child in report.find_all(recursive=False) if not child.has_attr("hidden")]
    assert visible and all(child.has_attr("data-pagefind-ignore") for child in visible)
    meta = {span["data-pagefind-meta"]: span.get_text() for span in report.select("span[data-pagefind-meta]")}
    assert meta == {"date": "2020年1月30日 09:00", "datetime": "2020-01-30T09:00:00+08:00", "place": "驿马乡"}
    assert report.select_one("[data-pagefind-filter=place]").get_text() == "驿马乡"


def test_pagefind_indexed_only_the_articles_in_chinese(sample_site):
    entry = json.loads((sample_site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["zh-cn"]
    assert entry["languages"]["zh-cn"]["page_count"] == len(article_pages(sample_site))


def test_a_folder_pagefind_cannot_index_is_an_error(tmp_path):
    with pytest.raises(SearchIndexError, match="pagefind failed"):
        index_site(tmp_path)
