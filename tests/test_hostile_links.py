"""Hostile links and bodies (issue 12): nothing a correspondent links or writes in a
body can run script on the site, publish a file from outside the content folder,
embed a frame from a host the site does not allow, or crash or stall the build.

Each hostile input is a small content folder made here (symbolic links are made at
test time, so the repository holds none) with the exact error line expected.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import article_text, check_lines, write_content
from digest import markdown as markdown_module
from digest.builder import build
from digest.loading import BuildOptions
from digest.markdown import LinkContext, MarkdownRenderer, frame_host
from digest.render import Theme

NOW = datetime(2020, 3, 1, tzinfo=timezone.utc)
A = "articles/a.md"  # the article every case below writes: its body starts on line 5
RENDERER = MarkdownRenderer()


def content_with(tmp_path: Path, body: str, files: dict[str, bytes] = {}, site: str | None = None) -> Path:
    """A content folder with one article (``articles/a.md``) and the given content files."""
    extra = {"site": site} if site else {}
    content = write_content(tmp_path, {"a.md": article_text(body=body)}, **extra)
    for name, data in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return content


def problems(content: Path) -> list[str]:
    """What ``check`` prints for ``content`` (every error and warning, sorted)."""
    return check_lines(content, NOW)


def render(body: str, content_dir: Path, source: str = A, hosts=()) -> tuple[str, LinkContext]:
    links = LinkContext(source, content_dir, {}, tuple(hosts))
    html, _ = RENDERER.render(body, links)
    return html, links


# --- 1. attachments that cannot run script ----------------------------------------

PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
XML = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>'
AS_PAGE = "which could run script on this site, so it is not published; put the page's content in a report, or link the original site"
AS_SVG = "which could run script on this site, so it is not published; save it as a PNG (or JPEG) and use that instead"
ALLOWED_KINDS = (
    "link only to images (jpg, jpeg, png, gif, webp, avif), PDF, office documents "
    "(doc, docx, xls, xlsx, ppt, pptx, odt, ods, odp, wps, et, dps), plain text (txt, csv), "
    "audio (mp3, m4a, wav, ogg, aac, flac), video (mp4, webm, mov, m4v) or archives (zip, rar, 7z, gz, tgz)"
)


@pytest.mark.parametrize("name, kind, advice", [
    ("evil.html", "an HTML page", AS_PAGE),
    ("evil.htm", "an HTML page", AS_PAGE),
    ("EVIL.HTML", "an HTML page", AS_PAGE),
    ("evil.xhtml", "an XHTML page", AS_PAGE),
    ("evil.xht", "an XHTML page", AS_PAGE),
    ("evil.xml", "an XML file", AS_PAGE),
    ("evil.svg", "an SVG picture", AS_SVG),
    ("evil.Svg", "an SVG picture", AS_SVG),
    ("evil.svgz", "an SVG picture", AS_SVG),
])
def test_a_link_to_a_file_that_can_run_script_is_an_error_that_says_what_to_do(tmp_path, name, kind, advice):
    data = {"an SVG picture": SVG, "an HTML page": PAGE}.get(kind, XML)
    content = content_with(tmp_path, f"正文。\n\n见[附件](../media/{name})。", {f"media/{name}": data})
    assert problems(content) == [f"{A}:7: error: the link '../media/{name}' leads to {kind}, {advice}"]


def test_an_svg_shown_as_an_image_is_the_same_error(tmp_path):
    content = content_with(tmp_path, "![标志](../media/logo.svg \"摄影：赵泉\")\n\n正文。", {"media/logo.svg": SVG})
    assert problems(content) == [f"{A}:5: error: the image '../media/logo.svg' is an SVG picture, {AS_SVG}"]


def test_links_in_pasted_html_are_checked_the_same_way(tmp_path):
    body = '正文。\n\n<a href="../media/evil.html">页</a>\n\n<img src="../media/evil.svg">'
    content = content_with(tmp_path, body, {"media/evil.html": PAGE, "media/evil.svg": SVG})
    assert problems(content) == [
        f"{A}:7: error: the link '../media/evil.html' leads to an HTML page, {AS_PAGE}",
        f"{A}:9: error: the image '../media/evil.svg' is an SVG picture, {AS_SVG}",
    ]


@pytest.mark.parametrize("name, data, kind, start, advice", [
    ("page", b"\xef\xbb\xbf  <!doctype HTML><p>x", "HTML", "<!doctype html", AS_PAGE),
    ("x.dat", b"\n<html><script>alert(1)</script>", "HTML", "<html", AS_PAGE),
    ("x.bin", SVG, "SVG", "<svg", AS_SVG),
    ("feed.rss", XML, "XML", "<?xml", AS_PAGE),
], ids=["no-extension", "dat", "bin", "rss"])
def test_a_file_of_another_kind_that_holds_a_page_is_named_for_what_it_holds(tmp_path, name, data, kind, start, advice):
    content = content_with(tmp_path, f"见[附件](../media/{name})。", {f"media/{name}": data})
    assert problems(content) == [
        f"{A}:5: error: the link '../media/{name}' leads to a file that holds {kind} (it starts with '{start}'), {advice}"]


@pytest.mark.parametrize("name, kind", [
    ("tool.exe", "a .exe file"), ("run.sh", "a .sh file"), ("page.php", "a .php file"), ("README", "a file without an extension"),
])
def test_a_link_to_any_other_kind_of_file_names_the_kinds_allowed(tmp_path, name, kind):
    content = content_with(tmp_path, f"见[附件](../media/{name})。", {f"media/{name}": b"MZ\x90\x00"})
    assert problems(content) == [
        f"{A}:5: error: the link '../media/{name}' leads to {kind}, which the site does not publish; {ALLOWED_KINDS}"]


ALLOWED = ["a.jpg", "b.JPEG", "c.png", "d.gif", "e.webp", "f.avif", "g.pdf", "h.doc", "i.docx", "j.xls", "k.xlsx",
           "l.ppt", "m.pptx", "n.odt", "o.ods", "p.odp", "q.wps", "r.et", "s.dps", "t.txt", "u.csv", "v.mp3",
           "w.m4a", "x.wav", "y.ogg", "z.aac", "a.flac", "b.mp4", "c.webm", "d.mov", "e.m4v", "f.zip", "g.rar",
           "h.7z", "i.tar.gz", "j.tgz"]


def test_files_that_cannot_run_script_are_published_as_they_are(tmp_path):
    (tmp_path / "media").mkdir()
    for name in ALLOWED:
        (tmp_path / "media" / name).write_bytes(b"<html><script>alert(1)</script>")  # served by its type: inert
    body = "\n\n".join(f"[{name}](../media/{name})" for name in ALLOWED)
    html, links = render(body, tmp_path)
    assert links.broken == []
    assert links.assets == {f"media/{name}" for name in ALLOWED}
    assert all(f'href="../../media/{name}"' in html for name in ALLOWED)


# --- 2. nothing from outside the content folder ----------------------------------

OUTSIDE = "leads outside the content folder"


def outside_file(tmp_path: Path, name: str = "passwd", data: bytes = b"root:x:0:0:root:/root:/bin/bash\n") -> Path:
    """A file beside the content folder, as the system's password file is."""
    path = tmp_path / "system" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_symbolic_link_to_a_file_outside_is_an_error_and_never_published(tmp_path):
    content = content_with(tmp_path, "正文。\n\n[附件](../media/passwd.txt)")
    (content / "media").mkdir()
    os.symlink(outside_file(tmp_path), content / "media" / "passwd.txt")
    assert problems(content) == [
        f"{A}:7: error: the link '../media/passwd.txt' {OUTSIDE}: media/passwd.txt is a symbolic link "
        "to a place outside it, and nothing from outside is published; copy the file itself into the content folder"]
    html, links = render("[附件](../media/passwd.txt)", content)
    assert links.assets == set() and "href" not in html


