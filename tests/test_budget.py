"""The resource budget holds for any body and any front matter (issue 12).

Hypothesis builds Markdown and YAML from the pieces that once took the build
minutes or gigabytes (quotes, list markers, emphasis, brackets, open tags,
entities, abbreviations, footnotes, anchors and aliases), repeated thousands of
times. Each text goes to a worker process that has at most
:data:`MEMORY_LIMIT` of memory: there the check must refuse it, or it must be
read and rendered within :data:`CPU_SECONDS` of processor time (time the
worker itself used, so a busy machine does not fail the test). A bound that
is not kept fails the test: the worker runs out of memory or time and is
killed, not the machine.
"""

from __future__ import annotations

import multiprocessing
import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MEMORY_LIMIT = 1 << 30  # address space the worker may add to what it was forked with
CPU_SECONDS = 5.0  # a 2 MB body of the costliest markup the bounds let through takes about that
WALL_SECONDS = 120  # past this the worker is killed (it is stuck, or the machine is very busy)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MARKDOWN_PIECES = st.sampled_from([
    ">", "> ", "- ", "1. ", "    ", ": ", "*", "**", "_", "[", "]", "](#a)", "![", "<a ", "<b>", "</b>",
    "<div>\n", "</div>\n", "&amp;", "`", "*[ABC]: 缩写\n", "[^1]", "[^1]: 注\n", "|", "| - |\n", "\\",
    "\n", "\n\n", "深", "孝义市疫情防控。", "ABC ",
])
MARKDOWN = st.lists(st.tuples(MARKDOWN_PIECES, st.integers(1, 3000)), min_size=1, max_size=12).map(
    lambda parts: "".join(piece * times for piece, times in parts))
YAML_PIECES = st.sampled_from([
    "[", "]", "{", "}", "- ", "  ", "a: ", "&a ", "*a", "*a, ", "&b [*a, *a, *a]\n", '"长长长长长长长长"',
    "x: &a 长长长长长长长长\n", "y: [*a, *a, *a, *a]\n", "? ", ", ", "\n", "!!str ", "%YAML 1.1\n",
])
YAML = st.lists(st.tuples(YAML_PIECES, st.integers(1, 2000)), min_size=1, max_size=10).map(
    lambda parts: "".join(piece * times for piece, times in parts))


def _serve(connection) -> None:
    """The worker: read texts, answer with the CPU time each took (or die trying)."""
    mapped = resource.getpagesize() * int(open("/proc/self/statm").read().split()[0])
    limit = mapped + MEMORY_LIMIT  # on top of what the forked test process had already mapped
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from pathlib import Path

    from digest.markdown import LinkContext, MarkdownRenderer
    from digest.yamlfile import YamlProblem, load_yaml

    renderer = MarkdownRenderer()
    while True:
        kind, text = connection.recv()
        started = time.process_time()
        if kind == "markdown":
            links = LinkContext("articles/a.md", Path("."), {})
            html, _ = renderer.render(text, links)
            outcome = "refused" if links.broken and not html else "rendered"
        else:
            try:
                load_yaml(text)
                outcome = "read"
            except YamlProblem:
                outcome = "refused"
        connection.send((outcome, time.process_time() - started))


class Worker:
    """One worker process for the whole module, started again after a failure."""

    def __init__(self) -> None:
        self.process = None

    def run(self, kind: str, text: str) -> tuple[str, float]:
        if self.process is None or not self.process.is_alive():
            self._start()
        self.connection.send((kind, text))
        if not self.connection.poll(WALL_SECONDS):
            self.stop()
            pytest.fail(f"a {len(text):,}-character {kind} text was still being worked on after {WALL_SECONDS} s")
        try:
            return self.connection.recv()
        except EOFError:
            self.stop()
            pytest.fail(f"a {len(text):,}-character {kind} text took the worker past "
                        f"{MEMORY_LIMIT >> 20} MB of memory (or crashed it)")

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None


@pytest.fixture(scope="module")
def worker():
    worker = Worker()
    yield worker
    worker.stop()


@SETTINGS
@given(body=MARKDOWN)
def test_any_body_is_refused_or_rendered_within_the_budget(worker, body):
    outcome, seconds = worker.run("markdown", body)
    assert outcome in ("refused", "rendered")
    assert seconds < CPU_SECONDS, f"{outcome} in {seconds:.1f} s of processor time"


@SETTINGS
@given(text=YAML)
def test_any_front_matter_is_refused_or_read_within_the_budget(worker, text):
    outcome, seconds = worker.run("yaml", text)
    assert outcome in ("refused", "read")
    assert seconds < CPU_SECONDS, f"{outcome} in {seconds:.1f} s of processor time"


def test_the_worker_does_fail_a_text_past_the_budget(worker, monkeypatch):
    """The tests above can fail: with the bounds out of the way, abbreviations take
    time that grows with their square (1,500 take some 1.5 s, 8,000 about 46 s)."""
    from digest import markdown

    monkeypatch.setattr(markdown, "MAX_ABBREVIATIONS", 10**6)  # the worker forks with these bounds
    monkeypatch.setattr(markdown, "MAX_MARKS_PER_PARAGRAPH", 10**6)
    worker.stop()
    try:
        outcome, seconds = worker.run("markdown", "".join(f"*[A{i}]: 缩写{i}\n" for i in range(1500)) + "A1")
    finally:
        worker.stop()
    assert outcome == "rendered"
    assert seconds > 0.5
