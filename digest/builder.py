"""The whole build, one function per stage.

load (sources) → validate (content) → model (Site) → render (pages, feeds)
→ write (atomically). All data from all files is gathered and checked before
any page is rendered, so every page sees the same site, and a build with any
error in the content writes nothing at all.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import partial
from datetime import datetime, timezone
from pathlib import Path

from . import search, sources
from .cache import UNLOADED, BuildCache, folder_key, short_hash
from .changes import Signer, template_rules
from .config import SiteConfig, load_config
from .content import Article, Event, RawEvent, read_article, read_timeline
from .errors import ContentError, Report
from .feeds import feed_plans, render_feed, sitemap_entries
from .markdown import LinkContext, MarkdownRenderer, body_text, cut_summary, line_of
from .meta import template_helpers
from .parallel import each_result, shared
from .pages import plan_outputs
from .photos import UNREADABLE, check_readable, photo_cache_dir, publish_file, publish_photos, unreadable_message
from .progress import Progress, quiet
from .render import make_environment, render_page
from .site import Group, Site
from .write import OutputChanged, OutputWriter, Trees

PROJECT_DIR = Path(__file__).resolve().parent.parent

LONG_SUMMARY_FACTOR = 2
PROGRAM_DIRS = ("digest", "templates", "static", "tests", ".git")  # never an output folder


@dataclass(frozen=True)
class Theme:
    """Where the templates and static assets of the site's look live."""

    templates_dir: Path = PROJECT_DIR / "templates"
    static_dir: Path = PROJECT_DIR / "static"


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    content_dir: Path
    output_dir: Path = Path("output")
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    preview: bool = False  # `serve`: show drafts and scheduled reports, marked
    now: datetime | None = None

    @property
    def build_time(self) -> datetime:
        return self.now or datetime.now(timezone.utc)


def unsafe_output(content_dir: Path, output_dir: Path) -> str | None:
    """Why building into ``output_dir`` would destroy something, if it would.

    A build replaces its output folder whole, so the output must not be or
    hold the content, the program, or the folder the editor works in, nor sit
    inside the content or the program's own folders.
    """
    output = output_dir.resolve()
    content = content_dir.resolve()
    program = [PROJECT_DIR / name for name in PROGRAM_DIRS]
    if output.exists() and not output.is_dir():
        return f"--output '{output_dir}' is a file, not a folder; choose a folder such as 'output'"
    for name, folders in (
        ("the content folder", [content]),
        ("the current folder", [Path.cwd().resolve()]),
        ("the program's own files", [PROJECT_DIR, *program]),
    ):
        if any(output == folder or output in folder.parents for folder in folders):
            return (f"--output '{output_dir}' would replace {name}: a build replaces its output "
                    "folder whole; choose a separate folder such as 'output'")
    if any(folder in output.parents for folder in [content, *program]):
        return f"--output '{output_dir}' is inside the content or the program's folders; choose a folder such as 'output'"
    return None


def load_site(options: BuildOptions, cache: BuildCache | None = None,
              progress: Progress = quiet) -> tuple[Site, Report]:
    """Read and check everything; raise :class:`ContentError` with every problem.

    With a ``cache``, unchanged files are not parsed or rendered again.
    """
    report = Report()
    content_dir = options.content_dir
    config = load_config(content_dir, report, options.base_url)
    if cache is not None:
        cache.use_config(config)
    everything = read_articles(content_dir, config, report, cache, progress)
    check_slugs(everything, report)
    published = select_published(everything, options, config, report)
    check_photos(published, content_dir, report)
    articles, assets = render_bodies(published, everything, content_dir, config, report, cache, progress)
    raw_events = read_timeline(
        load_yaml_file(content_dir, sources.TIMELINE_FILE, report, cache),
        sources.TIMELINE_FILE, config.timezone, report,
    )
    events = link_events(raw_events, everything, articles, content_dir, config, report)
    if report.has_errors:
        raise ContentError(report)
    waiting = left_out(everything, published)
    return Site.create(config, articles, events, options.build_time, assets, waiting), report


