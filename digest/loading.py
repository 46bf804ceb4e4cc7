"""Load, check and model the content: every file read, every problem found, one Site.

load (sources, front matter) → validate (content) → model (:class:`Site`). All
data from all files is gathered and checked before any page is rendered, so
every page sees the same site, and content with any error stops here: a
:class:`ContentError` carries every problem, and nothing is written.

With a cache, a file whose bytes are unchanged is not parsed again, and a body
whose text and links are unchanged is not rendered again; the rest is spread
over the cores.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field, replace
from functools import partial
from datetime import datetime
from pathlib import Path, PurePosixPath

from . import search, sources
from .cache import BuildCache, file_state
from .config import SiteConfig, load_config
from .content import (Article, Body, Event, RawEvent, event_ids, read_article, read_timeline, rendered_copy,
                      slug_from_filename, with_shared_names)
from .dates import DateProblem, parse_date
from .errors import WARNING, ContentError, ProblemLog
from .i18n import _
from .markdown import LinkContext, MarkdownRenderer, body_text, cut_summary, line_of, reading_minutes
from .options import BuildOptions
from .parallel import each_result, shared
from .photos import (UNREADABLE, Facts, read_picture, remembered_facts, responsive_images, still_image_size,
                     unreadable_message)
from .progress import Progress, quiet
from .site import Site
from .tags import warn_tag_slips

LONG_SUMMARY_FACTOR = 2


def load_site(options: BuildOptions, cache: BuildCache | None = None,
              progress: Progress = quiet) -> tuple[Site, ProblemLog]:
    """Read and check everything; raise :class:`ContentError` with every problem.

    With a ``cache`` that remembers the last build, unchanged files are not
    parsed or rendered again; without one, a cache in memory serves this run.
    """
    cache = cache or BuildCache.in_memory()
    options = replace(options, now=options.build_time)  # one moment for every report: a build takes seconds
    log = ProblemLog()
    content_dir = options.content_dir
    config = load_config(content_dir, log, options.base_url)
    cache.use_config(config)
    everything, unreadable = read_articles(content_dir, config, log, cache, progress, options)
    published = select_published(everything, options, config, log)
    waiting = left_out(everything, published)
    check_slugs(everything, log, published)
    warn_tag_slips(everything, log, cache.slug)
    check_photos(published, content_dir, log, remembered_facts(cache))
    log.extend(as_warnings(check_photos(waiting, content_dir, ProblemLog(), remembered_facts(cache))))
    job = BodyJob.of_site(content_dir, config, published, waiting, unreadable)
    articles, assets, images = render_bodies(published, waiting, job, log, cache, progress)
    articles, note_assets = render_corrections(articles, job, log)
    assets |= note_assets
    raw_events = read_timeline(
        cache.yaml_file(content_dir, sources.TIMELINE_FILE, log), sources.TIMELINE_FILE, config.timezone, log,
    )
    events, detail_assets = link_events(raw_events, everything, articles, job, log, cache)
    assets |= detail_assets
    if log.has_errors:
        raise ContentError(log)
    return Site.create(config, articles, events, options.build_time, assets, images, waiting, cache.slug), log


def read_article_file(path: Path, content_dir: Path, config: SiteConfig) -> tuple[Article | None, ProblemLog]:
    """One file from bytes to a checked Article (body not yet rendered)."""
    log = ProblemLog()
    source = sources.source_path(path, content_dir)
    file = sources.read_text(path, source, log)
    front = file and sources.split_front_matter(file, log)
    if not front:
        return None, with_way_out(log)
    return read_article(front, source, config.timezone, log), log


def with_way_out(log: ProblemLog) -> ProblemLog:
    """A file that cannot be read might be a draft, and nobody can tell: its errors
    stop the build, so each says how to let the other reports be published meanwhile."""
    way_out = _("to publish the other reports meanwhile, move this file out of the articles folder "
                "until it is fixed")
    return ProblemLog([replace(p, message=_("{message} ({advice})").format(message=p.message, advice=way_out))
                       if p.is_error else p for p in log.problems])


def as_warnings(log: ProblemLog) -> ProblemLog:
    """The problems of a report this build leaves out (a draft, a scheduled report):
    they stop nothing, but the editor still hears of them."""
    return ProblemLog([replace(p, severity=WARNING) for p in log.problems])


def read_articles(content_dir: Path, config: SiteConfig, log: ProblemLog, cache: BuildCache,
                  progress: Progress = quiet, options: BuildOptions | None = None) -> tuple[list[Article], set[str]]:
    """Every article file, read and checked; and the files that could not be read
    (a link or an event naming one is not a second error: fixing the file fixes it).

    With ``options``, the problems of a draft or scheduled report that this build
    leaves out are warnings: one editor's unfinished draft never stops the others.
    """
    articles, unreadable = [], set()
    paths = sources.find_articles(content_dir, log)
    for path, (article, found) in zip(paths, read_article_files(paths, content_dir, config, cache, progress)):
        if options is not None and found.has_errors and _is_held_back(path, article, config, options):
            found = as_warnings(found)
        log.extend(found)
        if article is not None:
            articles.append(article)
        else:
            unreadable.add(_source_path(path, content_dir))
    return articles, unreadable


def read_article_files(paths: list[Path], content_dir: Path, config: SiteConfig,
                       cache: BuildCache, progress: Progress = quiet) -> list[tuple[Article | None, ProblemLog]]:
    """:func:`read_article_file` for each path: files the cache knows by their bytes
    are not parsed again, the others are parsed on all cores."""
    names = [_source_path(path, content_dir) for path in paths]
    digests = [cache.digest(source, path) for source, path in zip(names, paths)]
    results: list = [None] * len(paths)
    missing = []
    for index, (source, digest) in enumerate(zip(names, digests)):
        record = cache.record(source, digest)
        if record is None:
            missing.append(index)
        else:
            results[index] = (record.article, ProblemLog(list(record.problems)))
    job = ReadJob(content_dir, config, [paths[i] for i in missing])
    done = progress.stage(_("reading reports"), len(missing))
    for number, (article, found) in enumerate(each_result(_read_one, range(len(missing)), job, done)):
        index = missing[number]
        article = with_shared_names(article) if article is not None else None
        cache.remember(names[index], digests[index], article, found.problems)
        results[index] = (replace(article, body="") if article else None, found)  # read again to render
    cache.forget_missing(set(names))
    return results


def _source_path(path: Path, content_dir: Path) -> str:
    """:func:`sources.source_path` by cutting the text: pathlib's way is slow for 10,000 files."""
    prefix, text = content_dir.as_posix().rstrip("/") + "/", path.as_posix()
    return text[len(prefix):] if text.startswith(prefix) else sources.source_path(path, content_dir)


