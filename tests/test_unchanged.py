"""A build with nothing to do: it says so from the last build's record, and only when
nothing the build reads has changed and the output is as that build left it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from digest import builder, cache, unchanged
from digest.builder import build
from digest.cache import cache_folder
from digest.options import BuildOptions, Theme
from conftest import PROJECT, article_text, load_cli, write_content

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def trusting(monkeypatch):
    """Files made by a test are seconds old, too new to be trusted on their stamps."""
    monkeypatch.setattr(unchanged, "RACY_NS", 0)


class Site:
    """A small content folder, a theme of its own, and an output built from them."""

    def __init__(self, root: Path):
        self.content = write_content(root, {
            "2020/2020-01-30-a.md": article_text("第一篇", "2020-01-30", "驿马乡的报道。", place="驿马乡"),
            "2020/2020-02-01-b.md": article_text("第二篇", "2020-02-01", "崇文街道的报道。", tags="[防疫]"),
            "2024/2024-07-01-c.md": article_text("定时稿", "2024-07-01 08:00", "还没到时间。"),
        }, timeline="- date: 2020-01-26\n  title: 启动一级响应\n")
        self.theme = Theme(root / "templates", root / "static")
        shutil.copytree(PROJECT / "templates", self.theme.templates_dir)
        shutil.copytree(PROJECT / "static", self.theme.static_dir)
        self.options = BuildOptions(content_dir=self.content, output_dir=root / "output", now=NOW)

    def build(self, **changes):
        return build(replace(self.options, **changes), self.theme)

    def unchanged(self, now: datetime = NOW, **changes):
        return unchanged.unchanged_build(replace(self.options, **changes), self.theme, now).last


@pytest.fixture
def site(tmp_path, trusting) -> Site:
    made = Site(tmp_path)
    made.build()
    return made


def test_a_build_leaves_a_record_that_vouches_for_its_output(site):
    last = site.unchanged()
    assert last is not None
    assert last.summary.reports == 2 and last.files == len(last.output.ids)
    assert [a.title for a in last.summary.scheduled] == ["定时稿"]
    assert last.horizon == datetime(2024, 7, 1, 0, 0, tzinfo=timezone.utc)  # 08:00 in Beijing


@pytest.mark.parametrize("change", [
    "edit", "same size and time", "new file", "removed file", "new folder", "template", "static",
])
def test_any_change_to_what_the_build_reads_means_a_whole_build(site, change):
    article = site.content / "articles" / "2020" / "2020-01-30-a.md"
    if change == "edit":
        article.write_text(article.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")
    elif change == "same size and time":  # the bytes differ, size and mtime are put back: the ctime tells
        before = article.stat()
        text = article.read_bytes()
        article.write_bytes(text.replace("驿马乡".encode(), "柱濮乡".encode()))
        os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif change == "new file":
        (site.content / "media").mkdir()
        (site.content / "media" / "notice.pdf").write_bytes(b"%PDF-1.4\n")
    elif change == "removed file":
        (site.content / "timeline.yaml").unlink()
    elif change == "new folder":
        (site.content / "articles" / "2021").mkdir()
        (site.content / "articles" / "2021" / "2021-01-01-d.md").write_text(article_text(), encoding="utf-8")
    elif change == "template":
        base = site.theme.templates_dir / "base.html"
        base.write_text(base.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        (site.theme.static_dir / "extra.css").write_text("p{}", encoding="utf-8")
    assert site.unchanged() is None


@pytest.mark.parametrize("folder", [".git", ".hg", ".svn", ".GIT"])
def test_a_content_folder_that_is_a_repository_is_unchanged_by_its_own_history(site, folder):
    """git writes into .git on every fetch or status; no build reads from it (a link or
    photo that leads into it is an error), so it is no change to the content."""
    repository = site.content / folder
    repository.mkdir()
    (repository / "FETCH_HEAD").write_text("abc\n", encoding="utf-8")
    assert site.unchanged() is not None
    theme_repository = site.theme.static_dir / folder  # the theme's static folder: none of it is published either
    theme_repository.mkdir()
    (theme_repository / "HEAD.txt").write_text("ref\n", encoding="utf-8")
    assert site.unchanged() is not None
    assert not list(Path(site.options.output_dir).rglob("HEAD.txt"))
    site.build()
    assert not list(Path(site.options.output_dir).rglob("HEAD.txt"))
    (site.content / ".sync").mkdir()  # any other hidden folder may hold a file a report links to
    (site.content / ".sync" / "notes.txt").write_text("1", encoding="utf-8")
    assert site.unchanged() is None


@pytest.mark.parametrize("option", [
    {"base_url": "https://other.example/"}, {"drafts": True}, {"future": True},
])
def test_other_options_mean_a_whole_build(site, option):
    assert site.unchanged(**option) is None


def test_another_engine_means_a_whole_build(site, monkeypatch):
    monkeypatch.setattr(unchanged, "engine_key", lambda: "another version")
    assert site.unchanged() is None


@pytest.mark.parametrize("damage", ["removed", "edited", "added"])
def test_an_output_not_as_the_build_left_it_means_a_whole_build(site, damage):
    page = site.options.output_dir / "index.html"
    if damage == "removed":
        page.unlink()
    elif damage == "edited":
        with open(page, "a", encoding="utf-8") as file:
            file.write("<!-- by hand -->")
    else:
        (site.options.output_dir / "by-hand.html").write_text("<p>hi</p>", encoding="utf-8")
    assert site.unchanged() is None


def test_the_stamps_of_the_check_serve_the_build_that_follows(site):
    """The whole build after a failed check records the stamps the check took (it does not
    walk the content again); a file changed after they were taken is not vouched for."""
    first = site.content / "articles" / "2020" / "2020-01-30-a.md"
    second = site.content / "articles" / "2020" / "2020-02-01-b.md"
    first.write_text(first.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")
    verdict = unchanged.unchanged_build(site.options, site.theme, NOW)
    assert verdict.last is None and verdict.inputs is not None
    build(site.options, site.theme, inputs=verdict.inputs)
    assert site.unchanged() is not None

    first.write_text(first.read_text(encoding="utf-8") + "再补一句。\n", encoding="utf-8")
    verdict = unchanged.unchanged_build(site.options, site.theme, NOW)
    second.write_text(second.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")  # meanwhile
    build(site.options, site.theme, inputs=verdict.inputs)
    assert site.unchanged() is None
    build(site.options, site.theme)
    assert site.unchanged() is not None


def test_the_build_takes_the_checks_stamps_for_the_reports_it_does_not_look_at_again(site, monkeypatch):
    """At 10,000 reports a second look at each file is 0.05 s of an edit: the build takes
    the stamps the check took. A report that is a symbolic link was stamped as the link,
    so it is looked at; an edited one is read, as always."""
    articles = site.content / "articles" / "2020"
    (site.content / "notes").mkdir()
    (site.content / "notes" / "l.md").write_text(article_text("链接稿", "2020-03-01", "经由链接。"), encoding="utf-8")
    (articles / "2020-03-01-l.md").symlink_to(site.content / "notes" / "l.md")
    first = articles / "2020-01-30-a.md"
    first.write_text(first.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")
    verdict = unchanged.unchanged_build(site.options, site.theme, NOW)
    looked = []
    look = cache.file_signs
    monkeypatch.setattr(cache, "file_signs", lambda path: looked.append(path.name) or look(path))
    build(site.options, site.theme, inputs=verdict.inputs)
    assert looked == ["2020-03-01-l.md"]
    page = site.options.output_dir / "articles" / "a" / "index.html"
    assert "补充一句" in page.read_text(encoding="utf-8")
    assert site.unchanged() is not None


def test_the_stamps_say_what_a_look_at_a_plain_file_says(tmp_path):
    content = write_content(tmp_path, {"2020/2020-01-30-a.md": article_text()})
    (content / "articles" / "2020" / "2020-01-31-l.md").symlink_to(content / "articles" / "2020" / "2020-01-30-a.md")
    inputs = unchanged.take_inputs(BuildOptions(content_dir=content, output_dir=tmp_path / "output"),
                                   Theme(tmp_path / "templates", tmp_path / "static"))
    signs = inputs.content_signs("articles/2020/2020-01-30-a.md")
    assert signs[:-1] == cache.file_signs(content / "articles" / "2020" / "2020-01-30-a.md")[:-1]
    assert signs[-1] == inputs.begun_at <= inputs.taken_at  # never later than the look itself
    assert inputs.content_signs("articles/2020/2020-01-31-l.md") is None  # the link's own stamp
    assert inputs.content_signs("articles/2020/2020-02-01-new.md") is None


def test_a_scheduled_report_coming_due_means_a_whole_build(site):
    due = datetime(2024, 7, 1, 0, 0, tzinfo=timezone.utc)
    assert site.unchanged(now=due - timedelta(seconds=1)) is not None
    assert site.unchanged(now=due) is None


def test_files_changed_just_before_the_build_are_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setattr(unchanged, "RACY_NS", 10**12)  # every file is "just changed"
    made = Site(tmp_path)
    made.build()
    assert not (cache_folder(made.options.output_dir) / unchanged.RECORD).exists()  # of no use: not written
    assert made.unchanged() is None


def test_a_failed_build_leaves_no_record(site):
    bad = site.content / "articles" / "2020" / "2020-02-02-bad.md"
    bad.write_text("---\ntitle: 坏\n---\n正文\n", encoding="utf-8")  # no date: an error
    with pytest.raises(builder.ContentError):
        site.build()
    assert not (cache_folder(site.options.output_dir) / unchanged.RECORD).exists()
    bad.unlink()
    assert site.unchanged() is None


def test_a_damaged_record_means_a_whole_build(site):
    (cache_folder(site.options.output_dir) / unchanged.RECORD).write_bytes(b"garbage")
    assert site.unchanged() is None


def test_the_command_line_says_what_a_whole_build_would_say(tmp_path, trusting, monkeypatch, capsys):
    """The same warnings, counts and summary as a whole build with nothing to do."""
    content = write_content(tmp_path, {
        "2020/2020-01-30-a.md": article_text("第一篇", "2020-01-30", "见[草稿](2020-02-01-b.md)。"),
        "2020/2020-02-01-b.md": article_text("草稿", "2020-02-01", "未完。", draft="true"),
        "2099/2099-01-01-c.md": article_text("定时稿", "2099-01-01", "以后发布。"),
    })
    cli = load_cli()
    args = ["--content", str(content), "--output", str(tmp_path / "output"), "--lang", "en"]

    def said() -> list[str]:
        assert cli.main(list(args)) == 0
        return [re.sub(r"in [\d.]+ s", "in S s", line) for line in capsys.readouterr().err.splitlines()]

    said()  # the first build
    (cache_folder(tmp_path / "output") / unchanged.RECORD).unlink()
    whole = said()  # nothing to do, found out the long way; it leaves the record again
    monkeypatch.setattr(builder, "build", lambda *a, **k: pytest.fail("a whole build was made"))
    assert said() == whole
    assert any("draft" in line for line in whole) and any("0 files written" in line for line in whole)


def test_a_build_with_nothing_to_do_loads_neither_markdown_nor_jinja(tmp_path):
    """What makes it quick: it does not import the libraries that render."""
    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    time.sleep(unchanged.RACY_NS / 1e9)  # until the copies are old enough to be trusted
    command = [sys.executable, "-X", "importtime", str(PROJECT / "build.py"), "--content", str(content),
               "--output", str(tmp_path / "output"), "--lang", "en"]

    def imported() -> set[str]:
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}

    assert {"markdown", "digest.builder"} <= imported()  # the first build renders
    assert not imported() & {"markdown", "jinja2", "digest.builder", "feedgen", "bs4", "lxml"}
