"""Helpers shared by the command modules: consoles, loading many files, exit codes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import typer

from loopkit.limits import DEFAULT_LOOP_LIMIT, DEFAULT_MAX_LENGTH, DEFAULT_TIME_BUDGET
from loopkit.problems import LoopkitError, Problem, UsageError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3



def diagram_files(ctx: typer.Context, values: list[str] | None) -> list[str] | None:
    """The ``FILE...`` callback: a folder stands for its ``*.yaml``/``*.yml`` files and
    ``-`` for standard input (``loopkit.read.paths``); bounded by ``--max-files``."""
    if not values or ctx.resilient_parsing:  # shell completion: no walking
        # a list, never None: typer 0.16 takes len() of what a callback returns
        return list(values or ())
    from loopkit.read.paths import diagram_paths

    return diagram_paths(values)


#: The diagram arguments, shared so every command names and explains them alike.
FILES = typer.Argument(..., help="Diagram YAML files, folders (their *.yaml and *.yml "
                       "files) or - (standard input).", metavar="FILE...",
                       callback=diagram_files)
MAX_LENGTH = typer.Option(DEFAULT_MAX_LENGTH, "--max-length", min=1,
                          help="Longest loop searched, in links.")
LIMIT = typer.Option(DEFAULT_LOOP_LIMIT, "--limit", min=1, help="Stop after this many loops.")
TIME_BUDGET = typer.Option(DEFAULT_TIME_BUDGET, "--time-budget", min=0.01,
                           help="Stop searching (and listing) after this many seconds "
                           "per file.")
FILE = typer.Argument(..., help="Diagram YAML file, or - (standard input).", metavar="FILE")


class Format(StrEnum):
    """``--format`` of every analysis command (``loopkit.output.FORMATS``); ``auto`` is
    github under GitHub Actions, else text."""

    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"
    sarif = "sarif"
    auto = "auto"

    def resolve(self) -> Format:
        if self is not Format.auto:
            return self
        from loopkit.output import resolve_format

        return Format(resolve_format(self.value, os.environ))


_verbosity = 0


def set_verbosity(level: int) -> None:
    """Store the global ``--quiet`` (-1) / ``--verbose`` (1) level; the root callback
    sets it on every invocation, so one run never inherits another's."""
    global _verbosity
    _verbosity = level


def verbosity() -> int:
    """-1 quiet (problems and requested output only), 0 normal, 1 verbose (search details)."""
    return _verbosity


def note(message: str, *, level: int = 0) -> None:
    """A progress/summary line on stderr, shown when the verbosity is at least ``level``."""
    if verbosity() >= level:
        echo_line(message, err=True)


def echo_line(message: str, *, err: bool = False) -> None:
    """One line that quotes file names or labels, printed as ``escape.log_line``.

    File names are chosen by whoever commits them: a name holding ESC, OSC or
    BEL must not reach the terminal, and one starting with ``::`` or holding
    ``##[`` must not run a workflow command in a CI log. Every line loopkit
    prints with user text goes through here, ``note`` or ``Problem.format_line``.
    """
    from loopkit.text import log_line

    typer.echo(log_line(message), err=err)


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_is_terminal() -> bool:
    """Whether stdout gets terminal output (tables, colour), decided as rich decides but
    without importing it, so a piped run never pays for rich: ``TTY_COMPATIBLE=0/1``
    or a non-empty ``FORCE_COLOR`` override what ``isatty`` says."""
    import sys

    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # no stdout, or a closed one
        return False


def stdout_console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def fail_usage(message: str) -> typer.Exit:
    """Print a usage error (one line, stderr) and return the exit to raise.

    Messages often quote user text (file names, ids); ``one_line`` keeps a
    newline or escape character in them from splitting the line or reaching the
    terminal, here once rather than at every place that raises.
    """
    from loopkit.text import one_line

    typer.echo(f"loopkit: error: {one_line(message)}", err=True)
    return typer.Exit(EXIT_USAGE)


def required(value: str | None, flags: str, command: str) -> str:
    """``value`` of an option the command cannot run without, or a usage error.

    Checked here rather than with typer's ``...`` default: with typer 0.16-0.17
    (allowed) and click 8.3+, a missing required option arrived as None.
    """
    if value is None:
        raise fail_usage(f"missing option {flags}; see 'loopkit {command} --help'")
    return value


def print_problems(problems: Iterable[Problem]) -> None:
    """``file:line:col: message`` lines on stderr, plain text (greppable, clickable)."""
    for problem in problems:
        typer.echo(str(problem), err=True)


def report_error(error: BaseException) -> int:
    """Print an error raised by a command as one line on stderr; return its exit code."""
    if isinstance(error, UsageError):
        fail_usage(str(error))
        return EXIT_USAGE
    if isinstance(error, LoopkitError):
        typer.echo(str(error), err=True)
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        typer.echo("loopkit: interrupted", err=True)
        return 130
    if os.environ.get("LOOPKIT_DEBUG"):
        raise error
    from loopkit.text import one_line

    typer.echo(f"loopkit: internal error: {type(error).__name__}: {one_line(str(error))} "
               "(this is a bug; set LOOPKIT_DEBUG=1 for a traceback and please report it)",
               err=True)
    return EXIT_INTERNAL


class SearchProgress:
    """A rich progress line on stderr for searches longer than a second, only on a terminal.

    Used as the engine's progress callback; shows nothing (and imports nothing)
    for fast searches, redirected stderr or ``--quiet``.
    """

    def __init__(self, path: str) -> None:
        import sys

        self.path = path
        self.enabled = sys.stderr.isatty() and verbosity() >= 0
        self.display: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        return self if self.enabled else None

    def __call__(self, state: Any) -> None:
        if state.elapsed < 1.0:
            return
        if self.display is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            from loopkit.cli.common import stderr_console
            from loopkit.text import strip_control

            self.display = Progress(
                TextColumn("[bold]searching loops[/] {task.description}"), BarColumn(),
                TextColumn("{task.fields[found]:,} found"), TimeElapsedColumn(),
                console=stderr_console(), transient=True, auto_refresh=False)
            self.display.start()
            self.task = self.display.add_task(strip_control(self.path).replace("[", "\\["),
                                              total=state.roots_total, found=0)
        self.display.update(self.task, completed=state.roots_done, total=state.roots_total,
                            found=state.found)
        self.display.refresh()

    def __exit__(self, *exc: object) -> None:
        if self.display is not None:
            self.display.stop()