@dataclass(frozen=True)
class ReadJob:
    content_dir: Path
    config: SiteConfig
    paths: list[Path]


def _read_one(index: int) -> tuple[Article | None, ProblemLog]:
    """In a worker: parse one file of the shared :class:`ReadJob`."""
    job = shared()
    return read_article_file(job.paths[index], job.content_dir, job.config)


def _is_held_back(path: Path, article: Article | None, config: SiteConfig, options: BuildOptions) -> bool:
    """Whether this build leaves the file's report out. A report with errors has no
    Article, so its front matter is read again for what it says of ``draft:`` and ``date:``."""
    if article is not None:
        return is_left_out(article.draft, article.date, options)
    fields = front_fields(path)
    if fields is None:
        return False  # cannot be read, so cannot be known to be a draft
    try:
        moment = parse_date(fields.get("date"), config.timezone)
    except DateProblem:
        moment = None
    return is_left_out(fields.get("draft") is True, moment, options)


def front_fields(path: Path):
    """The raw front matter of an article file, or None if it cannot be read."""
    log = ProblemLog()
    file = sources.read_text(path, path.name, log)
    front = file and sources.split_front_matter(file, log)
    return front.fields if front else None


def is_left_out(draft: bool, moment: datetime | None, options: BuildOptions) -> bool:
    """A draft (without --drafts) or a report dated later than the build (without
    --future); the preview shows them all."""
    if options.preview:
        return False
    scheduled = moment is not None and moment > options.build_time
    return (draft and not options.drafts) or (scheduled and not options.future)


