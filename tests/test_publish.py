"""The publish loop on a clock of the test's own: no real sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import PROJECT, article_text, write_content
from digest.builder import Theme
from digest.loading import BuildOptions
from digest.publish import Attempt, Publisher, build_for, parse_interval, watch_wait

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2030, 5, 1, 8, 59, tzinfo=SHANGHAI)
EVERY = timedelta(minutes=10)


class FakeTime:
    """A clock that moves only when the loop waits; the loop is stopped after ``waits`` waits.
    ``on_wait`` runs at each wait (an editor saving a file, say)."""

    def __init__(self, waits: int, on_wait=None):
        self.now = START
        self.waited: list[float] = []
        self.left = waits
        self.stop = threading.Event()
        self.on_wait = on_wait

    def clock(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.now += timedelta(seconds=seconds)
        if self.on_wait:
            self.on_wait(len(self.waited))
        self.left -= 1
        if self.left <= 0:
            self.stop.set()


def run_loop(content, build, fake: FakeTime, lines: list[str] | None = None) -> int:
    said = lines if lines is not None else []
    return Publisher(content, build, EVERY, fake.clock, fake.wait, said.append, fake.stop).run()


def counting_build(due: datetime | None = None, ok: bool = True):
    builds: list[datetime] = []

    def build(now: datetime) -> Attempt:
        builds.append(now)
        return Attempt(now, ok, due if due and due > now else None, (f"built at {now:%H:%M}",))

    return build, builds


def test_a_report_scheduled_a_minute_ahead_is_published_at_its_time(tmp_path):
    content = write_content(tmp_path, {
        "2030-05-01-now.md": article_text(title="已发", date="2030-05-01 08:00", slug="now"),
        "2030-05-01-soon.md": article_text(title="九点发", date="2030-05-01 09:00", slug="soon"),
    }, site="title: 测试站\nbase_url: https://example.cn/\ntimezone: Asia/Shanghai\n")
    output = tmp_path / "output"
    fake, lines = FakeTime(waits=2), []
    seen_before: list[bool] = []
    fake.on_wait = lambda n: seen_before.append((output / "articles/soon/index.html").exists())
    build = build_for(BuildOptions(content_dir=content, output_dir=output), Theme())
    assert run_loop(content, build, fake, lines) == 0
    assert fake.waited[0] == 60, "it sleeps until the report comes due"
    assert seen_before == [False, True]
    assert lines[0].startswith("2030-05-01 08:59:00+0800: published 1 report(s)")
    assert lines[0].endswith("; next scheduled at 2030-05-01 09:00:00+0800")
    assert lines[1].startswith("2030-05-01 09:00:00+0800: published 2 report(s)")
    assert len(lines) == 2 and fake.waited[1] == EVERY.total_seconds()


def test_nothing_is_built_when_nothing_is_due_or_changed(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    build, builds = counting_build()
    fake = FakeTime(waits=5)
    run_loop(content, build, fake)
    assert builds == [START], "one build at start, then none"
    assert fake.waited == [EVERY.total_seconds()] * 5


def test_an_edit_is_built_at_the_next_look(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    path = content / "articles/a.md"
    edit = lambda n: n == 2 and path.write_text(article_text(title="改过"), encoding="utf-8")  # noqa: E731
    build, builds = counting_build()
    run_loop(content, build, FakeTime(waits=4, on_wait=edit))
    assert builds == [START, START + 2 * EVERY]


def test_a_failed_build_keeps_the_loop_running_and_is_tried_again_once_an_interval(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    build, builds = counting_build(ok=False)
    fake = FakeTime(waits=3)
    assert run_loop(content, build, fake) == 0
    assert builds == [START, START + EVERY, START + 2 * EVERY]


def test_a_scheduled_report_due_after_the_interval_waits_one_interval_at_a_time(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    build, builds = counting_build(due=START + timedelta(minutes=25))
    fake = FakeTime(waits=4)
    run_loop(content, build, fake)
    assert fake.waited[:3] == [600, 600, 300]
    assert builds == [START, START + timedelta(minutes=25)]


@pytest.mark.parametrize("text, seconds", [("10m", 600), ("30s", 30), ("1h", 3600), ("2d", 172800), ("45", 45)])
def test_intervals_are_written_with_a_unit(text, seconds):
    assert parse_interval(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["0m", "ten minutes", "-5m", "5w"])
def test_a_wrong_interval_says_how_to_write_one(text):
    with pytest.raises(ValueError, match="like 10m, 30s or 1h"):
        parse_interval(text)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_sigterm_ends_the_command_cleanly(tmp_path):
    content = write_content(tmp_path, {"a.md": article_text()})
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "build.py"), "publish", "--content", str(content),
         "--output", str(tmp_path / "output"), "--every", "1h", "--lang", "en"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "output/index.html").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr
    assert "published 1 report(s)" in stderr and "Traceback" not in stderr


def test_the_wait_outlives_a_content_folder_that_is_gone_for_now(tmp_path):
    started = time.monotonic()
    watch_wait(tmp_path / "unmounted", threading.Event())(0.05)
    assert time.monotonic() - started < 5
