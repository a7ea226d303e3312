"""`loopkit loops`, `loopkit check` and `loopkit schema`."""

from __future__ import annotations

import time
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
    echo_line,
    fail_usage,
    note,
    print_problems,
    stdout_console,
    stdout_is_terminal,
    verbosity,
)

FORMAT = typer.Option(Format.text, "--format", "-f", help="Output format.")


#: Loop type -> rich style, in the table and in the one-line-per-loop listing.
_COLOURS = {"reinforcing": "red", "balancing": "blue", "undetermined": "yellow"}


def _loop_table(result: Any, evidence: bool = False) -> Any:
    """The text format's table; user text is plain ``Text`` so ``[x]`` is never markup."""
    from rich.table import Table
    from rich.text import Text

    from loopkit.text import log_line, terminal_text

    def plain(value: str) -> Text:
        return Text(terminal_text(value))

    labels = result.labels
    table = Table(title=Text(log_line(result.diagram.display_title)), title_justify="left")
    sources = _merged_from(result.diagram) if evidence else ()
    columns = ("ID", "Type", "Name", "Length", "Delays", "Loop") + (
        ("Weakest link",) if evidence else ()) + (("Support",) if sources else ())
    for column in columns:
        table.add_column(column, overflow="fold",
                         justify="right" if column in ("Length", "Delays") else "left")
    for loop in result.analysis.loops:
        kind = loop.type.value
        extra = []
        if evidence:
            from loopkit.analysis.evidence import weakest_link

            weakest = weakest_link(loop)
            extra.append(plain(weakest.describe() if weakest else ""))
        if sources:
            extra.append(plain(_support_cell(loop, sources)))
        table.add_row(plain(loop.id), Text(kind, style=_COLOURS[kind]), plain(loop.name or ""),
                      str(loop.length), str(loop.delays) if loop.delays else "",
                      plain(loop.chain(labels)), *extra)
    return table


def _merged_from(diagram: Any) -> tuple[str, ...]:
    from loopkit.analysis.support import merged_from

    return merged_from(diagram)


def _support_cell(loop: Any, sources: tuple[str, ...]) -> str:
    """``2 of 3 sources`` / ``merge only`` for a loop of a merged map (``loopkit merge``)."""
    from loopkit.analysis.support import loop_support

    support = loop_support(loop.links, len(sources))
    return support.short() if support else ""


#: Above this many loops the text format prints one line per loop instead of a
#: table: rich lays a table out in about a millisecond per row, so 10,000 loops
#: (the default limit) would take over ten seconds; lines take a tenth of that.
#: Lines are also what a pipe or a file gets (stdout not a terminal): one loop per
#: line greps, diffs and wraps as text, where a box-drawn table does not.
_TABLE_ROWS = 1000


def _print_loop_lines(console: Any, result: Any, evidence: bool = False) -> None:
    """``R12  reinforcing  7 links, 1 delay  Name: a → b → c → a``, one line per loop.

    One line whatever the labels hold: a newline in one is written ``\\n``, and a
    line never starts as a CI workflow command (``log_line`` on the id). ``console``
    None: plain lines, without importing rich (stdout is not a terminal).
    """
    from loopkit.text import log_line, one_line

    labels = result.labels
    if console is None and not evidence:
        # rich takes about 200 µs a line (a 70,000-loop listing took 14 s): plain lines
        # are written in chunks, within the time the search left
        _write_loop_lines(result)
        return
    width = max(len(log_line(loop.id)) for loop in result.analysis.loops)
    title = log_line(result.diagram.display_title)
    if console is None:
        typer.echo(title)
    else:
        from rich.text import Text

        console.print(Text(title, style="italic"))
    sources = _merged_from(result.diagram) if evidence else ()
    for loop in result.analysis.loops:
        kind = loop.type.value
        size = f"{loop.length} link{'s' if loop.length != 1 else ''}"
        if loop.delays:
            size += f", {loop.delays} delay{'s' if loop.delays != 1 else ''}"
        rest = [size.ljust(18)]
        if loop.name:
            rest.append(f"{one_line(loop.name)}: ")
        rest.append(one_line(loop.chain(labels)))
        if evidence:
            from loopkit.analysis.evidence import weakest_link

            weakest = weakest_link(loop)
            if weakest:
                rest.append(f"  (weakest link: {one_line(weakest.describe())})")
            if sources:
                rest.append(f"  (support: {one_line(_support_cell(loop, sources))})")
        start = f"{log_line(loop.id).ljust(width)}  "
        if console is None:
            typer.echo(f"{start}{kind.ljust(12)}  {''.join(rest)}")
        else:
            from rich.text import Text

            console.print(Text.assemble(start, (kind.ljust(12), _COLOURS[kind]), "  ",
                                        *rest), soft_wrap=True)


