"""One configured Markdown, with pasted HTML cleaned and links resolved.

Markdown turns an article body into HTML; nh3 then removes whatever could run
(scripts, ``on*=`` handlers, ``javascript:`` and ``data:`` URLs, iframes from
hosts the site does not allow). While nh3 walks the attributes we also resolve
relative links, because links must be checked in raw HTML as much as in
Markdown: a link to another article's ``.md`` file becomes that article's URL,
and a link to a file that does not exist is reported. So is a link to a file the
site must not publish: one that could run script on the site (a page, XML, SVG),
one of a kind not on the list, or one a symbolic link takes out of the content
folder. A body nested past the limits below is refused before it is rendered.
"""

from __future__ import annotations

import difflib
import gettext
import math
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

import markdown as markdown_lib
import nh3
from lxml import html as lxml_html
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markdown.util import Registry

from . import sources
from .i18n import N_, _, page_texts

EXTENSIONS = ["tables", "footnotes", "toc", "attr_list", "sane_lists", "fenced_code", "abbr", "def_list"]
EXTENSION_CONFIGS = {
    "toc": {"slugify": slugify_unicode, "permalink": False},
    "footnotes": {"SUPERSCRIPT_TEXT": "{}"},  # BACKLINK_TITLE: in the site's language (MarkdownRenderer)
}

ALLOWED_TAGS = (nh3.ALLOWED_TAGS - {"center", "acronym", "strike", "tt", "big"}) | {"iframe"}
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang", "class", "id"},
    "img": {"src", "alt", "width", "height", "loading"},
    "iframe": {"src", "width", "height", "allowfullscreen", "loading"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "sup": {"id"}, "li": {"id"}, "div": {"class"}, "ol": {"start"}, "figure": {"class"},
    "th": {"colspan", "rowspan", "scope", "style"}, "td": {"colspan", "rowspan", "style"},
    "abbr": {"title"}, "time": {"datetime"}, "code": {"class"}, "span": {"class"},
    "del": {"datetime"}, "ins": {"datetime"}, "q": {"cite"}, "blockquote": {"cite"},
}
URL_ATTRIBUTES = {("a", "href"), ("img", "src"), ("iframe", "src"), ("q", "cite"), ("blockquote", "cite")}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
SENTENCE_ENDS = "。！？!?…"

# Linked files are published as they are, so only kinds a browser cannot run
# script from on the site's origin: a page, an XML file or an SVG picture can.
PUBLISHED_KINDS = {
    "images": ("jpg", "jpeg", "png", "gif", "webp", "avif"),
    "pdf": ("pdf",),
    "office": ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "wps", "et", "dps"),
    "text": ("txt", "csv"),
    "audio": ("mp3", "m4a", "wav", "ogg", "aac", "flac"),
    "video": ("mp4", "webm", "mov", "m4v"),
    "archives": ("zip", "rar", "7z", "gz", "tgz"),
}
PUBLISHED_EXTENSIONS = frozenset(ext for group in PUBLISHED_KINDS.values() for ext in group)
ONLY_PUBLISHED_KINDS = N_("link only to images ({images}), PDF, office documents ({office}), "
                          "plain text ({text}), audio ({audio}), video ({video}) or archives ({archives})")
SCRIPT_EXTENSIONS = {
    "html": N_("an HTML page"), "htm": N_("an HTML page"), "shtml": N_("an HTML page"),
    "xhtml": N_("an XHTML page"), "xht": N_("an XHTML page"), "xml": N_("an XML file"),
    "svg": N_("an SVG picture"), "svgz": N_("an SVG picture"),
}
# What a file of another kind holds, told by how it starts (after a BOM and white space).
SCRIPT_STARTS = (("<!doctype html", "HTML"), ("<html", "HTML"), ("<svg", "SVG"), ("<?xml", "XML"))
INSTEAD_OF_SVG = N_("save it as a PNG (or JPEG) and use that instead")
INSTEAD_OF_PAGE = N_("put the page's content in a report, or link the original site")


