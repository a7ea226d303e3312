"""Archetypes a pair of loops makes (Wolstenholme's intended / unintended pairs).

How the two loops meet tells them apart: a shared path that parts and rejoins
(Fixes that Fail; Shifting the Burden when a second, fundamental balancing
loop is passed on the way back), or exactly one shared variable whose signs
in and out separate Limits to Growth, Success to the Successful, Escalation
and Eroding Goals. Escalation's one-loop form (a reinforcing loop that
alternates between two groups) is here too.
"""

from __future__ import annotations

from loopkit.analysis.archetypes.geometry import (
    B,
    R,
    _after,
    _arc,
    _before,
    _delayed,
    _has_delay,
    _inner,
    _path,
    _shared_segment,
    _sign_in,
    _sign_out,
)
from loopkit.analysis.archetypes.multi import underinvestment
from loopkit.analysis.archetypes.records import (
    _SPECIFIC,
    ERODING_GOALS,
    ESCALATION,
    FIXES_THAT_FAIL,
    LIMITS_TO_GROWTH,
    SHIFTING_THE_BURDEN,
    SUCCESS_TO_THE_SUCCESSFUL,
    Match,
)
from loopkit.analysis.archetypes.search import PendingFixes, _Finder
from loopkit.analysis.loops import Loop
from loopkit.model import Link, Polarity

# ------------------------------------------------------------ out of control


def fixes_and_burdens(finder: _Finder) -> None:
    groups: PendingFixes = {}
    for b_loop, r_loop in finder.pairs(B, R):
        segment = _shared_segment(b_loop, r_loop)
        if segment is None:
            continue
        problem, fix, _ = segment
        b_back, r_back = _arc(b_loop, fix, problem), _arc(r_loop, fix, problem)
        fundamental = fundamental_loop(finder, b_loop, r_loop, problem, r_back)
        if fundamental is not None:
            shifting_the_burden(finder, b_loop, fundamental, r_loop, problem, fix, r_back)
            continue
        groups.setdefault((b_loop.id, problem, fix), []).append((r_loop, b_back, r_back))
    finder.pending_fixes = groups


def fundamental_loop(finder: _Finder, b_loop: Loop, r_loop: Loop, problem: str,
                     r_back: tuple[Link, ...]) -> Loop | None:
    """A second balancing loop through the symptom that the reinforcing side passes."""
    inner = set(_inner(r_back))
    for other in finder.through[problem]:
        finder.tick()
        if other.type is not B or other is b_loop:
            continue
        if finder.vars[other.id] & finder.vars[b_loop.id] != {problem}:
            continue
        if inner & finder.vars[other.id]:
            return other
    return None


