"""Signatures: a hash of everything an output file's bytes depend on.

A page whose signature is the one its file in the output was made from is not
rendered again: the file is reused. The signature covers the engine, the
templates, site.yaml and the build options (the *base*), the page's place and
title, and its data, where

* the page's own article (``data["article"]``) stands for its whole final
  state: the file's bytes and the links its body resolved (its fingerprint);
* an article shown in a list (a front page, a neighbour, "same place") stands
  for what lists can show: every front-matter field and the summary, but not
  its body's HTML;
* a group is its name, address and size, except on its own page
  (``data["group"]``), where its articles count too.

Those rules hold for the templates this project ships; :func:`template_rules`
reads the theme's templates (their syntax trees), and a theme that shows more (a body in a list, an
attribute of ``site`` we do not know, a global we do not know) gets the
conservative rules or none (every page rendered, only changed bytes written).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError, nodes

from .cache import short_hash
from .content import Article
from .site import Group, Site

KNOWN_SITE_ATTRIBUTES = {"place_url", "author_url", "status_of", "by_slug", "config"}
KNOWN_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace",
                 "photos", "photo_sizes", "lead_sizes", "share_card",  # *_sizes: constants of the engine
                 "gettext", "ngettext", "pgettext", "npgettext", "_"}  # the site's language, in the base (site.yaml)
BODY_ATTRIBUTES = {"html", "headings", "body"}
ARTICLE_PAGE = "article.html"  # the only template that may show a body
GROUP_PAGE = "group.html"  # the only template that may list a group's articles
PLAIN = {str, int, float, bool, type(None)}
CARD_LEAVES_OUT = {"rendered", "body", "lines", "body_line"}
CARD_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Article) if f.name not in CARD_LEAVES_OUT))


class Unsignable(Exception):
    """A value whose content cannot be summed up: the page is always rendered."""


@dataclass(frozen=True)
class TemplateRules:
    """How much of the data the theme's templates can show."""

    skip: bool = True  # False: render every page, every build
    cards: bool = True  # False: listed articles count with their body
    shallow_groups: bool = True  # False: a group always counts with its articles
    text: bool = False  # True: a template shows an article's Markdown text (the cache keeps none)


