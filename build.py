#!/usr/bin/env python3
"""The county news digest's command line.

    python build.py [--content DIR] [--output DIR] [--base-url URL] [--drafts] [--future]
    python build.py check [--content DIR]
    python build.py serve [--content DIR] [--port N]
    python build.py new "标题" [--place P] [--content DIR]
    python build.py publish [--every 10m] [--content DIR] [--output DIR] [--base-url URL]

``python`` is the project's own Python (``.venv/bin/python``, on Windows
``.venv\\Scripts\\python``); the ``digest`` command that pip installs beside it runs
this same main().

Every command takes --lang zh|en; without it, the messages are in site.yaml's
language (zh when it has none).

Exit status: 0 built (warnings allowed), 1 the content has errors, 2 the
command line is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest.commands import early_language, wrong_python  # noqa: E402  (the standard library only)

if _wrong := wrong_python(sys.argv):
    print(_wrong, file=sys.stderr)  # this Python lacks the libraries: say which one has them
    sys.exit(2)

# Only what a build with nothing to do needs is imported here; the rest (Markdown,
# Jinja, Pagefind) is imported where a command needs it, so that such a build is quick.
from digest.cache import remembered_notices  # noqa: E402
from digest.config import is_web_address  # noqa: E402
from digest.errors import ContentError, ProblemLog, format_problems, summary_line  # noqa: E402
from digest.i18n import LANGUAGES, N_, _, ngettext, use_language  # noqa: E402
from digest.options import BuildOptions, Theme, real_output, unsafe_output  # noqa: E402
from digest.progress import for_terminal  # noqa: E402
from digest.summary import Summary, format_summary, make_summary  # noqa: E402
from digest.unchanged import LastBuild, unchanged_build  # noqa: E402
from digest.write import ForeignFiles  # noqa: E402

DEFAULT_OUTPUT = Path("output")  # also where `check` finds what the last build published
COMMANDS = ("build", "check", "serve", "new", "publish")

# argparse's own words that an editor can meet, listed for the catalog: argparse looks
# them up through our translation (choose_language).
ARGPARSE_WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"), N_("the following arguments are required: %s"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("ignored explicit argument %r"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "build"
    choose_language(argv)
    parser = make_parser(command)
    args = parser.parse_args(argv)
    if command != "new" and not args.content.is_dir():
        parser.error(_("the content folder '{folder}' does not exist").format(folder=args.content))
    danger = unsafe_output(args.content, args.output) if command in ("build", "publish") else None
    if danger:
        parser.error(danger)
    if command == "check":
        return run_check(args)
    if command == "serve":
        from digest.serve import serve
        return serve(args.content, port=args.port, host=args.host)
    if command == "new":
        from digest.scaffold import new_article
        return new_article(args.title, args.content, place=args.place)
    if command == "publish":
        from digest.publish import publish
        return publish(BuildOptions(content_dir=args.content, output_dir=args.output, base_url=args.base_url),
                       Theme(), args.every)
    return run_build(args)


def choose_language(argv: list[str]) -> None:
    """Pick the messages' language before any is made (--help and argparse's errors too):
    --lang, else site.yaml's language (read leniently: a broken site.yaml is told later),
    else Chinese. Forked workers inherit it."""
    use_language(early_language(argv))
    argparse._ = _  # argparse's own words (usage:, options, its errors) from our catalog
    argparse.ngettext = ngettext


def make_parser(command: str) -> argparse.ArgumentParser:
    prog = "build.py" if command == "build" else f"build.py {command}"
    parser = argparse.ArgumentParser(prog=prog, description=_("The county news digest's command line."))
    parser.add_argument("--content", type=Path, default=Path("content"),
                        help=_("the content folder (default: content)"))
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=_("the language of the messages: zh or en (default: site.yaml's language)"))
    if command in ("build", "publish"):
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                            help=_("the output folder (default: output)"))
        parser.add_argument("--base-url", type=base_url, help=_("the site's address, overriding site.yaml"))
    if command == "publish":
        parser.add_argument("--every", type=interval, default=interval("10m"),
                            help=_("look at the content at least this often, e.g. 10m, 30s, 1h (default: 10m); "
                                   "a scheduled report is published at its time, an edit at once"))
    if command in ("build", "check"):
        parser.add_argument("--drafts", action="store_true", help=_("include drafts"))
        parser.add_argument("--future", action="store_true", help=_("include reports dated in the future"))
    if command == "serve":
        parser.add_argument("--port", type=port, default=8000, help=_("the port (default: 8000; 0: any free one)"))
        parser.add_argument("--host", default="127.0.0.1",
                            help=_("the address to listen on (default: 127.0.0.1)"))
    if command == "new":
        parser.add_argument("title", help=_("the report's title"))
        parser.add_argument("--place", default="", help=_("the place the report is about"))
    return parser


def base_url(text: str) -> str:
    if not is_web_address(text):
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a web address like https://example.cn/digest/").format(text=text))
    return text


def interval(text: str):
    from digest.publish import parse_interval
    try:
        return parse_interval(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def port(text: str) -> int:
    """A TCP port; 0 asks the system for any free one (the tests' way)."""
    if not text.strip().isascii() or not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a port; give a whole number from 1 to 65535, or 0 for any free one").format(text=text))
    return int(text)


def run_build(args) -> int:
    started = time.monotonic()
    options = BuildOptions(
        content_dir=args.content, output_dir=args.output, base_url=args.base_url,
        drafts=args.drafts, future=args.future,
    )
    now = datetime.now(timezone.utc)
    verdict = unchanged_build(replace(options, output_dir=real_output(args.output)), Theme(), now)
    if verdict.last is not None:
        return print_unchanged(verdict.last, args.output, now, time.monotonic() - started)
    from digest.builder import build
    from digest.search import SearchIndexError

    progress = for_terminal(sys.stderr)
    try:
        result = build(options, Theme(), progress, verdict.inputs)
    except ContentError as exc:
        return print_problems(exc.log)
    except ForeignFiles as exc:
        return print_foreign(exc)
    except (OSError, SearchIndexError) as exc:
        return print_failure(exc, args.output)
    finally:
        progress.close()
    print_problems(result.log)
    print_built(len(result.site.articles), args.output, result.files_written, result.files_unchanged,
                time.monotonic() - started)
    print_summary(result.site, result.log, new_notices=result.new_notices)
    return 0


def print_unchanged(last: LastBuild, output: Path, now: datetime, seconds: float) -> int:
    """What a build says when nothing it reads has changed: the same warnings and summary
    as the last build's (with the time to the next scheduled report counted again)."""
    print_problems(ProblemLog(list(last.problems)))
    print_built(last.summary.reports, output, 0, last.files, seconds)
    print_lines(replace(last.summary, due_in=last.next_due - now if last.next_due else None))
    return 0


def print_built(reports: int, output: Path, written: int, unchanged: int, seconds: float) -> None:
    print(
        _("built {reports} report(s) into {output}: {written} files written, {unchanged} unchanged in {seconds} s")
        .format(reports=reports, output=output, written=written, unchanged=unchanged, seconds=f"{seconds:.1f}"),
        file=sys.stderr,
    )


def run_check(args) -> int:
    from digest.corrections import new_notices
    from digest.loading import load_site

    options = BuildOptions(content_dir=args.content, drafts=args.drafts, future=args.future)
    try:
        site, log = load_site(options)
    except ContentError as exc:
        return print_problems(exc.log)
    print_problems(log)
    print(_("ok: {reports} report(s), {events} event(s)").format(reports=len(site.articles), events=len(site.events)),
          file=sys.stderr)
    print_summary(site, log, new_notices=new_notices(site, remembered_notices(DEFAULT_OUTPUT)))
    return 0


def print_summary(site, log: ProblemLog, changes=None, new_notices=()) -> None:
    """The pre-publish summary: places, months, what is waiting, new corrections, warnings, changes."""
    print_lines(make_summary(site, log, changes, new_notices))


def print_lines(summary: Summary) -> None:
    for line in format_summary(summary):
        print(line, file=sys.stderr)


def print_failure(exc: Exception, output: Path) -> int:
    """The build could not finish for a reason outside the content (a full disk, a folder
    it may not write, Pagefind failing): say so in the usual form, no traceback."""
    where = getattr(exc, "filename", None) or output
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    advice = getattr(exc, "advice", None) or _("free some disk space or fix that folder, then build again")
    print(f"{where}:1: error: " + _("the build could not finish ({reason}); the previous output is left as it was: "
                                    "{advice}").format(reason=reason, advice=advice), file=sys.stderr)
    return 1


def print_foreign(exc: ForeignFiles, shown: int = 5) -> int:
    """A first build into a folder holding someone else's files: name a few, say what to do."""
    for dest in exc.dests[:shown]:
        print(f"{(exc.output_dir / dest).as_posix()}:1: error: "
              + _("this file was not made by the build, and the build replaces its output folder whole; move it "
                  "out of the folder, or choose another --output (an empty or new folder)"), file=sys.stderr)
    more = len(exc.dests) - shown
    if more > 0:
        told = _("{output}: {count} file(s) the build did not make ({more} more not listed); nothing was written")
    else:
        told = _("{output}: {count} file(s) the build did not make; nothing was written")
    print(told.format(output=exc.output_dir, count=len(exc.dests), more=more), file=sys.stderr)
    return 1


def print_problems(log: ProblemLog) -> int:
    """Print every problem, sorted by file and line; 1 if any is an error."""
    for line in format_problems(log.problems):
        print(line, file=sys.stderr)
    if log.has_errors:
        print(_("{count}; nothing was written").format(count=summary_line(log)), file=sys.stderr)
        return 1
    return 0


def exit_now(status: int) -> NoReturn:
    """End the process without freeing the build's objects one by one, as mypy's
    ``hard_exit`` does: 0.05-0.08 s after a build of 10,000 reports. Only once nothing
    is left that a normal exit waits for (a thread, a worker process); else the usual way."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: let the usual exit say so
        sys.exit(status)
    processes = sys.modules.get("multiprocessing")
    if threading.active_count() == 1 and not (processes and processes.active_children()):
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    exit_now(main())
