"""`build.py serve`: live reload in a real browser, errors over the page, and a server
that never hands out a file outside the preview folder."""

from __future__ import annotations

import gc
import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import watchfiles
from playwright.sync_api import expect, sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS, PROJECT, SAMPLE_CONTENT, article_text, ctrl_c_works
from digest import serve
from digest.builder import Theme
from digest.serve import Preview, PreviewState, rebuild, site_address, warn_if_public

YIMA = "articles/2020/2020-01-30-yima.md"
YIMA_TITLE = "驿马乡：十个工作组统一调度 党员干部守在防控一线"
SECRET = "this-must-never-be-served"
WAITING = {
    "extra/draft.md": article_text(title="还在写的稿子", draft="true"),
    "extra/later.md": article_text(title="定时稿", date="2999-01-01 08:00"),
}
SAVE_SHOWS_WITHIN_MS = 20_000


@dataclass
class Server:
    process: subprocess.Popen
    root: Path  # the temporary folder: content/, .digest-preview/, secret.txt
    url: str
    port: int

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / ".digest-preview" / "content"

    @property
    def terminal(self) -> str:
        return (self.root / "stderr.txt").read_text(encoding="utf-8")

    def stop(self) -> int:
        """Ctrl-C, as the editor stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


def start_server(root: Path, articles: dict[str, str] | None = None, files: dict[str, bytes] | None = None) -> Server:
    """`build.py serve --port 0` on a copy of the sample content, with more ``articles``
    and other ``files`` (by their path in the content folder); wait for its address."""
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    for name, text in (articles or {}).items():
        path = root / "content" / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, data in (files or {}).items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    with (root / "stdout.txt").open("w") as stdout, (root / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(PROJECT / "build.py"), "serve", "--content", "content", "--port", "0", "--lang", "en"],
            cwd=root, stdout=stdout, stderr=stderr, preexec_fn=ctrl_c_works,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"at (http://127\.0\.0\.1:(\d+)/)", (root / "stdout.txt").read_text(encoding="utf-8"))
        if found:
            return Server(process, root, found.group(1), int(found.group(2)))
        assert process.poll() is None, (root / "stderr.txt").read_text(encoding="utf-8")
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the preview server did not print its address")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the tests that only read, with a draft and a scheduled report."""
    running = start_server(tmp_path_factory.mktemp("serve"), WAITING)
    yield running
    assert running.stop() == 0


def get(server: Server, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """A request with the path sent exactly as written (http.client does not normalise it)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def raw_get(server: Server, target: str) -> tuple[int, bytes]:
    """A request line written by hand, for targets no client library would send."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


# --- the browser ----------------------------------------------------------------


def test_saving_updates_the_open_page_and_errors_show_over_it(tmp_path):
    server = start_server(tmp_path)
    article = server.content / YIMA
    original = article.read_text(encoding="utf-8")
    new_title = "驿马乡：预览会自己刷新"
    edited = original.replace(YIMA_TITLE, new_title) + "\n保存以后新加的一段。\n"
    broken = edited.replace("tags: [疫情防控, 基层党建, 卡口值守, 物资保障]", "tags: [疫情防控, 基层党建")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.url + "articles/yima/")
            expect(page.locator("h1")).to_have_text(YIMA_TITLE)
            expect(page.locator("html")).to_have_attribute("data-preview-build", re.compile("."))

            article.write_text(edited, encoding="utf-8")
            expect(page.locator("h1")).to_have_text(new_title, timeout=SAVE_SHOWS_WITHIN_MS)
            expect(page.locator(".body")).to_contain_text("保存以后新加的一段。")

            article.write_text(broken, encoding="utf-8")
            overlay = page.locator("#digest-preview-problems")
            expect(overlay).to_be_visible(timeout=SAVE_SHOWS_WITHIN_MS)
            expect(overlay).to_contain_text(f"{YIMA}:")
            expect(page.locator("h1")).to_have_text(new_title)  # the last good page, under the errors
            shown = overlay.locator("li.error").first
            path, line = shown.get_attribute("data-path"), shown.get_attribute("data-line")
            assert f"{path}:{line}: error: {shown.locator('.message').inner_text()}" in server.terminal

            later = browser.new_page()  # a page opened while the content is broken
            later.goto(server.url)
            expect(later.locator("#digest-preview-problems")).to_contain_text(f"{YIMA}:")

            article.write_text(edited.replace("新加的一段", "改好的一段"), encoding="utf-8")
            expect(overlay).to_have_count(0, timeout=SAVE_SHOWS_WITHIN_MS)
            expect(page.locator(".body")).to_contain_text("改好的一段")
            expect(later.locator("#digest-preview-problems")).to_have_count(0, timeout=SAVE_SHOWS_WITHIN_MS)
            browser.close()
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.terminal


