"""Tags an editor probably mistyped get a warning naming the tag meant."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from digest.content import Article
from digest.errors import ProblemLog
from digest.tags import likely_meant, one_edit_apart, warn_tag_slips


def report(name: str, *tags: str) -> Article:
    return Article(source=f"articles/{name}.md", slug=name, title=name, date=datetime(2020, 1, 30, tzinfo=timezone.utc),
                   tags=tags, lines={"tags": 4})


def test_a_rare_tag_one_character_or_one_sound_from_a_common_one_is_named_at_the_tags_line():
    articles = [report("a", "疫情防控", "卡口值守"), report("b", "疫情防控", "卡口值守"), report("c", "疫情防控"),
                report("d", "疫情防空", "卡口执守")]
    log = ProblemLog()
    warn_tag_slips(articles, log)
    assert [str(p) for p in log.problems] == [
        "articles/d.md:4: warning: the tag '疫情防空' looks like a slip for '疫情防控', which 3 reports use; "
        "if it is, correct it (as written it gets a tag page of its own)",
        "articles/d.md:4: warning: the tag '卡口执守' looks like a slip for '卡口值守', which 2 reports use; "
        "if it is, correct it (as written it gets a tag page of its own)",
    ]


@pytest.mark.parametrize("counts, meant", [
    ({"疫情防控": 5, "疫情防控工作": 1}, {}),  # two characters more: another tag
    ({"疫情防控": 2, "疫情防控组": 1}, {"疫情防控组": "疫情防控"}),  # one more
    ({"疫情防控": 2, "疫情控": 1}, {"疫情控": "疫情防控"}),  # one less
    ({"防控": 5, "防疫": 1}, {}),  # two-character words one apart are other words
    ({"防控": 5, "防空": 1}, {"防空": "防控"}),  # ... unless they sound the same
    ({"疫情防控": 1, "疫情防空": 1}, {}),  # neither is the more used
    ({"COVID": 3, "covid": 1}, {"covid": "COVID"}),
    ({"【】": 3, "！！": 1}, {}),  # no pinyin: nothing alike
])
def test_which_tag_is_a_slip_of_which(counts, meant):
    assert likely_meant(Counter(counts)) == meant


@pytest.mark.parametrize("a, b, apart", [
    ("疫情防控", "疫情防空", True), ("疫情防控", "疫情防控", False), ("疫情防控", "防控疫情", False),
    ("卡口值守", "卡口值守岗", True), ("卡口值守", "口值守", True), ("卡口值守", "卡值", False),
])
def test_one_edit_apart(a, b, apart):
    assert one_edit_apart(a, b) is apart is one_edit_apart(b, a)