def load_yaml_file(content_dir: Path, name: str, report: Report, cache: BuildCache | None = None):
    """A whole YAML file (the timeline); the cache keeps it parsed while its bytes stay the same."""
    if cache is None:
        return sources.load_yaml_file(content_dir, name, report)
    return cache.yaml_file(content_dir, name, report)


def read_article_file(path: Path, content_dir: Path, config: SiteConfig) -> tuple[Article | None, Report]:
    """One file from bytes to a checked Article (body not yet rendered)."""
    report = Report()
    rel = sources.rel_path(path, content_dir)
    source = sources.read_text(path, rel, report)
    front = source and sources.split_front_matter(source, report)
    if not front:
        return None, report
    return read_article(front, rel, config.timezone, report), report


def read_articles(content_dir: Path, config: SiteConfig, report: Report,
                  cache: BuildCache | None = None, progress: Progress = quiet) -> list[Article]:
    articles = []
    for article, found in read_article_files(sources.find_articles(content_dir), content_dir, config, cache, progress):
        report.extend(found)
        if article is not None:
            articles.append(article)
    return articles


def read_article_files(paths: list[Path], content_dir: Path, config: SiteConfig,
                       cache: BuildCache | None, progress: Progress = quiet) -> list[tuple[Article | None, Report]]:
    """:func:`read_article_file` for each path: files the cache knows by their bytes
    are not parsed again, the others are parsed on all cores."""
    rels = [_rel_path(path, content_dir) for path in paths]
    digests = [cache.digest(rel, path) for rel, path in zip(rels, paths)] if cache is not None else [""] * len(paths)
    results: list = [None] * len(paths)
    missing = []
    for index, (rel, digest) in enumerate(zip(rels, digests)):
        record = cache.record(rel, digest) if cache is not None else None
        if record is None:
            missing.append(index)
        else:
            results[index] = (record.article, Report(list(record.problems)))
    job = ReadJob(content_dir, config, [paths[i] for i in missing])
    done = progress.stage("reading reports", len(missing))
    for number, (article, found) in enumerate(each_result(_read_one, range(len(missing)), job, done)):
        index = missing[number]
        results[index] = (article, found)
        if cache is not None:
            cache.remember(rels[index], digests[index], article, found.problems)
    if cache is not None:
        cache.forget_missing(set(rels))
    return results


def _rel_path(path: Path, content_dir: Path) -> str:
    """:func:`sources.rel_path` by cutting the text: pathlib's way is slow for 10,000 files."""
    prefix, text = content_dir.as_posix().rstrip("/") + "/", path.as_posix()
    return text[len(prefix):] if text.startswith(prefix) else sources.rel_path(path, content_dir)


@dataclass(frozen=True)
class ReadJob:
    content_dir: Path
    config: SiteConfig
    paths: list[Path]


def _read_one(index: int) -> tuple[Article | None, Report]:
    """In a worker: parse one file of the shared :class:`ReadJob`."""
    job = shared()
    return read_article_file(job.paths[index], job.content_dir, job.config)


def check_slugs(articles: list[Article], report: Report) -> None:
    """Slugs are unique across all subfolders: each file of a clash names the others."""
    sharing: dict[str, list[Article]] = {}
    for article in articles:
        sharing.setdefault(article.slug, []).append(article)
    for slug, group in sharing.items():
        for one in group if len(group) > 1 else ():
            others = " and ".join(other.source for other in group if other is not one)
            origin = "" if "slug" in one.lines else " (made from the file name)"
            report.error(
                one.source, one.line_of("slug"),
                f"the slug '{slug}'{origin} is also used by {others}; two reports cannot share "
                f"one address: give one of them its own line like 'slug: {slug}-2'",
            )


def is_scheduled(article: Article, options: BuildOptions) -> bool:
    return article.date > options.build_time