_COUNT_COLUMNS = ("Length", "Reinforcing", "Balancing", "Undetermined", "Total")


def _count_rows(result: Any) -> list[tuple[str, ...]]:
    """Loop counts by length (rows) and type (columns), then the totals row ``all``."""
    from loopkit.model import LoopType

    kinds = (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED)
    counts = result.analysis.counts
    rows = [(str(length), *(f"{row[k]:,}" for k in kinds), f"{sum(row.values()):,}")
            for length, row in counts.items()]
    totals = [sum(row[k] for row in counts.values()) for k in kinds]
    return [*rows, ("all", *(f"{n:,}" for n in totals), f"{sum(totals):,}")]


def _write_loop_lines(result: Any) -> None:
    """``_print_loop_lines`` without rich, streamed within the time the search left.

    Each label is escaped once (``one_line``), which is the same as escaping each
    loop's chain: the escapes are per character and the arrows hold none.
    """
    from loopkit.analysis.loops import LoopList
    from loopkit.output.machine import TimedListing, write_chunked
    from loopkit.text import log_line, one_line

    loops = result.analysis.loops
    if isinstance(loops, LoopList):  # found ids are a letter and a number
        width = max([len(log_line(loop.id)) for loop in loops.declared]
                    + [len(str(max((e[2] for e in loops.found), default=0))) + 1])
    else:
        width = max(len(log_line(loop.id)) for loop in loops)
    shown = {key: one_line(label) for key, label in result.labels.items()}
    kinds = {kind: kind.value.ljust(12) for kind in _loop_types()}
    by_kind = [kind.value.ljust(12) for kind in _loop_types()]
    at = [shown.get(v, v) for v in loops.variable_ids] if isinstance(loops, LoopList) else []
    delays_of = loops.delays_of if isinstance(loops, LoopList) else None

    def size_of(length: int, delays: int) -> str:
        size = f"{length} link{'s' if length != 1 else ''}"
        if delays:
            size += f", {delays} delay{'s' if delays != 1 else ''}"
        return size.ljust(18)

    def lines() -> Any:
        for loop in TimedListing(result, time.monotonic).raw():
            if type(loop) is tuple:  # a LoopList's found loop, as vertex numbers
                nodes, kind, number = loop
                names = [at[v] for v in nodes]
                names.append(names[0])
                yield (f"{'RBU'[kind]}{number}".ljust(width) + f"  {by_kind[kind]}  "
                       + size_of(len(nodes), delays_of(nodes))  # type: ignore[misc]
                       + " \u2192 ".join(names) + "\n")
                continue
            names = [shown.get(v, v) for v in loop.variables]
            names.append(names[0])
            yield (f"{log_line(loop.id).ljust(width)}  {kinds[loop.type]}  "
                   + size_of(loop.length, loop.delays)
                   + (f"{one_line(loop.name)}: " if loop.name else "")
                   + " \u2192 ".join(names) + "\n")

    echo_line(result.diagram.display_title)
    write_chunked(lambda text: typer.echo(text, nl=False), lines())


def _loop_types() -> Any:
    from loopkit.model import LoopType

    return tuple(LoopType)


def _count_table(result: Any) -> Any:
    """The counts as a box-drawn table, for a terminal."""
    from rich.table import Table
    from rich.text import Text

    from loopkit.text import log_line

    table = Table(title=Text(log_line(result.diagram.display_title)),
                  title_justify="left")
    for column in _COUNT_COLUMNS:
        table.add_column(column, justify="right")
    *rows, totals = _count_rows(result)
    for row in rows:
        table.add_row(*row)
    table.add_row(*totals, style="bold")
    return table


