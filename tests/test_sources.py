"""Reading files: encodings, line endings, invisible characters, front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import article_text, write_content
from digest.errors import ProblemLog, format_problems
from digest.sources import (RealSources, SourceFile, find_articles, read_body, read_text, real_source,
                            split_front_matter)

ARTICLE = "---\ntitle: 驿马乡\ndate: 2020-01-30\n---\n正文。\n"


def read(tmp_path: Path, data: bytes) -> tuple[SourceFile | None, list[str]]:
    path = tmp_path / "a.md"
    path.write_bytes(data)
    log = ProblemLog()
    return read_text(path, "articles/a.md", log), [str(p) for p in log.problems]


def split(text: str) -> tuple[object, list[str]]:
    log = ProblemLog()
    front = split_front_matter(SourceFile("articles/a.md", text, ""), log)
    return front, [str(p) for p in log.problems]


@pytest.mark.parametrize("data", [
    ARTICLE.encode(),
    b"\xef\xbb\xbf" + ARTICLE.encode(),
    ARTICLE.replace("\n", "\r\n").encode(),
    b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r").encode(),
])
def test_a_bom_and_any_line_ending_read_the_same(tmp_path, data):
    source, problems = read(tmp_path, data)
    assert (source.text, problems) == (ARTICLE, [])


def test_gbk_is_named_at_the_line_of_its_first_chinese_character(tmp_path):
    source, problems = read(tmp_path, ("---\ntitle: Yima\nplace: 驿马乡\n---\n正文\n").encode("gbk"))
    assert source is None
    assert problems == [
        "articles/a.md:3: error: the file is not UTF-8: it looks like GBK, the old Chinese Windows encoding; "
        "open it and save it again choosing the encoding UTF-8 (另存为 → 编码 → UTF-8)"
    ]


def test_utf16_is_not_utf8_and_not_called_gbk(tmp_path):
    source, problems = read(tmp_path, ARTICLE.encode("utf-16"))
    assert problems == ["articles/a.md:1: error: the file is not UTF-8; open it and save it again choosing the encoding UTF-8"]


def test_control_characters_are_removed_with_a_warning_at_the_first(tmp_path):
    source, problems = read(tmp_path, "---\ntitle: 驿马乡\n---\n正文\x0b有\x00控制\x1b字符。\n".encode())
    assert source.text == "---\ntitle: 驿马乡\n---\n正文有控制字符。\n"
    assert problems == [
        "articles/a.md:4: warning: an invisible control character (U+000B) was removed; such characters cannot "
        "appear in a web page (delete it from the file to silence this warning)"
    ]


def test_unicode_line_separators_become_spaces(tmp_path):
    source, problems = read(tmp_path, "---\ntitle: 甲\u2028乙\n---\n正文\u2029。\n".encode())
    assert (source.text, problems) == ("---\ntitle: 甲 乙\n---\n正文 。\n", [])


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    log = ProblemLog()
    assert read_text(tmp_path, "articles/a.md", log) is None  # a folder named like a file
    assert str(log.problems[0]).startswith("articles/a.md:1: error: the file cannot be read (")


def test_front_matter_lines_are_file_lines():
    front, problems = split("---\ntitle: 驿马乡\nplace: 驿马乡\n---\n\n正文。\n")
    assert problems == []
    assert (front.fields.line_of("place"), front.body_line, front.body) == (3, 5, "\n正文。\n")


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty; a report needs front matter ('---', title:, date:, '---') and then its text"),
    ("\n\n---\ntitle: 驿马乡\n---\n正文\n", "the front matter must begin on the very first line; delete the empty lines above '---'"),
    ("title: 驿马乡\n正文\n", "the file does not begin with front matter; its first line must be '---', "
                          "then title: and date: lines, then another '---' line, then the text"),
    ("---\ntitle: 驿马乡\n正文\n", "the front matter is not closed; add a line '---' after the last field (title:, date:, ...)"),
])
def test_missing_or_unclosed_front_matter_is_line_1(text, message):
    assert split(text) == (None, [f"articles/a.md:1: error: {message}"])


def test_front_matter_that_is_not_key_value_lines():
    assert split("---\n- title\n- date\n---\n正文\n")[1] == [
        "articles/a.md:2: error: the front matter must be 'key: value' lines, like 'title: ...' and 'date: ...' "
        "(with an English colon and a space)"
    ]


def test_a_yaml_error_is_mapped_to_the_file_line():
    assert split("---\ntitle: 驿马乡\ndate: 2020-01-30\ntags: [a, b\n---\n正文\n")[1] == [
        "articles/a.md:4: error: the front matter cannot be read: a list opened with '[' is not closed; "
        "end it with ']' and put commas between the items"
    ]


def test_empty_front_matter_is_an_empty_mapping():
    front, problems = split("---\n---\n正文\n")
    assert (dict(front.fields), problems) == ({}, [])


def test_symbolic_links_among_the_reports_are_never_skipped_without_a_word(tmp_path):
    content = write_content(tmp_path, {"2020/a.md": article_text("甲")})
    articles = content / "articles"
    outside = tmp_path / "outside.md"
    outside.write_text(article_text("外面"), encoding="utf-8")
    (articles / "2020" / "same.md").symlink_to("a.md")  # a second name for a report inside: taken
    (articles / "gone.md").symlink_to("nowhere.md")
    (articles / "loop-a.md").symlink_to("loop-b.md")
    (articles / "loop-b.md").symlink_to("loop-a.md")
    (articles / "out.md").symlink_to(outside)
    (articles / "elsewhere").symlink_to(tmp_path)
    log = ProblemLog()
    found = find_articles(content, log)
    assert [path.name for path in found] == ["a.md", "same.md"]
    assert format_problems(log.problems) == [
        "articles/elsewhere:1: warning: this folder is a symbolic link, and the reports in it are left out; "
        "move the folder itself here",
        "articles/gone.md:1: warning: this is a symbolic link to a file that does not exist; it was left out",
        "articles/loop-a.md:1: warning: this symbolic link leads round in a loop; it was left out",
        "articles/loop-b.md:1: warning: this symbolic link leads round in a loop; it was left out",
        "articles/out.md:1: error: this is a symbolic link to a file outside the content folder, and nothing "
        "from outside is published; copy the report itself into the content folder",
    ]


def test_the_reports_are_found_in_the_order_paths_sort_in(tmp_path):
    """Folders are walked in the order of their entries' names; where that differs from
    the order of the paths' text ('-' and '.' sort before '/'), paths sort part by part."""
    names = ["a-b/x.md", "a/x.md", "a/b/y.md", "a.b/z.md", "a/a.md", "A/q.md", "b.md", "a/b-c.md", "2020/12/x.md",
             "2020/1/x.md", "2020/1x.md", "中/x.md", "z.md"]
    content = write_content(tmp_path, {name: article_text(name) for name in names})
    found = find_articles(content)
    assert found == sorted(found)
    assert len(found) == len(names)
    assert [path.relative_to(content / "articles").as_posix() for path in found] != sorted(names)  # not text order


