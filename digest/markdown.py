"""One configured Markdown, with pasted HTML cleaned and links resolved.

Markdown turns an article body into HTML; nh3 then removes whatever could run
(scripts, ``on*=`` handlers, ``javascript:`` and ``data:`` URLs, iframes from
hosts the site does not allow). While nh3 walks the attributes we also resolve
relative links, because links must be checked in raw HTML as much as in
Markdown: a link to another article's ``.md`` file becomes that article's URL,
and a link to a file that does not exist is reported.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown as markdown_lib
import nh3
from bs4 import BeautifulSoup
from markdown.extensions.toc import slugify_unicode

EXTENSIONS = ["tables", "footnotes", "toc", "attr_list", "sane_lists", "fenced_code", "abbr", "def_list"]
EXTENSION_CONFIGS = {
    "toc": {"slugify": slugify_unicode, "permalink": False},
    "footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处", "SUPERSCRIPT_TEXT": "{}"},
}

ALLOWED_TAGS = (nh3.ALLOWED_TAGS - {"center", "acronym", "strike", "tt", "big"}) | {"iframe"}
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang", "class", "id"},
    "img": {"src", "alt", "width", "height", "loading"},
    "iframe": {"src", "width", "height", "allowfullscreen", "loading"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "sup": {"id"}, "li": {"id"}, "div": {"class"}, "ol": {"start"},
    "th": {"colspan", "rowspan", "scope", "style"}, "td": {"colspan", "rowspan", "style"},
    "abbr": {"title"}, "time": {"datetime"}, "code": {"class"}, "span": {"class"},
    "del": {"datetime"}, "ins": {"datetime"}, "q": {"cite"}, "blockquote": {"cite"},
}
URL_ATTRIBUTES = {("a", "href"), ("img", "src"), ("iframe", "src"), ("q", "cite"), ("blockquote", "cite")}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
SENTENCE_ENDS = "。！？!?…"


@dataclass
class LinkContext:
    """What a body's relative links are resolved against, and what they found.

    ``article_urls`` maps every article's source path (relative to the content
    folder) to its site URL; ``page_prefix`` leads from the page the HTML is
    shown on back to the site root (``../../`` for ``articles/SLUG/``).
    """

    source: str
    content_dir: Path
    article_urls: dict[str, str]
    iframe_hosts: tuple[str, ...] = ()
    page_prefix: str = "../../"
    broken: list[tuple[str, str]] = field(default_factory=list)  # (link, message)
    assets: set[str] = field(default_factory=set)  # content files to copy
    linked_sources: set[str] = field(default_factory=set)

    def resolve(self, tag: str, attribute: str, value: str) -> str | None:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme:
            if parts.scheme.lower() not in URL_SCHEMES:
                return None
            if tag == "iframe" and (parts.hostname or "").lower() not in self.iframe_hosts:
                return None
            return value
        if tag == "iframe":
            return None
        if value.startswith("//"):
            return "https:" + value if tag != "iframe" else None
        if not parts.path:
            return value  # a fragment or a query on this page
        return self._resolve_path(parts.path, value, parts.fragment)

    def _resolve_path(self, path: str, value: str, fragment: str) -> str | None:
        target = unquote(path)
        if target.startswith("/"):
            resolved = posixpath.normpath(target.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), target))
        suffix = "#" + fragment if fragment else ""
        if resolved.startswith("../") or resolved == "..":
            self.broken.append((value, f"the link '{value}' points outside the content folder"))
            return None
        if resolved.endswith(".md"):
            url = self.article_urls.get(resolved)
            if url is None:
                self.broken.append((value, f"the link '{value}' names an article that does not exist ({resolved})"))
                return None
            self.linked_sources.add(resolved)
            return self.page_prefix + url + suffix
        if not (self.content_dir / resolved).is_file():
            self.broken.append((value, f"the link '{value}' names a file that does not exist ({resolved})"))
            return None
        self.assets.add(resolved)
        return self.page_prefix + resolved + suffix


class MarkdownRenderer:
    """A reusable Markdown converter; one per process, reset between bodies."""

    def __init__(self) -> None:
        self.md = markdown_lib.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)

    def render(self, text: str, links: LinkContext) -> tuple[str, tuple]:
        """Body Markdown → clean HTML and the (level, id, name) of its headings."""
        self.md.reset()
        html = self.md.convert(text)
        headings = tuple(_flatten_toc(getattr(self.md, "toc_tokens", [])))
        return clean_html(html, links), headings


def clean_html(html: str, links: LinkContext) -> str:
    """Remove everything that could run; resolve links through ``links``."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in URL_ATTRIBUTES:
            return links.resolve(tag, attribute, value)
        if attribute == "style":
            return value if re.fullmatch(r"\s*text-align:\s*(left|right|center);?\s*", value) else None
        return value

    tags = ALLOWED_TAGS if links.iframe_hosts else ALLOWED_TAGS - {"iframe"}
    return nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )


def _flatten_toc(tokens) -> list[tuple[int, str, str]]:
    flat = []
    for token in tokens:
        flat.append((token["level"], token["id"], token["name"]))
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def plain_text(html: str) -> str:
    """The readable text of a body, without footnotes, tables' markup or tags."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.select("div.footnote, sup, table, figure, pre"):
        node.decompose()
    blocks = (block.get_text(" ", strip=True) for block in soup.find_all(["p", "li", "blockquote"]))
    return " ".join(b for b in blocks if b)


def cut_summary(text: str, limit: int) -> str:
    """Cut text to about ``limit`` characters the CJK way.

    Prefer ending at a sentence end (。！？) in the last half of the limit;
    otherwise cut at the limit and add an ellipsis, never splitting a
    character sequence that belongs together (emoji with modifiers, ZWJ).
    """
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    end = max(window.rfind(mark) for mark in SENTENCE_ENDS)
    if end >= limit // 2:
        return _close_quotes(text, end + 1)
    cut = limit
    while cut > 0 and _joins_previous(text, cut):
        cut -= 1
    return text[:cut].rstrip() + "…"


def _close_quotes(text: str, end: int) -> str:
    """Keep a closing quote that follows the sentence end: 他说：“好。”"""
    while end < len(text) and text[end] in "”’」』）)\"'":
        end += 1
    return text[:end]


def _joins_previous(text: str, index: int) -> bool:
    """True when text[index] must stay with the character before it."""
    char, before = text[index], text[index - 1]
    return (
        unicodedata.combining(char) > 0
        or char in "\u200d\ufe0e\ufe0f"
        or before == "\u200d"
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tones
        or 0xE0020 <= ord(char) <= 0xE007F  # tag sequences
        or unicodedata.category(char) == "Mn"
        or "\udc00" <= char <= "\udfff"
        or (0x1F1E6 <= ord(char) <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF
            and _regional_run(text, index) % 2 == 1)
    )


def _regional_run(text: str, index: int) -> int:
    count = 0
    while index - 1 - count >= 0 and 0x1F1E6 <= ord(text[index - 1 - count]) <= 0x1F1FF:
        count += 1
    return count


def line_of(text: str, needle: str, first_line: int) -> int:
    """The file line where ``needle`` first appears in a body starting at ``first_line``."""
    index = text.find(needle)
    return first_line if index < 0 else first_line + text.count("\n", 0, index)