def check_slugs(articles: list[Article], log: ProblemLog, published: list[Article]) -> None:
    """Slugs are unique across all subfolders: each file of a clash names the others.

    A clash is an error only between reports this build publishes; a draft or
    scheduled report that shares a slug is told of it with a warning.
    """
    slugs = [article.slug for article in articles]
    if len(set(slugs)) == len(slugs):
        return  # the usual case, found in one pass (0.1 s → 0.014 s over 100,000 reports)
    sharing: dict[str, list[Article]] = {}
    for article in articles:
        sharing.setdefault(article.slug, []).append(article)
    publishing = {a.source for a in published}
    for slug, group in sharing.items():
        blocking = sum(1 for a in group if a.source in publishing) > 1
        for one in group if len(group) > 1 else ():
            others = _(" and ").join(other.source for other in group if other is not one)
            if "slug" in one.lines:
                message = _("the slug '{slug}' is also used by {others}; two reports cannot share one address: "
                            "give one of them its own line like 'slug: {slug}-2'")
            else:
                message = _("the slug '{slug}' (made from the file name) is also used by {others}; two reports "
                            "cannot share one address: give one of them its own line like 'slug: {slug}-2'")
            (log.error if blocking and one.source in publishing else log.warning)(
                one.source, one.line_of("slug"), message.format(slug=slug, others=others))


def select_published(articles, options: BuildOptions, config: SiteConfig, log: ProblemLog) -> list[Article]:
    """Leave out drafts and scheduled reports unless asked for (or previewing)."""
    chosen = []
    for article in articles:
        if article.draft and not (options.drafts or options.preview):
            continue
        if is_left_out(draft=False, moment=article.date, options=options):
            log.warning(
                article.source, article.line_of("date"),
                _("the date is in the future: the report is scheduled and left out until {date} "
                  "(use --future to include it)").format(date=f"{article.date:%Y-%m-%d %H:%M}"),
            )
            continue
        chosen.append(article)
    return chosen


def left_out(everything: list[Article], published: list[Article]) -> list[Article]:
    """The drafts and scheduled reports this build leaves out (for the pre-publish summary)."""
    chosen = {article.source for article in published}
    return [article for article in everything if article.source not in chosen]


def check_photos(articles: list[Article], content_dir: Path, log: ProblemLog,
                 facts: Facts = read_picture) -> ProblemLog:
    """Every photo exists in the content folder and is an image Pillow can read."""
    inside = sources.resolved(content_dir) or content_dir.absolute()
    real_source = sources.RealSources(content_dir, inside)
    for article in articles:
        for photo in article.photos:
            real = real_source(photo.src)
            step = sources.way_out(content_dir, photo.src, inside) if real is None else None
            if step and step.endswith(".."):
                log.error(article.source, photo.line, _(
                    "the photo '{src}' points outside the content folder; photo paths are relative to the "
                    "content folder, e.g. media/yima.jpg").format(src=photo.src))
                continue
            if step:
                log.error(article.source, photo.line, _(
                    "the photo '{src}' leads outside the content folder: {step} is a symbolic link to a place "
                    "outside it, and nothing from outside is published; copy the picture itself into the "
                    "content folder").format(src=photo.src, step=step))
                continue
            if not (content_dir / photo.src).is_file():
                log.error(
                    article.source, photo.line,
                    _("the photo '{src}' does not exist; photo paths are relative to the content folder "
                      "(not to the article), e.g. media/yima.jpg").format(src=photo.src),
                )
                continue
            folder = sources.version_control_folder(photo.src, real)
            if folder:
                log.error(article.source, photo.line, _(
                    "the photo '{src}' leads into {folder}, a version-control folder, whose files are never published; "
                    "copy the picture into another folder of the content, e.g. media/").format(
                    src=photo.src, folder=folder))
                continue
            try:
                facts(content_dir / photo.src)
            except UNREADABLE as exc:
                log.error(article.source, photo.line, unreadable_message(photo.src, exc))
    return log


