"""The incremental build cache: what the last build learned, so this one does only what changed.

It lives in ``.digest-cache/build-<output name>/`` beside the output folder
(never inside it, never in the content folder, which may be read-only):

``state.pickle``
    per article file, keyed by the sha256 of its bytes: the checked front
    matter, the problems found, and what rendering its body gave (headings,
    summary, and the links it resolved, re-checked every build); per output
    file, the signature it was made from; and the manifests of the output
    folder and of the spare tree.
``bodies.sqlite``
    the rendered HTML of each body, read back only for the pages that are
    rendered again, and its text as search indexes it, read back only for
    the search shards that are indexed again.
``tree/``
    the spare tree: the output before last, updated in place into the next
    output and swapped in (see :mod:`digest.write`).

Everything is also keyed by the engine (this package's source and the
versions of the libraries that shape the output) and by site.yaml, so a new
version of the code or a changed setting starts afresh. Results are exactly
what a cold build makes: every shortcut is taken only when every input it
depends on is unchanged.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import sqlite3
import sys
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from stat import S_ISREG
from typing import Callable

from . import sources
from .content import Article
from .errors import Problem, Report
from .write import Trees

CACHE_ROOT = ".digest-cache"
FORMAT = 4  # of state.pickle; change when its classes change shape
ENGINE_PACKAGES = ("markdown", "nh3", "jinja2", "pyyaml", "feedgen", "beautifulsoup4", "lxml", "pypinyin", "pagefind", "pillow")
PACKAGE_DIR = Path(__file__).resolve().parent
BODY_COLUMNS = ["fingerprint", "html", "search_text"]
ROWS_AT_ONCE = 200  # bodies written to bodies.sqlite together


def cache_folder(output_dir: Path) -> Path:
    """``.digest-cache/build-<output name>`` beside the output folder."""
    output = output_dir.absolute()
    return output.parent / CACHE_ROOT / f"build-{output.name}"


def engine_key() -> str:
    """This package's code and the library versions: a new engine invalidates everything."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in ENGINE_PACKAGES:
        try:
            digest.update(f"{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -".encode())
    return digest.hexdigest()


def folder_key(folder: Path) -> str:
    """A hash of every file under ``folder`` (templates, static files)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes ("" when it cannot be read: the reader reports why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


RACY_NS = 2_000_000_000  # a file changed this close to being hashed is hashed again


def file_state(path: Path) -> tuple | None:
    """What changes whenever a file's bytes do (size, times: ctime cannot be set back,
    inode, device); None when it is not a file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def file_signs(path: Path) -> tuple:
    """The file's state, and the time now, when it is read and hashed (() when it is not a file)."""
    state = file_state(path)
    return (*state, time.time_ns()) if state else ()


def _unchanged(old: tuple, new: tuple) -> bool:
    """Whether signs taken now say the file is as it was when ``old`` were taken, as git
    trusts them: unless it was changed too close to that moment for its times to show it."""
    if not old or not new or old[:-1] != new[:-1]:
        return False
    size, mtime, ctime, inode, device, hashed_at = old
    return hashed_at - max(mtime, ctime) >= RACY_NS


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


# --- what is remembered -------------------------------------------------------


@dataclass(frozen=True)
class BodyRecord:
    """What rendering an article's body gave, and the links that result depends on."""

    fingerprint: str  # names the HTML in bodies.sqlite and the article in page signatures
    headings: tuple
    summary: str
    problems: tuple[Problem, ...]
    links: tuple[tuple[str, str], ...]  # (article source, the URL it had)
    assets: tuple[tuple[str, tuple], ...]  # content files the body links to, and their file_state: unchanged
    images: tuple[str, ...] = ()  # those of them it shows as resized pictures


@dataclass
class ArticleRecord:
    """One article file as last read: its digest, front matter (body text dropped), problems."""

    digest: str
    article: Article | None
    problems: tuple[Problem, ...]
    body: BodyRecord | None = None
    signs: tuple = ()  # the file's size, times and inode, and when it was hashed (see file_signs)


@dataclass
class CacheState:
    records_key: str = ""  # engine and site.yaml the article records were made with
    articles: dict[str, ArticleRecord] = field(default_factory=dict)  # source -> record
    signatures: dict[str, str] = field(default_factory=dict)  # dest -> signature of the output's file
    trees: Trees = field(default_factory=Trees)
    yaml_files: dict = field(default_factory=dict)  # name -> (engine, digest, parsed value, problems)
    search_keys: dict[str, str] = field(default_factory=dict)  # shard -> what its bundle was made from
    pictures: dict = field(default_factory=dict)  # absolute path -> (file_signs, engine, facts) of each picture
    output_id: tuple = ()  # (device, inode) of the output folder and the spare tree
    spare_id: tuple = ()


class UnloadedHtml(str):
    """Stands for a cached body's HTML until a page that shows it is rendered.

    Printing it in a template fails loudly rather than showing nothing.
    """

    def __html__(self):
        raise UnloadedError("an article's HTML was used without being loaded")


class UnloadedError(RuntimeError):
    pass


UNLOADED = UnloadedHtml("")