def test_a_file_in_a_symbolically_linked_folder_outside_is_an_error(tmp_path):
    outside_file(tmp_path, "hostname", b"machine\n")
    content = content_with(tmp_path, "[主机](../media/sys/hostname.txt) ![图](../media/sys/a.jpg)")
    (tmp_path / "system" / "hostname.txt").write_bytes(b"machine\n")
    (tmp_path / "system" / "a.jpg").write_bytes(b"\xff\xd8\xff")
    (content / "media").mkdir()
    os.symlink(tmp_path / "system", content / "media" / "sys", target_is_directory=True)
    tail = ("media/sys is a symbolic link to a place outside it, and nothing from outside is published; "
            "copy the file itself into the content folder")
    assert problems(content) == [
        f"{A}:5: error: the image '../media/sys/a.jpg' {OUTSIDE}: {tail}",
        f"{A}:5: error: the link '../media/sys/hostname.txt' {OUTSIDE}: {tail}",
    ]


def test_a_symbolic_link_on_the_way_that_climbs_out_with_dots_is_an_error(tmp_path):
    outside_file(tmp_path, "notes.txt", b"secret\n")
    content = content_with(tmp_path, "[笔记](../media/up/system/notes.txt)")
    (content / "media").mkdir()
    os.symlink("../..", content / "media" / "up", target_is_directory=True)  # media/up is the folder above content
    assert problems(content) == [
        f"{A}:5: error: the link '../media/up/system/notes.txt' {OUTSIDE}: media/up is a symbolic link "
        "to a place outside it, and nothing from outside is published; copy the file itself into the content folder"]


