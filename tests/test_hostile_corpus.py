"""The hostile corpus (issue 12): each hole found in the digest is a content folder
under ``fixtures/hostile/`` with what ``check`` must say about it.

``expected.txt`` holds the exact problem lines, sorted as printed (empty: none).
Content that builds is also built, and ``absent.txt``, where there is one, lists
texts (one a line) that must not appear in any file of the built site: script
the content tried to run, a host it tried to embed, characters it tried to hide.
Symbolic links in the folders are part of the fixtures (some lead to /etc on
purpose); the folder is copied with them as they are.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from digest.builder import build
from digest.loading import BuildOptions
from digest.render import Theme

from conftest import check_lines

CORPUS = Path(__file__).parent / "fixtures" / "hostile"
NOW = datetime(2020, 3, 1, tzinfo=timezone.utc)
HOLES = sorted(folder.name for folder in CORPUS.iterdir() if (folder / "expected.txt").is_file())


def test_every_fixture_says_what_it_expects():
    assert len(HOLES) == len([folder for folder in CORPUS.iterdir() if folder.is_dir()]) >= 12


@pytest.mark.parametrize("hole", HOLES)
def test_check_says_exactly_what_is_expected(hole, tmp_path):
    content = copy_of(hole, tmp_path)
    assert problems(content) == expected_lines(hole)


@pytest.mark.parametrize("hole", [hole for hole in HOLES if (CORPUS / hole / "absent.txt").is_file()])
def test_what_builds_publishes_none_of_what_the_content_tried(hole, tmp_path):
    content = copy_of(hole, tmp_path)
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content, output_dir=output, now=NOW), Theme())
    texts = (CORPUS / hole / "absent.txt").read_text(encoding="utf-8").splitlines()
    found = [(path.relative_to(output).as_posix(), text) for path in sorted(output.rglob("*")) if path.is_file()
             for text in texts if text.encode("utf-8") in path.read_bytes()]
    assert found == []


def copy_of(hole: str, tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(CORPUS / hole, content, symlinks=True,
                    ignore=shutil.ignore_patterns("expected.txt", "absent.txt"))
    return content


def problems(content: Path) -> list[str]:
    """What ``check`` prints for ``content`` (every error and warning, sorted)."""
    return check_lines(content, NOW)


def expected_lines(hole: str) -> list[str]:
    return (CORPUS / hole / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_a_git_folder_in_the_content_is_never_published(tmp_path):
    """As the ``version_control`` fixture, with the folder git itself keeps (which no
    fixture can hold: git refuses to add a path through a ``.git`` folder)."""
    content = copy_of("version_control", tmp_path)
    (content / ".hg").rename(content / ".git")
    for report in (content / "articles").iterdir():
        report.write_text(report.read_text(encoding="utf-8").replace(".hg/", ".git/"), encoding="utf-8")
    (content / "media/repo").unlink()
    (content / "media/repo").symlink_to("../.git")
    assert problems(content) == [line.replace(".hg", ".git") for line in expected_lines("version_control")]
