"""plan_site(): every file of the built site, as one list, before any is made.

Each module that makes a kind of file says what there is to make; this module
gathers them into one list of :class:`~digest.outputs.Output`, each with the
signature of what it depends on where skipping it is worth a signature (pages,
feeds, search bundles; the rest is cheap to make, and the writer keeps equal
bytes). A new kind of output (a calendar, a corrections page) is a module of
its own and one line here.
"""

from __future__ import annotations

from pathlib import Path

from .calendar import calendar_outputs
from .changes import Signer
from .corrections import correction_pages, corrections_feed
from .feeds import feed_plans
from .outputs import COPY, FEED, PAGE, Output
from .pages import plan_pages
from .photos import Pictures
from .search import bundle_outputs
from .site import Site
from .timeline_json import timeline_json_output
from .sitemap import robots_output, sitemap_output
from .urls import folder

ROOT_ICON = "favicon.ico"


def plan_search(site: Site, signer: Signer, search_base: str) -> list[Output]:
    """The search bundles, planned before the rest (:func:`plan_site`) so that Pagefind
    can begin on those that changed while the pages are planned."""
    return bundle_outputs(site.articles, search_base, signer.fingerprint)


def plan_site(site: Site, static_dir: Path, pictures: Pictures, signer: Signer, bundles: list[Output]) -> list[Output]:
    """Every output of the site: pages, feeds, the sitemap and robots.txt, the
    theme's static files, photos and linked files, and the search ``bundles``."""
    pages = plan_pages(site) + correction_pages(site)
    return [
        *(Output(page.dest, PAGE, page, signer.page(page)) for page in pages),
        *(Output(feed.dest, FEED, feed, signer.feed(feed)) for feed in feed_plans(site, site.config.feed_limit)),
        corrections_feed(site),
        sitemap_output(site, [page.url for page in pages if page.in_sitemap], signer.base),
        robots_output(site),
        *calendar_outputs(site, signer),
        timeline_json_output(site, signer),
        *static_outputs(static_dir),
        *pictures.outputs,
        *bundles,
    ]


def static_outputs(static_dir: Path) -> list[Output]:
    """The theme's static files under ``static/``; its favicon also at the root,
    where browsers and feed readers look for it unasked."""
    outputs = [Output(f"{folder('static')}/{path.relative_to(static_dir).as_posix()}", COPY, path)
               for path in sorted(static_dir.rglob("*")) if path.is_file()]
    if (static_dir / ROOT_ICON).is_file():
        outputs.append(Output(ROOT_ICON, COPY, static_dir / ROOT_ICON))
    return outputs
