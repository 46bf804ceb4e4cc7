"""All or nothing: a build killed at any moment leaves the previous output whole.

A site of 300 reports is built once; then an edited version of it is built
over a copy of that output and killed with SIGKILL at random moments. After
each kill the output must be exactly the old site, byte for byte, or exactly
the finished new one; never a mixture. A later build must succeed and clean
up what the killed ones left behind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT, run_build, tree_hash

REPORTS = 300
PLACES = ("驿马乡", "崇文街道", "下栅村", "柱濮新区")
KILLS = 4


def write_reports(content: Path, edited: bool) -> None:
    """300 reports; the edited version changes ten, drops one and adds one."""
    articles = content / "articles"
    shutil.rmtree(articles, ignore_errors=True)
    articles.mkdir(parents=True)
    (content / "site.yaml").write_text("title: 压力测试\nbase_url: https://example.cn/\n", encoding="utf-8")
    numbers = list(range(1, REPORTS)) + [REPORTS] if edited else range(REPORTS)
    for number in numbers:
        day = number % 28 + 1
        change = "（更新）" if edited and number % 30 == 0 else ""
        body = "\n\n".join(f"第{number}篇第{part}段{change}：驿马乡把疫情防控当作首要任务，党员干部守在一线。" * 3
                           for part in range(3))
        (articles / f"2020-01-{day:02d}-r{number}.md").write_text(
            f"---\ntitle: 报道{number}{change}\ndate: 2020-01-{day:02d} 09:{number % 60:02d}\n"
            f"place: {PLACES[number % 4]}\ntags: [疫情防控, 标签{number % 7}]\n---\n{body}\n",
            encoding="utf-8",
        )


def site_hash(output: Path) -> str:
    """The tree hash without Pagefind's index, whose file names differ from run to run."""
    kept = output.with_name(output.name + "-no-index")
    shutil.copytree(output, kept, ignore=shutil.ignore_patterns("pagefind"))
    try:
        return tree_hash(kept)
    finally:
        shutil.rmtree(kept)


def is_finished_new_site(output: Path, new_hash: str) -> bool:
    entry = output / "pagefind" / "2020" / "pagefind-entry.json"
    return site_hash(output) == new_hash and entry.is_file() and bool(json.loads(entry.read_text()))


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}"))


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(old content's output, new content, the new output's hash, seconds a build takes)."""
    root = tmp_path_factory.mktemp("atomic")
    old_content, new_content = root / "old", root / "new"
    write_reports(old_content, edited=False)
    write_reports(new_content, edited=True)
    old_output, new_output = root / "site-old" / "output", root / "site-new" / "output"
    assert run_build("--content", str(old_content), "--output", str(old_output)).returncode == 0
    started = time.monotonic()
    assert run_build("--content", str(new_content), "--output", str(new_output)).returncode == 0
    seconds = time.monotonic() - started
    return old_output, new_content, site_hash(new_output), seconds


def start_build(content: Path, output: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(PROJECT / "build.py"), "--content", str(content), "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_a_killed_build_leaves_the_old_output_whole_and_the_next_build_cleans_up(sites, tmp_path):
    old_site, new_content, new_hash, seconds = sites
    old_hash = tree_hash(old_site)
    output = tmp_path / "output"
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)  # one moment in each stretch of the build, the last near its end
    delays = [rng.uniform(seconds * step / KILLS, seconds * (step + 1) / KILLS) for step in range(KILLS)]
    outcomes = []
    for delay in delays:
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(old_site, output)
        build = start_build(new_content, output)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait()
        if tree_hash(output) == old_hash:
            outcomes.append("old")
        else:
            assert is_finished_new_site(output, new_hash), f"a mixture after a kill at {delay:.2f} s (seed {seed})"
            outcomes.append("new")
    assert "old" in outcomes, f"no kill landed before the swap: {delays} (seed {seed}); the build took {seconds:.1f} s"
    assert tree_hash(old_site) == old_hash  # a reused (linked) file was never written in place

    result = run_build("--content", str(new_content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert is_finished_new_site(output, new_hash)
    assert leftovers(output) == []


def three_reports(folder: Path) -> Path:
    content = folder / "content"
    write_reports(content, edited=False)
    for path in sorted((content / "articles").iterdir())[3:]:
        path.unlink()
    return content


def test_a_file_put_by_hand_into_a_built_output_is_removed_with_a_warning(tmp_path):
    content = three_reports(tmp_path)
    output = tmp_path / "output"
    assert run_build("--content", str(content), "--output", str(output)).returncode == 0
    (output / "CNAME").write_text("example.cn", encoding="utf-8")
    (output / "articles" / "old-page.html").write_text("旧", encoding="utf-8")
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert f"{output.as_posix()}/CNAME:1: warning: this file was not made by the build" in result.stderr
    assert not (output / "CNAME").exists() and not (output / "articles" / "old-page.html").exists()
    assert (output / "index.html").is_file()
    assert leftovers(output) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a staging folder of a dead process needs POSIX pids")
def test_a_staging_folder_of_a_dead_build_is_removed(tmp_path):
    content = three_reports(tmp_path)
    output = tmp_path / "output"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".output.new-{dead.pid}"
    (stale / "articles").mkdir(parents=True)
    result = run_build("--content", str(content), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert leftovers(output) == []
