"""The classic guidelines for drawing causal loop diagrams, as named lint rules.

Each rule is one small function with a name (the problem ``code``), a default
severity and a one-line summary, and each finding points at the variable,
link or loop it is about (``file:line:col``). Rules follow the well-known
guidelines (Kim, "Guidelines for Drawing Causal Loop Diagrams", The Systems
Thinker 1992): name variables with nouns, not verbs or directions; make the
goal of every balancing loop explicit; keep labels short; and a few checks of
the graph itself (isolated variables, drivers and outcomes, two-variable
loops, links that run parallel to a longer path).

Only ``error`` findings make a command fail; every rule can be switched off
or given another severity in the project settings (``loopkit.read.settings``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from loopkit.analysis.loops import Loop, LoopAnalysis, analyse_loops
from loopkit.model import Diagram, Link, LoopType, Polarity, Pos
from loopkit.problems import Problem, Severity, UsageError
from loopkit.read.settings import LintSettings

DEFAULT_MAX_LABEL_LENGTH = 50
#: Longest detour (in links) that ``parallel-links`` compares a direct link with.
PARALLEL_DETOUR = 2

#: First words that make a label an action rather than a quantity.
VERBS = frozenset("""
    add address avoid ban boost build buy cancel create cut deliver develop educate encourage
    enforce ensure expand fix get give hire improve introduce invest keep make maximise
    maximize minimise minimize offer prevent promote provide punish raise recruit reduce
    refer remove restrict sell send start stop strengthen tackle take teach tighten
    weaken
""".split())
#: ``increase``/``decrease`` are verbs unless they are the noun ("increase in X").
VERB_UNLESS_OF = frozenset({"increase", "decrease"})
#: First words that build a direction into the name ("increasing costs", "more fines").
DIRECTIONS = frozenset("""
    increasing decreasing rising falling growing declining shrinking worsening improving
    reducing lowering raising boosting mounting escalating dropping
    increased decreased reduced improved lowered raised
    more less fewer higher lower greater bigger smaller better worse
