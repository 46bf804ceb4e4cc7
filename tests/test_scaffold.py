"""`build.py new`: a draft that reads back exactly as typed and passes `check --drafts`."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import article_text, run_build, write_content
from digest.content import normalise
from digest.loading import BuildOptions, load_site
from digest.scaffold import new_article
from digest.slugs import SLUG_LIMIT

# 20:30 UTC on the 29th is 04:30 on the 30th in Asia/Shanghai (the default timezone).
NOW = datetime(2020, 1, 29, 20, 30, tzinfo=timezone.utc)


def new(content: Path, title: str, place: str = "", now: datetime = NOW) -> int:
    return new_article(title, content, place=place, now=now)


def the_draft(content: Path):
    """The one draft in the content, as the build reads it."""
    site, log = load_site(BuildOptions(content_dir=content, drafts=True, now=NOW.replace(year=2021)))
    assert log.problems == []
    drafts = [article for article in site.articles if article.draft]
    assert len(drafts) == 1
    return drafts[0]


def test_chinese_title_gets_a_pinyin_file_name_dated_in_the_site_timezone(tmp_path, capsys):
    content = write_content(tmp_path, {})
    assert new(content, "驿马乡启动一级响应") == 0
    path = content / "articles/2020/2020-01-30-yima-xiang-qidong-yiji-xiangying.md"
    assert capsys.readouterr().out == f"{path}\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: 驿马乡启动一级响应\ndate: 2020-01-30 04:30\n")
    assert "\nslug: yima-xiang-qidong-yiji-xiangying\n" in text
    article = the_draft(content)
    assert (article.title, article.slug, article.place, article.tags) == (
        "驿马乡启动一级响应", "yima-xiang-qidong-yiji-xiangying", "", ())
    assert article.date.isoformat() == "2020-01-30T04:30:00+08:00"
    assert article.authors == ()


def test_the_date_follows_the_timezone_in_site_yaml(tmp_path):
    content = write_content(tmp_path, {}, site="title: 测试站\ntimezone: America/New_York\n")
    assert new(content, "纽约") == 0
    assert (content / "articles/2020/2020-01-29-niuyue.md").read_text(encoding="utf-8").count("date: 2020-01-29 15:30")


@pytest.mark.parametrize("title", [
    '他说："防控: 不能松" #1 — [重要]',
    "'单引号' & *星号* {花括号} | 竖线 > 大于",
    "- 以破折号开头",
    ": 以冒号开头",
    "@提醒 `反引号` %百分号 !感叹号",
    "true",
    "2020",
    "null",
    "~",
    "驿马乡：党旗飘扬第一线 党群齐心战疫情",
])
def test_titles_with_punctuation_read_back_exactly(tmp_path, title):
    content = write_content(tmp_path, {})
    assert new(content, title) == 0
    assert the_draft(content).title == title


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=60)
       .filter(lambda text: text.strip()))
def test_any_title_reads_back_as_typed(title):
    """As typed, in the one spelling the build keeps of it (NFC, full-width letters folded)."""
    with tempfile.TemporaryDirectory() as folder:
        content = write_content(Path(folder), {})
        assert new(content, title) == 0
        assert the_draft(content).title == normalise(" ".join(title.split())).strip()


def test_long_titles_get_a_short_slug_cut_at_a_whole_word(tmp_path):
    content = write_content(tmp_path, {})
    assert new(content, "驿马乡：十个工作组统一调度 党员干部守在防控一线，六百四十四名干部群众春节坚守") == 0
    article = the_draft(content)
    assert article.slug == "yima-xiang-shige-gongzuozu-tongyi-diaodu-dangyuanganbu-shou"
    assert len(article.slug) <= SLUG_LIMIT


def test_a_word_is_never_cut_in_its_middle(tmp_path):
    content = write_content(tmp_path, {})
    assert new(content, "梧桐镇设立三处交通卡口 严防疫情输入") == 0
    assert the_draft(content).slug == "wutongzhen-sheli-sanchu-jiaotongkakou-yanfang-yiqing-shuru"


def test_a_title_without_letters_still_gets_a_slug(tmp_path):
    content = write_content(tmp_path, {})
    assert new(content, "！？……") == 0
    assert the_draft(content).slug == "report"


def test_place_is_filled_in(tmp_path):
    content = write_content(tmp_path, {})
    assert new(content, "卡口值守", place="驿马乡: 东村") == 0
    assert the_draft(content).place == "驿马乡: 东村"


def test_an_existing_file_is_refused_and_left_alone(tmp_path, capsys):
    content = write_content(tmp_path, {})
    assert new(content, "驿马乡启动一级响应") == 0
    path = content / "articles/2020/2020-01-30-yima-xiang-qidong-yiji-xiangying.md"
    path.write_text("edited by the editor", encoding="utf-8")
    capsys.readouterr()
    assert new(content, "驿马乡启动一级响应", now=NOW.replace(minute=59)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {path} already exists;")
    assert path.read_text(encoding="utf-8") == "edited by the editor"


def test_the_same_title_on_another_day_gets_its_own_slug(tmp_path):
    content = write_content(tmp_path, {"2020/2020-01-01-kakou.md": article_text(title="卡口", date="2020-01-01")})
    assert new(content, "卡口") == 0
    text = (content / "articles/2020/2020-01-30-kakou-2.md").read_text(encoding="utf-8")
    assert "\nslug: kakou-2\n" in text
    assert the_draft(content).slug == "kakou-2"


def test_a_different_title_with_a_taken_slug_the_same_day_gets_a_free_one(tmp_path, capsys):
    content = write_content(tmp_path, {})
    long = "梧桐镇设立三处交通卡口严防疫情输入党员干部守在防控一线六百四十四名干部群众春节坚守"
    assert new(content, long + "（一）") == 0
    assert new(content, long + "（二）") == 0
    paths = capsys.readouterr().out.split()
    assert len(paths) == 2 and paths[1] == paths[0].replace(".md", "-2.md")
    first, second = (Path(path).read_text(encoding="utf-8") for path in paths)
    slug = first.split("\nslug: ")[1].split("\n")[0]
    assert f"\nslug: {slug}-2\n" in second
    assert (content / "articles/2020" / Path(paths[0]).name).read_text(encoding="utf-8") == first


def test_the_command_line_writes_a_draft_that_passes_check(tmp_path):
    content = write_content(tmp_path, {})
    result = run_build("new", '孝义市: "一级响应" 启动', "--place", "孝义市", "--content", str(content))
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.is_file() and path.parent.parent == content / "articles"
    assert "draft: true" in path.read_text(encoding="utf-8")
    check = run_build("check", "--drafts", "--content", str(content))
    assert check.returncode == 0, check.stderr
    assert "error" not in check.stderr and "warning:" not in check.stderr
    without_drafts = run_build("check", "--content", str(content))
    assert "waiting: 1 draft(s)" in without_drafts.stderr


def test_a_missing_content_folder_or_an_empty_title_is_a_command_line_error(tmp_path):
    assert run_build("new", "标题", "--content", str(tmp_path / "nowhere")).returncode == 2
    content = write_content(tmp_path, {})
    result = run_build("new", "  ", "--content", str(content))
    assert result.returncode == 2
    assert "give the report a title" in result.stderr
    assert not list((content / "articles").rglob("*.md"))
