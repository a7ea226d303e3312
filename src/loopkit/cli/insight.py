"""`loopkit archetypes`, `trace`, `effect`, `whatif`, `diff` and `lint`.

Thin wrappers: parse arguments, call ``loopkit.analysis.*``, print. Text goes
to stdout, one-line errors to stderr; ``--format json`` prints one document.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from loopkit.cli.app import app
from loopkit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    FILE,
    FILES,
    diagram_files,
    fail_usage,
    print_problems,
)
from loopkit.limits import DEFAULT_MAX_LENGTH


class Format(StrEnum):
    text = "text"
    json = "json"


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


FORMAT = typer.Option(Format.text, "--format", "-f", help="Output format.")
MAX_LENGTH = typer.Option(DEFAULT_MAX_LENGTH, "--max-length", min=1,
                          help="Longest loop or path, in links.")
TIME_BUDGET = typer.Option(5.0, "--time-budget", min=0.01,
                           help="Stop searching after this many seconds.")
#: For commands whose work is bounded by counts (paths, loops): the clock is only a
#: safety stop, so the output does not depend on the machine's speed or load.
SAFETY_BUDGET = typer.Option(60.0, "--time-budget", min=0.01,
                             help="Safety stop in seconds; the output says when it fired "
                             "(then results may vary between runs).")
DIFF_FORMAT = typer.Option(DiffFormat.text, "--format", "-f", help="Output format.")
LINT_FILES = typer.Argument(None, help="Diagram YAML files, folders or - (standard input).",
                            metavar="FILE...", callback=diagram_files)
ENABLE = typer.Option([], "--enable", metavar="RULE",
                      help="Switch a rule on (repeatable; 'all' for every rule).")
DISABLE = typer.Option([], "--disable", metavar="RULE",
                       help="Switch a rule off (repeatable; 'all' for every rule).")


def _echo_json(data: Any) -> None:
    from loopkit.text import json_document

    typer.echo(json_document(data))


def _out(line: str) -> None:
    """Text output with control characters removed (labels come from files).

    Each line is an ``escape.log_line``: one starting with a file name
    (``map.yaml:3:5: ...``) cannot run a CI workflow command.
    """
    from loopkit.text import log_line, strip_control

    for part in strip_control(line).split("\n"):
        typer.echo(log_line(part))


def _load_one(path: str) -> Any:
    """One diagram, or its problems on stderr and exit 1."""
    from loopkit.check import load_files

    [(_, diagram, problems)] = load_files([path])
    if diagram is None:
        print_problems(problems)
        raise typer.Exit(EXIT_PROBLEMS)
    return diagram


def _variable(diagram: Any, name: str, what: str) -> str:
    """``name`` if it is a variable id of ``diagram``, else a usage error with a suggestion."""
    from loopkit.text import suggest

    if name in diagram.index:
        return name
    ids = [v.id for v in diagram.variables]
    by_label = {v.label.lower(): v.id for v in diagram.variables}
    hint = f" (did you mean '{by_label[name.lower()]}'? variables are named by id)" \
        if name.lower() in by_label else suggest(name, ids)
    raise fail_usage(f"{diagram.path}: {what} '{name}' is not a variable of this diagram{hint}")


def _labels(diagram: Any) -> dict[str, str]:
    from loopkit.text import strip_control

    return {v.id: strip_control(v.label) for v in diagram.variables}


#: Matches shown in text output unless --all is given.
SHOWN_MATCHES = 5


@app.command("archetypes")
def archetypes_command(
    files: list[str] = FILES,
    output_format: Format = FORMAT,
    max_length: int = MAX_LENGTH,
    limit: int = typer.Option(2_000, "--limit", min=1, help="Compare at most this many loops."),
    match_limit: int = typer.Option(100, "--match-limit", min=1,
                                    help="Keep at most this many matches per archetype."),
    steps: int = typer.Option(1_500_000, "--steps", min=1,
                              help="Work budget for comparing loops, in steps (loops and "
                              "links looked at): the same result on any machine."),
    time_budget: float = typer.Option(60.0, "--time-budget", min=0.01,
                                      help="Safety stop in seconds; the output says when "
                                      "it fired (then results may vary between runs)."),
    show_all: bool = typer.Option(False, "--all", help="Show every match, not only the "
                                  f"strongest {SHOWN_MATCHES}."),
) -> None:
    """Find system archetypes (Fixes that Fail, Escalation, ...) in the loop structure.

    Matches are ranked by the evidence for them (delays, an outside limit, a
    goal, two sides, declared loops, short loops). Each names its loops and
    the variable in each role, says why, how sure it is (strong or possible)
    and what you must check to accept it.

    Examples:

      loopkit archetypes examples/school-fines.yaml

      loopkit archetypes --all --format json examples/archetypes/*.yaml
    """
    from loopkit.analysis.archetypes import best_reading, describe_match, find_archetypes

    reports, failed = [], False
    from loopkit.check import load_files

    for _path, diagram, problems in load_files(files):
        if diagram is None:
            print_problems(problems)
            failed = True
            continue
        reports.append(find_archetypes(diagram, max_length=max_length, loop_limit=limit,
                                       time_budget=time_budget, match_limit=match_limit,
                                       step_budget=steps))
    if output_format is Format.json:
        _echo_json({"files": [r.to_dict() for r in reports]})
    else:
        for i, report in enumerate(reports):
            if i:
                _out("")
            for line in _archetype_lines(report, show_all, best_reading, describe_match):
                _out(line)
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _archetype_lines(report: Any, show_all: bool, best_reading: Any,
                     describe_match: Any) -> list[str]:
    """One report as text: the best reading first, then the summary, the strongest
    matches, and counts of the rest."""
    count = len(report.matches)
    strong = sum(1 for m in report.matches if m.confidence == "strong")
    labels = _labels(report.diagram)
    path = report.diagram.path
    lines = [f"{path}: {best_reading(report.matches[0], labels)}" if report.matches else
             f"{path}: No archetype: the loops do not meet in any of the patterns looked "
             "for (see docs/analysis.md)."]
    lines.append(f"{count} archetype match{'es' if count != 1 else ''} ({strong} strong) "
                 f"among {len(report.loops)} loops"
                 + (f" (stopped early: {report.reason})" if report.truncated else ""))
    if report.not_fully_searched:
        lines.append("Not fully searched (a bound cut the search short, so none found does "
                     "not mean none there): " + ", ".join(report.not_fully_searched))
    shown = report.matches if show_all else report.matches[:SHOWN_MATCHES]
    loops = {lp.id: lp for lp in report.loops}
    for n, match in enumerate(shown, 1):
        lines.append("")
        described = describe_match(match, labels, loops)
        lines += [f"{n}. {described[0]}", *described[1:]]
    rest = report.matches[len(shown):]
    if rest:
        per: dict[str, int] = {}
        for match in rest:
            per[match.archetype] = per.get(match.archetype, 0) + 1
        rest_strong = sum(1 for m in rest if m.confidence == "strong")
        lines += ["", f"{len(rest)} more ({rest_strong} strong): "
                  + ", ".join(f"{name} {n}" for name, n in per.items())
                  + "; --all shows them"]
    return lines


@app.command("trace")
def trace_command(
    file: str = FILE,
    variable: str = typer.Argument(..., metavar="VAR", help="Variable id to trace."),
    up: bool = typer.Option(False, "--up", help="Only the causes tree (what drives VAR)."),
    down: bool = typer.Option(False, "--down", help="Only the uses tree (what VAR drives)."),
    depth: int = typer.Option(3, "--depth", min=1, max=50, help="Levels of links to follow."),
    max_nodes: int = typer.Option(500, "--max-nodes", min=1, help="Stop after this many nodes."),
    output_format: Format = FORMAT,
) -> None:
    """Show what drives a variable (--up) and what it drives (--down) as trees.

    A variable already on a branch is marked as closing a loop and not
    expanded again; '…' marks a branch cut at --depth.

    Examples:

      loopkit trace examples/school-fines.yaml fines

      loopkit trace examples/school-fines.yaml exploitation --up --depth 2
    """
    from loopkit.analysis.trace import render_tree, trace_tree

    diagram = _load_one(file)
    variable = _variable(diagram, variable, "VAR")
    directions = ["up"] if up and not down else ["down"] if down and not up else ["up", "down"]
    trees = [trace_tree(diagram, variable, d, depth=depth, max_nodes=max_nodes)
             for d in directions]
    if output_format is Format.json:
        _echo_json({"file": diagram.path, "variable": variable, "depth": depth, "trees": [
            {"direction": t.direction, "nodes": t.nodes, "truncated": t.truncated,
             "reason": t.reason, "root": t.root.to_dict()} for t in trees]})
        return
    for i, tree in enumerate(trees):
        if i:
            _out("")
        what = "Causes of" if tree.direction == "up" else "Uses of"
        _out(f"{what} {variable} ({tree.depth} level{'s' if tree.depth != 1 else ''}):")
        for line in render_tree(tree, _labels(diagram)):
            _out(line)
        if tree.truncated:
            _out(f"(stopped early: {tree.reason})")


@app.command("effect")
def effect_command(
    file: str = FILE,
    source: str = typer.Argument(..., metavar="FROM", help="Variable id that changes."),
    target: str = typer.Argument(..., metavar="TO", help="Variable id whose response you want."),
    max_length: int = MAX_LENGTH,
    limit: int = typer.Option(1_000, "--limit", min=1, help="Stop after this many paths."),
    time_budget: float = TIME_BUDGET,
    show_paths: bool = typer.Option(True, "--paths/--no-paths", help="List every path."),
    output_format: Format = FORMAT,
) -> None:
    """Signed effect of FROM on TO along every causal path, in plain words.

    Exit 0 whatever the verdict; the verdict is in the text and in JSON
    ('rises', 'falls', 'mixed', 'undetermined' or 'none').

    Example:

      loopkit effect examples/school-fines.yaml fines exploitation
    """
    from loopkit.analysis.trace import describe_effect, effect

    diagram = _load_one(file)
    source = _variable(diagram, source, "FROM")
    target = _variable(diagram, target, "TO")
    if source == target:
        raise fail_usage("FROM and TO are the same variable; 'loopkit loops --through "
                         f"{source}' lists the loops through it")
    result = effect(diagram, source, target, max_length=max_length, limit=limit,
                    time_budget=time_budget)
    if output_format is Format.json:
        data = result.to_dict()
        data["sentence"] = describe_effect(result, _labels(diagram))
        _echo_json({"file": diagram.path, **data})
        return
    _out(describe_effect(result, _labels(diagram)))
    if show_paths:
        for path in result.paths:
            sign = {"+": "raises", "-": "lowers", "?": "unknown"}[path.sign.value]
            delay = f", {path.delays} delayed" if path.delays else ""
            _out(f"  {sign:<7} {path.chain()}  ({len(path.links)} "
                       f"link{'s' if len(path.links) != 1 else ''}{delay})")


@app.command("whatif")
def whatif_command(
    file: str = FILE,
    change: str = typer.Argument(..., metavar="VAR=up|down",
                                 help="The variable to push and which way, e.g. fines=up."),
    max_length: int = MAX_LENGTH,
    limit: int = typer.Option(10_000, "--limit", min=1, help="Stop after this many paths."),
    time_budget: float = SAFETY_BUDGET,
    max_loops: int = typer.Option(50, "--max-loops", min=0,
                                  help="List at most this many loops (text output)."),
    output_format: Format = FORMAT,
) -> None:
    """Push one variable up or down: what moves which way, and which loops respond.

    One qualitative pass: each variable moves by the sign of the paths
    reaching it (mixed when they disagree); then each loop the change reaches
    amplifies it (reinforcing) or counteracts it (balancing).

    Example:

      loopkit whatif examples/school-fines.yaml fines=up
    """
    from loopkit.analysis.trace import describe_whatif, whatif

    name, sep, way = change.partition("=")
    directions = {"up": "up", "+": "up", "rise": "up", "down": "down", "-": "down",
                  "fall": "down"}
    if not sep or way.strip().lower() not in directions:
        raise fail_usage(f"write the change as VAR=up or VAR=down, not '{change}'")
    diagram = _load_one(file)
    variable = _variable(diagram, name.strip(), "VAR")
    result = whatif(diagram, variable, directions[way.strip().lower()],
                    max_length=max_length, limit=limit, time_budget=time_budget)
    if output_format is Format.json:
        _echo_json({"file": diagram.path, **result.to_dict()})
        return
    for line in describe_whatif(result, _labels(diagram), max_loops):
        _out(line)


@app.command("diff")
def diff_command(
    old: str = typer.Argument(..., metavar="OLD", help="Old version: a file or REV:path."),
    new: str = typer.Argument(..., metavar="NEW", help="New version: a file or REV:path."),
    output_format: DiffFormat = DIFF_FORMAT,
    fail_on_new_loop: bool = typer.Option(False, "--fail-on-new-loop",
                                          help="Exit 1 if a loop was created."),
    fail_on_broken_loop: bool = typer.Option(False, "--fail-on-broken-loop",
                                             help="Exit 1 if a loop was broken."),
    fail_on_type_change: bool = typer.Option(
        False, "--fail-on-type-change", help="Exit 1 if a loop changed type (R <-> B)."),
    max_length: int = MAX_LENGTH,
    limit: int = typer.Option(10_000, "--limit", min=1, help="Loops searched per version."),
    time_budget: float = TIME_BUDGET,
) -> None:
    """What changed between two versions: variables, links, and loops created or broken.

    OLD or NEW may be a git version, REV:path (read with 'git show').
    Markdown output is made for a pull-request comment.

    Examples:

      loopkit diff HEAD~1:examples/school-fines.yaml examples/school-fines.yaml

      loopkit diff --format markdown --fail-on-new-loop main:map.yaml map.yaml
    """
    from loopkit.analysis.diff import diff_diagrams, load_version, render_markdown, render_text

    result = diff_diagrams(load_version(old), load_version(new), max_length=max_length,
                           limit=limit, time_budget=time_budget)
    if output_format is DiffFormat.json:
        _echo_json(result.to_dict())
    elif output_format is DiffFormat.markdown:
        _out(render_markdown(result))
    else:
        for line in render_text(result):
            _out(line)
    failures = []
    if fail_on_new_loop and result.loops_created:
        failures.append(f"{len(result.loops_created)} new loop(s)")
    if fail_on_broken_loop and result.loops_broken:
        failures.append(f"{len(result.loops_broken)} broken loop(s)")
    if fail_on_type_change and result.loops_retyped:
        failures.append(f"{len(result.loops_retyped)} loop(s) changed type")
    if failures:
        typer.echo(f"loopkit diff: failing: {', '.join(failures)}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("lint")
def lint_command(
    files: list[str] = LINT_FILES,
    output_format: Format = FORMAT,
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too, not only errors."),
    enable: list[str] = ENABLE,
    disable: list[str] = DISABLE,
    config: str | None = typer.Option(None, "--config", metavar="PATH",
                                      help="Settings file to use instead of searching for one."),
    list_rules: bool = typer.Option(False, "--list-rules", help="List the rules and exit."),
) -> None:
    """Check diagrams against the classic causal-loop-diagram guidelines.

    Findings are 'file:line:col: severity: message [rule]'. Only errors fail
    (exit 1), or warnings too with --strict. Rules can be switched in
    pyproject.toml [tool.loopkit.lint] or .loopkit.yaml (found by walking up
    from each diagram), or with --enable/--disable.

    Examples:

      loopkit lint examples/*.yaml

      loopkit lint --disable driver --disable outcome map.yaml
    """
    from dataclasses import replace

    from loopkit.analysis.lint import RULES, lint, lint_settings_for, load_lint_settings
    from loopkit.check import load_files
    from loopkit.problems import Severity
    from loopkit.text import suggest

    if list_rules:
        for rule in RULES.values():
            state = "" if rule.default else " (off by default)"
            _out(f"{rule.name:<28} {rule.severity.word:<8} {rule.summary}{state}")
        return
    if not files:
        raise fail_usage("give at least one diagram file (or --list-rules)")
    for name in [*enable, *disable]:
        if name not in RULES and name != "all":
            raise fail_usage(f"unknown rule '{name}'{suggest(name, list(RULES))}; "
                             "'loopkit lint --list-rules' lists them")
    fixed = load_lint_settings(config) if config else None
    records, exit_code = [], EXIT_OK
    threshold = Severity.WARNING if strict else Severity.ERROR
    for path, diagram, problems in load_files(files):
        if diagram is None:
            print_problems(problems)
            exit_code = EXIT_PROBLEMS
            continue
        settings = fixed or lint_settings_for(path)
        kept = frozenset() if "all" in disable else settings.enable - set(disable)
        settings = replace(settings, enable=kept | set(enable),
                           disable=(settings.disable - set(enable)) | set(disable))
        report = lint(diagram, settings)
        if any(p.severity >= threshold for p in report.problems):
            exit_code = EXIT_PROBLEMS
        records.append((path, report))
    if output_format is Format.json:
        _echo_json({"files": [{"file": path, "rules": list(report.rules),
                               "problems": [p.to_dict() for p in report.problems],
                               "truncated": report.truncated, "reason": report.reason}
                              for path, report in records]})
    else:
        for path, report in records:
            for p in report.problems:
                _out(p.format_line(rule=True))
            counts = {s: sum(1 for p in report.problems if p.severity is s) for s in Severity}
            _out(f"{path}: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} "
                       f"warnings, {counts[Severity.INFO]} info"
                       + (f" (loop rules stopped early: {report.reason})"
                          if report.truncated else ""))
    raise typer.Exit(exit_code)
