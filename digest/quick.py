"""The preview's quick path: one saved report to its page, from the site kept in memory.

After a good build, ``serve`` keeps the Site it loaded (:class:`Kept`). When the one
file saved is a report the site already shows, what lists show of it (its card:
every front-matter field and the summary, :data:`digest.changes.CARD_FIELDS`) is
unchanged, and its body renders without a problem, the one page that shows
something new is the report's own: its body is shown nowhere else but in the
feeds and the search index. That page is rendered from the kept site and the one
file read again, served from memory at once, and the ordinary build follows to
bring the feeds, the search index and the files on disk up to date. The page is
made by the same code from the same data as the build makes it, so its bytes are
the build's (tests/test_quick.py compares them). Anything else is left to the build.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment

from .builder import BuildResult
from .changes import CARD_FIELDS, template_rules
from .content import Article, Body
from .loading import BodyJob, read_article_file, render_body
from .meta import template_helpers
from .pages import article_page
from .render import Theme, make_environment, render_page, speak
from .site import Site
from .sources import ARTICLES_DIR


@dataclass(frozen=True)
class Kept:
    """What the last good build of the preview leaves in memory for the quick path."""

    site: Site
    env: Environment  # the theme's templates, with the helpers the build gives them
    by_source: dict[str, Article]
    urls: dict[str, str]  # source -> URL of every report shown, as links resolve them
    quick: bool  # the theme shows a body only on its report's own page (else: no quick path)


@dataclass(frozen=True)
class QuickPage:
    """A page made ahead of the build: where it goes in the output, and its bytes."""

    dest: str
    data: bytes


def keep(result: BuildResult, theme: Theme, env: Environment | None = None) -> Kept:
    """What to keep of a good build; ``env`` (the last one) is reused, its templates
    reloaded by Jinja when their files change."""
    if env is None:
        env = make_environment(theme.templates_dir, result.site.config.language)
    else:
        speak(env, result.site.config.language)
    env.globals.update(template_helpers(result.site, result.photos))
    rules = template_rules(theme.templates_dir, set(env.globals))
    site = result.site
    for article in site.articles:  # a quick page shows only the saved report's body, read again;
        article.rendered.forget()  # the others' HTML and the build cache behind it need not stay
    return Kept(site, env, {a.source: a for a in site.articles}, {a.source: a.url for a in site.articles},
                rules.skip and rules.cards)


def saved_report(paths: set[Path], content_dir: Path) -> str | None:
    """The source of the one report file saved, when a batch of changes is just that."""
    if len(paths) != 1:
        return None
    path = next(iter(paths))
    root = content_dir.absolute()
    if not path.is_relative_to(root / ARTICLES_DIR) or path.suffix != ".md" or path.is_symlink() or not path.is_file():
        return None
    return path.relative_to(root).as_posix()


def quick_page(kept: Kept, content_dir: Path, source: str, preview: bool = True) -> QuickPage | None:
    """The page of the report at ``source`` as it now reads, or None when the
    change may show elsewhere (or has a problem to tell): the build makes it then."""
    old = kept.by_source.get(source)
    if old is None or not kept.quick:
        return None
    article, log = read_article_file(content_dir / source, content_dir, kept.site.config)
    if article is None or log.problems:
        return None
    body = render_body(BodyJob(content_dir, kept.site.config, kept.urls, set(), set(), [article]), article)
    if body.problems or set(body.assets) - kept.site.assets or body.images - kept.site.images:
        return None
    final = replace(article, rendered=Body(body.headings, body.html), summary=body.summary,
                    reading_minutes=body.reading_minutes, body_images=tuple(sorted(body.images)))
    if CARD_FIELDS(final) != CARD_FIELDS(old):
        return None
    page = article_page(kept.site, old)
    page = replace(page, data={**page.data, "article": final})
    return QuickPage(page.dest, render_page(kept.env, kept.site, page, preview))
