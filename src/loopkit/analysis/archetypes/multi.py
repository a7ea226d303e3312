"""Archetypes made of three to five loops.

Growth and Underinvestment (Limits to Growth plus a balancing investment
loop), Tragedy of the Commons (two separate engines drawing on one shared
resource) and Accidental Adversaries (a partnership whose sides' own fixes
harm each other). A match here hides the pairwise matches it contains.
"""

from __future__ import annotations

from itertools import combinations

from loopkit.analysis.archetypes.geometry import B, R, _after, _before, _sign_out
from loopkit.analysis.archetypes.judge import loop_sides
from loopkit.analysis.archetypes.records import (
    ACCIDENTAL_ADVERSARIES,
    GROWTH_AND_UNDERINVESTMENT,
    TRAGEDY_OF_THE_COMMONS,
    Match,
)
from loopkit.analysis.archetypes.search import _Finder
from loopkit.analysis.loops import Loop
from loopkit.model import Polarity


def accidental_adversaries(finder: _Finder) -> None:
    """A reinforcing partnership whose sides each have their own fix loop.

    A side's own fix may be drawn reinforcing (success breeds more of the fix)
    or balancing (the fix answers a shortfall in that side's success): both
    are the archetype, so both are accepted.
    """
    for partnership in finder.loops:
        if partnership.type is not R:
            continue
        locals_: dict[str, list[Loop]] = {}
        for v in partnership.variables:
            for other in finder.through[v]:
                finder.tick()
                if other.type in (R, B) and other is not partnership and \
                        finder.vars[other.id] & finder.vars[partnership.id] == {v}:
                    locals_.setdefault(v, []).append(other)
        for sa, sb in combinations(list(locals_), 2):
            for la in locals_[sa]:
                for lb in locals_[sb]:
                    finder.tick()
                    if finder.vars[la.id] & finder.vars[lb.id]:
                        continue
                    ha = harm_loop(finder, la, sa, partnership)
                    hb = harm_loop(finder, lb, sb, partnership)
                    if ha is None and hb is None:
                        continue
                    emit_adversaries(finder, partnership, sa, sb, la, lb, ha, hb)


def harm_loop(finder: _Finder, local: Loop, success: str,
              partnership: Loop) -> tuple[Loop, str, str] | None:
    """``(loop, fix, harmed)``: a loop where a side's own fix lowers the partner's success.

    With reinforcing own fixes that loop is balancing; with balancing own fixes
    (the fix answers a shortfall) it is reinforcing: the telltale is the
    negative link from the fix to the other side, whichever the loop's type.
    """
    own = finder.vars[local.id] - {success}
    for v in local.variables:
        if v not in own:
            continue
        for other in finder.through[v]:
            finder.tick()
            if other.type is not (B if local.type is R else R):
                continue
            harmed = _after(other, v)
            if harmed in finder.vars[partnership.id] and harmed != success and \
                    _sign_out(other, v) is Polarity.NEGATIVE:
                return other, v, harmed
    return None


def emit_adversaries(finder: _Finder, partnership: Loop, sa: str, sb: str, la: Loop, lb: Loop,
                     ha: tuple[Loop, str, str] | None,
                     hb: tuple[Loop, str, str] | None) -> None:
    fa = ha[1] if ha else _after(la, sa)
    fb = hb[1] if hb else _after(lb, sb)
    kinds = {la.type.value, lb.type.value}
    reasons = [
        f"{finder.name(partnership)} is the partnership: {finder.q(sa)} and {finder.q(sb)} "
        "lift each other",
        f"each side also has its own {' or '.join(sorted(kinds))} fix: {finder.name(la)} "
        f"through {finder.q(fa)} and {finder.name(lb)} through {finder.q(fb)}",
    ]
    loops = [partnership.id, la.id, lb.id]
    for harm, side in ((ha, sa), (hb, sb)):
        if harm:
            loop, fix, harmed = harm
            loops.append(loop.id)
            reasons.append(f"{finder.name(loop)} is {loop.type.value}: {finder.q(fix)}, meant to "
                           f"help {finder.q(side)}, lowers {finder.q(harmed)} on the other "
                           "side and so weakens the partnership")
    if ha and hb:
        spiral = next((lp for lp in finder.through[fa] if lp.type is R
                       and fb in finder.vars[lp.id] and lp.id not in loops), None)
        if spiral is not None:
            loops.append(spiral.id)
            reasons.append(f"{finder.name(spiral)} is reinforcing: each side's fix undercuts "
                           "the other, whose fix undercuts it back; the partners become "
                           "adversaries")
    else:
        reasons.append("only one side's fix is shown hurting the other")
    sides = loop_sides(finder.diagram, sa, sb, la.variables, lb.variables)
    if sides:
        reasons.append(f"{finder.q(sa)} and {finder.q(sb)} are two sides: {sides}")
    strong = ha is not None and hb is not None
    finder.add(Match(
        ACCIDENTAL_ADVERSARIES, "strong" if strong else "possible", tuple(loops),
        (("A's success", sa), ("B's success", sb), ("A's own fix", fa), ("B's own fix", fb)),
        tuple(reasons),
        criteria=(*(("structure",) if strong else ()), *(("two sides",) if sides else ())),
        strong_because="each side's own fix is shown hurting the other side" if strong
        else None,
        question=f"are {finder.q(sa)} and {finder.q(sb)} two partners whose own fixes "
                 f"({finder.q(fa)}, {finder.q(fb)}) undercut each other?",
        variant="balancing fixes" if B.value in kinds else None))


