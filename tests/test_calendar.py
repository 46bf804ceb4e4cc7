"""The timeline as iCalendar: parsed back by two independent readers, with UIDs
that survive edits and times that are right on both sides of the date line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import icalendar
import vobject

from conftest import article_text, write_content
from digest.calendar import calendar_bytes, calendar_outputs, place_calendar_link, plain_text
from digest.changes import Signer, TemplateRules
from digest.loading import BuildOptions, load_site

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2020, 3, 1, tzinfo=SHANGHAI)
TIMELINE = """\
- date: 2020-01-26
  title: 孝义市启动一级响应
  place: 孝义市
  article: overview
  detail: 全市**一级响应**。
- date: 2020-01-29 00:30
  title: 下栅村党员夜间上岗
  place: 下栅村
  id: xiazha-night
"""


def site_of(tmp_path, timeline: str = TIMELINE):
    content = write_content(tmp_path, {"2020-01-26-overview.md": article_text(date="2020-01-26 10:00", place="孝义市")},
                            timeline, site="title: 测试站\nbase_url: https://example.cn/digest/\n")
    return load_site(BuildOptions(content, now=NOW))[0]


def calendar_of(site) -> bytes:
    return calendar_bytes(site, site.events, site.config.title)


def test_the_calendar_reads_back_the_same_with_icalendar_and_vobject(tmp_path):
    ics = calendar_of(site_of(tmp_path))
    ours = icalendar.Calendar.from_ical(ics)
    theirs = vobject.readOne(ics.decode("utf-8"))
    events = ours.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [e.summary.value for e in theirs.vevent_list]
    assert [str(e["uid"]) for e in events] == [e.uid.value for e in theirs.vevent_list]
    assert ours.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n" in ics


def test_a_date_alone_is_an_all_day_event_and_a_time_is_in_the_site_timezone(tmp_path):
    ics = calendar_of(site_of(tmp_path))
    day, night = vobject.readOne(ics.decode("utf-8")).vevent_list
    assert day.dtstart.value == date(2020, 1, 26) and day.dtstart.params["VALUE"] == ["DATE"]
    assert b"DTSTART;TZID=Asia/Shanghai:20200129T003000\r\n" in ics
    assert night.dtstart.value == datetime(2020, 1, 29, 0, 30, tzinfo=SHANGHAI)


def test_half_past_midnight_in_shanghai_is_the_day_before_in_utc(tmp_path):
    night = icalendar.Calendar.from_ical(calendar_of(site_of(tmp_path))).walk("VEVENT")[1]
    assert night.start.astimezone(timezone.utc) == datetime(2020, 1, 28, 16, 30, tzinfo=timezone.utc)


def test_an_event_has_its_url_place_and_detail_as_plain_text(tmp_path):
    first = icalendar.Calendar.from_ical(calendar_of(site_of(tmp_path))).walk("VEVENT")[0]
    assert first["url"] == "https://example.cn/digest/timeline/#" + site_of(tmp_path).events[0].id
    assert first["location"] == "孝义市"
    assert first["description"] == "全市一级响应。\n\nhttps://example.cn/digest/articles/overview/"


def test_uids_stay_when_an_event_is_inserted_above(tmp_path):
    before = uids(calendar_of(site_of(tmp_path / "a")))
    after = uids(calendar_of(site_of(tmp_path / "b", "- date: 2020-01-20\n  title: 更早的事件\n" + TIMELINE)))
    assert after[1:] == before and len(set(after)) == 3
    assert before[1] == "xiazha-night@example.cn/digest"


def uids(ics: bytes) -> list[str]:
    return [str(event["uid"]) for event in icalendar.Calendar.from_ical(ics).walk("VEVENT")]


def test_two_builds_of_the_same_content_give_the_same_bytes(tmp_path):
    site = site_of(tmp_path)
    later = load_site(BuildOptions(tmp_path / "content", now=datetime(2030, 1, 1, tzinfo=SHANGHAI)))[0]
    assert calendar_of(site) == calendar_of(later)


def test_each_place_with_events_has_its_own_calendar(tmp_path):
    site = site_of(tmp_path)
    outputs = {output.dest: output.source() for output in calendar_outputs(site, signer_of(site))}
    place = site.places["孝义市"]
    assert set(outputs) == {"timeline.ics", place.url + "timeline.ics", site.places["下栅村"].url + "timeline.ics"}
    assert uids(outputs[place.url + "timeline.ics"]) == uids(outputs["timeline.ics"])[:1]
    link = place_calendar_link(site, place)
    assert place_calendar_link(site, replace(place, kind="tag")) is None
    assert link.subscribe == "webcal://example.cn/digest/places/xiao-yi-shi/timeline.ics"


def signer_of(site) -> Signer:
    return Signer(site, "base", {}, TemplateRules())


def test_a_calendar_is_made_again_only_when_its_events_change(tmp_path):
    def signatures(site):
        return {output.dest: output.signature for output in calendar_outputs(site, signer_of(site))}

    before = signatures(site_of(tmp_path / "a"))
    assert before == signatures(site_of(tmp_path / "b"))
    after = signatures(site_of(tmp_path / "c", TIMELINE.replace("夜间上岗", "夜间值守")))
    changed = {dest for dest in before if before[dest] != after[dest]}
    assert changed == {"timeline.ics", "places/xia-zha-cun/timeline.ics"}, "孝义市's calendar stays"


def test_plain_text_keeps_one_line_per_paragraph_and_item():
    assert plain_text("<p>一<strong>二</strong></p><ul><li>三</li><li>四</li></ul>") == "一二\n三\n四"