@dataclass(frozen=True)
class LinkProblem:
    """A link or embed in a body that cannot be kept as written."""

    link: str  # as written, to find its line in the body
    target: str  # the content path it leads to ("" for a web address)
    message: str
    is_error: bool = True  # else a warning: the page is still made
    line: int | None = None  # its line in the body (0 = the first) where no link can tell it


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
    _inside: Path | None = field(default=None, init=False, repr=False)  # the content folder, resolved

    def resolve(self, tag: str, attribute: str, value: str) -> str | None:
        written = value.strip()
        if tag == "iframe":
            return self._embed(written)
        value = "https:" + written if written.startswith("//") else written
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unclosed "[" in a host
            self._broken(written, "", _("the link '{link}' is not a usable web address; check it").format(link=written))
            return None
        if parts.scheme:
            return value if parts.scheme.lower() in URL_SCHEMES else None
        if not parts.path:
            return value  # a fragment or a query on this page
        return self._resolve_path(tag, parts.path, value, parts.fragment)

    def _embed(self, written: str) -> str | None:
        """An iframe stays only if it shows a page from a host site.yaml allows, the
        host read as a browser reads it (see :func:`frame_host`)."""
        host = frame_host(written)
        if host and host in {frame_host(f"https://{allowed}/") for allowed in self.iframe_hosts}:
            cleaned = _without_tabs_and_newlines(written.strip(C0_AND_SPACE))
            return "https:" + cleaned if cleaned[:1] in ("/", "\\") else cleaned
        self.broken.append(LinkProblem(
            written, "",
            _("the embedded frame '{link}' was removed: only hosts listed in site.yaml's allow_iframe_hosts may be "
              "embedded (add {host} there if you trust it)").format(link=written, host=host or _("its host")),
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
        what = _("the image") if tag == "img" else _("the link")
        if resolved.startswith("../") or resolved == "..":
            self._broken(value, resolved, _("{what} '{value}' points outside the content folder; link only to files "
                                            "inside it").format(what=what, value=value))
            return None
        if resolved.endswith(".md"):
            url = self.article_urls.get(resolved)
            if url is None:
                self._broken(value, resolved, _("{what} '{value}' names an article file that does not exist "
                                                "(looked for {resolved}){hint}").format(
                    what=what, value=value, resolved=resolved, hint=self._hint(target, resolved)))
                return None
            self.linked_sources.add(resolved)
            return self.root + url + suffix
        if not _is_file(self.content_dir / resolved):
            self._broken(value, resolved, _("{what} '{value}' names a file that does not exist "
                                            "(looked for {resolved}){hint}").format(
                what=what, value=value, resolved=resolved, hint=self._hint(target, resolved)))
            return None
        if self._inside is None:
            self._inside = sources.resolved(self.content_dir) or self.content_dir.absolute()
        real = sources.real_source(self.content_dir, resolved, self._inside)
        way_out = sources.way_out(self.content_dir, resolved, self._inside) if real is None else None
        if way_out:
            self._broken(value, resolved, _("{what} '{value}' leads outside the content folder: {way_out} is a "
                                            "symbolic link to a place outside it, and nothing from outside is "
                                            "published; copy the file itself into the content folder").format(
                what=what, value=value, way_out=way_out))
            return None
        folder = sources.version_control_folder(resolved, real)
        if folder:
            self._broken(value, resolved, _("{what} '{value}' leads into {folder}, a version-control folder, whose "
                                            "files are never published; copy the file into another folder of the "
                                            "content, e.g. media/").format(what=what, value=value, folder=folder))
            return None
        refused = unpublished_kind(self.content_dir / resolved)
        if refused:
            if tag == "img":
                message = _("the image '{value}' is {refused}")
            else:
                message = _("the link '{value}' leads to {refused}")
            self._broken(value, resolved, message.format(value=value, refused=refused))
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
            exists = candidate in self.article_urls or _is_file(self.content_dir / candidate)
            if candidate != resolved and exists:
                return _("; paths are relative to this file: did you mean '{path}'?").format(
                    path=posixpath.relpath(candidate, here))
        return _("; check the name (paths are relative to this file)")


C0_AND_SPACE = "".join(map(chr, range(0x21)))
AUTHORITY_ENDS = re.compile(r"[/\\?#]")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
IPV6_HOST = re.compile(r"\[[0-9a-f:.]+\]")


def frame_host(url: str) -> str | None:
    """The host a browser loads ``url`` from, as the WHATWG URL standard reads it;
    None if it is not an http(s) address with a usable host.

    Read as a browser reads an address of a special scheme (http, https), not as
    :func:`urllib.parse.urlsplit` does: leading and trailing C0 controls and spaces
    are stripped, tabs and newlines removed anywhere, a backslash is a slash (so
    ``https://evil.example\\@allowed.example/`` is host evil.example), the host
    is what follows the last ``@`` of the authority, percent-decoded, lower-cased
    and IDNA-encoded (``例子.测试`` is ``xn--fsqu00a.xn--0zwm56d``), without a
    port or a trailing dot. A scheme-relative ``//host/`` counts as https.
    """
    text = _without_tabs_and_newlines(url.strip(C0_AND_SPACE))
    scheme = SCHEME.match(text)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return None
        rest = text[scheme.end():]
    elif text[:2] in ("//", "\\\\", "/\\", "\\/"):
        rest = text
    else:
        return None  # a path on this site, not a host
    rest = rest.lstrip("/\\")
    authority = AUTHORITY_ENDS.split(rest, maxsplit=1)[0]
    host_and_port = authority.rpartition("@")[2]
    if host_and_port.startswith("["):  # an IPv6 address
        address, _bracket, after = host_and_port.partition("]")
        host = (address + "]").lower() if IPV6_HOST.fullmatch((address + "]").lower()) else None
        port = after[1:] if after.startswith(":") else after
    else:
        name, _colon, port = host_and_port.partition(":")
        host = _host_name(name)
    if host is None or (port and not (port.isascii() and port.isdigit() and int(port) <= 65535)):
        return None
    return host


def _host_name(host: str) -> str | None:
    """A domain as a browser compares it: percent-decoded, lower case, ASCII (IDNA),
    no trailing dot; None if it cannot be a host."""
    try:
        name = unquote(host, errors="strict").lower().encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    name = name.removesuffix(".")
    return name if HOST_NAME.fullmatch(name) else None


def _without_tabs_and_newlines(text: str) -> str:
    return text.replace("\t", "").replace("\n", "").replace("\r", "")


def unpublished_kind(path: Path) -> str | None:
    """Why the linked file ``path`` cannot be published as it is, or None if it can.

    The kind is told by the extension (in any case); a file whose extension is
    not a published kind is also read for how it starts, so that a page saved
    under another name is named for what it is.
    """
    extension = path.suffix.lower().lstrip(".")
    if extension in PUBLISHED_EXTENSIONS:
        return None
    if extension in SCRIPT_EXTENSIONS:
        instead = INSTEAD_OF_SVG if extension.startswith("svg") else INSTEAD_OF_PAGE
        return _("{kind}, which could run script on this site, so it is not published; {instead}").format(
            kind=_(SCRIPT_EXTENSIONS[extension]), instead=_(instead))
    start = _first_bytes(path)
    for prefix, kind in SCRIPT_STARTS:
        if start.startswith(prefix.encode()):
            instead = INSTEAD_OF_SVG if kind == "SVG" else INSTEAD_OF_PAGE
            return _("a file that holds {kind} (it starts with '{prefix}'), which could run script on this site, "
                     "so it is not published; {instead}").format(kind=kind, prefix=prefix, instead=_(instead))
    kind = _("a .{extension} file").format(extension=extension) if extension else _("a file without an extension")
    return _("{kind}, which the site does not publish; {only}").format(kind=kind, only=_only_published_kinds())


def _only_published_kinds() -> str:
    """What a body may link to, each kind with its extensions."""
    return _(ONLY_PUBLISHED_KINDS).format_map(
        {kind: ", ".join(extensions) for kind, extensions in PUBLISHED_KINDS.items()})


def _first_bytes(path: Path) -> bytes:
    """The start of a file, lower-cased, without a BOM or white space before it."""
    try:
        with open(path, "rb") as file:
            start = file.read(512)
    except OSError:
        return b""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if start.startswith(bom):
            start = start[len(bom):].decode(encoding, "ignore").encode("utf-8", "ignore")
            break
    return start.lstrip(b" \t\r\n\f").lower()


def _is_file(path: Path) -> bool:
    """``path.is_file()``, and False for a name the system cannot even look up (too long)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


ENLARGE = "enlarge"  # the class of the link around a photo that opens it large
# Until the image's address is resolved (and checked once, as the image's), the link
# points here; :func:`_link_photos` gives it the image's address.
UNRESOLVED = "#enlarge"
ENLARGE_UNRESOLVED = re.compile(f'(<a class="{ENLARGE}" href=")' + UNRESOLVED + r'("[^>]*><img\b[^>]*?\ssrc=")([^"]*)"')


class PhotoFigures(Treeprocessor):
    """An image that stands alone in its paragraph is a photo: a ``<figure>`` whose
    caption is the alt text and whose credit is the title (the contract's rule),
    the image inside a link to itself, so that a tap opens it large without script
    (:func:`digest.photos.responsive_images` points the link at the large rendition).
    The link's name, which also says what a tap does, and the credit's brackets are
    in the site's language (``texts``)."""

    def __init__(self, md, texts: gettext.NullTranslations) -> None:
        super().__init__(md)
        self.texts = texts

    def run(self, root: ElementTree.Element) -> None:
        for paragraph in root.iter("p"):
            if not _is_lone_image(paragraph):
                continue
            image = paragraph[0]
            caption, credit = image.get("alt", ""), image.attrib.pop("title", "")
            tail = paragraph.tail
            paragraph.clear()
            paragraph.tag, paragraph.tail = "figure", tail
            paragraph.set("class", "photo")
            link = ElementTree.SubElement(paragraph, "a", {"class": ENLARGE, "href": UNRESOLVED,
                                                           "title": self.texts.gettext("View the large picture")})
            link.append(image)
            if caption or credit:
                figcaption = ElementTree.SubElement(paragraph, "figcaption")
                figcaption.text = caption
                if credit:  # as a front-matter photo's: （摄影：赵泉）
                    ElementTree.SubElement(figcaption, "span", {"class": "credit"}).text = (
                        self.texts.gettext("({credit})").format(credit=credit))


def _link_photos(html: str) -> str:
    """Each photo figure's link leads to its image (made the large rendition later,
    by :func:`digest.photos.responsive_images`)."""
    linked = ENLARGE_UNRESOLVED.sub(r'\1\3\2\3"', html)
    return linked.replace(f'<a class="{ENLARGE}" href="{UNRESOLVED}"', f'<a class="{ENLARGE}"')  # an image removed


def _is_lone_image(paragraph: ElementTree.Element) -> bool:
    return (len(paragraph) == 1 and paragraph[0].tag == "img" and not (paragraph.text or "").strip()
            and not (paragraph[0].tail or "").strip())


class PhotoFigureExtension(Extension):
    def __init__(self, texts: gettext.NullTranslations) -> None:
        super().__init__()
        self.texts = texts

    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(PhotoFigures(md, self.texts), "photo_figures", 5)  # after inline images are made


class MarkdownRenderer:
    """A reusable Markdown converter; one per process, reset between bodies."""

    def __init__(self, language: str = "zh-CN") -> None:
        """``language``: the site's, for the few words the HTML of a body has of its own."""
        self.language = language
        self._start_afresh()

    def _start_afresh(self) -> None:
        """A new Python-Markdown converter: at first, and after one was stopped half-way
        through a body (a RecursionError), which may leave its state mixed up."""
        texts = page_texts(self.language)
        configs = {**EXTENSION_CONFIGS, "footnotes": {
            **EXTENSION_CONFIGS["footnotes"], "BACKLINK_TITLE": texts.gettext("Back to reference %d in the text")}}
        self.md = markdown_lib.Markdown(extensions=[*EXTENSIONS, PhotoFigureExtension(texts)],
                                        extension_configs=configs)
        self.inline = self.md.treeprocessors["inline"]
        self._patterns: dict[tuple, Registry] = {}  # which patterns can match -> those patterns

    def render(self, text: str, links: LinkContext) -> tuple[str, tuple]:
        """Body Markdown → clean HTML and the (level, id, name) of its headings.

        A body nested too deeply to render (see :func:`nesting_problem`), or with
        more markup than Python-Markdown can take in linear time (see
        :func:`costly_markup_problem`), gives no HTML and a problem in
        ``links.broken``; so does one whose HTML would put more than
        ``HTML_DEPTH_LIMIT`` tags inside one another.
        """
        found = nesting_problem(text) or costly_markup_problem(text)
        if found:
            links.broken.append(LinkProblem("", "", found[1], line=found[0]))
            return "", ()
        self.md.reset()
        self.inline.inlinePatterns = self.patterns_for(text)
        try:
            html = self.md.convert(text)
        except RecursionError:  # what the check above missed, if anything: still not a crash
            self._start_afresh()
            links.broken.append(LinkProblem("", "", _(TOO_DEEP_TO_RENDER), line=0))
            return "", ()
        headings = tuple(_flatten_toc(getattr(self.md, "toc_tokens", [])))
        cleaned = _link_photos(clean_html(html, links))
        _warn_images_without_alt(html, links)
        if html_depth(cleaned) > HTML_DEPTH_LIMIT:
            message = _("the HTML here puts more than {limit} tags inside one another, which is more than a page "
                        "can show; take out some of the levels").format(limit=HTML_DEPTH_LIMIT)
            links.broken.append(LinkProblem("", "", message, line=_deepest_tags_line(text)))
            return "", ()
        return cleaned, headings

    def patterns_for(self, text: str) -> Registry:
        """Python-Markdown's inline patterns that can match somewhere in ``text``.

        Its inline processor tries every pattern on every run of text; most of a
        Chinese report's paragraphs hold none of the characters a pattern starts
        with. The text it works on is the Markdown's own (less what it stashed
        away; tabs made spaces), so a pattern whose characters are not in
        ``text`` matches nowhere, and leaving it out changes nothing.
        """
        full = self.md.inlinePatterns
        can_match = tuple(any(part in text for part in parts) for parts in INLINE_PATTERN_NEEDS.values())
        found = self._patterns.get(can_match)
        if found is None:
            found = self._patterns[can_match] = Registry()
            cannot = {name for name, possible in zip(INLINE_PATTERN_NEEDS, can_match) if not possible}
            # Registry has no public way to read the priorities back; a copy, as reading an
            # item (full[name]) sorts the list in place
            for item in list(full._priority):
                if item.name not in cannot:
                    found.register(full[item.name], item.name, item.priority)
        return found


# What the text must hold for each of Python-Markdown's inline patterns to match (any one
# of these); a pattern not named here is always tried.
INLINE_PATTERN_NEEDS = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[",),
    "reference": ("[",), "link": ("[",), "image_link": ("[",), "image_reference": ("[",),
    "short_reference": ("[",), "short_image_ref": ("[",),
    "autolink": ("<",), "automail": ("<",), "html": ("<",), "entity": ("&",),
    "linebreak": ("  ", "\t"),  # two spaces before a line's end; a tab becomes spaces
    "em_strong": ("*", "_"), "em_strong2": ("_",), "not_strong": ("*", "_"),
}


# How deeply a body may nest. Python-Markdown recurses once a level, and so does
# BeautifulSoup when the feeds read the HTML again: a few hundred levels end in a
# RecursionError. Many '[' open at once take Python-Markdown quadratic time.
NESTING_LIMIT = 50  # quotes and lists inside one another; '*' and '_', or '[', open at once
HTML_DEPTH_LIMIT = 150  # elements inside one another in the clean HTML of a body
# (150 levels take BeautifulSoup about 625 of Python's 1,000 frames.)
TOO_DEEP_TO_RENDER = N_("the text nests too deeply to be shown (quotes, lists, emphasis or HTML tags inside "
                        "one another); take out some of the levels")

SPACES = re.compile(" *")
LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)]|:|\[\^[^\]\s]+\]:)(?=[ \t]|$)")  # and ':' of a definition, '[^1]:' of a footnote
THEMATIC_BREAK = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$")
INLINE_DELIMITER = re.compile(r"\\.|\*+|_+|\[|\]")


