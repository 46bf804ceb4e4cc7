"""The pre-publish summary printed at the end of ``check`` and of every build.

What an editor wants to know before the site goes out: how many reports each
place and each month has, which drafts and scheduled reports are waiting (and
so will not appear), how many warnings there are, and how many pages this
build changed. It is plain data first (:func:`make_summary`), text second
(:func:`format_summary`), so tests read the numbers, not the wording.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from .content import Article
from .errors import ProblemLog
from .i18n import _
from .site import Site

LISTED_MONTHS = 12  # the newest; the rest are summed
LISTED_WAITING = 10  # name this many waiting reports, then count the rest
LISTED_TAGS = 20  # name this many tags used once, then count the rest
NO_PLACE = "（未注明地点）"


@dataclass(frozen=True)
class PageChanges:
    """Files of the output whose bytes this build changed (or added), and the rest."""

    changed: int
    unchanged: int


@dataclass(frozen=True)
class Summary:
    reports: int
    included_early: int  # drafts and scheduled reports in the site (--drafts, --future)
    by_place: tuple[tuple[str, int], ...]  # most reports first, reports without a place last
    by_month: tuple[tuple[str, int], ...]  # newest month first
    drafts: tuple[Article, ...]  # left out of this build
    scheduled: tuple[Article, ...]  # left out until their date
    warnings: int
    changes: PageChanges | None = None  # only a build knows them
    due_in: timedelta | None = None  # until the first scheduled report comes due
    new_notices: tuple = ()  # corrections and retractions new since the last build (digest.corrections.Notice)
    tags_used_once: tuple[str, ...] = ()  # often a slip, or a word the other reports say otherwise


def make_summary(site: Site, problems: ProblemLog, changes: PageChanges | None = None,
                 new_notices: tuple = ()) -> Summary:
    places = Counter(article.place or NO_PLACE for article in site.articles)
    return Summary(
        reports=len(site.articles),
        included_early=len(site.early),
        by_place=tuple(sorted(places.items(), key=lambda item: (item[0] == NO_PLACE, -item[1], item[0]))),
        by_month=tuple((key, len(group.articles)) for key, group in site.months.items()),
        drafts=tuple(a for a in site.waiting if a.draft),
        scheduled=tuple(a for a in site.waiting if not a.draft),
        warnings=len(problems.warnings),
        changes=changes,
        due_in=_until(next_due(site), site),
        new_notices=tuple(new_notices),
        tags_used_once=tuple(sorted(name for name, group in site.tags.items() if len(group.articles) == 1)),
    )


def next_due(site: Site) -> datetime | None:
    """When the first scheduled report comes due (drafts wait for an editor, not a date)."""
    return min((article.date for article in site.waiting if not article.draft), default=None)


def _until(moment: datetime | None, site: Site) -> timedelta | None:
    return moment - site.built_at if moment else None


def format_summary(summary: Summary) -> list[str]:
    """The lines to print, one fact a line."""
    if summary.included_early:
        reports = _("  reports: {reports} in the site ({early} of them drafts or scheduled); waiting: "
                    "{drafts} draft(s), {scheduled} scheduled")
    else:
        reports = _("  reports: {reports} in the site; waiting: {drafts} draft(s), {scheduled} scheduled")
    lines = [
        _("before publishing:"),
        reports.format(reports=summary.reports, early=summary.included_early, drafts=len(summary.drafts),
                       scheduled=len(summary.scheduled)),
        _("  by place: {counts}").format(counts=_counts(summary.by_place)),
        _("  by month: {counts}").format(counts=_months(summary.by_month)),
    ]
    lines += _waiting(summary.drafts, with_date=False)
    lines += _waiting(summary.scheduled, with_date=True)
    if summary.scheduled and summary.due_in is not None:
        first = summary.scheduled[0]
        lines.append("  " + _("next scheduled: {source}: {title}, comes due {when} ({wait})").format(
            source=first.source, title=first.title, when=f"{first.date:%Y-%m-%d %H:%M}", wait=how_long(summary.due_in)))
    lines += format_new_notices(summary.new_notices)
    lines += _tags_used_once(summary.tags_used_once)
    lines.append(_("  warnings: {count}").format(count=summary.warnings))
    if summary.changes is not None:
        changes = summary.changes
        lines.append(_("  since the last build: {changed} file(s) changed, {unchanged} unchanged").format(
            changed=changes.changed, unchanged=changes.unchanged))
    return lines


def how_long(wait: timedelta) -> str:
    """"in 2 days 3 h", "in 3 h 5 min", "in 1 min": as precise as a wait needs."""
    minutes = max(0, round(wait.total_seconds() / 60))
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return _("in {days} day(s) {hours} h").format(days=days, hours=hours)
    if hours:
        return _("in {hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("in {minutes} min").format(minutes=minutes)


def format_new_notices(notices: tuple) -> list[str]:
    """One line per correction or retraction new since the last build, newest first."""
    labels = {"correction": _("new correction"), "retraction": _("new retraction")}
    lines = [_("  {label}: {source}: {title} ({date})").format(
        label=labels[notice.kind], source=notice.article.source, title=notice.article.title,
        date=f"{notice.date:%Y-%m-%d %H:%M}") for notice in notices[:LISTED_WAITING]]
    if len(notices) > LISTED_WAITING:
        lines.append(_("  ... and {count} more new correction(s) and retraction(s)").format(
            count=len(notices) - LISTED_WAITING))
    return lines


def _tags_used_once(tags: tuple[str, ...]) -> list[str]:
    if not tags:
        return []
    named = _(", ").join(tags[:LISTED_TAGS])
    if len(tags) > LISTED_TAGS:
        return [_("  tags used once: {tags} and {count} more").format(tags=named, count=len(tags) - LISTED_TAGS)]
    return [_("  tags used once: {tags}").format(tags=named)]


def _counts(pairs: tuple[tuple[str, int], ...]) -> str:
    return _(", ").join(f"{name} {count}" for name, count in pairs) or _("none")


def _months(pairs: tuple[tuple[str, int], ...]) -> str:
    """The newest months one by one; an archive of years would fill the screen."""
    if len(pairs) <= LISTED_MONTHS:
        return _counts(pairs)
    earlier = pairs[LISTED_MONTHS:]
    return _("{newest}, {months} earlier month(s) {count}").format(
        newest=_counts(pairs[:LISTED_MONTHS]), months=len(earlier), count=sum(count for _month, count in earlier))


def _waiting(articles: tuple[Article, ...], with_date: bool) -> list[str]:
    """Scheduled reports (``with_date``, the date they come out) or drafts, a line each, then how many more."""
    lines = []
    for article in articles[:LISTED_WAITING]:
        if with_date:
            line = _("  scheduled: {source}: {title} (from {date})")
        else:
            line = _("  draft: {source}: {title}")
        lines.append(line.format(source=article.source, title=article.title, date=f"{article.date:%Y-%m-%d %H:%M}"))
    more = len(articles) - LISTED_WAITING
    if more > 0:
        lines.append((_("  ... and {count} more scheduled(s)") if with_date
                      else _("  ... and {count} more draft(s)")).format(count=more))
    return lines
