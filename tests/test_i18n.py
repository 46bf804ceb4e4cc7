"""The editors' side and the pages speak the site's language (#13).

Every message the code and the templates mark has a Chinese translation with the
same placeholders; the compiled catalog is the one its .po says; a Chinese editor
meets no English sentence, from the bad-content fixtures to ``--help``; ``--lang en``
and an ``en`` site get English; a problem in a report leads with the report's title;
an ``en`` site's pages carry no Chinese of ours (the golden test keeps a ``zh`` site's
bytes).
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import PROJECT, article_text, load_cli, write_content
from digest import i18n
from digest.errors import Location, Problem, ProblemLog

PO = PROJECT / "digest" / "locale" / "zh" / "LC_MESSAGES" / "digest.po"
MO = PO.with_suffix(".mo")
FIXTURES = Path(__file__).parent / "fixtures" / "bad"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
# The lead of a problem in a report: the translation adds what the English leaves out.
LEAD_PLACEHOLDERS = {"title", "line"}


CLI = load_cli()


def cli(capsys, *args) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = CLI.main([str(arg) for arg in args])
    return code, capsys.readouterr().err.splitlines()


def catalog():
    with PO.open("rb") as file:
        return read_po(file)


def code_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message marked in the code and the templates now, as
    pybabel extracts them (babel.cfg)."""
    found = set()
    for folder, pattern, method in ((PROJECT / "digest", "**.py", "python"), (PROJECT, "build.py", "python"),
                                    (PROJECT / "templates", "**.html", "jinja2")):
        for _name, _line, message, _comments, context in extract_from_dir(
                folder, method_map=[(pattern, method)], keywords=KEYWORDS,
                options_map={pattern: {"extensions": "jinja2.ext.i18n"}}):
            found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def placeholders(text: str) -> set[str]:
    """Named braces ({key}) and %-placeholders (%(prog)s, %s, %r)."""
    return set(re.findall(r"\{(\w*)\}", text)) | set(re.findall(r"%(?:\(\w+\))?[sdr]", text))


# --- the catalog ---------------------------------------------------------------


def test_every_message_in_the_code_has_a_chinese_translation():
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog() if m.id}
    untranslated = []
    for key in sorted(code_messages(), key=str):
        message = known.get(key)
        strings = message and (message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or not all(strings) or message.fuzzy:
            untranslated.append(key)
    assert untranslated == [], ("run pybabel extract and update (README: Translating the messages), "
                                f"then translate: {untranslated}")


def test_every_translation_keeps_the_placeholders():
    wrong = []
    for message in catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = placeholders(ids[-1])
        for string in strings:
            extra = LEAD_PLACEHOLDERS if message.context and message.context.startswith("a problem in a report") else set()
            if not wanted <= placeholders(string) <= wanted | extra:
                wrong.append((message.id, string))
    assert wrong == []


def test_the_compiled_catalog_is_the_one_the_po_says():
    with MO.open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog
    expected = {}
    for message in catalog():
        if not message.id or message.fuzzy:
            continue
        key = f"{message.context}\x04{message.id}" if message.context else message.id
        if isinstance(message.id, tuple):
            for index, string in enumerate(message.string):
                expected[(key[0] if isinstance(key, tuple) else key, index)] = string
        else:
            expected[key] = message.string
    compiled.pop("", None)  # the header
    assert compiled == expected, "compile the catalog again: .venv/bin/pybabel compile -d digest/locale -D digest"


# --- what a Chinese editor reads -----------------------------------------------

FRAME = re.compile(r"^\S+:\d+: (error|warning): ")
QUOTED = re.compile(r"'[^']*'|“[^”]*”|\"[^\"]*\"|《[^》]*》")
PATHS_AND_KEYS = re.compile(r"\S*[/.]\S*|\S+:(?=\s|$)|--[a-z-]+")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){2,}")


def english_in(line: str) -> str | None:
    """A run of three or more English words outside the frame, quotes, paths and keys."""
    text = PATHS_AND_KEYS.sub(" ", QUOTED.sub(" ", FRAME.sub("", line)))
    found = ENGLISH_SENTENCE.search(text)
    return found.group() if found else None


def test_the_detector_of_english_finds_a_sentence_and_spares_paths_keys_and_quotes():
    assert english_in("a.md:3: error: the front matter cannot be read") == "the front matter cannot be read"
    assert english_in("a.md:3: error: 'title:' 写的是“on the road again”，见 media/a.jpg 和 --future") is None


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_a_chinese_editor_reads_no_english_sentence(name, capsys):
    code, lines = cli(capsys, "check", "--content", FIXTURES / name)
    assert code == 1 and lines
    assert [(line, english_in(line)) for line in lines if english_in(line)] == []
    assert lines[-1].endswith("；没有写入任何文件")


