"""Hostile content (issue 12): what a correspondent commits cannot take the machine down,
put live markup in a feed, or make the command line print a traceback.

Each hostile input is written here (the big ones are made at test time) with the exact
error line expected. The memory bombs run the real command line in a subprocess with
an address-space limit and a time limit, so a bound that is not kept fails the test
instead of taking the machine down.
"""

from __future__ import annotations

import html
import resource
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROJECT, SAMPLE_CONTENT, article_text, run_build, write_content
from digest import config as config_module
from digest import content as content_module
from digest import sources, yamlfile
from digest.errors import ContentError, ProblemLog, format_problems
from digest.feeds import site_feeds
from digest.loading import BuildOptions, load_site
from digest.yamlfile import YamlProblem, load_yaml

NOW = datetime(2020, 3, 1, tzinfo=timezone.utc)
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
ALIAS = "write the values out instead of using '&' and '*'"
MEMORY_LIMIT = 1 << 30  # 1 GB of address space: the sample site builds in far less
XSS = "<img src=x onerror=alert(1)>"
# What a report's file that cannot be read at all adds, since it might be someone's draft.
MEANWHILE = " (to publish the other reports meanwhile, move this file out of the articles folder until it is fixed)"


def problems_of(content: Path) -> list[str]:
    """Every problem ``load_site`` finds in ``content``, printed as the command line prints them."""
    with pytest.raises(ContentError) as caught:
        load_site(BuildOptions(content_dir=content, now=NOW))
    return format_problems(caught.value.log.problems)


def errors_of(content: Path) -> list[str]:
    return [line for line in problems_of(content) if ": error: " in line]


def run_limited(*args: str, timeout: float = 60, script: str | None = "build.py") -> subprocess.CompletedProcess:
    """The real command line, in English (or ``python *args`` without a script) with at
    most :data:`MEMORY_LIMIT` of memory and ``timeout`` seconds."""
    if script == "build.py":
        args = (*args, "--lang", "en")
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, *([str(PROJECT / script)] if script else []), *args],
        capture_output=True, text=True, timeout=timeout, preexec_fn=limit, cwd=PROJECT,
    )


def yaml_problem(text: str, careful: bool = False) -> tuple[int, str]:
    saved = yamlfile._is_plain
    if careful:
        yamlfile._is_plain = lambda text: False
    try:
        with pytest.raises(YamlProblem) as caught:
            load_yaml(text)
    finally:
        yamlfile._is_plain = saved
    return caught.value.line, caught.value.message


# --- 1. YAML aliases: bounded by count and by expanded size, scalars too ---------------

def too_many_uses(anchor: str = "a") -> str:
    return f"'*{anchor}' is one use of '*' too many: a file may repeat values with '*' at most " \
           f"{yamlfile.MAX_ALIAS_USES} times; {ALIAS}"


def too_much_text(anchor: str = "a") -> str:
    return f"'*{anchor}' takes the text repeated with '*' past {yamlfile.MAX_ALIASED_CHARS:,} characters " \
           f"in one file; {ALIAS}"


def test_the_bounds_are_sane():
    assert 10 <= yamlfile.MAX_ALIAS_USES <= 1000
    assert 4096 <= yamlfile.MAX_ALIASED_CHARS <= 1 << 20


def test_scalar_aliases_within_the_bounds_are_fine():
    uses = yamlfile.MAX_ALIAS_USES
    text = "a: &n 驿马乡\nb: [" + ", ".join(["*n"] * uses) + "]\n"
    assert load_yaml(text)["b"] == ["驿马乡"] * uses


def test_one_alias_too_many_is_an_error_at_its_line():
    uses = yamlfile.MAX_ALIAS_USES
    text = "a: &n 驿马乡\nb:\n" + "".join("  - *n\n" for _ in range(uses + 1))
    assert yaml_problem(text) == (3 + uses, too_many_uses("n"))


def test_aliased_text_past_the_size_bound_is_an_error_at_the_alias_that_crosses_it():
    half = yamlfile.MAX_ALIASED_CHARS // 2 + 1
    text = f'x: &a "{"长" * half}"\nb: *a\nc: *a\nd: *a\n'
    assert yaml_problem(text) == (3, too_much_text())


def test_aliased_keys_count_too():
    uses = yamlfile.MAX_ALIAS_USES
    text = "a: &k 驿马乡\n" + "".join(f"m{i}: {{*k : 1}}\n" for i in range(uses + 1))
    assert yaml_problem(text)[0] == 2 + uses


