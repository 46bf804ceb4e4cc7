"""timeline.json: the timeline as data, checked against its published JSON Schema."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import jsonschema

from conftest import PROJECT, article_text, write_content
from digest.loading import BuildOptions, load_site
from digest.timeline_json import timeline_json

SCHEMA = json.loads((PROJECT / "docs" / "timeline.schema.json").read_text(encoding="utf-8"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMELINE = """\
- date: 2020-01-26
  title: 孝义市启动一级响应
  place: 孝义市
  article: overview
  detail: 详见[报道](articles/2020-01-26-overview.md)。
- date: 2020-01-29 00:30
  title: 夜间上岗
  id: night
"""


def export(tmp_path) -> dict:
    content = write_content(tmp_path, {"2020-01-26-overview.md": article_text(place="孝义市")}, TIMELINE,
                            site="title: 测试站\nbase_url: https://example.cn/digest/\n")
    site = load_site(BuildOptions(content, now=datetime(2020, 3, 1, tzinfo=SHANGHAI)))[0]
    return json.loads(timeline_json(site))


def test_the_export_follows_its_schema(tmp_path):
    jsonschema.validate(export(tmp_path), SCHEMA, format_checker=jsonschema.FormatChecker())


def test_the_schema_catches_an_event_without_an_id(tmp_path):
    data = export(tmp_path)
    del data["events"][0]["id"]
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(data)


def test_an_event_says_when_where_and_which_report_with_absolute_addresses(tmp_path):
    first, night = export(tmp_path)["events"]
    assert (first["start"], first["all_day"], first["date"]) == ("2020-01-26T00:00:00+08:00", True, "2020-01-26")
    assert first["article_url"] == "https://example.cn/digest/articles/overview/"
    assert first["place_url"] == "https://example.cn/digest/places/xiao-yi-shi/"
    assert 'href="https://example.cn/digest/articles/overview/"' in first["detail_html"]
    assert first["detail"] == "详见报道。"
    assert (night["id"], night["start"], night["all_day"], night["place"]) == ("night", "2020-01-29T00:30:00+08:00",
                                                                              False, None)
    assert night["url"] == "https://example.cn/digest/timeline/#night"
