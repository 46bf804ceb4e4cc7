"""One configured Markdown, with pasted HTML cleaned and links resolved.

Markdown turns an article body into HTML; nh3 then removes whatever could run
(scripts, ``on*=`` handlers, ``javascript:`` and ``data:`` URLs, iframes from
hosts the site does not allow). While nh3 walks the attributes we also resolve
relative links, because links must be checked in raw HTML as much as in
Markdown: a link to another article's ``.md`` file becomes that article's URL,
and a link to a file that does not exist is reported.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import markdown as markdown_lib
import nh3
from lxml import html as lxml_html
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


@dataclass(frozen=True)
class LinkProblem:
    """A link or embed in a body that cannot be kept as written."""

    link: str  # as written, to find its line in the body
    target: str  # the content path it leads to ("" for a web address)
    message: str
    is_error: bool = True  # else a warning: the page is still made


@dataclass
class LinkContext:
    """What a body's relative links are resolved against, and what they found.

    ``article_urls`` maps every article's source path (relative to the content
    folder) to its site URL; ``root`` leads from the page the HTML is
    shown on back to the site root (``../../`` for ``articles/SLUG/``).
    """

    source: str
    content_dir: Path
    article_urls: dict[str, str]
    iframe_hosts: tuple[str, ...] = ()
    root: str = "../../"
    broken: list[LinkProblem] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)  # content files to copy
    images: set[str] = field(default_factory=set)  # the assets an <img> shows
    linked_sources: set[str] = field(default_factory=set)

    def resolve(self, tag: str, attribute: str, value: str) -> str | None:
        written = value.strip()
        value = "https:" + written if written.startswith("//") else written
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unclosed "[" in a host
            self._broken(written, "", f"the link '{written}' is not a usable web address; check it")
            return None
        if tag == "iframe":
            return self._embed(written, value, parts)
        if parts.scheme:
            return value if parts.scheme.lower() in URL_SCHEMES else None
        if not parts.path:
            return value  # a fragment or a query on this page
        return self._resolve_path(tag, parts.path, value, parts.fragment)

    def _embed(self, written: str, value: str, parts) -> str | None:
        """An iframe stays only if it shows a page from a host site.yaml allows."""
        host = (parts.hostname or "").lower() if parts.scheme.lower() in ("http", "https") else ""
        if host and host in self.iframe_hosts:
            return value
        self.broken.append(LinkProblem(
            written, "",
            f"the embedded frame '{written}' was removed: only hosts listed in site.yaml's "
            f"allow_iframe_hosts may be embedded (add {host or 'its host'} there if you trust it)",
            is_error=False,
        ))
        return None

    def _resolve_path(self, tag: str, path: str, value: str, fragment: str) -> str | None:
        target = unquote(path)
        if target.startswith("/"):
            resolved = posixpath.normpath(target.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), target))
        suffix = "#" + fragment if fragment else ""
        what = "the image" if tag == "img" else "the link"
        if resolved.startswith("../") or resolved == "..":
            self._broken(value, resolved, f"{what} '{value}' points outside the content folder; link only to files inside it")
            return None
        if resolved.endswith(".md"):
            url = self.article_urls.get(resolved)
            if url is None:
                self._broken(value, resolved, f"{what} '{value}' names an article file that does not exist "
                             f"(looked for {resolved}){self._hint(target, resolved)}")
                return None
            self.linked_sources.add(resolved)
            return self.root + url + suffix
        if not (self.content_dir / resolved).is_file():
            self._broken(value, resolved, f"{what} '{value}' names a file that does not exist "
                         f"(looked for {resolved}){self._hint(target, resolved)}")
            return None
        self.assets.add(resolved)
        if tag == "img":
            self.images.add(resolved)
        return self.root + quote(resolved) + suffix  # a space or a '#' in a file name stays in it

    def _broken(self, value: str, resolved: str, message: str) -> None:
        self.broken.append(LinkProblem(value, resolved, message))

    def _hint(self, target: str, resolved: str) -> str:
        """Name the file the editor probably meant, as a path relative to this file."""
        here = posixpath.dirname(self.source) or "."
        candidates = [target.lstrip("/")] if not target.startswith("../") else []
        if resolved.endswith(".md"):
            names = {posixpath.basename(s): s for s in sorted(self.article_urls, reverse=True) if s != self.source}
            close = difflib.get_close_matches(posixpath.basename(resolved), list(names), n=1, cutoff=0.75)
            candidates += [names[name] for name in close]
        for candidate in candidates:
            exists = candidate in self.article_urls or (self.content_dir / candidate).is_file()
            if candidate != resolved and exists:
                return f"; paths are relative to this file: did you mean '{posixpath.relpath(candidate, here)}'?"
        return "; check the name (paths are relative to this file)"


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

    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    return EMPTY_IFRAME.sub("", cleaned)


# An iframe whose src was refused shows an empty box: drop it whole.
EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL)


def _flatten_toc(tokens) -> list[tuple[int, str, str]]:
    flat = []
    for token in tokens:
        flat.append((token["level"], token["id"], token["name"]))
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


TEXT_BLOCKS = ("p", "li", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "dt", "dd", "figcaption", "div", "br", "hr")
PROSE_BLOCKS = ("p", "li", "blockquote")
NOT_PROSE = ("//div[contains(concat(' ', normalize-space(@class), ' '), ' footnote ')]"
             " | //sup | //table | //figure | //pre")


@dataclass(frozen=True)
class BodyText:
    """The text of a rendered body, read from one parse of its HTML."""

    visible: str  # everything a reader sees, a space between blocks (what search indexes)
    prose: str  # the paragraphs alone, no footnotes, tables or code (what a summary is cut from)


def body_text(html: str) -> BodyText:
    """Both texts of a body. Inline markup adds no space, so
    ``张艳维：<strong>口罩</strong>`` stays ``张艳维：口罩``.

    lxml rather than BeautifulSoup: this runs on every body of every cold
    build, and lxml reads the clean HTML nh3 made six times as fast.
    """
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for block in root.iter(TEXT_BLOCKS):
        if len(block):
            block[-1].tail = (block[-1].tail or "") + " "
        else:
            block.text = (block.text or "") + " "
    visible = root.text_content()
    for node in root.xpath(NOT_PROSE):
        node.drop_tree()
    outermost = (block for block in root.iter(PROSE_BLOCKS)
                 if next(block.iterancestors(PROSE_BLOCKS), None) is None)
    texts = (_collapse(block.text_content()) for block in outermost)
    return BodyText(visible, " ".join(text for text in texts if text))


CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")


def _collapse(text: str) -> str:
    """One space for a run of whitespace, none between Chinese characters (a wrapped line)."""
    return SPACE_BETWEEN_CJK.sub("", re.sub(r"\s+", " ", text)).strip()


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
