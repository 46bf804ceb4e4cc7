"""Full-text search: Pagefind indexes the finished site before it is swapped in.

Pagefind's extended build segments Chinese text. Only article pages are
indexed (they carry ``data-pagefind-body``), so lists and indexes do not
crowd the results.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class SearchIndexError(RuntimeError):
    pass


def index_site(site_dir: Path) -> None:
    """Run Pagefind over ``site_dir``; it writes ``site_dir/pagefind/``."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed: {result.stderr.strip() or result.stdout.strip()}")
