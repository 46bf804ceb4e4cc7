"""The Jinja environment: escaping, strictness, Chinese dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from jinja2 import DictLoader, UndefinedError

from digest.builder import Theme
from digest.dates import chinese_datetime, long_date, long_datetime
from digest.render import make_environment, speak

TZ = ZoneInfo("Asia/Shanghai")


def test_chinese_dates_show_a_time_only_where_one_was_given():
    assert chinese_datetime(datetime(2020, 1, 30, tzinfo=TZ)) == "2020年1月30日"
    assert chinese_datetime(datetime(2020, 2, 1, 14, 0, tzinfo=TZ)) == "2020年2月1日 14:00"


def test_page_dates_follow_the_sites_language():
    moment = datetime(2020, 2, 3, 8, 0, tzinfo=TZ)
    assert long_datetime(moment, "zh-CN") == "2020年2月3日 08:00"
    assert long_datetime(moment, "en") == "3 Feb 2020 08:00"
    assert long_date(moment, "en-US") == "3 Feb 2020"


def test_a_kept_environment_follows_the_sites_new_language():
    env = make_environment(Theme().templates_dir, "zh-CN")
    env.loader = DictLoader({"t.html": '{{ _("Home") }} {{ moment | long_date }}'})
    moment = datetime(2020, 2, 3, tzinfo=TZ)
    assert env.get_template("t.html").render(moment=moment) == "首页 2020年2月3日"
    speak(env, "en")
    assert env.get_template("t.html").render(moment=moment) == "Home 3 Feb 2020"


def test_environment_escapes_and_refuses_undefined_names():
    env = make_environment(Theme().templates_dir, "zh-CN")
    env.loader = DictLoader({"t.html": "{{ value }}", "u.html": "{{ missing }}"})
    assert env.get_template("t.html").render(value="<script>") == "&lt;script&gt;"
    with pytest.raises(UndefinedError):
        env.get_template("u.html").render()
