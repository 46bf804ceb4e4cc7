"""Shared fixtures: the project's paths and one build of the sample site per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = PROJECT / "content"


def run_build(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    """Run the real command line, as an editor would."""
    return subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample content built once into a temporary output folder."""
    output = tmp_path_factory.mktemp("sample") / "output"
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output
