"""The cache: where it lives, what it trusts, and what makes it start afresh."""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import threading
import time
import weakref
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from types import SimpleNamespace

import pytest

from digest.cache import (ArticleRecord, BuildCache, CacheState, cache_folder, file_digest, file_signs, file_state,
                          short_hash)
from digest.config import SiteConfig
from digest.content import Article, Body
from digest.errors import Location, Problem, ProblemLog
from digest.write import Manifest, Trees

DATE = datetime(2020, 1, 30, 9, tzinfo=timezone.utc)


def make_article(source="articles/a.md", slug="a", title="标题", **fields) -> Article:
    return Article(source=source, slug=slug, title=title, date=DATE, body="正文。", **fields)


def test_the_cache_lives_beside_the_output(tmp_path):
    folder = cache_folder(tmp_path / "site" / "output")
    assert folder == tmp_path / "site" / ".digest-cache" / "build-output"
    assert folder != cache_folder(tmp_path / "site" / "preview")


def test_records_are_found_by_the_bytes_of_the_file(tmp_path):
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    warning = Problem(Location("articles/a.md", 3), "warning", "a warning")
    cache.remember("articles/a.md", "digest-1", make_article(), [warning])
    assert cache.record("articles/a.md", "digest-2") is None
    record = cache.record("articles/a.md", "digest-1")
    assert record.problems == (warning,)
    assert record.article.body == ""  # the text is not kept: the file is there to read
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    again.use_config(SiteConfig())
    assert again.record("articles/a.md", "digest-1").article.title == "标题"
    again.use_config(SiteConfig(title="另一个站"))
    assert again.record("articles/a.md", "digest-1") is None  # site.yaml changed: start afresh
    again.close()


def cache_with_body(tmp_path, links=None, assets=None, is_cacheable=True) -> tuple[BuildCache, Article]:
    """A cache that has just rendered the body of one article."""
    cache = BuildCache(tmp_path / "output")
    article = make_article()
    cache.remember(article.source, "d", article, [])
    cache.remember_body(article, "<p>正文。</p>", (), "正文。", "正​文​。", (), links or {}, assets or {}, (), is_cacheable)
    return cache, article


def test_a_remembered_body_is_used_only_while_its_links_resolve_the_same(tmp_path):
    content = tmp_path / "content"
    (content / "media").mkdir(parents=True)
    (content / "media" / "map.pdf").write_bytes(b"%PDF")
    pdf = content / "media" / "map.pdf"
    cache, article = cache_with_body(tmp_path, {"articles/b.md": "articles/b/"}, {"media/map.pdf": file_state(pdf)})
    urls = {"articles/a.md": "articles/a/", "articles/b.md": "articles/b/"}
    assert cache.body(article, urls, content) is not None
    assert cache.body(article, {**urls, "articles/b.md": "articles/bee/"}, content) is None
    assert cache.body(article, {"articles/a.md": "articles/a/"}, content) is None
    pdf.write_bytes(b"%PDF-1.7")  # a linked file that changes: an image's size is in the HTML
    assert cache.body(article, urls, content) is None
    pdf.unlink()
    assert cache.body(article, urls, content) is None
    cache.close()


def test_the_next_build_looks_up_a_kept_bodys_links_only_if_a_report_it_could_link_to_has_moved(tmp_path):
    urls = {"articles/a.md": "articles/a/", "articles/b.md": "articles/b/"}
    cache, article = cache_with_body(tmp_path, {"articles/b.md": "articles/b/"})
    cache.links_to(urls)
    cache.save()
    cache.close()
    grown = {**urls, "articles/c.md": "articles/c/"}  # a new report moves no other: nothing to look up
    again = BuildCache(tmp_path / "output")
    again.links_to(grown)
    assert again.body(article, {}, tmp_path) is not None  # not looked up: an empty map would fail it
    again.save()
    again.close()
    for moved in ({**grown, "articles/b.md": "articles/bee/"}, {"articles/a.md": "articles/a/"}):
        later = BuildCache(tmp_path / "output")
        later.links_to(moved)
        assert later.body(article, moved, tmp_path) is None
        later.close()