WARNED = "extra/warned.md"
WARNED_TITLE = "乡村卡口值守情况通报"
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"


def box_violations(page) -> list[str]:
    """axe-core's WCAG A and AA findings in the preview's box."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run("#digest-preview-problems", {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}});
            return result.violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }"""
    )


def test_warnings_show_in_their_own_colour_beside_errors_named_by_title_and_line(tmp_path):
    server = start_server(tmp_path, {WARNED: article_text(title=WARNED_TITLE, tag="[卡口值守]")})
    report = server.content / "articles" / WARNED
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.url + "articles/warned/")
            box = page.locator("#digest-preview-problems")
            expect(box).to_have_class("only-warnings")  # built: the page is the new one
            expect(box).to_have_attribute("role", "status")
            expect(page.locator("h1")).to_have_text(WARNED_TITLE)
            warning = box.locator("li.warning")
            expect(warning).to_have_count(1)
            expect(warning.locator(".where")).to_contain_text(WARNED_TITLE)
            expect(warning.locator(".where")).to_contain_text("4")  # the line of 'tag:'
            assert f"articles/{WARNED}:4: warning: {warning.locator('.message').inner_text()}" in server.terminal
            assert box_violations(page) == []

            report.write_text(article_text(title=WARNED_TITLE, date="2020-02-30", tag="[卡口值守]"), encoding="utf-8")
            expect(box).to_have_class("has-errors", timeout=SAVE_SHOWS_WITHIN_MS)
            expect(box).to_have_attribute("role", "alert")
            expect(box.locator("li.error .where")).to_contain_text(WARNED_TITLE)
            expect(box.locator("li.warning")).to_have_count(1)
            colour = "e => getComputedStyle(e).borderLeftColor"
            assert box.locator("li.error").evaluate(colour) != warning.evaluate(colour)
            assert box_violations(page) == []
            box.locator("button").click()  # the editor may put it aside
            expect(box).to_have_count(0)
            browser.close()
    finally:
        assert server.stop() == 0


def test_hidden_content_files_are_sources_only_when_the_site_publishes_them(tmp_path):
    content, templates, static = (tmp_path / name for name in ("content", "templates", "static"))
    sources = serve.SourceFilter(content, [templates, static])
    saved = watchfiles.Change.modified
    assert sources(saved, str(content / ".sync/state"))  # before the first build has told what it publishes
    sources.published = frozenset()
    assert sources(saved, str(content / "articles/2020/a.md"))
    assert not sources(saved, str(content / "media/.notes.pdf"))
    assert not sources(saved, str(content / ".sync/state"))
    assert not sources(saved, str(content / "articles/.a.md.swp"))
    assert sources(saved, str(static / ".well-known/security.txt"))  # the theme's folders are published whole
    assert sources(saved, str(templates / ".partial.html"))
    sources.published = frozenset({content / "media/.notes.pdf"})
    assert sources(saved, str(content / "media/.notes.pdf"))
    assert not sources(saved, str(content / ".git/index"))


def built_lines(server: Server) -> int:
    return len(re.findall(r"^\S+ built \d+ report", server.terminal, re.M))


