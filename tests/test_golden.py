"""Golden checks: key pages of the sample site, byte for byte.

When a change to the templates or the engine changes these pages on purpose,
look at the diff the failure prints, then regenerate the expected files with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "sample"
KEY_PAGES = [
    "index.html",
    "articles/yima/index.html",
    "timeline/index.html",
    "places/yi-ma-xiang/index.html",
    "feed.xml",
    "atom.xml",
    "sitemap.xml",
]


@pytest.mark.parametrize("path", KEY_PAGES)
def test_key_page_matches_golden(sample_site, path):
    built = (sample_site / path).read_text(encoding="utf-8")
    expected_file = GOLDEN / path
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(built, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    if built != expected:
        diff = difflib.unified_diff(expected.splitlines(), built.splitlines(),
                                    f"golden/{path}", f"built/{path}", lineterm="", n=2)
        pytest.fail("the built page differs from the golden copy:\n" + "\n".join(list(diff)[:80]))
