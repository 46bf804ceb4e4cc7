"""Front matter and timeline fields: the right value, or an error at the offending item's line."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.content import event_ids, read_article, read_timeline
from digest.errors import ProblemLog, format_problems
from digest.sources import SourceFile, split_front_matter
from digest.yamlfile import load_yaml

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCE = "articles/2020/2020-01-30-yima.md"


def article(front: str, body: str = "正文。\n"):
    log = ProblemLog()
    fields = split_front_matter(SourceFile(SOURCE, f"---\n{front}---\n{body}", ""), log)
    found = read_article(fields, SOURCE, SHANGHAI, log) if fields else None
    return found, format_problems(log.problems)


def errors_of(front: str) -> list[str]:
    found, problems = article("title: 驿马乡\ndate: 2020-01-30\n" + front)
    assert found is None
    return problems


def test_a_good_article_with_every_field():
    found, problems = article(
        "title: 驿马乡：党员干部守在防控一线\ndate: 2020-01-30 09:00\nauthor: 张世川、赵泉\nplace: 驿马乡\n"
        "tags: [疫情防控, 基层党建, 疫情防控]\nphotos:\n  - src: media/a.jpg\n    caption: 检测点\n    credit: 赵泉\n"
        "  - media/b.jpg\nslug: yima-2\ndraft: false\nfeatured: true\nupdated: 2020-02-02\neditor: 王编辑\n"
    )
    assert problems == [] and found.featured
    assert (found.slug, found.authors, found.tags) == ("yima-2", ("张世川", "赵泉"), ("疫情防控", "基层党建"))
    assert [(p.src, p.caption, p.credit, p.line) for p in found.photos] == [
        ("media/a.jpg", "检测点", "赵泉", 8), ("media/b.jpg", "", "", 11)]
    assert found.extra == {"editor": "王编辑"}


def test_the_slug_comes_from_the_file_name_without_its_date():
    assert article("title: 驿马乡\ndate: 2020-01-30\n")[0].slug == "yima"


@pytest.mark.parametrize("front, line, message", [
    ("tags:\n  - 疫情防控\n  - {a: 1}\n", 6, "'tags:' must be a list of words, e.g. tags: [疫情防控, 基层党建]"),
    ("photos:\n  - src: media/a.jpg\n  - caption: 没有路径\n", 6,
     "'photos:' has a picture without 'src:'; give its path, e.g. '- src: media/yima.jpg'"),
    ("author: [张世川, [赵泉]]\n", 4, "'author:' has a name that must be text, not a list"),
    ("place: yes\n", 4, "'place:' must be text, but YAML reads yes/no/true/false/on/off as a yes-or-no answer; "
                        "put the text in quotes"),
    ("place: {乡: 驿马}\n", 4, "'place:' must be text, not 'key: value' lines; if the text contains ': ', put it in quotes"),
    ("draft: 是\n", 4, "'draft:' must be true or false, e.g. draft: true"),
    ("featured: 头条\n", 4, "'featured:' must be true or false, e.g. draft: true"),
    ("slug: Yi Ma\n", 4, "'slug:' 'Yi Ma' cannot be part of a web address; a slug is lower-case letters a-z, "
                         "digits and hyphens, e.g. slug: yi-ma"),
    ("slug: 驿马\n", 4, "'slug:' '驿马' cannot be part of a web address; a slug is lower-case letters a-z, "
                      "digits and hyphens, e.g. slug: yima"),
    ("summary: \"导语\\x00\"\n", 4, "'summary:' contains the invisible character U+0000; delete it"),
    ("updated: 2020-02-30\n", 4, "'updated:' says 2020-02-30, but February 2020 has 29 days; check the month and the day"),
])
def test_a_wrong_value_is_named_at_its_line(front, line, message):
    assert errors_of(front) == [f"{SOURCE}:{line}: error: {message}"]


def test_a_missing_date_and_an_empty_title_are_both_reported():
    assert article("title: ''\nplace: 驿马乡\n")[1] == [
        f"{SOURCE}:1: error: 'date:' is missing; add a line like 'date: 2020-01-30 09:00' to the front matter",
        f"{SOURCE}:2: error: 'title:' is empty; fill it in, e.g. 'title: 驿马乡：党员干部守在防控一线'",
    ]


@pytest.mark.parametrize("key, meant", [("Title", "title"), ("tag", "tags"), ("标题", "title"), ("照片", "photos"), ("auther", "author")])
def test_misspelt_and_chinese_keys_name_the_key_meant(key, meant):
    found, problems = article(f"title: 驿马乡\ndate: 2020-01-30\n{key}: x\n")
    assert problems == [f"{SOURCE}:4: warning: unknown key '{key}:'; did you mean '{meant}:'? (as written it is not used)"]
    assert found.extra == {key: "x"}


def test_a_misspelt_picture_key_is_named():
    found, problems = article("title: 驿马乡\ndate: 2020-01-30\nphotos:\n  - src: a.jpg\n    captoin: 卡口\n")
    assert problems == [f"{SOURCE}:6: warning: unknown picture key 'captoin:'; did you mean 'caption:'? (as written it is not used)"]


def test_an_article_without_text_is_an_error_at_line_1():
    assert article("title: 驿马乡\ndate: 2020-01-30\n", body="\n  \n")[1] == [
        f"{SOURCE}:1: error: the report has no text; write it below the front matter's closing '---'"]


def timeline(text: str):
    log = ProblemLog()
    events = read_timeline(load_yaml(text), "timeline.yaml", SHANGHAI, log)
    return events, format_problems(log.problems)


def test_timeline_events_keep_the_lines_of_their_article_and_detail():
    events, problems = timeline("- date: 2020-01-26\n  title: 一级响应\n  article: yima\n  detail: |\n    第一行\n")
    assert problems == []
    assert (events[0].line, events[0].article_line, events[0].detail_line) == (1, 3, 5)


def test_timeline_problems_point_at_the_event_or_its_value():
    events, problems = timeline(
        "- date: 2020-01-26\n  title: 一级响应\n  palce: 孝义市\n"
        "- 就一句话\n"
        "- title: [列表]\n  date: 2020-02-30\n"
    )
    assert problems == [
        "timeline.yaml:3: warning: unknown timeline key 'palce:'; did you mean 'place:'? (as written it is not used)",
        "timeline.yaml:4: error: a timeline entry must be 'key: value' lines under a '- ', like '- date: 2020-01-26' "
        "followed by '  title: ...'",
        "timeline.yaml:5: error: 'title:' must be text, not a list",
        "timeline.yaml:6: error: 'date:' says 2020-02-30, but February 2020 has 29 days; check the month and the day",
    ]
    assert [e.title for e in events] == ["一级响应"]


def ids_of(text: str) -> tuple[list[str], list[str]]:
    log = ProblemLog()
    events = read_timeline(load_yaml(text), "timeline.yaml", SHANGHAI, log)
    return event_ids(events, "timeline.yaml", log), format_problems(log.problems)


def test_an_event_id_is_the_editors_else_its_day_and_a_hash_of_its_title():
    ids, problems = ids_of("- date: 2020-01-26\n  title: 一级响应\n  id: level-1\n"
                           "- date: 2020-01-26 08:00\n  title: 一级响应\n")
    assert problems == []
    assert ids[0] == "level-1"
    assert re.fullmatch(r"2020-01-26-[0-9a-f]{8}", ids[1])


def test_an_event_keeps_its_id_when_another_is_inserted_above_it():
    below = "- date: 2020-01-26\n  title: 一级响应\n"
    before, _ = ids_of(below)
    after, _ = ids_of("- date: 2020-01-20\n  title: 新的事件\n" + below)
    assert after[1] == before[0]


def test_two_events_of_one_day_and_title_get_two_ids():
    ids, problems = ids_of("- date: 2020-01-26\n  title: 一级响应\n" * 2)
    assert problems == [] and ids[1] == ids[0] + "-2"


def test_an_id_given_twice_is_an_error_naming_both_lines():
    _, problems = ids_of("- date: 2020-01-26\n  title: 一\n  id: same\n- date: 2020-01-27\n  title: 二\n  id: same\n")
    assert problems == [
        "timeline.yaml:3: error: the id 'same' is also given to the event at line 6; each event needs its own, "
        "e.g. id: same-2",
        "timeline.yaml:6: error: the id 'same' is also given to the event at line 3; each event needs its own, "
        "e.g. id: same-2",
    ]


@pytest.mark.parametrize("given, message", [
    ("一级响应", "'一级响应' cannot be an anchor in a web address; an id is lower-case letters a-z, digits and "
                "hyphens, e.g. id: yiji-xiangying"),
    ("2020-01", "'2020-01' is the anchor of a month heading on the timeline page; add words, e.g. id: 2020-01-start"),
])
def test_an_id_that_cannot_be_an_anchor_is_an_error_at_its_line(given, message):
    _, problems = ids_of(f"- date: 2020-01-26\n  title: 一\n  id: {given}\n")
    assert problems == [f"timeline.yaml:3: error: 'id:' {message}"]


# --- one spelling for what readers see as one -----------------------------------------


def test_two_spellings_of_one_tag_or_place_are_one():
    found, problems = article(
        "title: 标题\ndate: 2020-01-30\nplace: \"cafe\\u0301\"\n"
        "tags: [疫情防控, \"疫情防控\\u200b\", ＡＢ, AB, 第１组]\n")
    assert found.place == "café" == "caf\u00e9"
    assert found.tags == ("疫情防控", "AB", "第1组")
    assert problems == [f"{SOURCE}:5: warning: 'tags:' held the invisible character U+200B, which was removed "
                        "(delete it from the file to silence this warning)"]


def test_a_bidi_override_is_taken_out_of_a_title_with_a_warning():
    found, problems = article("title: \"驿马乡\\u202e报道\"\ndate: 2020-01-30\nauthor: 张世川\n")
    assert found.title == "驿马乡报道"
    assert problems == [f"{SOURCE}:2: warning: 'title:' held the invisible character U+202E, which was removed "
                        "(delete it from the file to silence this warning)"]


def test_chinese_punctuation_stays_full_width():
    found, _ = article("title: 驿马乡：党旗飘扬（一）！\ndate: 2020-01-30\n")
    assert found.title == "驿马乡：党旗飘扬（一）！"


# --- lists typed the Chinese way ------------------------------------------------------


@pytest.mark.parametrize("tags", [
    "[疫情防控，卡口值守]", "[疫情防控、卡口值守]", "疫情防控；卡口值守", "疫情防控;卡口值守", "疫情防控, 卡口值守",
    "【疫情防控, 卡口值守】", "[【疫情防控】, 「卡口值守」]", "《疫情防控》、《卡口值守》、", "[疫情防控, 卡口值守, 疫情防控]", "疫情防控,,卡口值守,",
    "\n  - 疫情防控，卡口值守\n  - 【卡口值守】\n",
])
def test_tags_split_at_every_separator_and_lose_their_brackets(tags):
    found, problems = article(f"title: 驿马乡\ndate: 2020-01-30\ntags: {tags}\n")
    assert problems == []
    assert found.tags == ("疫情防控", "卡口值守")


@pytest.mark.parametrize("author", ["张世川、赵泉", "张世川，赵泉", "张世川; 赵泉", "[张世川、赵泉]", "[张世川, 赵泉, ]"])
def test_authors_split_at_every_separator(author):
    assert article(f"title: 驿马乡\ndate: 2020-01-30\nauthor: {author}\n")[0].authors == ("张世川", "赵泉")


def test_a_tag_of_brackets_only_is_no_tag():
    assert article("title: 驿马乡\ndate: 2020-01-30\ntags: 【】、疫情防控\n")[0].tags == ("疫情防控",)


# --- corrections and retractions ------------------------------------------------

CORRECTED = ("corrections:\n"
             "  - date: 2020-02-03 09:00\n"
             "    text: 第二次更正，见[原文](2020-01-30-yima.md)。\n"
             "  - date: 2020-02-02\n"
             "    text: 原稿称设卡口30个，应为**32**个。\n")


def test_corrections_are_dated_notes_kept_oldest_first():
    found, problems = article("title: 驿马乡\ndate: 2020-01-30 09:00\n" + CORRECTED)
    assert problems == []
    assert [(c.date.isoformat(), c.line, c.text_line) for c in found.corrections] == [
        ("2020-02-02T00:00:00+08:00", 7, 8), ("2020-02-03T09:00:00+08:00", 5, 6)]
    assert found.corrections[0].text == "原稿称设卡口30个，应为**32**个。"
    assert found.modified.isoformat() == "2020-02-03T09:00:00+08:00"


def test_a_retraction_has_a_date_and_a_reason():
    found, problems = article("title: 驿马乡\ndate: 2020-01-30 09:00\n"
                              "retracted:\n  date: 2020年2月5日\n  reason: 经核实，稿件数据有误，本文撤回。\n")
    assert problems == []
    assert (found.retracted.date.isoformat(), found.retracted.reason) == ("2020-02-05T00:00:00+08:00",
                                                                          "经核实，稿件数据有误，本文撤回。")
    assert found.modified == found.retracted.date


def test_a_correction_on_the_day_of_the_report_without_a_time_is_not_before_it():
    found, problems = article("title: 驿马乡\ndate: 2020-01-30 09:00\n"
                              "corrections:\n  - date: 2020-01-30\n    text: 错字已改。\n")
    assert problems == [] and len(found.corrections) == 1


def test_every_bad_correction_and_retraction_is_an_error_at_its_line():
    problems = errors_of(
        "corrections:\n"
        "  - date: 2020-01-29 10:00\n"  # line 5: before the report
        "    text: 太早。\n"
        "  - date: 2020-02-01\n"  # line 7: no text
        "  - date: 2020-02-31\n"  # line 8: no such day
        "    text: 日期错。\n"
        "  - date: 2020-02-02\n"
        "    text: ''\n"  # line 11: empty text
        "retracted:\n"
        "  date: 2020-02-05\n"  # line 13: no reason
    )
    assert [p.split(": error: ")[0].rsplit(":", 1)[1] for p in problems] == ["5", "7", "8", "11", "13"]
    assert "'corrections:' has a correction dated 2020-01-29 10:00, before the report itself" in problems[0]
    assert "'corrections:' has a correction without 'text:'" in problems[1]
    assert "February 2020 has 29 days" in problems[2]
    assert "'retracted:' has a retraction without 'reason:'" in problems[4]


@pytest.mark.parametrize("front, line, message", [
    ("corrections: 更正了\n", 4, "'corrections:' must be a list of corrections"),
    ("retracted: true\n", 4, "'retracted:' must say when and why the report was withdrawn"),
    ("retracted:\n  reason: 撤回。\n", 5, "'retracted:' has a retraction without 'date:'"),
    ("retracted:\n  date: 2020-01-01\n  reason: 撤回。\n", 5, "'retracted:' has a retraction dated 2020-01-01 00:00, "
                                                         "before the report itself"),
])
def test_a_wrong_correction_or_retraction_is_named_at_its_line(front, line, message):
    [problem] = errors_of(front)
    assert problem.startswith(f"{SOURCE}:{line}: error: {message}")


def test_a_retracted_draft_gets_a_warning_and_a_misspelt_correction_key_too():
    found, problems = article("title: 驿马乡\ndate: 2020-01-30\ndraft: true\n"
                              "corrections:\n  - date: 2020-02-02\n    text: 改。\n    dat: 2020-02-03\n"
                              "retracted:\n  date: 2020-02-05\n  reason: 撤回。\n")
    assert found is not None
    assert [p.split(": warning: ")[0] for p in problems] == [f"{SOURCE}:8", f"{SOURCE}:10"]
    assert "unknown correction key 'dat:'; did you mean 'date:'?" in problems[0]
    assert "both retracted and a draft" in problems[1]


def test_a_file_name_dated_another_day_than_date_gets_a_warning_at_the_date():
    found, problems = article("title: 驿马乡\ndate: 2020年2月1日 09:00\n")
    assert found.date.isoformat() == "2020-02-01T09:00:00+08:00"
    assert problems == [f"{SOURCE}:3: warning: the file name says 2020-01-30 but 'date:' says 2020-02-01; "
                        "the date is the one used: correct it, or rename the file"]
    assert article("title: 驿马乡\ndate: 2020-01-30 23:59\n")[1] == []
    assert article("title: 驿马乡\ndate: 2020-01-29T16:00Z\n")[1] == []  # 2020-01-30 00:00 in Shanghai


@settings(max_examples=60, deadline=None)
@given(tags=st.lists(st.text(st.sampled_from("疫情防控卡口值守驿马乡AB1"), min_size=1, max_size=6), min_size=1, max_size=4,
                     unique=True),
       separators=st.lists(st.sampled_from([",", "，", "、", ";", "；", ", ", "、 "]), min_size=3, max_size=3),
       brackets=st.sampled_from(["{}", "【{}】", "「{}」", "《{}》"]))
def test_any_tags_joined_by_any_separators_come_back_as_written(tags, separators, brackets):
    line = "".join(brackets.format(tag) + separators[i % 3] for i, tag in enumerate(tags))
    found, problems = article(f"title: 驿马乡\ndate: 2020-01-30\ntags: \"{line}\"\n")
    assert problems == []
    assert found.tags == tuple(tags)


def test_a_rendered_copy_is_what_replace_makes():
    """The fast copy stands for ``dataclasses.replace`` only while Article lets it: a
    ``__post_init__`` or a field ``__init__`` does not set would make it wrong."""
    import dataclasses
    from datetime import datetime

    from digest.content import Article, Body, Photo, rendered_copy

    assert not hasattr(Article, "__post_init__")
    assert all(field.init for field in dataclasses.fields(Article))
    article = Article("articles/a.md", "a", "标题", datetime(2020, 2, 1), authors=("甲",), place="驿马乡",
                      tags=("防控",), photos=(Photo("media/a.jpg"),), body="正文", lines={"title": 2})
    changes = dict(body="", rendered=Body((), "<p>正文</p>"), summary="摘要", reading_minutes=1, body_images=("x",))
    copy = rendered_copy(article, **changes)
    expected = dataclasses.replace(article, **changes)
    assert copy == expected and type(copy) is Article
    assert all(getattr(copy, f.name) is getattr(expected, f.name) for f in dataclasses.fields(Article))
    assert article.body == "正文" and article.summary == ""  # the original is left as it was
    with pytest.raises(TypeError):
        rendered_copy(article, summery="typo")


def test_a_fetched_body_is_not_kept_so_page_workers_do_not_end_up_holding_every_body_they_showed():
    from digest.content import Body

    fetched = []
    body = Body((), fetch=lambda: fetched.append(1) or "<p>正文</p>")
    assert (body.html, body.html) == ("<p>正文</p>", "<p>正文</p>")
    assert len(fetched) == 2
    assert Body((), "<p>给定</p>").html == "<p>给定</p>" and Body().html == ""