def nesting_problem(text: str) -> tuple[int, str] | None:
    """Where ``text`` (Markdown) first nests past ``NESTING_LIMIT``, and what to say:
    (its line, 0 = the first; the message); None if it does not.

    Measured on the text in one pass, before it is rendered, as an upper bound of
    what Python-Markdown would make of it: quote markers and list markers at the
    start of a line, and indentation (four columns a level, but never deeper than
    the block has gone so far, so an indented code line is not a level); then
    within a paragraph, the '*' and '_' open at once (a run that can open
    emphasis opens as many levels as it has characters) and the '[' not yet closed.
    Code counts too: no report has code that nests fifty deep.
    """
    limit = NESTING_LIMIT
    block_depth = 0  # the deepest the current block has gone: how deep indentation can reach
    after_blank = True
    open_emphasis = {"*": 0, "_": 0}
    open_brackets = 0
    for index, raw in enumerate(text.split("\n")):
        line = raw.rstrip("\r").expandtabs(4)
        if not line.strip():
            after_blank = True
            open_emphasis["*"] = open_emphasis["_"] = open_brackets = 0
            continue
        if ABBREVIATION.match(line):
            continue  # '*[ABC]: ...' defines an abbreviation: its '*' opens no emphasis
        quotes, lists, indent, start = _block_prefix(line, limit)
        if after_blank and not quotes and not lists and indent < 4:
            block_depth = 0  # a paragraph of its own: every quote and list before it has ended
        depth = quotes + lists + min(indent // 4, block_depth)
        if depth > limit:
            return index, _("quotes ('>') and lists are nested here more than {limit} levels deep, which is more "
                            "than a page can show; take out some of the levels").format(limit=limit)
        block_depth = max(block_depth, depth)
        after_blank = False
        if lists or line.startswith("#", start):  # a list item or a heading: inline text of its own
            open_emphasis["*"] = open_emphasis["_"] = open_brackets = 0
        for delimiter in INLINE_DELIMITER.finditer(line, start):
            run = delimiter.group()
            if run[0] == "\\":
                continue
            if run == "[":
                open_brackets += 1
                if open_brackets > limit:
                    return index, _("more than {limit} '[' are open here at once (nested, or never closed with "
                                    "']'), which would take the build minutes; close them, or write \\[ for the "
                                    "character itself").format(limit=limit)
            elif run == "]":
                open_brackets = max(0, open_brackets - 1)
            else:
                before = line[delimiter.start() - 1] if delimiter.start() else " "
                after = line[delimiter.end()] if delimiter.end() < len(line) else " "
                if run[0] == "_" and before.isalnum() and after.isalnum():
                    continue  # snake_case: never emphasis
                if not before.isspace() and open_emphasis[run[0]]:
                    open_emphasis[run[0]] = max(0, open_emphasis[run[0]] - len(run))
                elif not after.isspace():
                    open_emphasis[run[0]] += len(run)
                    if open_emphasis["*"] + open_emphasis["_"] > limit:
                        return index, _("more than {limit} '*' or '_' are open here at once (emphasis inside "
                                        "emphasis), which is more than a page can show; close them, or write \\* "
                                        "or \\_ for the character itself").format(limit=limit)
    return None


# Python-Markdown takes time that grows with the square of some markup: every
# inline match in a paragraph rescans the paragraph, every abbreviation is
# looked for in the whole text, every footnote mark walks the marks before it,
# and a tag left open ('<a ' with no '>') is looked for up to the end of the
# text. Measured on one core, 8,000 abbreviations took 46 s, 8,000 footnotes
# 5 s, 2,000 marks of one footnote 2.6 s, 8,000 open '<a ' 6 s, 80,000 '&amp;'
# in one paragraph 54 s. Within these
# bounds a 2 MB body takes a few seconds, growing with its size, not its square;
# no report written by hand comes near them.
MAX_MARKS_PER_PARAGRAPH = 500  # of '<', '&', '[', '`', '*', '_', '\\', '!' in one paragraph
MAX_ABBREVIATIONS = 100  # '*[ABC]: ...' lines
MAX_FOOTNOTE_MARKS = 1000  # '[^1]' and '[^1]: ...', each repeat of the same note counting
MAX_OPEN_TAGS = 50  # '<' and a tag name, with no '>' before the next '<'

MARK = re.compile(r"[<&\[`*_\\!]")
ABBREVIATION = re.compile(r" {0,3}\*\[[^\]]+\]:")
FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]+\]")
OPEN_TAG = re.compile(r"<[a-zA-Z/!?][^<>]*(?=<|$)")
# A paragraph that starts with one of these tags is an HTML block, kept as written.
HTML_BLOCK_START = re.compile(r" {0,3}</?(?:%s)(?=[\s/>]|$)" % "|".join(
    sorted(markdown_lib.Markdown().block_level_elements, key=len, reverse=True)), re.IGNORECASE)


