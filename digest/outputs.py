"""What one file of the built site is, before it is made: an :class:`Output`.

:func:`digest.plan.plan_site` lists every file of the site as an Output, and
the builder walks that one list: a file whose ``signature`` is the one the
output's file was made from is kept as it is; every other is made by the
maker its ``kind`` names (:data:`digest.builder.MAKERS`) from its ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass

# How an output is made, and what its source is then:
PAGE = "page"  # a digest.pages.Page, rendered with its template (on all cores)
FEED = "feed"  # a digest.feeds.FeedPlan, made with feedgen (on all cores)
TEMPLATE = "template"  # (template name, its variables): a small file laid out by a template
BYTES = "bytes"  # the file's bytes themselves
MADE = "made"  # a function that returns the file's bytes, called only when its signature changed
COPY = "copy"  # a content or theme file (a Path), copied: editors change those in place
LINK = "link"  # a file of the build's own cache (its path), hard-linked: never changed in place
BUNDLE = "bundle"  # a digest.search.Shard, indexed by Pagefind into the folder ``dest``


@dataclass(frozen=True)
class Output:
    """One file (or, for a search bundle, one folder) of the built site."""

    dest: str  # the path in the output folder (a bundle's ends in "/")
    kind: str  # one of the kinds above
    source: object  # what it is made from (see the kinds)
    signature: str | None = None  # a hash of everything its bytes depend on; None: made every build
    ident: str | None = None  # a linked file's identity, when known (write.file_id): kept if the output holds it
