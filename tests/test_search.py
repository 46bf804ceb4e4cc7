"""What Pagefind is given to index, and in which shards (the real queries run in test_browser.py)."""

from __future__ import annotations

from collections import Counter

import json
import re
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st
from bs4 import BeautifulSoup

from digest import search
from digest.loading import BuildOptions, load_site
from digest.markdown import body_text
from digest.search import WORD_BREAK, SearchIndexError, index_folder, one_word_per_character, record_html, shards
from conftest import SAMPLE_CONTENT, article_text, run_build, write_content

ZW = WORD_BREAK


@pytest.mark.parametrize(("text", "expected"), [
    ("红白喜事", f"红{ZW}白{ZW}喜{ZW}事"),
    ("口罩8000余只， 柱濮", f"口{ZW}罩{ZW}8000{ZW}余{ZW}只{ZW}， 柱{ZW}濮"),
    ("COVID-19 疫情", f"COVID-19 疫{ZW}情"),
    ("  两个\n\n 空格  ", f"两{ZW}个 空{ZW}格"),
    (f"红 {ZW} 白{ZW}{ZW}2020", "红 白 2020"),
    ("𠀀字 x", f"𠀀{ZW}字 x"),
])
def test_every_chinese_character_is_its_own_word(text, expected):
    assert one_word_per_character(text) == expected


@settings(max_examples=300)
@given(st.text(alphabet="红白喜事𠀀 \n\t\u3000\u200aab1-，。"))
def test_each_character_stands_alone_and_no_other_word_is_cut(text):
    spaced = one_word_per_character(text)
    assert spaced.split() == [word for chunk in text.split() for word in re.split(
        f"(?<=[{search.IDEOGRAPHS}])|(?=[{search.IDEOGRAPHS}])", chunk) if word]
    assert "  " not in spaced and ZW + ZW not in spaced and ZW + " " not in spaced and " " + ZW not in spaced
    assert spaced == spaced.strip()


def test_body_text_separates_blocks_but_not_inline_markup():
    html = "<p>张艳维：<strong>口罩</strong>500个</p><table><tr><td>口罩</td><td>8000余只</td></tr></table><ul><li>甲</li><li>乙</li></ul>"
    assert body_text(html).visible.split() == ["张艳维：口罩500个", "口罩", "8000余只", "甲", "乙"]


# --- shards ---------------------------------------------------------------------


class Dated:
    def __init__(self, year: int, month: int):
        self.date = datetime(year, month, 1, tzinfo=timezone.utc)


def test_a_small_year_is_one_shard_and_the_newest_comes_first():
    found = shards([Dated(2019, 5), Dated(2020, 1), Dated(2020, 12)])
    assert list(found) == ["2020", "2019"]
    assert len(found["2020"]) == 2


def test_a_big_year_is_cut_into_runs_of_whole_months(monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 4)
    year = [Dated(2020, month) for month in range(1, 13)]  # 12 reports: three shards of four months
    found = shards(year + [Dated(2019, 3)])
    assert list(found) == ["2020-09", "2020-05", "2020-01", "2019"]
    assert [a.date.month for a in found["2020-05"]] == [5, 6, 7, 8]


def test_any_number_of_parts_names_each_by_its_first_month(monkeypatch):
    for size in range(1, 13):
        monkeypatch.setattr(search, "SHARD_SIZE", size)
        found = shards([Dated(2020, month) for month in range(1, 13)])
        for name, articles in found.items():
            assert name == f"2020-{min(a.date.month for a in articles):02d}" or name == "2020"


# --- records --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_articles():
    site, _ = load_site(BuildOptions(content_dir=SAMPLE_CONTENT))
    return site.articles


def record_of(article) -> BeautifulSoup:
    text = one_word_per_character(body_text(article.html).visible)
    return BeautifulSoup(record_html(article, text), "html.parser")


def test_a_record_holds_exactly_the_text_a_reader_sees(sample_site, sample_articles):
    """Searching finds what a reader sees, no more, no less: compare, ignoring spaces."""
    assert sample_articles
    for article in sample_articles:
        page = sample_site / article.url / "index.html"
        report = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article.report")
        record = record_of(article).select_one("[data-pagefind-body]")
        for chrome in report.select(".reading, time"):  # dates are a result's heading, not its text
            chrome.decompose()
        indexed = "".join(p.get_text() for p in record.select("p:not([data-pagefind-ignore])"))
        assert letters(indexed) == letters(report.get_text()), page


