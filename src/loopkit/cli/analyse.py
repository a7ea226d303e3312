"""`loopkit loops`, `loopkit check` and `loopkit schema`."""

from __future__ import annotations

from typing import Any

import typer

from loopkit.cli.app import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    FILES,
    LIMIT,
    MAX_LENGTH,
    TIME_BUDGET,
    Format,
    SearchProgress,
    fail_usage,
    note,
    print_problems,
)
from loopkit.cli.emit import FORMAT, emit


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
    link: str | None = typer.Option(
        None, "--link", metavar="A->B", help="Only loops using the link from A to B."
    ),
    count: bool = typer.Option(
        False, "--count", help="Only count loops, by type and length (no --limit needed)."
    ),
    independent: bool = typer.Option(
        False, "--independent",
        help="List the shortest independent loop set (SILS) and the cycle rank instead.",
    ),
    evidence: bool = typer.Option(
        False, "--evidence", help="Add each loop's weakest link by evidence and confidence, "
        "and in a merged map how many sources support it."
    ),
) -> None:
    """List every feedback loop, classified reinforcing (R) or balancing (B).

    With --limit, the shortest loops are the ones listed. Exits 1 if a file is
    invalid or a declared loop is missing or of the wrong type, so it can gate
    CI.

    Examples:

      loopkit loops examples/school-fines.yaml

      loopkit loops --through fines --format json examples/*.yaml

      loopkit loops --link 'fines->strain' --count examples/school-fines.yaml

      loopkit loops --independent big-map.yaml
    """
    from loopkit.check import CheckOptions, analyse_files
    from loopkit.output.records import Report

    if count and independent:
        raise fail_usage("--count and --independent cannot be used together")
    if independent and (through is not None or link is not None):
        raise fail_usage("--independent describes the whole diagram; drop --through/--link")
    mode = "count" if count else "independent" if independent else "list"
    results = analyse_files(files, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget, through=through,
        link=link, mode=mode, stream=True), progress=SearchProgress)
    report = Report("loops", results, independent=independent, evidence=evidence)
    chosen = emit(report, output_format)
    _diagnostics(results, chosen)
    raise typer.Exit(EXIT_PROBLEMS if any(not r.ok for r in results) else EXIT_OK)


def _diagnostics(results: list[Any], chosen: Format) -> None:
    """Problems as ``file:line:col`` lines on stderr, then verbose search details.

    Not in the github format, whose annotations already are the log lines.
    """
    if chosen is not Format.github:
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
        False, "--strict", help="Also fail when a loop exists that is not declared, and "
        "report lint warnings (see 'loopkit lint')."
    ),
    require_evidence: bool = typer.Option(
        False, "--require-evidence", help="Fail on links without 'evidence' and the loops "
        "resting on them."
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
    from loopkit.check import CheckOptions, analyse_files
    from loopkit.output.records import Report

    results = analyse_files(files, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget, strict=strict,
        require_evidence=require_evidence, stream=True), progress=SearchProgress)

    chosen = emit(Report("check", results), output_format)
    _diagnostics(results, chosen)
    raise typer.Exit(EXIT_PROBLEMS if any(not r.ok for r in results) else EXIT_OK)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the diagram format (for editor autocompletion).

    Example:

      loopkit schema > loopkit.schema.json
    """
    from loopkit.read.schema import json_schema
    from loopkit.text import json_document

    typer.echo(json_document(json_schema()))
