"""Signatures: which pages must be rendered again, read from what the templates show."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from digest.changes import Signer, TemplateRules, template_rules
from digest.config import SiteConfig
from digest.content import Article, Body, Event, Photo
from digest.site import Site
from conftest import PROJECT

DATE = datetime(2020, 1, 30, 9, tzinfo=timezone.utc)


def make_article(source="articles/a.md", slug="a", title="标题", **fields) -> Article:
    return Article(source=source, slug=slug, title=title, date=DATE, body="正文。", **fields)


def write_templates(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_projects_templates_allow_skipping_unchanged_pages():
    """With every global a build gives them: one the signer does not know would
    make every build render every page."""
    from digest.meta import template_helpers
    from digest.render import make_environment

    env = make_environment(PROJECT / "templates", "zh-CN")
    env.globals.update(template_helpers(None, {}))
    rules = template_rules(PROJECT / "templates", set(env.globals))
    assert rules.skip and rules.cards and rules.shallow_groups


def test_templates_that_show_more_get_the_conservative_rules(tmp_path):
    lists_bodies = write_templates(tmp_path / "a", {"index.html": "{% for a in articles %}{{ a.html|safe }}{% endfor %}"})
    assert not template_rules(lists_bodies, set()).cards
    counts = write_templates(tmp_path / "b", {"groups.html": "{{ group.articles[0].title }}"})
    assert not template_rules(counts, set()).shallow_groups
    whole_site = write_templates(tmp_path / "c", {"base.html": "{{ site.articles|length }}"})
    assert not template_rules(whole_site, set()).skip
    assert not template_rules(PROJECT / "templates", {"mystery_helper"}).skip


def test_a_listed_article_counts_by_what_lists_show():
    one = make_article(summary="一", rendered=Body(html="<p>一</p>"))
    site = Site.create(SiteConfig(), [one], [], DATE)
    rules = template_rules(PROJECT / "templates", set())
    signer = Signer(site, "base", {one.source: "f1"}, rules)
    card = signer.token(one)
    assert Signer(site, "base", {one.source: "f2"}, rules).token(one) == card  # the body is not shown in lists
    assert Signer(site, "base", {one.source: "f2"}, rules).token(one, main=True) != signer.token(one, main=True)
    retitled = make_article(title="新标题", summary="一")
    assert Signer(site, "base", {one.source: "f1"}, rules).token(retitled) != card


def test_the_shape_of_a_site_is_what_its_lists_show():
    one, two = make_article(summary="一"), make_article("articles/b.md", "b", "乙", summary="二")
    rules = template_rules(PROJECT / "templates", set())

    def shape(articles, fingerprints, events=(), rules=rules):
        made = Signer(Site.create(SiteConfig(), articles, list(events), DATE), "base", fingerprints, rules).shape()
        return made and made.value

    first = shape([one, two], {one.source: "f1", two.source: "f2"})
    assert first is not None
    assert shape([one, two], {one.source: "f3", two.source: "f2"}) == first  # a body's change: not a list's
    assert shape([one, make_article("articles/b.md", "b", "乙改", summary="二")], {}) != first
    assert shape([one, make_article("articles/b.md", "b", "乙", summary="二改")], {}) != first
    assert shape([one, make_article("articles/b.md", "b", "乙", summary="二", place="驿马乡")], {}) != first
    assert shape([one], {}) != first
    assert shape([one, two], {}, [Event(DATE, "启动一级响应", 1, article="b")]) != first
    assert shape([one, two], {}, rules=TemplateRules(cards=False)) is None  # then every page counts each body
    assert shape([one, two], {}, rules=TemplateRules(skip=False)) is None


def test_a_shape_told_from_the_last_one_is_the_shape_made_whole():
    """Signer.shape(earlier) makes only the cards of the articles whose fingerprint changed;
    whatever else a card shows (the clock, a photo's size, the events, the base) must make
    it look at every one."""
    from digest.photos import plan_renditions

    photo = Photo("media/a.jpg")
    one = make_article(summary="一", photos=(photo,))
    two = make_article("articles/b.md", "b", "乙", summary="二")
    rules = template_rules(PROJECT / "templates", set())
    wide = {photo.src: plan_renditions(photo.src, 2000, 1500)}

    def signer(articles=(one, two), fingerprints=None, events=(), photos=wide, built=DATE, base="base"):
        site = Site.create(SiteConfig(), list(articles), list(events), built)
        return Signer(site, base, fingerprints or {one.source: "f1", two.source: "f2"}, rules, photos)

    first = signer().shape()
    kinds = {
        "nothing changed": {},
        "a body changed": {"fingerprints": {one.source: "f3", two.source: "f2"}},
        "a title changed": {"articles": (one, make_article("articles/b.md", "b", "乙改", summary="二")),
                            "fingerprints": {one.source: "f1", two.source: "f4"}},
        "a report removed": {"articles": (one,)},
        "a photo's size": {"photos": {photo.src: plan_renditions(photo.src, 2000, 1000)}},
        "a report came due": {"built": DATE.replace(year=2019)},
        "an event": {"events": [Event(DATE, "启动一级响应", 1, article="b")]},
        "the base": {"base": "another"},
    }
    for kind, change in kinds.items():
        told, made = signer(**change).shape(first), signer(**change).shape()
        assert told == made, kind
        assert (made.value == first.value) == (kind in ("nothing changed", "a body changed")), kind
