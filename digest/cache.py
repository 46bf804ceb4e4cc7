"""The incremental build cache: what the last build learned, so this one does only what changed.

:class:`BuildCache` is the one door to it. It lives in
``.digest-cache/build-<output name>/`` beside the output folder (never inside
it, never in the content folder, which may be read-only), in three parts with
one job each:

``state.pickle`` (:class:`StateFile`)
    per article file, keyed by the sha256 of its bytes: the checked front
    matter, the problems found, and what rendering its body gave (headings,
    summary, and the links it resolved, re-checked every build); per output
    (a file, or a search bundle's folder), the signature it was made from; and the manifests of the output
    folder and of the spare tree (see :mod:`digest.write`).
``bodies.sqlite`` (:class:`BodyStore`)
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
depends on is unchanged, and a part found damaged (a file truncated, garbage,
locked or unwritable) is dropped with one warning and made again.

``BuildCache(None)`` keeps everything in memory for one run: ``check`` and a
build without a cache folder go through the same code as a real build.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import pickle
import sqlite3
import sys
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import metadata
from itertools import islice
from pathlib import Path
from stat import S_ISREG
from typing import Callable, Iterator

from . import sources
from .content import Article, Body
from .errors import Location, Problem, ProblemLog
from .i18n import LOCALE_DIR, N_, _, current_language
from .slugs import name_slug
from .write import Trees, remove_path, stat_id, write_atomically

CACHE_ROOT = ".digest-cache"
FORMAT = 15  # of state.pickle; change when its classes change shape
RECORDS_PER_PART = 2000  # article records pickled together in state.pickle (see StateFile.save)
ENGINE_PACKAGES = ("markdown", "nh3", "jinja2", "pyyaml", "feedgen", "beautifulsoup4", "lxml", "pypinyin", "pagefind", "pillow")
PACKAGE_DIR = Path(__file__).resolve().parent
BODY_COLUMNS = ["fingerprint", "html", "search_text"]
ROWS_AT_ONCE = 200  # bodies written to bodies.sqlite together
BUSY_SECONDS = 2  # how long to wait for a bodies.sqlite that something else holds locked


def cache_folder(output_dir: Path) -> Path:
    """``.digest-cache/build-<output name>`` beside the output folder."""
    output = output_dir.absolute()
    return output.parent / CACHE_ROOT / f"build-{output.name}"


def engine_key() -> str:
    """This package's code, the library versions and the messages' language and catalogs
    (the cache keeps problems as they were told): a new engine invalidates everything."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version} {current_language()}".encode())
    for path in sorted([*PACKAGE_DIR.glob("*.py"), *LOCALE_DIR.glob("*/LC_MESSAGES/*.mo")]):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
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


HASHED_AT_MOST = max(sources.MAX_ARTICLE_BYTES, *sources.MAX_YAML_BYTES.values())  # past that, the reader refuses it


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes, a piece at a time ("" when it cannot be read: the
    reader reports why). A file past the largest size a reader takes (a hostile one
    may be endless) is not read to its end: it is refused anyway."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as file:
            while piece := file.read(1 << 20):
                digest.update(piece)
                size += len(piece)
                if size > HASHED_AT_MOST:
                    return "too-big"
    except OSError:
        return ""
    return digest.hexdigest()


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
    """A hash of some text; a file name that is not UTF-8 (kept by Python as lone
    surrogates) is hashed as it is."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


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
    reading_minutes: int = 0


@dataclass(frozen=True)
class ArticleRecord:
    """One article file as last read: its digest, front matter (body text dropped), problems.

    Never changed in place: a changed record is a new object, which is how
    :meth:`StateFile.save` knows the parts of the file it can write back as read."""

    digest: str
    article: Article | None
    problems: tuple[Problem, ...]
    body: BodyRecord | None = None
    signs: tuple = ()  # the file's size, times and inode, and when it was hashed (see file_signs)


@dataclass
class CacheState:
    format: int = FORMAT  # state of another format is of no use (made by another version)
    engine: str = ""  # the engine_key() of the build that saved it: the records, signatures and pages are its own
    records_key: str = ""  # engine and site.yaml the article records were made with
    articles: dict[str, ArticleRecord] = field(default_factory=dict)  # source -> record
    signatures: dict[str, str] = field(default_factory=dict)  # dest -> signature of the output's file
    pages: object = None  # the pages of the last build (a digest.plan.PagePlan), with those signatures
    trees: Trees = field(default_factory=Trees)
    yaml_files: dict = field(default_factory=dict)  # name -> (engine, digest, parsed value, problems)
    pictures: dict = field(default_factory=dict)  # absolute path -> (file_signs, engine, facts) of each picture
    renditions: dict = field(default_factory=dict)  # a rendition in the photo cache -> its stamp when found sound
    output_id: tuple = ()  # (device, inode) of the output folder and the spare tree
    spare_id: tuple = ()
    slugs: dict[str, str] = field(default_factory=dict)  # name -> name_slug(name), made under records_key
    details: dict[str, tuple] = field(default_factory=dict)  # an event's detail -> (HTML, links), under records_key
    urls: dict[str, str] | None = None  # source -> address of each report the kept bodies' links were checked against
    notices_seen: frozenset | None = None  # the corrections and retractions the last build published


def damage_warning(path: Path, what: str, exc: BaseException) -> Problem:
    """One warning for a damaged part of the cache, which is made again."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
    return Problem(Location(os.fspath(path), 1), "warning",
                   _("{what} of the build cache was damaged ({reason}); it was dropped and is made again, so this "
                     "build may take longer").format(what=_(what), reason=reason))