def test_a_body_with_a_broken_link_is_not_kept(tmp_path):
    cache, article = cache_with_body(tmp_path, is_cacheable=False)
    assert cache.body(article, {}, tmp_path) is None
    assert cache.fingerprints[article.source]  # still known for this build's signatures
    cache.close()


def test_html_of_a_remembered_body_is_fetched_when_a_page_needs_it(tmp_path):
    cache, _ = cache_with_body(tmp_path)
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    light = make_article()
    assert again.body(light, {}, tmp_path) is not None
    final = replace(light, rendered=Body((), fetch=partial(again.html, light)))
    assert final.html == "<p>正文。</p>"
    again.close()


def test_a_body_the_store_lost_is_rendered_again_after_one_warning(tmp_path):
    cache, _ = cache_with_body(tmp_path)
    cache.save()
    cache.close()
    (cache.folder / "bodies.sqlite").write_bytes(b"garbage " * 100)
    again = BuildCache(tmp_path / "output")
    again.fingerprints["articles/a.md"] = "f"
    again.render_again = lambda article: SimpleNamespace(html="<p>又一次。</p>", search_text="又 一 次 。")
    assert again.html(make_article()) == "<p>又一次。</p>"
    assert again.search_text(make_article()) == "又 一 次 。"
    assert [p.message.split(" (")[0] for p in again.problems] == [
        "the store of rendered reports of the build cache was damaged"]
    again.close()


def test_a_remembered_body_is_not_used_when_the_store_lost_its_html(tmp_path):
    cache, article = cache_with_body(tmp_path)
    cache.save()
    cache.close()
    (cache.folder / "bodies.sqlite").unlink()
    again = BuildCache(tmp_path / "output")
    assert again.body(article, {}, tmp_path) is None
    assert again.problems == []  # a store that is simply gone is started afresh without a word
    again.close()


def test_the_timeline_is_parsed_again_only_when_its_bytes_change(tmp_path):
    (tmp_path / "timeline.yaml").write_text("- date: 2020-01-26\n  title: 一\x07\n", encoding="utf-8")
    cache = BuildCache(tmp_path / "output")
    first, second = ProblemLog(), ProblemLog()
    value = cache.yaml_file(tmp_path, "timeline.yaml", first)
    assert cache.yaml_file(tmp_path, "timeline.yaml", second) is value
    assert second.problems == first.problems != []  # the warning is told again, not lost
    (tmp_path / "timeline.yaml").write_text("- date: 2020-01-27\n  title: 二\n", encoding="utf-8")
    assert cache.yaml_file(tmp_path, "timeline.yaml", ProblemLog())[0]["title"] == "二"
    cache.close()


def test_a_damaged_state_file_means_starting_afresh(tmp_path):
    cache = BuildCache(tmp_path / "output")
    cache.close()
    (cache.folder / "state.pickle").write_bytes(b"not a pickle")
    again = BuildCache(tmp_path / "output")
    assert again.state.articles == {}
    again.close()


def test_an_output_folder_replaced_by_hand_is_not_trusted(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    cache = BuildCache(output)
    cache.update(trees=Trees({"index.html": "sha1:x"}), signatures={"index.html": "s"})
    cache.save()
    cache.close()
    output.rename(tmp_path / "elsewhere")
    output.mkdir()
    again = BuildCache(output)
    assert again.state.trees.output is None and again.state.signatures == {}
    again.close()


def test_a_second_build_of_the_same_output_waits(tmp_path):
    first = BuildCache(tmp_path / "output")
    entered = threading.Event()

    def second():
        BuildCache(tmp_path / "output").close()
        entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.3)
    first.close()
    assert entered.wait(5)
    thread.join()


def cache_with_file(tmp_path, source: str):
    """A cache that has hashed one file (its text "一") and remembered its record."""
    path = tmp_path / "a.md"
    path.write_text("一", encoding="utf-8")
    cache = BuildCache(tmp_path / "output")
    digest = cache.digest(source, path)
    cache.remember(source, digest, make_article(), [])
    return cache, path, digest


