"""The whole build: load the site, plan its outputs, make what changed, swap it in.

:mod:`digest.loading` reads and checks everything first (load → validate →
model); only a site without errors goes on. :func:`digest.plan.plan_site`
lists every file of the site as an :class:`~digest.outputs.Output`;
:func:`write_site` walks that one list, keeps each file whose signature is
unchanged and makes the others (:data:`MAKERS`), through the one writer
(:mod:`digest.write`), which swaps the new tree in whole. The cache
(:mod:`digest.cache`) remembers what the last build made.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import search, unchanged
from .bundles import Earlier
from .cache import BuildCache, collector_paused, folder_key, short_hash
from .changes import Signer, template_rules
from .config import SiteConfig
from .content import Article
from .corrections import new_notices, notice_keys
from .errors import ContentError, ProblemLog
from .i18n import _
from .feeds import entry_contents, render_feed
from .loading import load_site, read_article_file
from .meta import template_helpers
from .options import BuildOptions, Theme, real_output
from .outputs import BUNDLE, BYTES, COPY, FEED, LINK, MADE, PAGE, TEMPLATE, Output
from .parallel import cores, each_result, in_background, result_or_none, shared
from .photos import Pictures, photo_cache_dir, prepare_pictures, remembered_facts
from .plan import PagePlan, plan_search, plan_site
from .progress import Progress, quiet
from .render import make_environment, render_page
from .site import Group, Site
from .summary import make_summary, next_due
from .write import Manifest, OutputChanged, OutputWriter, TreeLooks, Trees, WriteCounts, look_at_trees


LOOK_AHEAD_FILES = 2000  # an output this big is looked at in a second process (see look_ahead)


@dataclass(frozen=True)
class BuildResult:
    site: Site
    log: ProblemLog
    files_written: int  # files whose bytes differ from the previous output
    files_unchanged: int = 0  # files the previous output already held
    photos: dict = field(default_factory=dict)  # src -> ResponsivePhoto, as the pages show them
    new_notices: tuple = ()  # corrections and retractions the last build did not publish



def build(options: BuildOptions, theme: Theme, progress: Progress = quiet,
          inputs: unchanged.Inputs | None = None) -> BuildResult:
    """Load and check everything, render what changed, and swap in the new output.

    The cache beside the output remembers the last build: unchanged files are
    not parsed again, pages whose inputs are unchanged are not rendered again,
    and unchanged bytes are not written again. The output is byte for byte
    what a build without the cache makes. ``inputs``: the stamps of the content
    and theme, taken before anything was read (by :func:`unchanged.unchanged_build`).
    """
    with collector_paused():  # the workers forked meanwhile turn it on again (digest.parallel)
        return _build(options, theme, progress, inputs)


def _build(options: BuildOptions, theme: Theme, progress: Progress, inputs: unchanged.Inputs | None
           ) -> BuildResult:
    options = replace(options, output_dir=real_output(options.output_dir))
    cache = BuildCache(options.output_dir, records_now=False)  # the trees, to look at: the records after
    try:
        looks = look_ahead(options.output_dir, cache)  # first: the longest wait (seconds at 100,000 reports)
        # before the content is read; not for the preview, which never asks whether it has nothing to do
        if not cache.folder or options.preview:
            inputs = None
        elif inputs is None:
            inputs = unchanged.take_inputs(options, theme)
        cache.stamped = inputs.content_signs if inputs is not None else None
        unchanged.forget(options.output_dir)
        cache.read_records()
        gc.freeze()  # the cache's state lives until the end: not for the cycle collector to go over again and again
        try:
            site, log = load_site(options, cache, progress)
        except ContentError:
            cache.save()  # what was learned about the good files stays useful
            raise
        told = tuple(log.problems)  # about the content, as a build with nothing to do tells them again
        gc.freeze()  # and so does the site
        try:
            pictures = prepare_pictures(site, options.content_dir, photo_cache_dir(options.output_dir.absolute()),
                                        remembered_facts(cache), cache.state.renditions)
            cache.update(renditions=pictures.sound)
            written = write_and_swap(site, theme, options, cache, pictures, progress,
                                     looked_at(looks, cache.state.trees))
        except OutputChanged:  # someone removed files from the output meanwhile: trust nothing in it
            cache.update(trees=Trees(None, None), signatures={}, pages=None)
            written = write_and_swap(site, theme, options, cache, pictures, progress)
        del looks  # the trees as found when the build began: not to be held while the cache is saved
        fresh = new_notices(site, cache.state.notices_seen)
        cache.update(notices_seen=notice_keys(site))
        cache.save()
        if inputs is not None:
            remember_build(options, inputs, site, told, cache.state.trees.output, written.counts)
        log.problems.extend(cache.problems)
        for dest in written.foreign:
            log.warning(
                (options.output_dir / dest).as_posix(), 1,
                _("this file was not made by the build, so it was removed: each build replaces "
                  "the output folder whole (put files to publish in the theme's static/ folder)"),
            )
    finally:
        cache.close()
    return BuildResult(site, log, written.counts.written, written.counts.unchanged, pictures.photos, fresh)


def look_ahead(output_dir: Path, cache: BuildCache):
    """Have the output and the spare tree looked at in a second process while the
    content is loaded (a Future of :func:`look_at_trees`), when they are big enough
    for that to pay; else None, and the writer looks at them itself."""
    output = cache.state.trees.output
    if output is None or len(output.ids) < LOOK_AHEAD_FILES:
        return None
    return in_background(_look_at_trees, (output_dir, cache.spare, cache.state.trees))


def _look_at_trees(job: tuple[Path, Path | None, Trees]) -> TreeLooks:
    """In the forked process: what it found, sent without the manifests (:func:`looked_at`)."""
    return look_at_trees(*job).sent()


def looked_at(looks, trees: Trees) -> TreeLooks | None:
    """What :func:`look_ahead` found, with the manifests it was found with; None if it did not look."""
    found = result_or_none(looks)
    return found.received(trees) if found is not None else None


def remember_build(options: BuildOptions, inputs: unchanged.Inputs, site: Site, told: tuple,
                   output: Manifest | None, counts: WriteCounts) -> None:
    """Leave the record by which the next build can tell that it has nothing to do. Not
    for a site with no dates (its feeds are dated by the build's clock) or one whose
    output is not known file by file, nor when a file changed just before it was
    stamped (an edit built at once): the next build could not trust the record, and
    at 100,000 reports writing it takes 0.5 s and reading it 0.3 s."""
    if not inputs.trusted:
        return
    everything = (*site.articles, *site.waiting, *site.retracted)
    dates = [*(a.date for a in everything), *(a.updated for a in everything if a.updated),
             *(c.date for a in everything for c in a.corrections), *(event.date for event in site.events)]
    if not dates or output is None:
        return
    told_log = ProblemLog(list(told))
    unchanged.remember(options.output_dir, unchanged.LastBuild(
        inputs, unchanged.horizon(dates, site.built_at), output, told, make_summary(site, told_log),
        next_due(site), counts.written + counts.unchanged))


@dataclass(frozen=True)
class Written:
    """What the writer did, kept after it is let go (with its records of both trees)."""

    counts: WriteCounts
    foreign: list[str]  # files someone put into the output by hand, removed


def write_and_swap(site: Site, theme: Theme, options: BuildOptions, cache: BuildCache,
                   pictures: Pictures, progress: Progress, looks: TreeLooks | None = None) -> Written:
    """Write the site into the staging folder and swap it in; on failure, leave the output."""
    writer = OutputWriter(options.output_dir, cache.spare, cache.state.trees, cache.earlier_output, looks)
    try:
        signatures, pages = write_site(site, theme, options, writer, cache, pictures, progress)
        writer.finish()
        trees = writer.commit() if writer.changed else Trees(cache.state.trees.output, writer.spare_manifest())
        cache.update(trees=trees, signatures=signatures, pages=pages)
    except BaseException as exc:
        writer.abort()
        cache.update(trees=Trees(cache.state.trees.output, None))  # the spare: trust none of it next time
        if not isinstance(exc, OutputChanged):
            cache.save()
        raise
    return Written(writer.counts, writer.foreign)


def write_site(site: Site, theme: Theme, options: BuildOptions, writer: OutputWriter,
               cache: BuildCache, pictures: Pictures, progress: Progress = quiet
               ) -> tuple[dict[str, str], PagePlan | None]:
    """Put every output of the site into the writer: keep what is unchanged, make the rest.

    Returns the signature of each output that has one, and the pages, for the next build.
    """
    env = make_environment(theme.templates_dir, site.config.language)
    env.globals.update(template_helpers(site, pictures.photos))
    signer = make_signer(site, theme, options, env, cache, pictures.photos)
    bundles = plan_search(site, signer, short_hash(cache.engine, repr(site.config)))
    changed = [output for output in bundles if not is_kept(writer, output, cache.state.signatures)]
    shards = [output.source for output in changed]
    earlier = {shard.name: Earlier(writer.output_dir / output.dest, writer.sound_files(output.dest))
               for shard, output in zip(shards, changed)}
    with search.Indexing(shards, cache.search_text, cache.folder, earlier) as indexing:
        if len(shards) <= cores():  # an edit's shard is indexed while the pages are planned and written;
            indexing.start()  # an archive's many would fight the page workers for the cores (slower)
        old = cache.state.signatures
        plan = plan_site(site, theme.static_dir, pictures, signer, bundles, cache.state.pages,
                         lambda dest: old.get(dest) if writer.current(dest) is not None else None)
        outputs = plan.outputs
        todo: dict[str, list[Output]] = {kind: [] for kind in MAKERS}
        for output in outputs:
            if output.kind != BUNDLE and not is_kept(writer, output, old):
                todo[output.kind].append(output)
        todo[BUNDLE] = changed
        work = Work(site, options, env, signer, writer, indexing, pictures.photos, progress)
        for kind, maker in MAKERS.items():
            if kind == BUNDLE and indexing.started:  # an edit's shard, which the build now waits for
                cache.prepare_save()  # (an archive's many begin only now: nothing to wait for yet)
            maker(todo[kind], work)
    return {output.dest: output.signature for output in outputs if output.signature}, plan.pages


def is_kept(writer: OutputWriter, output: Output, old: dict[str, str]) -> bool:
    """Reuse the output's file (a bundle's folder) when it was made from the same signature,
    or when it is the very file to link (a rendition: 60,000 at 10,000 photos)."""
    if output.ident is not None and writer.current(output.dest) == output.ident:
        writer.keep(output.dest, output.ident)
        return True
    if output.signature is None or old.get(output.dest) != output.signature:
        return False
    if output.kind == BUNDLE:
        return writer.keep_folder(output.dest)
    current = writer.current(output.dest)
    if current is None:
        return False
    writer.keep(output.dest, current)
    return True


# --- the makers: each makes all the outputs of its kind that must be made ----------


@dataclass(frozen=True)
class Work:
    """What the makers need."""

    site: Site
    options: BuildOptions
    env: object  # the Jinja environment
    signer: Signer
    writer: OutputWriter
    indexing: search.Indexing
    photos: dict
    progress: Progress


def make_pages(outputs: list[Output], work: Work) -> None:
    """Render the pages on all cores."""
    text_of = partial(_text_of, work.options.content_dir, work.site.config)
    pages = [_with_text(output.source, work.signer, text_of) for output in outputs]
    done = work.progress.stage(_("writing pages"), len(pages))
    job = PageJob(work.env, work.site, pages, work.options.preview)
    for index, data in enumerate(each_result(_render_page, range(len(pages)), job, done)):
        work.writer.write(pages[index].dest, data)


def make_feeds(outputs: list[Output], work: Work) -> None:
    plans = [output.source for output in outputs]
    job = FeedJob(work.site, plans, work.photos, entry_contents(work.site, plans, work.photos))
    for index, data in enumerate(each_result(_render_feed, range(len(plans)), job, min_items=4)):
        work.writer.write(plans[index].dest, data)


def make_from_templates(outputs: list[Output], work: Work) -> None:
    for output in outputs:
        name, variables = output.source
        work.writer.write(output.dest, work.env.get_template(name).render(**variables).encode("utf-8"))


def make_bytes(outputs: list[Output], work: Work) -> None:
    for output in outputs:
        work.writer.write(output.dest, output.source)


def make_made(outputs: list[Output], work: Work) -> None:
    for output in outputs:
        work.writer.write(output.dest, output.source())


def make_copies(outputs: list[Output], work: Work) -> None:
    for output in outputs:
        work.writer.copy(output.dest, output.source)


def make_links(outputs: list[Output], work: Work) -> None:
    for output in outputs:
        work.writer.link_or_copy(output.dest, output.source, output.ident)


def make_bundles(outputs: list[Output], work: Work) -> None:
    """Move each of Pagefind's bundles into the new tree as soon as it is made."""
    if not outputs:
        return
    shards = [output.source for output in outputs]
    done = work.progress.stage(_("indexing for search"), sum(len(shard.articles) for shard in shards))
    for output, shard in zip(outputs, work.indexing.each_bundle(done)):
        work.writer.adopt_folder(output.dest.rstrip("/"), work.indexing.bundles / shard.name)


