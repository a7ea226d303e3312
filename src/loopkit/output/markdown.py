"""The Markdown reporter: GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

Every user string goes through ``text.markdown_text``, so a label cannot
inject links, HTML or table cells.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
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
from loopkit.output.stream import Clock, TimedListing, Write, write_chunked
from loopkit.problems import Problem
from loopkit.text import markdown_text as md

ARROW = words.ARROW


def markdown_output(report: Report) -> str:
    """The whole run as one Markdown document, ending in a newline."""
    if report.command == "check":
        lines = _check_markdown(report.records)
    else:
        lines = [line for r in report.records for line in record_lines(r)]
    if report.command in ("lint", "render") and report.records:
        lines += [md(_total(report)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _total(report: Report) -> str:
    with_problems = sum(1 for r in report.records if r.all_problems)
    return words.total_line(len(report.records), report.problems, with_problems)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def problem_table(problems: Sequence[Problem]) -> list[str]:
    lines = [_row(["Where", "Severity", "Code", "Problem"]), "|---|---|---|---|"]
    for p in problems:
        lines.append(_row([md(f"{p.file}:{p.line}:{p.column}"),
                           p.severity.word, md(p.code), md(p.message)]))
    return lines


def _problems(problems: Sequence[Problem]) -> list[str]:
    return ["Problems:", "", *problem_table(problems), ""] if problems else []


@singledispatch
def record_lines(record: Any) -> list[str]:
    """One record as Markdown lines (a ``###`` section)."""
    raise TypeError(f"no Markdown form for {type(record).__name__}")


@record_lines.register
def _(result: FileResult) -> list[str]:
    return loops_section(result)


def loops_section(result: FileResult, rows: bool = True) -> list[str]:
    """One file's ``loops`` section; ``rows=False`` leaves the loop table out
    (``write_markdown`` streams it in its place, after the summary and its blank line)."""
    title = result.diagram.display_title if result.diagram else result.file
    lines = [f"### {md(title)}", ""]
    if result.analysis is not None:
        lines += [f"{md(result.file)}: {md(words.summary_sentence(result.analysis.summary))}",
                  ""]
        if len(result.analysis.loops) and rows:
            lines += [_row(["ID", "Type", "Name", "Length", "Delays", "Loop"]),
                      "|---|---|---|--:|--:|---|"]
            chains = _Chains(result.labels)
            lines += [_loop_row(loop, chains) for loop in result.analysis.loops]
            lines.append("")
    else:
        lines += [f"{md(result.file)}: could not be read", ""]
    return lines + _problems(result.all_problems)


# --- a long listing, in pieces ------------------------------------------------------------


def write_markdown(report: Report, write: Write, clock: Clock = time.monotonic) -> None:
    """``markdown_output`` through ``write``; a ``loops`` listing in pieces (each loop
    table row as it is made), within the time each file's search left.

    The summary line comes before the table; if the time left runs out while
    the rows are written, a line after the table says where the listing stopped.
    """
    if report.command != "loops" or not all(isinstance(r, FileResult) for r in report.records):
        write(markdown_output(report))
        return
    write_chunked(write, _joined(line for r in report.records
                                 for line in _markdown_lines(r, clock)))
    write("\n")


def _markdown_lines(result: FileResult, clock: Clock) -> Iterator[str]:
    listing = TimedListing(result, clock)  # this file's writing time starts now
    lines = loops_section(result, rows=False)
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
        yield md(f"{result.file}: listing stopped early: {analysis.reason}")
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
            head = first[start] = md(labels.get(start, start))
        if not head:  # a blank label first: the general rule for where the text starts
            return md(loop.chain(labels))
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
            self.first_at = [md(labels.get(v, v)) for v in self.ids]
            self.rest_at = [markdown_inline_part(labels.get(v, v)) for v in self.ids]
        head = self.first_at[nodes[0]]
        if not head:
            ids = self.ids
            return md(" \u2192 ".join(
                self.labels.get(ids[v], ids[v]) for v in (*nodes, nodes[0])))
        rest = self.rest_at
        return " \u2192 ".join([head, *[rest[v] for v in nodes[1:]], rest[nodes[0]]])


def _loop_row(loop: Any, chains: _Chains) -> str:
    return _row([md(loop.id), loop.type.value, md(loop.name or ""),
                 str(loop.length), str(loop.delays) if loop.delays else "", chains(loop)])


def _check_markdown(results: Sequence[FileResult]) -> list[str]:
    failed = sum(1 for r in results if not r.ok)
    verdict = (f"{failed} of {len(results)} file{'s' if len(results) != 1 else ''} failed"
               if failed else f"all {len(results)} file{'s' if len(results) != 1 else ''} ok")
    lines = [f"### loopkit check: {verdict}", "",
             _row(["File", "Result", "Loops", "Declared", "Problems"]),
             "|---|---|--:|--:|--:|"]
    for r in results:
        total = r.analysis.summary["total"] if r.analysis else 0
        lines.append(_row([md(r.file), "✅ ok" if r.ok else "❌ failed",
                           str(total), str(r.declared), str(len(r.all_problems))]))
    lines.append("")
    return lines + _problems([p for r in results for p in r.all_problems])


@record_lines.register
def _(result: LintResult) -> list[str]:
    lines = [f"### loopkit lint: {md(result.file)}", ""]
    if result.report is None:
        return [*lines, "Could not be read.", "", *_problems(result.all_problems)]
    r = result.report
    lines += [md(words.lint_line(result.file, r.problems, r.truncated, r.reason)), ""]
    return lines + _problems(r.problems)


def code_block(lines: Sequence[str]) -> list[str]:
    """Lines as a fenced code block: shown as written, nothing in them interpreted.

    The fence is longer than any run of backticks in the text, so no line can
    close it; controls are removed and a newline inside a line becomes a space.
    """
    import re

    from loopkit.text import strip_control

    plain = [strip_control(line).replace("\r", " ").replace("\n", " ") for line in lines]
    longest = max((len(run) for line in plain for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *plain, fence]


@record_lines.register
def _(result: ArchetypeResult) -> list[str]:
    lines = [f"### loopkit archetypes: {md(result.file)}", ""]
    text = words.archetype_lines(result.report, result.labels, result.shown)
    return [*lines, *code_block(text), ""]


@record_lines.register
def _(result: TraceResult) -> list[str]:
    lines = [f"### loopkit trace: {md(result.variable)} in {md(result.file)}", ""]
    for tree in result.trees:
        lines += [f"**{md(words.tree_title(tree, result.variable))}**", ""]
        lines += [*code_block(words.tree_lines(tree, result.labels)), ""]
        if tree.truncated:
            lines += [f"*stopped early: {md(tree.reason or '')}*", ""]
    return lines


@record_lines.register
def _(result: EffectResult) -> list[str]:
    effect = result.effect
    lines = [f"### loopkit effect: {md(effect.source)} {ARROW} {md(effect.target)} "
             f"in {md(result.file)}", "", md(words.effect_sentence(effect, result.labels)), ""]
    if result.show_paths and effect.paths:
        lines += [_row(["Sign", "Path", "Links", "Delays"]), "|---|---|--:|--:|"]
        lines += [_row([path.sign.value, md(path.chain()), str(len(path.links)),
                        str(path.delays)]) for path in effect.paths]
        lines.append("")
    return lines


@record_lines.register
def _(result: WhatIfResult) -> list[str]:
    lines = [f"### loopkit whatif: {md(result.whatif.variable)} {result.whatif.direction} "
             f"in {md(result.file)}", ""]
    text = words.whatif_lines(result.whatif, result.labels, result.max_loops)
    return [*lines, *code_block(text), ""]


def _md_loop(loop: Any) -> str:
    return md(loop.id) + (f" {md(loop.name)}" if loop.name else "")


@record_lines.register
def _(result: DiffResult) -> list[str]:
    return diff_markdown(result.diff).split("\n")


def diff_markdown(diff: Any) -> str:
    """The diff as Markdown for a pull-request comment; every user string escaped."""
    c = diff.counts()
    out = [f"### Diagram changes: {md(diff.old.path)} {ARROW} {md(diff.new.path)}", ""]
    if diff.empty:
        out += ["No changes to variables, links or loops.", ""]
        return "\n".join(out)
    out += ["| | added | removed | changed |", "|---|---:|---:|---:|",
            f"| variables | {c['variables_added']} | {c['variables_removed']} | "
            f"{c['variables_changed']} |",
            f"| links | {c['links_added']} | {c['links_removed']} | {c['links_changed']} |",
            f"| loops | {c['loops_created']} created | {c['loops_broken']} broken | "
            f"{c['loops_changed_type']} changed type |", ""]
    if diff.loops_created or diff.loops_broken or diff.loops_retyped:
        out += ["#### Loops", "", "| change | loop | type | variables |", "|---|---|---|---|"]
        for lp in diff.loops_created:
            out.append(f"| created | {_md_loop(lp)} | {lp.type.value} | "
                       f"{md(lp.chain(arrow=ARROW))} |")
        for lp in diff.loops_broken:
            out.append(f"| broken | {_md_loop(lp)} | {lp.type.value} | "
                       f"{md(lp.chain(arrow=ARROW))} |")
        for a, b in diff.loops_retyped:
            out.append(f"| changed type | {md(a.id)} {ARROW} {_md_loop(b)} | "
                       f"{a.type.value} {ARROW} {b.type.value} | {md(b.chain(arrow=ARROW))} |")
        out.append("")
    if diff.variables_added or diff.variables_removed or diff.variables_changed:
        out += ["#### Variables", ""]
        out += [f"- added {md(v.id)}: {md(v.label)}" for v in diff.variables_added]
        out += [f"- removed {md(v.id)}: {md(v.label)}" for v in diff.variables_removed]
        out += [f"- changed {md(v.id)}: {md(words.describe_changes(cs, ARROW))}"
                for v, cs in diff.variables_changed]
        out.append("")
    if diff.links_added or diff.links_removed or diff.links_changed:
        out += ["#### Links", ""]
        out += [f"- added {md(words.link_words(lk, ARROW))}" for lk in diff.links_added]
        out += [f"- removed {md(words.link_words(lk, ARROW))}" for lk in diff.links_removed]
        out += [f"- changed {md(lk.source)} {ARROW} {md(lk.target)}: "
                f"{md(words.describe_changes(cs, ARROW))}" for lk, cs in diff.links_changed]
        out.append("")
    if diff.truncated:
        out += [f"*Loop search stopped early ({md(diff.reason or '')}); loop changes may be "
                "incomplete.*", ""]
    return "\n".join(out)


@record_lines.register
def _(result: RenderCheckResult) -> list[str]:
    lines = [f"### loopkit render --check: {md(result.file)}", ""]
    if not result.all_problems:
        return [*lines, "Pictures up to date.", ""]
    return lines + _problems(result.all_problems)
