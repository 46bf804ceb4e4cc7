"""The example content folder (examples/newsroom/) builds, and shows what it is there to show."""

from __future__ import annotations

from bs4 import BeautifulSoup


def test_the_scheduled_report_waits_for_its_date(newsroom_site):
    slugs = {path.parent.name for path in (newsroom_site / "articles").glob("*/index.html")}
    assert "scheduled-notice" not in slugs and {"spring-ploughing", "library-hours"} <= slugs


def test_each_timeline_event_has_its_own_anchor(newsroom_site):
    soup = BeautifulSoup((newsroom_site / "timeline/index.html").read_text(encoding="utf-8"), "html.parser")
    anchors = [event["id"] for event in soup.select(".event")]
    assert len(anchors) == 4 and len(set(anchors)) == 4
    assert anchors[0] == "wutong-spring-start"
