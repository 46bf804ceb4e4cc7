"""The pre-publish report: the numbers first, then what `check` and a build print."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import article_text, run_build, write_content
from digest.config import SiteConfig
from digest.content import Article
from digest.errors import ProblemLog
from digest.summary import (LISTED_MONTHS, LISTED_WAITING, NO_PLACE, PageChanges, format_summary, how_long,
                            make_summary)
from digest.site import Site

TZ = ZoneInfo("Asia/Shanghai")
BUILT = datetime(2020, 3, 1, tzinfo=TZ)


def article(slug, month, day, place="", draft=False):
    return Article(source=f"articles/{slug}.md", slug=slug, title=f"标题{slug}",
                   date=datetime(2020, month, day, 9, 0, tzinfo=TZ), place=place, draft=draft)


def make_site(articles, waiting=()):
    return Site.create(SiteConfig(), list(articles), [], BUILT, waiting=list(waiting))


def test_counts_by_place_and_month_and_what_is_waiting():
    site = make_site(
        [article("a", 1, 30, "驿马乡"), article("b", 2, 1, "驿马乡"), article("c", 2, 2, "下栅村"), article("d", 2, 3)],
        waiting=[article("later", 5, 1), article("draft", 2, 4, "驿马乡", draft=True)],
    )
    problems = ProblemLog()
    problems.warning("articles/a.md", 3, "a warning")
    problems.warning("articles/b.md", 3, "another")
    summary = make_summary(site, problems)
    assert summary.reports == 4
    assert summary.by_place == (("驿马乡", 2), ("下栅村", 1), (NO_PLACE, 1))
    assert summary.by_month == (("2020-02", 3), ("2020-01", 1))
    assert [a.slug for a in summary.drafts] == ["draft"]
    assert [a.slug for a in summary.scheduled] == ["later"]
    assert (summary.warnings, summary.included_early, summary.changes) == (2, 0, None)


def test_the_printed_report():
    site = make_site([article("a", 1, 30, "驿马乡")], waiting=[article("later", 5, 1), article("d", 2, 4, draft=True)])
    lines = format_summary(make_summary(site, ProblemLog(), PageChanges(changed=2, unchanged=40)))
    assert lines == [
        "before publishing:",
        "  reports: 1 in the site; waiting: 1 draft(s), 1 scheduled",
        "  by place: 驿马乡 1",
        "  by month: 2020-01 1",
        "  draft: articles/d.md: 标题d",
        "  scheduled: articles/later.md: 标题later (from 2020-05-01 09:00)",
        "  next scheduled: articles/later.md: 标题later, comes due 2020-05-01 09:00 (in 61 day(s) 9 h)",
        "  warnings: 0",
        "  since the last build: 2 file(s) changed, 40 unchanged",
    ]


def test_drafts_shown_in_the_site_are_counted_and_long_lists_are_cut():
    drafts = [article(f"d{n:02d}", 2, 1 + n, draft=True) for n in range(LISTED_WAITING + 3)]
    site = make_site([article("a", 1, 30), article("shown", 2, 1, draft=True)], waiting=drafts)
    lines = format_summary(make_summary(site, ProblemLog()))
    assert lines[1] == f"  reports: 2 in the site (1 of them drafts or scheduled); waiting: {len(drafts)} draft(s), 0 scheduled"
    listed = [line for line in lines if line.startswith("  draft: ")]
    assert len(listed) == LISTED_WAITING
    assert "  ... and 3 more draft(s)" in lines
    assert format_summary(make_summary(make_site([]), ProblemLog()))[2:4] == ["  by place: none", "  by month: none"]


def test_an_archive_of_years_names_the_newest_months_and_sums_the_rest():
    site = make_site([article(f"m{month}", month, 1 + n) for month in range(1, 13) for n in range(month % 3 + 1)]
                     + [Article(source="articles/old.md", slug="old", title="旧", date=datetime(2019, 5, 1, tzinfo=TZ))])
    line = format_summary(make_summary(site, ProblemLog()))[3]
    assert line.startswith("  by month: 2020-12 1, 2020-11 3, ")
    assert line.endswith(", 2020-01 2, 1 earlier month(s) 1")
    assert line.count(",") == LISTED_MONTHS


def test_check_and_build_print_the_report(tmp_path):
    content = write_content(tmp_path, {
        "a.md": article_text(place="驿马乡"),
        "b.md": article_text(date="2020-02-01", place="驿马乡"),
        "c.md": article_text(title="草稿标题", draft="true"),
        "d.md": article_text(title="以后再发", date="2999-01-01 08:00"),
    })
    check = run_build("check", "--content", str(content))
    assert check.returncode == 0, check.stderr
    assert "  reports: 2 in the site; waiting: 1 draft(s), 1 scheduled" in check.stderr
    assert "  by place: 驿马乡 2" in check.stderr
    assert "  by month: 2020-02 1, 2020-01 1" in check.stderr
    assert "  draft: articles/c.md: 草稿标题" in check.stderr
    assert "  scheduled: articles/d.md: 以后再发 (from 2999-01-01 08:00)" in check.stderr
    assert "  next scheduled: articles/d.md: 以后再发, comes due 2999-01-01 08:00 (in " in check.stderr
    assert "  warnings: 1" in check.stderr  # the scheduled report's
    build = run_build("--content", str(content), "--output", str(tmp_path / "output"), "--drafts")
    assert build.returncode == 0, build.stderr
    assert "  reports: 3 in the site (1 of them drafts or scheduled); waiting: 0 draft(s), 1 scheduled" in build.stderr


def test_the_next_scheduled_report_is_named_with_when_it_comes_due():
    soon = Article(source="articles/soon.md", slug="soon", title="快了", date=datetime(2020, 3, 1, 2, 5, tzinfo=TZ))
    site = make_site([article("a", 1, 30)], waiting=[soon, article("later", 5, 1), article("d", 2, 4, draft=True)])
    summary = make_summary(site, ProblemLog())
    assert summary.due_in == soon.date - BUILT
    assert "  next scheduled: articles/soon.md: 快了, comes due 2020-03-01 02:05 (in 2 h 5 min)" in format_summary(summary)
    assert make_summary(make_site([], waiting=[article("d", 2, 4, draft=True)]), ProblemLog()).due_in is None


def test_a_wait_is_said_as_precisely_as_it_needs():
    assert [how_long(timedelta(seconds=s)) for s in (20, 59 * 60, 3 * 3600 + 300, 2 * 86400 + 3 * 3600 + 59)] == [
        "in 0 min", "in 59 min", "in 3 h 5 min", "in 2 day(s) 3 h"]


def test_the_tags_used_once_are_listed():
    once = Article(source="articles/e.md", slug="e", title="e", date=BUILT, tags=("卡口执守", "疫情防控"))
    twice = Article(source="articles/f.md", slug="f", title="f", date=BUILT, tags=("疫情防控",))
    assert make_summary(make_site([once, twice]), ProblemLog()).tags_used_once == ("卡口执守",)
    many = [Article(source=f"articles/{n}.md", slug=f"s{n}", title="t", date=BUILT, tags=(f"标签{n:02d}",))
            for n in range(25)]
    lines = format_summary(make_summary(make_site(many), ProblemLog()))
    assert "  tags used once: " + ", ".join(f"标签{n:02d}" for n in range(20)) + " and 5 more" in lines


ENGLISH_SITE = "title: 测试站\nlanguage: en\nbase_url: https://example.cn/\n"


def test_a_real_check_names_tag_slips_the_tags_used_once_and_a_file_name_of_another_day(tmp_path):
    content = write_content(tmp_path, {
        "2020-01-30-a.md": article_text(tags="[疫情防控, 卡口值守]"),
        "2020-01-30-b.md": article_text(tags="疫情防控，卡口值守"),
        "2020-01-30-c.md": article_text(tags="[疫情防空, 春耕]"),
        "2020-01-31-d.md": article_text(date="2020年2月1日 10：30", tags="【疫情防控】"),
    }, site=ENGLISH_SITE)
    check = run_build("check", "--content", str(content))
    assert check.returncode == 0, check.stderr
    assert ("articles/2020-01-30-c.md:4: warning: the tag '疫情防空' looks like a slip for '疫情防控', "
            "which 3 reports use; if it is, correct it (as written it gets a tag page of its own)") in check.stderr
    assert ("articles/2020-01-31-d.md:3: warning: the file name says 2020-01-31 but 'date:' says 2020-02-01; "
            "the date is the one used: correct it, or rename the file") in check.stderr
    assert "  tags used once: 春耕, 疫情防空\n" in check.stderr
