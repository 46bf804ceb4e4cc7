"""An incremental build makes exactly what a cold build of the same content makes.

Each test builds a small newsroom cold, changes one kind of thing, builds
again with the cache, builds the same content cold into another folder, and
compares the two trees byte for byte (Pagefind's index aside, compared by its
page count; the test of a shard begun from its last bundle compares that bundle
byte for byte).
"""

from __future__ import annotations

import gzip
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from digest import builder, plan, search, sitemap
from digest.builder import Theme, build
from digest.errors import ContentError
from digest.loading import BuildOptions
from conftest import PROJECT, SEARCH, assert_same_tree, search_summary, tree

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
PLACES = ["驿马乡", "崇文街道", "下栅村"]
TAGS = ["疫情防控", "基层党建", "复工复产"]
SITE = "title: 测试要闻\nbase_url: https://example.cn/digest/\nper_page: 3\nfeed_limit: 4\nsummary_length: 40\n"
TIMELINE = """\
- date: 2020-01-26
  title: 启动一级响应
  article: report-2
- date: 2020-02-03 09:00
  title: 复工复产
  place: 崇文街道
  detail: 见[第十篇](articles/2020/2020-02-01-report-10.md)。
"""


def article(number: int, *, title: str | None = None, place: str | None = None, tags: str | None = None,
            extra: str = "", body: str | None = None) -> str:
    """The text of report ``number``: linked to its predecessor and to a media file."""
    place = place or PLACES[number % len(PLACES)]
    tags = tags or f"[{TAGS[number % len(TAGS)]}, {TAGS[(number + 1) % len(TAGS)]}]"
    link = f"见[上一篇](2020-01-{number - 1:02d}-report-{number - 1}.md)。" if 1 < number <= 9 else ""
    if body is None:
        body = (f"{place}第{number}篇报道的第一段，讲述基层干部的工作。{link}\n\n"
                f"| 项目 | 数量 |\n| --- | ---: |\n| 走访 | {number * 7} |\n\n"
                "附件：[通知](../../media/notice.pdf)。\n")
    day = f"2020-01-{number:02d}" if number <= 9 else f"2020-02-{number - 9:02d}"
    return (f"---\ntitle: {title or f'第{number}篇：{place}的报道'}\ndate: {day} 08:00\n"
            f"place: {place}\ntags: {tags}\nauthor: 记者{number}\n{extra}---\n{body}")


def file_name(number: int) -> str:
    day = f"2020-01-{number:02d}" if number <= 9 else f"2020-02-{number - 9:02d}"
    return f"2020/{day}-report-{number}.md"