""".split())
#: Words that mark a variable as a goal, standard or gap (what a balancing loop seeks).
#: Seconds before the loop rules' search stops regardless (a safety stop only).
LINT_TIME_BUDGET = 60.0

GOAL_WORDS = re.compile(
    r"\b(goals?|targets?|desired|standards?|norms?|expect(?:ed|ations?)?|aims?|objectives?"
    r"|thresholds?|benchmarks?|ideal|acceptable|gaps?|planned|quotas?|tolerance)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """One guideline: its name, default severity, whether it runs by default, and the check."""

    name: str
    severity: Severity
    summary: str
    check: Callable[[LintContext], Iterator[tuple[Pos | None, str]]]
    default: bool = True


@dataclass
class LintContext:
    """What rules look at: the diagram, its loops (found once) and the settings."""

    diagram: Diagram
    analysis: LoopAnalysis
    max_label_length: int = DEFAULT_MAX_LABEL_LENGTH

    @property
    def loops(self) -> list[Loop]:
        return self.analysis.loops

    def loop_pos(self, loop: Loop) -> Pos | None:
        """Where a loop is written: its declaration, else its first link."""
        for declared in self.diagram.loops:
            if declared.id == loop.id and loop.declared:
                return declared.where
        return loop.links[0].where if loop.links else None


@dataclass
class LintReport:
    """Findings for one diagram, and whether the loop search behind them was cut short."""

    problems: list[Problem] = field(default_factory=list)
    rules: tuple[str, ...] = ()
    truncated: bool = False
    reason: str | None = None

    def at_least(self, severity: Severity) -> list[Problem]:
        return [p for p in self.problems if p.severity >= severity]


def _words(label: str) -> list[str]:
    return re.findall(r"[a-z]+", label.lower())


def _check_verb_name(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    for variable in ctx.diagram.variables:
        words = _words(variable.label)
        if not words:
            continue
        first = words[0]
        if first == "to" and len(words) > 1:
            first = words[1]
        elif first in VERB_UNLESS_OF and len(words) > 1 and words[1] in ("in", "of"):
            continue
        if first in VERBS or first in VERB_UNLESS_OF:
            yield variable.where, (
                f"variable '{variable.id}' ({variable.label}) is named with a verb: name the "
                f"quantity that rises or falls (a noun), since the arrows carry the action")


def _check_direction_name(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    for variable in ctx.diagram.variables:
        words = _words(variable.label)
        if words and words[0] in DIRECTIONS:
            rest = " ".join(variable.label.split()[1:]) or "the quantity"
            yield variable.where, (
                f"variable '{variable.id}' ({variable.label}) has a direction in its name: "
                f"call it '{rest}' and let the link signs say which way it moves "
                f"(a fall in '{variable.label}' is confusing)")


def _degrees(diagram: Diagram) -> tuple[dict[str, int], dict[str, int]]:
    ins = {v.id: 0 for v in diagram.variables}
    outs = {v.id: 0 for v in diagram.variables}
    for link in diagram.links:
        outs[link.source] += 1
        ins[link.target] += 1
    return ins, outs


def _check_isolated(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    ins, outs = _degrees(ctx.diagram)
    for variable in ctx.diagram.variables:
        if not ins[variable.id] and not outs[variable.id]:
            yield variable.where, (f"variable '{variable.id}' ({variable.label}) has no links: "
                                   "link it or remove it")


def _check_driver(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    ins, outs = _degrees(ctx.diagram)
    for variable in ctx.diagram.variables:
        if outs[variable.id] and not ins[variable.id]:
            yield variable.where, (
                f"variable '{variable.id}' ({variable.label}) is a driver: nothing in the "
                "diagram causes it (an outside lever, policy or given)")


def _check_outcome(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    ins, outs = _degrees(ctx.diagram)
    for variable in ctx.diagram.variables:
        if ins[variable.id] and not outs[variable.id]:
            yield variable.where, (
                f"variable '{variable.id}' ({variable.label}) is an outcome: it affects "
                "nothing else in the diagram")


def _check_two_variable_loop(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    for loop in ctx.loops:
        if loop.length == 2:
            a, b = loop.variables
            yield ctx.loop_pos(loop), (
                f"loop {loop.id} joins only two variables ({a} \u21c4 {b}): a two-variable "
                "loop usually hides a variable in between, or draws one relationship twice")


def _is_goal(ctx: LintContext, variable_id: str) -> bool:
    variable = ctx.diagram.by_id[variable_id]
    return bool(GOAL_WORDS.search(variable.label) or GOAL_WORDS.search(
        variable.id.replace("_", " ")))


def _check_goal(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    causes: dict[str, list[str]] = {}
    for link in ctx.diagram.links:
        causes.setdefault(link.target, []).append(link.source)
    for loop in ctx.loops:
        if loop.type is not LoopType.BALANCING:
            continue
        near = set(loop.variables)
        for v in loop.variables:
            near.update(causes.get(v, ()))
        if not any(_is_goal(ctx, v) for v in sorted(near)):
            name = f" ({loop.name})" if loop.name else ""
            yield ctx.loop_pos(loop), (
                f"balancing loop {loop.id}{name} has no goal: every balancing loop seeks one; "
                "consider adding the goal or gap it closes (e.g. 'Desired ...', '... gap')")


def _check_parallel(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    out: dict[str, list[Link]] = {}
    for link in ctx.diagram.links:
        out.setdefault(link.source, []).append(link)
    for link in ctx.diagram.links:
        if link.polarity is Polarity.UNKNOWN:
            continue
        detour = _detour(out, link)
        if detour:
            chain = " -> ".join(detour)
            yield link.where, (
                f"link {link.source} -> {link.target} ({link.polarity.symbol}) runs parallel "
                f"to {chain} with the same sign: if the longer path is how the effect works, "
                "the direct link counts it twice")


def _detour(out: dict[str, list[Link]], direct: Link) -> list[str] | None:
    """Shortest path source -> target of 2..PARALLEL_DETOUR links with the direct link's sign."""
    want = direct.polarity is Polarity.NEGATIVE
    frontier: list[tuple[list[str], bool]] = [([direct.source], False)]
    for _ in range(PARALLEL_DETOUR):
        following = []
        for path, negative in frontier:
            for link in out.get(path[-1], ()):
                if link is direct or link.target in path or link.polarity is Polarity.UNKNOWN:
                    continue
                sign = negative ^ (link.polarity is Polarity.NEGATIVE)
                if link.target == direct.target:
                    if len(path) >= 2 and sign == want:
                        return [*path, link.target]
                    continue
                following.append(([*path, link.target], sign))
        frontier = following
    return None


