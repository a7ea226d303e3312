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
    describe_match,
)
from loopkit.analysis.archetypes.search import _Finder, _Stop
from loopkit.analysis.loops import analyse_loops
from loopkit.model import Diagram

__all__ = [
    "ACCIDENTAL_ADVERSARIES",
    "ARCHETYPES",
    "DEFAULT_LOOP_LIMIT",
    "DEFAULT_MATCH_LIMIT",
    "DEFAULT_MAX_LENGTH",
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
    "describe_match",
    "find_archetypes",
]

DEFAULT_MAX_LENGTH = 12
DEFAULT_LOOP_LIMIT = 2_000
DEFAULT_TIME_BUDGET = 5.0
DEFAULT_MATCH_LIMIT = 100


def _run(finder: _Finder) -> None:
    """Run the detectors in order, giving each phase an equal share of the time left,
    so a dense map cannot spend the whole budget on the first archetypes and never
    look at the rest."""
    phases: list[tuple[str, Callable[[], None]]] = [
        ("fixes and burdens", lambda: fixes_and_burdens(finder)),
        ("accidental adversaries", lambda: accidental_adversaries(finder)),
        ("limits", lambda: limits(finder)),
        ("commons", lambda: commons(finder)),
        ("fixes and limits", lambda: (emit_fixes(finder, finder.explained()),
                                      emit_limits(finder, finder.explained()))),
        ("pairs at one variable", lambda: pairs_at_one_variable(finder, finder.explained())),
        ("escalation loops", lambda: escalation_loops(finder)),
    ]
    for i, (name, phase) in enumerate(phases):
        if finder.deadline is not None:
            now = time.monotonic()
            finder.phase_deadline = now + max(0.0, finder.deadline - now) / (len(phases) - i)
        try:
            phase()
        except _Stop:
            finder.stopped.append(name)


def find_archetypes(
    diagram: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    loop_limit: int | None = DEFAULT_LOOP_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    match_limit: int = DEFAULT_MATCH_LIMIT,
) -> ArchetypeReport:
    """Every archetype the loops of ``diagram`` form, most specific first within a family.

    Bounded three ways: the loop search (``max_length``, ``loop_limit``), one
    ``time_budget`` shared by the search and the comparison, and
    ``match_limit`` matches per archetype.
    """
    started = time.monotonic()
    analysis = analyse_loops(diagram, max_length=max_length, limit=loop_limit,
                             time_budget=time_budget)
    deadline = None if time_budget is None else started + time_budget
    finder = _Finder(diagram, analysis.loops, deadline, match_limit)
    reasons = [f"loop search: {analysis.reason}"] if analysis.truncated else []
    _run(finder)
    if finder.stopped:
        reasons.append("time budget reached while comparing loops (cut short: "
                       + ", ".join(finder.stopped) + ")")
    if finder.capped:
        reasons.append(f"match limit ({match_limit:,} per archetype) reached for "
                       + ", ".join(a for a in ARCHETYPES if a in finder.capped))
    order = list(ARCHETYPES)
    position = {lp.id: i for i, lp in enumerate(analysis.loops)}
    matches = sorted(finder.finished(), key=lambda m: (
        order.index(m.archetype), m.confidence != "strong",
        [position[x] for x in m.loops]))
    return ArchetypeReport(diagram, matches, analysis.loops, bool(reasons),
                           "; ".join(reasons) if reasons else None)
