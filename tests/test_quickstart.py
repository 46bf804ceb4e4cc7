"""The README's two quick-start commands, as a new user would run them.

The build command runs for real in a fresh clone with a fresh virtualenv. The
test command is the one CI runs (``.ci/run``), so here we only check that the
README and ``.ci/run`` say the same thing: running it from inside the suite
would run the suite again.
"""

from __future__ import annotations

import re
import subprocess

from conftest import PROJECT

CONTRACT_PATHS = [
    "index.html", "timeline/index.html", "feed.xml", "atom.xml", "sitemap.xml",
    "404.html", "search/index.html", "articles/yima/index.html",
]


def readme_commands() -> list[str]:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", quick_start, flags=re.S)


def marked_command(text: str) -> str:
    block = text.split("quickstart-test-begin", 1)[1].split("quickstart-test-end", 1)[0]
    lines = [line for line in block.splitlines() if line.strip() and not line.startswith(("```", "#", " -->", "<!--"))]
    return lines[-1].strip()


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    build_command, test_command = readme_commands()
    assert "build.py" in build_command
    assert "pytest" in test_command
    ci_script = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert marked_command(ci_script) == test_command


def test_ci_installs_the_system_packages_the_readme_names():
    """A package the tests need but CI does not install hides on a machine that has it."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    ci_script = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    named = re.search(r"`apt-get install -y ([^`]+)`", readme).group(1).split()
    installed = [name for group in re.findall(r"packages\+=\(([^)]+)\)", ci_script) for name in group.split()]
    assert installed == named


def test_build_command_works_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(clone)], check=True, timeout=120)
    build_command = readme_commands()[0]
    result = subprocess.run(
        ["bash", "-c", build_command], cwd=clone, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for path in CONTRACT_PATHS:
        assert (clone / "output" / path).is_file(), path
