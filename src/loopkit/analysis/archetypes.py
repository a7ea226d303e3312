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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from loopkit.analysis.lint import GOAL_WORDS
from loopkit.analysis.loops import Loop, analyse_loops
from loopkit.model import Diagram, Link, LoopType, Polarity

DEFAULT_MAX_LENGTH = 12
DEFAULT_LOOP_LIMIT = 2_000
DEFAULT_TIME_BUDGET = 5.0
DEFAULT_MATCH_LIMIT = 100

R, B = LoopType.REINFORCING, LoopType.BALANCING

OUT_OF_CONTROL = "out of control"
UNDERACHIEVEMENT = "underachievement"
RELATIVE_ACHIEVEMENT = "relative achievement"
RELATIVE_CONTROL = "relative control"

#: Plain explanation of each generic archetype.
GENERIC = {
    OUT_OF_CONTROL: "an intended balancing loop is undermined by an unintended reinforcing one",
    UNDERACHIEVEMENT: "an intended reinforcing loop is held back by an unintended balancing one",
    RELATIVE_ACHIEVEMENT: "one side's reinforcing success comes at another side's expense",
    RELATIVE_CONTROL: "each side's balancing control provokes the other side",
}

FIXES_THAT_FAIL = "Fixes that Fail"
SHIFTING_THE_BURDEN = "Shifting the Burden"
ACCIDENTAL_ADVERSARIES = "Accidental Adversaries"
LIMITS_TO_GROWTH = "Limits to Growth"
GROWTH_AND_UNDERINVESTMENT = "Growth and Underinvestment"
TRAGEDY_OF_THE_COMMONS = "Tragedy of the Commons"
SUCCESS_TO_THE_SUCCESSFUL = "Success to the Successful"
ESCALATION = "Escalation"
ERODING_GOALS = "Eroding Goals"

#: Every archetype detected, in report order, with its generic family.
ARCHETYPES = {
    FIXES_THAT_FAIL: OUT_OF_CONTROL,
    SHIFTING_THE_BURDEN: OUT_OF_CONTROL,
    ACCIDENTAL_ADVERSARIES: OUT_OF_CONTROL,
    LIMITS_TO_GROWTH: UNDERACHIEVEMENT,
    GROWTH_AND_UNDERINVESTMENT: UNDERACHIEVEMENT,
    TRAGEDY_OF_THE_COMMONS: UNDERACHIEVEMENT,
    SUCCESS_TO_THE_SUCCESSFUL: RELATIVE_ACHIEVEMENT,
    ESCALATION: RELATIVE_CONTROL,
    ERODING_GOALS: RELATIVE_CONTROL,
}

#: Archetypes made of more loops hide the pairwise ones they contain.
_SPECIFIC = (SHIFTING_THE_BURDEN, ACCIDENTAL_ADVERSARIES, GROWTH_AND_UNDERINVESTMENT,
             TRAGEDY_OF_THE_COMMONS)


@dataclass(frozen=True)
class Match:
    """One archetype found: which loops, which variable plays which role, and why."""

    archetype: str
    confidence: str  # "strong" or "possible"
    loops: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]  # (role, variable id), in story order
    reasons: tuple[str, ...]

    @property
    def generic(self) -> str:
        return ARCHETYPES[self.archetype]

    def to_dict(self) -> dict[str, object]:
        return {"archetype": self.archetype, "generic": self.generic,
                "confidence": self.confidence, "loops": list(self.loops),
                "roles": [{"role": r, "variable": v} for r, v in self.roles],
                "reasons": list(self.reasons)}


@dataclass
class ArchetypeReport:
    """All matches for one diagram, and whether any bound stopped the search."""

    diagram: Diagram
    matches: list[Match]
    loops: list[Loop]
    truncated: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.diagram.path, "matches": [m.to_dict() for m in self.matches],
                "loops_compared": len(self.loops), "truncated": self.truncated,
                "reason": self.reason}


class _Stop(Exception):
    """A bound was reached while comparing loops."""


# ------------------------------------------------------------ loop geometry


def _sign_in(loop: Loop, variable: str) -> Polarity:
    return next(lk.polarity for lk in loop.links if lk.target == variable)


def _sign_out(loop: Loop, variable: str) -> Polarity:
    return next(lk.polarity for lk in loop.links if lk.source == variable)