def test_a_file_is_hashed_again_only_when_its_signs_change(tmp_path):
    cache, path, first = cache_with_file(tmp_path, "a.md")
    assert cache.digest("a.md", path) == first
    path.write_text("二", encoding="utf-8")  # same size, written within the same moment
    assert cache.digest("a.md", path) != first
    cache.close()


def test_a_file_not_changed_for_a_while_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    path.write_text("一", encoding="utf-8")
    later = time.time_ns() + 10_000_000_000  # hashed ten seconds after it was written
    monkeypatch.setattr("digest.cache.time.time_ns", lambda: later)
    cache = BuildCache(tmp_path / "output")
    digest = cache.digest("a.md", path)
    cache.remember("a.md", digest, make_article(), [])
    monkeypatch.setattr("digest.cache.file_digest", lambda path: pytest.fail("read again"))
    assert cache.digest("a.md", path) == digest
    cache.close()


def test_what_is_known_of_a_picture_is_kept_while_the_file_is_unchanged(tmp_path, monkeypatch):
    picture = tmp_path / "p.jpg"
    picture.write_bytes(b"jpeg one")
    later = time.time_ns() + 10_000_000_000  # read ten seconds after it was written
    monkeypatch.setattr("digest.cache.time.time_ns", lambda: later)
    reads = []
    read = lambda path: reads.append(path.read_bytes()) or len(reads)  # noqa: E731
    cache = BuildCache(tmp_path / "output")
    assert cache.picture(picture, read) == 1
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    assert again.picture(picture, read) == 1 and len(reads) == 1  # the next build does not read it
    picture.write_bytes(b"jpeg two")
    assert again.picture(picture, read) == 2
    again.save()
    again.close()
    monkeypatch.setattr("digest.cache.engine_key", lambda: "another engine")
    newer = BuildCache(tmp_path / "output")
    assert newer.picture(picture, read) == 3  # its renditions are named the new engine's way
    newer.close()


def test_a_picture_no_longer_used_is_forgotten(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"a")
    cache = BuildCache(tmp_path / "output")
    cache.picture(tmp_path / "a.jpg", lambda path: "a")
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    again.dirty = True
    again.save()
    again.close()
    assert BuildCache(tmp_path / "output").state.pictures == {}


def test_an_events_detail_is_kept_while_the_reports_it_links_keep_their_addresses(tmp_path):
    text = "见[甲](articles/a.md)和[乙](articles/b.md)"
    urls = {"articles/a.md": "articles/a/", "articles/b.md": "articles/b/", "articles/c.md": "articles/c/"}
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    cache.remember_event_detail(text, "<p>HTML</p>", {"articles/a.md": "articles/a/", "articles/b.md": "articles/b/"})
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    again.use_config(SiteConfig())
    assert again.event_detail(text, urls) == "<p>HTML</p>"
    assert again.event_detail(text, {**urls, "articles/c.md": "articles/cee/"}) == "<p>HTML</p>"
    assert again.event_detail(text, {**urls, "articles/b.md": "articles/bee/"}) is None
    assert again.event_detail(text, {"articles/a.md": "articles/a/"}) is None  # b unpublished: now a warning
    assert again.event_detail(text + "。", urls) is None
    again.use_config(SiteConfig(language="en"))  # another site.yaml: another HTML (the footnotes' words)
    assert again.event_detail(text, urls) is None
    again.close()


def test_an_events_detail_no_longer_in_the_timeline_is_forgotten(tmp_path):
    cache = BuildCache(tmp_path / "output")
    cache.remember_event_detail("一", "<p>一</p>", {})
    cache.remember_event_detail("二", "<p>二</p>", {})
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    assert again.event_detail("二", {}) == "<p>二</p>"
    again.dirty = True
    again.save()
    again.close()
    assert list(BuildCache(tmp_path / "output").state.details) == ["二"]


def test_a_state_written_by_code_with_other_parts_means_starting_afresh(tmp_path):
    cache = BuildCache(tmp_path / "output")
    cache.close()
    older = CacheState(records_key="made by older code")
    del older.pictures  # as a state pickled before pictures were remembered
    (cache.folder / "state.pickle").write_bytes(pickle.dumps(older))
    again = BuildCache(tmp_path / "output")
    assert again.state.records_key == "" and again.state.pictures == {}
    again.close()


