"""The plan: a site with the last build's shape keeps its pages, and plans again
only those of the reports whose text changed."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from digest.changes import Signer, TemplateRules
from digest.config import SiteConfig
from digest.content import Article
from digest.outputs import PAGE
from digest.photos import Pictures
from digest.plan import plan_site
from digest.site import Site

DATE = datetime(2020, 1, 30, 9, tzinfo=timezone.utc)
RULES = TemplateRules()  # the project's templates' rules (tests/test_changes.py)


def make_site(*titles: str) -> Site:
    articles = [Article(source=f"articles/{n}.md", slug=f"r{n}", title=title, date=DATE.replace(day=n + 1),
                        place="驿马乡", tags=("疫情防控",), summary=f"第{n}篇。", body="正文。")
                for n, title in enumerate(titles)]
    return Site.create(SiteConfig(), articles, [], DATE)


def plan(site: Site, fingerprints: dict[str, str], earlier=None, kept=lambda dest: None):
    signer = Signer(site, "base", fingerprints, RULES)
    return plan_site(site, Path("no-static"), Pictures({}, []), signer, [], earlier, kept)


def page_signatures(site_plan) -> dict[str, str]:
    return {o.dest: o.signature for o in site_plan.outputs if o.kind == PAGE}


def test_a_site_of_the_same_shape_plans_only_the_changed_reports_pages_and_signs_as_a_full_plan():
    site = make_site("甲", "乙", "丙")
    before = {a.source: f"{a.source}-1" for a in site.articles}
    first = plan(site, before)
    old = page_signatures(first)
    after = {**before, "articles/1.md": "changed"}
    planned = []
    again = plan(site, after, first.pages, lambda dest: planned.append(dest) or old.get(dest))

    assert page_signatures(again) == page_signatures(plan(site, after))  # what a plan of every page gives
    remade = [o for o in again.outputs if o.kind == PAGE and o.source is not None]
    assert [o.dest for o in remade] == ["articles/r1/index.html"]
    assert "articles/r1/index.html" not in planned and len(planned) == len(old) - 1
    assert again.pages.shape.value == first.pages.shape.value
    assert {source: card[0] for source, card in again.pages.shape.cards.items()} == after  # for the next build


def test_a_page_the_output_cannot_keep_makes_the_whole_plan():
    site = make_site("甲", "乙")
    fingerprints = {a.source: "f" for a in site.articles}
    first = plan(site, fingerprints)
    old = page_signatures(first)
    again = plan(site, fingerprints, first.pages, lambda dest: None if dest == "index.html" else old[dest])
    assert all(o.source is not None for o in again.outputs if o.kind == PAGE)
    assert page_signatures(again) == old


def test_another_shape_makes_the_whole_plan():
    fingerprints = {f"articles/{n}.md": "f" for n in range(2)}
    first = plan(make_site("甲", "乙"), fingerprints)
    retitled = make_site("甲", "乙改")
    edited = {**fingerprints, "articles/1.md": "f2"}  # a new title is another file
    again = plan(retitled, edited, first.pages, page_signatures(first).get)
    assert all(o.source is not None for o in again.outputs if o.kind == PAGE)
    assert again.pages.shape.value != first.pages.shape.value
    assert page_signatures(again) == page_signatures(plan(retitled, edited))


def test_no_page_plan_is_kept_when_a_page_cannot_be_signed():
    site = make_site("甲", "乙")
    assert plan(site, {}).pages is None  # no fingerprints: the reports' own pages are unsignable
