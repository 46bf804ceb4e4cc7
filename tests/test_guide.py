"""The editors' guide (docs/编辑手册.md) cannot drift from the program: every picture it
shows exists, its commands come in both systems' forms (test_commands runs the Linux
ones), and the README links to it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import PROJECT

GUIDE = PROJECT / "docs" / "编辑手册.md"


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def code_lines(text: str) -> list[str]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines()]


def test_every_picture_and_link_in_the_guide_exists():
    prose = re.sub(r"`[^`\n]*`", "", guide_text())  # an example in code is not a link
    targets = re.findall(r"\]\(([^)]+)\)", prose)
    local = [target for target in targets if not target.startswith(("http", "#", "<http"))]
    assert any("screenshots/" in target for target in local)
    for target in local:
        assert (GUIDE.parent / target).is_file(), target


def test_each_command_is_given_for_windows_and_for_macos_and_linux():
    lines = [line.strip() for line in code_lines(guide_text())]
    windows = [line.replace(".venv\\Scripts\\python", ".venv/bin/python") for line in lines
               if line.startswith(".venv\\Scripts\\python build.py")]
    posix = [line for line in lines if line.startswith(".venv/bin/python build.py")]
    assert windows == posix and {"new", "serve", "check"} <= {line.split()[2] for line in posix if " " in line[25:]}
    assert not [line for line in lines if re.match(r"python3? build\.py", line)]


def test_the_readme_links_to_the_guide():
    assert "(docs/编辑手册.md)" in (PROJECT / "README.md").read_text(encoding="utf-8")
