"""The text reporter: what a person reads in a terminal (rich tables, plain lines).

The CLI hands it a ``TextOut`` (a rich console for tables and two line
writers); it decides everything shown. Every user string is escaped here:
table cells are plain ``rich.Text`` (so ``[x]`` is never markup) with
controls removed, and each line is a ``text.log_line`` (so a file name
cannot run a CI workflow command). rich is imported only when a table is
drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from loopkit.output import words
from loopkit.output.records import (
    ArchetypeResult,
    DiffResult,
    EffectResult,
    FileResult,
    LintResult,
    RenderCheckResult,
    Report,
    TraceResult,
    WhatIfResult,
)
from loopkit.text import log_line, strip_control, terminal_text


@dataclass
class TextOut:
    """Where text goes: ``console`` (rich, stdout) for tables, ``echo``/``err`` for lines.

    ``console`` is None when stdout is not a terminal: then tables are plain lines
    and columns, and rich is not imported at all (start-up of a piped run).
    """

    console: Any
    echo: Callable[[str], None]
    err: Callable[[str], None]
    #: ``--quiet``: only problems and the output asked for (no summary or total lines).
    quiet: bool = False
    #: Raw text to stdout, no newline added (a long listing, in chunks); default ``echo``.
    write: Callable[[str], object] | None = None

    def line(self, text: str, *, err: bool = False) -> None:
        """One line, written as ``text.log_line`` (controls shown as escapes)."""
        (self.err if err else self.echo)(log_line(text))

    def lines(self, lines: Iterable[str], *, err: bool = False) -> None:
        """Each line with controls removed, split at newlines, never a workflow command."""
        write = self.err if err else self.echo
        for line in lines:
            for part in strip_control(line).split("\n"):
                write(log_line(part))


def text_output(report: Report, out: TextOut) -> None:
    """Print ``report`` for a person: each record, then (``check``, ``lint``) the total."""
    for i, record in enumerate(report.records):
        print_record(record, report, out, i)
    if report.command in ("check", "lint"):
        _total(report, out)


@singledispatch
def print_record(record: Any, report: Report, out: TextOut, index: int) -> None:
    """Print one record; ``index`` is its place in the report (a blank line separates)."""
    raise TypeError(f"no text form for {type(record).__name__}")


def _total(report: Report, out: TextOut) -> None:
    """The last line of ``check``/``lint``: how many files, how many problems."""
    if out.quiet or not report.records:
        return
    with_problems = sum(1 for r in report.records if r.all_problems)
    out.line(words.total_line(len(report.records), report.problems, with_problems))


# --- loops ----------------------------------------------------------------------------

#: Loop type -> rich style, in the table and in the one-line-per-loop listing.
_COLOURS = {"reinforcing": "red", "balancing": "blue", "undetermined": "yellow"}

#: Above this many loops the text format prints one line per loop instead of a
#: table: rich lays a table out in about a millisecond per row, so 10,000 loops
#: (the default limit) would take over ten seconds; lines take a tenth of that.
TABLE_ROWS = 1000


@print_record.register
def _(result: FileResult, report: Report, out: TextOut, index: int) -> None:
    if report.command == "check":  # problems are on stderr; ok files say so here
        if not out.quiet and result.ok and result.analysis is not None:
            out.line(words.check_line(result))
        return
    if result.analysis is None:
        return
    console = out.console
    loops = result.analysis.loops
    if loops and (console is None or len(loops) > TABLE_ROWS):
        loop_lines(out, result, report.evidence)
    elif loops:
        console.print(loop_table(result, report.evidence))
    if result.analysis.counts:
        if console is None:
            _count_columns(out, result)
        else:
            console.print(count_table(result))
    if not out.quiet:
        _say(out, log_line(words.file_line(result)))
        if report.independent:
            _say(out, words.structure_sentence(result.analysis.summary))


def _say(out: TextOut, text: str) -> None:
    """A line of generated text (user text already escaped): rich on a terminal, else plain."""
    if out.console is None:
        out.echo(text)
    else:
        from rich.markup import escape

        out.console.print(escape(text), soft_wrap=True)


def _plain(value: str) -> Any:
    from rich.text import Text

    return Text(terminal_text(value))


def loop_table(result: FileResult, evidence: bool = False) -> Any:
    """The loops of one file as a table; user text is plain ``Text``, never markup."""
    from rich.table import Table
    from rich.text import Text

    assert result.analysis is not None and result.diagram is not None
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
            weakest = _weakest(loop)
            extra.append(_plain(weakest or ""))
        if sources:
            extra.append(_plain(_support_cell(loop, sources)))
        table.add_row(_plain(loop.id), Text(kind, style=_COLOURS[kind]), _plain(loop.name or ""),
                      str(loop.length), str(loop.delays) if loop.delays else "",
                      _plain(loop.chain(labels)), *extra)
    return table


def _weakest(loop: Any) -> str | None:
    from loopkit.analysis.evidence import weakest_link

    weakest = weakest_link(loop)
    return weakest.describe() if weakest else None


def _merged_from(diagram: Any) -> tuple[str, ...]:
    from loopkit.analysis.support import merged_from

    return merged_from(diagram)


def _support_cell(loop: Any, sources: tuple[str, ...]) -> str:
    """``2 of 3 sources`` / ``merge only`` for a loop of a merged map (``loopkit merge``)."""
    from loopkit.analysis.support import loop_support

    support = loop_support(loop.links, len(sources))
    return support.short() if support else ""


def loop_lines(out: TextOut, result: FileResult, evidence: bool = False) -> None:
    """``R12  reinforcing  7 links, 1 delay  Name: a → b → c → a``, one line per loop.

    One line whatever the labels hold: a newline in one is written ``\\n``, and a
    line never starts as a CI workflow command (``log_line`` on the id). Without a
    console (stdout not a terminal) and without --evidence, the lines are written
    in chunks within the time the search left: rich takes about 200 µs a line,
    which made a 70,000-loop listing take 14 s.
    """
    from loopkit.text import one_line

    assert result.analysis is not None and result.diagram is not None
    console = out.console
    if console is None and not evidence:
        _write_loop_lines(result, out.write or (lambda text: out.echo(text.rstrip("\n"))))
        return
    labels = result.labels
    width = max(len(log_line(loop.id)) for loop in result.analysis.loops)
    title = log_line(result.diagram.display_title)
    if console is None:
        out.echo(title)
    else:
        from rich.text import Text

        console.print(Text(title, style="italic"))
    sources = _merged_from(result.diagram) if evidence else ()
    for loop in result.analysis.loops:
        kind = loop.type.value
        rest = [words.loop_size(loop).ljust(18)]
        if loop.name:
            rest.append(f"{one_line(loop.name)}: ")
        rest.append(one_line(loop.chain(labels)))
        if evidence:
            weakest = _weakest(loop)
            if weakest:
                rest.append(f"  (weakest link: {one_line(weakest)})")
            if sources:
                rest.append(f"  (support: {one_line(_support_cell(loop, sources))})")
        start = f"{log_line(loop.id).ljust(width)}  "
        if console is None:
            out.echo(f"{start}{kind.ljust(12)}  {''.join(rest)}")
        else:
            from rich.text import Text

            console.print(Text.assemble(start, (kind.ljust(12), _COLOURS[kind]), "  ",
                                        *rest), soft_wrap=True)


def _write_loop_lines(result: FileResult, write: Callable[[str], object]) -> None:
    """``loop_lines`` without rich, streamed within the time the search left.

    Each label is escaped once (``one_line``), which is the same as escaping each
    loop's chain: the escapes are per character and the arrows hold none.
    """
    import time

    from loopkit.analysis.loops import LoopList
    from loopkit.model import LoopType
    from loopkit.output.stream import TimedListing, write_chunked
    from loopkit.text import one_line

    assert result.analysis is not None and result.diagram is not None
    loops = result.analysis.loops
    if isinstance(loops, LoopList):  # found ids are a letter and a number
        width = max([len(log_line(loop.id)) for loop in loops.declared]
                    + [len(str(max((e[2] for e in loops.found), default=0))) + 1])
    else:
        width = max(len(log_line(loop.id)) for loop in loops)
    shown = {key: one_line(label) for key, label in result.labels.items()}
    kinds = {kind: kind.value.ljust(12) for kind in LoopType}
    by_kind = [kind.value.ljust(12) for kind in LoopType]
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

    write(log_line(result.diagram.display_title) + "\n")
    write_chunked(write, lines())


_COUNT_COLUMNS = ("Length", "Reinforcing", "Balancing", "Undetermined", "Total")


def _count_rows(result: FileResult) -> list[tuple[str, ...]]:
    """Loop counts by length (rows) and type (columns), then the totals row ``all``."""
    from loopkit.model import LoopType

    assert result.analysis is not None
    kinds = (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED)
    counts = result.analysis.counts or {}
    rows = [(str(length), *(f"{row[k]:,}" for k in kinds), f"{sum(row.values()):,}")
            for length, row in counts.items()]
    totals = [sum(row[k] for row in counts.values()) for k in kinds]
    return [*rows, ("all", *(f"{n:,}" for n in totals), f"{sum(totals):,}")]


def _count_columns(out: TextOut, result: FileResult) -> None:
    """The counts as plain aligned columns (stdout not a terminal: no box drawing)."""
    assert result.diagram is not None
    rows = [_COUNT_COLUMNS, *_count_rows(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COUNT_COLUMNS))]
    out.echo(log_line(result.diagram.display_title))
    for row in rows:
        out.echo("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def count_table(result: FileResult) -> Any:
    """The counts as a box-drawn table, for a terminal."""
    from rich.table import Table
    from rich.text import Text

    assert result.diagram is not None
    table = Table(title=Text(log_line(result.diagram.display_title)),
                  title_justify="left")
    for column in _COUNT_COLUMNS:
        table.add_column(column, justify="right")
    *rows, totals = _count_rows(result)
    for row in rows:
        table.add_row(*row)
    table.add_row(*totals, style="bold")
    return table


# --- lint and the one-file commands -------------------------------------------------------


@print_record.register
def _(record: LintResult, report: Report, out: TextOut, index: int) -> None:
    if record.report is None:  # could not be read: its problems are on stderr
        return
    r = record.report
    out.lines(p.format_line(rule=True) for p in r.problems)
    out.lines([words.lint_line(record.file, r.problems, r.truncated, r.reason)])


def _separated(out: TextOut, index: int, lines: list[str]) -> None:
    out.lines(([""] if index else []) + lines)


@print_record.register
def _(record: ArchetypeResult, report: Report, out: TextOut, index: int) -> None:
    _separated(out, index, words.archetype_lines(record.report, record.labels, record.shown))


@print_record.register
def _(record: TraceResult, report: Report, out: TextOut, index: int) -> None:
    lines: list[str] = []
    for i, tree in enumerate(record.trees):
        lines += ([""] if i else []) + [words.tree_title(tree, record.variable),
                                        *words.tree_lines(tree, record.labels)]
        if tree.truncated:
            lines.append(f"(stopped early: {tree.reason})")
    _separated(out, index, lines)


@print_record.register
def _(record: EffectResult, report: Report, out: TextOut, index: int) -> None:
    lines = [words.effect_sentence(record.effect, record.labels)]
    if record.show_paths:
        lines += [f"  {words.path_line(path)}" for path in record.effect.paths]
    _separated(out, index, lines)


@print_record.register
def _(record: WhatIfResult, report: Report, out: TextOut, index: int) -> None:
    _separated(out, index, words.whatif_lines(record.whatif, record.labels, record.max_loops))


@print_record.register
def _(record: DiffResult, report: Report, out: TextOut, index: int) -> None:
    _separated(out, index, words.diff_lines(record.diff))


@print_record.register
def _(record: RenderCheckResult, report: Report, out: TextOut, index: int) -> None:
    """Stale pictures on stderr (the command's output is its exit code)."""
    for stale in record.stale:
        out.line(f"{stale.path}: {stale.why} (run: {record.command})", err=True)
    if not record.all_problems and not out.quiet:
        out.line(f"{record.file}: pictures up to date", err=True)
