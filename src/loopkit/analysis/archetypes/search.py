"""The state one archetype search shares between detectors, and its bounds.

:class:`_Finder` indexes the loops (by id, by variable, the diagram's causes),
keeps the matches (the same roles counted once, a cap per archetype), and
raises :class:`_Stop` when a phase runs out of its share of the *step* budget.

Steps are work units counted by the detectors (roughly one per loop or link
looked at), not seconds, so where a search stops, and so its output, is the
same on every machine at any load. The clock is read only as a safety stop
(``deadline``); when that fires the report says so, because only then can the
output differ between runs. The detectors in :mod:`.pairs` and :mod:`.multi`
are functions of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import combinations

from loopkit.analysis.archetypes.judge import (
    downstream,
    driven_by_stocks,
    is_goal,
    is_parameter,
    score,
)
from loopkit.analysis.archetypes.records import _SPECIFIC, Match
from loopkit.analysis.loops import Loop
from loopkit.model import Diagram, Link, LoopType

#: Fixes that Fail candidates by (balancing loop, problem, fix): each reinforcing
#: loop with the balancing and the reinforcing way back from the fix.
PendingFixes = dict[tuple[str, str, str], list[tuple[Loop, tuple[Link, ...], tuple[Link, ...]]]]


class _Stop(Exception):
    """A bound was reached while comparing loops."""


#: The clock is read once per this many steps (only for the safety stop).
_CLOCK_EVERY = 4096


@dataclass
class _Finder:
    """One search: the loops indexed for the detectors, and the matches kept so far."""

    diagram: Diagram
    loops: list[Loop]
    deadline: float | None
    match_limit: int
    matches: list[Match] = field(default_factory=list)
    steps: int = 0
    #: the step count at which the running phase stops (``None``: no step bound)
    step_limit: int | None = None
    #: the wall-clock safety stop fired (the output may then depend on the machine)
    safety_stopped: bool = False
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], int] = field(default_factory=dict)
    alternatives: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, ...]]] = \
        field(default_factory=dict)
    per_archetype: dict[str, int] = field(default_factory=dict)
    capped: set[str] = field(default_factory=set)
    stopped: list[str] = field(default_factory=list)
    #: pairs found in one phase, reported in a later one once the multi-loop
    #: archetypes that may explain them are known
    pending_fixes: PendingFixes = field(default_factory=dict)
    #: (growth loop, limit loop, where they part, the state that grows, how they meet:
    #: "one" variable, a shared "path", or a stock and its own flow, "accumulation")
    pending_limits: list[tuple[Loop, Loop, str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = {lp.id: lp for lp in self.loops}
        self.vars = {lp.id: frozenset(lp.variables) for lp in self.loops}
        self.through: dict[str, list[Loop]] = {}
        for loop in self.loops:
            for v in loop.variables:
                self.through.setdefault(v, []).append(loop)
        self.causes: dict[str, list[str]] = {}
        for link in self.diagram.links:
            self.causes.setdefault(link.target, []).append(link.source)
        self.order = {lp.id: i for i, lp in enumerate(self.loops)}
        self._goal: dict[str, bool] = {}
        self._reach: dict[frozenset[str], set[str]] = {}
        self.dynamic = driven_by_stocks(self.diagram)

    # -- helpers

    def tick(self, units: int = 1) -> None:
        """Count ``units`` of work; stop the phase at its step limit or the safety stop."""
        before = self.steps
        self.steps += units
        if self.step_limit is not None and self.steps > self.step_limit:
            raise _Stop("step budget reached")
        if self.deadline is not None and (before // _CLOCK_EVERY != self.steps // _CLOCK_EVERY) \
                and time.monotonic() > self.deadline:
            self.safety_stopped = True
            raise _Stop("time budget reached")

    def add(self, match: Match) -> None:
        """Keep a match; the same roles found through other loops count once.

        A match where one variable plays two roles is not kept: it reads one
        thing as two. Each archetype keeps at most ``match_limit`` matches, so
        one archetype that is everywhere in a dense map cannot crowd out the
        others.
        """
        self.tick(40)
        cast = [v for _, v in match.roles]
        if len(set(cast)) != len(cast):
            return
        key = (match.archetype, match.roles)
        if key in self.seen:
            self.alternatives.setdefault(key, []).append(match.loops)
            return
        if self.per_archetype.get(match.archetype, 0) >= self.match_limit:
            self.capped.add(match.archetype)
            return
        self.seen[key] = len(self.matches)
        self.per_archetype[match.archetype] = self.per_archetype.get(match.archetype, 0) + 1
        self.matches.append(replace(match, score=score(
            match.criteria, [self.by_id[x] for x in match.loops])))

    def finished(self) -> list[Match]:
        """The matches, one per finding.

        Matches of one archetype whose leading roles (the two that tell the
        story, e.g. problem and fix) are the same variables are one finding:
        the best scored is kept and the others' loops become its alternatives.
        """
        out = list(self.matches)
        for key, others in self.alternatives.items():
            i = self.seen[key]
            out[i] = replace(out[i], alternatives=(*out[i].alternatives, *others))
        best: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        for i, match in enumerate(out):
            head = (match.archetype, match.roles[:2])
            j = best.get(head)
            if j is None:
                best[head] = i
            elif (match.score, match.confidence == "strong") > \
                    (out[j].score, out[j].confidence == "strong"):
                out[i] = replace(match, alternatives=(*match.alternatives, out[j].loops,
                                                      *out[j].alternatives))
                best[head] = i
            else:
                out[j] = replace(out[j], alternatives=(*out[j].alternatives, match.loops,
                                                       *match.alternatives))
        keep = set(best.values())
        return [m for i, m in enumerate(out) if i in keep]

    def name(self, loop: Loop) -> str:
        return f"{loop.id} ({loop.name})" if loop.name else loop.id

    def label(self, variable: str) -> str:
        return self.diagram.by_id[variable].label

    def q(self, variable: str) -> str:
        """A variable as reasons quote it: its label, in quotes."""
        return f"'{self.label(variable)}'"

    def chain(self, variables: Iterable[str]) -> str:
        return " -> ".join(self.q(v) for v in variables)

    def pairs(self, first: LoopType, second: LoopType) -> Iterator[tuple[Loop, Loop]]:
        """Distinct loops of the given types that share at least one variable."""
        seen: set[tuple[str, str]] = set()
        for loop in self.loops:
            if loop.type is not first:
                continue
            for v in loop.variables:
                self.tick(1 + len(self.through[v]) // 2)
                for other in self.through[v]:
                    if other is loop or other.type is not second:
                        continue
                    key = (loop.id, other.id)
                    if first is second and self.order[other.id] < self.order[loop.id]:
                        continue
                    if key in seen:
                        continue
                    seen.add(key)
                    self.tick()
                    yield loop, other

    def single_shared(self, a: Loop, b: Loop) -> str | None:
        """The one variable two loops share, if they share exactly one and no link."""
        self.tick()
        common = self.vars[a.id] & self.vars[b.id]
        return next(iter(common)) if len(common) == 1 else None

    def is_goal(self, variable: str) -> bool:
        known = self._goal.get(variable)
        if known is None:
            known = self._goal[variable] = is_goal(self.diagram, variable)
        return known

    def outside(self, candidates: Iterable[tuple[str, str]], engines: Iterable[Loop],
                on_loops: frozenset[str]) -> tuple[str, str] | None:
        """The first ``(fed, cause)`` whose cause is outside the loops, undriven by the
        engines and not a model parameter: an outside constraint."""
        reach = None
        for fed, cause in candidates:
            self.tick()
            if cause in on_loops or is_parameter(self.diagram, cause, self.dynamic):
                continue
            if reach is None:
                engine_vars = frozenset(v for lp in engines for v in lp.variables)
                reach = self._reach.get(engine_vars)
                if reach is None:
                    self.tick(len(self.diagram.links))
                    reach = self._reach[engine_vars] = downstream(self.diagram, engine_vars)
            if cause not in reach:
                return fed, cause
        return None

    def delays(self, links: Iterable[Link]) -> str:
        """The delayed links, by label: ``'A' -> 'B', ...`` (empty when none)."""
        return ", ".join(f"{self.q(lk.source)} -> {self.q(lk.target)}"
                         for lk in links if lk.delay)

    def exogenous(self, variable: str) -> tuple[str, ...]:
        """``("exogenous",)`` when nothing in the diagram drives ``variable``."""
        return () if self.causes.get(variable) else ("exogenous",)

    def goal_on(self, loop: Loop) -> str | None:
        """A goal-like variable on the loop itself."""
        return next((v for v in loop.variables if self.is_goal(v)), None)

    def goal_near(self, loop: Loop) -> str | None:
        """A goal-like variable on the loop or feeding it directly."""
        self.tick(loop.length)
        for v in loop.variables:
            if self.is_goal(v):
                return v
        for v in loop.variables:
            for cause in self.causes.get(v, ()):
                if self.is_goal(cause):
                    return cause
        return None

    def explained(self) -> set[frozenset[str]]:
        """Pairs of loops a multi-loop archetype already accounts for."""
        out = set()
        for match in self.matches:
            if match.archetype in _SPECIFIC:
                out.update(frozenset(p) for p in combinations(match.loops, 2))
        return out