def wait_until(condition, seconds: float = 60) -> None:
    """Wait for what a rebuild brings about (a bound against hanging, not a measure)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def test_replacing_a_hidden_file_a_report_links_updates_the_preview(tmp_path):
    """A build publishes a hidden file a report links to, so the preview must follow it
    as it follows a report (the preview is what a build would publish)."""
    notes = "media/.notes.txt"
    server = start_server(tmp_path, {"extra/notes.md": article_text(title="附件", body=f"[附件](../../{notes})")},
                          {notes: b"first\n"})
    published = server.output / notes
    try:
        assert published.read_bytes() == b"first\n"
        report = server.content / "articles/extra/notes.md"  # a save the preview sees: it is watching
        report.write_text(report.read_text(encoding="utf-8") + "又一段。\n", encoding="utf-8")
        wait_until(lambda: built_lines(server) == 2)
        (server.content / notes).write_bytes(b"second\n")
        wait_until(lambda: published.read_bytes() == b"second\n")
        wait_until(lambda: built_lines(server) == 3)
        (server.content / ".sync").mkdir()  # hidden, and not published: no source
        (server.content / ".sync/state").write_text("1", encoding="utf-8")
        report.write_text(report.read_text(encoding="utf-8") + "再一段。\n", encoding="utf-8")
        wait_until(lambda: built_lines(server) == 4)
        assert "changed: media/.notes.txt" in server.terminal and ".sync" not in server.terminal
    finally:
        assert server.stop() == 0


def test_a_report_saved_while_the_first_build_runs_is_built_next(tmp_path, monkeypatch, capsys):
    """At 10,000 reports the first build takes a minute: a save meanwhile is not lost."""
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    report = tmp_path / "content" / YIMA
    preview = Preview(tmp_path / "content", tmp_path / "preview", "http://127.0.0.1:8000/", Theme())
    watcher = serve.SaveWatcher(preview, PreviewState(), serve.QuickPages())
    events, told = [], []
    real_rebuild = serve.rebuild

    def rebuild(preview, state, announce=True):
        events.append("build")
        result = real_rebuild(preview, state, announce)
        if len(events) == 1:  # the first build has read the report: the editor saves it now
            report.write_text(report.read_text(encoding="utf-8") + "\n首次构建时保存的一段。\n", encoding="utf-8")
            wait_until(lambda: told.append(capsys.readouterr().err) or YIMA in "".join(told))  # "changed: ..."
        else:
            raise KeyboardInterrupt  # as the editor stops the preview
        return result

    monkeypatch.setattr(serve, "rebuild", rebuild)
    with pytest.raises(KeyboardInterrupt):
        serve.watch_and_rebuild(watcher, lambda: events.append("ready"))
    assert events == ["build", "ready", "build"]
    assert "首次构建时保存的一段。" in (preview.output_dir / "articles/yima/index.html").read_text(encoding="utf-8")


def test_a_reports_title_names_it_even_when_its_front_matter_is_broken(tmp_path):
    content = tmp_path
    (content / "a.md").write_text("---\ntitle：驿马乡启动一级响应\ndate: [\n---\n", encoding="utf-8")
    (content / "b.md").write_text("---\ntitle: '" + "长" * 40 + "'\n---\n", encoding="utf-8")
    assert serve.report_name(content, "a.md") == "驿马乡启动一级响应"
    assert serve.report_name(content, "b.md") == "长" * 29 + "…"
    assert serve.report_name(content, "timeline.yaml") == "timeline.yaml"
    assert serve.report_name(content, "articles/gone.md") == "gone.md"


# --- what is served -------------------------------------------------------------


@pytest.mark.parametrize("path, content_type", [
    ("/", "text/html; charset=utf-8"),
    ("/articles/yima/", "text/html; charset=utf-8"),
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/static/style.css", "text/css; charset=utf-8"),
    ("/media/yima-checkpoint.480w.jpg", "image/jpeg"),
    ("/robots.txt", "text/plain; charset=utf-8"),
    ("/__preview__/reload.js", "text/javascript; charset=utf-8"),
    ("/__preview__/errors", "application/json"),
])
def test_content_types(server, path, content_type):
    response = get(server, path)
    assert (response.status, response.getheader("Content-Type")) == (200, content_type)
    assert int(response.getheader("Content-Length")) == len(response.body) > 0
    assert response.getheader("X-Content-Type-Options") == "nosniff"  # never taken for HTML it is not


def test_a_folder_without_its_slash_is_redirected_and_head_sends_no_body(server):
    response = get(server, "/articles/yima?x=1")
    assert (response.status, response.getheader("Location")) == (301, "/articles/yima/?x=1")
    head = get(server, "/articles/yima/", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.getheader("Content-Length")) > 0


def test_a_missing_page_is_the_sites_404_page(server):
    response = get(server, "/articles/no-such-report/")
    assert response.status == 404
    assert response.body == (server.output / "404.html").read_bytes()
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"


def test_preview_pages_load_the_reload_script_which_is_not_in_the_output(server):
    page = get(server, "/articles/yima/").body.decode("utf-8")
    assert '<script src="../../__preview__/reload.js"></script>' in page
    assert 'src="/__preview__/reload.js"' in get(server, "/nowhere").body.decode("utf-8")
    assert b"EventSource" in get(server, "/__preview__/reload.js").body
    assert not (server.output / "__preview__").exists()
    assert not (server.root / "output").exists(), "the preview never touches the real output"
    assert json.loads(get(server, "/__preview__/errors").body)["errors"] == []


def test_drafts_and_scheduled_reports_are_shown_and_marked(server):
    slugs = {"draft": "草稿", "later": "定时发布"}
    for slug, label in slugs.items():
        response = get(server, f"/articles/{slug}/")
        assert response.status == 200
        assert f'<span class="status">{label}</span>' in response.body.decode("utf-8")


def test_the_event_stream_sends_the_current_build_first(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/__preview__/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    lines = [response.readline() for _ in range(4)]
    connection.close()
    assert lines[:2] == [b"retry: 1000\n", b"\n"]
    assert json.loads(lines[2].removeprefix(b"data: ")) == json.loads(get(server, "/__preview__/errors").body)


TRAVERSALS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/static/../../../secret.txt",
    "/%2e%2e/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/secret.txt",
    "/static/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "/..%2f..%2fsecret.txt",
    "/static%2f..%2f..%2f..%2fsecret.txt",
    "/..%5c..%5csecret.txt",
    "/.%2e/.%2e/secret.txt",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2fcontent%2fsite.yaml",
    "/../../content/site.yaml",
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/index.html%00/../../secret.txt",
    "/%252e%252e/%252e%252e/secret.txt",
    "//etc/passwd",
    "/" + "/".join([".."] * 8) + "/etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_paths_out_of_the_preview_are_refused(server, target):
    response = get(server, target)
    assert response.status in (403, 404)
    assert SECRET.encode() not in response.body
    assert b"root:" not in response.body and b"base_url" not in response.body


@pytest.mark.parametrize("target", [
    "http://127.0.0.1/../../secret.txt",
    "http://127.0.0.1/%2e%2e/%2e%2e/secret.txt",
    "../secret.txt",
    "/..\\..\\secret.txt",
])
def test_hand_written_request_lines_are_refused_too(server, target):
    status, body = raw_get(server, target)
    assert status in (400, 403, 404)
    assert SECRET.encode() not in body


def test_symlinks_out_of_the_preview_are_refused(server):
    (server.output / "leak.txt").symlink_to(server.root / "secret.txt")
    (server.output / "leak").symlink_to(server.root)
    try:
        assert get(server, "/leak.txt").status == 403
        assert get(server, "/leak/secret.txt").status == 403
        assert get(server, "/leak/").status == 403
        assert SECRET.encode() not in get(server, "/leak/secret.txt").body
    finally:
        (server.output / "leak.txt").unlink()
        (server.output / "leak").unlink()


# --- starting and stopping ------------------------------------------------------


def test_ctrl_c_stops_cleanly_with_a_page_listening(tmp_path):
    server = start_server(tmp_path)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/__preview__/events")
    response = connection.getresponse()
    assert response.readline() == b"retry: 1000\n"
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    connection.close()
    assert "Traceback" not in server.terminal
    assert server.terminal.rstrip().endswith("preview stopped")


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(SAMPLE_CONTENT), "--port", port,
             "--lang", "en"],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_address_only_with_a_warning(capsys):
    warn_if_public("127.0.0.1")
    warn_if_public("localhost")
    assert capsys.readouterr().err == ""
    warn_if_public("0.0.0.0")
    assert "warning: listening on 0.0.0.0: other computers can see this preview" in capsys.readouterr().err
    assert site_address("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert site_address("::1", 8000) == "http://[::1]:8000/"


@pytest.mark.parametrize("broken, where, line", [
    ("{% if %}", "templates/404.html", 1),
    ("<p>\n{{ no_such_name }}</p>", "templates/404.html", 2),
])
def test_a_broken_template_is_shown_with_its_line(tmp_path, broken, where, line):
    templates = tmp_path / "templates"
    shutil.copytree(Theme().templates_dir, templates)
    (templates / "404.html").write_text(broken, encoding="utf-8")
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    state = PreviewState()
    preview = Preview(content, tmp_path / "preview", "http://127.0.0.1:8000/", Theme(templates_dir=templates))
    rebuild(preview, state)
    [problem] = state.current().errors
    assert (problem.location.path, problem.location.line) == (where, line)
    assert not (tmp_path / "preview").exists()


# --- only its own address, a normal backlog, a cap on open pages --------------------


def get_as(server: Server, path: str, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={"Host": host})
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "drafts.attacker.cn.", "", "[::1"])
def test_a_request_for_another_name_is_refused_against_dns_rebinding(server, host):
    assert get_as(server, "/", host) == 403
    assert get_as(server, "/__preview__/errors", host) == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:8000", "[::1]:8000", "192.168.1.20:8000"])
def test_its_own_addresses_are_answered(server, host):
    assert get_as(server, "/", host.replace("8000", str(server.port))) == 200


def test_the_live_reload_streams_are_capped(server):
    """Each stream's response is held until the end: a streamed response owns its socket
    (http.client hands it over), and one let go closed it, so the server, writing to it at
    the next build, gave its slot to the next page and none was refused."""
    connections, responses = [], []
    try:
        for _ in range(serve.MAX_LIVE_STREAMS + 1):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/__preview__/events")
            responses.append(connection.getresponse())
            connections.append(connection)
        statuses = [response.status for response in responses]
    finally:
        for response in responses:
            response.close()
        for connection in connections:
            connection.close()
    answered = statuses.index(503)  # an earlier test's closed stream may hold a slot a while
    assert statuses[answered:] == [503] * (len(statuses) - answered)
    assert serve.MAX_LIVE_STREAMS - 2 <= answered <= serve.MAX_LIVE_STREAMS
    time.sleep(0.5)  # the closed streams notice at their next write; new pages get one again
    assert get(server, "/").status == 200


def test_many_pages_at_once_are_all_answered(server):
    """The standard library's listen backlog of 5 left 200 browsers' connections waiting seconds."""
    assert serve.PreviewServer.request_queue_size >= 128

    def fetch(_):
        return get(server, "/").status
    with ThreadPoolExecutor(max_workers=50) as pool:
        assert set(pool.map(fetch, range(200))) == {200}


# --- memory: a preview lives on after its builds ---------------------------------


class Cycle:
    """Garbage only the cycle collector finds."""

    def __init__(self):
        self.me = self


def test_the_garbage_a_build_froze_is_collected_before_the_next_build():
    """A build freezes what it holds; the preview lives on, and must not keep for good
    the cycles among it (the last build's Jinja environment holds its whole site)."""
    garbage = Cycle()
    gone = weakref.ref(garbage)
    gc.freeze()  # as a build does
    del garbage
    gc.collect()
    assert gone() is not None  # frozen: the collector skips it
    try:
        serve.let_go_of_garbage()
        assert gone() is None
        assert gc.get_freeze_count() > 0  # what lives on is frozen again: quick pages' collections skip it
    finally:
        gc.unfreeze()