def costly_markup_problem(text: str) -> tuple[int, str] | None:
    """Where ``text`` (Markdown) first passes one of the bounds above, and what to
    say: (its line, 0 = the first; the message); None if it keeps them all."""
    for count, opened in enumerate(OPEN_TAG.finditer(text), start=1):
        if count > MAX_OPEN_TAGS:
            return text.count("\n", 0, opened.start()), _(
                "more than {limit} HTML tags are opened with '<' and never closed with '>', which would take the "
                "build minutes; close them, or write &lt; for the character itself").format(limit=MAX_OPEN_TAGS)
    marks = abbreviations = footnotes = 0
    after_blank, in_html_block = True, False
    for index, line in enumerate(text.split("\n")):
        if not line.strip():
            marks, after_blank, in_html_block = 0, True, False
            continue
        in_html_block = in_html_block or (after_blank and bool(HTML_BLOCK_START.match(line)))
        after_blank = False
        if in_html_block:
            continue  # kept as it is, never scanned for inline markup
        if line.lstrip().startswith("|"):
            marks = 0  # a table row: each cell is read on its own
        marks += len(MARK.findall(line))
        if marks > MAX_MARKS_PER_PARAGRAPH:
            return index, _("this paragraph has more than {limit} formatting marks (<, &, [, `, *, _, \\, !), "
                            "which would take the build minutes; split it into shorter paragraphs with empty "
                            "lines").format(limit=f"{MAX_MARKS_PER_PARAGRAPH:,}")
        abbreviations += bool(ABBREVIATION.match(line))
        if abbreviations > MAX_ABBREVIATIONS:
            return index, _("the text defines more than {limit} abbreviations ('*[...]:' lines), which would "
                            "take the build minutes; keep the ones the report needs").format(limit=MAX_ABBREVIATIONS)
        footnotes += len(FOOTNOTE_MARK.findall(line))
        if footnotes > MAX_FOOTNOTE_MARKS:
            return index, _("the text has more than {limit} footnote marks ('[^1]', and '[^1]:' lines), which "
                            "would take the build minutes; split the report, or list the sources at its "
                            "end").format(limit=f"{MAX_FOOTNOTE_MARKS:,}")
    return None


