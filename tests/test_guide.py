"""The editors' guide (docs/编辑手册.md) cannot drift from the program: every message it
quotes is one the Chinese catalog has, every picture it shows exists, its commands come
in both systems' forms (test_commands runs the Linux ones), and the README links to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import PROJECT

GUIDE = PROJECT / "docs" / "编辑手册.md"
CATALOG = PROJECT / "digest" / "locale" / "zh" / "LC_MESSAGES" / "digest.po"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
FIELD = re.compile(r"^'[a-z_]+:' ")  # a problem with a field's value names the field first
SHORTEST_TEMPLATE = 8  # literal characters: "{title}：{message}" alone must not match any sentence


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def code_lines(text: str) -> list[str]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines()]


def quoted_messages(text: str) -> list[str]:
    """The sentences after ``PATH:LINE: error:`` (or ``warning:``, or a bare ``error:``)."""
    found = (re.match(r"(?:\S+:\d+: )?(?:error|warning): (.+)", line) for line in code_lines(text))
    return [match.group(1) for match in found if match]


def templates() -> list[str]:
    """Every Chinese message of the catalog (each plural form too)."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [string for string in strings if string]
    return found


def pattern(template: str, group: bool = False) -> re.Pattern:
    """A template as a regular expression: each placeholder stands for any text."""
    parts = PLACEHOLDER.split(template)
    names = PLACEHOLDER.findall(template)
    regex = re.escape(parts[0])
    for name, part in zip(names, parts[1:]):
        wildcard = f"(?P<{name[1:-1]}>.+?)" if group and name not in names[:names.index(name)] else "(.+?)"
        regex += wildcard + re.escape(part)
    return re.compile(regex, re.S)


def is_catalog_message(sentence: str, known: list[str]) -> bool:
    """Whether the sentence is a catalog message, once the lead that names the report
    (``《title》第N行：``, itself from the catalog) is taken off."""
    for lead in (t for t in known if "{message}" in t and "{title}" in t):
        found = pattern(lead, group=True).fullmatch(sentence)
        if found:
            sentence = found.group("message")
            break
    whole = [template for template in known if len(PLACEHOLDER.sub("", template)) >= SHORTEST_TEMPLATE]
    told = {sentence, FIELD.sub("", sentence, count=1)}  # "'date:' " + the catalog's "写的是……"
    for template in whole:  # a message may end with another in brackets (how to publish the others)
        found = re.search("（" + pattern(template).pattern + r"）\Z", sentence, re.S)
        if found and found.start() > 0:
            told |= {text[:found.start()] for text in told}
    return any(pattern(template).fullmatch(text) for template in whole for text in told)


def test_the_guide_quotes_messages():
    assert len(quoted_messages(guide_text())) >= 15


@pytest.mark.parametrize("sentence", quoted_messages(guide_text()))
def test_each_quoted_message_is_one_the_catalog_has(sentence):
    assert is_catalog_message(sentence, templates()), sentence


def test_a_made_up_message_is_not_taken_for_one():
    known = templates()
    assert not is_catalog_message("文件有问题，请检查", known)
    assert not is_catalog_message("《驿马乡》第3行：文件有问题，请检查", known)
    assert not is_catalog_message("文件有问题（想先发布其他稿件的话，请把这个文件移出 articles 文件夹，改好后再放回来）", known)


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
