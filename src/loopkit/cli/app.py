"""The ``loopkit`` typer app: global options and the error boundary, no commands.

Command modules import ``app`` from here and register on it; ``cli/__init__``
imports them, so no command module imports another or the package above it.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from loopkit import __version__
from loopkit.cli.limit_options import apply as apply_limits
from loopkit.cli.limit_options import option as limit_option


class _Group(TyperGroup):
    """Turns loopkit's user errors into one stderr line and an exit code, never a traceback.

    Done here rather than around ``app()`` so typer's ``CliRunner`` and a real
    process behave the same.
    """

    def invoke(self, ctx: Any) -> Any:
        from loopkit.cli.common import report_error

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as error:
            if type(error).__module__.startswith(("click", "typer")):
                raise
            raise typer.Exit(report_error(error)) from None


app = typer.Typer(
    cls=_Group,
    name="loopkit",
    help="Causal loop diagrams as text: validate, find feedback loops, render.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loopkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only problems and the output asked for."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print search details (timings, bounds)."
    ),
    max_file_size: str | None = limit_option("file_size"),
    max_yaml_values: str | None = limit_option("yaml_values"),
    max_yaml_text: str | None = limit_option("yaml_text"),
    max_depth: str | None = limit_option("depth"),
    max_variables: str | None = limit_option("variables"),
    max_links: str | None = limit_option("links"),
    max_label_length: str | None = limit_option("label_length"),
    max_problems: str | None = limit_option("problems"),
) -> None:
    """Causal loop diagrams as text: validate, find feedback loops, render.

    Write a diagram as YAML, then `loopkit loops FILE` lists its feedback loops
    and `loopkit check FILE` gates CI on the loops you declared.
    """
    from loopkit.cli.common import fail_usage, set_verbosity

    if quiet and verbose:
        raise fail_usage("--quiet and --verbose cannot be used together")
    set_verbosity(-1 if quiet else 1 if verbose else 0)
    apply_limits(ctx, max_file_size=max_file_size, max_yaml_values=max_yaml_values,
                 max_depth=max_depth, max_variables=max_variables, max_links=max_links,
                 max_label_length=max_label_length, max_problems=max_problems,
                 max_yaml_text=max_yaml_text)