def _after(loop: Loop, variable: str) -> str:
    i = loop.variables.index(variable)
    return loop.variables[(i + 1) % loop.length]


def _arc(loop: Loop, start: str, end: str) -> tuple[Link, ...]:
    """Links along ``loop`` from ``start`` to ``end`` (both on the loop)."""
    i = loop.variables.index(start)
    out = []
    while True:
        link = loop.links[i]
        out.append(link)
        if link.target == end:
            return tuple(out)
        i = (i + 1) % loop.length


def _inner(arc: tuple[Link, ...]) -> list[str]:
    """Variables strictly inside an arc."""
    return [lk.target for lk in arc[:-1]]


def _has_delay(links: Iterable[Link]) -> bool:
    return any(lk.delay for lk in links)


def _delayed(links: Iterable[Link]) -> list[str]:
    return [f"{lk.source} -> {lk.target}" for lk in links if lk.delay]


def _shared_segment(a: Loop, b: Loop) -> tuple[str, str, tuple[Link, ...]] | None:
    """``(start, end, links)`` when ``a`` and ``b`` share exactly one path and nothing else."""
    b_keys = {lk.key for lk in b.links}
    flags = [lk.key in b_keys for lk in a.links]
    if not any(flags) or all(flags):
        return None
    starts = [i for i in range(a.length) if flags[i] and not flags[i - 1]]
    if len(starts) != 1:
        return None
    i = starts[0]
    links = []
    while flags[i % a.length]:
        links.append(a.links[i % a.length])
        i += 1
    segment_vars = {links[0].source, *(lk.target for lk in links)}
    if set(a.variables) & set(b.variables) != segment_vars:
        return None
    return links[0].source, links[-1].target, tuple(links)


# ------------------------------------------------------------ the detector


