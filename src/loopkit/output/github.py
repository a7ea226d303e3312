"""The GitHub reporter: workflow commands that the Actions runner turns into annotations.

Every problem becomes an ``::error``/``::warning``/``::notice`` line on the
file, line and column (and the end of the span when known); then the plain
text of each record follows, each line starting ``loopkit:``.

No line may run a command the author of a file (or of its name) chose: the
runner trims white space before looking for ``::`` and obeys the legacy
``##[error]`` form anywhere in a line. So every plain line starts with
``loopkit:``, user text in commands is escaped as GitHub's toolkit does,
and ``##[`` is broken on every line.
"""

from __future__ import annotations

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
from loopkit.problems import Problem, Severity
from loopkit.text import github_data, github_property, no_legacy_command, one_line

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def annotation(problem: Problem) -> str:
    """``::error file=F,line=L,col=C,title=loopkit CODE::message`` for one problem.

    ``endLine`` follows when the problem knows where its span ends, and
    ``endColumn`` when that is on the same line (GitHub takes columns only
    within one line).
    """
    props = [f"file={github_property(problem.file)}", f"line={problem.line}",
             f"col={problem.column}"]
    if problem.end_line is not None:
        props.append(f"endLine={problem.end_line}")
        if problem.end_column is not None and problem.end_line == problem.line:
            props.append(f"endColumn={problem.end_column}")
    props.append(f"title={github_property(f'loopkit {problem.code}')}")
    return f"::{_LEVELS[problem.severity]} {','.join(props)}::{github_data(problem.message)}"


def github_output(report: Report) -> str:
    """Annotations for every problem, then the plain lines of every record.

    A loop search stopped early by a bound is a warning, since its loop list
    is incomplete.
    """
    lines = [annotation(p) for p in report.problems]
    for record in report.records:
        analysis = getattr(record, "analysis", None)
        if analysis is not None and analysis.truncated:
            lines.append(f"::warning file={github_property(record.file)},"
                         f"title={github_property('loopkit search stopped early')}::"
                         + github_data(words.stopped_early(analysis.reason)))
    for record in report.records:
        lines += [_plain(line) for line in plain_lines(record, report.command)]
    return "\n".join(no_legacy_command(line) for line in lines) + "\n"


def _plain(line: str) -> str:
    """A log line that the runner cannot mistake for a workflow command."""
    return f"loopkit: {one_line(line)}"


@singledispatch
def plain_lines(record: Any, command: str) -> list[str]:
    """The log lines that follow the annotations, for one record."""
    raise TypeError(f"no GitHub form for {type(record).__name__}")


@plain_lines.register
def _(record: FileResult, command: str) -> list[str]:
    return [words.check_line(record) if command == "check" else words.file_line(record)]


@plain_lines.register
def _(record: LintResult, command: str) -> list[str]:
    if record.report is None:
        return [f"{record.file}: could not be read"]
    r = record.report
    return [words.lint_line(record.file, r.problems, r.truncated, r.reason)]


@plain_lines.register
def _(record: ArchetypeResult, command: str) -> list[str]:
    return words.archetype_lines(record.report, record.labels, record.shown)


@plain_lines.register
def _(record: TraceResult, command: str) -> list[str]:
    lines = []
    for tree in record.trees:
        lines += [words.tree_title(tree, record.variable),
                  *words.tree_lines(tree, record.labels)]
        if tree.truncated:
            lines.append(f"(stopped early: {tree.reason})")
    return lines


@plain_lines.register
def _(record: EffectResult, command: str) -> list[str]:
    lines = [words.effect_sentence(record.effect, record.labels)]
    if record.show_paths:
        lines += [f"  {words.path_line(path)}" for path in record.effect.paths]
    return lines


@plain_lines.register
def _(record: WhatIfResult, command: str) -> list[str]:
    return words.whatif_lines(record.whatif, record.labels, record.max_loops)


@plain_lines.register
def _(record: DiffResult, command: str) -> list[str]:
    return words.diff_lines(record.diff)


@plain_lines.register
def _(record: RenderCheckResult, command: str) -> list[str]:
    count = len(record.stale)
    return [f"{record.file}: pictures up to date" if not record.all_problems else
            f"{record.file}: {words.plural(count, 'picture')} out of date" if not record.problems
            else f"{record.file}: could not be read"]