def letters(text: str) -> Counter:
    """The letters and digits of a text, in any order (the record puts the facts last)."""
    return Counter(char for char in text if char.isalnum())


def test_a_record_puts_the_body_before_date_place_byline_and_tags(sample_articles):
    """So that a result's excerpt is cut from the text, not from the facts (#14)."""
    chongwen = next(a for a in sample_articles if a.slug == "chongwen")
    texts = [p.get_text() for p in record_of(chongwen).select("p:not([data-pagefind-ignore])")]
    assert texts[1].replace(ZW, "").startswith(body_text(chongwen.html).visible.strip()[:10])
    assert all(fact in texts[2].replace(ZW, "") for fact in ("崇文街道", "张丽", *chongwen.tags))


def test_a_record_weighs_the_title_and_carries_what_a_result_shows(sample_articles):
    yima = next(a for a in sample_articles if a.slug == "yima")
    record = record_of(yima)
    assert record.select_one("[data-pagefind-weight='10']").get_text() == one_word_per_character(yima.title)
    meta = {span["data-pagefind-meta"]: span.get_text() for span in record.select("[data-pagefind-meta]")}
    assert meta == {"url": "/articles/yima/", "title": yima.title, "date": "2020年1月30日 09:00",
                    "datetime": "2020-01-30T09:00:00+08:00", "place": "驿马乡"}


def test_a_record_escapes_what_an_editor_wrote(sample_articles):
    article = replace(sample_articles[0], title='<script>alert(1)</script> & "引号"')
    record = record_html(article, "<b>正文</b>")
    assert "<script>" not in record and "<b>" not in record
    assert BeautifulSoup(record, "html.parser").select_one("[data-pagefind-meta=title]").get_text() == article.title


# --- the bundles ----------------------------------------------------------------


def test_the_sample_is_one_bundle_of_its_articles(sample_site, sample_articles):
    bundles = sorted((sample_site / "pagefind").iterdir())
    assert [b.name for b in bundles] == ["2020"]
    entry = json.loads((bundles[0] / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["und"]
    assert entry["languages"]["und"]["page_count"] == len(sample_articles)
    assert not any(bundles[0].glob("*-ui.*")), "Pagefind's ready-made interfaces are not served"


def test_the_search_page_merges_every_bundle_newest_first(tmp_path):
    content = write_content(tmp_path, {
        "a.md": article_text("二〇一九年的报道", "2019-06-01"),
        "b.md": article_text("二〇二〇年的报道", "2020-06-01"),
    })
    output = tmp_path / "output"
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup((output / "search/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one("#search-form")["data-bundles"] == "pagefind/2020/ pagefind/2019/"
    for year in ("2019", "2020"):
        entry = json.loads((output / "pagefind" / year / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert entry["languages"]["und"]["page_count"] == 1


def test_a_folder_pagefind_cannot_index_is_an_error(tmp_path):
    with pytest.raises(SearchIndexError, match="pagefind failed"):
        index_folder(tmp_path, tmp_path / "bundle")


def test_records_left_by_a_killed_build_are_removed(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text("报道", "2020-06-01")})
    stale = tmp_path / ".digest-cache" / "build-output" / "search-killed" / "2020" / "articles" / "a"
    stale.mkdir(parents=True)
    (stale / "index.html").write_text("<p>半截</p>", encoding="utf-8")
    result = run_build("--content", str(content), "--output", str(tmp_path / "output"))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / ".digest-cache" / "build-output" / "search-killed").exists()
    assert not list((tmp_path / ".digest-cache" / "build-output").glob("search-*"))


def test_a_shard_pagefind_fails_on_fails_the_build_and_leaves_no_records(tmp_path, monkeypatch):
    def index_folder(site, bundle, seeds=None):
        if site.name == "2019":
            raise SearchIndexError("pagefind failed: no space left")

    monkeypatch.setattr(search, "index_folder", index_folder)
    todo = [search.Shard(name, []) for name in ("2020", "2019", "2018")]
    with pytest.raises(SearchIndexError, match="no space left"):
        with search.Indexing(todo, lambda article: "", tmp_path) as indexing:
            list(indexing.each_bundle())
    assert not list(tmp_path.glob("search-*"))
