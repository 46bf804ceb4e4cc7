"""Checks of bench/corpus.py: python -m pytest bench/test_corpus.py"""

import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

FLAVORS = ["digest", "pelican", "hugo"]


def files(root):
    """Return {relative path: bytes} of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_same_n_gives_same_bytes(tmp_path, flavor):
    corpus.generate(40, tmp_path / "a", flavor)
    corpus.generate(40, tmp_path / "b", flavor)
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_links_point_at_existing_articles(tmp_path):
    corpus.generate(60, tmp_path, "digest")
    links = 0
    for path in (tmp_path / "articles").rglob("*.md"):
        for target in re.findall(r"\]\(([^)]+\.md)\)", path.read_text(encoding="utf-8")):
            assert (path.parent / target).is_file(), (path, target)
            links += 1
    assert links >= 60


def test_bodies_are_the_same_in_every_flavor(tmp_path):
    roots = {"digest": tmp_path / "d" / "articles", "pelican": tmp_path / "p" / "content" / "articles",
             "hugo": tmp_path / "h" / "content" / "posts"}
    for flavor, folder in zip(FLAVORS, ["d", "p", "h"]):
        corpus.generate(30, tmp_path / folder, flavor)
    for path in roots["digest"].rglob("*.md"):
        rel = path.relative_to(roots["digest"])
        bodies = set()
        for flavor, root in roots.items():
            text = (root / rel).read_text(encoding="utf-8")
            body = text.split("\n\n", 1)[1] if flavor == "pelican" else text.split("---\n", 2)[2]
            bodies.add(re.sub(r"\]\([^)]*\)", "]()", body))
        assert len(bodies) == 1, rel


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").write_text("x")
    with pytest.raises(SystemExit):
        corpus.generate(5, tmp_path, "digest")


def test_article_lengths(tmp_path):
    corpus.generate(50, tmp_path, "digest")
    for path in (tmp_path / "articles").rglob("*.md"):
        body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
        prose = re.sub(r"\]\([^)]*\)", "]", body)
        assert 800 <= len(prose) <= 3300, (os.fspath(path), len(prose))
