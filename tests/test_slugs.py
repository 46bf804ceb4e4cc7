"""Slugs from Chinese text: pinyin words, cut only between words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.content import SLUG_FORM
from digest.slugs import SLUG_LIMIT, name_slug, slugify


@pytest.mark.parametrize("text, slug", [
    ("卡口", "kakou"),
    ("梧桐镇设立三处交通卡口 严防疫情输入", "wutongzhen-sheli-sanchu-jiaotongkakou-yanfang-yiqing-shuru"),
    ("孝义市启动重大突发公共卫生事件一级响应", "xiaoyishi-qidong-zhongda-tufa-gonggongweisheng-shijian-yiji"),
    ("驿马", "yima"),
    ("yima", "yima"),
    ("xiaoyi-overview", "xiaoyi-overview"),
    ("Yi Ma", "yi-ma"),
    ("2020年疫情防控 COVID-19", "2020-nian-yiqing-fangkong-covid-19"),
    ("！？……", ""),
])
def test_a_slug_is_pinyin_words(text, slug):
    assert slugify(text) == slug


def test_tag_and_place_addresses_keep_every_syllable_apart():
    assert [name_slug(name) for name in ("卡口值守", "驿马乡", "孝义市")] == ["ka-kou-zhi-shou", "yi-ma-xiang", "xiao-yi-shi"]


CHINESE_TEXT = st.text(st.sampled_from("梧桐镇设立三处交通卡口严防疫情输入驿马乡党旗飘扬第一线孝义市 ，：ABc12"), max_size=80)


@given(CHINESE_TEXT)
def test_a_slug_is_short_and_whole_words_of_the_uncut_one(text):
    slug, whole = slugify(text), slugify(text, limit=10_000)
    assert len(slug) <= SLUG_LIMIT
    assert slug == "" or SLUG_FORM.match(slug)
    assert whole == slug or whole.startswith(slug + "-")