def test_both_loaders_keep_the_same_bounds():
    """Text with an alias never takes libyaml's fast path (whose composer is in C and
    cannot count), so the careful loader's bounds hold whichever path load_yaml takes."""
    text = 'x: &a "' + "长" * 100_000 + '"\nauthor: [' + ", ".join(["*a"] * 2000) + "]\n"
    assert not yamlfile._is_plain(text)
    assert yaml_problem(text) == yaml_problem(text, careful=True) == (2, too_much_text())


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.integers(1, 3000))
def test_aliases_are_bounded_whatever_their_number_and_size(uses, size):
    text = f'x: &a "{"长" * size}"\nauthor: [' + ", ".join(["*a"] * uses) + "]\n"
    within = uses <= yamlfile.MAX_ALIAS_USES and uses * size <= yamlfile.MAX_ALIASED_CHARS
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        assert not within and exc.line == 2
    else:
        assert within and len(data["author"]) == uses


def alias_bomb_article() -> str:
    """Issue 12, item 1: a 306 KB file that expanded to 21.9 GB."""
    aliases = ", ".join(["*a"] * 2000)
    return f'---\ntitle: 炸弹\ndate: 2020-01-30\nx: &a "{"长" * 100_000}"\nauthor: [{aliases}]\n---\n正文。\n'


