"""Problems found in the content, each with the place it was found.

Every stage reports what is wrong with the editors' files as a :class:`Problem`
that carries a :class:`Location`. Problems are collected in a :class:`ProblemLog`
rather than raised one by one, so that an editor sees every mistake in one run.
The command line prints them in one place (:func:`format_problems`).

A problem in a report knows the report's title once its front matter gave one
(:meth:`ProblemLog.name_report`): the sentence after ``PATH:LINE: error:`` can
then lead with what the editor knows, the title and the line (in Chinese,
``《驿马乡……》第3行：``), while the frame stays the same in every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .i18n import _, ngettext, pgettext

ERROR = "error"
WARNING = "warning"
TITLE_SHOWN = 16  # characters of a report's title that lead its problems; longer ones are cut with …


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
    title: str = field(default="", compare=False)  # of the report the problem is in, when known

    def __str__(self) -> str:
        return printable(f"{self.location}: {self.severity}: {self.sentence}")

    @property
    def sentence(self) -> str:
        """The message as the editor reads it, led by the report's title where the language does that."""
        if not self.title:
            return self.message
        title = self.title if len(self.title) <= TITLE_SHOWN else self.title[:TITLE_SHOWN - 1] + "…"
        if self.location.line > 1:
            # Translators: may lead with {title} and {line}, e.g. 《{title}》第{line}行：{message}
            lead = pgettext("a problem in a report, led by its title and line", "{message}")
        else:
            # Translators: may lead with {title}, e.g. 《{title}》：{message}
            lead = pgettext("a problem in a report, led by its title", "{message}")
        return lead.format(title=title, line=self.location.line, message=self.message)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class ProblemLog:
    """Collects problems from every stage; plain data, so it crosses process pools."""

    problems: list[Problem] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # source -> the title of the report in it

    def error(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(Location(path, line), ERROR, message, self.titles.get(path, "")))

    def warning(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(Location(path, line), WARNING, message, self.titles.get(path, "")))

    def name_report(self, source: str, title: str) -> None:
        """The report in ``source`` is called ``title``: its problems, found and to come, say so."""
        self.titles[source] = title
        self.problems = [self._titled(p) for p in self.problems]

    def extend(self, other: "ProblemLog") -> None:
        self.titles.update(other.titles)
        self.problems.extend(self._titled(p) for p in other.problems)

    def _titled(self, problem: Problem) -> Problem:
        title = problem.title or self.titles.get(problem.location.path, "")
        return replace(problem, title=title) if title != problem.title else problem

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
        count = len(log.errors)
        super().__init__(ngettext("{count} error in the content", "{count} errors in the content",
                                  count).format(count=count))
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
    """``2 error(s), 1 warning(s)``: the count printed under the problems."""
    errors, warnings = len(log.errors), len(log.warnings)
    return _("{errors} error(s), {warnings} warning(s)").format(errors=errors, warnings=warnings)
