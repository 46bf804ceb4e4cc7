"""The whole build: load the site, then render what changed and swap it in.

:mod:`digest.loading` reads and checks everything first (load → validate →
model); only a site without errors reaches render (pages, feeds, search) →
write (atomically, :mod:`digest.write`). The cache beside the output decides
what need not be done again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from . import search
from .cache import BuildCache, folder_key, short_hash
from .changes import Signer, template_rules
from .config import SiteConfig
from .content import Article
from .errors import ContentError, Report
from .feeds import feed_plans, render_feed, sitemap_entries
from .loading import BuildOptions, load_site, read_article_file
from .meta import template_helpers
from .parallel import cores, each_result, shared
from .pages import plan_outputs
from .photos import photo_cache_dir, publish_file, publish_photos, remembered_facts
from .progress import Progress, quiet
from .render import make_environment, render_page
from .site import Group, Site
from .urls import folder
from .write import OutputChanged, OutputWriter, Trees

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROGRAM_DIRS = ("digest", "templates", "static", "tests", ".git")  # never an output folder
ROOT_ICON = "favicon.ico"


@dataclass(frozen=True)
class Theme:
    """Where the templates and static assets of the site's look live."""

    templates_dir: Path = PROJECT_DIR / "templates"
    static_dir: Path = PROJECT_DIR / "static"



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
    options = replace(options, output_dir=real_output(options.output_dir))
    cache = BuildCache(options.output_dir)
    try:
        try:
            site, report = load_site(options, cache, progress)
        except ContentError:
            cache.save()  # what was learned about the good files stays useful
            raise
        try:
            writer = write_and_swap(site, theme, options, cache, progress)
        except OutputChanged:  # someone removed files from the output meanwhile: trust nothing in it
            cache.update(trees=Trees(None, None), signatures={}, search_keys={})
            writer = write_and_swap(site, theme, options, cache, progress)
        cache.save()
        report.problems.extend(cache.problems)
        for dest in writer.foreign:
            report.warning(
                (options.output_dir / dest).as_posix(), 1,
                "this file was not made by the build, so it was removed: each build replaces "
                "the output folder whole (put files to publish in the theme's static/ folder)",
            )
    finally:
        cache.close()
    return BuildResult(site, report, writer.counts.written, writer.counts.unchanged)


def real_output(output_dir: Path) -> Path:
    """A symbolic link as the output folder (``output`` → the web server's folder): the
    build replaces the folder it leads to, and the link stays as it is."""
    return Path(os.path.realpath(output_dir)) if output_dir.is_symlink() else output_dir


def write_and_swap(site: Site, theme: Theme, options: BuildOptions, cache: BuildCache,
                   progress: Progress) -> OutputWriter:
    """Write the site into the staging folder and swap it in; on failure, leave the output."""
    writer = OutputWriter(options.output_dir, cache.spare, cache.state.trees)
    try:
        plan = plan_search(site, writer, cache)
        with search.Indexing(plan.todo, cache.search_text, cache.folder) as indexing:
            if len(plan.todo) <= cores():  # an edit's shard is indexed while the pages are written; an
                indexing.start()  # archive's many would fight the page workers for the cores (slower)
            signatures = write_site(site, theme, options, writer, cache, progress)
            place_search(plan, indexing, writer, progress)
        swap_in(writer, cache, signatures, plan.keys)
    except BaseException as exc:
        writer.abort()
        cache.update(trees=Trees(cache.state.trees.output, None))  # the spare: trust none of it next time
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
        trees = Trees(cache.state.trees.output, writer.spare_manifest())
    cache.update(trees=trees, signatures=signatures, search_keys=search_keys)


@dataclass(frozen=True)
class SearchPlan:
    keys: dict[str, str]  # shard -> what its bundle is made from, for the next build
    kept: dict[str, str]  # the output's files of the bundles that stay as they are
    todo: list[search.Shard]  # the shards to index again


def plan_search(site: Site, writer: OutputWriter, cache: BuildCache) -> SearchPlan:
    """Which search shards must be indexed again: those whose reports changed."""
    config_key = short_hash(cache.engine, repr(site.config))
    bundles: dict[str, dict[str, str]] = {}  # shard -> the files of its bundle in the output
    for dest, ident in writer.before.items():
        folder, _, rest = dest.partition("/")
        if folder == search.SEARCH_FOLDER and "/" in rest:
            bundles.setdefault(rest.partition("/")[0], {})[dest] = ident
    damaged = {dest.split("/")[1] for dest in writer.damaged if dest.startswith(search.SEARCH_FOLDER + "/")}
    keys, kept, todo = {}, {}, []
    for name, articles in search.shards(site.articles).items():
        keys[name] = short_hash(config_key, *(f"{a.url} {cache.fingerprint(a)}" for a in articles))
        if cache.state.search_keys.get(name) == keys[name] and bundles.get(name) and name not in damaged:
            kept.update(bundles[name])
        else:
            todo.append(search.Shard(name, articles))
    return SearchPlan(keys, kept, todo)


def place_search(plan: SearchPlan, indexing: search.Indexing, writer: OutputWriter, progress: Progress) -> None:
    """Keep the unchanged bundles; wait for the new ones and move them into the staging folder."""
    for dest, ident in plan.kept.items():
        writer.keep(dest, ident)
    if not plan.todo:
        return
    indexing.wait(progress.stage("indexing for search", sum(len(shard.articles) for shard in plan.todo)))
    for shard in plan.todo:
        writer.adopt_folder(f"{search.SEARCH_FOLDER}/{shard.name}", indexing.bundles / shard.name)


def write_site(site: Site, theme: Theme, options: BuildOptions, writer: OutputWriter,
               cache: BuildCache, progress: Progress = quiet) -> dict[str, str]:
    """Put every file of the site into the writer; render only what changed.

    Returns the signature of each rendered file, for the next build.
    """
    env = make_environment(theme.templates_dir)
    facts = remembered_facts(cache)
    photos = publish_photos(site, options.content_dir, writer, facts)
    env.globals.update(template_helpers(site, photos))
    signer = make_signer(site, theme, options, env, cache, photos)
    old = cache.state.signatures
    signatures: dict[str, str] = {}
    pages = plan_outputs(site)
    todo = []
    for page in pages:
        signatures[page.dest] = signer.page(page)
        if not _keep(writer, page.dest, signatures[page.dest], old):
            todo.append(_with_text(page, signer, partial(_text_of, options.content_dir, site.config)))
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
            writer.copy(f"{folder('static')}/{path.relative_to(theme.static_dir).as_posix()}", path)
    if (theme.static_dir / ROOT_ICON).is_file():  # where browsers and feed readers look without being told
        writer.copy(ROOT_ICON, theme.static_dir / ROOT_ICON)
    cache_dir = photo_cache_dir(writer.output_dir)
    for asset in sorted(site.assets):  # the renditions of the images among them are in photos
        publish_file(asset, options.content_dir / asset, cache_dir, writer, facts)
    return {dest: signature for dest, signature in signatures.items() if signature}


def write_feeds(site: Site, writer: OutputWriter, signer: Signer, old: dict, signatures: dict,
                cache: BuildCache, photos: dict) -> None:
    """The site's feeds and one per place; a feed whose entries are unchanged is kept."""
    todo = []
    for plan in feed_plans(site, site.config.feed_limit):
        signature = signer.feed(plan.dest, plan.articles, plan.title, plan.page_url, plan.description,
                                repr(plan.atom))
        signatures[plan.dest] = signature
        if not _keep(writer, plan.dest, signature, old):
            todo.append(plan)
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
