"""The progress bar: only for a person at a terminal, one line a stage, gone at the end."""

from __future__ import annotations

import io

from conftest import article_text, write_content
from digest.builder import Theme, build
from digest.loading import BuildOptions
from digest.progress import LONG_STAGE, Progress, TerminalProgress, for_terminal, quiet


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorded(Progress):
    """Every stage and every batch reported to it."""

    def __init__(self):
        self.stages: list[tuple[str, int | None]] = []
        self.counted: dict[str, int] = {}

    def stage(self, name, total, size=None):
        self.stages.append((name, total))
        self.counted[name] = 0

        def advance(count: int) -> None:
            self.counted[name] += count

        return advance


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    assert for_terminal(io.StringIO()) is quiet


def test_a_long_stage_draws_a_bar_that_is_gone_at_the_end():
    stream = Terminal()
    progress = for_terminal(stream)
    assert isinstance(progress, TerminalProgress)
    advance = progress.stage("rendering reports", LONG_STAGE * 2)
    advance(LONG_STAGE)
    drawn = stream.getvalue()
    assert "rendering reports" in drawn and f"{LONG_STAGE}/{LONG_STAGE * 2}" in drawn
    assert progress.stage("writing pages", 3) is None  # too short to be worth a bar
    progress.close()


def test_a_build_reports_its_stages_in_order_and_counts_every_item(tmp_path):
    content = write_content(tmp_path, {f"{n}.md": article_text(f"报道{n}", f"20{19 + n % 2}-0{1 + n % 9}-01")
                                       for n in range(12)})
    recorded = Recorded()
    build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"), Theme(), recorded)
    names = [name for name, _ in recorded.stages]
    assert names == ["reading reports", "rendering reports", "writing pages", "indexing for search"]
    assert all(recorded.counted[name] == total for name, total in recorded.stages)
    assert dict(recorded.stages)["indexing for search"] == 12