def _block_prefix(line: str, limit: int) -> tuple[int, int, int, int]:
    """The quote markers and list markers a line starts with, the columns of
    indentation before them and its text, and where its text starts.
    Counting stops past ``limit`` markers."""
    quotes = lists = indent = at = 0
    while quotes + lists <= limit:
        text = SPACES.match(line, at).end()
        if line.startswith(">", text):
            quotes += 1
            indent += text - at
            at = text + 1 + line.startswith(" ", text + 1)  # one space after '>' belongs to it
            continue
        marker = LIST_MARKER.match(line, text)
        if marker and not (line[text] in "-*" and THEMATIC_BREAK.match(line, text)):
            lists += 1
            indent += text - at
            at = SPACES.match(line, marker.end()).end()  # the spaces after a list marker belong to it
            continue
        return quotes, lists, indent + text - at, text
    return quotes, lists, indent, at


HTML_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
RAW_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])")
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                           "source", "track", "wbr"})
# What a browser closes by itself: written unclosed, they do not nest.
OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                          "optgroup", "colgroup", "caption", "rb", "rt", "rp", "rtc"})


def html_depth(html: str) -> int:
    """How many elements the clean HTML ``html`` puts inside one another at most."""
    depth = deepest = 0
    for tag in HTML_TAG.finditer(html):
        if tag.group(2).lower() in VOID_ELEMENTS:
            continue
        if tag.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _deepest_tags_line(text: str) -> int:
    """The line of ``text`` where the HTML written in it nests past ``HTML_DEPTH_LIMIT``,
    else where it nests deepest (0 if it has no tags)."""
    depth = deepest = 0
    deepest_line = 0
    for index, line in enumerate(text.split("\n")):
        for tag in RAW_TAG.finditer(line):
            name = tag.group(2).lower()
            if name in VOID_ELEMENTS or name in OPTIONAL_END:
                continue
            depth = max(0, depth - 1) if tag.group(1) else depth + 1
            if depth > HTML_DEPTH_LIMIT:
                return index
            if depth > deepest:
                deepest, deepest_line = depth, index
    return deepest_line


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
    return IMG_WITHOUT_ALT.sub(r'<img alt=""\1', EMPTY_IFRAME.sub("", cleaned))


