"""The output folder belongs to the build, and what it publishes is readable.

- A first build refuses a folder holding files it did not make (exit 1, naming
  them), and leaves it as it was; so does a build whose cache was removed.
- An output folder that is a symbolic link stays one: the site goes where it points.
- A swap that fails says so in one line and leaves the old output whole.
- Files are 0644 and folders 0755 under the usual umask: a web server running as
  another user can read them all.
- A build killed while Pagefind runs leaves no Pagefind behind.

At 736b02a (before ec08a75) all but the empty-folder and the swap tests failed.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import PROJECT, SAMPLE_CONTENT, assert_same_tree, run_build, snapshot, tree
from digest import write
from digest.builder import Theme, build
from digest.loading import BuildOptions

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
EDITED = "articles/2020/2020-02-01-xiazha.md"
ERROR_LINE = re.compile(r"^\S.*:\d+: error: \S.*$")


def cold_build(root: Path, content: Path) -> Path:
    """A build of ``content`` into a fresh folder (no cache): what every build must give."""
    output = root / "output"
    build(BuildOptions(content_dir=content, output_dir=output, now=NOW), Theme())
    return output


def edit(content: Path, number: int) -> None:
    path = content / EDITED
    path.write_text(path.read_text(encoding="utf-8") + f"\n第{number}次补记。\n", encoding="utf-8")


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


# --- published files are readable -------------------------------------------------


def test_every_published_file_is_0644_and_every_folder_0755(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    output = tmp_path / "site" / "output"
    umask = os.umask(0o022)
    try:
        build(BuildOptions(content_dir=content, output_dir=output, now=NOW), Theme())
    finally:
        os.umask(umask)
    wrong = []
    for here, folders, names in os.walk(output):
        for path, wanted in [(Path(here), 0o755), *((Path(here, name), 0o644) for name in names)]:
            mode = path.lstat().st_mode
            if not stat.S_ISDIR(mode) | stat.S_ISREG(mode) or stat.S_IMODE(mode) != wanted:
                wrong.append(f"{path.relative_to(output)} {stat.filemode(mode)}")
    assert any(name.startswith("media/") and name.endswith(".webp") for name in tree(output))  # renditions too
    assert wrong == []


# --- a folder the build did not make ----------------------------------------------


def test_a_first_build_refuses_a_folder_holding_files_it_did_not_make(tmp_path):
    www = tmp_path / "www"
    (www / "other-site").mkdir(parents=True)
    (www / "other-site" / "index.html").write_text("<p>另一个网站</p>\n", encoding="utf-8")
    (www / "CNAME").write_text("digest.example.cn\n", encoding="utf-8")
    before = snapshot(www)
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(www))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "CNAME" in result.stderr or "other-site/index.html" in result.stderr, result.stderr
    assert error_lines(result.stderr) and all(ERROR_LINE.match(line) for line in error_lines(result.stderr))
    assert snapshot(www) == before
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != ".digest-cache") == ["www"]


def test_a_first_build_into_an_empty_folder_builds(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(www))
    assert result.returncode == 0, result.stderr
    assert (www / "index.html").is_file()


def test_after_the_cache_is_removed_a_hand_placed_file_is_not_lost(tmp_path):
    output = tmp_path / "out"
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output))
    assert result.returncode == 0, result.stderr
    (output / "CNAME").write_text("digest.example.cn\n", encoding="utf-8")
    shutil.rmtree(tmp_path / ".digest-cache")
    before = snapshot(output)
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "CNAME" in result.stderr, result.stderr
    assert snapshot(output) == before


def test_the_first_build_after_an_upgrade_knows_the_files_an_earlier_version_made(tmp_path):
    """An earlier version wrote no .digest-files, and its state is of no use to this one but
    for the list of the output's files it holds: those are not someone else's."""
    output = tmp_path / "out"
    assert run_build("--content", str(SAMPLE_CONTENT), "--output", str(output)).returncode == 0
    (output / "articles" / "gone").mkdir()
    (output / "articles" / "gone" / "index.html").write_text("<p>已删去的报道</p>\n", encoding="utf-8")
    (output / write.MADE_LIST).unlink()
    made = {dest: "sha1:?" for dest in tree(output)}
    state = tmp_path / ".digest-cache" / "build-out" / "state.pickle"
    state.write_bytes(pickle.dumps(SimpleNamespace(trees=SimpleNamespace(output=made, spare=None))))
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert not (output / "articles" / "gone").exists()
    assert_same_tree(output, cold_build(tmp_path / "cold", SAMPLE_CONTENT))


# --- an output folder that is a symbolic link -------------------------------------


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_an_output_folder_that_is_a_symbolic_link_stays_one(tmp_path, kind):
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    webroot = tmp_path / "srv" / "webroot"
    webroot.mkdir(parents=True)
    output = tmp_path / "site" / "out"
    output.parent.mkdir()
    target = str(webroot) if kind == "absolute" else os.path.relpath(webroot, output.parent)
    output.symlink_to(target, target_is_directory=True)
    for number in range(3):
        if number:
            edit(content, number)
        result = run_build("--content", str(content), "--output", str(output))
        assert result.returncode == 0, result.stderr
        assert output.is_symlink() and os.readlink(output) == target, f"build {number + 1}: 'out' is no longer the link"
        assert webroot.is_dir() and not webroot.is_symlink()
        assert_same_tree(webroot, cold_build(tmp_path / f"cold-{number}", content))


# --- a swap that fails ---------------------------------------------------------------


def load_command_line():
    spec = importlib.util.spec_from_file_location("digest_build_cli", PROJECT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_failed_cleanly(code: int, stderr: str, output: Path, before: dict) -> None:
    assert code == 1, stderr
    assert "Traceback" not in stderr, stderr
    errors = error_lines(stderr)
    assert len(errors) == 1 and ERROR_LINE.match(errors[0]), stderr
    assert snapshot(output) == before
    beside = sorted(path.name for path in output.parent.iterdir() if path.name not in (output.name, ".digest-cache"))
    assert beside == [], f"left beside the output: {beside}"


def test_a_swap_that_is_refused_leaves_the_old_output(tmp_path, monkeypatch, capsys):
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    output = tmp_path / "site" / "out"
    cli = load_command_line()
    assert cli.main(["--content", str(content), "--output", str(output)]) == 0
    edit(content, 1)
    before = snapshot(output)
    capsys.readouterr()

    def refused(a, b):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(write, "exchange", refused)
    code = cli.main(["--content", str(content), "--output", str(output)])
    assert_failed_cleanly(code, capsys.readouterr().err, output, before)
    monkeypatch.undo()
    assert cli.main(["--content", str(content), "--output", str(output)]) == 0  # and all is well after
    assert_same_tree(output, cold_build(tmp_path / "cold", content))


NOBODY = 65534


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is not installed")
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to build as another user")
def test_a_swap_into_a_folder_the_user_may_not_write_leaves_the_old_output():
    """A real refusal: the build runs as nobody, who owns the output and its cache
    but may not write the folder they are in."""
    base = Path(tempfile.mkdtemp(prefix="digest-swap-"))  # not under pytest's 0700 folder
    try:
        base.chmod(0o755)
        content = base / "content"
        shutil.copytree(SAMPLE_CONTENT, content)
        output = base / "site" / "out"
        result = run_build("--content", str(content), "--output", str(output))
        assert result.returncode == 0, result.stderr
        edit(content, 1)
        for folder in (output, base / "site" / ".digest-cache"):
            for here, folders, names in os.walk(folder):
                for name in [here, *(os.path.join(here, name) for name in folders + names)]:
                    os.lchown(name, NOBODY, NOBODY)
                    if not os.path.islink(name):
                        os.chmod(name, os.stat(name).st_mode | 0o444)  # readable, whatever the build made
        before = snapshot(output)
        result = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             sys.executable, str(PROJECT / "build.py"), "--content", str(content), "--output", str(output)],
            cwd=base, capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(base)},
        )
        assert_failed_cleanly(result.returncode, result.stderr, output, before)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- a killed build ---------------------------------------------------------------------


def processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) of every live process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:  # gone meanwhile
            continue
        found[int(entry)] = (int(fields[1]), fields[0].decode(), command)
    return found


def is_pagefind(command: str) -> bool:
    """Pagefind's binary, or anything that runs it (``python -m pagefind``)."""
    return any("pagefind" in os.path.basename(word) for word in command.split())