# --- the parts ----------------------------------------------------------------


@contextmanager
def collector_paused():
    """Python's cycle collector kept out of the way: unpickling 10,000 records, and a
    build's loading and planning, make so many objects that it would run again and
    again over all of them, for nothing (they live until the build ends). At 100,000
    reports it took 2 of an edit's 14 seconds, most of it in memory the heap's size
    keeps out of the processor's caches."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass(frozen=True)
class RecordPart:
    """A part of the article records in ``state.pickle``: its records as read or written
    (weakly: a record replaced since is not kept alive for this), and where its bytes lie."""

    sources: tuple[str, ...]
    records: tuple[weakref.ref, ...]
    start: int
    end: int

    @classmethod
    def of(cls, records: dict[str, ArticleRecord], start: int, end: int) -> RecordPart:
        return cls(tuple(records), tuple(map(weakref.ref, records.values())), start, end)

    def holds(self, records: dict[str, ArticleRecord]) -> bool:
        """Whether ``records`` are this part's, the very objects (records are never changed in place)."""
        if self.sources != tuple(records):
            return False
        return all(ref() is record for ref, record in zip(self.records, records.values()))


class StateFile:
    """``state.pickle``: read once at the start of a build, written at its end (atomically:
    a killed build leaves the old one). Unreadable state is dropped with a warning."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems
        self.earlier_output: set[str] = set()  # the output's files, by the state of an earlier version
        self._parts: list[RecordPart] = []  # the records' parts in the file as this build read or wrote it
        self._file_id = ""  # and that file's identity (write.stat_id: device, inode, size, modification time)
        self._records_at: int | None = None  # where the records begin in it, if they are of use
        self._ready: dict[int, tuple[RecordPart, bytes]] = {}  # parts pickled ahead of save (see prepare)

    def load(self, engine: str | None) -> CacheState:
        """The state, without its article records (the most of it: :meth:`load_records`
        reads them), which are of use only if ``engine`` made them (None: never, when
        only the rest is wanted). Another engine's records are not even read: after an
        upgrade, at 100,000 reports, they would hold 500 MB for nothing."""
        try:
            with open(self.path, "rb") as file, collector_paused():
                state = pickle.load(file)
                if (not isinstance(state, CacheState) or set(vars(state)) != set(CacheState.__dataclass_fields__)
                        or state.format != FORMAT):  # made by another version: of no use, but for one thing
                    self.earlier_output = _output_files_of(state)
                    return CacheState()
                if state.engine == engine:
                    self._records_at, self._file_id = file.tell(), stat_id(os.fstat(file.fileno()))
        except FileNotFoundError:
            return CacheState()
        except Exception as exc:  # noqa: BLE001 - garbage can make unpickling fail in any way
            self.problems.append(damage_warning(self.path, N_("the state file"), exc))
            return CacheState()
        return state

    def load_records(self) -> dict[str, ArticleRecord] | None:
        """The article records that follow the state :meth:`load` read, if they are of
        use; None if they cannot be read (with a warning: they are made again). Read
        apart from the rest, so that a build can have its output looked at meanwhile
        (at 100,000 reports the records take 1 s to read, the look 5 to 8 s)."""
        if self._records_at is None:
            return {}
        articles: dict[str, ArticleRecord] = {}
        parts: list[RecordPart] = []
        try:
            with open(self.path, "rb") as file, collector_paused():
                if stat_id(os.fstat(file.fileno())) != self._file_id:
                    raise OSError(None, _("the file was replaced while it was read"))
                file.seek(self._records_at)
                for _part in range(pickle.load(file)):
                    start = file.tell()
                    records = pickle.load(file)
                    articles.update(records)
                    parts.append(RecordPart.of(records, start, file.tell()))
        except Exception as exc:  # noqa: BLE001 - garbage can make unpickling fail in any way
            self.problems.append(damage_warning(self.path, N_("the state file"), exc))
            return None
        self._parts = parts
        return articles

    def prepare(self, articles: dict[str, ArticleRecord]) -> None:
        """Pickle now the parts of the records that :meth:`save` cannot copy from the file,
        while the build waits for Pagefind: after an edit, the one changed part (0.035 s at
        10,000 reports). :meth:`save` takes each part prepared that still holds the same records."""
        with self._earlier_file() as earlier:
            self._ready = {index: (RecordPart.of(part, 0, 0), pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
                           for index, part in enumerate(_parts_of(articles))
                           if self._copyable(index, part, earlier) is None}

    def save(self, state: CacheState) -> None:
        """The state, then the article records in parts of :data:`RECORDS_PER_PART`, each
        pickled on its own: pickle remembers every object it writes until it is done, which
        for 100,000 records at once is a few hundred megabytes more at the build's end.

        A part that holds the records the file it replaces held, unchanged, is copied from
        that file instead: after an edit, most parts (0.13 s of pickling at 10,000 reports)."""
        written: list[RecordPart] = []

        def fill(file) -> None:
            parts = -(-len(state.articles) // RECORDS_PER_PART)
            pickle.dump(replace(state, articles={}), file, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(parts, file, protocol=pickle.HIGHEST_PROTOCOL)
            with self._earlier_file() as earlier:
                for index, part in enumerate(_parts_of(state.articles)):
                    start = file.tell()
                    same = self._copyable(index, part, earlier)
                    ready = self._ready.get(index)
                    if same is not None:
                        earlier.seek(same.start)
                        file.write(earlier.read(same.end - same.start))
                    elif ready is not None and ready[0].holds(part):
                        file.write(ready[1])
                    else:
                        pickle.dump(part, file, protocol=pickle.HIGHEST_PROTOCOL)
                    written.append(RecordPart.of(part, start, file.tell()))

        try:
            write_atomically(self.path, fill)
            self._parts, self._file_id, self._ready = written, stat_id(self.path.stat()), {}
        except OSError as exc:  # a full disk: the next build checks what it finds anyway
            self.problems.append(Problem(Location(os.fspath(self.path), 1), "warning",
                                         _("the build cache could not be saved ({reason}); the next build will "
                                           "take longer").format(reason=exc.strerror or exc)))

    def _copyable(self, index: int, part: dict[str, ArticleRecord], earlier) -> RecordPart | None:
        """The part at ``index`` of the file open as ``earlier``, if it holds these very records."""
        same = self._parts[index] if earlier is not None and index < len(self._parts) else None
        return same if same is not None and same.holds(part) else None

    @contextmanager
    def _earlier_file(self):
        """The file this build read or last wrote, open, if it is still that file; else None."""
        try:
            earlier = open(self.path, "rb") if self._parts else None
        except OSError:
            earlier = None
        if earlier is not None and stat_id(os.fstat(earlier.fileno())) != self._file_id:
            earlier.close()
            earlier = None
        try:
            yield earlier
        finally:
            if earlier is not None:
                earlier.close()


def _parts_of(articles: dict[str, ArticleRecord]) -> Iterator[dict[str, ArticleRecord]]:
    """The records in parts of :data:`RECORDS_PER_PART`, in order."""
    records = iter(articles.items())
    while part := dict(islice(records, RECORDS_PER_PART)):
        yield part


def remembered_notices(output_dir: Path) -> frozenset | None:
    """The corrections and retractions the last build into ``output_dir`` published, read
    without taking the cache (``check`` writes nothing); None when no build left them."""
    path = cache_folder(output_dir) / "state.pickle"
    return StateFile(path, []).load(None).notices_seen if path.is_file() else None


def _output_files_of(state) -> set[str]:
    """The files an earlier version's state says it put in the output (a dict or a
    manifest of them), so that the first build after an upgrade knows them as its own."""
    output = getattr(getattr(state, "trees", None), "output", None)
    files = getattr(output, "ids", output)
    return {dest for dest in files if isinstance(dest, str)} if isinstance(files, dict) else set()


class BodyStore:
    """``bodies.sqlite``: the HTML and the search text of rendered bodies, by fingerprint.

    A store that cannot be read or written (truncated, garbage, locked, on a
    full disk) is dropped with one warning and started afresh; a body it
    cannot give back is reported missing, and the caller renders it again.
    """

    def __init__(self, path: Path | None, problems: list[Problem]):
        self.path = path  # None: in memory
        self.problems = problems
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._stored: set[str] | None = None
        self._pending: list[tuple[str, bytes, bytes]] = []
        self._damaged = False

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked worker: a connection must not cross a fork
            self._db, self._pid = None, os.getpid()
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        where = ":memory:" if self.path is None or self._damaged else os.fspath(self.path)
        db = sqlite3.connect(where, timeout=BUSY_SECONDS)
        columns = [row[1] for row in db.execute("PRAGMA table_info(bodies)")]
        if columns and columns != BODY_COLUMNS:  # made by an older engine: of no use
            db.execute("DROP TABLE bodies")
        db.execute("CREATE TABLE IF NOT EXISTS bodies (fingerprint TEXT PRIMARY KEY, html BLOB, search_text BLOB)")
        return db

    def _safely(self, work: Callable[[sqlite3.Connection], object], fallback=None):
        """``work(db)``; on damage, the store starts afresh and ``fallback`` is the answer."""
        try:
            return work(self._connection())
        except (sqlite3.Error, OSError, UnicodeDecodeError) as exc:
            self._drop(exc)
            return fallback

    def _drop(self, exc: BaseException) -> None:
        self.problems.append(damage_warning(self.path or Path("bodies.sqlite"), N_("the store of rendered reports"), exc))
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db, self._stored, self._pending = None, set(), []
        if self.path is not None:
            for suffix in ("", "-journal", "-wal", "-shm"):
                try:
                    remove_path(self.path.with_name(self.path.name + suffix))
                except OSError:
                    self._damaged = True  # it cannot even be removed: keep bodies in memory this time
        try:
            self._db = self._open()
        except (sqlite3.Error, OSError):
            self._damaged = True
            self._db = self._open()

    def has(self, fingerprint: str) -> bool:
        self.flush()
        if self._stored is None:
            rows = self._safely(lambda db: db.execute("SELECT fingerprint FROM bodies").fetchall(), [])
            self._stored = {row[0] for row in rows}
        return fingerprint in self._stored

    def add(self, fingerprint: str, html: str, search_text: str) -> None:
        # as bytes: sqlite3 would otherwise give each str a UTF-8 copy that lives as long as it does
        self._pending.append((fingerprint, html.encode("utf-8"), search_text.encode("utf-8")))
        if len(self._pending) >= ROWS_AT_ONCE:  # not all held until the end: a cold build has thousands
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows, self._pending = self._pending, []

        def store(db: sqlite3.Connection) -> None:
            with db:
                db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", rows)

        if self._safely(store, False) is not False and self._stored is not None:
            self._stored.update(row[0] for row in rows)

    def get(self, fingerprint: str, column: str) -> str | None:
        """The HTML or search text of a body; None if the store cannot give it."""
        self.flush()

        def fetch(db: sqlite3.Connection):
            row = db.execute(f"SELECT {column} FROM bodies WHERE fingerprint = ?", (fingerprint,)).fetchone()
            return row[0].decode("utf-8") if row is not None and isinstance(row[0], bytes) else None

        return self._safely(fetch)

    def keep_only(self, used: set[str]) -> None:
        """Remove the bodies no article refers to any more (edited or deleted articles)."""
        self.flush()

        def prune(db: sqlite3.Connection) -> None:
            stored = self._stored  # known once a build has asked for a body (0.1 s to read at 100,000)
            if stored is None:
                stored = {row[0] for row in db.execute("SELECT fingerprint FROM bodies")}
            unused = stored - used
            if unused:
                with db:
                    db.executemany("DELETE FROM bodies WHERE fingerprint = ?", ((f,) for f in unused))
                if self._stored is not None:
                    self._stored -= unused

        self._safely(prune)

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None


# --- the cache ----------------------------------------------------------------


class BuildCache:
    """The cache of one output folder, locked against a second build of the same output.

    ``problems`` are the warnings about damage found in it (each part dropped
    and made again), for the build's log of problems.
    """

    def __init__(self, output_dir: Path | None, records_now: bool = True):
        """``records_now``: False to read the article records later (:meth:`read_records`)."""
        self.problems: list[Problem] = []
        self.output_dir = output_dir.absolute() if output_dir is not None else None
        self.folder = cache_folder(output_dir) if output_dir is not None else None
        self._lock = self._take_lock() if self.folder is not None else None
        self.engine = engine_key()
        self._state_file = StateFile(self.folder / "state.pickle", self.problems) if self.folder else None
        self.dirty = False  # whether the state differs from state.pickle
        self.state = self._load()
        if records_now:
            self.read_records()
        self.bodies = BodyStore(self.folder / "bodies.sqlite" if self.folder else None, self.problems)
        self.fingerprints: dict[str, str] = {}  # source -> fingerprint of its final Article
        self._unstored_text: dict[str, str] = {}  # source -> search text of a body not kept (a broken link)
        self._signs: dict[str, tuple] = {}  # source -> file_signs of the files hashed this build
        self.stamped: Callable[[str], tuple | None] | None = None  # source -> its file_signs, as taken before the build
        self._pictures_seen: set[str] = set()
        self._details_seen: set[str] = set()
        self.render_again: Callable[[Article], object] | None = None  # set by loading: a body the store lost
        self._moved: frozenset[str] | None = None  # reports whose address moved since the last build (links_to)

    @classmethod
    def in_memory(cls) -> BuildCache:
        return cls(None)

    def _take_lock(self):
        """Make the folder (replacing whatever stands in its way) and lock it: a second
        build of this output waits here."""
        for attempt in (1, 2):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                lock = open(self.folder / "lock", "w")
                break
            except OSError as exc:
                if attempt == 2:
                    raise
                self.problems.append(damage_warning(self.folder, N_("the folder"), exc))
                remove_path(self.folder if not self.folder.is_dir() else self.folder / "lock")
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    @property
    def earlier_output(self) -> set[str]:
        """The output's files by the state an earlier version of the build left (after an upgrade)."""
        return self._state_file.earlier_output if self._state_file is not None else set()

    @property
    def spare(self) -> Path | None:
        return self.folder / "tree" if self.folder is not None else None

    def close(self) -> None:
        self.bodies.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _load(self) -> CacheState:
        if self._state_file is None:
            return CacheState()
        state = self._state_file.load(self.engine)
        if state.engine != self.engine:  # another version of the build: none of its pages' signatures can match
            state = replace(state, engine=self.engine, records_key="", articles={}, signatures={}, pages=None, slugs={},
                            details={}, urls=None)
            self.dirty = True
        if state.output_id != _folder_id(self.output_dir):
            state.trees.output, state.signatures, state.pages = None, {}, None
            self.dirty = True
        if state.spare_id != _folder_id(self.spare):
            state.trees.spare = None
            self.dirty = True
        return state

    def read_records(self) -> None:
        """The article records into the state (see ``records_now``)."""
        if self._state_file is None:
            return
        records = self._state_file.load_records()
        if records is None:  # damaged: the state is written again, with the records made anew
            self.dirty = True
        self.state.articles = records or {}

    def save(self) -> None:
        """Write what this build learned (atomically: a killed build leaves the old state)."""
        if not self.dirty or self._state_file is None:
            return
        self.bodies.keep_only({r.body.fingerprint for r in self.state.articles.values() if r.body is not None})
        for name in set(self.state.pictures) - self._pictures_seen:  # gone, or no longer shown
            del self.state.pictures[name]
        for text in set(self.state.details) - self._details_seen:  # no longer in the timeline
            del self.state.details[text]
        self.state.output_id = _folder_id(self.output_dir)
        self.state.spare_id = _folder_id(self.spare)
        self._state_file.save(self.state)
        self.dirty = False

    def prepare_save(self) -> None:
        """Do ahead what :meth:`save` can, while the build waits for Pagefind (:meth:`StateFile.prepare`)."""
        if self._state_file is not None:
            self._state_file.prepare(self.state.articles)

    def update(self, **fields) -> None:
        """Change parts of the state (trees, signatures), noting whether that changes it."""
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
            self.state.slugs = {}
            self.state.details = {}
            self.state.urls = None
            self.dirty = True

    def yaml_file(self, content_dir: Path, name: str, log: ProblemLog):
        """:func:`sources.load_yaml_file`, parsed again only when the file's bytes change."""
        digest = file_digest(content_dir / name)
        found = self.state.yaml_files.get(name)
        if found is not None and found[:2] == (self.engine, digest):
            log.problems.extend(found[3])
            return found[2]
        parsed = ProblemLog()
        value = sources.load_yaml_file(content_dir, name, parsed)
        self.state.yaml_files[name] = (self.engine, digest, value, tuple(parsed.problems))
        self.dirty = True
        log.extend(parsed)
        return value

    def slug(self, name: str) -> str:
        """name_slug(name), remembered: a rebuild that meets no new place or tag does not
        load pypinyin at all."""
        found = self.state.slugs.get(name)
        if found is None:
            found = self.state.slugs[name] = name_slug(name)
            self.dirty = True
        return found

    def digest(self, source: str, path: Path) -> str:
        """The sha256 of an article file, read and hashed unless its signs say it is unchanged.

        As git does: a file whose size, modification and change times and inode
        are those it had when it was hashed is taken to hold the same bytes,
        unless it was changed within a moment of being hashed (a later change in
        the same tick of the clock would not show in its times). The signs are those
        taken before the build began (:attr:`stamped`), when it has them.
        """
        signs = (self.stamped and self.stamped(source)) or file_signs(path)
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
            found = self.state.articles[source] = replace(found, signs=signs)
            self.dirty = True
        return found

    def remember(self, source: str, digest: str, article: Article | None, problems) -> None:
        light = replace(article, body="", rendered=Body()) if article is not None else None
        self.state.articles[source] = ArticleRecord(digest, light, tuple(problems), None, self._signs.get(source, ()))
        self.dirty = True

    def known_digest(self, source: str) -> str:
        """The sha256 of the article file as this build read it ("" if not known)."""
        found = self.state.articles.get(source)
        return found.digest if found is not None else ""

    def forget_missing(self, sources: set[str]) -> None:
        """Drop the records of files that are gone (deleted or renamed)."""
        for source in [s for s in self.state.articles if s not in sources]:
            del self.state.articles[source]
            self.dirty = True

    def links_to(self, urls: dict[str, str]) -> None:
        """The addresses of this build's reports (source -> URL), which links resolve to.

        Every body and timeline detail the last build kept held against the addresses it
        had then, as :meth:`_links_hold` checks (a link to a report not published was
        broken, and what held it not kept). When no report of those has moved or gone,
        each still holds, and its links need not be looked up one by one (at 100,000
        reports that took 0.4 s: 350,000 lookups all over memory).
        """
        last = self.state.urls
        self._moved = None if last is None else frozenset(s for s, url in last.items() if urls.get(s) != url)
        if self._moved is None or self._moved or len(last) != len(urls):
            self.state.urls = urls  # what the bodies kept from now on hold against
            self.dirty = True

    def body(self, article: Article, urls: dict[str, str], content_dir: Path) -> BodyRecord | None:
        """The remembered body of ``article``, if every link it resolved still resolves
        the same and the store still holds its HTML."""
        found = self.state.articles.get(article.source)
        body = found.body if found is not None else None
        if body is None:
            return None
        if not self._links_hold(body.links, urls):
            return None
        if any(state is None or file_state(content_dir / asset) != state for asset, state in body.assets):
            return None  # gone, or changed: an image's size is in the HTML
        if not self.bodies.has(body.fingerprint):
            return None
        self.fingerprints[article.source] = body.fingerprint
        return body

    def remember_body(self, article: Article, html: str, headings, summary: str, search_text: str,
                      problems, links: dict[str, str], assets, images, is_cacheable: bool,
                      reading_minutes: int = 0) -> bool:
        """Keep a freshly rendered body; one with a broken link is only fingerprinted.
        True if its HTML can be fetched again (:meth:`html`) from a store on disk."""
        found = self.state.articles.get(article.source)
        digest = found.digest if found is not None else ""
        if not is_cacheable or found is None:
            self._unstored_text[article.source] = search_text
            self.fingerprints[article.source] = short_hash(article.source, digest, "as rendered", html, summary, repr(headings))
            if found is not None and found.body is not None:
                self.state.articles[article.source] = replace(found, body=None)
                self.dirty = True
            return False
        links_key = repr(sorted(links.items())) + repr(sorted(assets.items()))
        fingerprint = short_hash(article.source, digest, links_key)
        self.fingerprints[article.source] = fingerprint
        self.state.articles[article.source] = replace(found, body=BodyRecord(
            fingerprint, headings, summary, tuple(problems),
            tuple((sys.intern(source), sys.intern(url)) for source, url in sorted(links.items())),
            tuple(sorted(assets.items())), tuple(sorted(images)), reading_minutes))
        self.bodies.add(fingerprint, html, search_text)
        self.dirty = True
        return self.folder is not None

    # --- the timeline's details -------------------------------------------------

    def event_detail(self, text: str, urls: dict[str, str]) -> str | None:
        """The HTML an earlier build made of an event's detail, if each report it links to
        still has the address it had then (the only thing besides the text it depends on)."""
        found = self.state.details.get(text)
        if found is None:
            return None
        if not self._links_hold(found[1], urls):  # dropped, as a body's record is replaced: what is
            del self.state.details[text]  # kept holds against the addresses links_to keeps
            self.dirty = True
            return None
        self._details_seen.add(text)
        return found[0]

    def remember_event_detail(self, text: str, html: str, links: dict[str, str]) -> None:
        """Keep a detail rendered with no problem and no link to a file (whose
        existence it would depend on), with the addresses of the reports it links to."""
        self.state.details[text] = (html, tuple(sorted(links.items())))
        self._details_seen.add(text)
        self.dirty = True

    def _links_hold(self, links: tuple[tuple[str, str], ...], urls: dict[str, str]) -> bool:
        """Whether each report a kept body or detail linked to (source, the address it had)
        still has that address: so without a look when none has moved (:meth:`links_to`)."""
        return self._moved == frozenset() or all(urls.get(source) == url for source, url in links)

    # --- rendered bodies --------------------------------------------------------

    def html(self, article: Article) -> str:
        """The HTML of a body rendered by an earlier build."""
        return self._stored(article, "html")

    def search_text(self, article: Article) -> str:
        """The text search indexes of ``article``'s body (see :mod:`digest.search`)."""
        text = self._unstored_text.get(article.source)
        return text if text is not None else self._stored(article, "search_text")

    def _stored(self, article: Article, column: str) -> str:
        """A column of the store; a body the store lost is rendered again (the same result)."""
        fingerprint = self.fingerprints[article.source]
        value = self.bodies.get(fingerprint, column)
        if value is not None:
            return value
        body = self.render_again(article)
        self.bodies.add(fingerprint, body.html, body.search_text)
        return body.html if column == "html" else body.search_text


def _folder_id(path: Path | None) -> tuple:
    try:
        stat = path.stat()
    except (OSError, AttributeError):
        return ()
    return (stat.st_dev, stat.st_ino)
