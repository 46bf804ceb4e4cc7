"""Web-address names made from Chinese text: pinyin, cut only between words.

A report's slug is the pinyin of its words, the syllables of one word written
together and the words joined by hyphens (梧桐镇设立三处交通卡口 →
``wutongzhen-sheli-sanchu-jiaotongkakou``), at most :data:`SLUG_LIMIT`
characters, cut after a whole word: a cut never leaves half a word (``ka``
for 卡口), which reads as another word and makes two titles share a slug.

Words are found by two segmenters, jieba's dictionary and pypinyin's phrases,
and a word ends only where both say it does: each alone cuts some words that
the other keeps (jieba reads 交通卡|口, "transit card" and "mouth").

Tags and places keep one hyphen between syllables (``ka-kou-zhi-shou``): their
pages' addresses have always been made that way, and are not cut.

pypinyin and jieba are imported when Chinese text needs them: their dictionaries
take a while to load, which a build whose slugs are all known never pays.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

SLUG_LIMIT = 60  # characters: an address that stays readable, and whole words of a headline
NAME_SLUG_LIMIT = 80
CHINESE = re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")
ASCII_WORD = re.compile(r"[a-z0-9]+")


def slugify(text: str, limit: int = SLUG_LIMIT) -> str:
    """Lower-case ASCII words joined by hyphens, cut after a whole word to at most
    ``limit`` characters; a Chinese word is its syllables written together."""
    return _cut("-".join(word for word in map(_ascii, _words(text)) if word), limit)


def name_slug(text: str) -> str:
    """The address of a tag's or a place's page: every syllable apart (卡口值守 → ka-kou-zhi-shou)."""
    return _cut("-".join(ASCII_WORD.findall(" ".join(_pinyin(text)).lower())), NAME_SLUG_LIMIT)


def _cut(slug: str, limit: int) -> str:
    """``slug`` up to its last hyphen within ``limit``; a single longer word is cut."""
    if len(slug) <= limit:
        return slug
    head = slug[:limit + 1]
    return head[:head.rfind("-")] if "-" in head else slug[:limit]


def _ascii(word: str) -> str:
    """A word's pinyin (or its letters and digits), lower case, parts joined by hyphens."""
    return "-".join(ASCII_WORD.findall("".join(_pinyin(word)).lower()))


def _pinyin(text: str) -> list[str]:
    """pypinyin's syllables of ``text`` (other text as it is)."""
    if text.isascii():
        return [text]
    from pypinyin import lazy_pinyin

    return lazy_pinyin(text)


def _words(text: str) -> list[str]:
    """The words of ``text``: Chinese runs segmented, other text split at what is not a letter or digit."""
    words = []
    for index, run in enumerate(CHINESE.split(text)):
        words += chinese_words(run) if index % 2 else re.split(r"[^A-Za-z0-9]+", run)
    return words


def chinese_words(run: str) -> list[str]:
    """A run of Chinese characters cut where jieba and pypinyin's phrases both end a word."""
    from pypinyin.seg.mmseg import seg as phrase_segmenter

    ends = _ends(_jieba().lcut(run, HMM=False)) & _ends(phrase_segmenter.cut(run))
    words, start = [], 0
    for end in sorted(ends):
        words.append(run[start:end])
        start = end
    return words


def _ends(words) -> set[int]:
    ends, position = set(), 0
    for word in words:
        position += len(word)
        ends.add(position)
    return ends


@lru_cache(maxsize=1)
def _jieba():
    """jieba, loaded once and only when Chinese text needs a slug (its dictionary takes a second)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr
    return jieba
