"""Machine and CI output formats for ``loops`` and ``check``, built from the same records.

Every builder is a pure function from ``reporting.FileResult`` records to a
string, so JSON, Markdown and GitHub annotations cannot disagree about what
was found, and each is testable against an exact expected output. The rich
text table is a terminal concern and lives in the CLI layer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

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


# --- Streaming ----------------------------------------------------------------
#
# A listing of 70,000 loops is tens of megabytes of text: the writers below emit
# it in pieces through ``write`` (one loop record or row at a time, gathered into
# chunks), with the same bytes as the ``*_output`` builders. Each file's loops are
# listed within the time its search left (``LoopAnalysis.time_left``): past that,
# the listing stops and the file's summary says so (``cut_short``).

Write = Callable[[str], object]
Clock = Callable[[], float]

#: Loops written between clock reads, and pieces gathered per ``write`` call.
_CHECK_EVERY = 256
_CHUNK = 512


class TimedListing:
    """Iterate a file's loops until its writing time runs out (then ``cut_short``)."""

    def __init__(self, result: FileResult, clock: Clock) -> None:
        self.result = result
        self.clock = clock
        analysis = result.analysis
        left = analysis.time_left if analysis is not None else None
        self.deadline = None if left is None else clock() + max(0.0, left)

    def __iter__(self) -> Iterator[Any]:
        analysis = self.result.analysis
        return iter(()) if analysis is None else self._until(iter(analysis.loops))

    def raw(self) -> Iterator[Any]:
        """Like iterating, but a ``LoopList``'s found loops come as ``(vertex numbers,
        kind, number)`` (see ``LoopList.items``)."""
        from loopkit.analysis.loops import LoopList

        analysis = self.result.analysis
        if analysis is None:
            return iter(())
        loops = analysis.loops
        return self._until(loops.items() if isinstance(loops, LoopList) else iter(loops))

    def _until(self, loops: Iterator[Any]) -> Iterator[Any]:
        analysis = self.result.analysis
        assert analysis is not None
        written = 0
        for loop in loops:
            if self.deadline is not None and not written % _CHECK_EVERY and written and (
                    self.clock() >= self.deadline):
                from loopkit.analysis.loops import cut_short

                cut_short(analysis, written)
                return
            yield loop
            written += 1


def write_chunked(write: Write, pieces: Iterator[str]) -> None:
    buffer: list[str] = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= _CHUNK:
            write("".join(buffer))
            buffer.clear()
    if buffer:
        write("".join(buffer))


#: Stands for a file's loop records while the rest of its JSON is laid out: found
#: after a raw newline, which JSON never has inside a string, so no user text can
#: be mistaken for it.
_SENTINEL_VALUE = "\0loopkit\0"
_SENTINEL = '\n      "loops": "\\u0000loopkit\\u0000"'


def write_json(results: Sequence[FileResult], command: Command, write: Write,
               clock: Clock = time.monotonic) -> None:
    """``json_output``, written in pieces: each file's record around its streamed loops."""
    from loopkit.text import json_document

    if not results:
        write(json_output(results, command))
        return
    write('{\n  "files": [\n')
    for k, result in enumerate(results):
        listing = TimedListing(result, clock)  # this file's writing time starts now
        layout = _indent(json_document(_record(result, command)), "    ")
        head = layout[:layout.index(_SENTINEL)]
        write((",\n    " if k else "    ") + head + '\n      "loops": ')
        if result.analysis is None or not len(result.analysis.loops):
            write("[]")
        else:
            write("[\n")
            records = _LoopRecords(result)
            loops = iter(listing) if records.support else listing.raw()
            write_chunked(write, records.pieces(loops))
            write("\n      ]")
        # laid out again after the loops: a listing cut short says so in its summary
        layout = _indent(json_document(_record(result, command)), "    ")
        write(layout[layout.index(_SENTINEL) + len(_SENTINEL):])
    write("\n  ]\n}\n")


def _record(result: FileResult, command: Command) -> dict[str, Any]:
    from loopkit.output.records import file_record

    record = file_record(result, loops=False)
    record["loops"] = _SENTINEL_VALUE
    if command == "check":
        record["ok"] = result.ok
    return record


