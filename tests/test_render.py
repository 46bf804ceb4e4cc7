"""The Jinja environment: escaping, strictness, Chinese dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from jinja2 import DictLoader, UndefinedError

from digest.builder import Theme
from digest.dates import chinese_datetime
from digest.render import make_environment

TZ = ZoneInfo("Asia/Shanghai")


def test_chinese_dates_show_a_time_only_where_one_was_given():
    assert chinese_datetime(datetime(2020, 1, 30, tzinfo=TZ)) == "2020年1月30日"
    assert chinese_datetime(datetime(2020, 2, 1, 14, 0, tzinfo=TZ)) == "2020年2月1日 14:00"


def test_environment_escapes_and_refuses_undefined_names():
    env = make_environment(Theme().templates_dir, "zh-CN")
    env.loader = DictLoader({"t.html": "{{ value }}", "u.html": "{{ missing }}"})
    assert env.get_template("t.html").render(value="<script>") == "&lt;script&gt;"
    with pytest.raises(UndefinedError):
        env.get_template("u.html").render()
