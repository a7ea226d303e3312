"""Machine and CI output formats for ``loops`` and ``check``, built from the same records.

Every builder is a pure function from ``reporting.FileResult`` records to a
string, so JSON, Markdown and GitHub annotations cannot disagree about what
was found, and each is testable against an exact expected output. The rich
text table is a terminal concern and lives in the CLI layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from loopkit.output.records import (
    FileResult,
    check_document,
    check_line,
    loops_document,
    summary_sentence,
)
from loopkit.problems import Problem, Severity
from loopkit.text import (
    github_data,
    github_property,
    markdown_text,
    no_legacy_command,
    one_line,
)

Command = Literal["loops", "check"]

def resolve_format(name: str, environ: Mapping[str, str]) -> str:
    """``auto`` means ``github`` inside GitHub Actions, ``text`` anywhere else."""
    if name != "auto":
        return name
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def json_output(results: Sequence[FileResult], command: Command = "loops") -> str:
    """One JSON document for all files (the shape documented in the README).

    ``check`` adds ``"ok"`` to each file record; ``loops`` records are unchanged.
    """
    document = check_document if command == "check" else loops_document
    from loopkit.text import json_document

    return json_document(document(list(results))) + "\n"


# --- Markdown -----------------------------------------------------------------


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _problem_table(problems: Sequence[Problem]) -> list[str]:
    lines = [_row(["Where", "Severity", "Code", "Problem"]), "|---|---|---|---|"]
    for p in problems:
        lines.append(_row([markdown_text(f"{p.file}:{p.line}:{p.column}"),
                           p.severity.word, markdown_text(p.code), markdown_text(p.message)]))
    return lines


def _loops_markdown(result: FileResult) -> list[str]:
    title = result.diagram.display_title if result.diagram else result.file
    lines = [f"### {markdown_text(title)}", ""]
    if result.analysis is not None:
        lines += [f"{markdown_text(result.file)}: "
                  f"{markdown_text(summary_sentence(result.analysis.summary))}", ""]
        if result.analysis.loops:
            lines += [_row(["ID", "Type", "Name", "Length", "Delays", "Loop"]),
                      "|---|---|---|--:|--:|---|"]
            labels = result.labels
            for loop in result.analysis.loops:
                lines.append(_row([
                    markdown_text(loop.id), loop.type.value, markdown_text(loop.name or ""),
                    str(loop.length), str(loop.delays) if loop.delays else "",
                    markdown_text(loop.chain(labels)),
                ]))
            lines.append("")
    else:
        lines += [f"{markdown_text(result.file)}: could not be read", ""]
    if result.all_problems:
        lines += ["Problems:", "", *_problem_table(result.all_problems), ""]
    return lines


def _check_markdown(results: Sequence[FileResult]) -> list[str]:
    failed = sum(1 for r in results if not r.ok)
    verdict = (f"{failed} of {len(results)} file{'s' if len(results) != 1 else ''} failed"
               if failed else f"all {len(results)} file{'s' if len(results) != 1 else ''} ok")
    lines = [f"### loopkit check: {verdict}", "",
             _row(["File", "Result", "Loops", "Declared", "Problems"]),
             "|---|---|--:|--:|--:|"]
    for r in results:
        total = r.analysis.summary["total"] if r.analysis else 0
        lines.append(_row([markdown_text(r.file), "✅ ok" if r.ok else "❌ failed",
                           str(total), str(r.declared), str(len(r.all_problems))]))
    lines.append("")
    problems = [p for r in results for p in r.all_problems]
    if problems:
        lines += ["Problems:", "", *_problem_table(problems), ""]
    return lines


def markdown_output(results: Sequence[FileResult], command: Command) -> str:
    """GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

    Every user string goes through ``escape.markdown_text``, so a label cannot
    inject links, HTML or table cells.
    """
    if command == "check":
        lines = _check_markdown(results)
    else:
        lines = [line for r in results for line in _loops_markdown(r)]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- GitHub workflow commands -------------------------------------------------

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def annotation(problem: Problem) -> str:
    """``::error file=F,line=L,col=C,title=loopkit CODE::message`` for one problem."""
    props = ",".join([
        f"file={github_property(problem.file)}",
        f"line={problem.line}",
        f"col={problem.column}",
        f"title={github_property(f'loopkit {problem.code}')}",
    ])
    return f"::{_LEVELS[problem.severity]} {props}::{github_data(problem.message)}"


def github_output(results: Sequence[FileResult], command: Command) -> str:
    """Workflow annotations for every problem, then one plain summary line per file.

    The runner turns ``::error``/``::warning`` lines into annotations on the
    changed lines of a pull request; the plain lines stay readable in the log.
    A search stopped early by a bound is a warning, since its loop list is
    incomplete.

    No line may run a command the author of a file (or of its name) chose: the
    runner trims white space before looking for ``::`` and obeys the legacy
    ``##[error]`` form anywhere in a line. So every plain line starts with
    ``loopkit:``, user text in commands is escaped as GitHub's toolkit does,
    and ``##[`` is broken on every line.
    """
    lines = [annotation(p) for r in results for p in r.all_problems]
    for r in results:
        analysis = r.analysis
        if analysis is not None and analysis.truncated:
            lines.append(f"::warning file={github_property(r.file)},"
                         f"title={github_property('loopkit search stopped early')}::"
                         + github_data(f"loop search stopped early ({analysis.reason}); "
                                       "the loop list is incomplete"))
    for r in results:
        if command == "check":
            lines.append(_plain(check_line(r)))
        elif r.analysis is not None:
            lines.append(_plain(f"{r.file}: {summary_sentence(r.analysis.summary)}"))
        else:
            lines.append(_plain(f"{r.file}: could not be read"))
    return "\n".join(no_legacy_command(line) for line in lines) + "\n"


def _plain(line: str) -> str:
    """A log line that the runner cannot mistake for a workflow command."""
    return f"loopkit: {one_line(line)}"