def _print_count_columns(result: Any) -> None:
    """The counts as plain aligned columns (stdout not a terminal: no box drawing)."""
    from loopkit.text import log_line

    rows = [_COUNT_COLUMNS, *_count_rows(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COUNT_COLUMNS))]
    typer.echo(log_line(result.diagram.display_title))
    for row in rows:
        typer.echo("  ".join(cell.rjust(width) for cell, width in zip(row, widths,
                                                                     strict=True)))


def _say(console: Any, text: str) -> None:
    """A line of generated text (user text already escaped): rich on a terminal, else plain."""
    if console is None:
        typer.echo(text)
    else:
        from rich.markup import escape

        console.print(escape(text), soft_wrap=True)


def _structure_sentence(summary: dict[str, Any]) -> str:
    """``141 independent loops; cycle rank 154 in 1 feedback component (86 variables) ...``."""
    sizes = [c["size"] for c in summary["components"]]
    if not sizes:
        return "no feedback: no variable can influence itself, so there are no loops"
    parts = ", ".join(str(size) for size in sizes)
    noun = "component" if len(sizes) == 1 else "components"
    text = (f"{summary['total']} independent loops (shortest independent loop set); "
            f"cycle rank {summary['cycle_rank']} in {len(sizes)} feedback {noun} "
            f"({parts} variables)")
    if summary["complete"]:
        text += "; every loop is a combination of these"
    elif not summary["truncated"]:
        text += ("; the shortest loops do not span every loop, so the set is "
                 f"{summary['cycle_rank'] - summary['total']} short of the cycle rank")
    return text


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
    from loopkit.output.records import summary_sentence
    from loopkit.text import log_line

    if count and independent:
        raise fail_usage("--count and --independent cannot be used together")
    if independent and (through is not None or link is not None):
        raise fail_usage("--independent describes the whole diagram; drop --through/--link")
    mode = "count" if count else "independent" if independent else "list"
    results = analyse_files(files, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget, through=through,
        link=link, mode=mode, stream=True), progress=SearchProgress)
    if not _emit_document(results, output_format, "loops"):
        # Tables only on a terminal; piped, plain lines (and no rich import at all)
        console = stdout_console() if stdout_is_terminal() else None
        for result in results:
            if result.analysis is None:
                continue
            loops = result.analysis.loops
            if loops and (console is None or len(loops) > _TABLE_ROWS):
                _print_loop_lines(console, result, evidence)
            elif loops:
                console.print(_loop_table(result, evidence))
            if result.analysis.counts:
                if console is None:
                    _print_count_columns(result)
                else:
                    console.print(_count_table(result))
            if verbosity() >= 0:
                _say(console, log_line(
                    f"{result.file}: {summary_sentence(result.analysis.summary)}"))
                if independent:
                    _say(console, _structure_sentence(result.analysis.summary))
    _diagnostics(results, output_format)
    raise typer.Exit(EXIT_PROBLEMS if any(not r.ok for r in results) else EXIT_OK)


def _emit_document(results: list[Any], output_format: Format, command: str) -> bool:
    """Print ``results`` in a machine/CI format; False means the caller prints text."""
    chosen = output_format.resolve()
    if chosen is Format.text:
        return False  # (without importing the machine formats: start-up time)
    from loopkit.output import machine as formats

    def write(text: str) -> None:
        typer.echo(text, nl=False)

    if chosen is Format.json:
        formats.write_json(results, command, write)  # type: ignore[arg-type]
    elif chosen is Format.markdown:
        formats.write_markdown(results, command, write)  # type: ignore[arg-type]
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

    results = analyse_files(files, CheckOptions(
        max_length=max_length, limit=limit, time_budget=time_budget, strict=strict,
        require_evidence=require_evidence, stream=True), progress=SearchProgress)
    from loopkit.output.records import check_line

    if not _emit_document(results, output_format, "check") and verbosity() >= 0:
        for result in results:
            if result.ok and result.analysis is not None:
                echo_line(check_line(result))
    _diagnostics(results, output_format)
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