@dataclass
class _Finder:
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

    def label(self, variable: str) -> str:
        return self.diagram.label(variable)

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

    # -- out of control

    def fixes_and_burdens(self) -> None:
        groups: dict[tuple[str, str, str], list[tuple[Loop, tuple[Link, ...],
                                                    tuple[Link, ...]]]] = {}
        burden_pairs: set[tuple[str, str]] = set()
        for b_loop, r_loop in self.pairs(B, R):
            segment = _shared_segment(b_loop, r_loop)
            if segment is None:
                continue
            problem, fix, _ = segment
            b_back, r_back = _arc(b_loop, fix, problem), _arc(r_loop, fix, problem)
            fundamental = self.fundamental_loop(b_loop, r_loop, problem, r_back)
            if fundamental is not None:
                burden_pairs.add((b_loop.id, r_loop.id))
                self.shifting_the_burden(b_loop, fundamental, r_loop, problem, fix, r_back)
                continue
            groups.setdefault((b_loop.id, problem, fix), []).append((r_loop, b_back, r_back))
        self._pending_fixes = groups

    def fundamental_loop(self, b_loop: Loop, r_loop: Loop, problem: str,
                         r_back: tuple[Link, ...]) -> Loop | None:
        """A second balancing loop through the symptom that the reinforcing side passes."""
        inner = set(_inner(r_back))
        for other in self.through[problem]:
            self.tick()
            if other.type is not B or other is b_loop:
                continue
            if self.vars[other.id] & self.vars[b_loop.id] != {problem}:
                continue
            if inner & self.vars[other.id]:
                return other
        return None

    def shifting_the_burden(self, quick: Loop, fundamental: Loop, addiction: Loop,
                            symptom: str, fix: str, r_back: tuple[Link, ...]) -> None:
        solution = next(v for v in _inner(r_back) if v in self.vars[fundamental.id])
        side = [v for v in _inner(r_back) if v not in self.vars[fundamental.id]]
        quick_delay = _has_delay(_arc(quick, fix, symptom))
        fundamental_delay = _has_delay(fundamental.links)
        reasons = [
            f"{self.name(quick)} and {self.name(fundamental)} both balance '{symptom}': "
            f"the quick fix '{fix}' and the fundamental solution '{solution}'",
            f"{self.name(addiction)} is reinforcing: '{fix}' weakens '{solution}' (through "
            f"{self.chain([fix, *side, solution])}), so relying on the quick fix erodes "
            "the fundamental solution",
        ]
        strong = fundamental_delay and not quick_delay
        if strong:
            reasons.append(f"the fundamental loop has a delay "
                           f"({', '.join(_delayed(fundamental.links))}) and the quick fix "
                           "has none: the quick fix wins the race")
        else:
            reasons.append("no delay marks the fundamental solution as the slower one, "
                           "which the archetype turns on")
        roles = [("problem symptom", symptom), ("symptomatic solution", fix),
                 ("fundamental solution", solution)]
        if side:
            roles.append(("side effect", side[0]))
        self.add(Match(SHIFTING_THE_BURDEN, "strong" if strong else "possible",
                       (quick.id, fundamental.id, addiction.id), tuple(roles), tuple(reasons)))

    def emit_fixes(self, explained: set[frozenset[str]]) -> None:
        for (b_id, problem, fix), items in self._pending_fixes.items():
            items = [it for it in items if frozenset((b_id, it[0].id)) not in explained]
            if not items:
                continue
            b_loop = self.by_id[b_id]
            b_back = items[0][1]
            unintended = [r for r, _, _ in items]
            strong = [r for r, _, r_back in items
                      if _has_delay(r_back) and not _has_delay(b_back)]
            names = ", ".join(self.name(r) for r in unintended)
            reasons = [
                f"{self.name(b_loop)} and {names} share the path "
                f"{self.chain(self.shared_path(b_loop, problem, fix))} and part at '{fix}'",
                f"{self.name(b_loop)} comes back to '{problem}' through "
                f"{self.chain([v.target for v in b_back][:-1]) or 'a direct link'} and balances "
                f"it (the intended fix)",
            ]
            for r_loop, _, r_back in items:
                through = self.chain(_inner(r_back)) or "a direct link"
                delays = _delayed(r_back)
                note = f"; delayed at {', '.join(delays)}" if delays else ""
                reasons.append(f"{self.name(r_loop)} comes back to '{problem}' through "
                               f"{through} and reinforces it (the unintended "
                               f"consequence{note})")
            if strong:
                reasons.append("the fix works first and backfires later: the reinforcing way "
                               "back is delayed, the balancing one is not")
            elif _has_delay(b_back):
                reasons.append("but the balancing way back is delayed too, so the fix is not "
                               "clearly the quicker effect")
            else:
                reasons.append("no delay is marked on the way back, which the archetype "
                               "usually has on the unintended side")
            first_back = next((back for r, _, back in items if strong and r is strong[0]),
                              items[0][2])
            roles = (("problem symptom", problem), ("fix", fix),
                     ("unintended consequence", _inner(first_back)[0] if _inner(first_back)
                      else problem))
            self.add(Match(FIXES_THAT_FAIL, "strong" if strong else "possible",
                           (b_id, *(r.id for r in unintended)), roles, tuple(reasons)))

    def shared_path(self, loop: Loop, start: str, end: str) -> list[str]:
        return [start, *(lk.target for lk in _arc(loop, start, end))]

    def accidental_adversaries(self) -> None:
        for partnership in self.loops:
            if partnership.type is not R:
                continue
            locals_: dict[str, list[Loop]] = {}
            for v in partnership.variables:
                for other in self.through[v]:
                    self.tick()
                    if other.type is R and other is not partnership and \
                            self.vars[other.id] & self.vars[partnership.id] == {v}:
                        locals_.setdefault(v, []).append(other)
            for sa, sb in combinations(list(locals_), 2):
                for la in locals_[sa]:
                    for lb in locals_[sb]:
                        self.tick()
                        if self.vars[la.id] & self.vars[lb.id]:
                            continue
                        ha = self.harm_loop(la, sa, partnership)
                        hb = self.harm_loop(lb, sb, partnership)
                        if ha is None and hb is None:
                            continue
                        self.emit_adversaries(partnership, sa, sb, la, lb, ha, hb)

    def harm_loop(self, local: Loop, success: str,
                  partnership: Loop) -> tuple[Loop, str, str] | None:
        """``(loop, fix, harmed)``: a balancing loop where a side's own fix hurts the partner."""
        own = self.vars[local.id] - {success}
        for v in local.variables:
            if v not in own:
                continue
            for other in self.through[v]:
                self.tick()
                if other.type is not B:
                    continue
                harmed = _after(other, v)
                if harmed in self.vars[partnership.id] and harmed != success:
                    return other, v, harmed
        return None

    def emit_adversaries(self, partnership: Loop, sa: str, sb: str, la: Loop, lb: Loop,
                         ha: tuple[Loop, str, str] | None,
                         hb: tuple[Loop, str, str] | None) -> None:
        fa = ha[1] if ha else _after(la, sa)
        fb = hb[1] if hb else _after(lb, sb)
        reasons = [
            f"{self.name(partnership)} is the partnership: '{sa}' and '{sb}' lift each other",
            f"each side also has its own reinforcing fix: {self.name(la)} through '{fa}' "
            f"and {self.name(lb)} through '{fb}'",
        ]
        loops = [partnership.id, la.id, lb.id]
        for harm, side in ((ha, sa), (hb, sb)):
            if harm:
                loop, fix, harmed = harm
                loops.append(loop.id)
                reasons.append(f"{self.name(loop)} is balancing: '{fix}', meant to help "
                               f"'{side}', lowers '{harmed}' on the other side and so weakens "
                               "the partnership")
        if ha and hb:
            spiral = next((lp for lp in self.through[fa] if lp.type is R
                           and fb in self.vars[lp.id] and lp.id not in loops), None)
            if spiral is not None:
                loops.append(spiral.id)
                reasons.append(f"{self.name(spiral)} is reinforcing: each side's fix undercuts "
                               "the other, whose fix undercuts it back; the partners become "
                               "adversaries")
        else:
            reasons.append("only one side's fix is shown hurting the other")
        self.add(Match(ACCIDENTAL_ADVERSARIES, "strong" if ha and hb else "possible",
                       tuple(loops), (("A's success", sa), ("B's success", sb),
                                      ("A's own fix", fa), ("B's own fix", fb)),
                       tuple(reasons)))

    # -- underachievement

    def limits(self) -> None:
        pending = []
        for r_loop, b_loop in self.pairs(R, B):
            shared = self.single_shared(r_loop, b_loop)
            if shared is None:
                continue
            pending.append((r_loop, b_loop, shared))
            candidates = {lp.id: lp for v in b_loop.variables if v != shared
                          for lp in self.through[v]}
            for investment in candidates.values():
                self.tick()
                if investment.type is not B or investment is b_loop or \
                        self.vars[investment.id] & self.vars[r_loop.id]:
                    continue
                self.underinvestment(r_loop, b_loop, investment, shared)
        self._pending_limits = pending

    def underinvestment(self, r_loop: Loop, b_loop: Loop, investment: Loop,
                        state: str) -> None:
        performance = next(v for v in investment.variables if v in self.vars[b_loop.id])
        goal = self.goal_near(investment)
        delayed = _delayed(investment.links)
        reasons = [
            f"{self.name(r_loop)} is the growth engine and {self.name(b_loop)} limits it "
            f"through '{performance}' (they meet at '{state}')",
            f"{self.name(investment)} is a second balancing loop through '{performance}': "
            "investment that would lift the limit",
        ]
        reasons.append(f"its investment acts with a delay ({', '.join(delayed)})" if delayed
                       else "no delay is marked on the investment, which usually lags")
        reasons.append(f"'{goal}' sets the standard the investment answers to" if goal
                       else "no standard or goal is shown for the investment decision")
        strong = bool(delayed) and goal is not None
        feeding = next(lk.source for lk in investment.links if lk.target == performance)
        roles = [("demand", state), ("performance", performance),
                 ("perceived need to invest", _after(investment, performance)),
                 ("capacity", feeding)]
        if goal:
            roles.append(("performance standard", goal))
        self.add(Match(GROWTH_AND_UNDERINVESTMENT, "strong" if strong else "possible",
                       (r_loop.id, b_loop.id, investment.id), tuple(roles), tuple(reasons)))

    def emit_limits(self, explained: set[frozenset[str]]) -> None:
        groups: dict[tuple[str, str], list[Loop]] = {}
        for r_loop, b_loop, state in self._pending_limits:
            if frozenset((r_loop.id, b_loop.id)) not in explained:
                groups.setdefault((b_loop.id, state), []).append(r_loop)
        for (b_id, state), engines in groups.items():
            b_loop = self.by_id[b_id]
            engine_vars = frozenset().union(*(self.vars[r.id] for r in engines))
            limit_only = [v for v in b_loop.variables if v != state]
            constraint = next(((v, c) for v in limit_only for c in self.causes.get(v, ())
                               if c not in engine_vars and c not in self.vars[b_id]), None)
            names = ", ".join(self.name(r) for r in engines)
            reasons = [
                f"{names} (reinforcing) and {self.name(b_loop)} (balancing) meet only at "
                f"'{state}': growth in '{state}' also drives {self.chain(limit_only)}, "
                "which holds it back",
            ]
            if constraint:
                reasons.append(f"'{constraint[1]}' from outside the loops feeds "
                               f"'{constraint[0]}': the limiting condition")
            else:
                reasons.append("no outside limiting condition feeds the balancing loop, so "
                               "it may be an ordinary control rather than a limit")
            delays = _delayed(b_loop.links)
            if delays:
                reasons.append(f"the limit acts with a delay ({', '.join(delays)})")
            roles = [("performance", state), ("growing action", _after(engines[0], state)),
                     ("slowing action", _after(b_loop, state))]
            if constraint:
                roles.append(("limiting condition", constraint[1]))
            self.add(Match(LIMITS_TO_GROWTH, "strong" if constraint else "possible",
                           (*(r.id for r in engines), b_id), tuple(roles), tuple(reasons)))

    def commons(self) -> None:
        for ba, bb in self.pairs(B, B):
            commons = self.vars[ba.id] & self.vars[bb.id]
            ras = [r for v in ba.variables for r in self.through[v]
                   if r.type is R and not self.vars[r.id] & self.vars[bb.id]
                   and not self.vars[r.id] & commons]
            rbs = [r for v in bb.variables for r in self.through[v]
                   if r.type is R and not self.vars[r.id] & self.vars[ba.id]
                   and not self.vars[r.id] & commons]
            pair = next(((ra, rb) for ra in dict.fromkeys(ras) for rb in dict.fromkeys(rbs)
                         if not self.vars[ra.id] & self.vars[rb.id]), None)
            if pair is not None:
                self.emit_commons(*pair, ba, bb, commons)

    def emit_commons(self, ra: Loop, rb: Loop, ba: Loop, bb: Loop,
                     commons: frozenset[str]) -> None:
        act_a = next(v for v in ra.variables if v in self.vars[ba.id])
        act_b = next(v for v in rb.variables if v in self.vars[bb.id])
        shared = [v for v in ba.variables if v in commons]
        delays = list(dict.fromkeys(_delayed([*ba.links, *bb.links])))
        reasons = [
            f"{self.name(ra)} and {self.name(rb)} are two separate reinforcing loops: each "
            f"side's activity ('{act_a}', '{act_b}') pays off and grows",
            f"{self.name(ba)} and {self.name(bb)} are balancing loops that both run through "
            f"{', '.join(repr(v) for v in shared)}: the shared resource each side draws on",
            "each side's growth lowers the return for both, which neither sees alone",
        ]
        if delays:
            reasons.append(f"the shared limit acts with a delay ({', '.join(delays)})")
        on_loops = self.vars[ra.id] | self.vars[rb.id] | self.vars[ba.id] | self.vars[bb.id]
        limit = next(((v, c) for v in shared for c in self.causes.get(v, ())
                      if c not in on_loops), None)
        if limit:
            reasons.append(f"'{limit[1]}' from outside the loops sets the resource limit "
                           f"(it feeds '{limit[0]}')")
        else:
            reasons.append("no outside resource limit feeds the shared part")
        roles = [("A's activity", act_a), ("B's activity", act_b),
                 ("common resource", shared[0])]
        if limit:
            roles.append(("resource limit", limit[1]))
        self.add(Match(TRAGEDY_OF_THE_COMMONS, "strong" if limit else "possible",
                       (ra.id, rb.id, ba.id, bb.id), tuple(roles), tuple(reasons)))

    # -- relative achievement / relative control

    def pairs_at_one_variable(self, explained: set[frozenset[str]]) -> None:
        for kind in (R, B):
            for a, b in self.pairs(kind, kind):
                if frozenset((a.id, b.id)) in explained:
                    continue
                shared = self.single_shared(a, b)
                if shared is None:
                    continue
                opposite_in = _sign_in(a, shared) is not _sign_in(b, shared)
                opposite_out = _sign_out(a, shared) is not _sign_out(b, shared)
                if Polarity.UNKNOWN in (_sign_in(a, shared), _sign_in(b, shared),
                                        _sign_out(a, shared), _sign_out(b, shared)):
                    continue
                if kind is R:
                    if opposite_in or opposite_out:
                        self.success(a, b, shared, opposite_in and opposite_out)
                elif opposite_in and opposite_out:
                    self.escalation_pair(a, b, shared)
                elif opposite_in:
                    self.eroding(a, b, shared)
                elif not opposite_out:
                    self.burden_without_addiction(a, b, shared)

    def success(self, a: Loop, b: Loop, allocation: str, both: bool) -> None:
        winner, loser = (a, b) if _sign_out(a, allocation) is Polarity.POSITIVE else (b, a)
        reasons = [
            f"{self.name(a)} and {self.name(b)} are reinforcing loops that meet only at "
            f"'{allocation}'",
            f"'{allocation}' feeds {self.name(winner)} through '{_after(winner, allocation)}' "
            f"({_sign_out(winner, allocation).symbol}) and {self.name(loser)} through "
            f"'{_after(loser, allocation)}' ({_sign_out(loser, allocation).symbol})",
        ]
        reasons.append("and each side's success pushes it opposite ways: whoever gets ahead "
                       "gets more, the other gets less" if both else
                       "but both loops push it the same way, so the competition for it is "
                       "only half shown")
        self.add(Match(SUCCESS_TO_THE_SUCCESSFUL, "strong" if both else "possible",
                       (winner.id, loser.id),
                       (("allocation", allocation),
                        ("resources to A", _after(winner, allocation)),
                        ("resources to B", _after(loser, allocation))), tuple(reasons)))

    def escalation_pair(self, a: Loop, b: Loop, position: str) -> None:
        reasons = [
            f"{self.name(a)} and {self.name(b)} are balancing loops that meet only at "
            f"'{position}'",
            f"one side's results raise '{position}' and the other's lower it, and it drives "
            "the two sides' activity in opposite directions: each side acts to restore its "
            "position against the other",
            "together the two balancing loops make a reinforcing figure of eight: both sides "
            "keep raising their activity",
        ]
        self.add(Match(ESCALATION, "strong", (a.id, b.id),
                       (("relative position", position), ("A's activity", _after(a, position)),
                        ("B's activity", _after(b, position))), tuple(reasons)))

    def escalation_loops(self) -> None:
        taken = {x for m in self.matches if m.archetype in _SPECIFIC for x in m.loops}
        for loop in self.loops:
            self.tick()
            if loop.type is not R or loop.length < 4 or loop.id in taken or \
                    any(lk.polarity is not Polarity.POSITIVE for lk in loop.links):
                continue
            groups = [self.diagram.by_id[v].group for v in loop.variables]
            if None in groups or len(set(groups)) != 2:
                continue
            changes = sum(1 for i in range(loop.length) if groups[i] != groups[i - 1])
            if changes != 2:
                continue
            runs: dict[str, list[str]] = {}
            start = next(i for i in range(loop.length) if groups[i] != groups[i - 1])
            for k in range(loop.length):
                i = (start + k) % loop.length
                runs.setdefault(str(groups[i]), []).append(loop.variables[i])
            if any(len(run) < 2 for run in runs.values()):
                continue
            (side_a, run_a), (side_b, run_b) = runs.items()
            reasons = [
                f"{self.name(loop)} is reinforcing and alternates between two sides: "
                f"'{side_a}' ({self.chain(run_a)}) and '{side_b}' ({self.chain(run_b)})",
                f"what '{side_a}' does raises what '{side_b}' does, and back again: each "
                "side's move to restore its own position is the other side's threat",
            ]
            roles = (("A's activity", run_a[-1]), ("threat felt by B", run_b[0]),
                     ("B's activity", run_b[-1]), ("threat felt by A", run_a[0]))
            self.add(Match(ESCALATION, "strong", (loop.id,),
                           roles, tuple(reasons)))

    def eroding(self, a: Loop, b: Loop, gap: str) -> None:
        corrective, lowering = (a, b) if _sign_in(a, gap) is Polarity.NEGATIVE else (b, a)
        goal = self.goal_near(lowering)
        condition = next(lk.source for lk in corrective.links if lk.target == gap)
        goal_var = next(lk.source for lk in lowering.links if lk.target == gap)
        reasons = [
            f"{self.name(corrective)} and {self.name(lowering)} are balancing loops that "
            f"meet only at '{gap}'",
            f"{self.name(corrective)} closes '{gap}' by changing '{condition}' (corrective "
            f"action); {self.name(lowering)} closes it by moving '{goal_var}' (lowering the "
            "goal)",
        ]
        if _has_delay(corrective.links) and not _has_delay(lowering.links):
            reasons.append(f"corrective action is delayed "
                           f"({', '.join(_delayed(corrective.links))}) and lowering the goal "
                           "is not, so the goal drifts first")
        reasons.append(f"'{goal}' is goal-like" if goal else
                       "no variable on the goal side reads like a goal or standard")
        self.add(Match(ERODING_GOALS, "strong" if goal else "possible",
                       (corrective.id, lowering.id),
                       (("gap", gap), ("condition", condition), ("goal", goal_var),
                        ("corrective action", _after(corrective, gap))), tuple(reasons)))

    def burden_without_addiction(self, a: Loop, b: Loop, symptom: str) -> None:
        da, db = _has_delay(a.links), _has_delay(b.links)
        if da == db:
            return
        quick, slow = (b, a) if da else (a, b)
        reasons = [
            f"{self.name(quick)} and {self.name(slow)} are balancing loops that both act on "
            f"'{symptom}' the same way",
            f"{self.name(quick)} has no delay; {self.name(slow)} is delayed "
            f"({', '.join(_delayed(slow.links))}): a quick symptomatic solution beside a "
            "slow fundamental one",
            "no link shows the quick solution weakening the fundamental one (the reinforcing "
            "side of the archetype)",
        ]
        self.add(Match(SHIFTING_THE_BURDEN, "possible", (quick.id, slow.id),
                       (("problem symptom", symptom),
                        ("symptomatic solution", _after(quick, symptom)),
                        ("fundamental solution", _after(slow, symptom))), tuple(reasons)))

    # -- all together

    def run(self) -> None:
        """Each phase gets an equal share of the time left, so a dense map cannot
        spend the whole budget on the first archetypes and never look at the rest."""
        self._pending_fixes: dict[Any, Any] = {}
        self._pending_limits: list[tuple[Loop, Loop, str]] = []
        phases: list[tuple[str, Callable[[], None]]] = [
            ("fixes and burdens", self.fixes_and_burdens),
            ("accidental adversaries", self.accidental_adversaries),
            ("limits", self.limits),
            ("commons", self.commons),
            ("fixes and limits", lambda: (self.emit_fixes(self.explained()),
                                          self.emit_limits(self.explained()))),
            ("pairs at one variable", lambda: self.pairs_at_one_variable(self.explained())),
            ("escalation loops", self.escalation_loops),
        ]
        for i, (name, phase) in enumerate(phases):
            if self.deadline is not None:
                now = time.monotonic()
                self.phase_deadline = now + max(0.0, self.deadline - now) / (len(phases) - i)
            try:
                phase()
            except _Stop:
                self.stopped.append(name)

    def explained(self) -> set[frozenset[str]]:
        """Pairs of loops a multi-loop archetype already accounts for."""
        out = set()
        for match in self.matches:
            if match.archetype in _SPECIFIC:
                out.update(frozenset(p) for p in combinations(match.loops, 2))
        return out


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
    finder.run()
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


def describe_match(match: Match, labels: dict[str, str] | None = None) -> list[str]:
    """A match as plain lines: the name and confidence, the loops, the roles, the reasons."""
    labels = labels or {}
    lines = [f"{match.archetype} ({match.confidence}) - {match.generic}: "
             f"{GENERIC[match.generic]}",
             f"  loops: {', '.join(match.loops)}"]
    for role, variable in match.roles:
        label = labels.get(variable)
        shown = f"{variable} ({label})" if label and label != variable else variable
        lines.append(f"  {role}: {shown}")
    lines += [f"  - {reason}" for reason in match.reasons]
    return lines
