"""Signatures: which pages must be rendered again, read from what the templates show."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from digest.changes import Signer, template_rules
from digest.config import SiteConfig
from digest.content import Article, Body
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