def test_check_and_build_of_good_content_say_it_in_chinese(tmp_path, capsys):
    content = write_content(tmp_path, {
        "2020/2020-01-30-yima.md": article_text(tag="[疫情防控]", place="驿马乡"),
        "2999/later.md": article_text(title="以后", date="2999-01-01"),
        "draft.md": article_text(title="草稿一篇", draft="true"),
    })
    code, lines = cli(capsys, "check", "--content", content)
    assert code == 0
    assert "检查通过：稿件 1 篇，时间线事件 0 条" in lines and "发布前核对：" in lines
    assert "articles/2020/2020-01-30-yima.md:4: warning: 《标题》第4行：不认识的项目 'tag:'，是不是想写 'tags:'？" \
           "（照现在这样写，它不起作用）" in lines
    code, built = cli(capsys, "--content", content, "--output", tmp_path / "output")
    assert code == 0 and any(line.startswith("已生成 1 篇稿件") for line in built)
    assert [(line, english_in(line)) for line in lines + built if english_in(line)] == []


def exits(capsys, *args) -> tuple[int, str, str]:
    """The command line in this process, where argparse ends it: (status, stdout, stderr)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as caught:
        CLI.main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return caught.value.code, out, err


def test_help_is_in_chinese(capsys):
    code, out, _err = exits(capsys, "check", "--content", FIXTURES / "title_empty", "--help")
    assert code == 0
    assert out.startswith("用法：build.py check")
    assert "内容文件夹（默认：content）" in out and "显示这段帮助，然后退出" in out
    assert [line for line in out.splitlines() if english_in(line)] == []


def test_a_wrong_command_line_is_told_in_chinese_with_the_frame_kept(tmp_path, capsys):
    code, _out, err = exits(capsys, "check", "--content", tmp_path / "nowhere")
    assert code == 2 and f"build.py check: error: 内容文件夹“{tmp_path / 'nowhere'}”不存在" in err
    code, _out, err = exits(capsys, "serve", "--content", FIXTURES / "title_empty", "--port", "http")
    assert code == 2 and "build.py serve: error: 参数 --port：“http”不是端口号" in err


# --- choosing the language -----------------------------------------------------


def test_lang_en_speaks_english_on_a_chinese_site(capsys):
    code, lines = cli(capsys, "check", "--content", FIXTURES / "title_empty", "--lang", "en")
    assert lines == [
        "articles/2020/2020-01-30-yima.md:3: error: 'title:' is empty; fill it in, e.g. "
        "'title: 驿马乡：党员干部守在防控一线'",
        "1 error(s), 0 warning(s); nothing was written",
    ]


@pytest.mark.parametrize("site", [
    "title: Test\nlanguage: en\n",
    "language: 'en-US'\nper_page: [\n",  # site.yaml that cannot be read still says its language
])
def test_an_english_site_gets_english_without_lang(site, tmp_path, capsys):
    content = write_content(tmp_path, {"a.md": article_text(date="上周五")}, site=site)
    code, lines = cli(capsys, "check", "--content", content)
    assert code == 1
    assert "articles/a.md:3: error: 'date:' says '上周五', which is not a date; write it in numbers, " \
           "like 2020-01-30 or 2020-01-30 09:00" in lines


def test_lang_zh_wins_over_an_english_site(tmp_path, capsys):
    content = write_content(tmp_path, {"a.md": article_text(date="上周五")}, site="language: en\n")
    code, lines = cli(capsys, "check", "--content", content, "--lang", "zh")
    assert "articles/a.md:3: error: 《标题》第3行：'date:' 写的是“上周五”，这不是日期；请用数字写，" \
           "例如 2020-01-30 或 2020-01-30 09:00" in lines


def test_a_build_cached_in_one_language_speaks_the_other_when_asked(tmp_path, capsys):
    content = write_content(tmp_path, {"a.md": article_text(tag="[疫情防控]")})
    output = tmp_path / "output"
    _code, chinese = cli(capsys, "--content", content, "--output", output)
    _code, english = cli(capsys, "--content", content, "--output", output, "--lang", "en")
    assert "articles/a.md:4: warning: 《标题》第4行：不认识的项目 'tag:'，是不是想写 'tags:'？（照现在这样写，它不起作用）" \
           in chinese
    assert "articles/a.md:4: warning: unknown key 'tag:'; did you mean 'tags:'? (as written it is not used)" in english


def test_forked_workers_speak_the_chosen_language(tmp_path, monkeypatch):
    from digest import loading, parallel
    from digest.errors import ContentError
    from digest.loading import BuildOptions, load_site

    if not parallel._can_fork() or parallel.cores() < 2:
        pytest.skip("no forked workers here")
    monkeypatch.setattr(loading, "each_result", lambda *args: parallel.each_result(*args, min_items=2))
    content = write_content(tmp_path, {f"{n}.md": article_text(title=f"第{n}篇", body="[链接](nowhere.md)")
                                       for n in range(4)})
    i18n.use_language("zh")
    with pytest.raises(ContentError) as caught:
        load_site(BuildOptions(content_dir=content))
    sentences = [problem.message for problem in caught.value.log.problems]
    assert len(sentences) == 4 and all(s.startswith("链接“nowhere.md”指向的稿件文件不存在") for s in sentences)


# --- the lead: what the editor knows first -------------------------------------


def test_a_problem_in_a_report_leads_with_its_title_and_line_in_chinese():
    log = ProblemLog()
    log.error("articles/a.md", 1, "early")  # found before the title was read: named afterwards
    log.name_report("articles/a.md", "梧桐镇设立三处交通卡口 严防疫情输入")
    log.warning("articles/a.md", 5, "later")
    log.error("timeline.yaml", 3, "not a report")
    i18n.use_language("zh")
    assert [str(p) for p in log.problems] == [
        "articles/a.md:1: error: 《梧桐镇设立三处交通卡口 严防疫…》：early",
        "articles/a.md:5: warning: 《梧桐镇设立三处交通卡口 严防疫…》第5行：later",
        "timeline.yaml:3: error: not a report",
    ]
    i18n.use_language("en")
    assert str(log.problems[1]) == "articles/a.md:5: warning: later"


def test_a_log_that_takes_in_another_titles_its_problems():
    found = ProblemLog()
    found.name_report("articles/a.md", "驿马乡")
    log = ProblemLog()
    log.extend(found)
    log.error("articles/a.md", 3, "x")
    assert log.problems == [Problem(Location("articles/a.md", 3), "error", "x")]
    assert log.problems[0].title == "驿马乡"


def test_the_package_build_compiles_the_catalog(tmp_path):
    """setup.py's build step compiles each .po into the built package, whatever .mo the
    checkout holds (what ``pip install .`` runs)."""
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(
        ".*", "node_modules", "output", "tests", "bench", "docs", "*.egg-info", "build", "*.mo"))
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "lib")],
                   cwd=source, check=True, capture_output=True, timeout=120)
    with (tmp_path / "lib" / "digest" / "locale" / "zh" / "LC_MESSAGES" / "digest.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    assert compiled.gettext("preview stopped") == "预览已停止"


# --- the pages -----------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ENGLISH_TIMELINE = """- date: 2020-01-30 09:00
  title: Checkpoints open
  place: Yima
  article: yima
