"""Golden check of the whole sample site: every file the build writes, byte for byte.

The expected tree is ``tests/golden/sample/``. The sample content is built once
(``sample_site`` in conftest.py) and compared with it: the two must hold the
same file paths, and every file the same bytes. One failure lists every
difference at once: files missing from the build, files the golden copy lacks,
a unified diff of each text file that differs, the sizes of a binary one.

Nothing is left out, Pagefind's search bundle under ``pagefind/`` included:
repeated cold builds of the same content gave identical bytes in every file,
that bundle's too, and so did a build with the clock set years ahead (the
build time only holds back reports dated in the future; the sample has none).
If a Pagefind upgrade makes some bundle file differ from one build to the
next, compare only that file's name.

When a change to the templates or the engine changes the output on purpose,
read the differences the failure prints, then regenerate the whole tree (files
the build no longer writes are removed) with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "sample"
DIFF_LINES = 80  # of each file's diff


def test_the_whole_sample_site_matches_golden(sample_site):
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(sample_site, GOLDEN)
    expected, built = files_under(GOLDEN), files_under(sample_site)
    problems = [f"missing from the build: {path}" for path in sorted(expected.keys() - built.keys())]
    problems += [f"not in the golden copy: {path}" for path in sorted(built.keys() - expected.keys())]
    problems += [difference(path, expected[path], built[path])
                 for path in sorted(expected.keys() & built.keys()) if expected[path] != built[path]]
    if problems:
        pytest.fail(f"the built site differs from tests/golden/sample/ in {len(problems)} way(s):\n\n"
                    + "\n\n".join(problems), pytrace=False)


def files_under(root: Path) -> dict[str, bytes]:
    """The bytes of every file under ``root``, by its path relative to ``root``."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*") if path.is_file()}


def difference(path: str, expected: bytes, built: bytes) -> str:
    """How one file differs: a unified diff of text, the sizes of anything else."""
    try:
        old, new = expected.decode("utf-8"), built.decode("utf-8")
    except UnicodeDecodeError:
        return f"{path} (binary): {len(expected)} bytes in the golden copy, {len(built)} built"
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(),
                                     f"golden/{path}", f"built/{path}", lineterm="", n=2))
    if not diff:
        return f"{path}: differs only in line endings ({len(expected)} bytes in the golden copy, {len(built)} built)"
    if len(diff) > DIFF_LINES:
        diff = diff[:DIFF_LINES] + [f"... and {len(diff) - DIFF_LINES} more lines of diff"]
    return "\n".join(diff)
