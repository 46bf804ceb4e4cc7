"""plan_site(): every file of the built site, as one list, before any is made.

Each module that makes a kind of file says what there is to make; this module
gathers them into one list of :class:`~digest.outputs.Output`, each with the
signature of what it depends on where skipping it is worth a signature (pages,
feeds, search bundles; the rest is cheap to make, and the writer keeps equal
bytes). A new kind of output (a calendar, a corrections page) is a module of
its own and one line here.

Most builds after the first change a report's text and nothing a list shows
of it. Such a site has the shape of the last build's (:meth:`Signer.shape
<digest.changes.Signer.shape>`), so its pages are the last build's
(:class:`PagePlan`): only the pages of the reports whose text changed are
planned and signed again, and the others are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from .calendar import calendar_outputs
from .changes import Shape, Signer
from .corrections import correction_pages, corrections_feed, retracted_page
from .feeds import feed_plans
from .outputs import COPY, FEED, PAGE, Output
from .pages import Page, article_page, plan_pages
from .photos import Pictures
from .search import bundle_outputs
from .site import Site
from .sources import version_control_folder
from .timeline_json import timeline_json_output
from .sitemap import robots_output, sitemap_output
from .urls import folder

ROOT_ICON = "favicon.ico"
NO_CARD = (None, "")  # an article the last build's shape did not list


def plan_search(site: Site, signer: Signer, search_base: str) -> list[Output]:
    """The search bundles, planned before the rest (:func:`plan_site`) so that Pagefind
    can begin on those that changed while the pages are planned."""
    return bundle_outputs(site.articles, search_base, signer.fingerprint)


@dataclass(frozen=True)
class PagePlan:
    """The pages of a build, as far as the next build needs them when its site has the same shape."""

    shape: Shape  # Signer.shape() of the site they were planned for
    dests: tuple[str, ...]  # every page, in the order planned
    sitemap: tuple[str, ...]  # the addresses of the pages the sitemap lists, in that order


@dataclass(frozen=True)
class SitePlan:
    outputs: list[Output]
    pages: PagePlan | None  # None: the next build plans every page


def plan_site(site: Site, static_dir: Path, pictures: Pictures, signer: Signer, bundles: list[Output],
              earlier: PagePlan | None = None, kept_signature: Callable[[str], str | None] = lambda dest: None
              ) -> SitePlan:
    """Every output of the site: pages, feeds, the sitemap and robots.txt, the
    theme's static files, photos and linked files, and the search ``bundles``.

    ``earlier``: the last build's pages; ``kept_signature(dest)``: the signature
    of the page the output holds at ``dest``, if the writer can keep it."""
    shape = signer.shape(earlier.shape if earlier is not None else None)
    pages = None
    if earlier is not None and shape is not None and shape.value == earlier.shape.value:
        pages = pages_again(site, signer, earlier, kept_signature)
    if pages is None:
        planned = plan_pages(site) + correction_pages(site)
        pages = [Output(page.dest, PAGE, page, signer.page(page)) for page in planned]
        dests, listed = tuple(page.dest for page in planned), tuple(page.url for page in planned if page.in_sitemap)
    else:
        dests, listed = earlier.dests, earlier.sitemap
    plan = PagePlan(shape, dests, listed) if shape is not None else None
    outputs = [
        *pages,
        *(Output(feed.dest, FEED, feed, signer.feed(feed)) for feed in feed_plans(site, site.config.feed_limit)),
        corrections_feed(site),
        sitemap_output(site, list(listed), signer.base),
        robots_output(site),
        *calendar_outputs(site, signer),
        timeline_json_output(site, signer),
        *static_outputs(static_dir),
        *pictures.outputs,
        *bundles,
    ]
    return SitePlan(outputs, plan if all(output.signature for output in pages) else None)


def pages_again(site: Site, signer: Signer, earlier: PagePlan,
                kept_signature: Callable[[str], str | None]) -> list[Output] | None:
    """The pages of a site with the shape of the last build's: those of the articles whose
    fingerprint changed planned again, the others kept. None if one cannot be kept."""
    before = earlier.shape.cards  # each article's fingerprint then (the same lists: the same shape)
    remade: dict[str, Page] = {}
    for articles, page_of in ((site.articles, partial(article_page, site)), (site.retracted, retracted_page)):
        for article in articles:
            if signer.fingerprint(article) != before.get(article.source, NO_CARD)[0]:
                page = page_of(article)
                remade[page.dest] = page
    if not remade.keys() <= set(earlier.dests):  # cannot be, with the same shape: plan them all
        return None
    pages = []
    for dest in earlier.dests:
        page = remade.get(dest)
        signature = signer.page(page) if page is not None else kept_signature(dest)
        if signature is None:
            return None
        pages.append(Output(dest, PAGE, page, signature))
    return pages


def static_outputs(static_dir: Path) -> list[Output]:
    """The theme's static files under ``static/``, hidden ones too (``.well-known/``) but
    none in a version-control folder; its favicon also at the root, where browsers and
    feed readers look for it unasked."""
    names = [path.relative_to(static_dir).as_posix() for path in sorted(static_dir.rglob("*")) if path.is_file()]
    outputs = [Output(f"{folder('static')}/{name}", COPY, static_dir / name)
               for name in names if not version_control_folder(name)]
    if (static_dir / ROOT_ICON).is_file():
        outputs.append(Output(ROOT_ICON, COPY, static_dir / ROOT_ICON))
    return outputs