class Newsroom:
    """A content folder, a theme of its own, and an output built incrementally."""

    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.theme = Theme(root / "theme" / "templates", root / "theme" / "static")
        shutil.copytree(PROJECT / "templates", self.theme.templates_dir)
        shutil.copytree(PROJECT / "static", self.theme.static_dir)
        articles = self.content / "articles"
        (articles / "2020").mkdir(parents=True)
        (self.content / "media").mkdir()
        (self.content / "media" / "notice.pdf").write_bytes(b"%PDF-1.4 notice\n")
        (self.content / "site.yaml").write_text(SITE, encoding="utf-8")
        (self.content / "timeline.yaml").write_text(TIMELINE, encoding="utf-8")
        for number in range(1, 13):
            self.write(file_name(number), article(number))
        self.output = root / "site" / "output"
        self.cold_runs = 0

    def path(self, name: str) -> Path:
        return self.content / "articles" / name

    def write(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8")

    def build(self, output: Path | None = None):
        options = BuildOptions(content_dir=self.content, output_dir=output or self.output, now=NOW)
        return build(options, self.theme)

    def check(self):
        """Build incrementally, build cold elsewhere, and require the same bytes."""
        result = self.build()
        self.cold_runs += 1
        cold = self.root / f"cold-{self.cold_runs}" / "output"
        self.build(cold)
        assert_same_tree(self.output, cold)
        return result


@pytest.fixture
def newsroom(tmp_path) -> Newsroom:
    room = Newsroom(tmp_path)
    room.build()
    return room


# --- one kind of change each ----------------------------------------------------


def test_nothing_changed_writes_nothing(newsroom):
    result = newsroom.check()
    assert result.files_written == 0
    assert result.files_unchanged > 50


def test_touch_without_change_writes_nothing(newsroom):
    path = newsroom.path(file_name(4))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert newsroom.check().files_written == 0


def test_edit_body_renders_only_what_shows_it(newsroom, monkeypatch):
    rendered = []
    render_page = builder.render_page
    monkeypatch.setattr(builder, "render_page", lambda env, site, page, *rest: rendered.append(page.dest)
                        or render_page(env, site, page, *rest))
    newsroom.write(file_name(5), article(5) + "\n补记：群众对此表示满意。\n")
    result = newsroom.build()
    assert rendered == ["articles/report-5/index.html"]  # the end of a body shows nowhere else
    assert 0 < result.files_written < 12  # that page, the feeds with it, the search index
    monkeypatch.undo()
    newsroom.check()


def planned_in_full(monkeypatch) -> list[int]:
    """Counts the builds that plan every page (not only those of the reports whose text changed)."""
    calls = []
    plan_pages = plan.plan_pages
    monkeypatch.setattr(plan, "plan_pages", lambda site: calls.append(1) or plan_pages(site))
    return calls


def test_a_body_s_edit_plans_only_that_report_s_page_again(newsroom, monkeypatch):
    full = planned_in_full(monkeypatch)
    newsroom.write(file_name(5), article(5) + "\n补记：群众对此表示满意。\n")
    newsroom.write(file_name(9), article(9) + "\n补记：第九篇也改了。\n")
    newsroom.check()  # the incremental build, then a cold one elsewhere
    assert len(full) == 1  # the cold one


@pytest.mark.parametrize("change", [
    lambda room: room.write(file_name(5), article(5, body="改过的第一段，摘要就变了。\n")),  # the summary lists show
    lambda room: room.write(file_name(5), article(5, title="改过的标题")),
    lambda room: room.write(file_name(5), article(5, extra="updated: 2020-03-01\n")),
    lambda room: room.write(file_name(5), article(5, extra="corrections:\n  - date: 2020-03-02\n    text: 原稿称设卡口30个，应为32个。\n")),
    lambda room: room.write(file_name(13), article(13)),
    lambda room: room.path(file_name(12)).unlink(),
    lambda room: (room.content / "timeline.yaml").write_text(TIMELINE.replace("复工复产", "全面复工"), encoding="utf-8"),
], ids=["summary", "title", "updated", "correction", "new report", "deleted report", "timeline"])
def test_a_change_lists_show_plans_every_page_again(newsroom, monkeypatch, change):
    full = planned_in_full(monkeypatch)
    change(newsroom)
    newsroom.write(file_name(2), article(2) + "\n补记：同时改了正文。\n")
    newsroom.check()
    assert len(full) == 2


def test_a_kept_page_missing_from_the_output_is_made_again_after_a_body_s_edit(newsroom, monkeypatch):
    full = planned_in_full(monkeypatch)
    (newsroom.output / "articles" / "report-3" / "index.html").unlink()
    (newsroom.output / "places").rename(newsroom.root / "places-moved-away")
    newsroom.write(file_name(8), article(8) + "\n补记：第八篇改了正文。\n")
    newsroom.check()
    assert len(full) == 2  # the pages the last build planned cannot all be kept: all are planned


def test_the_sitemap_is_laid_out_again_only_when_what_it_lists_changes(newsroom, monkeypatch):
    laid_out = []
    make = builder.make_from_templates
    monkeypatch.setitem(builder.MAKERS, builder.TEMPLATE,
                        lambda outputs, work: laid_out.extend(o.dest for o in outputs) or make(outputs, work))
    made = []
    entries = sitemap.SitemapEntries.__iter__
    monkeypatch.setattr(sitemap.SitemapEntries, "__iter__", lambda self: (made.append(1), entries(self))[1])
    newsroom.write(file_name(5), article(5, title="改过的标题"))
    newsroom.build()
    assert "sitemap.xml" not in laid_out  # the same addresses and dates
    assert made == []  # and its entries were not made only to be signed
    newsroom.write(file_name(13), article(13))
    newsroom.build()
    assert "sitemap.xml" in laid_out and made == [1]
    monkeypatch.undo()
    newsroom.check()


def test_edit_title(newsroom):
    newsroom.write(file_name(7), article(7, title="改过的标题：驿马乡"))
    newsroom.check()


def test_edit_the_title_of_a_report_the_timeline_names(newsroom):
    newsroom.write(file_name(2), article(2, title="改过的标题"))  # the timeline's feed links it by title
    newsroom.check()


def test_change_place_and_tags(newsroom):
    newsroom.write(file_name(3), article(3, place="新设的村", tags="[新标签]"))
    newsroom.check()


def test_add_article(newsroom):
    newsroom.write(file_name(13), article(13))
    newsroom.check()


def test_delete_article(newsroom):
    newsroom.path(file_name(12)).unlink()
    newsroom.check()
    assert not (newsroom.output / "articles" / "report-12").exists()


def test_rename_file_changes_its_address(newsroom):
    newsroom.path(file_name(11)).rename(newsroom.path("2020/2020-02-02-renamed.md"))
    newsroom.check()
    assert (newsroom.output / "articles" / "renamed" / "index.html").exists()
    assert "report-11" not in (newsroom.output / "sitemap.xml").read_text(encoding="utf-8")


def test_linked_article_gets_a_new_slug(newsroom):
    newsroom.write(file_name(2), article(2, extra="slug: second\n"))
    with pytest.raises(ContentError):  # the timeline names report-2
        newsroom.build()
    (newsroom.content / "timeline.yaml").write_text(TIMELINE.replace("report-2", "second"), encoding="utf-8")
    newsroom.check()  # report 3 links to report 2's file: its page now links to /second/


def test_change_template(newsroom):
    path = newsroom.theme.templates_dir / "base.html"
    path.write_text(path.read_text(encoding="utf-8").replace("</footer>", "<p>改版</p></footer>"), encoding="utf-8")
    pages = [name for name in tree(newsroom.output) if name.endswith(".html") and not name.startswith(SEARCH)]
    assert newsroom.check().files_written >= len(pages)


def test_change_static_file(newsroom):
    path = newsroom.theme.static_dir / "style.css"
    path.write_text(path.read_text(encoding="utf-8") + "\n/* 改 */\n", encoding="utf-8")
    (newsroom.theme.static_dir / "new.txt").write_text("新文件\n", encoding="utf-8")
    newsroom.check()


def test_change_site_yaml(newsroom):
    (newsroom.content / "site.yaml").write_text(SITE.replace("测试要闻", "新名字"), encoding="utf-8")
    newsroom.check()


def test_change_timeline(newsroom):
    (newsroom.content / "timeline.yaml").write_text(
        TIMELINE + "- date: 2020-02-10\n  title: 新事件\n  article: report-9\n", encoding="utf-8")
    newsroom.check()


def test_make_a_draft_and_publish_it_again(newsroom):
    """Report 9 links to report 8: the link goes while 8 is a draft, and comes back."""
    newsroom.write(file_name(8), article(8, extra="draft: true\n"))
    newsroom.check()
    assert not (newsroom.output / "articles" / "report-8").exists()
    newsroom.write(file_name(8), article(8))
    newsroom.check()


def test_linked_media_file_removed_then_restored(newsroom):
    notice = newsroom.content / "media" / "notice.pdf"
    notice.unlink()
    with pytest.raises(ContentError):
        newsroom.build()
    notice.write_bytes(b"%PDF-1.4 a new notice\n")
    newsroom.check()


def test_a_body_image_replaced_by_one_of_another_size(newsroom):
    """The page gives the image's width and height: a new picture in the same file changes them."""
    picture = newsroom.content / "media" / "map.png"
    Image.new("RGB", (640, 480), "white").save(picture)
    newsroom.write(file_name(5), article(5, body="示意图：\n\n![地图](../../media/map.png)\n"))
    newsroom.check()
    Image.new("RGB", (300, 600), "white").save(picture)
    newsroom.check()
    page = (newsroom.output / "articles" / "report-5" / "index.html").read_text(encoding="utf-8")
    assert 'width="300" height="600"' in page and "map.300w.webp" in page
    assert not (newsroom.output / "media" / "map.640w.webp").exists()
    newsroom.write(file_name(6), article(6, title="第6篇：改过的标题"))  # report 5's body now from the cache
    newsroom.check()
    assert (newsroom.output / "media" / "map.300w.webp").is_file()


def test_errors_after_a_good_build_leave_the_cache_usable(newsroom):
    before = tree(newsroom.output)
    newsroom.write(file_name(6), "---\ntitle: 没有日期\n---\n正文。\n")
    with pytest.raises(ContentError):
        newsroom.build()
    assert tree(newsroom.output).keys() == before.keys()
    newsroom.write(file_name(6), article(6, title="修好了"))
    newsroom.check()


def test_many_changes_in_a_row(newsroom):
    """The spare tree is reused build after build; it must never drift."""
    newsroom.write(file_name(1), article(1, title="第一次改"))
    newsroom.check()
    newsroom.write(file_name(13), article(13))
    newsroom.check()
    newsroom.path(file_name(13)).unlink()
    newsroom.write(file_name(1), article(1))
    newsroom.check()
    assert newsroom.check().files_written == 0


def test_output_removed_by_hand(newsroom):
    shutil.rmtree(newsroom.output)
    newsroom.check()


def test_a_build_that_fails_half_way_leaves_the_output_and_the_cache_usable(newsroom, monkeypatch):
    """The spare tree is half changed when indexing fails: the next build must not trust it."""
    newsroom.write(file_name(1), article(1, title="先改一篇"))
    newsroom.check()  # now the spare tree is an older output, known by its manifest
    before = {name: path.read_bytes() for name, path in tree(newsroom.output).items()}
    newsroom.write(file_name(5), article(5, title="改了一半"))

    def crash(*args):
        raise RuntimeError("the indexer crashed")

    monkeypatch.setattr(search, "index_folder", crash)
    with pytest.raises(RuntimeError):
        newsroom.build()
    assert {name: path.read_bytes() for name, path in tree(newsroom.output).items()} == before
    monkeypatch.undo()
    newsroom.write(file_name(1), article(1))  # back to what the spare's manifest says it holds
    newsroom.write(file_name(5), article(5))
    newsroom.check()


def test_a_theme_that_shows_the_markdown_text(newsroom):
    """The cache keeps no Markdown text; a neighbour's page rendered again must still show it."""
    path = newsroom.theme.templates_dir / "article.html"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{% block main %}", "{% block main %}<pre>{{ article.body }}</pre>", 1), encoding="utf-8")
    newsroom.build()
    newsroom.write(file_name(6), article(6, title="邻居改了标题"))
    newsroom.check()
    assert "第5篇报道的第一段" in (newsroom.output / "articles" / "report-5" / "index.html").read_text(encoding="utf-8")


def test_a_page_removed_from_the_output_by_hand_comes_back(newsroom):
    (newsroom.output / "articles" / "report-3" / "index.html").unlink()
    newsroom.write(file_name(8), article(8, title="另一篇改了"))
    newsroom.check()


def test_an_edit_indexes_again_only_the_search_shard_it_is_in(newsroom, monkeypatch):
    (newsroom.content / "articles" / "2019").mkdir()
    newsroom.write("2019/2019-06-01-old.md", article(13).replace("2020-02-04", "2019-06-01"))
    newsroom.check()
    indexed = []
    index_folder = search.index_folder

    def spy(site, bundle, seeds=None):
        indexed.append(bundle.name)
        index_folder(site, bundle, seeds)

    monkeypatch.setattr(search, "index_folder", spy)
    newsroom.write(file_name(3), article(3, title="只改这一篇"))
    newsroom.build()
    assert indexed == ["2020"]
    monkeypatch.undo()
    newsroom.check()
    assert set(search_summary(newsroom.output)) == {"2019", "2020"}


@pytest.mark.parametrize(("cores", "order"), [(2, ["index", "write"]), (0, ["write", "index"])])
def test_an_edit_s_shard_is_indexed_while_the_pages_are_written(newsroom, monkeypatch, cores, order):
    """A few shards start first, in the background; an archive's many wait for the pages (they would
    fight the page workers for the cores)."""
    events = []
    start, render_page = search.Indexing.start, builder.render_page
    monkeypatch.setattr(search.Indexing, "start", lambda self: events.append("index") or start(self))
    monkeypatch.setattr(builder, "render_page", lambda *args: events.append("write") or render_page(*args))
    monkeypatch.setattr(builder, "cores", lambda: cores)
    newsroom.write(file_name(3), article(3, title="只改这一篇"))
    newsroom.check()
    assert [event for number, event in enumerate(events) if event not in events[:number]] == order


def test_a_year_that_grows_past_a_shard_is_cut_into_shards_as_a_cold_build_cuts_it(newsroom, monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 12)  # the newsroom's twelve reports: one shard, 2020
    newsroom.check()
    assert set(search_summary(newsroom.output)) == {"2020"}
    newsroom.write(file_name(13), article(13).replace("2020-02-04", "2020-08-04"))  # thirteen: 2020 is cut in two
    newsroom.check()
    assert set(search_summary(newsroom.output)) == {"2020-01", "2020-07"}
    newsroom.path(file_name(13)).unlink()  # twelve again: one shard
    newsroom.check()
    assert set(search_summary(newsroom.output)) == {"2020"}


def test_an_edit_begins_its_shard_from_the_outputs_bundle_and_ends_as_a_cold_build_would(newsroom, monkeypatch):
    """digest/bundles.py: the shard's new bundle begins with copies of the output's files,
    but not of one that is not as the last build left it, and ends byte for byte as a cold
    build's."""
    fragments = (newsroom.output / SEARCH / "2020" / "fragment").iterdir()
    damaged = next(path for path in fragments if b"report-5" in gzip.decompress(path.read_bytes()))
    damaged.write_bytes(gzip.compress(b"pagefind_dcd{}"))  # a report the edit does not touch
    seeded = []
    index_folder = search.index_folder

    def spy(site, bundle, seeds=None):
        seeded.append(seeds)
        index_folder(site, bundle, seeds)

    monkeypatch.setattr(search, "index_folder", spy)
    newsroom.write(file_name(3), article(3, title="只改这一篇"))
    newsroom.check()
    first, cold_build = seeded
    assert first.copied and f"fragment/{damaged.name}" not in first.copied and cold_build is None
    bundle = {name: path.read_bytes() for name, path in tree(newsroom.output / SEARCH / "2020").items()}
    cold = newsroom.root / f"cold-{newsroom.cold_runs}" / "output" / SEARCH / "2020"
    assert bundle == {name: path.read_bytes() for name, path in tree(cold).items()}