def underinvestment(finder: _Finder, r_loop: Loop, b_loop: Loop, investment: Loop,
                    state: str) -> None:
    performance = next(v for v in investment.variables if v in finder.vars[b_loop.id])
    goal = finder.goal_near(investment)
    delayed = finder.delays(investment.links)
    reasons = [
        f"{finder.name(r_loop)} is the growth engine and {finder.name(b_loop)} limits it "
        f"through {finder.q(performance)} (they meet at {finder.q(state)})",
        f"{finder.name(investment)} is a second balancing loop through "
        f"{finder.q(performance)}: investment that would lift the limit",
    ]
    reasons.append(f"its investment acts with a delay ({delayed})" if delayed
                   else "no delay is marked on the investment, which usually lags")
    reasons.append(f"{finder.q(goal)} sets the standard the investment answers to" if goal
                   else "no standard or goal is shown for the investment decision")
    strong = bool(delayed) and goal is not None
    feeding = _before(investment, performance)
    need = _after(investment, performance)
    roles = [("demand", state), ("performance", performance),
             ("perceived need to invest", need), ("capacity", feeding)]
    if goal:
        roles.append(("performance standard", goal))
    finder.add(Match(
        GROWTH_AND_UNDERINVESTMENT, "strong" if strong else "possible",
        (r_loop.id, b_loop.id, investment.id), tuple(roles), tuple(reasons),
        criteria=(*(("delay",) if delayed else ()), *(("goal",) if goal else ())),
        strong_because=f"the investment is delayed and answers to the standard {finder.q(goal)}"
        if strong and goal else None,
        question=f"would investing in {finder.q(feeding)} lift the limit on "
                 f"{finder.q(performance)}, and is that investment held back"
                 + (f" by judging {finder.q(performance)} against {finder.q(goal)}?" if goal
                    else " until performance has already fallen?")))


def commons(finder: _Finder) -> None:
    for ba, bb in finder.pairs(B, B):
        commons = finder.vars[ba.id] & finder.vars[bb.id]
        ras = _engines(finder, ba, bb, commons)
        rbs = _engines(finder, bb, ba, commons)
        pair = None
        for ra in ras:
            finder.tick(1 + len(rbs))
            pair = next(((ra, rb) for rb in rbs
                         if not finder.vars[ra.id] & finder.vars[rb.id]), None)
            if pair is not None:
                break
        if pair is not None:
            emit_commons(finder, *pair, ba, bb, commons)


def _engines(finder: _Finder, own: Loop, other: Loop, commons: frozenset[str]) -> list[Loop]:
    """Reinforcing loops through ``own`` that touch neither ``other`` nor the commons."""
    out: dict[str, Loop] = {}
    for v in own.variables:
        finder.tick(1 + len(finder.through[v]))
        for r in finder.through[v]:
            if r.type is R and r.id not in out and not finder.vars[r.id] & finder.vars[other.id] \
                    and not finder.vars[r.id] & commons:
                out[r.id] = r
    return list(out.values())


def emit_commons(finder: _Finder, ra: Loop, rb: Loop, ba: Loop, bb: Loop,
                 commons: frozenset[str]) -> None:
    act_a = next(v for v in ra.variables if v in finder.vars[ba.id])
    act_b = next(v for v in rb.variables if v in finder.vars[bb.id])
    shared = [v for v in ba.variables if v in commons]
    delays = ", ".join(dict.fromkeys(x for x in (finder.delays(ba.links),
                                                 finder.delays(bb.links)) if x))
    reasons = [
        f"{finder.name(ra)} and {finder.name(rb)} are two separate reinforcing loops: each "
        f"side's activity ({finder.q(act_a)}, {finder.q(act_b)}) pays off and grows",
        f"{finder.name(ba)} and {finder.name(bb)} are balancing loops that both run through "
        f"{', '.join(finder.q(v) for v in shared)}: the shared resource each side draws on",
        "each side's growth lowers the return for both, which neither sees alone",
    ]
    criteria = []
    if delays:
        criteria.append("delay")
        reasons.append(f"the shared limit acts with a delay ({delays})")
    on_loops = finder.vars[ra.id] | finder.vars[rb.id] | finder.vars[ba.id] | finder.vars[bb.id]
    limit = finder.outside(((v, c) for v in shared for c in finder.causes.get(v, ())),
                           [ra, rb], on_loops)
    if limit:
        criteria += ["outside constraint", *finder.exogenous(limit[1])]
        reasons.append(f"{finder.q(limit[1])} feeds {finder.q(limit[0])} from outside the "
                       "loops, and neither side's growth drives it: the resource limit")
    else:
        reasons.append("no outside resource limit feeds the shared part (causes driven by "
                       "the growth loops and model parameters do not count)")
    sides = loop_sides(finder.diagram, act_a, act_b, ra.variables, rb.variables)
    if sides:
        criteria.append("two sides")
        reasons.append(f"{finder.q(act_a)} and {finder.q(act_b)} are two sides: {sides}")
    else:
        reasons.append(f"nothing shows {finder.q(act_a)} and {finder.q(act_b)} are two "
                       "actors (no groups, no parallel names)")
    roles = [("A's activity", act_a), ("B's activity", act_b),
             ("common resource", shared[0])]
    if limit:
        roles.append(("resource limit", limit[1]))
    strong = limit is not None and sides is not None
    finder.add(Match(
        TRAGEDY_OF_THE_COMMONS, "strong" if strong else "possible",
        (ra.id, rb.id, ba.id, bb.id), tuple(roles), tuple(reasons), criteria=tuple(criteria),
        strong_because=f"an outside resource limit ({finder.q(limit[1])}) and two sides: "
        f"{sides}" if strong and limit else None,
        question=f"are {finder.q(act_a)} and {finder.q(act_b)} two actors drawing on "
                 f"{finder.q(shared[0])}?"))