def _check_label_length(ctx: LintContext) -> Iterator[tuple[Pos | None, str]]:
    limit = ctx.max_label_length
    for variable in ctx.diagram.variables:
        if len(variable.label) > limit:
            yield variable.where, (
                f"label of '{variable.id}' is {len(variable.label)} characters, over "
                f"{limit}: keep labels short and put detail in 'description'")


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("verb-name", Severity.WARNING,
         "variable named with a verb or action ('reduce costs')", _check_verb_name),
    Rule("direction-name", Severity.WARNING,
         "variable with a direction in its name ('increasing costs', 'more fines')",
         _check_direction_name),
    Rule("isolated-variable", Severity.WARNING, "variable with no links at all",
         _check_isolated),
    Rule("driver", Severity.INFO, "variable with outputs but no inputs (a driver)",
         _check_driver),
    Rule("outcome", Severity.INFO, "variable with inputs but no outputs (an outcome)",
         _check_outcome),
    Rule("two-variable-loop", Severity.WARNING, "loop through only two variables",
         _check_two_variable_loop),
    Rule("balancing-loop-without-goal", Severity.INFO,
         "balancing loop with no goal-like variable on it or feeding it", _check_goal),
    Rule("parallel-links", Severity.INFO,
         f"direct link with a same-sign detour of up to {PARALLEL_DETOUR} links",
         _check_parallel),
    Rule("long-label", Severity.WARNING,
         f"variable label over the length limit (default {DEFAULT_MAX_LABEL_LENGTH})",
         _check_label_length),
)}


def check_rule_names(settings: LintSettings) -> LintSettings:
    """``settings`` unchanged, or a usage error naming the closest rule to an unknown one.

    Done here, not where settings are read: the settings reader sits below the
    analyses and must not know their rules.
    """
    from loopkit.read.settings import quoted
    from loopkit.text import suggest

    source = settings.source or "settings"
    for key, names in (("enable", settings.enable), ("disable", settings.disable)):
        for name in sorted(names):
            if name not in RULES and name != "all":
                raise UsageError(f"{source}: lint '{key}': unknown rule {quoted(name)}"
                                 f"{suggest(name, list(RULES))}")
    for name, _word in settings.severity:
        if name not in RULES:
            raise UsageError(f"{source}: lint 'severity': unknown rule {quoted(name)}"
                             f"{suggest(name, list(RULES))}")
    return settings


def load_lint_settings(path: str | os.PathLike[str]) -> LintSettings:
    """The lint settings of one settings file, rule names checked."""
    from loopkit.read.settings import load_settings

    return check_rule_names(load_settings(path).lint)


def lint_settings_for(diagram_path: str | os.PathLike[str]) -> LintSettings:
    """The lint settings that apply to a diagram file (project settings found upward)."""
    from loopkit.read.settings import settings_for

    return check_rule_names(settings_for(diagram_path).lint)


def active_rules(settings: LintSettings | None = None) -> list[Rule]:
    """The rules ``settings`` switch on, in registry order."""
    settings = settings or LintSettings()
    names = {name for name, rule in RULES.items() if rule.default}
    if "all" in settings.disable:
        names.clear()
    names -= settings.disable
    names |= set(RULES) if "all" in settings.enable else settings.enable
    return [rule for name, rule in RULES.items() if name in names]


def lint(
    diagram: Diagram,
    settings: LintSettings | None = None,
    *,
    analysis: LoopAnalysis | None = None,
) -> LintReport:
    """Run the active rules on ``diagram``; ``analysis`` reuses loops already found."""
    settings = settings or LintSettings()
    if analysis is None:
        # bounded by the loop limit; the clock only as a safety stop, so the same file
        # gives the same problems on any machine at any load
        analysis = analyse_loops(diagram, time_budget=LINT_TIME_BUDGET)
    ctx = LintContext(diagram, analysis,
                      settings.max_label_length or DEFAULT_MAX_LABEL_LENGTH)
    severities = dict(settings.severity)
    rules = active_rules(settings)
    problems = []
    for rule in rules:
        severity = Severity[severities[rule.name].upper()] if rule.name in severities \
            else rule.severity
        for where, message in rule.check(ctx):
            line, column = (where.line, where.column) if where else (1, 1)
            problems.append(Problem(diagram.path, line, column, message, rule.name, severity))
    reason = analysis.reason
    if reason and "time budget" in reason:
        reason += " (safety stop: the result may differ between runs)"
    return LintReport(sorted(problems), tuple(r.name for r in rules), analysis.truncated,
                      reason)
