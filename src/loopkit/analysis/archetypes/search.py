"""The state one archetype search shares between detectors, and its bounds.

:class:`_Finder` indexes the loops (by id, by variable, the diagram's causes),
keeps the matches (the same roles counted once, a cap per archetype), and
raises :class:`_Stop` when a phase runs out of its share of the time budget.
The detectors in :mod:`.pairs` and :mod:`.multi` are functions of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

from loopkit.analysis.archetypes.records import _SPECIFIC, Match
from loopkit.analysis.lint import GOAL_WORDS
from loopkit.analysis.loops import Loop
from loopkit.model import Diagram, Link, LoopType

#: Fixes that Fail candidates by (balancing loop, problem, fix): each reinforcing
#: loop with the balancing and the reinforcing way back from the fix.
PendingFixes = dict[tuple[str, str, str], list[tuple[Loop, tuple[Link, ...], tuple[Link, ...]]]]


class _Stop(Exception):
    """A bound was reached while comparing loops."""


@dataclass
class _Finder:
    """One search: the loops indexed for the detectors, and the matches kept so far."""

    diagram: Diagram
    loops: list[Loop]
    deadline: float | None
    match_limit: int
    matches: list[Match] = field(default_factory=list)
    steps: int = 0
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], int] = field(default_factory=dict)
    alternatives: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, ...]]] = \
        field(default_factory=dict)
    per_archetype: dict[str, int] = field(default_factory=dict)
    capped: set[str] = field(default_factory=set)
    phase_deadline: float | None = None
    stopped: list[str] = field(default_factory=list)
    #: pairs found in one phase, reported in a later one once the multi-loop
    #: archetypes that may explain them are known
    pending_fixes: PendingFixes = field(default_factory=dict)
    pending_limits: list[tuple[Loop, Loop, str]] = field(default_factory=list)

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

    # -- helpers

    def tick(self) -> None:
        self.steps += 1
        if self.phase_deadline is not None and self.steps % 256 == 0 \
                and time.monotonic() > self.phase_deadline:
            raise _Stop("time budget reached")

    def add(self, match: Match) -> None:
        """Keep a match; the same roles found through other loops count once.

        Each archetype keeps at most ``match_limit`` matches, so one archetype
        that is everywhere in a dense map cannot crowd out the others.
        """
        key = (match.archetype, match.roles)
        if key in self.seen:
            self.alternatives.setdefault(key, []).append(match.loops)
            return
        if self.per_archetype.get(match.archetype, 0) >= self.match_limit:
            self.capped.add(match.archetype)
            return
        self.seen[key] = len(self.matches)
        self.per_archetype[match.archetype] = self.per_archetype.get(match.archetype, 0) + 1
        self.matches.append(match)

    def finished(self) -> list[Match]:
        """The matches, each noting the other loop combinations that play the same roles."""
        out = list(self.matches)
        for key, others in self.alternatives.items():
            i = self.seen[key]
            shown = "; ".join(", ".join(loops) for loops in others[:5])
            more = f" and {len(others) - 5} more" if len(others) > 5 else ""
            note = (f"the same roles are also played through {len(others)} other loop "
                    f"combination{'s' if len(others) != 1 else ''}: {shown}{more}")
            out[i] = Match(out[i].archetype, out[i].confidence, out[i].loops, out[i].roles,
                           (*out[i].reasons, note))
        return out

    def name(self, loop: Loop) -> str:
        return f"{loop.id} ({loop.name})" if loop.name else loop.id

    def chain(self, variables: Iterable[str]) -> str:
        return " -> ".join(variables)

    def pairs(self, first: LoopType, second: LoopType) -> Iterator[tuple[Loop, Loop]]:
        """Distinct loops of the given types that share at least one variable."""
        seen: set[tuple[str, str]] = set()
        for loop in self.loops:
            if loop.type is not first:
                continue
            for v in loop.variables:
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
        common = self.vars[a.id] & self.vars[b.id]
        return next(iter(common)) if len(common) == 1 else None

    def is_goal(self, variable: str) -> bool:
        v = self.diagram.by_id[variable]
        return bool(GOAL_WORDS.search(v.label) or GOAL_WORDS.search(v.id.replace("_", " ")))

    def goal_near(self, loop: Loop) -> str | None:
        """A goal-like variable on the loop or feeding it directly."""
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
