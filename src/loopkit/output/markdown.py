"""The Markdown reporter: GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` or a PR comment.

Every user string goes through ``text.markdown_text``, so a label cannot
inject links, HTML or table cells.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    title = result.diagram.display_title if result.diagram else result.file
    lines = [f"### {md(title)}", ""]
    if result.analysis is not None:
        lines += [f"{md(result.file)}: {md(words.summary_sentence(result.analysis.summary))}",
                  ""]
        if result.analysis.loops:
            lines += [_row(["ID", "Type", "Name", "Length", "Delays", "Loop"]),
                      "|---|---|---|--:|--:|---|"]
            labels = result.labels
            for loop in result.analysis.loops:
                lines.append(_row([
                    md(loop.id), loop.type.value, md(loop.name or ""),
                    str(loop.length), str(loop.delays) if loop.delays else "",
                    md(loop.chain(labels)),
                ]))
            lines.append("")
    else:
        lines += [f"{md(result.file)}: could not be read", ""]
    return lines + _problems(result.all_problems)


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
