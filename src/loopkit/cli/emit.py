"""Hand a command's ``Report`` to the reporter ``--format`` chose (shared by the commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from loopkit.cli.common import Format, stdout_console, stdout_is_terminal, verbosity

if TYPE_CHECKING:
    from loopkit.output.records import Report

FORMAT = typer.Option(Format.text, "--format", "-f", help="Output format.")


def _write(text: str) -> None:
    typer.echo(text, nl=False)


def emit(report: Report, output_format: Format) -> Format:
    """Print ``report`` on stdout in ``output_format``; returns the format used (``auto``
    resolved), so the caller knows whether problems also go to stderr: not in the
    github format, whose annotations already are the log lines.
    """
    chosen = output_format.resolve()
    if chosen is Format.text:
        from loopkit.output.text import TextOut, text_output

        console = stdout_console() if stdout_is_terminal() else None  # piped: no rich
        text_output(report, TextOut(console, typer.echo,
                                    lambda line: typer.echo(line, err=True),
                                    quiet=verbosity() < 0, write=_write))
    else:
        from loopkit.output import write_report

        write_report(report, chosen.value, _write)
    return chosen