def template_rules(templates_dir: Path, globals_: set[str]) -> TemplateRules:
    """What the templates use, read from their syntax trees (conservative when unsure)."""
    if globals_ - KNOWN_GLOBALS:
        return TemplateRules(skip=False)
    env = Environment(extensions=["jinja2.ext.i18n"])  # as the build's: {% trans %} parses
    cards = shallow = True
    text = False
    for path in sorted(templates_dir.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(templates_dir).as_posix()
        try:
            tree = env.parse(path.read_text(encoding="utf-8"))
        except (TemplateSyntaxError, UnicodeDecodeError):
            return TemplateRules(skip=False)
        uses = _uses(tree)
        if uses["site"] - KNOWN_SITE_ATTRIBUTES:
            return TemplateRules(skip=False)
        if name != ARTICLE_PAGE and uses["body"]:
            cards = False
        if name != GROUP_PAGE and uses["members"]:
            shallow = False
        text = text or "body" in uses["body"]
    return TemplateRules(True, cards, shallow, text)


def _uses(tree) -> dict[str, set]:
    """What a template reaches: attributes of ``site``, bodies, the articles of groups."""
    uses: dict[str, set] = {"site": set(), "body": set(), "members": set()}

    def visit(node, parent) -> None:
        if isinstance(node, nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "site":
                uses["site"].add(node.attr)
            if node.attr in BODY_ATTRIBUTES:
                uses["body"].add(node.attr)
            if node.attr == "articles" and not (isinstance(parent, nodes.Filter) and parent.name == "length"):
                uses["members"].add(node.attr)
        elif isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name) and node.node.name == "site":
            uses["site"].add("[]")
        for child in node.iter_child_nodes():
            visit(child, node)

    visit(tree, None)
    return uses


@dataclass(frozen=True)
class Shape:
    """:meth:`Signer.shape` of a site, with what tells the next build quickly whether its
    site has the same."""

    value: str
    frame: str  # Signer.frame(): all the cards depend on but the articles' own files
    cards: dict[str, tuple[str | None, str]]  # source -> its fingerprint and its card, for each article listed


class Signer:
    """Signatures of one build's pages and feeds."""

    def __init__(self, site: Site, base: str, fingerprints: dict[str, str], rules: TemplateRules,
                 photos: dict | None = None):
        self.site = site
        self.base = base
        self.fingerprints = fingerprints
        self.rules = rules
        self.photos = photos or {}
        self._wholes: dict[str, str] = {}  # source -> token of the article as its own page shows it
        self._cards: dict[str, str] = {}  # source -> token of the article as a list shows it
        self._around: dict[str, str] = {}  # source -> what both tokens say of the article's neighbours
        self._groups: dict[tuple[int, bool], str] = {}

    def page(self, page) -> str | None:
        if not self.rules.skip:
            return None
        try:
            data = "".join(self.item(key, value) for key, value in page.data.items())
        except Unsignable:
            return None
        return short_hash(self.base, "page", page.dest, page.template, page.title, repr(page.in_sitemap), data)

    def feed(self, plan) -> str | None:
        """A feed (a :class:`~digest.feeds.FeedPlan`) shows each entry whole (an event
        with the title of its report), and falls back to the build time when empty."""
        try:
            entries = "".join(self.article(a, whole=True) for a in plan.articles)
            entries += "".join(self.token(e) + self.token(self.site.by_slug.get(e.article)) for e in plan.events)
        except Unsignable:
            return None
        when = "" if plan.articles or plan.events else self.site.built_at.isoformat()
        return short_hash(self.base, "feed", plan.dest, plan.title, plan.page_url, plan.description,
                          repr(plan.atom), entries, when)

    def data(self, kind: str, dest: str, *values) -> str | None:
        """A file made from plain values (a calendar, the timeline as JSON), not by a template."""
        try:
            return short_hash(self.base, kind, dest, *(self.token(value) for value in values))
        except Unsignable:
            return None

    def shape(self, earlier: Shape | None = None) -> Shape | None:
        """A token of all the pages show but the articles shown whole (on their own pages).

        The pages are planned from the site's articles (in their order, each as a list
        shows it), its groups, its events and the base alone; so a site with the shape of
        the last build's has the same pages, each with the signature it had, but the pages
        of the articles whose fingerprint changed (:func:`digest.plan.plan_site`). None
        when lists show articles whole (then no page is safe to skip that way).

        The token is a card for each article (0.2-0.3 s at 10,000 reports). Within the
        ``earlier`` shape's frame (:meth:`frame`), an article whose fingerprint is the one
        it had has the card it had, so only the others' cards are made: if each is the
        one it was, the shape is the earlier one."""
        if not (self.rules.skip and self.rules.cards):
            return None
        site = self.site
        lists = (site.articles, site.waiting, site.retracted)
        sources = [[a.source for a in articles] for articles in lists]  # each report looked at once
        try:
            common = [self.base, repr(self.rules), self.token(site.events)]
            frame = self.frame(sources, common)
            if earlier is not None and earlier.frame == frame:
                cards = self._cards_as_before(lists, sources, earlier.cards)
                if cards is not None:
                    return Shape(earlier.value, frame, cards)
            cards = {a.source: (self.fingerprint(a), self.article(a, whole=False)) for articles in lists for a in articles}
            parts = common + [",".join([cards[a.source][1] for a in articles]) for articles in lists]
            parts += [",".join([f"{name!r}:{self.group(group, members=True)}" for name, group in groups.items()])
                      for groups in (site.places, site.tags, site.months, site.authors)]
        except Unsignable:
            return None
        return Shape(short_hash(*parts), frame, cards)

    def frame(self, sources: list[list[str]], common: list[str]) -> str:
        """All a card depends on but its article's own file: ``common`` (the base, the rules
        and the events: a place page lists them), which articles each list holds in what
        order (``sources``: so, with their cards, the groups and their addresses), what status
        each shows (a scheduled report comes due with the clock) and the size of each photo's
        renditions (their addresses follow from the photo's and their widths)."""
        members = ["\n".join(names) for names in sources]
        early = self.site.early
        statuses = [f"{source} {early[source]}" for names in sources for source in names if source in early]
        sizes = [photo.src + " " + " ".join([f"{r.width}x{r.height}" for r in photo.renditions])
                 for photo in self.photos.values()]
        return short_hash(*common, *members, "\n".join(statuses), "\n".join(sizes))

    def _cards_as_before(self, lists, sources: list[list[str]],
                         earlier: dict[str, tuple[str | None, str]]) -> dict | None:
        """Each article's fingerprint and card, if every card is the one ``earlier`` holds (in
        the same frame); else None. Only the cards of the articles whose fingerprint changed
        are made. Gone through by ``sources`` (the lists' articles' sources, in order): at
        100,000 reports, touching each Article again cost more than the lookups."""
        cards, fingerprints = {}, self.fingerprints
        for articles, names in zip(lists, sources):
            for index, source in enumerate(names):
                fingerprint, known = fingerprints.get(source), earlier.get(source)
                if known is None or fingerprint is None or known[0] != fingerprint:
                    card = self.article(articles[index], whole=False)
                    if known is None or known[1] != card:
                        return None
                    known = (fingerprint, card)
                cards[source] = known
        return cards

    def fingerprint(self, article: Article) -> str | None:
        """What an article's final state is known by (its file's bytes and its links)."""
        return self.fingerprints.get(article.source)

    def item(self, key: str, value) -> str:
        main = key in ("article", "group")
        return f"{key}=" + self.token(value, main) + ";"

    def token(self, value, main: bool = False) -> str:
        kind = type(value)
        if kind is Article:  # the most frequent by far: looked up here, not through article()
            whole = main or not self.rules.cards
            found = (self._wholes if whole else self._cards).get(value.source)
            return found if found is not None else self.article(value, whole)
        if kind is Group:
            return self.group(value, main or not self.rules.shallow_groups)
        if kind in PLAIN:
            return repr(value)
        if isinstance(value, (list, tuple)):
            return "[" + ",".join([self._listed(item) for item in value]) + "]"
        if isinstance(value, dict):
            return "{" + ",".join(f"{self.token(k)}:{self.token(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (datetime, date)):
            return _moment(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [f"{f.name}={self.token(getattr(value, f.name))}" for f in dataclasses.fields(value)]
            place = getattr(value, "place", None)
            if isinstance(place, str):  # an event's place: a template may link it with site.place_url
                fields.append(repr(self.site.place_url(place)))
            return kind.__name__ + "(" + ",".join(fields) + ")"
        raise Unsignable(kind.__name__)

    def _listed(self, value) -> str:
        """The token of a list's item: mostly an article's card (a page of a place lists
        twenty), looked up without going through :meth:`token`."""
        if type(value) is Article and self.rules.cards:
            found = self._cards.get(value.source)
            if found is not None:
                return found
        return self.token(value)

    def article(self, article: Article, whole: bool) -> str:
        memo = self._wholes if whole else self._cards
        found = memo.get(article.source)
        if found is None:
            found = memo[article.source] = self._article(article, whole)
        return found

    def _article(self, article: Article, whole: bool) -> str:
        around = self._around.get(article.source)
        if around is None:
            site = self.site
            around = self._around[article.source] = repr((
                site.status_of(article), site.place_url(article.place),
                [site.author_url(name) for name in article.authors],
                [site.tags[t].url for t in article.tags if t in site.tags],
                [self.photos.get(photo.src) for photo in article.photos]))
        if whole:
            fingerprint = self.fingerprints.get(article.source)
            if fingerprint is None:
                raise Unsignable(article.source)
            notes = repr([c.note_html for c in article.corrections])  # their links resolve apart from the body's
            return "A(" + short_hash(fingerprint, around, notes) + ")"
        return "C(" + short_hash(article.url, repr(CARD_FIELDS(article)), around) + ")"

    def group(self, group: Group, members: bool) -> str:
        key = (id(group), members)
        found = self._groups.get(key)
        if found is None:
            parts = [group.kind, group.name, group.slug, group.url, str(len(group.articles)),
                     *(self.token(event) for event in group.events)]  # a place page lists its events
            if members:
                parts += [self.token(article) for article in group.articles]
            found = self._groups[key] = "G(" + short_hash(*parts) + ")"
        return found


def _moment(value) -> str:
    zone = getattr(value, "tzinfo", None)
    return value.isoformat() + "@" + str(getattr(zone, "key", zone))
