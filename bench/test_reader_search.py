"""Checks of bench/reader_search.py: python -m pytest bench/test_reader_search.py"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import reader_search  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_a_first_search_is_timed_with_what_it_fetched_from_every_shard(tmp_path):
    corpus.generate(40, tmp_path / "content", "digest")  # nine years: nine shards
    output = tmp_path / "output"
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(tmp_path / "content"),
                    "--output", str(output)], check=True, capture_output=True)
    bundles = [folder for folder in (output / "pagefind").iterdir() if folder.is_dir()]
    found = reader_search.measure(output, ["疫情"], 1)
    search = found["疫情"][0]
    assert re.fullmatch(r"找到 [1-9]\d* 篇报道包含“疫情”。", search["answer"])
    assert len(bundles) > 1
    assert search["pagefind"] >= 2 * len(bundles)  # an entry and a meta from each, then the chunks
    assert search["requests"] > search["pagefind"]  # and the page itself
    assert search["bytes"] > 0 and search["ms"] > 0
    assert reader_search.table(found)[2].startswith("| 疫情 | ")


def test_a_folder_with_no_search_page_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        reader_search.main([str(tmp_path)])
    assert exit.value.code == 2
    assert "has no search page" in capsys.readouterr().err