"""


def english_site(tmp_path, capsys, language: str) -> Path:
    """An English report with a place, a correction and a timeline event, built with
    the command line's language the opposite of the site's (pages follow the site)."""
    report = article_text(title="Yima guards its roads", body="The town set up checkpoints.", place="Yima",
                          author="Zhang Shichuan, Zhao Quan", tags="[roads]", updated="2020-02-03 08:00",
                          corrections="\n  - date: 2020-02-02\n    text: The first version said 30 checkpoints.")
    content = write_content(tmp_path, {"2020/2020-01-30-yima.md": report}, timeline=ENGLISH_TIMELINE,
                            site=f"title: Xiaoyi News\nbase_url: https://example.com/\nlanguage: {language}\n")
    output = tmp_path / "output"
    code, lines = cli(capsys, "--content", content, "--output", output, "--lang", "zh")
    assert code == 0, lines
    return output


@pytest.mark.parametrize("language", ["en", "en-US"])
def test_an_english_sites_pages_carry_no_chinese(tmp_path, capsys, language):
    output = english_site(tmp_path, capsys, language)
    pages = sorted(output.rglob("*.html")) + sorted(output.rglob("*.xml"))
    names = {page.relative_to(output).as_posix() for page in pages}
    assert {"index.html", "404.html", "timeline/index.html", "search/index.html", "corrections/index.html",
            "archive/2020-01/index.html"} <= names
    assert any(name.startswith("places/") and name.count("/") == 2 for name in names)
    assert any(name.startswith("articles/") for name in names)
    chinese = {page.relative_to(output).as_posix(): CJK.findall(page.read_text(encoding="utf-8"))
               for page in pages}
    assert {name: found for name, found in chinese.items() if found} == {}
    for page in (p for p in pages if p.suffix == ".html"):
        assert f'<html lang="{language}">' in page.read_text(encoding="utf-8")
    article = next(p for p in pages if p.relative_to(output).as_posix().startswith("articles/"))
    text = article.read_text(encoding="utf-8")
    assert "30 Jan 2020" in text and "Updated <time" in text and "3 Feb 2020 08:00" in text
    assert "Corrected on 2 Feb 2020" in text and "min read" in text
    assert "January 2020" in (output / "timeline" / "index.html").read_text(encoding="utf-8")


def test_a_change_of_the_sites_language_renders_the_pages_again(tmp_path, capsys):
    output = english_site(tmp_path, capsys, "en")
    site_yaml = tmp_path / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("language: en", "language: zh-CN"),
                         encoding="utf-8")
    code, lines = cli(capsys, "--content", tmp_path / "content", "--output", output)
    assert code == 0, lines
    front = (output / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in front and "最新报道" in front and "Latest reports" not in front