def render_bodies(published, waiting, job: BodyJob, log, cache: BuildCache,
                  progress: Progress = quiet) -> tuple[list[Article], set[str], set[str]]:
    """Markdown → clean HTML for every published article, with its summary.

    A body the cache knows (same bytes, and every link it resolved resolves
    the same) is not rendered again; its HTML is fetched only if a page that
    shows it is rendered. The others are rendered on all cores. The drafts and
    scheduled reports this build leaves out are rendered too, for their problems
    (a broken link), which are warnings; nothing else of them is used.
    """
    cache.links_to(job.urls)
    bodies = _bodies_of(published, job, cache, progress)
    for body in _bodies_of(waiting, job, cache).values():
        log.extend(as_warnings(ProblemLog(list(body.problems))))
    cache.bodies.flush()  # before workers are forked to render pages: they read the store
    cache.render_again = partial(render_body, job)
    rendered, assets, images = [], set(), set()
    for article in published:
        body = bodies[article.source]
        log.problems.extend(body.problems)
        if not article.retracted:  # a withdrawn report's page shows none of its files
            assets |= set(dict(body.assets))
            images |= set(body.images)
        if isinstance(body, RenderedBody) and body.html is not None:
            final = Body(body.headings, body.html)
        else:
            final = Body(body.headings, fetch=partial(cache.html, article))
        rendered.append(rendered_copy(article, body="", rendered=final, summary=body.summary,
                                      reading_minutes=body.reading_minutes, body_images=tuple(sorted(body.images))))
    return rendered, assets, images


def _bodies_of(articles: list[Article], job: BodyJob, cache: BuildCache, progress: Progress = quiet) -> dict:
    """Each article's body (by source): the cache's, or rendered on all cores and remembered."""
    found = {a.source: body for a in articles if (body := cache.body(a, job.urls, job.content_dir))}
    todo = [a for a in articles if a.source not in found]
    job = replace(job, articles=todo, digests={a.source: cache.known_digest(a.source) for a in todo})
    done = progress.stage(_("rendering reports"), len(todo))
    for index, body in enumerate(each_result(_render_body, range(len(todo)), job, done)):
        found[todo[index].source] = kept_body(todo[index], body, cache)
    return found


def kept_body(article: Article, body: RenderedBody, cache: BuildCache) -> RenderedBody:
    """A freshly rendered body, remembered in the cache, as the build keeps it in memory:
    without its HTML when the cache's store can give that back to the pages that show it
    (10,000 bodies' HTML is 100 MB), and without its search text, which the cache keeps."""
    stored = cache.remember_body(article, body.html, body.headings, body.summary, body.search_text,
                                 body.problems, body.links, body.assets, body.images, body.is_cacheable,
                                 body.reading_minutes)
    return replace(body, html=None if stored else body.html, search_text="")


@dataclass(frozen=True)
class BodyJob:
    """What the links of a body, a correction note or an event's detail are resolved
    against; and, for the workers, the bodies to render."""

    content_dir: Path
    config: SiteConfig
    urls: dict[str, str]  # source -> URL of every published article
    unpublished: set[str]
    unreadable: set[str]  # article files whose front matter could not be read
    articles: list[Article]
    digests: dict[str, str] = field(default_factory=dict)  # source -> sha256 of the file as it was read

    @classmethod
    def of_site(cls, content_dir: Path, config: SiteConfig, published: list[Article], waiting: list[Article],
                unreadable: set[str]) -> BodyJob:
        """Made once a build: at 100,000 reports, each pass over them costs a tenth of a second."""
        return cls(content_dir, config, {a.source: a.url for a in published}, {a.source for a in waiting},
                   unreadable, [])