def select_published(articles, options: BuildOptions, config: SiteConfig, report: Report) -> list[Article]:
    """Leave out drafts and scheduled reports unless asked for (or previewing)."""
    chosen = []
    for article in articles:
        if article.draft and not (options.drafts or options.preview):
            continue
        if is_scheduled(article, options) and not (options.future or options.preview):
            report.warning(
                article.source, article.line_of("date"),
                f"the date is in the future: the report is scheduled and left out "
                f"until {article.date:%Y-%m-%d %H:%M} (use --future to include it)",
            )
            continue
        chosen.append(article)
    return chosen


def left_out(everything: list[Article], published: list[Article]) -> list[Article]:
    """The drafts and scheduled reports this build leaves out (for the pre-publish report)."""
    chosen = {article.source for article in published}
    return [article for article in everything if article.source not in chosen]


def check_photos(articles: list[Article], content_dir: Path, report: Report) -> None:
    """Every photo exists in the content folder and is an image Pillow can read."""
    for article in articles:
        for photo in article.photos:
            if not _is_content_file(content_dir, photo.src):
                report.error(
                    article.source, photo.line,
                    f"the photo '{photo.src}' does not exist; photo paths are relative "
                    "to the content folder (not to the article), e.g. media/yima.jpg",
                )
                continue
            try:
                check_readable(content_dir / photo.src)
            except UNREADABLE as exc:
                report.error(article.source, photo.line, unreadable_message(photo.src, exc))


def _is_content_file(content_dir: Path, rel: str) -> bool:
    path = (content_dir / rel).resolve()
    return path.is_file() and path.is_relative_to(content_dir.resolve())


def render_bodies(published, everything, content_dir, config, report, cache: BuildCache | None = None,
                  progress: Progress = quiet) -> tuple[list[Article], set[str]]:
    """Markdown → clean HTML for every published article, with its summary.

    A body the cache knows (same bytes, and every link it resolved resolves
    the same) is not rendered again; its HTML is loaded only if a page that
    shows it is rendered. The others are rendered on all cores.
    """
    urls = {a.source: a.url for a in published}
    unpublished = {a.source for a in everything} - set(urls)
    known = {}
    if cache is not None:
        known = {a.source: body for a in published if (body := cache.body(a, urls, content_dir))}
    todo = [a for a in published if a.source not in known]
    job = BodyJob(content_dir, config, urls, unpublished, todo)
    done = progress.stage("rendering reports", len(todo))
    fresh = {todo[i].source: body for i, body in enumerate(each_result(_render_body, range(len(todo)), job, done))}
    rendered, assets = [], set()
    for article in published:
        body = known.get(article.source) or fresh[article.source]
        report.problems.extend(body.problems)
        assets |= set(body.assets)
        html = body.html if isinstance(body, RenderedBody) else UNLOADED
        if cache is not None and isinstance(body, RenderedBody):
            cache.remember_body(article, body.html, body.headings, body.summary, body.search_text,
                                body.problems, body.links, body.assets, body.is_cacheable)
        rendered.append(replace(article, html=html, headings=body.headings, summary=body.summary))
    return rendered, assets


@dataclass(frozen=True)
class BodyJob:
    content_dir: Path
    config: SiteConfig
    urls: dict[str, str]  # source -> URL of every published article
    unpublished: set[str]
    articles: list[Article]


@dataclass(frozen=True)
class RenderedBody:
    html: str
    headings: tuple
    summary: str
    search_text: str  # the visible text, one word per Chinese character (see digest/search.py)
    problems: tuple
    links: dict[str, str]  # the articles it links to, and their URLs
    assets: frozenset[str]  # the content files it links to
    is_cacheable: bool  # every link resolved (a broken one's message depends on other files)


_renderer: MarkdownRenderer | None = None


