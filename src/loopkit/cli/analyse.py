"""`loopkit loops`, `loopkit check` and `loopkit schema`."""

from __future__ import annotations

import json
from typing import Any

import typer

from loopkit.cli import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    Format,
    fail_usage,
    load_many,
    note,
    print_problems,
    stdout_console,
    verbosity,
)

FILES = typer.Argument(..., help="Diagram YAML files.", metavar="FILE...")
MAX_LENGTH = typer.Option(12, "--max-length", min=1, help="Longest loop searched, in links.")
LIMIT = typer.Option(10_000, "--limit", min=1, help="Stop after this many loops.")
TIME_BUDGET = typer.Option(
    10.0, "--time-budget", min=0.01, help="Stop searching after this many seconds per file."
)
FORMAT = typer.Option(Format.text, "--format", "-f", help="Output format.")


def _analyse_all(
    files: list[str], *, max_length: int, limit: int, time_budget: float,
    through: str | None = None, strict: bool = False,
) -> list[Any]:
    from loopkit.analysis.loops import analyse_loops
    from loopkit.loader import suggest
    from loopkit.reporting import FileResult

    results = []
    for path, diagram, problems in load_many(files):
        result = FileResult(path, diagram, None, problems)
        if diagram is not None:
            if through is not None and through not in diagram.index:
                ids = [v.id for v in diagram.variables]
                raise fail_usage(f"{path}: --through '{through}' is not a variable of this "
                                 f"diagram{suggest(through, ids)}")
            result.analysis = analyse_loops(diagram, max_length=max_length, limit=limit,
                                            time_budget=time_budget, through=through,
                                            strict=strict)
        results.append(result)
    return results


def _loop_table(result: Any) -> Any:
    """The text format's table; user text is plain ``Text`` so ``[x]`` is never markup."""
    from rich.table import Table
    from rich.text import Text

    from loopkit.escape import strip_control

    def plain(value: str) -> Text:
        return Text(strip_control(value))

    labels = {v.id: v.label for v in result.diagram.variables}
    table = Table(title=plain(result.diagram.display_title), title_justify="left")
    for column in ("ID", "Type", "Name", "Length", "Delays", "Loop"):
        table.add_column(column, overflow="fold",
                         justify="right" if column in ("Length", "Delays") else "left")
    colours = {"reinforcing": "red", "balancing": "blue", "undetermined": "yellow"}
    for loop in result.analysis.loops:
        kind = loop.type.value
        table.add_row(plain(loop.id), Text(kind, style=colours[kind]), plain(loop.name or ""),
                      str(loop.length), str(loop.delays) if loop.delays else "",
                      plain(loop.chain(labels)))
    return table


@app.command("loops")
def loops_command(
    files: list[str] = FILES,
    output_format: Format = FORMAT,
    max_length: int = MAX_LENGTH,
    limit: int = LIMIT,
    time_budget: float = TIME_BUDGET,
    through: str | None = typer.Option(
        None, "--through", metavar="VAR", help="Only loops through this variable id."
    ),
) -> None:
    """List every feedback loop, classified reinforcing (R) or balancing (B).

    Exits 1 if a file is invalid or a declared loop is missing or of the wrong
    type, so it can gate CI.

    Examples:

      loopkit loops examples/school-fines.yaml

      loopkit loops --through fines --format json examples/*.yaml
    """
    from rich.markup import escape

    from loopkit.reporting import summary_sentence

    results = _analyse_all(files, max_length=max_length, limit=limit,
                           time_budget=time_budget, through=through)
    if not _emit_document(results, output_format, "loops"):
        console = stdout_console()
        for result in results:
            if result.analysis is None:
                continue
            if result.analysis.loops:
                console.print(_loop_table(result))
            if verbosity() >= 0:
                console.print(
                    escape(f"{result.file}: {summary_sentence(result.analysis.summary)}"),
                    soft_wrap=True)
    _diagnostics(results, output_format)
    raise typer.Exit(EXIT_PROBLEMS if any(r.all_problems and _fails(r) for r in results)
                     else EXIT_OK)


def _fails(result: Any) -> bool:
    return not result.ok


def _emit_document(results: list[Any], output_format: Format, command: str) -> bool:
    """Print ``results`` in a machine/CI format; False means the caller prints text."""
    from loopkit import formats

    chosen = output_format.resolve()
    if chosen is Format.json:
        typer.echo(formats.json_output(results, command), nl=False)  # type: ignore[arg-type]
    elif chosen is Format.markdown:
        typer.echo(formats.markdown_output(results, command), nl=False)  # type: ignore[arg-type]
    elif chosen is Format.github:
        typer.echo(formats.github_output(results, command), nl=False)  # type: ignore[arg-type]
    return chosen is not Format.text


def _diagnostics(results: list[Any], output_format: Format) -> None:
    """Problems as ``file:line:col`` lines on stderr, then verbose search details.

    Not in the github format, whose annotations already are the log lines.
    """
    if output_format.resolve() is not Format.github:
        for result in results:
            print_problems(result.all_problems)
    for result in results:
        if result.analysis is not None:
            a = result.analysis
            note(f"{result.file}: {len(a.loops)} loops in {a.elapsed * 1000:.1f} ms"
                 + (f", stopped early: {a.reason}" if a.truncated else ", search complete"),
                 level=1)


@app.command("check")
def check_command(
    files: list[str] = FILES,
    strict: bool = typer.Option(
        False, "--strict", help="Also fail when a loop exists that is not declared."
    ),
    output_format: Format = FORMAT,
    max_length: int = MAX_LENGTH,
    limit: int = LIMIT,
    time_budget: float = TIME_BUDGET,
) -> None:
    """Validate diagrams and verify their declared loops.

    Problems are printed as `file:line:col: message` on stderr; exit code 1
    when there are any.

    Examples:

      loopkit check examples/*.yaml

      loopkit check --strict --format json diagram.yaml
    """
    results = _analyse_all(files, max_length=max_length, limit=limit,
                           time_budget=time_budget, strict=strict)
    from loopkit.reporting import check_line

    if not _emit_document(results, output_format, "check") and verbosity() >= 0:
        for result in results:
            if result.ok and result.analysis is not None:
                typer.echo(check_line(result))
    _diagnostics(results, output_format)
    raise typer.Exit(EXIT_PROBLEMS if any(_fails(r) for r in results) else EXIT_OK)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the diagram format (for editor autocompletion).

    Example:

      loopkit schema > loopkit.schema.json
    """
    from loopkit.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