def test_a_symbolic_link_that_stays_inside_is_published(tmp_path):
    content = content_with(tmp_path, "[通知](../media/latest.pdf)", {"media/2020/notice.pdf": b"%PDF-1.4"})
    os.symlink("2020/notice.pdf", content / "media" / "latest.pdf")
    html, links = render("[通知](../media/latest.pdf)", content)
    assert links.broken == [] and links.assets == {"media/latest.pdf"}
    assert problems(content) == []


def test_a_content_folder_reached_through_a_symbolic_link_is_still_inside(tmp_path):
    real = content_with(tmp_path / "real", "[通知](../media/notice.pdf)", {"media/notice.pdf": b"%PDF-1.4"})
    os.symlink(real, tmp_path / "content", target_is_directory=True)
    assert problems(tmp_path / "content") == []


def test_a_symbolic_link_loop_is_a_missing_file_not_a_crash(tmp_path):
    content = content_with(tmp_path, "[环](../media/loop.txt)")
    (content / "media").mkdir()
    os.symlink("loop.txt", content / "media" / "loop.txt")
    assert problems(content) == [
        f"{A}:5: error: the link '../media/loop.txt' names a file that does not exist (looked for media/loop.txt); "
        "check the name (paths are relative to this file)"]


def test_a_name_too_long_for_the_system_is_a_missing_file_not_a_crash(tmp_path):
    name = "长" * 300 + ".pdf"
    content = content_with(tmp_path, f"[长](../media/{name})", {"media/notice.pdf": b"%PDF-1.4"})
    assert problems(content) == [
        f"{A}:5: error: the link '../media/{name}' names a file that does not exist (looked for media/{name}); "
        "check the name (paths are relative to this file)"]


# --- 3. the iframe allow-list, with URLs read as a browser reads them --------------

ALLOWED_HOST = "allowed.example"