def _render_body(index: int) -> RenderedBody:
    """In a worker: render one body of the shared :class:`BodyJob`."""
    global _renderer
    job = shared()
    article = job.articles[index]
    if not article.body:  # from the cache, which keeps no text: read the file again
        article = read_article_file(job.content_dir / article.source, job.content_dir, job.config)[0] or article
    _renderer = _renderer or MarkdownRenderer()
    links = LinkContext(article.source, job.content_dir, job.urls, job.config.allow_iframe_hosts)
    html, headings = _renderer.render(article.body, links)
    found = Report()
    _report_links(links, article.body, article.body_line, article.source, job.unpublished, found)
    text = body_text(html)
    summary = _summary(article, text.prose, job.config.summary_length, found)
    return RenderedBody(html, headings, summary, search.one_word_per_character(text.visible), tuple(found.problems),
                        {source: job.urls[source] for source in links.linked_sources},
                        frozenset(links.assets), not links.broken)


def _report_links(links: LinkContext, text: str, first_line: int, source: str, unpublished, report) -> None:
    """Broken links are errors; a link to a report not yet out, or a removed embed, a warning."""
    for problem in links.broken:
        line = line_of(text, problem.link, first_line)
        if problem.target in unpublished:
            report.warning(
                source, line,
                f"the link '{problem.link}' names a draft or scheduled report; "
                "it shows as plain text until that report is published",
            )
        elif problem.is_error:
            report.error(source, line, problem.message)
        else:
            report.warning(source, line, problem.message)


def _summary(article: Article, prose: str, limit: int, report: Report) -> str:
    if article.summary:
        if len(article.summary) > limit * LONG_SUMMARY_FACTOR:
            report.warning(
                article.source, article.line_of("summary"),
                f"the summary has {len(article.summary)} characters, far more than the "
                f"{limit} a summary should have (site.yaml summary_length); shorten it to a sentence or two",
            )
        return article.summary
    return cut_summary(prose, limit)


def link_events(raw_events: list[RawEvent], everything, articles, content_dir, config, report) -> list[Event]:
    """Check each event's article and render its detail for the timeline page."""
    known = {a.slug for a in everything}
    published = {a.slug for a in articles}
    urls = {a.source: a.url for a in articles}
    renderer = MarkdownRenderer()
    events = []
    for raw in raw_events:
        article = raw.article
        if article and article not in known:
            report.error(
                sources.TIMELINE_FILE, raw.article_line,
                f"'article: {article}' names no report: no article has the slug '{article}'"
                f"{_slug_hint(article, known)}",
            )
        elif article and article not in published:
            article = ""  # a draft or scheduled report: no link yet
        links = LinkContext(sources.TIMELINE_FILE, content_dir, urls, config.allow_iframe_hosts, page_prefix="../")
        detail = renderer.render(raw.detail, links)[0] if raw.detail else ""
        _report_links(links, raw.detail, raw.detail_line, sources.TIMELINE_FILE, set(), report)
        events.append(Event(raw.date, raw.title, raw.line, raw.place, article, detail))
    return events


