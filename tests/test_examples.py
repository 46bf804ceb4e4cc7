"""The example content folder (examples/newsroom/) builds, and shows what it is there to show."""

from __future__ import annotations

import vobject
from bs4 import BeautifulSoup


def test_the_scheduled_report_waits_for_its_date(newsroom_site):
    slugs = {path.parent.name for path in (newsroom_site / "articles").glob("*/index.html")}
    assert "scheduled-notice" not in slugs and {"spring-ploughing", "library-hours"} <= slugs


def test_each_timeline_event_has_its_own_anchor(newsroom_site):
    soup = BeautifulSoup((newsroom_site / "timeline/index.html").read_text(encoding="utf-8"), "html.parser")
    anchors = [event["id"] for event in soup.select(".event")]
    assert len(anchors) == 4 and len(set(anchors)) == 4
    assert anchors[0] == "wutong-spring-start"


def test_the_timeline_and_each_place_with_events_have_a_calendar_linked_from_their_page(newsroom_site):
    for page, calendar in [("timeline/index.html", "timeline.ics"),
                           ("places/wu-tong-zhen/index.html", "places/wu-tong-zhen/timeline.ics")]:
        soup = BeautifulSoup((newsroom_site / page).read_text(encoding="utf-8"), "html.parser")
        links = [a["href"] for a in soup.select(".calendar-links a")]
        assert links[1] == "webcal://example.cn/newsroom/" + calendar
        assert (newsroom_site / page).parent.joinpath(links[0]).resolve() == (newsroom_site / calendar).resolve()
        events = vobject.readOne((newsroom_site / calendar).read_text(encoding="utf-8")).vevent_list
        assert events and all(event.uid.value.endswith("@example.cn/newsroom") for event in events)