def test_a_file_name_that_is_not_utf8_can_be_hashed():
    name = b"articles/\xff\xfe.md".decode("utf-8", "surrogateescape")
    assert short_hash(name, "x") != short_hash("articles/.md", "x")


def test_an_endless_file_is_not_read_to_its_end(tmp_path):
    """A hostile 'article' may be a device that never ends: hashing stops past what a reader takes."""
    endless = tmp_path / "endless.md"
    endless.symlink_to("/dev/zero")
    assert file_digest(endless) == "too-big"
    small = tmp_path / "a.md"
    small.write_bytes(b"x" * 3_000_000)
    assert file_digest(small) == hashlib.sha256(small.read_bytes()).hexdigest()


def test_slugs_are_remembered_so_a_rebuild_does_not_load_pypinyin(tmp_path):
    """A rebuild that meets no new place or tag gets every group's slug from the cache,
    the same slugs name_slug gives, and never imports pypinyin (0.25 s)."""
    import subprocess
    import sys

    from conftest import PROJECT, SAMPLE_CONTENT, tree_hash
    from digest.slugs import name_slug

    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path\n"
        "from digest.builder import Theme, build\nfrom digest.loading import BuildOptions\n"
        "result = build(BuildOptions(Path(sys.argv[2]), Path(sys.argv[3])), Theme())\n"
        "print('pypinyin' in sys.modules, sorted((g.name, g.slug) for g in result.site.places.values()))\n"
    )
    output = tmp_path / "output"
    runs, trees = [], []
    for _ in range(2):
        runs.append(subprocess.run([sys.executable, "-c", script, str(PROJECT), str(SAMPLE_CONTENT), str(output)],
                                   capture_output=True, text=True, timeout=300))
        trees.append(tree_hash(output))
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    (first_loaded, places), (again_loaded, places_again) = (
        (run.stdout.split(" ", 1)[0] == "True", run.stdout.split(" ", 1)[1]) for run in runs)
    assert first_loaded and not again_loaded
    assert places == places_again
    state = pickle.loads((cache_folder(output) / "state.pickle").read_bytes())
    assert state.slugs and all(name_slug(name) == slug for name, slug in state.slugs.items())
    assert trees[0] == trees[1]


@pytest.mark.parametrize("text", ["Xiaoyi 2020", "a--b_c", "", "  Yima-CHECKPOINT  ", "x" * 100])
def test_the_slug_of_ascii_text_needs_no_pinyin(text):
    from pypinyin import lazy_pinyin

    from digest.slugs import name_slug

    expected = "-".join(re.findall(r"[a-z0-9]+", " ".join(lazy_pinyin(text)).lower()))[:80].strip("-")
    assert name_slug(text) == expected


def test_the_records_are_saved_in_parts_and_read_back_whole(tmp_path, monkeypatch):
    """Each part is pickled on its own (pickle's memory of what it wrote stays small); a file
    cut off at the end of a part is damage like any other: a warning, and a fresh start."""
    from digest import cache as cache_module

    monkeypatch.setattr(cache_module, "RECORDS_PER_PART", 2)
    cache = BuildCache(tmp_path / "output")
    for n in range(5):
        cache.state.articles[f"articles/{n}.md"] = ArticleRecord(f"digest-{n}", None, ())
    cache.dirty = True
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    assert {source: record.digest for source, record in again.state.articles.items()} == {
        f"articles/{n}.md": f"digest-{n}" for n in range(5)}
    again.close()

    path = again.folder / "state.pickle"
    with open(path, "rb") as file:  # the state, the number of parts, two whole parts
        for _ in range(4):
            pickle.load(file)
        cut = file.tell()
    path.write_bytes(path.read_bytes()[:cut])
    damaged = BuildCache(tmp_path / "output")
    assert damaged.state.articles == {}
    assert [p.message for p in damaged.problems if "state file" in p.message]
    damaged.close()