@dataclass(frozen=True)
class RenderedBody:
    html: str | None  # None: kept in the cache's store only (see kept_body)
    headings: tuple
    summary: str
    reading_minutes: int
    search_text: str  # the visible text, one word per Chinese character (see digest/search.py)
    problems: tuple
    links: dict[str, str]  # the articles it links to, and their URLs
    assets: dict[str, tuple]  # the content files it links to, and their file_state
    images: frozenset[str]  # those of them it shows as resized pictures
    is_cacheable: bool  # every link resolved (a broken one's message depends on other files)


_renderers = threading.local()  # one Markdown renderer a thread: the preview renders a saved report
# in a thread of its own (digest/quick.py) while a build may render in the main one


def _render_body(index: int) -> RenderedBody:
    """In a worker: render one body of the shared :class:`BodyJob`."""
    job = shared()
    return render_body(job, job.articles[index])


def render_body(job: BodyJob, article: Article) -> RenderedBody:
    """Markdown to clean HTML, with what the pages and the cache need of it."""
    if not article.body:  # the build keeps no text once it is read: read the file again
        article = with_text(job, article)
    renderer = getattr(_renderers, "renderer", None)
    if renderer is None or renderer.language != job.config.language:
        renderer = _renderers.renderer = MarkdownRenderer(job.config.language)
    links = LinkContext(article.source, job.content_dir, job.urls, job.config.allow_iframe_hosts)
    html, headings = renderer.render(article.body, links)
    states = {path: file_state(job.content_dir / path) for path in links.assets}  # before the images are read
    sizes = {path: size for path in links.images if (size := still_image_size(job.content_dir / path))}
    html = responsive_images(html, sizes, links.root)
    found = ProblemLog(titles={article.source: article.title})
    _report_links(links, article.body, article.body_line, article.source, job.unpublished, found, job.unreadable)
    text = body_text(html)
    summary = _summary(article, text.prose, job.config.summary_length, found)
    return RenderedBody(html, headings, summary, reading_minutes(text.visible), search.one_word_per_character(text.visible),
                        tuple(found.problems),
                        {source: job.urls[source] for source in links.linked_sources},
                        states, frozenset(sizes), not links.broken)


def with_text(job: BodyJob, article: Article) -> Article:
    """The article with its Markdown text: the body alone when the file is as it was read,
    else the whole file read again (a file changed since is rendered as it is now)."""
    path = job.content_dir / article.source
    body = sources.read_body(path, article.source, job.digests.get(article.source, ""))
    if body is not None:
        return replace(article, body=body)
    return read_article_file(path, job.content_dir, job.config)[0] or article


def _report_links(links: LinkContext, text: str, first_line: int, source: str, unpublished, log,
                  unreadable: set[str] = frozenset()) -> None:
    """Broken links (and a body nested too deeply) are errors; a link to a report not yet
    out, or a removed embed, a warning; a link to a report whose file could not be read,
    nothing: that file's own errors are told, and fixing them fixes the link."""
    for problem in links.broken:
        line = first_line + problem.line if problem.line is not None else line_of(text, problem.link, first_line)
        if problem.target in unreadable:
            continue
        if problem.target in unpublished:
            log.warning(
                source, line,
                _("the link '{link}' names a draft or scheduled report; it shows as plain text until that "
                  "report is published").format(link=problem.link),
            )
        elif problem.is_error:
            log.error(source, line, problem.message)
        else:
            log.warning(source, line, problem.message)


def render_corrections(articles: list[Article], job: BodyJob, log: ProblemLog) -> tuple[list[Article], set[str]]:
    """Each correction note's Markdown → clean HTML, as on the report's page, with the
    content files its links name. Notes are few and short: rendered every build."""
    renderer, assets, done = MarkdownRenderer(job.config.language), set(), []
    for article in articles:
        notes = []
        for correction in article.corrections:
            links = LinkContext(article.source, job.content_dir, job.urls, job.config.allow_iframe_hosts)
            html = renderer.render(correction.text, links)[0]
            _report_links(links, correction.text, correction.text_line, article.source, job.unpublished, log)
            assets |= links.assets
            notes.append(replace(correction, note_html=html))
        done.append(replace(article, corrections=tuple(notes)) if notes else article)
    return done, assets