def pagefind_processes(where: Path) -> set[int]:
    """Live Pagefind processes at work on something under ``where`` (zombies are dead)."""
    return {pid for pid, (_, state, command) in processes().items()
            if state != "Z" and is_pagefind(command) and str(where) in command}


def many_reports(content: Path, count: int = 300, characters: int = 1000) -> None:
    """Enough text that Pagefind indexes for seconds (one shard: a year of up to 300 reports)."""
    articles = content / "articles"
    articles.mkdir(parents=True)
    (content / "site.yaml").write_text("title: 压力测试\nbase_url: https://example.cn/\n", encoding="utf-8")
    for number in range(count):
        paragraphs = "\n\n".join(
            f"第{number}篇第{part}段：" + "".join(chr(0x4E00 + (number * 7919 + part * 104729 + k * 31) % 20000)
                                            for k in range(characters))
            for part in range(5))
        day = number % 28 + 1
        (articles / f"2020-01-{day:02d}-r{number}.md").write_text(
            f"---\ntitle: 报道{number}\ndate: 2020-01-{day:02d} 09:00\n---\n{paragraphs}\n", encoding="utf-8")


def still_running(seen: set[int], where: Path) -> set[int]:
    """The Pagefind processes seen as the build's children, and any other at work under ``where``."""
    live = processes()
    return {pid for pid in seen if pid in live and live[pid][1] != "Z" and is_pagefind(live[pid][2])} \
        | pagefind_processes(where)


def test_a_killed_build_leaves_no_pagefind_running(tmp_path):
    content = tmp_path / "content"
    many_reports(content)
    build_process = subprocess.Popen(
        [sys.executable, str(PROJECT / "build.py"), "--content", str(content), "--output", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not seen:
            assert build_process.poll() is None, "the build ended before Pagefind was seen running"
            assert time.monotonic() < deadline, "Pagefind never started"
            seen = {pid for pid, (parent, state, command) in processes().items()
                    if parent == build_process.pid and state != "Z" and is_pagefind(command)}
            seen |= pagefind_processes(tmp_path)
            time.sleep(0.02)
        build_process.send_signal(signal.SIGKILL)
        build_process.wait()
        deadline = time.monotonic() + 1
        while (left := still_running(seen, tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"Pagefind still running 1 s after its build was killed: {sorted(left)}"
    finally:
        if build_process.poll() is None:
            build_process.kill()
            build_process.wait()
        for pid in pagefind_processes(tmp_path):  # the orphans this test made, by their ids
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