def _indent(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix) if prefix else text


class _LoopRecords:
    """One file's loop records as JSON text, as ``json.dumps(indent=2)`` lays them out
    eight spaces in: a template for plain maps, ``json.dumps`` per record otherwise."""

    def __init__(self, result: FileResult) -> None:
        self.result = result
        diagram = result.diagram
        self.support = diagram is not None and any(lk.sources for lk in diagram.links)

    def pieces(self, loops: Iterator[Any]) -> Iterator[str]:
        import json

        from loopkit.analysis.loops import LoopList
        from loopkit.text import json_safe

        if self.support:
            from loopkit.output.records import loop_records

            first = True
            for loop in loops:
                for record in loop_records(self.result, [loop]):
                    text = json_safe(json.dumps(record, indent=2, ensure_ascii=False))
                    yield ("" if first else ",\n") + "        " + _indent(text, "        ")
                    first = False
            return
        quoted: dict[str, str] = {}

        def q(text: str) -> str:
            done = quoted.get(text)
            if done is None:
                done = quoted[text] = json_safe(json.dumps(text, ensure_ascii=False))
            return done

        analysis = self.result.analysis
        loops_list = analysis.loops if analysis is not None else None
        by_vertex = ([q(v) for v in loops_list.variable_ids]
                     if isinstance(loops_list, LoopList) else [])
        kinds = ("reinforcing", "balancing", "undetermined")
        separator = ""
        for loop in loops:
            if type(loop) is tuple:  # a LoopList's found loop: laid out from its numbers
                nodes, kind, number = loop
                variables = ",\n            ".join([by_vertex[v] for v in nodes])
                delays = loops_list.delays_of(nodes)  # type: ignore[union-attr]
                yield (f'{separator}        {{\n          "id": "{"RBU"[kind]}{number}",\n'
                       f'          "name": null,\n'
                       f'          "type": "{kinds[kind]}",\n'
                       f'          "variables": [\n            {variables}\n          ],\n'
                       f'          "length": {len(nodes)},\n'
                       f'          "delays": {delays},\n'
                       '          "declared": false\n'
                       '        }')
                separator = ",\n"
                continue
            variables = ",\n            ".join(map(q, loop.variables))
            yield (f'{separator}        {{\n          "id": {q(loop.id)},\n'
                   f'          "name": {"null" if loop.name is None else q(loop.name)},\n'
                   f'          "type": "{loop.type.value}",\n'
                   f'          "variables": '
                   + (f'[\n            {variables}\n          ]' if variables else "[]")
                   + f',\n          "length": {loop.length},\n'
                   f'          "delays": {loop.delays},\n'
                   f'          "declared": {"true" if loop.declared else "false"}\n'
                   '        }')
            separator = ",\n"


def write_markdown(results: Sequence[FileResult], command: Command, write: Write,
                   clock: Clock = time.monotonic) -> None:
    """``markdown_output``, written in pieces (each loop table row as it is made).

    The summary line comes before the table; if the time left runs out while
    the rows are written, a line after the table says where the listing stopped.
    """
    if command == "check":
        write(markdown_output(results, command))
        return
    write_chunked(write, _joined(line for r in results for line in _markdown_lines(r, clock)))
    write("\n")


def _markdown_lines(result: FileResult, clock: Clock) -> Iterator[str]:
    listing = TimedListing(result, clock)  # this file's writing time starts now
    lines = _loops_markdown(result, rows=False)
    analysis = result.analysis
    if analysis is None or not len(analysis.loops):
        yield from lines
        return
    yield from lines[:4]  # title, blank, summary, blank
    yield _row(["ID", "Type", "Name", "Length", "Delays", "Loop"])
    yield "|---|---|---|--:|--:|---|"
    chains = _Chains(result.labels)
    loops = analysis.loops
    kinds = ("reinforcing", "balancing", "undetermined")
    for loop in listing.raw():
        if type(loop) is tuple:  # a LoopList's found loop: laid out from its numbers
            nodes, kind, number = loop
            delays = loops.delays_of(nodes)  # type: ignore[union-attr]
            yield (f"| {'RBU'[kind]}{number} | {kinds[kind]} |  | {len(nodes)} | "
                   f"{delays or ''} | {chains.by_numbers(nodes, loops)} |")
        else:
            yield _loop_row(loop, chains)
    if analysis.reason and "while writing" in analysis.reason:
        yield ""
        yield markdown_text(f"{result.file}: listing stopped early: {analysis.reason}")
    yield ""
    yield from lines[4:]