def test_a_body_is_read_again_only_from_the_bytes_that_were_read(tmp_path):
    """A build drops the text it read and reads the body again to render it: the same
    body as the first reading, and nothing from a file that changed since."""
    path = tmp_path / "a.md"
    path.write_bytes("\ufeff---\r\ntitle: 标题\r\ndate: 2020-01-30\r\n---\r\n第一段。\r\n\r\n第二段。\r\n".encode())
    first = read_text(path, "a.md", ProblemLog())
    front = split_front_matter(first, ProblemLog())
    assert read_body(path, "a.md", first.digest) == front.body == "第一段。\n\n第二段。\n"
    path.write_text("---\ntitle: 标题\ndate: 2020-01-30\n---\n改过的正文。\n", encoding="utf-8")
    assert read_body(path, "a.md", first.digest) is None
    path.unlink()
    assert read_body(path, "a.md", first.digest) is None


def test_real_sources_for_many_photos_agree_with_resolving_each_path(tmp_path):
    """The quick way (each folder resolved once, each file looked at) gives what resolving
    each path whole gives, whatever links the content holds."""
    content, outside = tmp_path / "content", tmp_path / "outside"
    for folder in (content / "media/2020", content / ".hg", outside / "sub"):
        folder.mkdir(parents=True)
    for path in (content / "media/a.jpg", content / "media/2020/b.jpg", content / ".hg/c.jpg",
                 outside / "d.jpg", outside / "sub/e.jpg", content / "top.jpg"):
        path.write_bytes(b"x")
    links = {"media/in": "2020", "media/out": "../../outside", "media/repo": "../.hg",
             "media/f.jpg": "2020/b.jpg", "media/g.jpg": "../../outside/d.jpg", "media/loop": "loop",
             "media/nowhere.jpg": "gone.jpg", "media/up": ".."}
    for name, target in links.items():
        (content / name).symlink_to(target)
    sources_ = ["top.jpg", "media/a.jpg", "media/2020/b.jpg", "media/in/b.jpg", "media/out/d.jpg",
                "media/out/sub/e.jpg", "media/repo/c.jpg", "media/f.jpg", "media/g.jpg", "media/loop",
                "media/loop/x.jpg", "media/nowhere.jpg", "media/missing.jpg", "media/up/top.jpg",
                "media/up/media/in/b.jpg", "media/2020/../a.jpg", "media/..", "media/.", "media/",
                "./media/a.jpg", "media//a.jpg", "../outside/d.jpg", "/etc/hostname", "media/in/../a.jpg"]
    inside = content.resolve()
    quick = RealSources(content, inside)
    assert [quick(source) for source in sources_] == [real_source(content, source, inside) for source in sources_]
    assert quick("media/in/b.jpg") == "media/2020/b.jpg" and quick("media/out/d.jpg") is None