def test_the_alias_bomb_in_front_matter_is_one_error_at_the_alias(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-bomb.md": alias_bomb_article()})
    assert errors_of(content) == [
        f"articles/2020-01-30-bomb.md:5: error: the front matter cannot be read: {too_much_text()}{MEANWHILE}",
    ]


def test_the_alias_bomb_cannot_take_the_machine_down(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-bomb.md": alias_bomb_article()})
    started = time.monotonic()
    result = run_limited("--content", str(content), "--output", str(tmp_path / "output"))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.splitlines()[0] == (
        f"articles/2020-01-30-bomb.md:5: error: the front matter cannot be read: {too_much_text()}{MEANWHILE}")
    assert not (tmp_path / "output").exists()
    assert time.monotonic() - started < 20


def test_scalar_alias_bombs_in_timeline_and_site_yaml_are_errors_at_the_alias(tmp_path):
    big = "长" * 100_000
    timeline = f'- date: 2020-01-26\n  title: &t "{big}"\n- date: 2020-01-27\n  title: *t\n'
    site = f'title: &s "{big[:40_000]}"\nbase_url: https://example.cn/\ndescription: *s\ncopyright: *s\n'
    content = write_content(tmp_path, {"a.md": article_text()}, timeline=timeline, site=site)
    assert errors_of(content) == [
        f"site.yaml:4: error: site.yaml cannot be read: {too_much_text('s')}",
        f"timeline.yaml:4: error: timeline.yaml cannot be read: {too_much_text('t')}",
    ]


def test_the_small_alias_fixture_says_so_through_check():
    result = run_limited("check", "--content", str(FIXTURES / "alias_uses"), timeout=30)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert result.stderr.splitlines()[0] == (
        f"articles/2020-01-30-aliases.md:{6 + yamlfile.MAX_ALIAS_USES}: error: the front matter cannot be read: "
        f"{too_many_uses('who')}{MEANWHILE}")


# --- 2. size limits: files, titles and summaries ------------------------------------

REPORT_TOO_BIG = "error: the file is larger than 2 MB, the most a report may have; split the report into several reports"


def test_the_size_limits_are_sane():
    assert sources.MAX_ARTICLE_BYTES == 2 << 20
    assert sources.MAX_YAML_BYTES == {"timeline.yaml": 5 << 20, "site.yaml": 256 << 10}
    assert (content_module.MAX_TITLE_CHARS, content_module.MAX_SUMMARY_CHARS) == (500, 1000)


def big_article(size: int) -> str:
    head = article_text(body="")
    filler = "正文。" * ((size - len(head.encode())) // 9 + 1)
    return head + filler


def test_an_article_just_over_the_limit_is_an_error_at_line_1(tmp_path):
    text = big_article(sources.MAX_ARTICLE_BYTES)
    content = write_content(tmp_path, {"2020-01-30-big.md": text, "2020-01-30-ok.md": article_text()})
    path = content / "articles" / "2020-01-30-big.md"
    with path.open("r+b") as file:
        file.truncate(sources.MAX_ARTICLE_BYTES + 1)
    assert errors_of(content) == [f"articles/2020-01-30-big.md:1: {REPORT_TOO_BIG}{MEANWHILE}"]


def test_an_article_at_the_limit_is_read(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"x" * sources.MAX_ARTICLE_BYTES)
    log = ProblemLog()
    file = sources.read_text(path, "articles/a.md", log)
    assert log.problems == [] and len(file.text) == sources.MAX_ARTICLE_BYTES


def test_a_file_that_grows_while_it_is_read_cannot_slip_past():
    """/dev/zero says it has 0 bytes and never ends: at most limit + 1 bytes are read.
    (In a subprocess with the memory limit: an unbounded read would fill the machine.)"""
    code = ("from pathlib import Path; from digest import sources; from digest.errors import ProblemLog, format_problems\n"
            "log = ProblemLog()\n"
            "assert sources.read_text(Path('/dev/zero'), 'articles/zero.md', log) is None\n"
            "print(format_problems(log.problems))\n")
    result = run_limited("-c", code, timeout=20, script=None)
    assert (result.returncode, result.stdout.strip()) == (0, repr([f"articles/zero.md:1: {REPORT_TOO_BIG}"])), \
        result.stderr[-2000:]


def test_a_50_mb_article_is_refused_quickly_and_within_memory(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-ok.md": article_text()})
    with (content / "articles" / "2020-01-30-huge.md").open("wb") as file:
        file.write(article_text(body="").encode())
        chunk = ("正文。" * 100_000 + "\n").encode()
        while file.tell() < 50 << 20:
            file.write(chunk)
    started = time.monotonic()
    result = run_limited("--content", str(content), "--output", str(tmp_path / "output"))
    assert (result.returncode, "Traceback" in result.stderr) == (1, False), result.stderr[-2000:]
    assert result.stderr.splitlines()[0] == f"articles/2020-01-30-huge.md:1: {REPORT_TOO_BIG}{MEANWHILE}"
    assert time.monotonic() - started < 20


def test_yaml_files_over_their_limits_are_errors_at_line_1(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    event = "- date: 2020-01-26\n  title: 孝义市启动一级响应\n"
    (content / "timeline.yaml").write_text(event * ((5 << 20) // len(event.encode()) + 1), encoding="utf-8")
    (content / "site.yaml").write_text("title: 测试站\n" + "# 注释\n" * ((256 << 10) // 9 + 1), encoding="utf-8")
    assert errors_of(content) == [
        "site.yaml:1: error: site.yaml is larger than 256 KB, the most it may have; keep only the settings in it",
        "timeline.yaml:1: error: timeline.yaml is larger than 5 MB, the most it may have; shorten the events' "
        "details, or put long texts in reports and link them with 'article:'",
    ]


def test_a_long_title_or_summary_is_an_error_at_its_line(tmp_path):
    content = write_content(tmp_path, {
        "2020-01-30-title.md": article_text(title="长" * 501),
        "2020-01-30-summary.md": article_text(summary="长" * 1001),
        "2020-01-30-fine.md": article_text(title="长" * 500, summary="长" * 1000),
    }, timeline=f"- date: 2020-01-26\n  title: {'长' * 501}\n")
    assert errors_of(content) == [
        "articles/2020-01-30-summary.md:4: error: 'summary:' is 1,001 characters long, more than the 1,000 "
        "a summary may have; shorten it to a sentence or two",
        "articles/2020-01-30-title.md:2: error: 'title:' is 501 characters long, more than the 500 a title "
        "may have; shorten it and put the rest in the text",
        "timeline.yaml:2: error: 'title:' is 501 characters long, more than the 500 a title may have; "
        "shorten it and put the rest in the text",
    ]


# --- 3. feed channels: text escaped for readers that take it as HTML ---------------

def feeds_of(tmp_path: Path, place: str, description: str) -> dict[str, bytes]:
    site_yaml = f"title: 测试站\nbase_url: https://example.cn/\ndescription: '{description}'\n"
    timeline = f"- date: 2020-01-26\n  title: '{place}'\n  place: '{place}'\n  article: a\n"
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text(place=f"'{place}'", tags=f"['{place}']")},
                            timeline=timeline, site=site_yaml)
    site, _ = load_site(BuildOptions(content_dir=content, now=NOW))
    return {feed.dest: feed.data for feed in site_feeds(site, 50, {})}


def channel_text(data: bytes, name: str) -> str:
    return ET.fromstring(data).find(f"channel/{name}").text


@pytest.mark.parametrize("hostile", [XSS, "<b>粗</b><img src=x onerror=alert(1)>", "AT&T <script>alert(1)</script>"])
def test_channel_descriptions_are_escaped_for_readers_that_render_html(tmp_path, hostile):
    feeds = feeds_of(tmp_path, hostile, hostile)
    group_feeds = sorted(dest for dest in feeds if dest.startswith(("places/", "tags/")))
    assert [dest.split("/")[0] for dest in group_feeds] == ["places", "tags"]
    for dest, said in (("feed.xml", hostile), *((dest, f"{hostile}的报道") for dest in group_feeds)):
        assert channel_text(feeds[dest], "description") == html.escape(said)
        parsed = feedparser.parse(feeds[dest])
        assert "<img" not in parsed.feed.subtitle and "<script" not in parsed.feed.subtitle
        assert html.unescape(parsed.feed.subtitle) == said  # a reader shows the text as written
        # the title is plain text to feedparser, or else sanitised HTML
        title = parsed.feed.title_detail
        assert title.type == "text/plain" or "onerror" not in title.value
    atom = ET.fromstring(feeds["atom.xml"]).find("{http://www.w3.org/2005/Atom}subtitle")
    assert (atom.get("type", "text"), atom.text) == ("text", hostile)  # Atom says it is text


@pytest.mark.parametrize("hostile", [XSS, "AT&T <script>alert(1)</script>"])
def test_timeline_feed_items_show_an_events_title_and_place_as_text(tmp_path, hostile):
    item = feedparser.parse(feeds_of(tmp_path, hostile, "")["timeline/feed.xml"]).entries[0]
    assert item.title == hostile
    shown = BeautifulSoup(item.description, "html.parser")
    assert shown.find(["img", "script"]) is None and hostile in shown.text


def test_the_sample_sites_feed_description_is_unchanged():
    site, _ = load_site(BuildOptions(content_dir=SAMPLE_CONTENT, now=NOW))
    description = site.config.description
    assert html.escape(description) == description  # nothing to escape: the golden bytes stay


# --- 4. no traceback from the command line -------------------------------------------

BASE_URL_ERROR = ("site.yaml:2: error: 'base_url:' 'http://[::1/' is not a web address; write it with "
                  "http:// or https://, like https://example.cn/digest/")


def test_a_broken_ipv6_base_url_is_an_error_at_its_line(tmp_path):
    site = "title: 测试站\nbase_url: 'http://[::1/'\n"
    content = write_content(tmp_path, {"a.md": article_text()}, site=site)
    assert errors_of(content) == [BASE_URL_ERROR]


@pytest.mark.parametrize("url", ["http://[::1/", "http://example.cn:99999/", "http://exa mple.cn/",
                                 "https://example.cn/\n<script>", "http://[::1]x/", "http://@/"])
def test_base_urls_that_are_not_web_addresses_are_refused(tmp_path, url):
    (tmp_path / "site.yaml").write_text('base_url: "' + url.replace("\n", "\\n") + '"\n', encoding="utf-8")
    log = ProblemLog()
    config = config_module.load_config(tmp_path, log)
    assert config.base_url == "http://localhost/"
    assert [p.location.line for p in log.errors] == [1]


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_broken_base_url_is_one_line_through_the_command_line(tmp_path, command):
    args = ["--output", str(tmp_path / "output")] if command == "build" else []
    result = run_build(command, "--content", str(FIXTURES / "base_url_ipv6"), *args)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert result.stderr.splitlines()[0] == BASE_URL_ERROR


@pytest.mark.parametrize("args, says", [
    (["serve", "--port", "99999"], "argument --port: '99999' is not a port; give a whole number from 1 to 65535, or 0 for any free one"),
    (["serve", "--port", "-1"], "argument --port: '-1' is not a port; give a whole number from 1 to 65535, or 0 for any free one"),
    (["serve", "--port", "80x"], "argument --port: '80x' is not a port; give a whole number from 1 to 65535, or 0 for any free one"),
    (["--base-url", "http://[::1/"], "argument --base-url: 'http://[::1/' is not a web address like https://example.cn/digest/"),
])
def test_a_wrong_command_line_is_exit_2_with_a_message(tmp_path, args, says):
    result = run_build(*args, "--content", str(PROJECT / "content"), cwd=tmp_path)
    assert (result.returncode, "Traceback" in result.stderr) == (2, False)
    assert result.stderr.strip().splitlines()[-1].endswith(says), result.stderr


def parse(argv: list[str]):
    sys.path.insert(0, str(PROJECT))
    import build
    return build.make_parser(argv[0]).parse_args(argv[1:])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["--port", "--base-url"]), st.text(max_size=30))
def test_fuzzed_port_and_base_url_arguments_parse_or_exit_2(option, value):
    command = "serve" if option == "--port" else "build"
    try:
        args = parse([command, f"{option}={value}"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        if option == "--port":
            assert 0 <= args.port <= 65535
        else:
            config_module.SiteConfig(base_url=args.base_url).base_path  # no ValueError later