def _slug_hint(slug: str, known: set[str]) -> str:
    """The slug an event probably meant; slugs are what articles say in 'slug:' or their file name."""
    close = difflib.get_close_matches(slug, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean 'article: {close[0]}'?"
    return "; use the slug of a report (its 'slug:', or its file name without the date and .md)"


@dataclass(frozen=True)
class BuildResult:
    site: Site
    report: Report
    files_written: int  # files whose bytes differ from the previous output
    files_unchanged: int = 0  # files the previous output already held



def build(options: BuildOptions, theme: Theme, progress: Progress = quiet) -> BuildResult:
    """Load and check everything, render what changed, and swap in the new output.

    The cache beside the output remembers the last build: unchanged files are
    not parsed again, pages whose inputs are unchanged are not rendered again,
    and unchanged bytes are not written again. The output is byte for byte
    what a build without the cache makes.
    """
    cache = BuildCache(options.output_dir)
    try:
        try:
            site, report = load_site(options, cache, progress)
        except ContentError:
            cache.save()  # what was learned about the good files stays useful
            raise
        try:
            writer = write_and_swap(site, theme, options, cache, progress)
        except OutputChanged:  # someone removed files from the output: trust nothing in it
            cache.update(trees=Trees(None, None), signatures={}, search_keys={})
            writer = write_and_swap(site, theme, options, cache, progress)
        cache.save()
        for dest in writer.foreign:
            report.warning(
                (options.output_dir / dest).as_posix(), 1,
                "this file was not made by the build, so it was removed: each build replaces "
                "the output folder whole (put files to publish in the theme's static/ folder)",
            )
    finally:
        cache.close()
    return BuildResult(site, report, writer.counts.written, writer.counts.unchanged)


def write_and_swap(site: Site, theme: Theme, options: BuildOptions, cache: BuildCache,
                   progress: Progress) -> OutputWriter:
    """Write the site into the staging folder and swap it in; on failure, leave the output."""
    writer = OutputWriter(options.output_dir, cache.spare, cache.state.trees, cache.spare_changing)
    try:
        signatures = write_site(site, theme, options, writer, cache, progress)
        search_keys = update_search(site, writer, cache, progress)
        swap_in(writer, cache, signatures, search_keys)
    except BaseException as exc:
        writer.abort()
        cache.update(trees=Trees(cache.state.trees.output, None))  # the spare: read it afresh next time
        if not isinstance(exc, OutputChanged):
            cache.save()
        raise
    return writer


def swap_in(writer: OutputWriter, cache: BuildCache, signatures: dict[str, str], search_keys: dict[str, str]) -> None:
    """Exchange the staging folder with the output, unless they would be the same."""
    writer.finish()
    if writer.changed:
        trees = writer.commit()
    else:
        trees = Trees(cache.state.trees.output, writer.spare_files())
    cache.update(trees=trees, signatures=signatures, search_keys=search_keys)


def update_search(site: Site, writer: OutputWriter, cache: BuildCache, progress: Progress = quiet) -> dict[str, str]:
    """Index again the search shards whose reports changed; keep the others' bundles.

    Returns what each shard's bundle was made from, for the next build.
    """
    config_key = short_hash(cache.engine, repr(site.config))
    keys, todo = {}, []
    for name, articles in search.shards(site.articles).items():
        keys[name] = short_hash(config_key, *(f"{a.url} {cache.fingerprint(a)}" for a in articles))
        prefix = f"{search.SEARCH_FOLDER}/{name}/"
        kept = {dest: ident for dest, ident in writer.before.items() if dest.startswith(prefix)}
        if cache.state.search_keys.get(name) == keys[name] and kept:
            for dest, ident in kept.items():
                writer.keep(dest, ident)
        else:
            todo.append(search.Shard(name, articles))
    if todo:
        writer.finish(materialize=True)
        for shard in todo:
            writer.clear_folder(f"{search.SEARCH_FOLDER}/{shard.name}")
        progress.stage("indexing for search", None, size=sum(len(shard.articles) for shard in todo))
        search.index_shards(todo, cache.search_text, writer.staging / search.SEARCH_FOLDER, cache.folder)
        for shard in todo:
            writer.register_folder(f"{search.SEARCH_FOLDER}/{shard.name}")
    return keys


def write_site(site: Site, theme: Theme, options: BuildOptions, writer: OutputWriter,
               cache: BuildCache | None = None, progress: Progress = quiet) -> dict[str, str]:
    """Put every file of the site into the writer; render only what changed.

    Returns the signature of each rendered file, for the next build.
    """
    env = make_environment(theme.templates_dir)
    photos = publish_photos(site, options.content_dir, writer)
    env.globals.update(template_helpers(site, photos))
    signer = make_signer(site, theme, options, env, cache, photos)
    old = cache.state.signatures if cache is not None else {}
    signatures: dict[str, str] = {}
    pages = plan_outputs(site)
    todo = []
    for page in pages:
        signatures[page.dest] = signer.page(page) if signer else None
        if not _keep(writer, page.dest, signatures[page.dest], old):
            todo.append(_with_bodies(page, cache, signer, partial(_text_of, options.content_dir, site.config)))
    done = progress.stage("writing pages", len(todo))
    job = PageJob(env, site, todo, options.preview)
    for index, data in enumerate(each_result(_render_page, range(len(todo)), job, done)):
        writer.write(todo[index].dest, data)
    write_feeds(site, writer, signer, old, signatures, cache, photos)
    entries = sitemap_entries(site, [page.url for page in pages if page.in_sitemap])
    writer.write("sitemap.xml", env.get_template("sitemap.xml").render(entries=entries).encode("utf-8"))
    writer.write("robots.txt", robots_txt(site).encode("utf-8"))
    for path in sorted(theme.static_dir.rglob("*")):
        if path.is_file():
            writer.copy("static/" + path.relative_to(theme.static_dir).as_posix(), path)
    for asset in sorted(site.assets):
        publish_file(asset, options.content_dir / asset, photo_cache_dir(writer.output_dir), writer)
    return {dest: signature for dest, signature in signatures.items() if signature}


def write_feeds(site: Site, writer: OutputWriter, signer: Signer | None, old: dict, signatures: dict,
                cache: BuildCache | None, photos: dict) -> None:
    """The site's feeds and one per place; a feed whose entries are unchanged is kept."""
    todo = []
    for plan in feed_plans(site, site.config.feed_limit):
        signature = signer.feed(plan.dest, plan.articles, plan.title, plan.page_url, plan.description,
                                repr(plan.atom)) if signer else None
        signatures[plan.dest] = signature
        if not _keep(writer, plan.dest, signature, old):
            articles = tuple(cache.full(a) for a in plan.articles) if cache is not None else plan.articles
            todo.append(replace(plan, articles=articles))
    job = FeedJob(site, todo, photos)
    for index, data in enumerate(each_result(_render_feed, range(len(todo)), job, min_items=4)):
        writer.write(todo[index].dest, data)


def _keep(writer: OutputWriter, dest: str, signature: str | None, old: dict) -> bool:
    """Reuse the output's file when it was made from the same signature."""
    current = writer.current(dest)
    if signature is None or current is None or old.get(dest) != signature:
        return False
    writer.keep(dest, current)
    return True


def make_signer(site: Site, theme: Theme, options: BuildOptions, env, cache: BuildCache | None,
                photos: dict) -> Signer | None:
    """What decides whether a page must be rendered again (nothing without a cache)."""
    if cache is None:
        return None
    rules = template_rules(theme.templates_dir, set(env.globals))
    base = short_hash(cache.engine, folder_key(theme.templates_dir), repr(site.config), repr(options.preview))
    return Signer(site, base, cache.fingerprints, rules, photos)


def _with_bodies(page, cache: BuildCache | None, signer: Signer | None, text_of):
    """The page with the HTML of the articles it shows loaded from the cache
    (and their text read again, for a theme that shows it)."""
    if cache is None:
        return page
    whole = signer is None or not signer.rules.cards
    text_of = text_of if signer is None or signer.rules.text else None
    data = {key: _loaded(value, cache, whole or key == "article", text_of) for key, value in page.data.items()}
    return replace(page, data=data)


def _loaded(value, cache: BuildCache, whole: bool, text_of):
    if isinstance(value, Article):
        return cache.full(value, text_of) if whole else value
    if not whole:
        return value
    if isinstance(value, Group):
        return replace(value, articles=tuple(cache.full(a, text_of) for a in value.articles))
    if isinstance(value, (list, tuple)):
        return type(value)(_loaded(item, cache, whole, text_of) for item in value)
    return value


def _text_of(content_dir: Path, config: SiteConfig, article: Article) -> str:
    """The Markdown text of an article whose front matter came from the cache."""
    fresh, _ = read_article_file(content_dir / article.source, content_dir, config)
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


def _render_feed(index: int) -> bytes:
    job = shared()
    return render_feed(job.site, job.plans[index], job.photos)


def robots_txt(site: Site) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
