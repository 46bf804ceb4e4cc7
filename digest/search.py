"""Full-text search: Pagefind indexes the finished site before it is swapped in.

Only article pages are indexed (they carry ``data-pagefind-body``), so lists
and indexes do not crowd the results.

Chinese has no spaces between words. Pagefind segments the page with jieba
when it indexes, but the browser segments the query with ``Intl.Segmenter``,
and where the two disagree a report that contains the words is missed
(Pagefind issues 659, 889, 987: 红白喜事 is one word to jieba and 红/白/喜事
to the browser). So we let neither segmenter decide: each article carries a
hidden copy of its visible text with a zero-width space around every Chinese
character (:func:`indexed_text`), which Pagefind indexes one character per
word, and ``static/search.js`` asks for each query term as an exact phrase of
characters. That finds exactly the reports that contain the term, as a
reader expects from ``Ctrl+F``. The zero-width spaces do not show in
Pagefind's excerpts.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from .content import Article
from .render import chinese_datetime

WORD_BREAK = "\u200b"  # zero-width space: a word boundary to Pagefind, invisible in excerpts
IDEOGRAPH = re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f])")
SPACES = re.compile(rf"[\s{WORD_BREAK}]*\s[\s{WORD_BREAK}]*")
TEXT_BLOCKS = ["p", "li", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "dt", "dd", "figcaption", "div", "br", "hr"]


ARTICLE_PAGES = "articles/*/index.html"  # only reports carry data-pagefind-body: read no other page


class SearchIndexError(RuntimeError):
    pass


def index_site(site_dir: Path) -> None:
    """Run Pagefind over ``site_dir``; it writes ``site_dir/pagefind/``."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--silent",
               "--glob", ARTICLE_PAGES]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed: {result.stderr.strip() or result.stdout.strip()}")


@dataclass(frozen=True)
class IndexedText:
    """What Pagefind indexes for one article: the title apart, to weigh it more."""

    title: str
    body: str


def indexed_text(article: Article) -> IndexedText:
    """The article's visible text, one Chinese character per indexed word."""
    return IndexedText(one_word_per_character(article.title), one_word_per_character(visible_text(article)))


def visible_text(article: Article) -> str:
    """Everything a reader sees in the report below its title, in page order."""
    parts = [chinese_datetime(article.date), article.place, article.byline]
    if article.updated:
        parts.append("更新于 " + chinese_datetime(article.updated))
    parts += article.tags
    for photo in article.photos:
        parts += [photo.caption, f"（摄影：{photo.credit}）" if photo.credit else ""]
    parts.append(body_text(article.html))
    return " ".join(part for part in parts if part)


def body_text(html: str) -> str:
    """The body's text with a space between blocks but none around inline
    markup, so ``张艳维：<strong>口罩</strong>`` stays ``张艳维：口罩``."""
    soup = BeautifulSoup(html, "html.parser")
    for block in soup.find_all(TEXT_BLOCKS):
        block.append(" ")
    return soup.get_text("")


def one_word_per_character(text: str) -> str:
    """``红白喜事 2020年`` → ``红​白​喜​事 2020​年`` (zero-width spaces)."""
    spaced = IDEOGRAPH.sub(WORD_BREAK + r"\1" + WORD_BREAK, text)
    spaced = re.sub(WORD_BREAK + "+", WORD_BREAK, spaced)
    return SPACES.sub(" ", spaced).strip(" " + WORD_BREAK)
