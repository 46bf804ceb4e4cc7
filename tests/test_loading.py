"""Loading the content: what is published, what each report becomes, what is an error."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from conftest import article_text, run_build, write_content
from digest.cache import BuildCache
from digest.errors import ContentError
from digest.loading import BuildOptions, load_site
from digest.markdown import MarkdownRenderer

NOW = datetime(2020, 3, 1, tzinfo=timezone.utc)


def load(content, **options):
    return load_site(BuildOptions(content_dir=content, now=NOW, **options))


def errors_of(content) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load(content)
    return [str(problem) for problem in caught.value.log.errors]


def test_subfolders_do_not_appear_in_urls_and_chinese_names_get_pinyin(tmp_path):
    content = write_content(tmp_path, {
        "2020/01/2020-01-30-yima.md": article_text(),
        "2020/驿马乡防控.md": article_text(date="2020-01-31"),
    })
    site, _ = load(content)
    assert sorted(a.url for a in site.articles) == ["articles/yima-xiang-fangkong/", "articles/yima/"]


def test_drafts_are_left_out_unless_asked_for(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "b.md": article_text(draft="true")})
    assert [a.slug for a in load(content)[0].articles] == ["a"]
    assert {a.slug for a in load(content, drafts=True)[0].articles} == {"a", "b"}


def test_future_reports_are_scheduled_with_a_warning(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "later.md": article_text(date="2021-05-01 08:00")})
    site, log = load(content)
    assert [a.slug for a in site.articles] == ["a"]
    assert [str(p) for p in log.warnings] == [
        "articles/later.md:3: warning: the date is in the future: the report is scheduled and left out "
        "until 2021-05-01 08:00 (use --future to include it)"
    ]
    assert {a.slug for a in load(content, future=True)[0].articles} == {"a", "later"}


def test_dates_without_offset_are_in_the_site_timezone(tmp_path):
    content = write_content(tmp_path, {
        "a.md": article_text(date="2020-01-30"),
        "b.md": article_text(date="2020-01-30T09:00+00:00"),
    })
    site, _ = load(content)
    dates = {a.slug: a.date.isoformat() for a in site.articles}
    assert dates == {"a": "2020-01-30T00:00:00+08:00", "b": "2020-01-30T17:00:00+08:00"}


def test_link_to_a_draft_is_dropped_with_a_warning(tmp_path):
    content = write_content(tmp_path, {
        "a.md": article_text(body="见[草稿](b.md)。"),
        "b.md": article_text(draft="true"),
    })
    site, log = load(content)
    assert 'href' not in site.by_slug["a"].html
    assert "names a draft or scheduled report" in str(log.warnings[0])


def test_unknown_keys_are_kept_for_templates(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(editor="王编辑")})
    site, log = load(content)
    assert site.articles[0].extra == {"editor": "王编辑"}
    assert log.problems == []


def test_timeline_event_naming_a_missing_article_is_an_error(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()},
                            timeline="- date: 2020-01-26\n  title: 事件\n  article: nope\n")
    assert errors_of(content) == [
        "timeline.yaml:3: error: 'article: nope' names no report: no article has the slug 'nope'; "
        "use the slug of a report (its 'slug:', or its file name without the date and .md)"
    ]


def test_an_event_naming_a_report_whose_file_has_errors_is_not_a_second_error(tmp_path):
    content = write_content(tmp_path, {"2020/2020-01-30-yima.md": article_text(date="上周五")},
                            timeline="- date: 2020-01-26\n  title: 事件\n  article: yima\n")
    assert errors_of(content) == [
        "articles/2020/2020-01-30-yima.md:3: error: 'date:' says '上周五', which is not a date; "
        "write it in numbers, like 2020-01-30 or 2020-01-30 09:00"
    ]


def test_check_reports_an_unreadable_photo_with_the_other_errors(tmp_path):
    photos = "\n  - src: media/broken.jpg\n    caption: 卡口"
    content = write_content(tmp_path, {
        "a.md": article_text(photos=photos),
        "b.md": article_text(date="上周五"),
    })
    (content / "media").mkdir()
    (content / "media" / "broken.jpg").write_bytes(b"not a picture at all")
    result = run_build("check", "--content", str(content))
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "articles/a.md:5: error: the photo 'media/broken.jpg' cannot be read as an image "
        "(UnidentifiedImageError); save it as JPEG, PNG or WebP",
        "articles/b.md:3: error: 'date:' says '上周五', which is not a date; write it in numbers, like 2020-01-30 or 2020-01-30 09:00",
    ]


def test_a_report_that_cannot_be_read_is_not_an_error_again_in_every_link_to_it(tmp_path):
    """Its own errors are told; the links to it are fixed when it is (no cascade)."""
    content = write_content(tmp_path, {
        "2020/a.md": "---\ntitle: 甲\ndate：2020-01-30\n---\n正文。\n",
        "2020/b.md": article_text("乙", body="见[甲](a.md)。"),
        "2020/c.md": article_text("丙", body="见[甲](a.md)和[又见](./a.md)。"),
    })
    problems = errors_of(content)
    assert problems and all(line.startswith("articles/2020/a.md:") for line in problems), problems


def test_a_timeline_detail_linking_a_broken_report_adds_no_error_of_its_own(tmp_path):
    content = write_content(
        tmp_path,
        {"2020-01-30-broken.md": "---\ntitle: [不通\n---\n正文\n", "2020-01-31-draft.md": article_text(draft="true")},
        timeline="- date: 2020-01-30\n  title: 事件\n  detail: 见[报道](articles/2020-01-30-broken.md)\n"
                 "- date: 2020-01-31\n  title: 又一事件\n  detail: 见[稿件](articles/2020-01-31-draft.md)\n",
    )
    with pytest.raises(ContentError) as caught:
        load(content)
    problems = [str(problem) for problem in caught.value.log.problems]
    assert [p for p in problems if p.startswith("timeline.yaml")] == [
        "timeline.yaml:6: warning: the link 'articles/2020-01-31-draft.md' names a draft or scheduled report; "
        "it shows as plain text until that report is published"]
    assert [p.split(": error:")[0] for p in problems if ": error:" in p] == ["articles/2020-01-30-broken.md:2"]


def test_a_file_a_timeline_detail_links_to_is_published(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text()},
                            timeline="- date: 2020-01-30\n  title: 事件\n  detail: 见[通知](media/notice.pdf)。\n")
    (content / "media").mkdir()
    (content / "media" / "notice.pdf").write_bytes(b"%PDF-1.4\n")
    built = run_build("--content", str(content), "--output", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert 'href="../media/notice.pdf"' in (tmp_path / "out" / "timeline" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "media" / "notice.pdf").read_bytes() == b"%PDF-1.4\n"


DETAIL = "见[报道](articles/2020-01-30-a.md)。"


def renders_of(monkeypatch) -> list[str]:
    """The Markdown texts rendered from now on."""
    texts, render = [], MarkdownRenderer.render
    monkeypatch.setattr(MarkdownRenderer, "render", lambda self, text, links: texts.append(text) or render(self, text, links))
    return texts


def test_a_timeline_detail_is_rendered_again_only_when_it_or_a_report_it_links_to_changes(tmp_path, monkeypatch):
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text()},
                            timeline=f"- date: 2020-01-30\n  title: 事件\n  detail: {DETAIL}\n")
    cache = BuildCache.in_memory()
    options = BuildOptions(content_dir=content, now=NOW)
    first = load_site(options, cache)[0].events
    rendered = renders_of(monkeypatch)
    assert load_site(options, cache)[0].events == first and DETAIL not in rendered
    (content / "articles" / "2020-01-30-a.md").write_text(article_text(slug="moved"), encoding="utf-8")
    moved = load_site(options, cache)[0].events
    assert DETAIL in rendered and 'href="../articles/moved/"' in moved[0].detail_html
    assert moved == (replace(first[0], detail_html=first[0].detail_html.replace("articles/a/", "articles/moved/")),)
    assert load_site(replace(options, now=NOW.replace(year=2030)), cache)[0].events == moved
    assert rendered.count(DETAIL) == 1


def test_a_timeline_detail_with_a_problem_is_told_on_every_build(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text()},
                            timeline=f"- date: 2020-01-30\n  title: 事件\n  detail: {DETAIL}\n"
                                     "- date: 2020-01-31\n  title: 又一事件\n  detail: 见[无](articles/none.md)\n")
    cache = BuildCache.in_memory()
    options = BuildOptions(content_dir=content, now=NOW)
    for _ in range(2):
        with pytest.raises(ContentError) as caught:
            load_site(options, cache)
        assert [str(p).split(": error:")[0] for p in caught.value.log.errors] == ["timeline.yaml:6"]
    (content / "timeline.yaml").write_text(f"- date: 2020-01-30\n  title: 事件\n  detail: {DETAIL}\n", encoding="utf-8")
    load_site(options, cache)
    (content / "articles" / "2020-01-30-a.md").write_text(article_text(draft="true"), encoding="utf-8")
    for _ in range(2):  # the report it links to is now a draft: a warning, each time
        site, log = load_site(options, cache)
        assert [str(p) for p in log.warnings] == [
            "timeline.yaml:3: warning: the link 'articles/2020-01-30-a.md' names a draft or scheduled report; "
            "it shows as plain text until that report is published"]
        assert "href" not in site.events[0].detail_html


def test_a_pasted_img_without_alt_is_a_warning_naming_file_and_line(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(body='前文。\n\n<img src="https://example.org/x.jpg">')})
    site, log = load(content)
    assert 'alt=""' in site.by_slug["a"].html
    assert [str(p).split(" warning: ")[0] for p in log.warnings] == ["articles/a.md:7:"]
    assert "no description (alt)" in str(log.warnings[0])


def test_every_report_is_weighed_against_one_moment_though_the_clock_runs_during_the_build(tmp_path, monkeypatch):
    """The build's time is read once: read again for each report, one coming due while a build
    runs could be left out by a build whose time is past its date, and the next build would
    not know that it has something to publish."""
    import digest.options

    ticks = iter(range(1000))

    class RunningClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return NOW + timedelta(seconds=next(ticks))

    monkeypatch.setattr(digest.options, "datetime", RunningClock)
    content = write_content(tmp_path, {"a.md": article_text(), "due.md": article_text(date="2020-03-01T00:00:00.5Z")})
    site, _ = load_site(BuildOptions(content_dir=content))
    assert [a.slug for a in site.waiting] == ["due"] and site.built_at == NOW


# --- drafts never block (contract: Command line) ----------------------------------------


def test_a_broken_draft_is_a_warning_and_the_others_are_published(tmp_path):
    content = write_content(tmp_path, {
        "a.md": article_text(),
        "draft.md": article_text(title="''", draft="true", photos="[media/gone.jpg]"),
        "later.md": article_text(date="2021-05-01 08:00", tags="{a: 1}"),
        "draft-photo.md": article_text(draft="true", photos="[media/gone.jpg]"),
    })
    site, log = load(content)
    assert [a.slug for a in site.articles] == ["a"]
    assert log.errors == []
    warned = [str(p) for p in log.warnings]
    assert "articles/draft.md:2: warning: 'title:' is empty; fill it in, e.g. 'title: 驿马乡：党员干部守在防控一线'" in warned
    assert any(w.startswith("articles/later.md:4: warning: 'tags:' must be a list") for w in warned)
    assert any(w.startswith("articles/draft-photo.md:5: warning: the photo 'media/gone.jpg' does not exist") for w in warned)


def test_a_broken_draft_is_an_error_when_drafts_are_built(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "draft.md": article_text(title="''", draft="true")})
    with pytest.raises(ContentError) as caught:
        load(content, drafts=True)
    assert [str(p) for p in caught.value.log.errors] == [
        "articles/draft.md:2: error: 'title:' is empty; fill it in, e.g. 'title: 驿马乡：党员干部守在防控一线'"]
    with pytest.raises(ContentError):
        load(write_content(tmp_path / "b", {"later.md": article_text(date="2021-05-01", tags="{a: 1}")}), future=True)


def test_a_held_back_reports_body_is_checked_and_warned_about_but_nothing_of_it_is_published(tmp_path):
    """A draft's or a scheduled report's broken link is a warning at its line (an error with
    --drafts / --future), and a file only it links to is not published."""
    body = "第一段。\n\n见[附件](../media/only-draft.pdf)和[另一篇](gone.md)。\n"
    content = write_content(tmp_path, {
        "a.md": article_text(),
        "draft.md": article_text(draft="true", body=body),
        "later.md": article_text(date="2021-05-01 08:00", body="![图](../media/gone.png)"),
    })
    (content / "media").mkdir()
    (content / "media" / "only-draft.pdf").write_bytes(b"%PDF-1.4\n")
    site, log = load(content)
    assert log.errors == [] and site.assets == frozenset()
    warned = [str(p) for p in log.warnings]
    assert any(w.startswith("articles/draft.md:8: warning: the link 'gone.md' names an article file that does not exist")
               for w in warned), "\n".join(warned)
    assert any(w.startswith("articles/later.md:5: warning: the image '../media/gone.png' names a file that does not exist")
               for w in warned), "\n".join(warned)
    with pytest.raises(ContentError) as caught:
        load(content, drafts=True, future=True)
    assert len(caught.value.log.errors) == 2


def test_a_draft_sharing_a_slug_blocks_nothing(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "b.md": article_text(slug="a", draft="true")})
    site, log = load(content)
    assert [a.slug for a in site.articles] == ["a"]
    assert {p.location.path for p in log.warnings} == {"articles/a.md", "articles/b.md"}
    assert errors_of(write_content(tmp_path / "two", {"a.md": article_text(), "b.md": article_text(slug="a")})) != []


def test_a_file_whose_front_matter_cannot_be_read_stays_an_error_that_says_how_to_publish_the_others(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "broken.md": "---\ntitle: 草稿\ndate：2020-01-30\ndraft: true\n正文\n"})
    errors = errors_of(content)
    assert len(errors) == 1 and errors[0].startswith("articles/broken.md:")
    assert "move this file out of the articles folder until it is fixed" in errors[0]


def test_the_others_are_published_by_a_real_build_beside_a_broken_draft(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text(), "draft.md": article_text(date="2020年2月30日", draft="true")},
                            site="title: 测试站\nlanguage: en\n")
    result = run_build("--content", str(content), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "articles/draft.md:3: warning: 'date:' says 2020年2月30日, but February 2020 has 29 days" in result.stderr
    assert (tmp_path / "out" / "articles" / "a" / "index.html").is_file()
    assert not (tmp_path / "out" / "articles" / "draft").exists()
    drafts = run_build("--content", str(content), "--output", str(tmp_path / "out"), "--drafts")
    assert drafts.returncode == 1 and "articles/draft.md:3: error: 'date:'" in drafts.stderr


def test_a_report_changed_after_it_was_read_is_rendered_as_it_is_now(tmp_path):
    """The render reads the text again; a file edited in between is read whole again,
    as the cache's path does, rather than its new body put under the old front matter."""
    from digest.cache import BuildCache, file_digest
    from digest.config import SiteConfig
    from digest.loading import BodyJob, read_article_file, render_body

    content = write_content(tmp_path, {"2020/2020-01-30-a.md": article_text(body="旧的正文。")})
    path = content / "articles" / "2020" / "2020-01-30-a.md"
    config = SiteConfig()
    article, _problems = read_article_file(path, content, config)
    cache = BuildCache.in_memory()
    cache.remember(article.source, file_digest(path), article, ())
    job = BodyJob(content, config, {article.source: article.url}, set(), set(), [],
                  {article.source: cache.known_digest(article.source)})
    light = replace(article, body="")
    assert "旧的正文" in render_body(job, light).html
    path.write_text(article_text(body="新的正文。"), encoding="utf-8")
    assert "新的正文" in render_body(job, light).html
