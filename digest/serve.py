"""``python build.py serve``: a live preview for the editor's desk.

The site is built with drafts and scheduled reports shown (and marked) into a
preview folder that is never the real output, served on 127.0.0.1, and rebuilt
whenever a file under the content, the templates or the static folder is
saved. Open pages reload themselves: every page of a preview build loads
``__preview__/reload.js`` (kept in memory, never written to the output),
which listens to ``/__preview__/events`` (Server-Sent Events, one message per
rebuild). A rebuild that fails leaves the last good pages in place, and the
script lays the errors over them until the file is fixed; a build's warnings are
laid over its new pages the same way, in their own colour.

Saving one report is quick (:mod:`digest.quick`): the site of the last good
build is kept in memory, and when the saved report's page is the only page
that shows the change, that page is made from the one file read again, served
from memory and announced at once; the ordinary build follows (feeds, search
index, files on disk), and the page in memory is dropped once the build has
written the same bytes. The search may lag the page by that build.

The server is the standard library's ``ThreadingHTTPServer`` with a handler
that serves only regular files inside the preview folder.
"""

from __future__ import annotations

import ctypes
import gc
import ipaddress
import json
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Callable
from urllib.parse import unquote, urlsplit

import watchfiles
from jinja2 import TemplateSyntaxError

from .builder import BuildResult, Theme, build
from .errors import ContentError, Location, Problem, format_problems, summary_line
from .i18n import _, pgettext
from .loading import BuildOptions
from .photos import published_files
from .quick import Kept, keep, quick_page, saved_report
from .site import Site
from .summary import format_new_notices

PREVIEW_FOLDER = ".digest-preview"
PREVIEW_PREFIX = "/__preview__/"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ANY_HOST = {"", "0.0.0.0", "::"}
KEEPALIVE_SECONDS = 15
REQUEST_TIMEOUT_SECONDS = 5
LISTEN_BACKLOG = 128  # connections waiting to be taken (the standard library's 5 makes a busy page wait)
MAX_LIVE_STREAMS = 32  # open pages told of new builds at once: each holds a thread
QUICK_GRACE_SECONDS = 1.0  # how long the build waits for an open page to fetch a quick page

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".zip": "application/zip",
}
FEED_TYPES = {
    "feed.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
}
DEFAULT_TYPE = "application/octet-stream"
HTML_TYPE = CONTENT_TYPES[".html"]


def content_type(path: Path) -> str:
    """The Content-Type for a file of the built site (feeds by their names)."""
    return FEED_TYPES.get(path.name) or CONTENT_TYPES.get(path.suffix.lower(), DEFAULT_TYPE)


# --- what the browser is told after each build -------------------------------


