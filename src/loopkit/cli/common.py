"""Helpers shared by the command modules: consoles, loading many files, exit codes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import typer

from loopkit.problems import DiagramError, LoopkitError, Problem, UsageError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class Format(StrEnum):
    text = "text"
    json = "json"


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def fail_usage(message: str) -> typer.Exit:
    """Print a usage error (one line, stderr) and return the exit to raise."""
    typer.echo(f"loopkit: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def print_problems(problems: Iterable[Problem]) -> None:
    """``file:line:col: message`` lines on stderr, plain text (greppable, clickable)."""
    for problem in problems:
        typer.echo(str(problem), err=True)


def load_many(paths: Iterable[str]) -> list[tuple[str, Any, list[Problem]]]:
    """Load each file; a bad file gives problems, a missing one is a usage error."""
    from loopkit.loader import load_diagram

    out = []
    for path in paths:
        try:
            out.append((path, load_diagram(path), []))
        except DiagramError as error:
            out.append((path, None, error.problems))
    return out


def report_error(error: BaseException) -> int:
    """Print an error raised by a command as one line on stderr; return its exit code."""
    if isinstance(error, UsageError):
        typer.echo(f"loopkit: error: {error}", err=True)
        return EXIT_USAGE
    if isinstance(error, LoopkitError):
        typer.echo(str(error), err=True)
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        typer.echo("loopkit: interrupted", err=True)
        return 130
    if os.environ.get("LOOPKIT_DEBUG"):
        raise error
    typer.echo(f"loopkit: internal error: {type(error).__name__}: {error} "
               "(this is a bug; set LOOPKIT_DEBUG=1 for a traceback and please report it)",
               err=True)
    return EXIT_INTERNAL
