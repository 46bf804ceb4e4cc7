"""The ``digest`` command that ``pip install -e .`` puts beside the project's Python.

It runs build.py's main(), the contract's command line, so ``.venv/bin/digest check``
and ``.venv/bin/python build.py check`` cannot differ. The package runs from its
source folder (its templates and static files are beside it), where build.py is too.
"""

from __future__ import annotations

import importlib.util
from typing import NoReturn

from .commands import PROGRAM


def main() -> NoReturn:
    spec = importlib.util.spec_from_file_location("digest_build", PROGRAM)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    program.exit_now(program.main())  # as build.py ends: without freeing a build's objects one by one
