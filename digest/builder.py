"""The whole build, one function per stage.

load (sources) → validate (content) → model (Site) → render (pages, feeds)
→ write (atomically). All data from all files is gathered and checked before
any page is rendered, so every page sees the same site, and a build with any
error in the content writes nothing at all.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from . import sources
from .config import SiteConfig, load_config
from .content import Article, Event, RawEvent, read_article, read_timeline
from .errors import ContentError, Report
from .feeds import site_feeds, sitemap_entries
from .markdown import LinkContext, MarkdownRenderer, cut_summary, line_of, plain_text
from .meta import template_helpers
from .pages import plan_outputs
from .photos import publish_photos
from .render import make_environment, render_page
from .search import index_site
from .site import Site
from .write import OutputWriter

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


def load_site(options: BuildOptions) -> tuple[Site, Report]:
    """Read and check everything; raise :class:`ContentError` with every problem."""
    report = Report()
    content_dir = options.content_dir
    config = load_config(content_dir, report, options.base_url)
    everything = read_articles(content_dir, config, report)
    check_slugs(everything, report)
    published = select_published(everything, options, config, report)
    check_photos(published, content_dir, report)
    articles, assets = render_bodies(published, everything, content_dir, config, report)
    raw_events = read_timeline(
        sources.load_yaml_file(content_dir, sources.TIMELINE_FILE, report),
        sources.TIMELINE_FILE, config.timezone, report,
    )
    events = link_events(raw_events, everything, articles, content_dir, config, report)
    if report.has_errors:
        raise ContentError(report)
    assets |= {photo.src for article in articles for photo in article.photos}
    waiting = left_out(everything, published)
    return Site.create(config, articles, events, options.build_time, assets, waiting), report


def read_article_file(path: Path, content_dir: Path, config: SiteConfig) -> tuple[Article | None, Report]:
    """One file from bytes to a checked Article (body not yet rendered)."""
    report = Report()
    rel = sources.rel_path(path, content_dir)
    source = sources.read_text(path, rel, report)
    front = source and sources.split_front_matter(source, report)
    if not front:
        return None, report
    return read_article(front, rel, config.timezone, report), report


def read_articles(content_dir: Path, config: SiteConfig, report: Report) -> list[Article]:
    articles = []
    for path in sources.find_articles(content_dir):
        article, found = read_article_file(path, content_dir, config)
        report.extend(found)
        if article is not None:
            articles.append(article)
    return articles


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
    for article in articles:
        for photo in article.photos:
            if not _is_content_file(content_dir, photo.src):
                report.error(
                    article.source, photo.line,
                    f"the photo '{photo.src}' does not exist; photo paths are relative "
                    "to the content folder (not to the article), e.g. media/yima.jpg",
                )


def _is_content_file(content_dir: Path, rel: str) -> bool:
    path = (content_dir / rel).resolve()
    return path.is_file() and path.is_relative_to(content_dir.resolve())


def render_bodies(published, everything, content_dir, config, report) -> tuple[list[Article], set[str]]:
    """Markdown → clean HTML for every published article, with its summary."""
    urls = {a.source: a.url for a in published}
    unpublished = {a.source for a in everything} - set(urls)
    renderer = MarkdownRenderer()
    rendered, assets = [], set()
    for article in published:
        links = LinkContext(article.source, content_dir, urls, config.allow_iframe_hosts)
        html, headings = renderer.render(article.body, links)
        _report_links(links, article.body, article.body_line, article.source, unpublished, report)
        assets |= links.assets
        rendered.append(replace(
            article, html=html, headings=headings,
            summary=_summary(article, html, config.summary_length, report),
        ))
    return rendered, assets


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


def _summary(article: Article, html: str, limit: int, report: Report) -> str:
    if article.summary:
        if len(article.summary) > limit * LONG_SUMMARY_FACTOR:
            report.warning(
                article.source, article.line_of("summary"),
                f"the summary has {len(article.summary)} characters, far more than the "
                f"{limit} a summary should have (site.yaml summary_length); shorten it to a sentence or two",
            )
        return article.summary
    return cut_summary(plain_text(html), limit)


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
    files_written: int


def build(options: BuildOptions, theme: Theme) -> BuildResult:
    """Load and check everything, then render and swap in a whole new output."""
    site, report = load_site(options)
    writer = OutputWriter(options.output_dir)
    try:
        write_site(site, theme, options, writer)
        index_site(writer.staging)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildResult(site, report, len(writer.written))


def write_site(site: Site, theme: Theme, options: BuildOptions, writer: OutputWriter) -> None:
    env = make_environment(theme.templates_dir)
    env.globals.update(template_helpers(site, publish_photos(site, options.content_dir, writer)))
    pages = plan_outputs(site)
    for page in pages:
        writer.write(page.dest, render_page(env, site, page, options.preview))
    for feed in site_feeds(site, site.config.feed_limit):
        writer.write(feed.dest, feed.data)
    entries = sitemap_entries(site, [page.url for page in pages if page.in_sitemap])
    writer.write("sitemap.xml", env.get_template("sitemap.xml").render(entries=entries).encode("utf-8"))
    writer.write("robots.txt", robots_txt(site).encode("utf-8"))
    for path in sorted(theme.static_dir.rglob("*")):
        if path.is_file():
            writer.copy("static/" + path.relative_to(theme.static_dir).as_posix(), path)
    for asset in sorted(site.assets):
        writer.copy(asset, options.content_dir / asset)


def robots_txt(site: Site) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"