@dataclass(frozen=True)
class BuildState:
    """The outcome of the latest build: a new ``build`` id every time, its errors and
    warnings, and what the editor calls each file they are in (``names``: path → name)."""

    build: str
    problems: tuple[Problem, ...] = ()
    names: tuple[tuple[str, str], ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    def to_json(self) -> bytes:
        """What preview.js shows, every sentence already in the editor's language."""
        names = dict(self.names)
        errors, warnings = self.errors, self.warnings
        state = {
            "build": self.build,
            "errors": [shown_problem(p, names) for p in errors],
            "warnings": [shown_problem(p, names) for p in warnings],
            "text": box_text(len(errors), len(warnings)),
        }
        return json.dumps(state, ensure_ascii=False).encode("utf-8")


def shown_problem(problem: Problem, names: dict[str, str]) -> dict:
    """One line of the box: the file as the editor knows it and the line first, then
    the message; the path is kept for finding the file."""
    path, line = problem.location.path, problem.location.line
    where = _("{name}, line {line}").format(name=names.get(path, path), line=line)
    return {"path": path, "line": line, "severity": problem.severity, "where": where, "message": problem.message}


def box_text(errors: int, warnings: int) -> dict[str, str]:
    """The box's heading and labels (preview.js holds no sentence of its own)."""
    if errors:
        heading = _("{errors} error(s) and {warnings} warning(s) in the content. The preview shows the "
                    "last good version, and updates by itself once the errors are fixed.")
    else:
        heading = _("Built, with {warnings} warning(s): the page is up to date; look at them before publishing.")
    return {
        "heading": heading.format(errors=errors, warnings=warnings),
        "error": _("Error"),
        "warning": _("Warning"),
        "hide": _("Hide"),
    }


TITLE_LINE = re.compile(r"^title\s*[:：]\s*(.+?)\s*$", re.M)
NAME_LIMIT = 30  # characters of a long title shown in the box


def report_name(content_dir: Path, path: str) -> str:
    """What the editor calls a file: a report's title, read from its ``title:`` line so
    that it is found even when the front matter does not parse (the likeliest time to
    need it); else the file's name."""
    if path.endswith(".md"):
        try:
            head = (content_dir / path).read_text(encoding="utf-8-sig", errors="replace")[:8000]
        except OSError:
            head = ""
        front = head.split("---", 2)[1] if head.startswith("---") and head.count("---") >= 2 else ""
        found = TITLE_LINE.search(front)
        title = found.group(1).strip("'\"").strip() if found else ""
        if title:
            return title if len(title) <= NAME_LIMIT else title[:NAME_LIMIT - 1] + "…"
    return PurePosixPath(path).name


class PreviewState:
    """The latest BuildState, shared by the watcher thread and the request threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._session = secrets.token_hex(4)  # a restarted server is a new build too
        self._count = 0
        self._state = BuildState(f"{self._session}-0")
        self.stopped = False

    def publish(self, problems: list[Problem], content_dir: Path | None = None, announce: bool = True) -> None:
        """A new build, with its errors and warnings (and the titles of their files); with
        ``announce=False`` the problems of a build already announced (a quick page's):
        the box changes, the page is not reloaded."""
        problems = tuple(sorted(set(problems)))
        paths = sorted({p.location.path for p in problems})
        names = tuple((path, report_name(content_dir, path)) for path in paths) if content_dir else ()
        with self._changed:
            if announce:
                self._count += 1
            self._state = BuildState(f"{self._session}-{self._count}", problems, names)
            self._changed.notify_all()

    def current(self) -> BuildState:
        with self._changed:
            return self._state

    def wait_for_new(self, seen: BuildState | None, timeout: float) -> BuildState | None:
        """The state once it is another than ``seen``; None on timeout or when stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self.stopped or self._state is not seen, timeout)
            if self.stopped or self._state is seen:
                return None
            return self._state

    def stop(self) -> None:
        """Wake every open event stream so its thread can end."""
        with self._changed:
            self.stopped = True
            self._changed.notify_all()


# --- building ----------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What to build, where the preview goes, and the address it is served at."""

    content_dir: Path
    output_dir: Path
    base_url: str
    theme: Theme

    @property
    def options(self) -> BuildOptions:
        return BuildOptions(
            content_dir=self.content_dir, output_dir=self.output_dir,
            base_url=self.base_url, preview=True,
        )

    @property
    def watched(self) -> list[Path]:
        folders = (self.content_dir, self.theme.templates_dir, self.theme.static_dir)
        return [folder.absolute() for folder in folders if folder.is_dir()]


def preview_dir(content_dir: Path) -> Path:
    """``.digest-preview/<content folder name>`` beside the content folder (git-ignored)."""
    content = content_dir.resolve()
    return content.parent / PREVIEW_FOLDER / (content.name or "content")


def rebuild(preview: Preview, state: PreviewState, announce: bool = True) -> BuildResult | None:
    """Build once; tell the terminal and the open pages how it went (a good build
    that follows a quick page, ``announce=False``, is not a new build to reload for).
    Returns the result of a good build."""
    started = time.monotonic()
    try:
        result = build(preview.options, preview.theme)
    except ContentError as exc:
        print_problems(exc.log.problems)
        print(_("{count}; the preview shows the last good build").format(count=summary_line(exc.log)),
              file=sys.stderr)
        state.publish(exc.log.problems, preview.content_dir)
        return None
    except Exception as exc:  # a broken template must not stop the preview
        problem = build_failure(exc, preview.theme)
        print_problems([problem])
        state.publish([problem])
        return None
    print_problems(result.log.problems)
    seconds = time.monotonic() - started
    print(_("{time} built {reports} report(s) in {seconds} s").format(
        time=time.strftime("%H:%M:%S"), reports=len(result.site.articles), seconds=f"{seconds:.1f}"), file=sys.stderr)
    for line in format_new_notices(result.new_notices):
        print(line, file=sys.stderr)
    state.publish(result.log.problems, preview.content_dir, announce)
    return result


def show_quickly(preview: Preview, kept: Kept | None, paths: set[Path], state: PreviewState,
                 pages: QuickPages, batch: int) -> bool:
    """Serve and announce the saved report's page before the build, when the quick
    path can make it (:mod:`digest.quick`); whether it did."""
    source = saved_report(paths, preview.content_dir) if kept else None
    if source is None:
        return False
    started = time.monotonic()
    try:
        page = quick_page(kept, preview.content_dir, source)
    except Exception:  # anything unusual is the build's to make and to tell
        return False
    if page is None:
        return False
    pages.put(page.dest, page.data, batch)
    state.publish([])
    seconds = time.monotonic() - started
    print(_("{clock} showed {source} in {seconds} s; building the rest").format(
        clock=time.strftime("%H:%M:%S"), source=source, seconds=f"{seconds:.2f}"), file=sys.stderr)
    return True


class QuickPages:
    """Pages made ahead of the build (dest -> bytes, and the batch of saves each shows),
    served before the files on disk; and whether one has been fetched since the last was put."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[bytes, int]] = {}
        self._lock = threading.Lock()
        self.fetched = threading.Event()

    def put(self, dest: str, data: bytes, batch: int = 0) -> None:
        with self._lock:
            self.fetched.clear()
            self._pages[dest] = (data, batch)

    def get(self, dest: str) -> bytes | None:
        found = self._pages.get(dest)
        return found[0] if found else None

    def drop_built(self, batch: int) -> None:
        """Forget the pages of the batches up to ``batch``: a build that started after them
        wrote the same bytes (or failed, and the last good build shows)."""
        with self._lock:
            self._pages = {dest: page for dest, page in self._pages.items() if page[1] > batch}


def print_problems(problems: list[Problem]) -> None:
    for line in format_problems(problems):
        print(line, file=sys.stderr)


def build_failure(exc: Exception, theme: Theme) -> Problem:
    """A failure that is not in the content: name the template line when there is one."""
    message = f"{type(exc).__name__}: {exc}"
    templates = theme.templates_dir.resolve()
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return Problem(Location(_template_path(exc.filename, templates), exc.lineno or 1), "error", message)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve().is_relative_to(templates):
            return Problem(Location(_template_path(frame.filename, templates), frame.lineno or 1), "error", message)
    return Problem(Location("(build)", 1), "error", message)


def _template_path(filename: str, templates: Path) -> str:
    path = Path(filename).resolve()
    if path.is_relative_to(templates):
        return f"{templates.name}/{path.relative_to(templates).as_posix()}"
    return filename


# --- watching ----------------------------------------------------------------


class SourceFilter(watchfiles.DefaultFilter):
    """Which changes are to sources. Not editors' temporary files (watchfiles' defaults),
    nor hidden files or folders in the content folder (a git folder, a sync tool's state)
    unless the site publishes them (``published``: a photo or a linked file, replaced
    after each good build; None until one has ended, so nothing counts as hidden). The
    theme's folders are published whole, hidden files too (``static/.well-known/``)."""

    def __init__(self, content_dir: Path, theme_dirs: list[Path]):
        super().__init__()
        self.content_dir = content_dir.absolute()
        self.theme_dirs = [folder.absolute() for folder in theme_dirs]
        self.published: frozenset[Path] | None = None

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return super().__call__(change, path) and not self.is_hidden(Path(path))

    def is_hidden(self, path: Path) -> bool:
        published = self.published
        if published is None or path in published or not path.is_relative_to(self.content_dir):
            return False
        if any(path.is_relative_to(folder) for folder in self.theme_dirs):
            return False
        return any(part.startswith(".") for part in path.relative_to(self.content_dir).parts)

    def publishing(self, site: Site) -> None:
        """What a good build published from the content folder: changes to those files are
        changes to sources, hidden or not."""
        self.published = frozenset(self.content_dir / src for src in published_files(site))


class SaveWatcher:
    """Watches the sources in a thread of its own, so that a saved report's page is shown
    at once (:func:`show_quickly`) even while a build runs; every batch of saves is
    numbered and waits for the next build, which the main thread runs."""

    def __init__(self, preview: Preview, state: PreviewState, pages: QuickPages):
        self.preview = preview
        self.state = state
        self.pages = pages
        self.kept: Kept | None = None  # None while a build is due that the kept site does not know of
        self.sources = SourceFilter(preview.content_dir, [preview.theme.templates_dir, preview.theme.static_dir])
        self.env = None  # the quick pages' Jinja environment, reused
        self._env_in_use = threading.Lock()  # a quick page renders with it while a build's keep() updates it
        self.stop = threading.Event()
        self._saved = threading.Condition()
        self._batch = 0  # the number of the last batch seen
        self._all_shown_after: dict[int, bool] = {}  # batch -> whether it was shown quickly
        self._failure: BaseException | None = None  # what ended the watching thread, for the main one

    def watch(self) -> None:
        try:
            self._watch()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            with self._saved:
                self._failure = exc
                self._saved.notify_all()

    def _watch(self) -> None:
        watched = self.preview.watched
        for changes in watchfiles.watch(*watched, watch_filter=self.sources, stop_event=self.stop):
            names = sorted({_shown_path(path, watched) for _change, path in changes})
            print(_("changed: {files}").format(files=", ".join(names)), file=sys.stderr)
            batch = self._batch + 1
            with self._env_in_use:
                shown = show_quickly(self.preview, self.kept, {Path(path) for _change, path in changes},
                                     self.state, self.pages, batch)
            with self._saved:
                if not shown:
                    self.kept = None  # other pages change: no quick page until the build has run
                self._batch = batch
                self._all_shown_after[batch] = shown
                self._saved.notify_all()

    def next_batches(self, built: int) -> tuple[int, bool]:
        """Wait for saves after batch ``built``; the last batch, and whether each was shown quickly."""
        with self._saved:
            while self._batch == built:
                if self._failure is not None:
                    raise self._failure
                self._saved.wait(0.5)  # a timeout, so that Ctrl-C is not held up
            shown = all(self._all_shown_after.pop(n) for n in range(built + 1, self._batch + 1))
            return self._batch, shown

    def built(self, result: BuildResult | None, batch: int) -> None:
        """A build that started after ``batch`` has ended: keep its site, unless saves came since
        that were not shown quickly (the kept site must not miss what they change)."""
        with self._env_in_use:
            kept = keep(result, self.preview.theme, self.env) if result else None
        if result:
            self.sources.publishing(result.site)
        self.env = kept.env if kept else self.env
        with self._saved:
            unseen = [self._all_shown_after.get(n, True) for n in range(batch + 1, self._batch + 1)]
            self.kept = kept if all(unseen) else None


def watch_and_rebuild(watcher: SaveWatcher, ready: Callable[[], None]) -> None:
    """Build, then rebuild after every batch of saves, until Ctrl-C (KeyboardInterrupt);
    a saved report's page is shown first when it can be (:class:`SaveWatcher`). The
    sources are watched from before the first build, so that a report saved while it
    runs (a minute at 10,000 reports) is built next; ``ready()`` once it has ended.
    The watcher alone holds the kept site, which each build replaces."""
    thread = threading.Thread(target=watcher.watch, name="digest-preview-watcher", daemon=True)
    thread.start()
    built = 0
    try:
        result = rebuild(watcher.preview, watcher.state)
        watcher.built(result, built)
        del result
        ready()
        while True:
            batch, shown = watcher.next_batches(built)
            if shown:  # give an open page a moment to fetch it: while the build loads its cache,
                watcher.pages.fetched.wait(QUICK_GRACE_SECONDS)  # it holds the interpreter for a second or more
            let_go_of_garbage()  # here, not after the last build: a start's first page is not held up
            result = rebuild(watcher.preview, watcher.state, announce=not shown)
            watcher.pages.drop_built(batch)
            watcher.built(result, batch)
            del result  # while the next build runs, only the kept site of this one stays
            built = batch
    finally:
        watcher.stop.set()


def let_go_of_garbage() -> None:
    """Free what the last build left before the next one starts: this process lives on.

    A build freezes the objects it holds (:func:`digest.builder.build`): the cycle
    collector skips them, and would skip for good the garbage among them (the last
    build's Jinja environment, which holds its whole site). One full collection
    finds it; what is left, the kept site, is frozen again, so the collections
    that run during a quick page skip it too. The memory freed goes back to the
    system (glibc otherwise keeps it for this process), so the next build starts
    from the kept site alone.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc's; elsewhere nothing to do
    if trim is not None:
        trim(0)


def _shown_path(path: str, roots: list[Path]) -> str:
    for root in roots:
        if Path(path).is_relative_to(root):
            return Path(path).relative_to(root).as_posix()
    return path


# --- serving -----------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """Where a URL leads: a status, and the file or the redirect target."""

    status: int
    file: Path | None = None
    location: str = ""


def url_path(target: str) -> str:
    """The path of a request target, still percent-encoded, without query or fragment."""
    if not target.startswith("/"):
        target = urlsplit(target).path or "/"
    return target.split("?", 1)[0].split("#", 1)[0]


def locate(root: Path, path: str) -> Found:
    """Map a URL path to a regular file inside ``root``; nothing outside it, ever.

    The path is decoded once (``%2e%2e`` is ``..``); any ``..`` segment, NUL or
    backslash is refused, and so is anything that resolves (symlinks followed)
    to a place outside the root.
    """
    decoded = unquote(path)
    segments = decoded.split("/")
    if ".." in segments or "\x00" in decoded or "\\" in decoded:
        return Found(403)
    base = root.resolve()
    target = _inside(base, base.joinpath(*(s for s in segments if s not in ("", "."))))
    if target is None:
        return Found(403)
    if target.is_dir():
        if not path.endswith("/"):
            return Found(301, location=path + "/")
        target = _inside(base, target / "index.html")
        if target is None:
            return Found(403)
    return Found(200, target) if target.is_file() else Found(404)


def page_dest(path: str) -> str:
    """The output file a URL path names, as the quick pages are kept (``articles/yima/index.html``)."""
    decoded = unquote(path).lstrip("/")
    return decoded + "index.html" if decoded.endswith("/") or not decoded else decoded


def is_own_host(header: str, own_names: set[str]) -> bool:
    """Whether a request's Host names this preview: an IP address, localhost, or the
    name it was started with. Another name means a page elsewhere has pointed a name
    of its own at this computer (DNS rebinding) to read the drafts: it is refused."""
    host = header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else ""
    else:
        host = host.rpartition(":")[0] if host.count(":") == 1 else host
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host.rstrip(".") in own_names


def _inside(base: Path, path: Path) -> Path | None:
    resolved = path.resolve()
    return resolved if resolved.is_relative_to(base) else None


class PreviewServer(ThreadingHTTPServer):
    """Serves one preview folder; request threads are joined when it closes."""

    daemon_threads = False
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], root: Path, state: PreviewState):
        self.root = root
        self.state = state
        self.own_names = {address[0].lower(), "localhost"}  # besides any IP address
        self.live_streams = threading.BoundedSemaphore(MAX_LIVE_STREAMS)
        self.quick_pages = QuickPages()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host name."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        """A browser that goes away mid-answer is normal; other errors are printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    timeout = REQUEST_TIMEOUT_SECONDS
    server_version = "digest-preview"

    def do_GET(self) -> None:
        self.respond(head=False)

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def log_message(self, format: str, *args) -> None:
        """Quiet: the terminal is for the editor's errors, not for every request."""

    def respond(self, head: bool) -> None:
        if not is_own_host(self.headers.get("Host", ""), self.server.own_names):
            self.send_body(403, "text/plain; charset=utf-8", (_("this preview answers only to its own address") + "\n").encode(), head)
            return
        path = url_path(self.path)
        if path.startswith(PREVIEW_PREFIX):
            self.preview_endpoint(path.removeprefix(PREVIEW_PREFIX), head)
            return
        quick = self.server.quick_pages.get(page_dest(path))
        if quick is not None:  # a page made ahead of the build (digest/quick.py)
            self.send_body(200, HTML_TYPE, quick, head)
            self.wfile.flush()
            self.server.quick_pages.fetched.set()
            return
        found = locate(self.server.root, path)
        if found.status == 301:
            query = urlsplit(self.path).query
            self.send_body(301, HTML_TYPE, b"", head, location=found.location + (f"?{query}" if query else ""))
        elif found.status == 200:
            self.send_file(found.file, head)
        elif found.status == 404:
            self.send_body(404, HTML_TYPE, self.not_found_page(), head)
        else:
            self.send_body(found.status, "text/plain; charset=utf-8", (_("forbidden") + "\n").encode(), head)

    def send_file(self, file: Path, head: bool) -> None:
        try:
            data = file.read_bytes()
        except OSError:  # removed by a rebuild between looking and reading
            self.send_body(404, HTML_TYPE, self.not_found_page(), head)
            return
        self.send_body(200, content_type(file), data, head)

    def not_found_page(self) -> bytes:
        page = self.server.root / "404.html"
        try:
            return page.read_bytes()
        except OSError:  # nothing built yet: a page that still reloads and shows errors
            return no_preview_page()

    def send_body(self, status: int, kind: str, body: bytes, head: bool, location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")  # a browser never takes a file for HTML it is not
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def preview_endpoint(self, name: str, head: bool) -> None:
        if name == "reload.js":
            script = RELOAD_SCRIPT.replace("BUILD_NOW", json.dumps(self.server.state.current().build))
            self.send_body(200, CONTENT_TYPES[".js"], script.encode("utf-8"), head)
        elif name == "errors":
            self.send_body(200, "application/json", self.server.state.current().to_json(), head)
        elif name == "events" and not head:
            if not self.server.live_streams.acquire(blocking=False):
                self.send_body(503, "text/plain; charset=utf-8", (_("too many open pages") + "\n").encode(), head)
                return
            try:
                self.stream_events()
            finally:
                self.server.live_streams.release()
        else:
            self.send_body(404, "text/plain; charset=utf-8", (_("not found") + "\n").encode(), head)

    def stream_events(self) -> None:
        """One ``data:`` message per build (the current one first) until the server stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(b"retry: 1000\n\n")
        seen = None
        while not self.server.state.stopped:
            state = self.server.state.wait_for_new(seen, KEEPALIVE_SECONDS)
            if state is None:
                self.wfile.write(b": keep-alive\n\n")
            else:
                self.wfile.write(b"data: " + state.to_json() + b"\n\n")
                seen = state
            self.wfile.flush()


RELOAD_SCRIPT = (Path(__file__).parent / "preview.js").read_text(encoding="utf-8")

def no_preview_page() -> bytes:
    """What the preview shows where the last good build has no page (or there is none yet)."""
    language = pgettext("the language tag of a page", "en")
    title = _("Preview")
    text = _("No page here (yet). The preview reloads when the content builds.")
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><p>{text}</p>
<script src="/__preview__/reload.js"></script></body></html>
""".encode()


# --- the command -------------------------------------------------------------


def serve(content_dir: Path, port: int = 8000, host: str = "127.0.0.1") -> int:
    """Build, serve and rebuild until Ctrl-C; 0 when stopped, 2 if the port is taken."""
    try:
        server = PreviewServer((host, port), preview_dir(content_dir), PreviewState())
    except OSError as exc:
        print("error: " + _("cannot listen on {host}:{port} ({reason}); choose another --port").format(
            host=host, port=port, reason=exc.strerror or exc), file=sys.stderr)
        return 2
    address = site_address(host, server.server_port)
    preview = Preview(content_dir, server.root, address, Theme())
    # Builds run in this (the main) thread, so Ctrl-C interrupts a build here
    # instead of surfacing as a failure of the tools it started.
    listener = threading.Thread(target=server.serve_forever, name="digest-preview-server")
    try:
        with interrupt_on_sigterm():
            warn_if_public(host)

            def ready() -> None:
                listener.start()
                print(_("preview of {content} at {address}  (Ctrl-C to stop)").format(
                    content=content_dir, address=address), flush=True)

            watch_and_rebuild(SaveWatcher(preview, server.state, server.quick_pages), ready)
    except KeyboardInterrupt:
        pass
    finally:
        server.state.stop()
        if listener.is_alive():
            server.shutdown()
        server.server_close()
    print(_("preview stopped"), file=sys.stderr)
    return 0


def site_address(host: str, port: int) -> str:
    """The address to open (and the preview's base_url)."""
    shown = "127.0.0.1" if host in ANY_HOST else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def warn_if_public(host: str) -> None:
    if host not in LOCAL_HOSTS:
        print(
            "warning: " + _("listening on {host}: other computers can see this preview, drafts included; leave out "
                            "--host to keep it on this computer").format(host=host or _("every address")),
            file=sys.stderr,
        )


@contextmanager
def interrupt_on_sigterm():
    """Stop on SIGTERM as on Ctrl-C (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
