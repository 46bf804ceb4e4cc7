"""Problems found in the content, each with the place it was found.

Every stage reports what is wrong with the editors' files as a :class:`Problem`
that carries a :class:`Location`. Problems are collected in a :class:`ProblemLog`
rather than raised one by one, so that an editor sees every mistake in one run.
The command line prints them in one place (:func:`format_problems`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in the content folder: a path relative to it and a 1-based line."""

    path: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning, printed as ``PATH:LINE: error: message``."""

    location: Location
    severity: str
    message: str

    def __str__(self) -> str:
        return printable(f"{self.location}: {self.severity}: {self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class ProblemLog:
    """Collects problems from every stage; plain data, so it crosses process pools."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(Location(path, line), ERROR, message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(Location(path, line), WARNING, message))

    def extend(self, other: "ProblemLog") -> None:
        self.problems.extend(other.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


class ContentError(Exception):
    """Raised when a build must stop because the content has errors.

    It carries the whole log, so the command line prints every problem,
    not only the one that ended the build.
    """

    def __init__(self, log: ProblemLog):
        super().__init__(f"{len(log.errors)} error(s) in the content")
        self.log = log

    def __reduce__(self):
        return (type(self), (self.log,))


# Control characters would garble a terminal; lone surrogates (from file names
# that are not UTF-8) cannot be printed at all.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """One line the terminal shows as written: invisible characters as \\xNN."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def format_problems(problems: list[Problem]) -> list[str]:
    """The lines to print: sorted by file and line, duplicates dropped."""
    return [str(p) for p in sorted(set(problems))]


def summary_line(log: ProblemLog) -> str:
    errors, warnings = len(log.errors), len(log.warnings)
    return f"{errors} error(s), {warnings} warning(s)"
