"""The build: where the site goes, and what happens when it cannot go there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from conftest import article_text, load_cli, run_build, write_content
from digest.builder import _render_page


def test_build_with_errors_leaves_output_untouched(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    output = tmp_path / "output"
    assert run_build("--content", str(content), "--output", str(output)).returncode == 0
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    (content / "articles" / "a.md").write_text("---\ntitle: x\n", encoding="utf-8")
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 1
    assert "articles/a.md:1: error: the front matter is not closed" in result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before


def test_an_output_that_cannot_be_written_is_an_error_without_a_traceback(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_build("--content", str(content), "--output", str(blocker / "output"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{blocker}/")
    assert ":1: error: the build could not finish (Not a directory); the previous output is left as it was" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def _killed_on_its_second_page(index: int) -> bytes:
    if index == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return _render_page(index)


def test_a_worker_killed_from_outside_is_an_error_that_says_so(tmp_path, monkeypatch, capsys):
    """Not a hang (a pool waiting forever for the lost pages), not a traceback, and not the
    advice about disk space."""
    from digest import builder, parallel

    if not parallel._can_fork() or parallel.cores() < 2:
        pytest.skip("the pages are rendered in this process here")
    content = write_content(tmp_path, {f"{n}.md": article_text(title=f"第{n}篇") for n in range(3)})
    output = tmp_path / "output"
    cli = load_cli()
    assert cli.main(["--content", str(content), "--output", str(output), "--lang", "en"]) == 0
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    (content / "articles" / "0.md").write_text(article_text(title="第0篇", body="改过的正文。"), encoding="utf-8")
    monkeypatch.setattr(builder, "_render_page", _killed_on_its_second_page)
    monkeypatch.setattr(builder, "each_result", lambda *args, **kwargs: parallel.each_result(*args, min_items=2))
    capsys.readouterr()
    assert cli.main(["--content", str(content), "--output", str(output), "--lang", "en"]) == 1
    told = capsys.readouterr().err
    assert ":1: error: the build could not finish (a worker process was stopped from outside, often because the " \
           "machine ran out of memory); the previous output is left as it was: close other programs" in told
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before


def test_files_put_into_the_output_by_hand_are_removed_with_a_warning(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    output = tmp_path / "output"
    assert run_build("--content", str(content), "--output", str(output)).returncode == 0
    (output / "CNAME").write_text("news.example.cn\n", encoding="utf-8")
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert f"{output.as_posix()}/CNAME:1: warning: this file was not made by the build" in result.stderr
    assert not (output / "CNAME").exists()
    for text in ("再改一次。", "又改一次。"):  # the old output is reused as the next staging tree
        (content / "articles" / "a.md").write_text(article_text(body=text), encoding="utf-8")
        result = run_build("--content", str(content), "--output", str(output))
        assert result.returncode == 0 and "CNAME" not in result.stderr
        assert not (output / "CNAME").exists()


def test_a_build_imports_beautifulsoup_and_icalendar_only_when_it_uses_them():
    """An edit's build starts a new Python: bs4 and icalendar cost it a fifth of a second
    of imports it needs only for a correction's note, a feed body or a calendar."""
    script = "import sys, digest.builder, digest.cli; print(sorted({'bs4', 'icalendar'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_an_edit_pickles_its_records_while_pagefind_works_and_an_archive_build_does_not(tmp_path, monkeypatch):
    """An edit's shard is indexed while the pages are written, and the build then waits for
    it: the records are pickled meanwhile. An archive's shards are indexed after the pages,
    and holding all its records pickled meanwhile would only cost memory."""
    from digest import builder
    from digest.cache import BuildCache

    content = write_content(tmp_path, {f"{year}-01-01-r{year}.md": article_text(title=f"{year}年", date=f"{year}-01-01")
                                       for year in (2018, 2019, 2020)})
    output = tmp_path / "output"
    prepared = []
    prepare = BuildCache.prepare_save
    monkeypatch.setattr(BuildCache, "prepare_save", lambda cache: (prepared.append(1), prepare(cache)))
    monkeypatch.setattr(builder, "cores", lambda: 2)  # three shards, one a year: more than the cores
    cli = load_cli()
    assert cli.main(["--content", str(content), "--output", str(output)]) == 0
    assert prepared == []
    (content / "articles" / "2019-01-01-r2019.md").write_text(article_text(title="改过", date="2019-01-01"), encoding="utf-8")
    assert cli.main(["--content", str(content), "--output", str(output)]) == 0
    assert prepared == [1]


def test_the_cycle_collector_rests_while_a_build_runs_and_is_back_after_it(tmp_path, monkeypatch):
    """At 100,000 reports it took 2 of an edit's 14 seconds, over objects that live until
    the build ends. It is back when the build ends, whether the content had errors or not."""
    import gc

    from digest import builder

    content = write_content(tmp_path, {"a.md": article_text(title="甲")})
    seen = []
    load = builder.load_site
    monkeypatch.setattr(builder, "load_site", lambda *args, **kwargs: (seen.append(gc.isenabled()),
                                                                       load(*args, **kwargs))[1])
    cli = load_cli()
    assert gc.isenabled()
    assert cli.main(["--content", str(content), "--output", str(tmp_path / "output")]) == 0
    (content / "articles" / "b.md").write_text("no front matter", encoding="utf-8")
    assert cli.main(["--content", str(content), "--output", str(tmp_path / "output")]) == 1
    assert seen == [False, False]
    assert gc.isenabled()


def test_the_output_is_looked_at_before_the_records_are_read(tmp_path, monkeypatch):
    """The look at the output's files runs in a second process; at 100,000 reports it
    took longer than the loading it runs beside, so it begins as soon as the trees
    are known, before the records (1 s to read there) are, and before the content is
    stamped (0.5 s there) when the check for nothing to do has not stamped it already."""
    from digest import builder

    content = write_content(tmp_path, {"a.md": article_text(title="甲"), "b.md": article_text(title="乙")})
    records_then = []
    look = builder.look_ahead
    monkeypatch.setattr(builder, "look_ahead", lambda output_dir, cache: (
        records_then.append((len(cache.state.articles), cache.state.trees.output is not None, cache.stamped)),
        look(output_dir, cache))[1])
    cli = load_cli()
    for title in ("甲", "改过"):
        (content / "articles" / "a.md").write_text(article_text(title=title), encoding="utf-8")
        assert cli.main(["--content", str(content), "--output", str(tmp_path / "output")]) == 0
    assert records_then == [(0, False, None), (0, True, None)]
    assert "改过" in (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
