"""System archetypes found from structure: loops, shared variables, signs, delays.

The backbone is Wolstenholme's observation that every archetype is a pair of
loops of opposite or equal type, an *intended* one and an *unintended* one
that shares variables with it and often acts after a delay:

====================  ==========================  =====================================
generic (Wolstenholme) intended / unintended        archetypes (Senge, Kim)
====================  ==========================  =====================================
out of control         balancing / reinforcing     Fixes that Fail, Shifting the Burden,
                                                    Accidental Adversaries
underachievement       reinforcing / balancing     Limits to Growth, Growth and
                                                    Underinvestment, Tragedy of the Commons
relative achievement   reinforcing / reinforcing   Success to the Successful
relative control       balancing / balancing       Escalation, Eroding Goals
====================  ==========================  =====================================

How two loops meet tells the archetypes of a family apart:

* sharing a *path* (at least one link) that then parts (the fix) and rejoins
  (the symptom): out of control (Fixes that Fail; Shifting the Burden when the
  reinforcing side runs through a second, fundamental balancing loop);
* sharing exactly *one variable*: the signs of the links into and out of it
  on each loop separate Limits to Growth, Success to the Successful (the
  allocation helps one side and hurts the other), Escalation (each side's
  results push the relative position opposite ways, and it drives them
  opposite ways) and Eroding Goals (the gap is closed by action on one loop
  and by lowering the goal on the other);
* larger combinations (three to five loops) make Growth and Underinvestment,
  Tragedy of the Commons and Accidental Adversaries.

Escalation is also recognised in the form practitioners often draw it: one
reinforcing loop that alternates between two actors (variable ``group``s),
each side's action raising the threat the other feels.

Every match names its loops and the variables playing each role, says why,
and carries a confidence word: ``strong`` when the telltale detail (a delay
where the archetype has one, an outside constraint, a goal) is also there,
``possible`` when only the loop skeleton matches. A more specific match
(e.g. Shifting the Burden) hides the generic one (Fixes that Fail) it
contains. Loop search and comparison are bounded, and the result says when
they stopped early.

The package: :mod:`.records` (names, families, result records and their plain
text), :mod:`.geometry` (how loops run and meet), :mod:`.search` (the state
and bounds the detectors share), :mod:`.pairs` and :mod:`.multi` (the
detectors for two loops and for three to five); this module runs them in
order and is the public API.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from loopkit.analysis.archetypes.judge import trivial
from loopkit.analysis.archetypes.multi import accidental_adversaries, commons
from loopkit.analysis.archetypes.pairs import (
    emit_fixes,
    emit_limits,
    escalation_loops,
    fixes_and_burdens,
    limits,
    pairs_at_one_variable,
)
from loopkit.analysis.archetypes.records import (
    ACCIDENTAL_ADVERSARIES,
    ARCHETYPES,
    ERODING_GOALS,
    ESCALATION,
    FIXES_THAT_FAIL,
    GENERIC,
    GROWTH_AND_UNDERINVESTMENT,
    LIMITS_TO_GROWTH,
    OUT_OF_CONTROL,
    RELATIVE_ACHIEVEMENT,
    RELATIVE_CONTROL,
    SHIFTING_THE_BURDEN,
    SUCCESS_TO_THE_SUCCESSFUL,
    TRAGEDY_OF_THE_COMMONS,
    UNDERACHIEVEMENT,
    ArchetypeReport,
    Match,
    best_reading,
    describe_match,
)
from loopkit.analysis.archetypes.search import _Finder, _Stop
from loopkit.analysis.loops import analyse_loops
from loopkit.limits import DEFAULT_MAX_LENGTH
from loopkit.model import Diagram

__all__ = [
    "ACCIDENTAL_ADVERSARIES",
    "ARCHETYPES",
    "DEFAULT_LOOP_LIMIT",
    "DEFAULT_MATCH_LIMIT",
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_STEP_BUDGET",
    "DEFAULT_TIME_BUDGET",
    "ERODING_GOALS",
    "ESCALATION",
    "FIXES_THAT_FAIL",
    "GENERIC",
    "GROWTH_AND_UNDERINVESTMENT",
    "LIMITS_TO_GROWTH",
    "OUT_OF_CONTROL",
    "RELATIVE_ACHIEVEMENT",
    "RELATIVE_CONTROL",
    "SHIFTING_THE_BURDEN",
    "SUCCESS_TO_THE_SUCCESSFUL",
    "TRAGEDY_OF_THE_COMMONS",
    "UNDERACHIEVEMENT",
    "ArchetypeReport",
    "Match",
    "best_reading",
    "describe_match",
    "find_archetypes",
]

DEFAULT_LOOP_LIMIT = 2_000
#: Wall-clock safety stop, in seconds: only for machines far slower than usual, or
#: hostile input. The step budget bounds the work first.
DEFAULT_TIME_BUDGET = 60.0
DEFAULT_MATCH_LIMIT = 100
#: Work units (loops and links looked at) the comparison may spend; a few seconds
#: on an ordinary laptop for the 108-variable Foresight map, which it does not finish.
DEFAULT_STEP_BUDGET = 1_500_000

#: The comparison's phases in order, and the archetypes each one searches for.
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fixes and burdens", (FIXES_THAT_FAIL, SHIFTING_THE_BURDEN, LIMITS_TO_GROWTH)),
    ("accidental adversaries", (ACCIDENTAL_ADVERSARIES,)),
    ("limits", (LIMITS_TO_GROWTH, GROWTH_AND_UNDERINVESTMENT)),
    ("commons", (TRAGEDY_OF_THE_COMMONS,)),
    ("fixes and limits", (FIXES_THAT_FAIL, LIMITS_TO_GROWTH)),
    ("pairs at one variable", (SUCCESS_TO_THE_SUCCESSFUL, ESCALATION, ERODING_GOALS,
                               SHIFTING_THE_BURDEN, LIMITS_TO_GROWTH)),
    ("escalation loops", (ESCALATION,)),
)


def _run(finder: _Finder, step_budget: int | None) -> None:
    """Run the detectors in order, giving each phase an equal share of the steps left,
    so a dense map cannot spend the whole budget on the first archetypes and never
    look at the rest. A phase cut short keeps what it found."""
    bodies: dict[str, Callable[[], None]] = {
        "fixes and burdens": lambda: fixes_and_burdens(finder),
        "accidental adversaries": lambda: accidental_adversaries(finder),
        "limits": lambda: limits(finder),
        "commons": lambda: commons(finder),
        "fixes and limits": lambda: (emit_fixes(finder, finder.explained()),
                                     emit_limits(finder, finder.explained())),
        "pairs at one variable": lambda: pairs_at_one_variable(finder, finder.explained()),
        "escalation loops": lambda: escalation_loops(finder),
    }
    start = finder.steps
    for i, (name, _) in enumerate(PHASES):
        if step_budget is not None:
            left = max(0, step_budget - (finder.steps - start))
            finder.step_limit = finder.steps + left // (len(PHASES) - i)
        try:
            if finder.safety_stopped:
                raise _Stop("time budget reached")
            bodies[name]()
        except _Stop:
            finder.stopped.append(name)
    finder.step_limit = None


def _hidden(matches: list[Match]) -> list[Match]:
    """Tragedy of the Commons hides Growth and Underinvestment on the same loops."""
    commons = [set(m.loops) for m in matches if m.archetype == TRAGEDY_OF_THE_COMMONS]
    return [m for m in matches if not (m.archetype == GROWTH_AND_UNDERINVESTMENT and any(
        set(m.loops) <= c or len(set(m.loops) & c) >= 2 for c in commons))]


def find_archetypes(
    diagram: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    loop_limit: int | None = DEFAULT_LOOP_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    match_limit: int = DEFAULT_MATCH_LIMIT,
    step_budget: int | None = DEFAULT_STEP_BUDGET,
) -> ArchetypeReport:
    """Every archetype the loops of ``diagram`` form, best scored first.

    Bounded by the loop search (``max_length``, ``loop_limit``), a
    ``step_budget`` of work units shared by the comparison's phases, and
    ``match_limit`` matches per archetype: all deterministic, so the same
    input gives the same output on any machine at any load. ``time_budget``
    is only a safety stop; the report says when it fired.
    """
    started = time.monotonic()
    analysis = analyse_loops(diagram, max_length=max_length, limit=loop_limit,
                             time_budget=time_budget)
    ignored = {lp.id: why for lp in analysis.loops
               if (why := trivial(diagram, lp)) is not None}
    loops = [lp for lp in analysis.loops if lp.id not in ignored]
    deadline = None if time_budget is None else started + time_budget
    finder = _Finder(diagram, loops, deadline, match_limit)
    reasons = []
    if analysis.truncated:
        timed = "time budget" in (analysis.reason or "")
        reasons.append(f"loop search: {analysis.reason}" + (
            " (safety stop: the result may differ between runs)" if timed else ""))
    _run(finder, step_budget)
    not_searched = [a for a in ARCHETYPES
                    if any(a in dict(PHASES)[name] for name in finder.stopped)]
    if finder.safety_stopped:
        reasons.append(f"safety stop: the time budget of {time_budget:g} s ran out while "
                       "comparing loops, so this result may differ between runs (raise "
                       "--time-budget)")
    elif finder.stopped:
        reasons.append(f"step budget of {step_budget:,} reached while comparing loops (cut "
                       "short: " + ", ".join(finder.stopped) + ")")
    if finder.capped:
        reasons.append(f"match limit ({match_limit:,} per archetype) reached for "
                       + ", ".join(a for a in ARCHETYPES if a in finder.capped))
    order = list(ARCHETYPES)
    position = {lp.id: i for i, lp in enumerate(analysis.loops)}
    matches = sorted(_hidden(finder.finished()), key=lambda m: (
        -m.score, m.confidence != "strong", order.index(m.archetype),
        [position[x] for x in m.loops], m.roles))
    timed_loops = analysis.truncated and "time budget" in (analysis.reason or "")
    return ArchetypeReport(diagram, matches, analysis.loops, bool(reasons),
                           "; ".join(reasons) if reasons else None,
                           not_fully_searched=not_searched, steps=finder.steps,
                           step_budget=step_budget,
                           safety_stop=finder.safety_stopped or timed_loops,
                           ignored_loops=ignored)
