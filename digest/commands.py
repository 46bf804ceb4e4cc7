"""The commands editors are told to type, and whether this Python can run them.

The README's quick start installs the digest's libraries into the project's own
Python, ``.venv``, and nothing activates it. So every command the program prints
names a Python by its path, the way the editor's system spells it
(``.venv/bin/python build.py check``; ``.venv\\Scripts\\python build.py check`` on
Windows), and ``python build.py`` run with another Python, one without the
libraries, says in one line which Python to use instead of ending in a traceback.

Only the standard library is used here: build.py asks before it imports anything else.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path, PureWindowsPath

from .i18n import _, use_language

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROGRAM = PROJECT_DIR / "build.py"
DEFAULT_CONTENT = Path("content")

# pyproject.toml's dependencies, each with the module it installs (a test keeps them equal).
LIBRARIES = {
    "jinja2": "jinja2",
    "markdown": "markdown",
    "pyyaml": "yaml",
    "feedgen": "feedgen",
    "beautifulsoup4": "bs4",
    "lxml": "lxml",
    "nh3": "nh3",
    "pypinyin": "pypinyin",
    "jieba": "jieba",
    "watchfiles": "watchfiles",
    "pillow": "PIL",
    "rich": "rich",
    "pagefind": "pagefind_bin_extended",
    "icalendar": "icalendar",
    "cbor2": "cbor2",
}


def is_windows() -> bool:
    return os.name == "nt"


def command(*args: str, python: str | None = None, windows: bool | None = None) -> str:
    """``build.py args`` as the editor types it here: this Python (or ``python``) by its
    path, both paths from the current folder, quoted for the system's shell."""
    windows = is_windows() if windows is None else windows
    words = [shown_path(python or sys.executable, windows), shown_path(PROGRAM, windows), *args]
    words[0] = re.sub(r"\.exe$", "", words[0], flags=re.I)
    return subprocess.list2cmdline(words) if windows else shlex.join(words)


def content_args(content_dir: Path) -> list[str]:
    """``--content DIR`` for a command that must read the same content folder (none for the default)."""
    return [] if content_dir == DEFAULT_CONTENT else ["--content", str(content_dir)]


def shown_path(path: str | Path, windows: bool) -> str:
    """A path from the current folder when it lies inside it (``.venv/bin/python``), else whole."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        relative = os.pardir
    shown = str(path) if relative.startswith(os.pardir) else relative
    return str(PureWindowsPath(shown)) if windows else shown


# --- the wrong Python --------------------------------------------------------


def missing_libraries() -> list[str]:
    """The dependencies this Python cannot import, named as pyproject.toml names them."""
    return [name for name, module in LIBRARIES.items() if importlib.util.find_spec(module) is None]


def project_python(windows: bool) -> Path:
    """The project's own Python, where the quick start makes it."""
    return PROJECT_DIR / ".venv" / ("Scripts/python.exe" if windows else "bin/python")


def wrong_python(argv: list[str]) -> str | None:
    """The line to print when this Python lacks the libraries (None when it has them).

    ``argv`` is the command as typed (``sys.argv``): the advice repeats it with
    the Python that can run it, or says how to make that Python first.
    """
    missing = missing_libraries()
    if not missing:
        return None
    use_language(early_language(argv[1:]))
    windows = is_windows()
    python = project_python(windows)
    if python.exists():
        return "error: " + _(
            "this Python ({python}) does not have the digest's libraries ({library} is missing); "
            "run the command with the project's own Python: {command}"
        ).format(python=sys.executable, library=missing[0], command=command(*argv[1:], python=str(python), windows=windows))
    first, then = install_commands(windows)
    return "error: " + _(
        "this Python ({python}) does not have the digest's libraries ({library} is missing); "
        "install them first, in the folder {folder}: {first}, then {then}"
    ).format(python=sys.executable, library=missing[0], folder=PROJECT_DIR, first=first, then=then)


def install_commands(windows: bool) -> tuple[str, str]:
    """The quick start's install, as two commands (Windows PowerShell 5 has no ``&&``)."""
    if windows:
        return "py -m venv .venv", r".venv\Scripts\python -m pip install -e ."
    return "python3 -m venv .venv", ".venv/bin/python -m pip install -e ."


def early_language(args: list[str]) -> str:
    """The editor's language before YAML can be read: ``--lang``, else the ``language:``
    line of the content folder's site.yaml, else Chinese (the contract's default)."""
    chosen = option_value(args, "--lang")
    if chosen:
        return chosen
    site = Path(option_value(args, "--content") or DEFAULT_CONTENT) / "site.yaml"
    try:
        found = re.search(r"^language:\s*['\"]?([A-Za-z-]+)", site.read_text(encoding="utf-8-sig"), re.M)
    except (OSError, UnicodeDecodeError):
        found = None
    return found.group(1) if found else "zh-CN"


def option_value(args: list[str], option: str) -> str | None:
    """The value of ``--option VALUE`` or ``--option=VALUE`` in ``args``, if given."""
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None