def shifting_the_burden(finder: _Finder, quick: Loop, fundamental: Loop, addiction: Loop,
                        symptom: str, fix: str, r_back: tuple[Link, ...]) -> None:
    solution = next(v for v in _inner(r_back) if v in finder.vars[fundamental.id])
    side = [v for v in _inner(r_back) if v not in finder.vars[fundamental.id]]
    quick_delay = _has_delay(_arc(quick, fix, symptom))
    fundamental_delay = _has_delay(fundamental.links)
    reasons = [
        f"{finder.name(quick)} and {finder.name(fundamental)} both balance '{symptom}': "
        f"the quick fix '{fix}' and the fundamental solution '{solution}'",
        f"{finder.name(addiction)} is reinforcing: '{fix}' weakens '{solution}' (through "
        f"{finder.chain([fix, *side, solution])}), so relying on the quick fix erodes "
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
    finder.add(Match(SHIFTING_THE_BURDEN, "strong" if strong else "possible",
                     (quick.id, fundamental.id, addiction.id), tuple(roles), tuple(reasons)))


def emit_fixes(finder: _Finder, explained: set[frozenset[str]]) -> None:
    for (b_id, problem, fix), items in finder.pending_fixes.items():
        items = [it for it in items if frozenset((b_id, it[0].id)) not in explained]
        if not items:
            continue
        b_loop = finder.by_id[b_id]
        b_back = items[0][1]
        unintended = [r for r, _, _ in items]
        strong = [r for r, _, r_back in items
                  if _has_delay(r_back) and not _has_delay(b_back)]
        names = ", ".join(finder.name(r) for r in unintended)
        reasons = [
            f"{finder.name(b_loop)} and {names} share the path "
            f"{finder.chain(_path(b_loop, problem, fix))} and part at '{fix}'",
            f"{finder.name(b_loop)} comes back to '{problem}' through "
            f"{finder.chain([v.target for v in b_back][:-1]) or 'a direct link'} and balances "
            f"it (the intended fix)",
        ]
        for r_loop, _, r_back in items:
            through = finder.chain(_inner(r_back)) or "a direct link"
            delays = _delayed(r_back)
            note = f"; delayed at {', '.join(delays)}" if delays else ""
            reasons.append(f"{finder.name(r_loop)} comes back to '{problem}' through "
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
        finder.add(Match(FIXES_THAT_FAIL, "strong" if strong else "possible",
                         (b_id, *(r.id for r in unintended)), roles, tuple(reasons)))


# ------------------------------------------------------------ underachievement


def limits(finder: _Finder) -> None:
    pending = []
    for r_loop, b_loop in finder.pairs(R, B):
        shared = finder.single_shared(r_loop, b_loop)
        if shared is None:
            continue
        pending.append((r_loop, b_loop, shared))
        candidates = {lp.id: lp for v in b_loop.variables if v != shared
                      for lp in finder.through[v]}
        for investment in candidates.values():
            finder.tick()
            if investment.type is not B or investment is b_loop or \
                    finder.vars[investment.id] & finder.vars[r_loop.id]:
                continue
            underinvestment(finder, r_loop, b_loop, investment, shared)
    finder.pending_limits = pending


def emit_limits(finder: _Finder, explained: set[frozenset[str]]) -> None:
    groups: dict[tuple[str, str], list[Loop]] = {}
    for r_loop, b_loop, state in finder.pending_limits:
        if frozenset((r_loop.id, b_loop.id)) not in explained:
            groups.setdefault((b_loop.id, state), []).append(r_loop)
    for (b_id, state), engines in groups.items():
        b_loop = finder.by_id[b_id]
        engine_vars = frozenset().union(*(finder.vars[r.id] for r in engines))
        limit_only = [v for v in b_loop.variables if v != state]
        constraint = next(((v, c) for v in limit_only for c in finder.causes.get(v, ())
                           if c not in engine_vars and c not in finder.vars[b_id]), None)
        names = ", ".join(finder.name(r) for r in engines)
        reasons = [
            f"{names} (reinforcing) and {finder.name(b_loop)} (balancing) meet only at "
            f"'{state}': growth in '{state}' also drives {finder.chain(limit_only)}, "
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
        finder.add(Match(LIMITS_TO_GROWTH, "strong" if constraint else "possible",
                         (*(r.id for r in engines), b_id), tuple(roles), tuple(reasons)))


# ------------------------------------------------ relative achievement / control


def pairs_at_one_variable(finder: _Finder, explained: set[frozenset[str]]) -> None:
    for kind in (R, B):
        for a, b in finder.pairs(kind, kind):
            if frozenset((a.id, b.id)) in explained:
                continue
            shared = finder.single_shared(a, b)
            if shared is None:
                continue
            ins = _sign_in(a, shared), _sign_in(b, shared)
            outs = _sign_out(a, shared), _sign_out(b, shared)
            if Polarity.UNKNOWN in (*ins, *outs):
                continue
            opposite_in, opposite_out = ins[0] is not ins[1], outs[0] is not outs[1]
            if kind is R:
                if opposite_in or opposite_out:
                    success(finder, a, b, shared, opposite_in and opposite_out)
            elif opposite_in and opposite_out:
                escalation_pair(finder, a, b, shared)
            elif opposite_in:
                eroding(finder, a, b, shared)
            elif not opposite_out:
                burden_without_addiction(finder, a, b, shared)


def success(finder: _Finder, a: Loop, b: Loop, allocation: str, both: bool) -> None:
    winner, loser = (a, b) if _sign_out(a, allocation) is Polarity.POSITIVE else (b, a)
    reasons = [
        f"{finder.name(a)} and {finder.name(b)} are reinforcing loops that meet only at "
        f"'{allocation}'",
        f"'{allocation}' feeds {finder.name(winner)} through '{_after(winner, allocation)}' "
        f"({_sign_out(winner, allocation).symbol}) and {finder.name(loser)} through "
        f"'{_after(loser, allocation)}' ({_sign_out(loser, allocation).symbol})",
    ]
    reasons.append("and each side's success pushes it opposite ways: whoever gets ahead "
                   "gets more, the other gets less" if both else
                   "but both loops push it the same way, so the competition for it is "
                   "only half shown")
    finder.add(Match(SUCCESS_TO_THE_SUCCESSFUL, "strong" if both else "possible",
                     (winner.id, loser.id),
                     (("allocation", allocation),
                      ("resources to A", _after(winner, allocation)),
                      ("resources to B", _after(loser, allocation))), tuple(reasons)))


def escalation_pair(finder: _Finder, a: Loop, b: Loop, position: str) -> None:
    reasons = [
        f"{finder.name(a)} and {finder.name(b)} are balancing loops that meet only at "
        f"'{position}'",
        f"one side's results raise '{position}' and the other's lower it, and it drives "
        "the two sides' activity in opposite directions: each side acts to restore its "
        "position against the other",
        "together the two balancing loops make a reinforcing figure of eight: both sides "
        "keep raising their activity",
    ]
    finder.add(Match(ESCALATION, "strong", (a.id, b.id),
                     (("relative position", position), ("A's activity", _after(a, position)),
                      ("B's activity", _after(b, position))), tuple(reasons)))


def escalation_loops(finder: _Finder) -> None:
    taken = {x for m in finder.matches if m.archetype in _SPECIFIC for x in m.loops}
    for loop in finder.loops:
        finder.tick()
        if loop.type is not R or loop.length < 4 or loop.id in taken or \
                any(lk.polarity is not Polarity.POSITIVE for lk in loop.links):
            continue
        groups = [finder.diagram.by_id[v].group for v in loop.variables]
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
            f"{finder.name(loop)} is reinforcing and alternates between two sides: "
            f"'{side_a}' ({finder.chain(run_a)}) and '{side_b}' ({finder.chain(run_b)})",
            f"what '{side_a}' does raises what '{side_b}' does, and back again: each "
            "side's move to restore its own position is the other side's threat",
        ]
        roles = (("A's activity", run_a[-1]), ("threat felt by B", run_b[0]),
                 ("B's activity", run_b[-1]), ("threat felt by A", run_a[0]))
        finder.add(Match(ESCALATION, "strong", (loop.id,),
                         roles, tuple(reasons)))


def eroding(finder: _Finder, a: Loop, b: Loop, gap: str) -> None:
    corrective, lowering = (a, b) if _sign_in(a, gap) is Polarity.NEGATIVE else (b, a)
    goal = finder.goal_near(lowering)
    condition = _before(corrective, gap)
    goal_var = _before(lowering, gap)
    reasons = [
        f"{finder.name(corrective)} and {finder.name(lowering)} are balancing loops that "
        f"meet only at '{gap}'",
        f"{finder.name(corrective)} closes '{gap}' by changing '{condition}' (corrective "
        f"action); {finder.name(lowering)} closes it by moving '{goal_var}' (lowering the "
        "goal)",
    ]
    if _has_delay(corrective.links) and not _has_delay(lowering.links):
        reasons.append(f"corrective action is delayed "
                       f"({', '.join(_delayed(corrective.links))}) and lowering the goal "
                       "is not, so the goal drifts first")
    reasons.append(f"'{goal}' is goal-like" if goal else
                   "no variable on the goal side reads like a goal or standard")
    finder.add(Match(ERODING_GOALS, "strong" if goal else "possible",
                     (corrective.id, lowering.id),
                     (("gap", gap), ("condition", condition), ("goal", goal_var),
                      ("corrective action", _after(corrective, gap))), tuple(reasons)))


def burden_without_addiction(finder: _Finder, a: Loop, b: Loop, symptom: str) -> None:
    da, db = _has_delay(a.links), _has_delay(b.links)
    if da == db:
        return
    quick, slow = (b, a) if da else (a, b)
    reasons = [
        f"{finder.name(quick)} and {finder.name(slow)} are balancing loops that both act on "
        f"'{symptom}' the same way",
        f"{finder.name(quick)} has no delay; {finder.name(slow)} is delayed "
        f"({', '.join(_delayed(slow.links))}): a quick symptomatic solution beside a "
        "slow fundamental one",
        "no link shows the quick solution weakening the fundamental one (the reinforcing "
        "side of the archetype)",
    ]
    finder.add(Match(SHIFTING_THE_BURDEN, "possible", (quick.id, slow.id),
                     (("problem symptom", symptom),
                      ("symptomatic solution", _after(quick, symptom)),
                      ("fundamental solution", _after(slow, symptom))), tuple(reasons)))

