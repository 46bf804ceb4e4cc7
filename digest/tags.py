"""Tags an editor probably mistyped: 疫情防空 for 疫情防控, 卡口执守 for 卡口值守.

A mistyped tag makes a page of its own, quietly. A tag is taken for a slip of
another when that other one is used by more reports and the two sound the same
(the same pinyin, tones aside) or differ by one character. Words of two
characters that differ by one are mostly different words (防疫, 防控), so the
second test is for tags of :data:`MIN_CHARS_FOR_ONE_EDIT` characters or more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable, Iterable

from .content import Article
from .errors import ProblemLog
from .i18n import ngettext
from .slugs import name_slug

MIN_CHARS_FOR_ONE_EDIT = 3


def warn_tag_slips(articles: Iterable[Article], log: ProblemLog, slug_of: Callable[[str], str] = name_slug) -> None:
    """A warning at the tags line of each report that uses a probable slip, naming the
    tag it probably meant and how many reports use that one."""
    articles = list(articles)
    counts = Counter(tag for article in articles for tag in article.tags)
    meant = likely_meant(counts, slug_of)
    for article in articles:
        for tag in article.tags:
            if tag in meant:
                count = counts[meant[tag]]
                log.warning(article.source, article.line_of("tags"), ngettext(
                    "the tag '{tag}' looks like a slip for '{meant}', which {count} report uses; if it is, "
                    "correct it (as written it gets a tag page of its own)",
                    "the tag '{tag}' looks like a slip for '{meant}', which {count} reports use; if it is, "
                    "correct it (as written it gets a tag page of its own)",
                    count).format(tag=tag, meant=meant[tag], count=count))


def likely_meant(counts: Counter, slug_of: Callable[[str], str] = name_slug) -> dict[str, str]:
    """Each tag that looks like a slip → the more used tag it probably meant."""
    by_sound, by_gap = defaultdict(set), defaultdict(set)
    sounds = {tag: slug_of(tag) for tag in counts}
    for tag in counts:
        by_sound[sounds[tag]].add(tag)
        for key in _gaps(tag):
            by_gap[key].add(tag)
    meant = {}
    for tag, count in counts.items():
        alike = set(by_sound[sounds[tag]]) if sounds[tag] else set()
        alike |= {other for key in _gaps(tag) for other in by_gap[key] if one_edit_apart(tag, other)}
        more_used = [other for other in alike if counts[other] > count]
        if more_used:
            meant[tag] = max(more_used, key=lambda other: (counts[other], other))
    return meant


def _gaps(tag: str) -> set[str]:
    """The tag with each one character left out, and itself: two tags one edit apart
    share one of these (so that not every pair of tags is compared)."""
    if len(tag) < MIN_CHARS_FOR_ONE_EDIT:
        return set()
    return {tag, *(tag[:i] + tag[i + 1:] for i in range(len(tag)))}


def one_edit_apart(a: str, b: str) -> bool:
    """One character changed, added or left out, in words of MIN_CHARS_FOR_ONE_EDIT or more."""
    if a == b or min(len(a), len(b)) < MIN_CHARS_FOR_ONE_EDIT:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))