def _summary(article: Article, prose: str, limit: int, log: ProblemLog) -> str:
    if article.summary:
        if len(article.summary) > limit * LONG_SUMMARY_FACTOR:
            log.warning(
                article.source, article.line_of("summary"),
                _("the summary has {length} characters, far more than the {limit} a summary should have "
                  "(site.yaml summary_length); shorten it to a sentence or two").format(
                    length=len(article.summary), limit=limit),
            )
        return article.summary
    return cut_summary(prose, limit)


def link_events(raw_events: list[RawEvent], everything, articles, job: BodyJob, log,
                cache: BuildCache) -> tuple[list[Event], set[str]]:
    """Check each event's article and render its detail for the timeline page; with
    the content files the details link to, which are published with the site.

    An event naming a report whose file has errors (``job.unreadable``: their
    sources) is not an error of its own, nor is a link to one in a detail: the
    file's errors are reported, and fixing them fixes the event. A detail's link
    to a draft or scheduled report is a warning, as in a report.
    """
    known = {a.slug for a in everything}
    published = {a.slug for a in articles}
    unreadable_slugs = {slug_from_filename(PurePosixPath(source).name) for source in job.unreadable}
    details = EventDetails(job, cache)
    events = []
    for raw, event_id in zip(raw_events, event_ids(raw_events, sources.TIMELINE_FILE, log)):
        article = raw.article
        if article in unreadable_slugs and article not in known:
            article = ""
        elif article and article not in known:
            log.error(
                sources.TIMELINE_FILE, raw.article_line,
                _names_no_report(article, known),
            )
        elif article and article not in published:
            article = ""  # a draft or scheduled report: no link yet
        detail = details.html(raw, log) if raw.detail else ""
        events.append(Event(raw.date, raw.title, raw.line, raw.place, article, detail, event_id))
    return events, details.assets


@dataclass
class EventDetails:
    """The events' details as HTML: the cache's, or rendered (a timeline of years has
    thousands, and most builds change none of them)."""

    job: BodyJob  # what their links are resolved against
    cache: BuildCache
    renderer: MarkdownRenderer | None = None  # made at the first detail the cache does not know
    assets: set[str] = field(default_factory=set)  # the content files the details link to

    def html(self, raw: RawEvent, log: ProblemLog) -> str:
        job = self.job
        found = self.cache.event_detail(raw.detail, job.urls)
        if found is not None:
            return found
        self.renderer = self.renderer or MarkdownRenderer(job.config.language)
        links = LinkContext(sources.TIMELINE_FILE, job.content_dir, job.urls, job.config.allow_iframe_hosts, root="../")
        html = self.renderer.render(raw.detail, links)[0]
        _report_links(links, raw.detail, raw.detail_line, sources.TIMELINE_FILE, job.unpublished, log, job.unreadable)
        self.assets |= links.assets
        if not links.broken and not links.assets:
            self.cache.remember_event_detail(raw.detail, html, {s: job.urls[s] for s in links.linked_sources})
        return html


def _names_no_report(slug: str, known: set[str]) -> str:
    """The message for an event naming no report, with the slug it probably meant; slugs are what articles say in 'slug:' or their file name."""
    close = difflib.get_close_matches(slug, sorted(known), n=1, cutoff=0.6)
    if close:
        return _("'article: {slug}' names no report: no article has the slug '{slug}'; "
                 "did you mean 'article: {meant}'?").format(slug=slug, meant=close[0])
    return _("'article: {slug}' names no report: no article has the slug '{slug}'; use the slug of a report "
             "(its 'slug:', or its file name without the date and .md)").format(slug=slug)