# --- the cache ----------------------------------------------------------------


class BuildCache:
    """The cache of one output folder, locked against a second build of the same output."""

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir.absolute()
        self.folder = cache_folder(output_dir)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.folder / "lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # a second build of this output waits here
        self.engine = engine_key()
        self.dirty = False  # whether the state differs from state.pickle
        self.state = self._load()
        self.fingerprints: dict[str, str] = {}  # source -> fingerprint of its final Article
        self._new_rows: list[tuple[str, bytes, bytes]] = []  # (fingerprint, HTML, search text) to store
        self._unstored_text: dict[str, str] = {}  # source -> search text of a body not kept (a broken link)
        self._full: dict[str, Article] = {}
        self._signs: dict[str, tuple] = {}  # source -> file_signs of the files hashed this build
        self._pictures_seen: set[str] = set()
        self._db: sqlite3.Connection | None = None

    @property
    def spare(self) -> Path:
        return self.folder / "tree"

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._lock.close()

    def _load(self) -> CacheState:
        try:
            with open(self.folder / "state.pickle", "rb") as file:
                state = pickle.load(file)
        except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, TypeError, ValueError):
            return CacheState()
        if not isinstance(state, CacheState) or set(vars(state)) != set(CacheState.__dataclass_fields__):
            return CacheState()  # made by code whose state had other parts
        if state.output_id != _folder_id(self.output_dir):
            state.trees.output, state.signatures, state.search_keys = None, {}, {}
            self.dirty = True
        if state.spare_id != _folder_id(self.spare) or self._changing_mark.exists():
            state.trees.spare = None  # a build was killed while changing it: read it afresh
            self.dirty = True
        return state

    @property
    def _changing_mark(self) -> Path:
        return self.folder / "tree-changing"

    def spare_changing(self) -> None:
        """The spare tree is about to change: until the state is saved, its manifest is void."""
        self._changing_mark.touch()
        self.dirty = True

    def save(self) -> None:
        """Write what this build learned (atomically: a killed build leaves the old state)."""
        if not self.dirty:
            return
        self._store_rows()
        self.drop_unused_bodies()
        for name in set(self.state.pictures) - self._pictures_seen:  # gone, or no longer shown
            del self.state.pictures[name]
        self.state.output_id = _folder_id(self.output_dir)
        self.state.spare_id = _folder_id(self.spare)
        temporary = self.folder / f"state.pickle.{os.getpid()}"
        with open(temporary, "wb") as file:
            pickle.dump(self.state, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, self.folder / "state.pickle")
        self._changing_mark.unlink(missing_ok=True)
        self.dirty = False

    def update(self, **fields) -> None:
        """Change parts of the state (trees, signatures, search key), noting whether that changes it."""
        for name, value in fields.items():
            if getattr(self.state, name) != value:
                setattr(self.state, name, value)
                self.dirty = True

    # --- article files --------------------------------------------------------

    def use_config(self, config) -> None:
        """Records made under another engine or another site.yaml are of no use."""
        key = short_hash(self.engine, repr(config))
        if key != self.state.records_key:
            self.state.records_key = key
            self.state.articles = {}
            self.dirty = True

    def yaml_file(self, content_dir: Path, name: str, report: Report):
        """:func:`sources.load_yaml_file`, parsed again only when the file's bytes change."""
        digest = file_digest(content_dir / name)
        found = self.state.yaml_files.get(name)
        if found is not None and found[:2] == (self.engine, digest):
            report.problems.extend(found[3])
            return found[2]
        parsed = Report()
        value = sources.load_yaml_file(content_dir, name, parsed)
        self.state.yaml_files[name] = (self.engine, digest, value, tuple(parsed.problems))
        self.dirty = True
        report.extend(parsed)
        return value

    def digest(self, source: str, path: Path) -> str:
        """The sha256 of an article file, read and hashed unless its signs say it is unchanged.

        As git does: a file whose size, modification and change times and inode
        are those it had when it was hashed is taken to hold the same bytes,
        unless it was changed within a moment of being hashed (a later change in
        the same tick of the clock would not show in its times).
        """
        signs = file_signs(path)
        found = self.state.articles.get(source)
        if found is not None and _unchanged(found.signs, signs):
            return found.digest
        digest = file_digest(path)
        self._signs[source] = signs
        return digest

    def picture(self, path: Path, read: Callable[[Path], object]):
        """``read(path)``: what is known of a picture (the hash of its bytes, its
        size), kept from the last build while the file's signs say it is
        unchanged, as :meth:`digest` does. A newsroom's photos are gigabytes:
        reading each again on every build would cost seconds. (A new engine
        reads them again: the hash names renditions made its way.)"""
        name = str(path.absolute())
        self._pictures_seen.add(name)
        signs = file_signs(path)
        found = self.state.pictures.get(name)
        if found is not None and _unchanged(found[0], signs) and found[1] == self.engine:
            return found[2]
        facts = read(path)
        self.state.pictures[name] = (signs, self.engine, facts)
        self.dirty = True
        return facts

    def record(self, source: str, digest: str) -> ArticleRecord | None:
        found = self.state.articles.get(source)
        if found is None or found.digest != digest:
            return None
        signs = self._signs.get(source)
        if signs is not None:  # hashed again: remember when, so that next time it need not be
            found.signs = signs
            self.dirty = True
        return found

    def remember(self, source: str, digest: str, article: Article | None, problems) -> None:
        light = replace(article, body="", html="") if article is not None else None
        self.state.articles[source] = ArticleRecord(digest, light, tuple(problems), None, self._signs.get(source, ()))
        self.dirty = True

    def forget_missing(self, sources: set[str]) -> None:
        """Drop the records of files that are gone (deleted or renamed)."""
        for source in [s for s in self.state.articles if s not in sources]:
            del self.state.articles[source]
            self.dirty = True

    def body(self, article: Article, urls: dict[str, str], content_dir: Path) -> BodyRecord | None:
        """The remembered body of ``article``, if every link it resolved still resolves the same."""
        found = self.state.articles.get(article.source)
        body = found.body if found is not None else None
        if body is None:
            return None
        if any(urls.get(source) != url for source, url in body.links):
            return None
        if any(state is None or file_state(content_dir / asset) != state for asset, state in body.assets):
            return None  # gone, or changed: an image's size is in the HTML
        self.fingerprints[article.source] = body.fingerprint
        return body

    def remember_body(self, article: Article, html: str, headings, summary: str, search_text: str,
                      problems, links: dict[str, str], assets, images, is_cacheable: bool) -> None:
        """Keep a freshly rendered body; one with a broken link is only fingerprinted."""
        found = self.state.articles.get(article.source)
        digest = found.digest if found is not None else ""
        if not is_cacheable or found is None:
            self._unstored_text[article.source] = search_text
            self.fingerprints[article.source] = short_hash(article.source, digest, "as rendered", html, summary, repr(headings))
            if found is not None and found.body is not None:
                found.body = None
                self.dirty = True
            return
        links_key = repr(sorted(links.items())) + repr(sorted(assets.items()))
        fingerprint = short_hash(article.source, digest, links_key)
        self.fingerprints[article.source] = fingerprint
        found.body = BodyRecord(fingerprint, headings, summary, tuple(problems),
                                tuple(sorted(links.items())), tuple(sorted(assets.items())), tuple(sorted(images)))
        # as bytes: sqlite3 would otherwise give each str a UTF-8 copy that lives as long as it does
        self._new_rows.append((fingerprint, html.encode("utf-8"), search_text.encode("utf-8")))
        if len(self._new_rows) >= ROWS_AT_ONCE:  # not all held until the end: a cold build has thousands
            self._store_rows()
        self.dirty = True

    def fingerprint(self, article: Article) -> str | None:
        return self.fingerprints.get(article.source)

    # --- bodies.sqlite --------------------------------------------------------

    def _bodies(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.folder / "bodies.sqlite")
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(bodies)")]
            if columns and columns != BODY_COLUMNS:  # made by an older engine: of no use
                self._db.execute("DROP TABLE bodies")
            self._db.execute("CREATE TABLE IF NOT EXISTS bodies (fingerprint TEXT PRIMARY KEY, html BLOB, search_text BLOB)")
        return self._db

    def _store_rows(self) -> None:
        if not self._new_rows:
            return
        db = self._bodies()
        with db:
            db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", self._new_rows)
        self._new_rows = []

    def full(self, article: Article, text_of: Callable[[Article], str] | None = None) -> Article:
        """``article`` with its HTML, loaded from the cache if it was not rendered this build;
        and with its Markdown text, from ``text_of``, if that is given."""
        if text_of is not None and not article.body:
            article = replace(self.full(article), body=text_of(article))
        if not isinstance(article.html, UnloadedHtml):
            return article
        loaded = self._full.get(article.source)
        if loaded is None:
            html = self._stored(article, "html")
            loaded = self._full[article.source] = replace(article, html=html)
        return loaded

    def search_text(self, article: Article) -> str:
        """The text search indexes of ``article``'s body (see :mod:`digest.search`)."""
        text = self._unstored_text.get(article.source)
        return text if text is not None else self._stored(article, "search_text")

    def _stored(self, article: Article, column: str) -> str:
        self._store_rows()
        fingerprint = self.fingerprints[article.source]
        row = self._bodies().execute(f"SELECT {column} FROM bodies WHERE fingerprint = ?", (fingerprint,)).fetchone()
        if row is None or row[0] is None:
            raise UnloadedError(f"{article.source}: its rendered body is missing from the cache")
        return row[0].decode("utf-8")

    def drop_unused_bodies(self) -> None:
        """Remove the HTML no article refers to any more (edited or deleted articles)."""
        used = {r.body.fingerprint for r in self.state.articles.values() if r.body is not None}
        db = self._bodies()
        stored = {row[0] for row in db.execute("SELECT fingerprint FROM bodies")}
        unused = stored - used
        if unused:
            with db:
                db.executemany("DELETE FROM bodies WHERE fingerprint = ?", ((f,) for f in unused))


def _folder_id(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return ()
    return (stat.st_dev, stat.st_ino)
