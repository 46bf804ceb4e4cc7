"""Whatever an editor types, the build answers with a site or with errors, never a traceback.

Random front matter (any YAML values, or text that is not YAML at all),
random Markdown bodies and random timelines, with Chinese, emoji, control
characters and huge values. Every outcome must be a loaded site or a
:class:`ContentError`, and every problem must read ``PATH:LINE: error: ...``
with a PATH that exists and a LINE inside that file.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.builder import Theme, build
from digest.errors import ContentError, ProblemLog
from digest.loading import BuildOptions, load_site

NOW = datetime(2021, 1, 1, tzinfo=timezone.utc)
PROBLEM = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (error|warning): \S")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LETTERS = st.sampled_from(
    "驿马乡疫情防控党旗飘扬第一线孝义abcXYZ019 .,:;-_/\\#*[](){}<>!?&'\"`|~%@\t\n\r"
    "\x00\x01\x0b\x1b\x7f\x85\u2028\u200d\ufeff\uffff👍🏽🇨🇳é。！？“”：（）"
)
TEXT = st.text(LETTERS, max_size=40)
HUGE = st.sampled_from(["长" * 100_000, "a" * 5_000, "1" * 5_000, "[" * 2_000])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, HUGE,
                    st.sampled_from(["2020-01-30", "2020-02-30", "2020-01-30 09:00", "上周五", "9999-12-31T23:59-12:00"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=6)
KEYS = ["title", "date", "author", "place", "tags", "summary", "photos", "slug", "draft", "updated", "titel", "标题", "src"]
FRONT = st.dictionaries(st.sampled_from(KEYS) | TEXT, VALUES, max_size=8)
YAMLISH = st.lists(st.one_of(TEXT, st.sampled_from([
    "title: ", "date: 2020-01-30", ": ", "- ", "[", "]", "{", "}", "'", '"', "&a ", "*a", "<<: *a",
    "!!python/object/apply:os.system ['true']", "\t", "  ", "：", "---", "...", "\n", "\r\n", "|", ">", "#",
])), max_size=25).map("".join)
MARKDOWN = st.lists(st.one_of(TEXT, HUGE, st.sampled_from([
    "**", "*", "_", "[", "](", ")", "![", "](other.md)", "](../media/a.jpg)", "(javascript:alert(1))",
    "<script>alert(1)</script>", "<iframe src=//x.cn>", "<img src=x onerror=alert(1)>", "&#106;", "&",
    "\n", "\n\n", "# ", "> ", "- ", "1. ", "|", "| --- |", "```", "    ", "[^1]", "[^1]: ", "<", ">", "<!--",
    "\x00", "\u2028", "<div>", "</div>", "{: #id }", "*[HTML]: ", "\\",
])), max_size=40).map("".join)


def write(folder: Path, files: dict[str, str]) -> Path:
    content = folder / "content"
    (content / "articles").mkdir(parents=True)
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return content


def assert_well_reported(log: ProblemLog, content: Path) -> None:
    """Every problem in the contract's form, at a line that exists in an existing file."""
    for problem in log.problems:
        text = str(problem)
        found = PROBLEM.match(text)
        assert found, text
        path = content / found["path"]
        assert path.is_file(), text
        lines = path.read_bytes().count(b"\n") + path.read_bytes().count(b"\r") + 1
        assert 1 <= int(found["line"]) <= lines, text
        assert "\n" not in text and "Traceback" not in text


def load_or_errors(content: Path) -> ProblemLog:
    """load_site's outcome: the report of a loaded site, or of the errors that stopped it."""
    try:
        _, log = load_site(BuildOptions(content_dir=content, now=NOW))
    except ContentError as exc:
        assert exc.log.has_errors
        return exc.log
    assert not log.has_errors
    return log


def article(front: str, body: str) -> str:
    return f"---\n{front}\n---\n{body}\n"


@SETTINGS
@given(front=FRONT, body=MARKDOWN)
def test_any_front_matter_values_and_any_body(front, body):
    text = yaml.safe_dump(front, allow_unicode=True)
    with tempfile.TemporaryDirectory() as folder:
        content = write(Path(folder), {"articles/2020/2020-01-30-a.md": article(text, body)})
        assert_well_reported(load_or_errors(content), content)


@SETTINGS
@given(front=YAMLISH, body=MARKDOWN)
def test_front_matter_that_is_hardly_yaml(front, body):
    with tempfile.TemporaryDirectory() as folder:
        content = write(Path(folder), {"articles/a.md": article(front, body), "articles/b.md": front + body})
        assert_well_reported(load_or_errors(content), content)


@SETTINGS
@given(events=st.lists(st.dictionaries(st.sampled_from(["date", "title", "place", "article", "detail", "datum"]),
                                       VALUES, max_size=5) | VALUES, max_size=4),
       site=FRONT, raw=YAMLISH)
def test_any_timeline_and_site_yaml(events, site, raw):
    files = {
        "articles/a.md": article("title: 驿马乡\ndate: 2020-01-30", "正文。"),
        "timeline.yaml": yaml.safe_dump(events, allow_unicode=True),
        "site.yaml": yaml.safe_dump(site, allow_unicode=True) if site else raw,
    }
    with tempfile.TemporaryDirectory() as folder:
        content = write(Path(folder), files)
        assert_well_reported(load_or_errors(content), content)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, place=TEXT, tags=st.lists(TEXT, max_size=3), caption=TEXT, body=MARKDOWN, detail=MARKDOWN)
def test_a_whole_build_of_odd_but_valid_content_makes_a_site_or_errors(title, place, tags, caption, body, detail):
    front = yaml.safe_dump({
        "title": title or "标题", "date": "2020-01-30 09:00", "place": place, "tags": tags,
        "summary": caption, "author": [caption, title],
    }, allow_unicode=True)
    timeline = yaml.safe_dump([{"date": "2020-01-26", "title": title or "事件", "place": place, "detail": detail}],
                              allow_unicode=True)
    with tempfile.TemporaryDirectory() as folder:
        content = write(Path(folder), {"articles/a.md": article(front, body), "timeline.yaml": timeline})
        output = Path(folder) / "output"
        try:
            result = build(BuildOptions(content_dir=content, output_dir=output, now=NOW), Theme())
        except ContentError as exc:
            assert_well_reported(exc.log, content)
            assert not output.exists()
        else:
            assert_well_reported(result.log, content)
            assert (output / "articles" / "a" / "index.html").is_file()
