"""A reader's first search on a built site, in Chromium: how long until the answer, and what it fetched.

    python bench/reader_search.py OUTPUT [--terms 疫情,森林防火,"志愿者 网格员"] [--repeat 3]

The build's side of search is timed by bench/run.py; this is the reader's side, which
is what the shard size (digest/search.py) trades against an edit's time: each shard is
a Pagefind bundle, and a reader's first search fetches an entry file and a metadata
file from every bundle, then the index chunks the query needs from each. OUTPUT (a
digest build's output folder) is served over HTTP/1.1 on 127.0.0.1, and each search is
made in a new browser context, so that nothing is cached: the time is from asking for
``search/?q=TERM`` to the page saying what it found. The default terms are words of
bench/corpus.py, for its corpora.

Prints a Markdown table of the medians per term: milliseconds, requests (all, and
Pagefind's), and the bytes of the responses' bodies.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import CHROMIUM, CHROMIUM_ARGS, SEARCH_ANSWERED, serving  # noqa: E402 - as the tests use them

TERMS = ["疫情", "森林防火", "志愿者 网格员"]


def first_search(browser, url: str, term: str) -> dict:
    """One reader's first search for ``term``, in a browser context of its own."""
    context = browser.new_context()
    try:
        page = context.new_page()
        fetched = []
        page.on("requestfinished", lambda request: fetched.append(request))
        began = time.perf_counter()
        page.goto(url + "search/?q=" + quote(term), wait_until="load")
        page.wait_for_function(SEARCH_ANSWERED, timeout=120_000)
        seconds = time.perf_counter() - began
        answer = page.evaluate("document.getElementById('search-status').textContent").strip()
        return {
            "ms": seconds * 1000,
            "requests": len(fetched),
            "pagefind": sum("/pagefind/" in request.url for request in fetched),
            "bytes": sum(request.sizes()["responseBodySize"] for request in fetched),
            "answer": answer,
        }
    finally:
        context.close()


def measure(output: Path, terms: list[str], repeat: int) -> dict[str, list[dict]]:
    """Each term searched ``repeat`` times, the terms in turn."""
    found: dict[str, list[dict]] = {term: [] for term in terms}
    with serving(output) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(repeat):
                for term in terms:
                    found[term].append(first_search(browser, url, term))
        finally:
            browser.close()
    return found


def table(found: dict[str, list[dict]]) -> list[str]:
    lines = ["| term | first search (ms) | requests | of them Pagefind's | bytes | answer |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for term, runs in found.items():
        def median(key):
            return statistics.median(run[key] for run in runs)
        lines.append(f"| {term} | {median('ms'):.0f} | {median('requests'):.0f} | {median('pagefind'):.0f} "
                     f"| {median('bytes'):,.0f} | {runs[-1]['answer']} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="a built site's output folder")
    parser.add_argument("--terms", default=",".join(TERMS), help="comma-separated search terms")
    parser.add_argument("--repeat", type=int, default=3, help="searches of each term (medians are shown)")
    args = parser.parse_args(argv)
    if not (args.output / "search" / "index.html").is_file():
        parser.error(f"{args.output} has no search page: build the site first")
    found = measure(args.output, args.terms.split(","), args.repeat)
    print("\n".join(table(found)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