@pytest.mark.parametrize("src, host", [
    ("https://allowed.example/v/1", "allowed.example"),
    ("http://allowed.example", "allowed.example"),
    ("//allowed.example/v/1", "allowed.example"),
    ("https://evil.example\\@allowed.example/", "evil.example"),  # a backslash ends the authority
    ("//evil.example\\@allowed.example/", "evil.example"),
    ("\\\\evil.example\\@allowed.example/", "evil.example"),  # scheme-relative with backslashes
    ("https:\\\\evil.example/", "evil.example"),
    ("https:/\\evil.example/", "evil.example"),
    ("https:///evil.example/", "evil.example"),
    ("https:evil.example/", "evil.example"),
    ("https://evil.example@allowed.example/", "allowed.example"),  # userinfo: the host is after the last @
    ("https://a@b@allowed.example/", "allowed.example"),
    ("https://user:pass@allowed.example:8443/", "allowed.example"),
    ("https://allowed.example?@evil.example/", "allowed.example"),  # the authority ends at ?
    ("https://allowed.example#@evil.example/", "allowed.example"),
    ("https://allowed.exa\tmple/", "allowed.example"),  # tabs and newlines are removed anywhere
    ("https://allowed.exa\nmple/", "allowed.example"),
    ("https://evil.exa\r\nmple\t@allowed.example/", "allowed.example"),
    ("\x00 \n https://allowed.example/ \x1f", "allowed.example"),  # leading and trailing C0 and space
    ("HTTPS://ALLOWED.EXAMPLE/", "allowed.example"),
    ("https://allowed.example:443/v", "allowed.example"),
    ("https://allowed.example./v", "allowed.example"),  # a trailing dot is the same host
    ("https://allowed%2Eexample/", "allowed.example"),  # the host is percent-decoded
    ("https://allowed．example/", "allowed.example"),  # a full-width dot is a dot
    ("https://例子.测试/视频", "xn--fsqu00a.xn--0zwm56d"),  # IDN: compared in its ASCII form
    ("https://[::1]:8080/", "[::1]"),
    ("javascript:alert(1)", None),
    ("JavaScript://allowed.example/%0aalert(1)", None),
    ("java\tscript://allowed.example/%0aalert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("ftp://allowed.example/", None),
    ("/v/1", None), ("v/1", None), ("", None), ("https://", None), ("https://user@/", None),
    ("https://allowed.example:port/", None),  # not a port: the browser refuses it
    ("https://allowed.example:99999/", None),
    ("https://allo wed.example/", None),  # a space cannot be in a host
    ("https://allowed.example%00/", None),
    ("https://" + "x" * 64 + ".example/", None),  # a label longer than DNS allows
    ("https://a..example/", None),
])
def test_the_host_of_a_frame_is_the_host_a_browser_would_load(src, host):
    assert frame_host(src) == host


@pytest.mark.parametrize("src", [
    "https://evil.example\\@allowed.example/",
    "//evil.example\\@allowed.example/",
    "https:\\\\evil.example\\@allowed.example/",
    "https://evil.example\\\\@allowed.example/",
    "https://evil.example&#92;@allowed.example/",
    "https://allowed.example.evil.example/",
    "https://evil.example/allowed.example",
    "https://evilallowed.example/",
])
def test_a_frame_from_another_host_dressed_as_the_allowed_one_is_removed(src):
    html, links = render(f'前文。\n\n<iframe src="{src}"></iframe>\n\n后文。', Path("."), hosts=[ALLOWED_HOST])
    assert "<iframe" not in html and "前文" in html and "后文" in html
    assert [problem.is_error for problem in links.broken] == [False]
    assert "allow_iframe_hosts" in links.broken[0].message


def test_the_warning_names_the_host_the_browser_would_really_load(tmp_path):
    content = content_with(tmp_path, '正文。\n\n<iframe src="https://evil.example\\@allowed.example/"></iframe>',
                           site=f"title: 测试站\nbase_url: https://example.cn/\nallow_iframe_hosts: [{ALLOWED_HOST}]\n")
    assert problems(content) == [
        f"{A}:7: warning: the embedded frame 'https://evil.example\\@allowed.example/' was removed: only hosts "
        "listed in site.yaml's allow_iframe_hosts may be embedded (add evil.example there if you trust it)"]


@pytest.mark.parametrize("src, kept", [
    ("https://allowed.example/v/1", "https://allowed.example/v/1"),
    ("//allowed.example/v/2", "https://allowed.example/v/2"),
    ("HTTPS://Allowed.Example:443/v/3", "HTTPS://Allowed.Example:443/v/3"),
    ("https://allowed.exa&#9;mple/v/4", "https://allowed.example/v/4"),  # kept as the browser reads it
    ("https://allowed.example./v/5", "https://allowed.example./v/5"),
])
def test_a_frame_from_the_allowed_host_is_kept(src, kept):
    html, links = render(f'<iframe src="{src}"></iframe>', Path("."), hosts=[ALLOWED_HOST])
    assert f'<iframe src="{kept}">' in html
    assert links.broken == []


def test_an_allowed_host_written_in_chinese_allows_its_ascii_form_and_back():
    for allowed, src in (("例子.测试", "https://xn--fsqu00a.xn--0zwm56d/v"), ("xn--fsqu00a.xn--0zwm56d", "https://例子.测试/v")):
        html, links = render(f'<iframe src="{src}"></iframe>', Path("."), hosts=[allowed])
        assert "<iframe" in html and links.broken == []


# --- 4. nesting: refused past a limit, rendered (and fed) below it -----------------

TOO_DEEP = ("quotes ('>') and lists are nested here more than 50 levels deep, which is more than a page "
            "can show; take out some of the levels")
TOO_MUCH_EMPHASIS = ("more than 50 '*' or '_' are open here at once (emphasis inside emphasis), which is more "
                     "than a page can show; close them, or write \\* or \\_ for the character itself")
TOO_MANY_BRACKETS = ("more than 50 '[' are open here at once (nested, or never closed with ']'), which would "
                     "take the build minutes; close them, or write \\[ for the character itself")
TOO_MANY_TAGS = ("the HTML here puts more than 150 tags inside one another, which is more than a page can show; "
                 "take out some of the levels")


TOO_MANY_MARKS = ("this paragraph has more than 500 formatting marks (<, &, [, `, *, _, \\, !), which would "
                  "take the build minutes; split it into shorter paragraphs with empty lines")
TOO_MANY_ABBREVIATIONS = ("the text defines more than 100 abbreviations ('*[...]:' lines), which would take the "
                          "build minutes; keep the ones the report needs")
TOO_MANY_FOOTNOTES = ("the text has more than 1,000 footnote marks ('[^1]', and '[^1]:' lines), which would take "
                      "the build minutes; split the report, or list the sources at its end")
TOO_MANY_OPEN_TAGS = ("more than 50 HTML tags are opened with '<' and never closed with '>', which would take "
                      "the build minutes; close them, or write &lt; for the character itself")


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The texts Python-Markdown is given. A body refused before it is rendered is
    refused quickly, whatever the machine: no time is measured here (the bench does that)."""
    texts: list[str] = []
    convert = markdown_module.markdown_lib.Markdown.convert

    def recording(self, text):
        texts.append(text)
        return convert(self, text)

    monkeypatch.setattr(markdown_module.markdown_lib.Markdown, "convert", recording)
    return texts


def nested_list(levels: int, marker: str = "-", lazy: str = "") -> str:
    return "\n".join("    " * level + f"{marker} 第{level + 1}层" + lazy for level in range(levels))


@pytest.mark.parametrize("body, line, message", [
    (">" * 300 + " 深", 5, TOO_DEEP),
    ("> " * 300 + "深", 5, TOO_DEEP),
    ("前文。\n\n" + "\n".join(">" * level + " 深" for level in range(1, 301)), 57, TOO_DEEP),
    (nested_list(300), 55, TOO_DEEP),
    (nested_list(300, "1."), 55, TOO_DEEP),
    (nested_list(300, lazy="\n懒"), 105, TOO_DEEP),  # a line that continues an item does not start afresh
    ("- " * 300 + "深", 5, TOO_DEEP),
    ("*" * 5000 + "x" + "*" * 5000, 5, TOO_MUCH_EMPHASIS),
    ("_" * 5000 + "x" + "_" * 5000, 5, TOO_MUCH_EMPHASIS),
    ("*a " * 300 + "x" + " b*" * 300, 5, TOO_MUCH_EMPHASIS),
    ("**a " * 300 + "x" + " b**" * 300, 5, TOO_MUCH_EMPHASIS),
    ("\n".join("*第" for _ in range(300)) + "x" + "*" * 300, 55, TOO_MUCH_EMPHASIS),
    ("[" * 5000, 5, TOO_MANY_BRACKETS),
    ("[" * 5000 + "x" + "](y)" * 5000, 5, TOO_MANY_BRACKETS),
    ("![" * 5000, 5, TOO_MANY_BRACKETS),
    ("[a " * 5000, 5, TOO_MANY_BRACKETS),
    ("[a\n" * 5000, 55, TOO_MANY_BRACKETS),
    ("<div>\n" * 300 + "x\n" + "</div>\n" * 300, 155, TOO_MANY_TAGS),
    ("<b>" * 1000 + "x", 5, TOO_MANY_MARKS),  # found before the depth: too costly to render at all
    ("前文。\n\n" + "<span>" * 100 + "\n" + "<span>" * 100 + "x", 8, TOO_MANY_TAGS),
], ids=["quotes", "quotes-spaced", "quotes-lines", "list", "ordered-list", "list-lazy", "list-one-line",
        "stars", "underscores", "em-words", "strong-words", "em-lines", "brackets", "links", "images",
        "brackets-words", "brackets-lines", "divs", "bold-tags", "spans"])
def test_nesting_past_the_limit_is_an_error_at_its_line_and_quick(tmp_path, body, line, message, rendered):
    content = content_with(tmp_path, body)
    assert problems(content) == [f"{A}:{line}: error: {message}"]
    if message != TOO_MANY_TAGS:  # found in the text; too many tags are found in the HTML made of it
        assert body not in rendered


# Python-Markdown's quadratic corners: refused before rendering, at the line that passes
# the bound; what keeps the bounds renders.

@pytest.mark.parametrize("body, line, message", [
    ("&amp;" * 20_000, 5, TOO_MANY_MARKS),
    ("正文\n" * 3 + "[a](b) " * 20_000, 8, TOO_MANY_MARKS),
    ("\n".join("<b>粗</b>" for _ in range(400)), 255, TOO_MANY_MARKS),
    ("| a | b |\n| - | - |\n| " + "&amp;" * 600 + " | x |", 7, TOO_MANY_MARKS),
    ("".join(f"*[A{i}]: 缩写{i}\n" for i in range(8000)) + "A1", 105, TOO_MANY_ABBREVIATIONS),
    ("\n\n".join(f"[^{i}]: 注{i}" for i in range(8000)), 2005, TOO_MANY_FOOTNOTES),
    ("[^1]: 注\n\n" + "\n\n".join("见[^1]。" for _ in range(8000)), 2005, TOO_MANY_FOOTNOTES),
    ("<a " * 8000, 5, TOO_MANY_OPEN_TAGS),
    ("前文。\n\n" + "<a \n\n" * 8000, 107, TOO_MANY_OPEN_TAGS),
], ids=["entities", "links", "inline-tags", "table-cell", "abbreviations", "footnotes", "footnote-marks", "open-tags",
        "open-tags-paragraphs"])
def test_markup_that_takes_quadratic_time_is_an_error_at_its_line_and_quick(tmp_path, body, line, message, rendered):
    content = content_with(tmp_path, body)
    assert problems(content) == [f"{A}:{line}: error: {message}"]
    assert body not in rendered


def test_html_blocks_and_tables_are_not_counted_as_inline_markup(tmp_path):
    table = "<table>\n" + "".join(f"<tr><td>{i}</td><td>&amp;</td></tr>\n" for i in range(2000)) + "</table>"
    rows = "| 甲 | 乙 |\n| - | - |\n" + "".join(f"| **{i}** | [链接](https://a.cn/{i}) |\n" for i in range(2000))
    content = content_with(tmp_path, table + "\n\n" + rows)
    assert problems(content) == []


def test_a_drafts_hostile_body_is_checked_as_warnings_and_nothing_of_it_is_published(tmp_path):
    """A held-back report's body is rendered for its problems too: nesting past the limit,
    a link out of the content folder and a symbolic link to a file outside are the same
    findings, as warnings, and the others are published without the draft's files."""
    links = "[上级](../../outside.pdf)\n\n[附件](../media/passwd.txt)"
    content = write_content(tmp_path, {"a.md": article_text(), "d.md": article_text(draft="true", body="> " * 60 + "深"),
                                       "e.md": article_text(draft="true", body=links)})
    (content / "media").mkdir()
    os.symlink(outside_file(tmp_path), content / "media" / "passwd.txt")
    assert problems(content) == [
        f"articles/d.md:6: warning: {TOO_DEEP}",
        "articles/e.md:6: warning: the link '../../outside.pdf' points outside the content folder; "
        "link only to files inside it",
        f"articles/e.md:8: warning: the link '../media/passwd.txt' {OUTSIDE}: media/passwd.txt is a symbolic link "
        "to a place outside it, and nothing from outside is published; copy the file itself into the content folder",
    ]
    build(BuildOptions(content_dir=content, output_dir=tmp_path / "output", now=NOW), Theme())
    assert not (tmp_path / "output" / "media").exists() and not (tmp_path / "output" / "articles" / "e").exists()


def test_the_same_in_the_timeline(tmp_path):
    detail = '"' + "> " * 300 + '深"'
    content = write_content(tmp_path, {"a.md": article_text()},
                            timeline=f"- date: 2020-01-26\n  title: 事件\n  detail: {detail}\n")
    assert problems(content) == [f"timeline.yaml:3: error: {TOO_DEEP}"]


def test_a_timelines_links_to_files_are_checked_as_a_bodys_and_only_the_safe_one_is_published(tmp_path):
    """The files a detail links to are published with the site (as a body's), so a detail
    gets the same checks: nothing from outside the content folder, nothing that runs script."""
    details = ["见[密](media/passwd.txt)", "见[页](media/evil.html)", "见[通知](media/notice.pdf)"]
    content = write_content(tmp_path, {"a.md": article_text()}, timeline="".join(
        f"- date: 2020-01-2{day}\n  title: 事件{day}\n  detail: {detail}\n" for day, detail in enumerate(details)))
    (content / "media").mkdir()
    os.symlink(outside_file(tmp_path), content / "media" / "passwd.txt")
    (content / "media" / "evil.html").write_bytes(PAGE)
    (content / "media" / "notice.pdf").write_bytes(b"%PDF-1.4\n")
    assert problems(content) == [
        f"timeline.yaml:3: error: the link 'media/passwd.txt' {OUTSIDE}: media/passwd.txt is a symbolic link "
        "to a place outside it, and nothing from outside is published; copy the file itself into the content folder",
        f"timeline.yaml:6: error: the link 'media/evil.html' leads to an HTML page, {AS_PAGE}",
    ]
    (content / "media" / "passwd.txt").unlink()
    (content / "media" / "evil.html").unlink()
    (content / "timeline.yaml").write_text(f"- date: 2020-01-22\n  title: 事件\n  detail: {details[2]}\n",
                                           encoding="utf-8")
    build(BuildOptions(content_dir=content, output_dir=tmp_path / "output", now=NOW), Theme())
    assert sorted(p.name for p in (tmp_path / "output" / "media").iterdir()) == ["notice.pdf"]


AT_THE_LIMIT = {
    "quotes": ">" * 50 + " 深五十",
    "quotes-spaced": "> " * 49 + "- 深五十",
    "list": nested_list(50) + " 深五十",
    "em-words": "*a " * 50 + "深五十" + " b*" * 50,
    "stars": "*" * 50 + "深五十" + "*" * 50,
    "brackets": "[" * 50 + "深五十" + "](#a)" * 50,
    "divs": "<div>\n" * 150 + "深五十\n" + "</div>\n" * 150,
    "spans": "<span>" * 149 + "深五十",  # and the paragraph around them
    "everything": "> " * 24 + "- " + "*a " * 50 + "深五十" + " b*" * 50,
}


def test_whatever_passes_the_limit_is_built_into_pages_and_feeds(tmp_path):
    content = write_content(tmp_path, {f"{name}.md": article_text(title=name, date=f"2020-01-{day:02d}", body=body)
                                       for day, (name, body) in enumerate(AT_THE_LIMIT.items(), start=1)})
    assert problems(content) == []
    result = build(BuildOptions(content_dir=content, output_dir=tmp_path / "output", now=NOW), Theme())
    output = tmp_path / "output"
    for name in AT_THE_LIMIT:
        assert "深五十" in (output / "articles" / name / "index.html").read_text(encoding="utf-8"), name
    for feed in ("feed.xml", "atom.xml"):
        assert (output / feed).read_text(encoding="utf-8").count("深五十") >= len(AT_THE_LIMIT), feed
    assert result is not None


def test_a_body_that_still_recurses_too_deeply_is_an_error_not_a_crash(monkeypatch):
    monkeypatch.setattr(markdown_module, "NESTING_LIMIT", 10**6)  # as if the checks let it through
    monkeypatch.setattr(markdown_module, "MAX_MARKS_PER_PARAGRAPH", 10**6)
    html, links = render("*a " * 2000 + "x" + " b*" * 2000, Path("."))
    assert html == ""
    assert [(p.message, p.line) for p in links.broken] == [(
        "the text nests too deeply to be shown (quotes, lists, emphasis or HTML tags inside one another); "
        "take out some of the levels", 0)]


def test_html_past_the_limit_is_found_after_rendering_whatever_made_it(monkeypatch):
    monkeypatch.setattr(markdown_module, "HTML_DEPTH_LIMIT", 10)
    html, links = render("前文。\n\n" + "> " * 8 + "*a **b [c](#d)**" + "*" + "\n\n后文。", Path("."))
    assert html == ""
    assert [p.message for p in links.broken] == [
        "the HTML here puts more than 10 tags inside one another, which is more than a page can show; "
        "take out some of the levels"]