def test_another_engines_state_keeps_only_what_holds_for_any_engine(tmp_path, monkeypatch):
    """After an upgrade the records, signatures and pages are of no use (each names the engine
    that made it), and the records are not even read; the output's manifest and the notices
    published stay, so the first build after it still knows its files and its news."""
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    cache.remember("articles/a.md", "digest-1", make_article(), [])
    output = Manifest({"index.html": "sha1:1"}, {"index.html": (1, 2, 3)})
    cache.update(signatures={"index.html": "sig"}, pages="a page plan", notices_seen=frozenset({"a"}),
                 trees=Trees(output, None))
    cache.slug("驿马乡")
    cache.remember_event_detail("见[甲](articles/a.md)", "<p>见甲</p>", {})
    cache.save()
    cache.close()
    path = cache.folder / "state.pickle"
    with open(path, "rb") as file:  # the state without its records: a build of another engine reads no further
        pickle.load(file)
        head = file.tell()
    path.write_bytes(path.read_bytes()[:head] + b"records no one reads")

    monkeypatch.setattr("digest.cache.engine_key", lambda: "another engine")
    newer = BuildCache(tmp_path / "output")
    assert newer.problems == []
    assert (newer.state.articles, newer.state.signatures, newer.state.pages, newer.state.slugs,
            newer.state.details) == ({}, {}, None, {}, {})
    assert newer.state.notices_seen == frozenset({"a"}) and newer.state.trees.output == output
    assert newer.state.engine == "another engine"
    newer.use_config(SiteConfig())
    assert newer.record("articles/a.md", "digest-1") is None
    newer.save()
    newer.close()
    again = BuildCache(tmp_path / "output")
    assert again.state.engine == "another engine"  # and its own state is used again
    again.close()


def test_the_same_engines_state_is_read_whole(tmp_path):
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    cache.remember("articles/a.md", "digest-1", make_article(), [])
    cache.update(signatures={"index.html": "sig"})
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    assert set(again.state.articles) == {"articles/a.md"} and again.state.signatures == {"index.html": "sig"}
    again.close()


def saved_in_parts(tmp_path, monkeypatch) -> list:
    """Five records saved in parts of two; the values pickle.dump is given from now on."""
    from digest import cache as cache_module

    monkeypatch.setattr(cache_module, "RECORDS_PER_PART", 2)
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    for n in range(5):
        cache.remember(f"articles/{n}.md", f"digest-{n}", make_article(f"articles/{n}.md", f"a{n}"), [])
    cache.save()
    cache.close()
    pickled = []
    dump = pickle.dump
    monkeypatch.setattr(cache_module.pickle, "dump", lambda value, *args, **kw: (pickled.append(value), dump(value, *args, **kw)))
    return pickled


def digests_and_titles(cache: BuildCache) -> dict:
    return {source: (r.digest, r.article.title) for source, r in cache.state.articles.items()}


def records_saved(tmp_path) -> dict:
    again = BuildCache(tmp_path / "output")
    found = digests_and_titles(again)
    again.close()
    return found


def test_a_save_copies_the_parts_whose_records_did_not_change_and_pickles_the_others(tmp_path, monkeypatch):
    pickled = saved_in_parts(tmp_path, monkeypatch)
    again = BuildCache(tmp_path / "output")
    again.use_config(SiteConfig())
    again.remember("articles/2.md", "digest-2b", make_article("articles/2.md", "a2", title="改过"), [])
    again.save()
    again.save()  # and again, from the file it has just written
    again.close()
    parts = [sorted(value) for value in pickled if isinstance(value, dict)]
    assert parts == [["articles/2.md", "articles/3.md"]]  # the others were copied, both times
    assert records_saved(tmp_path) == {
        **{f"articles/{n}.md": (f"digest-{n}", "标题") for n in range(5)}, "articles/2.md": ("digest-2b", "改过")}