def _joined(lines: Iterator[str]) -> Iterator[str]:
    """``"\n".join(lines).rstrip("\n")`` in pieces (lines hold no newline)."""
    blanks = 0
    first = True
    for line in lines:
        if not line:
            blanks += 1
            continue
        yield ("" if first else "\n") + "\n" * blanks + line
        blanks = 0
        first = False


class _Chains:
    """``markdown_text(loop.chain(labels))``, put together from labels escaped once each."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.first: dict[str, str] = {}
        self.rest: dict[str, str] = {}
        #: by vertex number (``by_numbers``), filled on first use
        self.ids: list[str] | None = None
        self.first_at: list[str] = []
        self.rest_at: list[str] = []

    def __call__(self, loop: Any) -> str:
        from loopkit.text import markdown_inline_part

        labels, first, rest = self.labels, self.first, self.rest
        variables = loop.variables
        start = variables[0]
        head = first.get(start)
        if head is None:
            head = first[start] = markdown_text(labels.get(start, start))
        if not head:  # a blank label first: the general rule for where the text starts
            return markdown_text(loop.chain(labels))
        parts = [head]
        for v in (*variables[1:], start):
            part = rest.get(v)
            if part is None:
                part = rest[v] = markdown_inline_part(labels.get(v, v))
            parts.append(part)
        return " \u2192 ".join(parts)

    def by_numbers(self, nodes: tuple[int, ...], loops: Any) -> str:
        """The same for a cycle given as vertex numbers (of a ``LoopList``)."""
        from loopkit.text import markdown_inline_part

        if self.ids is None:
            self.ids = loops.variable_ids
            labels = self.labels
            self.first_at = [markdown_text(labels.get(v, v)) for v in self.ids]
            self.rest_at = [markdown_inline_part(labels.get(v, v)) for v in self.ids]
        head = self.first_at[nodes[0]]
        if not head:
            ids = self.ids
            return markdown_text(" \u2192 ".join(
                self.labels.get(ids[v], ids[v]) for v in (*nodes, nodes[0])))
        rest = self.rest_at
        return " \u2192 ".join([head, *[rest[v] for v in nodes[1:]], rest[nodes[0]]])


def _loop_row(loop: Any, chains: _Chains) -> str:
    return _row([markdown_text(loop.id), loop.type.value, markdown_text(loop.name or ""),
                 str(loop.length), str(loop.delays) if loop.delays else "", chains(loop)])


# --- Markdown -----------------------------------------------------------------


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _problem_table(problems: Sequence[Problem]) -> list[str]:
    lines = [_row(["Where", "Severity", "Code", "Problem"]), "|---|---|---|---|"]
    for p in problems:
        lines.append(_row([markdown_text(f"{p.file}:{p.line}:{p.column}"),
                           p.severity.word, markdown_text(p.code), markdown_text(p.message)]))
    return lines


def _loops_markdown(result: FileResult, rows: bool = True) -> list[str]:
    """One file's section; ``rows=False`` leaves the loop table out (``write_markdown``
    streams it in its place, after the summary and its blank line)."""
    title = result.diagram.display_title if result.diagram else result.file
    lines = [f"### {markdown_text(title)}", ""]
    if result.analysis is not None:
        lines += [f"{markdown_text(result.file)}: "
                  f"{markdown_text(summary_sentence(result.analysis.summary))}", ""]
        if len(result.analysis.loops) and rows:
            lines += [_row(["ID", "Type", "Name", "Length", "Delays", "Loop"]),
                      "|---|---|---|--:|--:|---|"]
            chains = _Chains(result.labels)
            lines += [_loop_row(loop, chains) for loop in result.analysis.loops]
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
