"""Every mistake an editor can make gets one clear line at the right place.

Each folder in ``fixtures/bad/`` is a small content folder with one kind of
mistake (``several_mistakes`` has many). Building it must print exactly the
lines below on stderr, then a one-line count, exit 1, and leave the previous
output folder byte for byte as it was; ``check`` must say the same and write
nothing at all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT, article_text, load_cli, run_build, tree_hash, write_content

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
YIMA = "articles/2020/2020-01-30-yima.md"
TITLE_EXAMPLE = "'title: 驿马乡：党员干部守在防控一线'"
NOT_A_DATE = "which is not a date; write it in numbers, like 2020-01-30 or 2020-01-30 09:00"
QUOTE_IT = "put the whole value in quotes"
WAY_OUT = " (to publish the other reports meanwhile, move this file out of the articles folder until it is fixed)"

EXPECTED = {
    "front_matter_not_closed": [
        f"{YIMA}:1: error: the front matter is not closed; add a line '---' after the last field (title:, date:, ...)" + WAY_OUT,
    ],
    "front_matter_not_yaml": [
        f"{YIMA}:4: error: the front matter cannot be read: a list opened with '[' is not closed; "
        "end it with ']' and put commas between the items" + WAY_OUT,
    ],
    "front_matter_chinese_colon": [
        f"{YIMA}:3: error: the front matter cannot be read: the key is followed by a Chinese colon '：'; "
        "write an English colon and a space, e.g. 'title: ...'" + WAY_OUT,
    ],
    "front_matter_colon_in_value": [
        f"{YIMA}:4: error: the front matter cannot be read: there is a ':' where none can be; if the value "
        f"itself contains ': ', {QUOTE_IT} (e.g. title: \"驿马乡: 卡口值守\"), otherwise check the indentation" + WAY_OUT,
    ],
    "front_matter_key_twice": [
        f"{YIMA}:4: error: the front matter cannot be read: 'title:' is given twice (first on line 2); "
        "keep only one of them" + WAY_OUT,
    ],
    "title_missing": [
        f"{YIMA}:1: error: 'title:' is missing; add a line like {TITLE_EXAMPLE} to the front matter",
    ],
    "title_misspelt_and_missing": [
        f"{YIMA}:1: error: 'title:' is missing; add a line like {TITLE_EXAMPLE} to the front matter "
        "('titel:' on line 2 looks like a misspelling of it)",
        f"{YIMA}:2: warning: unknown key 'titel:'; did you mean 'title:'? (as written it is not used)",
    ],
    "title_empty": [
        f"{YIMA}:3: error: 'title:' is empty; fill it in, e.g. {TITLE_EXAMPLE}",
    ],
    "date_not_a_date": [
        f"{YIMA}:4: error: 'date:' says '上周五', {NOT_A_DATE}",
    ],
    "date_no_such_day": [
        "articles/2020/2020-02-30-yima.md:3: error: 'date:' says 2020-02-30, but February 2020 has 29 days; "
        "check the month and the day",
    ],
    "tags_a_number": [
        f"{YIMA}:4: error: 'tags:' must be a list of words, e.g. tags: [疫情防控, 基层党建]",
    ],
    "photos_not_a_list": [
        f"{YIMA}:4: error: 'photos:' must be a list of pictures, each starting with '- src:', "
        "e.g. '- src: media/yima.jpg'",
    ],
    "slug_shared": [
        f"{YIMA}:1: error: the slug 'yima' (made from the file name) is also used by articles/2021/yima.md; "
        "two reports cannot share one address: give one of them its own line like 'slug: yima-2'",
        f"articles/2021/yima.md:1: error: the slug 'yima' (made from the file name) is also used by {YIMA}; "
        "two reports cannot share one address: give one of them its own line like 'slug: yima-2'",
    ],
    "slug_unsafe": [
        "articles/control.md:4: error: 'slug:' contains the invisible character U+0007; delete it",
        "articles/dots.md:4: error: 'slug:' '../../index' cannot be part of a web address; "
        "a slug is lower-case letters a-z, digits and hyphens, e.g. slug: index",
        "articles/slash.md:4: error: 'slug:' '2020/yima' cannot be part of a web address; "
        "a slug is lower-case letters a-z, digits and hyphens, e.g. slug: 2020-yima",
    ],
    "photo_missing": [
        f"{YIMA}:7: error: the photo 'media/yima-meeting.jpg' does not exist; photo paths are relative "
        "to the content folder (not to the article), e.g. media/yima.jpg",
    ],
    "image_missing": [
        f"{YIMA}:9: error: the image 'media/yima-meeting.jpg' names a file that does not exist "
        "(looked for articles/2020/media/yima-meeting.jpg); paths are relative to this file: "
        "did you mean '../../media/yima-meeting.jpg'?",
    ],
    "link_to_missing_article": [
        f"{YIMA}:7: error: the link '2020-02-01-chongwen.md' names an article file that does not exist "
        "(looked for articles/2020/2020-02-01-chongwen.md); paths are relative to this file: "
        "did you mean '2020-02-01-chongwen-jiedao.md'?",
    ],
    "event_without_date": [
        "timeline.yaml:3: error: the event '驿马乡召开紧急大会' has no 'date:'; add a line like 'date: 2020-01-26'",
    ],
    "event_without_title": [
        "timeline.yaml:3: error: the event has no 'title:'; add a line like 'title: 孝义市启动一级响应'",
    ],
    "event_names_no_article": [
        "timeline.yaml:4: error: 'article: yi-ma' names no report: no article has the slug 'yi-ma'; "
        "did you mean 'article: yima'?",
    ],
    "timeline_not_a_list": [
        "timeline.yaml:1: error: the timeline must be a list of events, each starting with '- date:' "
        "(a dash and a space)",
    ],
    "timeline_not_yaml": [
        "timeline.yaml:4: error: timeline.yaml cannot be read: there is a ':' where none can be; if the value "
        f"itself contains ': ', {QUOTE_IT} (e.g. title: \"驿马乡: 卡口值守\"), otherwise check the indentation",
    ],
    "timeline_alias_bomb": [
        "timeline.yaml:2: error: timeline.yaml cannot be read: '*a' repeats a whole list or mapping, "
        "which is not allowed; write the values out instead of using '&' and '*'",
    ],
    "not_utf8": [
        f"{YIMA}:2: error: the file is not UTF-8; open it and save it again choosing the encoding UTF-8" + WAY_OUT,
    ],
    "not_utf8_gbk": [
        f"{YIMA}:2: error: the file is not UTF-8: it looks like GBK, the old Chinese Windows encoding; "
        "open it and save it again choosing the encoding UTF-8 (另存为 → 编码 → UTF-8)" + WAY_OUT,
    ],
    "empty_article": [
        f"{YIMA}:1: error: the file is empty; a report needs front matter ('---', title:, date:, '---') "
        "and then its text" + WAY_OUT,
        "articles/2020/2020-02-01-chongwen.md:1: error: the report has no text; "
        "write it below the front matter's closing '---'",
    ],
    "site_yaml": [
        "site.yaml:2: error: 'base_url:' 'example.cn/digest' is not a web address; write it with http:// "
        "or https://, like https://example.cn/digest/",
        "site.yaml:3: error: 'timezone:' 'Beijing' is not a time zone name; use one like Asia/Shanghai",
        "site.yaml:4: error: 'per_page:' must be a whole number above 0, e.g. per_page: 10",
    ],
    "site_yaml_not_yaml": [
        "site.yaml:2: error: site.yaml cannot be read: a quotation mark is not closed; "
        "end the value with the same quote mark it starts with",
    ],
    "several_mistakes": [
        f"{YIMA}:3: error: 'date:' says 2020-01-32, but January 2020 has 31 days; check the month and the day",
        f"{YIMA}:4: error: 'tags:' must be a list of words, e.g. tags: [疫情防控, 基层党建]",
        "articles/2020/2020-02-01-chongwen.md:1: error: 'title:' is missing; "
        f"add a line like {TITLE_EXAMPLE} to the front matter",
        "articles/2020/2020-02-03-xiazha.md:1: error: the front matter is not closed; "
        "add a line '---' after the last field (title:, date:, ...)" + WAY_OUT,
        "site.yaml:2: error: 'per_page:' must be a whole number above 0, e.g. per_page: 10",
        "timeline.yaml:3: error: 'article: xiaoyi' names no report: no article has the slug 'xiaoyi'; "
        "use the slug of a report (its 'slug:', or its file name without the date and .md)",
        f"timeline.yaml:4: error: 'date:' says '上周五', {NOT_A_DATE}",
    ],
}

# Fixtures whose text files are all UTF-8, to be read again with a BOM and CRLF.
TEXT_FIXTURES = sorted(set(EXPECTED) - {"not_utf8", "not_utf8_gbk", "empty_article"})


CLI = load_cli()  # most cases run in this process (fast) as well as in a real one


def cli(capsys, *args, lang: str = "en") -> tuple[int, list[str]]:
    """Run the command line in-process, in English unless asked: (exit status, stderr lines)."""
    capsys.readouterr()
    code = CLI.main([str(arg) for arg in args] + ["--lang", lang])
    return code, capsys.readouterr().err.splitlines()


def make_old_output(folder: Path) -> Path:
    """An output folder as a previous build left it, with a sentinel file the build never makes."""
    output = folder / "output"
    (output / "articles" / "old").mkdir(parents=True)
    (output / "index.html").write_text("<!DOCTYPE html><title>昨天的网站</title>", encoding="utf-8")
    (output / "articles" / "old" / "index.html").write_text("旧报道", encoding="utf-8")
    (output / "sentinel.bin").write_bytes(bytes(range(256)))
    return output


def assert_untouched(output: Path, before: str) -> None:
    """The old output byte for byte, and no half-made folder left beside it."""
    assert tree_hash(output) == before
    assert [p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}")] == []


def expected_lines(name: str) -> list[str]:
    return EXPECTED[name] + [count_line(EXPECTED[name])]


def count_line(lines: list[str]) -> str:
    errors = sum(": error: " in line for line in lines)
    warnings = sum(": warning: " in line for line in lines)
    return f"{errors} error(s), {warnings} warning(s); nothing was written"


def copy_fixture(name: str, folder: Path) -> Path:
    content = folder / "content"
    shutil.copytree(FIXTURES / name, content)
    return content


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_named_and_the_old_output_is_untouched(name, tmp_path, capsys):
    output = make_old_output(tmp_path)
    before = tree_hash(output)
    code, lines = cli(capsys, "--content", FIXTURES / name, "--output", output)
    assert lines == expected_lines(name)
    assert code == 1
    assert_untouched(output, before)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_says_the_same_and_writes_nothing(name, tmp_path, capsys, monkeypatch):
    content = copy_fixture(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = tree_hash(tmp_path)
    code, lines = cli(capsys, "check", "--content", content)
    assert (code, lines) == (1, expected_lines(name))
    assert tree_hash(tmp_path) == before


@pytest.mark.parametrize("name", TEXT_FIXTURES)
def test_lines_are_the_same_with_a_bom_and_crlf(name, tmp_path, capsys):
    content = copy_fixture(name, tmp_path)
    for path in content.rglob("*"):
        if path.suffix in (".md", ".yaml"):
            text = path.read_bytes().replace(b"\n", b"\r\n")
            path.write_bytes(b"\xef\xbb\xbf" + text)
    code, lines = cli(capsys, "check", "--content", content)
    assert (code, lines) == (1, expected_lines(name))


def test_the_real_command_reports_every_mistake_sorted_with_no_traceback(tmp_path):
    output = make_old_output(tmp_path)
    before = tree_hash(output)
    result = run_build("--content", str(FIXTURES / "several_mistakes"), "--output", str(output))
    assert result.stderr.splitlines() == expected_lines("several_mistakes")
    assert result.returncode == 1
    assert_untouched(output, before)


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), "check", "--content", str(FIXTURES / "timeline_alias_bomb"),
         "--lang", "en"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == EXPECTED["timeline_alias_bomb"][0]
    assert time.monotonic() - started < 15  # the process start is most of it; expansion would take minutes


# --- warnings: the build goes on ---------------------------------------------


def problem_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if re.match(r"^\S+:\d+: (error|warning): ", line)]


def test_a_misspelt_key_is_a_warning_naming_the_key_meant(tmp_path, capsys):
    content = write_content(tmp_path, {"2020/2020-01-30-yima.md": article_text(tag="[疫情防控]", 作者="张世川")})
    code, lines = cli(capsys, "--content", content, "--output", tmp_path / "output")
    assert problem_lines(lines) == [
        f"{YIMA}:4: warning: unknown key 'tag:'; did you mean 'tags:'? (as written it is not used)",
        f"{YIMA}:5: warning: unknown key '作者:'; did you mean 'author:'? (as written it is not used)",
    ]
    assert code == 0
    assert (tmp_path / "output" / "articles" / "yima" / "index.html").is_file()


def test_a_much_too_long_summary_is_a_warning(tmp_path, capsys):
    content = write_content(tmp_path, {"2020/2020-01-30-yima.md": article_text(summary="长" * 300)})
    code, lines = cli(capsys, "--content", content, "--output", tmp_path / "output")
    assert problem_lines(lines) == [
        f"{YIMA}:4: warning: the summary has 300 characters, far more than the 120 a summary should have "
        "(site.yaml summary_length); shorten it to a sentence or two",
    ]
    assert code == 0


def test_a_future_date_schedules_the_report_and_future_includes_it(tmp_path, capsys):
    content = write_content(tmp_path, {
        "2020/2020-01-30-yima.md": article_text(),
        "2999/2999-01-30-later.md": article_text(title="以后", date="2999-01-30 08:00"),
    })
    code, lines = cli(capsys, "--content", content, "--output", tmp_path / "output")
    assert problem_lines(lines) == [
        "articles/2999/2999-01-30-later.md:3: warning: the date is in the future: the report is scheduled "
        "and left out until 2999-01-30 08:00 (use --future to include it)",
    ]
    assert code == 0
    assert not (tmp_path / "output" / "articles" / "later").exists()
    code, lines = cli(capsys, "--future", "--content", content, "--output", tmp_path / "output")
    assert (code, problem_lines(lines)) == (0, [])
    assert (tmp_path / "output" / "articles" / "later" / "index.html").is_file()


# --- the command line itself: exit 2 ------------------------------------------


@pytest.mark.parametrize("args, says", [
    (["--content", "nowhere"], "the content folder 'nowhere' does not exist"),
    (["check", "--content", "nowhere"], "the content folder 'nowhere' does not exist"),
    (["--base-url", "example.cn/digest"], "'example.cn/digest' is not a web address"),
    (["--output", "content"], "--output 'content' would replace the content folder"),
    (["--output", "."], "--output '.' would replace the content folder"),
    (["--output", "content/articles/out"], "--output 'content/articles/out' is inside the content"),
    (["--output", "site.txt"], "--output 'site.txt' is a file, not a folder"),
])
def test_a_wrong_command_line_exits_2_and_touches_nothing(tmp_path, args, says):
    write_content(tmp_path, {"a.md": article_text()})
    (tmp_path / "site.txt").write_text("不是文件夹", encoding="utf-8")
    before = tree_hash(tmp_path)
    result = run_build(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_hash(tmp_path) == before


def test_check_of_good_content_writes_nothing_either(tmp_path, capsys, monkeypatch):
    content = write_content(tmp_path, {
        "2020/2020-01-30-yima.md": article_text(),
        "2999/later.md": article_text(date="2999-01-01"),
    })
    monkeypatch.chdir(tmp_path)
    before = tree_hash(tmp_path)
    code, lines = cli(capsys, "check", "--content", content)
    assert code == 0 and problem_lines(lines) == [
        "articles/2999/later.md:3: warning: the date is in the future: the report is scheduled and left out "
        "until 2999-01-01 00:00 (use --future to include it)"]
    assert tree_hash(tmp_path) == before
