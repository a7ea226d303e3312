"""Archetypes made of three to five loops.

Growth and Underinvestment (Limits to Growth plus a balancing investment
loop), Tragedy of the Commons (two separate engines drawing on one shared
resource) and Accidental Adversaries (a partnership whose sides' own fixes
harm each other). A match here hides the pairwise matches it contains.
"""

from __future__ import annotations

from itertools import combinations

from loopkit.analysis.archetypes.geometry import B, R, _after, _before, _delayed
from loopkit.analysis.archetypes.records import (
    ACCIDENTAL_ADVERSARIES,
    GROWTH_AND_UNDERINVESTMENT,
    TRAGEDY_OF_THE_COMMONS,
    Match,
)
from loopkit.analysis.archetypes.search import _Finder
from loopkit.analysis.loops import Loop


def accidental_adversaries(finder: _Finder) -> None:
    for partnership in finder.loops:
        if partnership.type is not R:
            continue
        locals_: dict[str, list[Loop]] = {}
        for v in partnership.variables:
            for other in finder.through[v]:
                finder.tick()
                if other.type is R and other is not partnership and \
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
    """``(loop, fix, harmed)``: a balancing loop where a side's own fix hurts the partner."""
    own = finder.vars[local.id] - {success}
    for v in local.variables:
        if v not in own:
            continue
        for other in finder.through[v]:
            finder.tick()
            if other.type is not B:
                continue
            harmed = _after(other, v)
            if harmed in finder.vars[partnership.id] and harmed != success:
                return other, v, harmed
    return None


def emit_adversaries(finder: _Finder, partnership: Loop, sa: str, sb: str, la: Loop, lb: Loop,
                     ha: tuple[Loop, str, str] | None,
                     hb: tuple[Loop, str, str] | None) -> None:
    fa = ha[1] if ha else _after(la, sa)
    fb = hb[1] if hb else _after(lb, sb)
    reasons = [
        f"{finder.name(partnership)} is the partnership: '{sa}' and '{sb}' lift each other",
        f"each side also has its own reinforcing fix: {finder.name(la)} through '{fa}' "
        f"and {finder.name(lb)} through '{fb}'",
    ]
    loops = [partnership.id, la.id, lb.id]
    for harm, side in ((ha, sa), (hb, sb)):
        if harm:
            loop, fix, harmed = harm
            loops.append(loop.id)
            reasons.append(f"{finder.name(loop)} is balancing: '{fix}', meant to help "
                           f"'{side}', lowers '{harmed}' on the other side and so weakens "
                           "the partnership")
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
    finder.add(Match(ACCIDENTAL_ADVERSARIES, "strong" if ha and hb else "possible",
                     tuple(loops), (("A's success", sa), ("B's success", sb),
                                    ("A's own fix", fa), ("B's own fix", fb)),
                     tuple(reasons)))


def underinvestment(finder: _Finder, r_loop: Loop, b_loop: Loop, investment: Loop,
                    state: str) -> None:
    performance = next(v for v in investment.variables if v in finder.vars[b_loop.id])
    goal = finder.goal_near(investment)
    delayed = _delayed(investment.links)
    reasons = [
        f"{finder.name(r_loop)} is the growth engine and {finder.name(b_loop)} limits it "
        f"through '{performance}' (they meet at '{state}')",
        f"{finder.name(investment)} is a second balancing loop through '{performance}': "
        "investment that would lift the limit",
    ]
    reasons.append(f"its investment acts with a delay ({', '.join(delayed)})" if delayed
                   else "no delay is marked on the investment, which usually lags")
    reasons.append(f"'{goal}' sets the standard the investment answers to" if goal
                   else "no standard or goal is shown for the investment decision")
    strong = bool(delayed) and goal is not None
    feeding = _before(investment, performance)
    roles = [("demand", state), ("performance", performance),
             ("perceived need to invest", _after(investment, performance)),
             ("capacity", feeding)]
    if goal:
        roles.append(("performance standard", goal))
    finder.add(Match(GROWTH_AND_UNDERINVESTMENT, "strong" if strong else "possible",
                     (r_loop.id, b_loop.id, investment.id), tuple(roles), tuple(reasons)))


def commons(finder: _Finder) -> None:
    for ba, bb in finder.pairs(B, B):
        commons = finder.vars[ba.id] & finder.vars[bb.id]
        ras = [r for v in ba.variables for r in finder.through[v]
               if r.type is R and not finder.vars[r.id] & finder.vars[bb.id]
               and not finder.vars[r.id] & commons]
        rbs = [r for v in bb.variables for r in finder.through[v]
               if r.type is R and not finder.vars[r.id] & finder.vars[ba.id]
               and not finder.vars[r.id] & commons]
        pair = next(((ra, rb) for ra in dict.fromkeys(ras) for rb in dict.fromkeys(rbs)
                     if not finder.vars[ra.id] & finder.vars[rb.id]), None)
        if pair is not None:
            emit_commons(finder, *pair, ba, bb, commons)


def emit_commons(finder: _Finder, ra: Loop, rb: Loop, ba: Loop, bb: Loop,
                 commons: frozenset[str]) -> None:
    act_a = next(v for v in ra.variables if v in finder.vars[ba.id])
    act_b = next(v for v in rb.variables if v in finder.vars[bb.id])
    shared = [v for v in ba.variables if v in commons]
    delays = list(dict.fromkeys(_delayed([*ba.links, *bb.links])))
    reasons = [
        f"{finder.name(ra)} and {finder.name(rb)} are two separate reinforcing loops: each "
        f"side's activity ('{act_a}', '{act_b}') pays off and grows",
        f"{finder.name(ba)} and {finder.name(bb)} are balancing loops that both run through "
        f"{', '.join(repr(v) for v in shared)}: the shared resource each side draws on",
        "each side's growth lowers the return for both, which neither sees alone",
    ]
    if delays:
        reasons.append(f"the shared limit acts with a delay ({', '.join(delays)})")
    on_loops = finder.vars[ra.id] | finder.vars[rb.id] | finder.vars[ba.id] | finder.vars[bb.id]
    limit = next(((v, c) for v in shared for c in finder.causes.get(v, ())
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
    finder.add(Match(TRAGEDY_OF_THE_COMMONS, "strong" if limit else "possible",
                     (ra.id, rb.id, ba.id, bb.id), tuple(roles), tuple(reasons)))

