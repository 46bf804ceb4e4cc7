"""Checks of bench/run.py's paired edits: python -m pytest bench/test_run.py"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


@pytest.mark.skipif(subprocess.run(["git", "-C", str(run.ROOT), "rev-parse", "HEAD"], capture_output=True).returncode,
                    reason="not a git checkout: there is no commit to compare against")
def test_paired_edits_build_both_sides_in_turns_and_report_their_ratio(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "WORK", tmp_path)
    monkeypatch.setattr(run, "SETTLED_SECONDS", 0)
    (tmp_path / "logs").mkdir()
    lines = run.paired_edits(12, 2, "HEAD", run.Digest())
    text = "\n".join(lines)
    assert re.search(r"before: median \d+\.\d{3} s \(\d+\.\d\d \d+\.\d\d\)", text)
    assert re.search(r"after: median \d+\.\d{3} s \(\d+\.\d\d \d+\.\d\d\)", text)
    assert re.search(r"after / before: \d+\.\d{3}", text)
    for side in ("digest-before", "digest"):  # a cold build, the first edit, then two counted
        log = (tmp_path / "logs" / f"{side}-12.log").read_text(encoding="utf-8")
        assert log.count("$ ") == 4
        assert (tmp_path / "n12" / side / "output" / "index.html").is_file()