IMG_WITHOUT_ALT = re.compile(r"<img((?:(?!\salt=)[^>])*>)")  # nh3 writes every value in double quotes
RAW_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
RAW_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
RAW_ALT = re.compile(r"\salt\s*(?:=|[\s/>])", re.IGNORECASE)


def _warn_images_without_alt(html: str, links: LinkContext) -> None:
    """A pasted ``<img>`` without ``alt`` gets ``alt=""`` (see :func:`clean_html`):
    a screen reader then skips it instead of reading out its file name. The editor
    is asked for a description (Markdown images always have an alt), unless the
    picture is refused anyway: then its error says what to do."""
    refused = {problem.link for problem in links.broken if problem.is_error}
    for tag in RAW_IMG.finditer(html):
        if RAW_ALT.search(tag.group()):
            continue
        found = RAW_SRC.search(tag.group())
        src = next((value for value in found.groups() if value is not None), "") if found else ""
        if src and src in refused:
            continue
        links.broken.append(LinkProblem(
            src or "<img", "",
            _("the picture '{src}' has no description (alt); add one, e.g. <img src=\"{src}\" alt=\"驿马乡入乡检测点\">, "
              "so that readers who cannot see it know what it shows").format(src=src),
            is_error=False,
        ))


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


CHINESE_PER_MINUTE = 400  # characters of Chinese a reader reads in a minute
WORDS_PER_MINUTE = 200  # words of other languages
CJK_CHARACTERS = re.compile("[\u2e80-\u2fff\u3040-\u9fff\uf900-\ufaff]+")  # CJK punctuation is not read
OTHER_WORD = re.compile(r"\w+")


def reading_minutes(text: str) -> int:
    """How many minutes ``text`` takes to read: Chinese is read by the character
    (about 400 a minute), not by the word; other words at about 200 a minute.
    At least one minute for any text. (Counted by runs of characters: three
    times as fast as one by one, on every report of a cold build.)"""
    runs = CJK_CHARACTERS.findall(text)
    characters = sum(map(len, runs))
    words = len(OTHER_WORD.findall(CJK_CHARACTERS.sub(" ", text)))
    minutes = characters / CHINESE_PER_MINUTE + words / WORDS_PER_MINUTE
    return max(1, math.ceil(minutes)) if text.strip() else 0


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
    """The file line where ``needle`` first appears in a body starting at ``first_line``:
    as a whole address where it is one (``//a.cn/`` is not the end of ``https://a.cn/``),
    else anywhere."""
    whole = re.search(r"(?<![\w:/.\\%-])" + re.escape(needle), text) if needle else None
    index = whole.start() if whole else text.find(needle)
    return first_line if index < 0 else first_line + text.count("\n", 0, index)
