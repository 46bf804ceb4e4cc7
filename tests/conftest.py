"""Shared fixtures: the project's paths and one build of the sample site per session."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import http.server
import os
import signal
import stat
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = PROJECT / "content"


def load_cli():
    """build.py as a module, so a test can run the command line in its own process (fast)."""
    spec = importlib.util.spec_from_file_location("build_cli", PROJECT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_lines(content: Path, now) -> list[str]:
    """What ``check`` prints for ``content`` at ``now`` (every error and warning, sorted, in English)."""
    from digest.errors import ContentError, format_problems
    from digest.loading import BuildOptions, load_site

    try:
        _, log = load_site(BuildOptions(content_dir=content, now=now))
    except ContentError as error:
        log = error.log
    return format_problems(log.problems)


def ctrl_c_works() -> None:
    """For a child the tests stop with SIGINT, as Ctrl-C: its default action, even when the
    suite runs with SIGINT ignored (as a shell's background job, `nohup ... &`, does), which
    the child would inherit and Python keep (then it never stops)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_build(*args: str, cwd: Path = PROJECT, lang: str | None = "en") -> subprocess.CompletedProcess:
    """Run the real command line, as an editor would; in English unless ``lang`` says
    otherwise (None: the site's language, as an editor who gives no --lang gets)."""
    return subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), *args, *(["--lang", lang] if lang else [])],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(autouse=True)
def english_between_tests():
    """A test that runs the command line in this process leaves the language it chose;
    the next test starts in the library's own English again."""
    yield
    from digest.i18n import use_language
    use_language("en")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample content built once into a temporary output folder."""
    output = tmp_path_factory.mktemp("sample") / "output"
    result = run_build("--content", str(SAMPLE_CONTENT), "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output


NEWSROOM_CONTENT = PROJECT / "examples" / "newsroom"


@pytest.fixture(scope="session")
def newsroom_site(tmp_path_factory) -> Path:
    """The example content folder (examples/newsroom/: invented reports showing
    corrections, a retraction, the timeline calendar) built once."""
    output = tmp_path_factory.mktemp("newsroom") / "output"
    result = run_build("--content", str(NEWSROOM_CONTENT), "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output


def write_content(root: Path, articles: dict[str, str], timeline: str | None = None,
                  site: str = "title: 测试站\nbase_url: https://example.cn/\n") -> Path:
    """Make a small content folder: ``articles`` maps paths under articles/ to file text."""
    content = root / "content"
    (content / "articles").mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(site, encoding="utf-8")
    if timeline is not None:
        (content / "timeline.yaml").write_text(timeline, encoding="utf-8")
    for name, text in articles.items():
        path = content / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def article_text(title: str = "标题", date: str = "2020-01-30", body: str = "正文。", **fields: str) -> str:
    """An article file with the given front matter fields (values written as given)."""
    lines = [f"title: {title}", f"date: {date}", *(f"{key}: {value}" for key, value in fields.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def tree_hash(root: Path) -> str:
    """One hash of every path, file content and symlink under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode())
        elif path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"\0")
    return digest.hexdigest()


# Pasted HTML and Markdown for test_markdown and test_safety:
# each removes something that could run; the text around it stays.
PAYLOADS = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=https://evil.cn/x.js></SCRIPT>',
    '<img src="https://example.cn/a.png" onerror="alert(1)">',
    '<p onclick="alert(1)" onmouseover=alert(1)>点我</p>',
    '<details open ontoggle=alert(1)>x</details>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script&colon;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '[点我](javascript:alert(1))',
    '[点我](JAVASCRIPT:alert(1))',
    '[点我](&#106;avascript:alert(1))',
    '![图](javascript:alert(1))',
    '[点我][x]\n\n[x]: javascript:alert(1)',
    '<iframe src="https://evil.cn/x"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<style>body{display:none}</style>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<object data="https://evil.cn/x.swf"></object>',
    '<embed src="https://evil.cn/x.swf">',
    '<form action="https://evil.cn/"><input name="a"><button formaction="javascript:alert(1)">提交</button></form>',
    '<svg><script>alert(1)</script></svg>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.cn/">',
    '<link rel="stylesheet" href="https://evil.cn/x.css">',
]


# Comparing two built sites (test_incremental, test_damage, test_output_folder):
# every file byte for byte, except Pagefind's bundles, whose file names differ
# from one run to the next (they are compared by what they indexed).
SEARCH = "pagefind"


def tree(root: Path) -> dict[str, Path]:
    import os

    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            files[path.relative_to(root).as_posix()] = path
    return files


def assert_same_tree(built: Path, expected: Path) -> None:
    """Every file the same, except Pagefind's (compared by what it indexed)."""
    ours, theirs = tree(built), tree(expected)
    missing = sorted(set(theirs) - set(ours))
    extra = sorted(set(ours) - set(theirs))
    same_names = not missing and not extra
    search_only = all(name.startswith(SEARCH + "/") for name in missing + extra)
    assert same_names or search_only, f"missing {missing[:5]}, extra {extra[:5]}"
    for name in sorted(theirs):
        if name.startswith(SEARCH + "/") or name not in ours:
            continue
        mine, wanted = ours[name].read_bytes(), theirs[name].read_bytes()
        if mine != wanted:
            pytest.fail(f"{name} differs from a cold build:\n" + unified_diff(name, mine, wanted))
    assert search_summary(built) == search_summary(expected)


def search_summary(root: Path) -> dict:
    """Pages indexed per shard and language (Pagefind's file names differ from run to run)."""
    import json

    summary = {}
    for path in sorted((root / SEARCH).glob("*/pagefind-entry.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        summary[path.parent.name] = {language: info["page_count"] for language, info in entry["languages"].items()}
    return summary


def unified_diff(name: str, mine: bytes, wanted: bytes) -> str:
    import difflib

    lines = difflib.unified_diff(
        wanted.decode("utf-8", "replace").splitlines(), mine.decode("utf-8", "replace").splitlines(),
        f"cold/{name}", f"incremental/{name}", lineterm="", n=2,
    )
    return "\n".join(list(lines)[:80])


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (the folder itself too): kind, mode, bytes or link target."""
    found = {".": (folder.is_symlink(), oct(folder.lstat().st_mode))}
    for here, folders, names in os.walk(folder):
        for name in folders + names:
            path = Path(here, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                body = os.readlink(path)
            elif stat.S_ISREG(mode):
                body = path.read_bytes()
            else:
                body = None
            found[path.relative_to(folder).as_posix()] = (oct(mode), body)
    return found


# --- a real browser ---------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
# true once the search page has answered (found something or not)
SEARCH_ANSWERED = "() => /找到|没有找到/.test(document.getElementById('search-status').textContent)"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


class SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A browser that hangs up mid-file (it left the page, or cancelled a request it
        no longer needs) is no error of the site: only other exceptions are printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(folder: Path):
    """``folder`` served over HTTP on 127.0.0.1, as a browser gets a site; its URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = SiteServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join()
