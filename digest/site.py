"""The Site: everything known about the content, gathered before any page is made.

Every page sees the same consistent picture: articles newest first, the
timeline oldest first, and the indexes by slug, place, tag and month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice, takewhile

from .config import SiteConfig
from .content import Article, Event
from .dates import month_title
from .i18n import page_texts
from .slugs import name_slug
from .urls import page_url


@dataclass(frozen=True)
class Group:
    """A set of articles shown on one index page: a place, a tag or a month."""

    name: str
    slug: str
    articles: tuple[Article, ...]
    kind: str  # "place", "tag" or "month"
    events: tuple[Event, ...] = ()  # a place's timeline events, oldest first

    @property
    def url(self) -> str:
        return page_url(self.kind, self.slug)


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # published, newest first (not the retracted ones)
    events: tuple[Event, ...]  # oldest first
    built_at: datetime
    assets: frozenset[str] = frozenset()  # content files pages refer to
    images: frozenset[str] = frozenset()  # those of them a body shows as resized pictures
    waiting: tuple[Article, ...] = ()  # drafts and scheduled reports left out, oldest first
    retracted: tuple[Article, ...] = ()  # withdrawn: a page with the notice each, in no list
    by_slug: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)  # name -> Group
    tags: dict = field(default_factory=dict)
    months: dict = field(default_factory=dict)  # "2020-01" -> Group
    authors: dict = field(default_factory=dict)  # name -> Group: a page per byline
    events_by_article: dict = field(default_factory=dict)
    positions: dict = field(default_factory=dict)  # slug -> index in articles
    early: dict = field(default_factory=dict)  # source -> its status, for the reports shown before their time
    last_change: datetime | None = None  # the newest of the reports' changes (Article.modified), if any

    @classmethod
    def create(cls, config, articles, events, built_at, assets=frozenset(), images=frozenset(), waiting=(),
               slug_of=name_slug) -> "Site":
        """The site of these articles and events; ``slug_of`` makes a group's slug from its
        name (a build passes one that remembers them, :meth:`digest.cache.BuildCache.slug`)."""
        articles = tuple(sorted(articles, key=lambda a: (a.date, a.slug), reverse=True))
        retracted = tuple(a for a in articles if a.retracted)
        if retracted:
            articles = tuple(a for a in articles if not a.retracted)
        events = tuple(sorted(events, key=lambda e: (e.date, e.line)))
        by_article = defaultdict(list)
        for event in events:
            if event.article:
                by_article[event.article].append(event)
        return cls(
            config=config,
            articles=articles,
            events=events,
            built_at=built_at,
            assets=frozenset(assets),
            images=frozenset(images),
            waiting=tuple(sorted(waiting, key=lambda a: (a.date, a.slug))),
            retracted=retracted,
            by_slug={a.slug: a for a in articles + retracted},
            places=_places(articles, events, slug_of),
            tags=_groups(articles, "tag", lambda a: list(a.tags), slug_of=slug_of),
            months=_months(articles, config.language),
            authors=_groups(articles, "author", lambda a: list(a.authors), slug_of=slug_of),
            events_by_article={slug: tuple(found) for slug, found in by_article.items()},
            positions={a.slug: i for i, a in enumerate(articles)},
            early=_early(articles, built_at, config.language),
            last_change=_last_change(articles),
        )

    def neighbours(self, article: Article) -> tuple[Article | None, Article | None]:
        """The older and the newer report around ``article``."""
        index = self.positions[article.slug]
        older = self.articles[index + 1] if index + 1 < len(self.articles) else None
        newer = self.articles[index - 1] if index > 0 else None
        return older, newer

    def place_of(self, article: Article) -> Group | None:
        return self.places.get(article.place)

    def tag_groups(self, article: Article) -> list[Group]:
        return [self.tags[tag] for tag in article.tags]

    def same_place(self, article: Article, limit: int = 5) -> list[Article]:
        group = self.place_of(article)
        if group is None:
            return []
        others = (a for a in group.articles if a.slug != article.slug)
        return list(islice(others, limit))  # stop at the limit: a place may hold thousands

    def status_of(self, article: Article) -> str:
        """Draft (草稿) or Scheduled (定时发布) for reports shown only in preview; else nothing.
        Known from the start (:attr:`early`): pages and signatures ask it of every card."""
        return self.early.get(article.source, "")

    def place_url(self, name: str) -> str | None:
        group = self.places.get(name)
        return group.url if group else None

    def author_url(self, name: str) -> str | None:
        group = self.authors.get(name)
        return group.url if group else None


def _groups(articles, kind: str, names_of, extra=(), slug_of=name_slug) -> dict[str, Group]:
    """Group articles by name, each with a unique pinyin slug; biggest groups first.
    ``extra`` names groups that may hold no article."""
    members = defaultdict(list)
    for article in articles:
        for name in names_of(article):
            members[name].append(article)
    for name in extra:
        if name:
            members.setdefault(name, [])
    groups, used = {}, set()
    slugs = {name: slug_of(name) for name in members}
    for name in sorted(members, key=lambda n: (-len(members[n]), slugs[n], n)):
        slug = _unique(slugs[name] or kind, used)
        groups[name] = Group(name, slug, tuple(members[name]), kind)
    return groups


def _places(articles, events, slug_of=name_slug) -> dict[str, Group]:
    """The places of the reports and of the timeline's events: an event's place has
    a page even when no report is about it yet, and each page shows its events."""
    groups = _groups(articles, "place", lambda a: [a.place] if a.place else [], extra=[e.place for e in events],
                     slug_of=slug_of)
    by_place = defaultdict(list)
    for event in events:
        if event.place:
            by_place[event.place].append(event)
    return {name: replace(group, events=tuple(by_place[name])) if by_place[name] else group
            for name, group in groups.items()}


def _unique(slug: str, used: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in used:
        candidate, number = f"{slug}-{number}", number + 1
    used.add(candidate)
    return candidate


def month_key(moment: datetime) -> str:
    """A month's slug and anchor: ``2020-01``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def month_name(key: str, language: str) -> str:
    """``2020-01`` → ``2020年1月`` (or ``January 2020`` on an English site)."""
    return month_title(int(key[:4]), int(key[5:]), language)


def _months(articles, language: str) -> dict[str, Group]:
    members = defaultdict(list)
    for article in articles:
        members[month_key(article.date)].append(article)
    return {
        key: Group(month_name(key, language), key, tuple(found), "month")
        for key, found in sorted(members.items(), reverse=True)
    }


def _early(articles, built_at: datetime, language: str) -> dict[str, str]:
    """The status of each report shown before its time. ``articles`` are newest first, so the
    scheduled ones lead: comparing every date with the build's took 0.1 s at 100,000 reports."""
    shown = [a for a in articles if a.draft]
    shown += takewhile(lambda a: a.date > built_at, articles)
    return {a.source: _status_label(a, built_at, language) for a in shown}


def _last_change(articles) -> datetime | None:
    """The newest ``modified`` of ``articles`` (newest first): the first one's date, or a
    later ``updated:``, correction or retraction of another. Asking every report (6 ms at
    10,000) was done by each feed rendered, the calendars and the corrections feed."""
    changed = [a.modified for a in articles[:1]]
    changed += [a.modified for a in articles if a.updated or a.corrections or a.retracted]
    return max(changed, default=None)


def _status_label(article: Article, built_at: datetime, language: str) -> str:
    texts = page_texts(language)
    if article.draft:
        return texts.gettext("Draft")
    if article.date > built_at:
        return texts.gettext("Scheduled")
    return ""
