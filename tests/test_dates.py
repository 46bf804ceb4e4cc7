"""Dates as editors write them; a wrong one says what is wrong with it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.content import read_timeline
from digest.dates import DateProblem, parse_date
from digest.errors import ProblemLog
from digest.yamlfile import load_yaml

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, iso", [
    ("2020-01-30", "2020-01-30T00:00:00+08:00"),
    ("2020-1-3", "2020-01-03T00:00:00+08:00"),
    ("2020-01-30 09:00", "2020-01-30T09:00:00+08:00"),
    ("2020-01-30 9:05:30", "2020-01-30T09:05:30+08:00"),
    ("2020-01-30T09:00+08:00", "2020-01-30T09:00:00+08:00"),
    ("2020-01-30T01:00Z", "2020-01-30T09:00:00+08:00"),
    ("2020-01-30 09:00 +0000", "2020-01-30T17:00:00+08:00"),
    # the ways Chinese editors write them (contract: Dates)
    ("2020年1月30日", "2020-01-30T00:00:00+08:00"),
    ("2020年1月30日 09:00", "2020-01-30T09:00:00+08:00"),
    ("2020年1月30日09:00", "2020-01-30T09:00:00+08:00"),
    ("2020 年 1 月 3 日", "2020-01-03T00:00:00+08:00"),
    ("2020/1/30", "2020-01-30T00:00:00+08:00"),
    ("2020/01/30 10:30", "2020-01-30T10:30:00+08:00"),
    ("2020.1.30", "2020-01-30T00:00:00+08:00"),
    ("２０２０年１月３０日 ０９：００", "2020-01-30T09:00:00+08:00"),
    ("2026-11-30 10：30", "2026-11-30T10:30:00+08:00"),
    ("2020-01-30\u300009:00", "2020-01-30T09:00:00+08:00"),
])
def test_accepted_forms_in_the_site_timezone(text, iso):
    assert parse_date(text, SHANGHAI).isoformat() == iso


@pytest.mark.parametrize("value, message", [
    ("上周五", "says '上周五', which is not a date; write it in numbers, like 2020-01-30 or 2020-01-30 09:00"),
    ("2020年1月", "says '2020年1月', which is not a date; write it in numbers, like 2020-01-30 or 2020-01-30 09:00"),
    ("2020年2月30日", "says 2020年2月30日, but February 2020 has 29 days; check the month and the day"),
    ("2020/1/30 25:00", "says '2020/1/30 25:00', which has no such time of day; "
                        "write it in numbers, like 2020-01-30 or 2020-01-30 09:00"),
    (20200130, "says '20200130', which is not a date; write it in numbers, like 2020-01-30 or 2020-01-30 09:00"),
    ("2020-02-30", "says 2020-02-30, but February 2020 has 29 days; check the month and the day"),
    ("2019-02-29", "says 2019-02-29, but February 2019 has 28 days; check the month and the day"),
    ("2020-04-31", "says 2020-04-31, but April 2020 has 30 days; check the month and the day"),
    ("2020-13-01", "says 2020-13-01, but there is no month 13; check the month and the day"),
    ("0202-01-30", "says 0202-01-30, but the year 202 cannot be right; check the year"),
    ("2020-01-30 25:00", "says '2020-01-30 25:00', which has no such time of day; "
                         "write it in numbers, like 2020-01-30 or 2020-01-30 09:00"),
])
def test_a_wrong_date_says_what_is_wrong(value, message):
    with pytest.raises(DateProblem) as caught:
        parse_date(value, SHANGHAI)
    assert str(caught.value) == message


def test_the_last_year_still_converts_between_time_zones():
    assert parse_date("9998-12-31T23:00-12:00", SHANGHAI).year == 9999


FULL_WIDTH = str.maketrans("0123456789:", "０１２３４５６７８９：")


@given(moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31)).map(
           lambda m: m.replace(second=0, microsecond=0)),
       form=st.sampled_from(["{y}年{m}月{d}日 {H}:{M:02d}", "{y}/{m}/{d} {H:02d}:{M:02d}", "{y}.{m:02d}.{d} {H}:{M:02d}",
                             "{y}-{m}-{d} {H}:{M:02d}"]),
       full_width=st.booleans())
def test_every_chinese_form_of_a_moment_reads_as_that_moment(moment, form, full_width):
    text = form.format(y=moment.year, m=moment.month, d=moment.day, H=moment.hour, M=moment.minute)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_date(text, SHANGHAI) == moment.replace(tzinfo=SHANGHAI)


def test_a_timeline_date_may_be_written_the_chinese_way():
    log = ProblemLog()
    events = read_timeline(load_yaml("- date: 2020年1月26日 １０：３０\n  title: 一级响应\n"), "timeline.yaml", SHANGHAI, log)
    assert log.problems == []
    assert events[0].date.isoformat() == "2020-01-26T10:30:00+08:00"
