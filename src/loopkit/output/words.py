"""All of loopkit's report prose: the English sentences every reporter shares.

Analysis modules return typed results; this module says them in words, so a
sentence is written once and the text, Markdown and GitHub reporters (and
the tests) agree on it. Nothing here escapes: each reporter escapes for its
own medium.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from loopkit.model import Link, Polarity
from loopkit.problems import Problem, Severity

if TYPE_CHECKING:
    from loopkit.analysis.diff import DiagramDiff, FieldChange
    from loopkit.analysis.loops import Loop
    from loopkit.analysis.trace import Effect, Path, Tree, TreeNode, WhatIf
    from loopkit.output.records import FileResult

ARROW = "\u2192"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 loop``, ``2 loops`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


# --- loops and check -------------------------------------------------------------


def summary_sentence(summary: dict[str, Any]) -> str:
    """``5 loops: 3 reinforcing, 2 balancing`` (+ undetermined, + why it stopped)."""
    total = summary["total"]
    parts = [f"{summary['reinforcing']} reinforcing", f"{summary['balancing']} balancing"]
    if summary["undetermined"]:
        parts.append(f"{summary['undetermined']} undetermined")
    text = f"{total} loop{'s' if total != 1 else ''}: {', '.join(parts)}"
    if summary["truncated"]:
        text += f" (stopped early: {summary['reason']})"
    return text


def check_line(result: FileResult) -> str:
    """``file: ok (5 loops, 5 declared)`` or ``file: 2 problems`` for one checked file."""
    if result.ok and result.analysis is not None:
        total = result.analysis.summary["total"]
        return f"{result.file}: ok ({total} loops, {result.declared} declared)"
    count = len(result.all_problems)
    return f"{result.file}: {count} problem{'s' if count != 1 else ''}"


def file_line(result: FileResult) -> str:
    """``file: 5 loops: ...`` or ``file: could not be read`` (loops, one file)."""
    if result.analysis is None:
        return f"{result.file}: could not be read"
    return f"{result.file}: {summary_sentence(result.analysis.summary)}"


def stopped_early(reason: str | None) -> str:
    return f"loop search stopped early ({reason}); the loop list is incomplete"


def structure_sentence(summary: dict[str, Any]) -> str:
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


def loop_size(loop: Loop) -> str:
    """``7 links, 1 delay``."""
    size = plural(loop.length, "link")
    if loop.delays:
        size += f", {plural(loop.delays, 'delay')}"
    return size


def total_line(files: int, problems: Iterable[Problem], with_problems: int) -> str:
    """``Checked 3 files: 1 with problems, 2 errors, 1 warning.`` (the last line of text output)."""
    counts = {s: 0 for s in Severity}
    for problem in problems:
        counts[problem.severity] += 1
    if not any(counts.values()):
        return f"Checked {plural(files, 'file')}: no problems."
    parts = [f"{with_problems} with problems", plural(counts[Severity.ERROR], "error"),
             plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(f"{counts[Severity.INFO]} info")
    return f"Checked {plural(files, 'file')}: {', '.join(parts)}."


def lint_line(path: str, problems: Sequence[Problem], truncated: bool,
              reason: str | None) -> str:
    """``map.yaml: 0 errors, 1 warnings, 0 info`` for one linted file."""
    counts = {s: sum(1 for p in problems if p.severity is s) for s in Severity}
    return (f"{path}: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} "
            f"warnings, {counts[Severity.INFO]} info"
            + (f" (loop rules stopped early: {reason})" if truncated else ""))


# --- archetypes --------------------------------------------------------------------

def archetype_lines(report: Any, labels: dict[str, str], shown_at_most: int | None) -> list[str]:
    """One report as text: the best reading first, then the summary, the strongest
    matches, and counts of the rest."""
    count = len(report.matches)
    strong = sum(1 for m in report.matches if m.confidence == "strong")
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
    shown = report.matches[:shown_at_most]
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


def signed_chain(loop: Loop, labels: dict[str, str]) -> str:
    """``'A' -(+)-> 'B' -(-, delay)-> 'A'``: the loop as a reader checks it, link by link."""
    parts = [f"'{labels.get(loop.variables[0], loop.variables[0])}'"]
    for link in loop.links:
        delay = ", delay" if link.delay else ""
        parts.append(f"-({link.polarity.value}{delay})-> '{labels.get(link.target, link.target)}'")
    return " ".join(parts)


def describe_match(match: Any, labels: dict[str, str] | None = None,
                   loops: dict[str, Loop] | None = None) -> list[str]:
    """A match as plain lines: name, confidence and score, loops, roles, reasons, question."""
    from loopkit.analysis.archetypes import GENERIC

    labels = labels or {}
    lines = [f"{match.title} ({match.confidence}, score {match.score:g}) - {match.generic}: "
             f"{GENERIC[match.generic]}",
             f"  loops: {', '.join(match.loops)}"]
    for loop_id in match.loops:
        if loops and loop_id in loops:
            lines.append(f"    {loop_id} ({loops[loop_id].type.value}): "
                         f"{signed_chain(loops[loop_id], labels)}")
    for role, variable in match.roles:
        label = labels.get(variable)
        shown = f"{variable} ({label})" if label and label != variable else variable
        lines.append(f"  {role}: {shown}")
    lines += [f"  - {reason}" for reason in match.reasons]
    if match.alternatives:
        shown_alt = "; ".join(", ".join(a) for a in match.alternatives[:5])
        more = f" and {len(match.alternatives) - 5} more" if len(match.alternatives) > 5 else ""
        lines.append(f"  also through: {shown_alt}{more}")
    if match.strong_because:
        lines.append(f"  strong because: {match.strong_because}")
    if match.question:
        lines.append(f"  check: {match.question}")
    return lines


def best_reading(match: Any, labels: dict[str, str] | None = None) -> str:
    """One line naming the top match and the question that decides it."""
    return (f"best reading: {match.title} ({match.confidence}, score {match.score:g}), "
            f"loops {', '.join(match.loops)}" + (f"; {match.question}" if match.question else ""))


# --- trace, effect, whatif -----------------------------------------------------------


def tree_title(tree: Tree, variable: str) -> str:
    what = "Causes of" if tree.direction == "up" else "Uses of"
    return f"{what} {variable} ({tree.depth} level{'s' if tree.depth != 1 else ''}):"


def tree_lines(tree: Tree, labels: dict[str, str] | None = None) -> list[str]:
    """The tree as text lines with box-drawing branches (no colour, no markup)."""
    labels = labels or {}
    arrow = "\u2190" if tree.direction == "up" else "\u2192"

    def name(node: TreeNode) -> str:
        label = labels.get(node.variable)
        text = node.variable + (f"  {label}" if label and label != node.variable else "")
        if node.closes_loop:
            text += "  (loop: already on this branch)"
        elif node.cut:
            text += "  \u2026"
        return text

    lines = [name(tree.root)]

    def walk(node: TreeNode, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            link = child.link
            assert link is not None
            sign = link.polarity.symbol + (", delay" if link.delay else "")
            lines.append(f"{prefix}{'└' if last else '├'}{arrow} ({sign}) {name(child)}")
            walk(child, prefix + ("   " if last else "│  "))

    walk(tree.root, "")
    return lines


def effect_sentence(result: Effect, labels: dict[str, str] | None = None) -> str:
    """The effect in one plain sentence, e.g. ``If fines rise, ... (both reinforce)``."""
    labels = labels or {}
    a, b = labels.get(result.source, result.source), labels.get(result.target, result.target)
    up, down = result.count(Polarity.POSITIVE), result.count(Polarity.NEGATIVE)
    unknown = result.count(Polarity.UNKNOWN)
    total = len(result.paths)
    if not total:
        text = f"'{a}' has no effect on '{b}': no causal path leads from one to the other"
    elif result.verdict in ("rises", "falls"):
        agree = "" if total == 1 else " (both reinforce each other)" if total == 2 \
            else f" (all {total} reinforce each other)"
        text = f"If '{a}' rises, '{b}' {result.verdict} through {plural(total, 'path')}{agree}"
    elif result.verdict == "mixed":
        text = (f"If '{a}' rises, '{b}' rises through {plural(up, 'path')} and falls "
                f"through {plural(down, 'path')}: the net effect is mixed and depends on "
                "how strong and how delayed each path is")
        if unknown:
            text += f" ({plural(unknown, 'more path')} of unknown sign)"
    else:
        sure = f"{up} rise" if up else f"{down} fall" if down else ""
        text = (f"If '{a}' rises, the effect on '{b}' is undetermined: "
                f"{plural(unknown, 'path')} of {total} pass{'es' if unknown == 1 else ''} "
                "through a link of unknown sign" + (f" (the others: {sure})" if sure else ""))
    if result.truncated:
        text += f"; stopped early ({result.reason}), so there may be more paths"
    return text + "."


def path_line(path: Path) -> str:
    """``raises  a -> b -> c  (2 links, 1 delayed)`` for one path of an effect."""
    sign = {"+": "raises", "-": "lowers", "?": "unknown"}[path.sign.value]
    delay = f", {path.delays} delayed" if path.delays else ""
    return f"{sign:<7} {path.chain()}  ({plural(len(path.links), 'link')}{delay})"


def whatif_lines(result: WhatIf, labels: dict[str, str] | None = None,
                 max_loops: int | None = None) -> list[str]:
    """Plain lines: what moves which way, then which loops amplify or counteract.

    ``max_loops`` lists only the loops the change reaches first (the counts
    still cover them all), so a dense map stays readable.
    """
    labels = labels or {}

    def name(v: str) -> str:
        label = labels.get(v)
        return f"{v} ({label})" if label and label != v else v

    verb = "rises" if result.direction == "up" else "falls"
    lines = [f"If {name(result.variable)} {verb}, after one pass through the links:"]
    if not result.moves:
        lines.append("  nothing else moves: it affects no other variable")
    words = {"up": "rises", "down": "falls", "mixed": "mixed", "unknown": "unknown"}
    for move in result.moves:
        detail = []
        if move.direction == "mixed":
            detail.append(f"up through {plural(move.up, 'path')}, down through "
                          f"{plural(move.down, 'path')}")
        elif move.direction == "unknown":
            detail.append("a link of unknown sign is on the way")
        if move.delayed:
            detail.append("only after a delay")
        extra = f" ({'; '.join(detail)})" if detail else ""
        lines.append(f"  {words[move.direction]:<7} {name(move.variable)}"
                     f"  [{plural(move.steps, 'step')}]{extra}")
    if result.loops:
        counts = {word: sum(1 for r in result.loops if r.response == word)
                  for word in ("amplifies", "counteracts", "unknown")}
        parts = [f"{counts['amplifies']} amplif{'ies' if counts['amplifies'] == 1 else 'y'}",
                 f"{counts['counteracts']} counteract{'s' if counts['counteracts'] == 1 else ''}"]
        if counts["unknown"]:
            parts.append(f"{counts['unknown']} unknown")
        lines.append(f"Then the loops it reaches ({', '.join(parts)}):")
    shown = result.loops if max_loops is None else result.loops[:max_loops]
    for response in shown:
        loop = response.loop
        title = f"{loop.id}" + (f" {loop.name}" if loop.name else "")
        lines.append(f"  {response.response:<11} {title} ({loop.type.value}): "
                     f"{_response_words(response, result.variable)}")
    if len(shown) < len(result.loops):
        lines.append(f"  ... and {len(result.loops) - len(shown):,} more loops "
                     "(--max-loops to list more)")
    if result.truncated:
        lines.append(f"Stopped early ({result.reason}): the lists may be incomplete.")
    return lines


def _response_words(response: Any, changed: str) -> str:
    if response.response == "unknown":
        return "has a link of unknown sign: its effect is unknown"
    verb = "amplifies" if response.response == "amplifies" else "counteracts"
    if response.entry == changed:
        return f"feeds the change back to {changed} and {verb} it"
    return f"{verb} the change where it reaches {response.entry}"


# --- diff --------------------------------------------------------------------------------


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "(none)"
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]" if value else "(none)"
    return repr(str(getattr(value, "value", value)))


def describe_changes(changes: list[FieldChange], arrow: str = "->") -> str:
    """``polarity '+' -> '-'; delay no -> yes``."""
    return "; ".join(f"{c.field} {_show(c.old)} {arrow} {_show(c.new)}" for c in changes)


def loop_words(loop: Loop) -> str:
    name = f" {loop.name}" if loop.name else ""
    return f"{loop.id}{name} ({loop.type.value}): {loop.chain(arrow='->')}"


def link_words(link: Link, arrow: str = "->") -> str:
    delay = ", delay" if link.delay else ""
    return f"{link.source} {arrow} {link.target} ({link.polarity.value}{delay})"


def diff_lines(diff: DiagramDiff) -> list[str]:
    """The diff as plain lines (``+`` added, ``-`` removed, ``~`` changed)."""
    lines = [f"{diff.old.path} -> {diff.new.path}"]
    if diff.empty:
        lines.append("no changes to variables, links or loops")
    c = diff.counts()
    if diff.variables_added or diff.variables_removed or diff.variables_changed:
        lines.append(f"Variables: {c['variables_added']} added, {c['variables_removed']} "
                     f"removed, {c['variables_changed']} changed")
        lines += [f"  + {v.id}  {v.label}" for v in diff.variables_added]
        lines += [f"  - {v.id}  {v.label}" for v in diff.variables_removed]
        lines += [f"  ~ {v.id}: {describe_changes(cs)}" for v, cs in diff.variables_changed]
    if diff.links_added or diff.links_removed or diff.links_changed:
        lines.append(f"Links: {c['links_added']} added, {c['links_removed']} removed, "
                     f"{c['links_changed']} changed")
        lines += [f"  + {link_words(lk)}" for lk in diff.links_added]
        lines += [f"  - {link_words(lk)}" for lk in diff.links_removed]
        lines += [f"  ~ {lk.source} -> {lk.target}: {describe_changes(cs)}"
                  for lk, cs in diff.links_changed]
    if diff.loops_created or diff.loops_broken or diff.loops_retyped:
        lines.append(f"Loops: {c['loops_created']} created, {c['loops_broken']} broken, "
                     f"{c['loops_changed_type']} changed type")
        lines += [f"  + {loop_words(lp)}" for lp in diff.loops_created]
        lines += [f"  - {loop_words(lp)}" for lp in diff.loops_broken]
        lines += [f"  ~ {a.id} -> {b.id}: {a.type.value} -> {b.type.value}: "
                  f"{b.chain(arrow='->')}" for a, b in diff.loops_retyped]
    if diff.truncated:
        lines.append(f"Loop search stopped early ({diff.reason}): loop changes may be "
                     "incomplete.")
    return lines


def diff_failures(diff: DiagramDiff, *, new_loop: bool, broken_loop: bool,
                  type_change: bool) -> list[str]:
    """What ``--fail-on-*`` found: ``1 new loop(s)``, ..."""
    failures = []
    if new_loop and diff.loops_created:
        failures.append(f"{len(diff.loops_created)} new loop(s)")
    if broken_loop and diff.loops_broken:
        failures.append(f"{len(diff.loops_broken)} broken loop(s)")
    if type_change and diff.loops_retyped:
        failures.append(f"{len(diff.loops_retyped)} loop(s) changed type")
    return failures


# --- problem codes -----------------------------------------------------------------------

#: Every problem ``code`` loopkit reports (besides lint rule names, which ``loopkit lint
#: --list-rules`` describes, and schema problems, which carry pydantic's error type), with
#: one line of help: SARIF's rule help, and the table in docs/output.md.
CODES: dict[str, str] = {
    "error": "A problem without a more specific code (e.g. a file that cannot be read).",
    # reading YAML
    "empty-file": "The file is empty or holds only comments; a diagram needs 'variables'.",
    "binary-file": "The file contains NUL bytes: it is not a text file.",
    "encoding": "The file is not UTF-8 text (or is UTF-16/UTF-32): save it as UTF-8.",
    "file-too-large": "The file is larger than the size limit (--max-file-size).",
    "yaml-syntax": "The YAML cannot be parsed: fix the syntax at the position given.",
    "yaml-tab": "A tab is used for indentation; YAML indents with spaces only.",
    "yaml-bare-dash": "A key is followed by a lone '-': YAML reads it as a list, not a value.",
    "yaml-control-char": "The text holds a control character that YAML does not allow.",
    "yaml-key": "A mapping key is a list, mapping or alias, not plain text.",
    "duplicate-key": "A key appears twice in the same mapping.",
    "yaml-multi-doc": "The file holds more than one YAML document ('---').",
    "yaml-tag": "An explicit YAML tag that would build something other than plain data.",
    "yaml-alias": "A YAML alias ('*name') that is not allowed or not defined before use.",
    "yaml-merge": "A YAML merge key ('<<'): write the fields out instead.",
    "yaml-too-big": "More YAML text or values than the limits allow (--max-yaml-text/-values).",
    "yaml-too-deep": "YAML nested deeper than the limit (--max-depth).",
    "too-many-problems": "More problems than --max-problems; the rest are not listed.",
    "too-many": "More values, variables, links or rows than a limit allows.",
    "too-long": "A label or text is longer than the length limit (--max-label-length).",
    # the diagram format
    "not-a-mapping": "The document, or an entry, is not a mapping of keys to values.",
    "unknown-key": "A key the diagram format does not know (put your own under 'x-').",
    "missing-key": "A required key is missing.",
    "empty-id": "A variable id is empty.",
    "control-in-id": "An id contains a control or invisible character.",
    "bad-pos": "A 'pos' is not a pair of finite numbers within range.",
    "unknown-variable": "A link or loop names a variable that is not declared.",
    "duplicate-link": "The same link (cause, effect) is written twice.",
    "loop-id": "A loop id is not a short identifier such as R1, B2 or fines_spiral.",
    "loop-type-conflict": "A loop's id letter (R/B) and its declared type disagree.",
    "loop-repeats-variable": "A declared loop passes through the same variable twice.",
    # loops
    "loop-missing": "A declared loop does not exist in the links.",
    "loop-type": "A declared loop has the other type (reinforcing/balancing) in the links.",
    "loop-duplicate": "Two declared loops are the same cycle.",
    "undeclared-loop": "A loop exists that is not declared under 'loops' (check --strict).",
    # evidence
    "no-evidence": "A link has no 'evidence' (check --require-evidence).",
    "loop-without-evidence": "A loop rests on links without evidence (--require-evidence).",
    # merge synonyms
    "synonyms-syntax": "A synonyms line is not 'id: other, other'.",
    "synonyms-chain": "A synonym maps to an id that is itself a synonym.",
    "synonyms-twice": "An id is given as a synonym of two different ids.",
    "synonyms-unknown": "A synonym names a variable found in none of the merged maps.",
    "merge-polarity": "The merged maps disagree on a link's sign; it stays unknown (--prefer).",
    "merge-delay": "The merged maps disagree on whether a link is delayed (--prefer).",
    # import
    "import": "The file cannot be imported (see the message).",
    "import-format": "The input's format cannot be recognised; name it with --from.",
    "import-syntax": "The input is not valid in its format (XML, JSON, Vensim, ...).",
    "import-structure": "The input parses but lacks what the format requires.",
    "import-empty": "The input holds no variables or links to import.",
    "import-ambiguous": "The input can be read two ways; the message says which was taken.",
    "import-polarity": "A link's sign could not be derived from the model's equations.",
    "csv": "A CSV table cannot be read as elements and connections.",
    "xlsx": "An XLSX workbook cannot be read as a Kumu import template.",
    "claims-header": "A claims table lacks the header cause, effect, polarity, source, quote.",
    "claims-csv": "A claims row is not valid CSV.",
    "claims-columns": "A claims row has too few columns.",
    "claims-empty": "A claims row has an empty cause or effect.",
    "claims-polarity": "A claims row's polarity is not +, - or ?.",
    # render --check
    "stale-picture": "A rendered picture is missing or out of date: run the command shown.",
}

#: Help for schema problems, whose code is pydantic's error type (``bool_parsing``, ...).
SCHEMA_HELP = ("A value does not have the type or form the diagram format expects "
               "(the code is the validator's error type; see docs/format.md).")


def code_help(code: str) -> str:
    """One line saying what problems with ``code`` mean (lint rules: the rule's summary)."""
    if code in CODES:
        return CODES[code]
    from loopkit.analysis.lint import RULES

    if code in RULES:
        rule = RULES[code]
        return f"Lint rule '{code}': {rule.summary}."
    return SCHEMA_HELP
