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


def write_content(root: Path, articles: dict[str, str], timeline: str | None = None,
                  site: str = "title: 测试站\nbase_url: https://example.cn/\n") -> Path:
    """Make a small content folder: ``articles`` maps paths under articles/ to file text."""
    content = root / "content"
    (content / "articles").mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(site, encoding="utf-8")
    if timeline is not None:
        (content / "timeline.yaml").write_text(timeline, encoding="utf-8")
    for name, text in articles.items():
        path = content / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def article_text(title: str = "标题", date: str = "2020-01-30", body: str = "正文。", **fields: str) -> str:
    """An article file with the given front matter fields (values written as given)."""
    lines = [f"title: {title}", f"date: {date}", *(f"{key}: {value}" for key, value in fields.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"