MAKERS = {  # in this order: search bundles last, so Pagefind has the most time to work
    PAGE: make_pages,
    FEED: make_feeds,
    TEMPLATE: make_from_templates,
    BYTES: make_bytes,
    MADE: make_made,
    COPY: make_copies,
    LINK: make_links,
    BUNDLE: make_bundles,
}


def make_signer(site: Site, theme: Theme, options: BuildOptions, env, cache: BuildCache,
                photos: dict) -> Signer:
    """What decides whether a page must be rendered again."""
    rules = template_rules(theme.templates_dir, set(env.globals))
    base = short_hash(cache.engine, folder_key(theme.templates_dir), repr(site.config), repr(options.preview))
    return Signer(site, base, cache.fingerprints, rules, photos)


def _with_text(page, signer: Signer, text_of):
    """The page with the Markdown text of the articles it shows, for a theme that
    shows it (the cache keeps no text: the files are read again)."""
    if not signer.rules.text:
        return page
    return replace(page, data={key: _with_text_of(value, text_of) for key, value in page.data.items()})


def _with_text_of(value, text_of):
    if isinstance(value, Article):
        return value if value.body else replace(value, body=text_of(value))
    if isinstance(value, Group):
        return replace(value, articles=tuple(_with_text_of(a, text_of) for a in value.articles))
    if isinstance(value, (list, tuple)):
        return type(value)(_with_text_of(item, text_of) for item in value)
    return value


def _text_of(content_dir: Path, config: SiteConfig, article: Article) -> str:
    """The Markdown text of an article whose front matter came from the cache."""
    fresh, _problems = read_article_file(content_dir / article.source, content_dir, config)
    return fresh.body if fresh is not None else ""


@dataclass(frozen=True)
class PageJob:
    env: object
    site: Site
    pages: list
    preview: bool


def _render_page(index: int) -> bytes:
    """In a worker: render one page of the shared :class:`PageJob`."""
    job = shared()
    return render_page(job.env, job.site, job.pages[index], job.preview)


@dataclass(frozen=True)
class FeedJob:
    site: Site
    plans: list
    photos: dict
    contents: dict  # source -> what its entries show (feeds.entry_contents)


def _render_feed(index: int) -> bytes:
    job = shared()
    return render_feed(job.site, job.plans[index], job.photos, job.contents)
