"""The preview's quick path (digest/quick.py): a saved report's page made from the kept
site is the page a build makes, byte for byte, and the quick path steps aside for any
change that shows elsewhere."""

from __future__ import annotations

import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SAMPLE_CONTENT, assert_same_tree
from digest.builder import Theme, build
from digest.quick import keep, quick_page, saved_report
from digest.serve import Preview, QuickPages, page_dest
from test_serve import start_server

YIMA = "articles/2020/2020-01-30-yima.md"  # has a photo, an explicit summary, events and links
ADDRESS = "http://127.0.0.1:8000/"


def preview_of(content: Path, output: Path) -> Preview:
    return Preview(content, output, ADDRESS, Theme())


def built_preview(root: Path):
    """A preview build of a copy of the sample content, and what the quick path keeps of it."""
    content = root / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    preview = preview_of(content, root / "preview" / "content")
    return preview, keep(build(preview.options, preview.theme), preview.theme)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    return built_preview(tmp_path_factory.mktemp("quick"))


@pytest.fixture
def kept_preview(built_once):
    """The module's preview, its report file as built again after the test."""
    preview, kept = built_once
    path = preview.content_dir / YIMA
    text = path.read_text(encoding="utf-8")
    yield preview, kept
    path.write_text(text, encoding="utf-8")


def edit(content: Path, source: str, change) -> None:
    path = content / source
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_a_body_edit_gives_the_page_a_build_makes_and_the_build_a_cold_builds_tree(tmp_path):
    preview, kept = built_preview(tmp_path)
    edit(preview.content_dir, YIMA, lambda text: text + "\n保存以后新加的一段，有**加粗**的字。\n")
    page = quick_page(kept, preview.content_dir, YIMA)
    assert page is not None and page.dest == "articles/yima/index.html"
    assert "保存以后新加的一段".encode() in page.data

    build(preview.options, preview.theme)  # the build that follows the quick page in `serve`
    assert (preview.output_dir / page.dest).read_bytes() == page.data
    cold = preview_of(preview.content_dir, tmp_path / "cold" / "content")
    build(cold.options, cold.theme)
    assert_same_tree(preview.output_dir, cold.output_dir)


def test_the_kept_site_lets_go_of_the_bodies_a_quick_page_does_not_show(kept_preview):
    """Their HTML, and the build cache that fetches it, would double the preview's memory
    while the next build loads its own; a theme that read one would get no quick page."""
    preview, kept = kept_preview
    other = next(a for a in kept.site.articles if a.source != YIMA)
    with pytest.raises(LookupError):
        other.rendered.html
    assert kept.by_source[YIMA].rendered.headings  # what lists and the page's outline show stays
    assert quick_page(kept, preview.content_dir, YIMA) is not None


@pytest.mark.parametrize("change", [
    lambda text: text.replace("title: ", "title: 改过的", 1),  # lists show the title
    lambda text: re.sub(r"(?m)^summary: .*\n", "", text),  # the summary then comes from the body
    lambda text: text.replace("tags: [", "tags: [新标签, ", 1),
    lambda text: text + "\n[坏链接](../2099/nothing.md)\n",  # a problem to tell
    lambda text: text + "\n![新图](../../media/not-there.jpg)\n",
    lambda text: text.replace("title: ", "title: [", 1),  # front matter that does not read
])
def test_a_change_that_shows_elsewhere_or_has_a_problem_is_left_to_the_build(kept_preview, change):
    preview, kept = kept_preview
    assert quick_page(kept, preview.content_dir, YIMA) is not None  # as it was built: quick
    edit(preview.content_dir, YIMA, change)
    assert quick_page(kept, preview.content_dir, YIMA) is None


def test_only_one_saved_report_the_site_shows_takes_the_quick_path(kept_preview):
    preview, kept = kept_preview
    content = preview.content_dir.absolute()
    assert saved_report({content / YIMA}, preview.content_dir) == YIMA
    assert saved_report({content / YIMA, content / "timeline.yaml"}, preview.content_dir) is None
    assert saved_report({content / "timeline.yaml"}, preview.content_dir) is None
    assert saved_report({content / "articles" / "gone.md"}, preview.content_dir) is None
    new = content / "articles" / "2020" / "2020-02-01-new.md"
    new.write_text("---\ntitle: 新稿\ndate: 2020-02-01\n---\n正文。\n", encoding="utf-8")
    try:
        assert quick_page(kept, preview.content_dir, saved_report({new}, preview.content_dir)) is None
    finally:
        new.unlink()


def test_page_dest_names_the_file_a_url_shows():
    assert page_dest("/") == "index.html"
    assert page_dest("/articles/yima/") == "articles/yima/index.html"
    assert page_dest("/feed.xml") == "feed.xml"
    assert page_dest("/articles/%E9%A9%BF/") == "articles/驿/index.html"


def test_serve_shows_a_saved_report_before_its_build_and_then_the_same_bytes_from_disk(tmp_path):
    """Two saves, the second most likely while the first one's build runs: each is shown
    from memory, and once the builds are done the files on disk are what was shown."""
    server = start_server(tmp_path)
    try:
        time.sleep(1)  # the address is printed just before the watcher starts
        deadline = time.monotonic() + 120
        for marker in ("快速预览的标记", "第二次保存的标记"):
            with (server.content / YIMA).open("a", encoding="utf-8") as file:
                file.write(f"\n{marker}。\n")
            while marker not in (shown := fetch(server.url + "articles/yima/")):
                assert time.monotonic() < deadline, server.terminal
                time.sleep(0.05)
        assert "快速预览的标记" in shown
        while (terminal := server.terminal).count("showed articles/2020/2020-01-30-yima.md") < 2 or \
                terminal.rfind(" built ") < terminal.rfind("showed"):  # the builds after both are done
            assert time.monotonic() < deadline, server.terminal
            time.sleep(0.05)
        assert (server.output / "articles" / "yima" / "index.html").read_text(encoding="utf-8") == shown
        assert fetch(server.url + "articles/yima/") == shown
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.terminal


def test_quick_pages_are_dropped_once_a_build_covers_their_save():
    pages = QuickPages()
    pages.put("a/index.html", b"a", 1)
    pages.put("b/index.html", b"b", 2)
    pages.drop_built(1)
    assert pages.get("a/index.html") is None and pages.get("b/index.html") == b"b"
    pages.drop_built(2)
    assert pages.get("b/index.html") is None


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")