@pytest.mark.parametrize("changed_since", [False, True])
def test_a_part_prepared_while_pagefind_works_is_not_pickled_again_unless_it_changed_since(
        tmp_path, monkeypatch, changed_since):
    pickled = saved_in_parts(tmp_path, monkeypatch)
    again = BuildCache(tmp_path / "output")
    again.use_config(SiteConfig())
    again.remember("articles/2.md", "digest-2b", make_article("articles/2.md", "a2", title="改过"), [])
    again.prepare_save()
    if changed_since:
        again.remember("articles/4.md", "digest-4b", make_article("articles/4.md", "a4", title="又改"), [])
    del pickled[:]
    again.save()
    again.close()
    parts = [sorted(value) for value in pickled if isinstance(value, dict)]
    # the changed part was pickled ahead and the others copied; a part changed since is pickled at the save
    assert parts == ([["articles/4.md"]] if changed_since else [])
    assert records_saved(tmp_path) == {
        **{f"articles/{n}.md": (f"digest-{n}", "标题") for n in range(5)}, "articles/2.md": ("digest-2b", "改过"),
        **({"articles/4.md": ("digest-4b", "又改")} if changed_since else {})}


def test_what_a_build_learns_of_a_record_is_saved_though_its_part_was_read(tmp_path):
    """A record is changed by replacing it (ArticleRecord is frozen): its part is written anew."""
    cache, path, digest = cache_with_file(tmp_path, "articles/a.md")
    cache.save()
    cache.close()
    touched = time.time_ns() + 60_000_000_000
    os.utime(path, ns=(touched, touched))  # the same bytes, other signs: hashed again
    again = BuildCache(tmp_path / "output")
    assert again.digest("articles/a.md", path) == digest
    again.remember_body(again.record("articles/a.md", digest).article, "<p>一</p>", (), "一", "一", (), {}, {}, (), True)
    again.save()
    again.close()
    third = BuildCache(tmp_path / "output")
    record = third.state.articles["articles/a.md"]
    assert record.signs[:-1] == file_signs(path)[:-1] and record.body.summary == "一"
    third.close()


def test_the_parts_of_the_state_as_read_keep_no_record_alive(tmp_path):
    """At 100,000 reports the records are hundreds of megabytes: a build that replaces them
    all (site.yaml changed) must not hold the old ones until it saves."""
    cache = BuildCache(tmp_path / "output")
    cache.use_config(SiteConfig())
    cache.remember("articles/a.md", "digest-1", make_article(), [])
    cache.save()
    cache.close()
    again = BuildCache(tmp_path / "output")
    old = weakref.ref(again.state.articles["articles/a.md"])
    again.use_config(SiteConfig(title="另一个站"))  # every record made with the old site.yaml is dropped
    gc.collect()
    assert old() is None
    again.close()


def test_the_records_can_be_read_after_the_rest_and_are_then_what_a_whole_read_gives(tmp_path, monkeypatch):
    """A build has its output looked at while it reads the records (at 100,000 reports
    the look takes 5 to 8 s): the trees first, the records after; the same state."""
    saved_in_parts(tmp_path, monkeypatch)
    later = BuildCache(tmp_path / "output", records_now=False)
    assert later.state.articles == {}
    later.read_records()
    found = digests_and_titles(later)
    later.remember("articles/2.md", "digest-2b", make_article("articles/2.md", "a2", title="改过"), [])
    later.save()  # the parts read later are copied as those read at once would be
    later.close()
    assert found == {f"articles/{n}.md": (f"digest-{n}", "标题") for n in range(5)}
    assert records_saved(tmp_path) == {**found, "articles/2.md": ("digest-2b", "改过")}


def test_damaged_records_are_made_again_and_the_rest_of_the_state_is_kept(tmp_path, monkeypatch):
    saved_in_parts(tmp_path, monkeypatch)
    cache = BuildCache(tmp_path / "output")
    cache.update(signatures={"index.html": "sig"})
    cache.save()
    cache.close()
    state = cache.folder / "state.pickle"
    state.write_bytes(state.read_bytes()[:-40])  # the last part cut short
    again = BuildCache(tmp_path / "output")
    assert again.state.articles == {} and again.state.signatures == {"index.html": "sig"}
    assert [p.message for p in again.problems] == [
        "the state file of the build cache was damaged (pickle data was truncated); it was dropped and is made "
        "again, so this build may take longer"]
    assert again.dirty  # saved again, whole
    again.save()
    again.close()
    assert records_saved(tmp_path) == {}
