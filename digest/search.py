"""Full-text search: Pagefind indexes the reports, a part of the archive at a time.

Chinese has no spaces between words. Pagefind segments the page with jieba
when it indexes, but the browser segments the query with ``Intl.Segmenter``,
and where the two disagree a report that contains the words is missed
(Pagefind issues 659, 889, 987: 红白喜事 is one word to jieba and 红/白/喜事
to the browser). So we let neither segmenter decide: Pagefind is given, for
each report, a record of its visible text with a hair space around every
Chinese character (:func:`one_word_per_character`), which it indexes one
character per word, and ``static/search.js`` asks for each query term as an
exact phrase of characters. That finds exactly the reports that contain the
term, as a reader expects from ``Ctrl+F``. The records say their language is
undetermined (``und``), so that Pagefind does not run jieba over words of one
character: that halves its CPU time. Pagefind splits the words of an
undetermined language at whitespace only, so the break must be a space (a
zero-width space, which is not one, would make a paragraph one word); its
excerpts show every break as a plain space, and search.js takes out each
space beside a Chinese character.

Pagefind cannot update an index, and indexing costs about 3 ms a report, so
the archive is indexed in shards: a year, or part of a year when the year has
more than :data:`SHARD_SIZE` reports. Each shard is its own Pagefind bundle in
``pagefind/<shard>/``; the browser merges them (Pagefind's ``mergeIndex``:
the merged bundles share the first one's WebAssembly, so a reader fetches
only a small entry file per bundle, and the index chunks a query needs). A
build indexes again only the shards whose reports changed, so fixing a typo
re-indexes a few hundred reports, not the archive, and does it in the
background while the pages are written (:class:`Indexing`). A shard indexed
again begins with the files of its last bundle that Pagefind would write the
same, which it then does not compress again (:mod:`digest.bundles`).
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable, Iterator

import pagefind_bin_extended

from . import bundles
from .bundles import Earlier, Seeds
from .cache import short_hash
from .content import Article
from .dates import chinese_datetime
from .i18n import _
from .outputs import BUNDLE, Output
from .parallel import cores, dies_with
from .urls import folder

WORD_BREAK = "\u200a"  # hair space: whitespace, so a word boundary to Pagefind, and barely visible
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
IDEOGRAPH_RUN = re.compile(f"[{IDEOGRAPHS}]+")

SEARCH_FOLDER = folder("search_bundles")
SCRATCH_PREFIX = "search-"  # the folders records are written to while Pagefind reads them
SHARD_SIZE = 300  # reports a shard holds at most, near enough: about 1 s to index again (3 ms each)
NOT_SERVED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
              "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class SearchIndexError(RuntimeError):
    pass


def one_word_per_character(text: str) -> str:
    """``红白喜事 2020年`` → ``红 白 喜 事 2020 年`` (hair spaces; whitespace in the text becomes one space)."""
    spaced = IDEOGRAPH_RUN.sub(_spelled_out, " ".join(text.split()))  # split() also takes hair spaces out
    return spaced.replace(WORD_BREAK + " ", " ").replace(" " + WORD_BREAK, " ").strip(WORD_BREAK)


def _spelled_out(run: re.Match) -> str:
    return WORD_BREAK + WORD_BREAK.join(run.group()) + WORD_BREAK


# --- shards ---------------------------------------------------------------------


def shards(articles: list[Article]) -> dict[str, list[Article]]:
    """The reports of each shard, newest shard first.

    A year of up to :data:`SHARD_SIZE` reports is one shard (``2020``); a
    bigger year is cut into runs of whole months (``2020-01``, ``2020-07``:
    the month each begins). Shards follow the calendar, not a count, so a new
    report changes only its own shard, unless its year grows past a size and
    is cut anew.
    """
    years: dict[int, list[Article]] = {}
    for article in articles:
        years.setdefault(article.date.year, []).append(article)
    found: dict[str, list[Article]] = {}
    for year in sorted(years, reverse=True):
        parts = min(12, math.ceil(len(years[year]) / SHARD_SIZE))
        for article in years[year]:
            part = (article.date.month - 1) * parts // 12
            first_month = -(-part * 12 // parts) + 1  # the first month m with (m - 1) * parts // 12 == part
            found.setdefault(f"{year}-{first_month:02d}" if parts > 1 else str(year), []).append(article)
    return dict(sorted(found.items(), reverse=True))


def bundle_outputs(articles: list[Article], base: str, fingerprint: Callable[[Article], str]) -> list[Output]:
    """A bundle per shard, signed by what it indexes: ``base`` (the engine and
    site.yaml) and the address and fingerprint of each of its reports."""
    return [Output(f"{SEARCH_FOLDER}/{name}/", BUNDLE, Shard(name, members),
                   short_hash(base, *(f"{a.url} {fingerprint(a)}" for a in members)))
            for name, members in shards(articles).items()]


def bundle_urls(articles: list[Article]) -> list[str]:
    """The address of each shard's bundle from the site root, newest first:
    what the search page merges."""
    return [f"{SEARCH_FOLDER}/{name}/" for name in shards(articles)]


# --- what Pagefind reads --------------------------------------------------------


def record_html(article: Article, body_text: str) -> str:
    """The page Pagefind indexes for one report: its visible text, one word per
    Chinese character, the title weighed more, and the facts a result shows.

    The body comes first and the facts (place, byline, tags, photo captions)
    after it: they still match, but a result's excerpt is cut where a term is
    found first and most, which is then the text, not a row of tags. The dates
    are not indexed: a result shows them in its heading.
    """
    parts = [article.place, article.byline, "、".join(article.tags)]
    parts += [photo.caption + (f"（摄影：{photo.credit}）" if photo.credit else "")
              for photo in article.unplaced_photos]
    facts = one_word_per_character(" · ".join(part for part in parts if part))
    meta = {"url": "/" + article.url, "title": article.title, "date": chinese_datetime(article.date),
            "datetime": article.date.isoformat(), "place": article.place}
    meta_html = "".join(f'<span data-pagefind-meta="{name}">{escape(value)}</span>'
                        for name, value in meta.items() if value)
    return (
        '<!doctype html><html lang="und"><head><meta charset="utf-8">'
        f"<title>{escape(article.title)}</title></head><body data-pagefind-body>"
        f'<p data-pagefind-weight="10">{escape(one_word_per_character(article.title))}</p>'
        f"<p>{escape(body_text)}</p><p>{escape(facts)}</p>"
        f"<p data-pagefind-ignore>{meta_html}</p></body></html>\n"
    )


def record_path(article: Article) -> str:
    """Where the record goes in the folder Pagefind reads: all in one folder, which
    is quicker to write than a folder each (a result's address is its ``url`` meta)."""
    return article.slug + ".html"


# --- running Pagefind -----------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    """A shard to index: its name and its reports."""

    name: str
    articles: list[Article]


class Indexing:
    """Pagefind at work on shards, as many at once as there are cores, each
    bundle made in ``bundles/<shard>/`` of a scratch folder: in the background
    while the build writes its pages, once :meth:`start` is called.

    ``scratch`` is the cache's folder, locked for this build: records left
    there by a build that was killed are removed first. Used as a context
    manager: on leaving it, shards not yet begun are not begun, and the
    scratch folder is removed.
    """

    def __init__(self, todo: list[Shard], text_of: Callable[[Article], str], scratch: Path,
                 earlier: dict[str, Earlier] | None = None):
        """``earlier``: the output's bundle of each shard, to begin its new one with (:mod:`digest.bundles`)."""
        self.todo = todo
        self.text_of = text_of
        self.scratch = scratch
        self.earlier = earlier or {}
        self.work: Path | None = None  # made when work starts: a build with nothing to index writes nothing
        self._pool = ThreadPoolExecutor(max_workers=cores())
        self._runs: list | None = None

    @property
    def started(self) -> bool:
        """Whether Pagefind was set to work (:meth:`start`)."""
        return self._runs is not None

    @property
    def bundles(self) -> Path:
        return self.work / "bundles"

    def start(self) -> None:
        """Write each shard's records and set Pagefind to work on it, at once (only once)."""
        if self._runs is not None:
            return
        self._runs = []
        for stale in self.scratch.glob(SCRATCH_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.work = Path(tempfile.mkdtemp(dir=self.scratch, prefix=SCRATCH_PREFIX))
        for shard in self.todo:
            site = self.work / "records" / shard.name
            site.mkdir(parents=True)
            for article in shard.articles:
                (site / record_path(article)).write_text(record_html(article, self.text_of(article)), encoding="utf-8")
            bundle = self.bundles / shard.name
            bundle.mkdir(parents=True)
            earlier = self.earlier.get(shard.name)  # copied here, not in the thread: it would wait for
            seeds = bundles.seed(earlier, bundle) if earlier is not None else None  # the GIL at each file
            self._runs.append(self._pool.submit(index_folder, site, bundle, seeds))

    def each_bundle(self, done: Callable[[int], None] | None = None) -> Iterator[Shard]:
        """Each shard once its bundle is made, in order, so that the caller takes it in while
        Pagefind works on the next; ``done`` is told the reports of each shard indexed (a progress bar)."""
        self.start()
        for shard, run in zip(self.todo, self._runs):
            run.result()
            if done:
                done(len(shard.articles))
            yield shard

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)  # waits for the shards begun: Pagefind writes in work
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@functools.cache
def pagefind_program() -> str:
    """The Pagefind binary that ``pagefind[extended]`` installed, run directly:
    ``python -m pagefind`` would start an interpreter per shard (0.07 s each)."""
    return str(pagefind_bin_extended.get_executable())


def index_folder(site: Path, bundle: Path, seeds: Seeds | None = None) -> None:
    """Pagefind over the pages of ``site``, its bundle written to ``bundle``, which holds the
    ``seeds`` copied from the last bundle, if any (:mod:`digest.bundles`)."""
    run_pagefind(site, bundle)
    if seeds is not None:
        try:
            bundles.prune(bundle, seeds)
        except bundles.UnknownBundle:  # a copy it kept may be another file: from nothing, then
            bundles.empty(bundle)
            run_pagefind(site, bundle)
    for name in NOT_SERVED:  # the page uses Pagefind's API, not its ready-made interfaces
        (bundle / name).unlink(missing_ok=True)
    shutil.rmtree(site)  # the records are read: they need not wait for the other shards


def run_pagefind(site: Path, bundle: Path) -> None:
    command = [pagefind_program(), "--site", str(site), "--output-path", str(bundle), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, preexec_fn=dies_with(os.getpid()))
    if result.returncode != 0:
        raise SearchIndexError(_("pagefind failed: {reason}").format(
            reason=result.stderr.strip() or result.stdout.strip()))
