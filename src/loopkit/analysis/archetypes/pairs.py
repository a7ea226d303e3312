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
    _has_delay,
    _inner,
    _path,
    _shared_segment,
    _sign_in,
    _sign_out,
)
from loopkit.analysis.archetypes.judge import loop_sides, own_flow, two_sides
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
    """Balancing and reinforcing loops sharing one path; kept as found, so a phase
    cut short by its budget still reports what it saw."""
    groups: PendingFixes = finder.pending_fixes
    for b_loop, r_loop in finder.pairs(B, R):
        finder.tick(b_loop.length)
        segment = _shared_segment(b_loop, r_loop)
        if segment is None:
            continue
        problem, fix, links = segment
        stock = accumulation(finder, links)
        if stock is not None:
            # the loops share a stock and its own flow: one accumulation, so this is
            # growth and its limit meeting at the stock, not a fix and its symptom
            finder.pending_limits.append((r_loop, b_loop, fix, stock, "accumulation"))
            continue
        # the same shape is growth held back by a limit sharing part of its path:
        # both readings are offered and the evidence (delays, an outside limit) ranks them
        finder.pending_limits.append((r_loop, b_loop, fix, fix, "path"))
        b_back, r_back = _arc(b_loop, fix, problem), _arc(r_loop, fix, problem)
        fundamental = fundamental_loop(finder, b_loop, r_loop, problem, r_back)
        if fundamental is not None:
            shifting_the_burden(finder, b_loop, fundamental, r_loop, problem, fix, r_back)
            continue
        groups.setdefault((b_loop.id, problem, fix), []).append((r_loop, b_back, r_back))


def accumulation(finder: _Finder, links: tuple[Link, ...]) -> str | None:
    """The stock, when a shared path is only a stock and its own flows (``kind``)."""
    names = {links[0].source, *(lk.target for lk in links)}
    stocks = [v for v in names if finder.diagram.by_id[v].kind == "stock"]
    if len(stocks) != 1:
        return None
    others = names - {stocks[0]}
    if others and all(own_flow(finder.diagram, stocks[0], v) for v in others):
        return stocks[0]
    return None


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
    if own_flow(finder.diagram, symptom, fix):
        return
    reasons = [
        f"{finder.name(quick)} and {finder.name(fundamental)} both balance {finder.q(symptom)}: "
        f"the quick fix {finder.q(fix)} and the fundamental solution {finder.q(solution)}",
        f"{finder.name(addiction)} is reinforcing: {finder.q(fix)} weakens {finder.q(solution)} "
        f"(through {finder.chain([fix, *side, solution])}), so relying on the quick fix "
        "erodes the fundamental solution",
    ]
    strong = fundamental_delay and not quick_delay
    if strong:
        reasons.append(f"the fundamental loop has a delay "
                       f"({finder.delays(fundamental.links)}) and the quick fix "
                       "has none: the quick fix wins the race")
    else:
        reasons.append("no delay marks the fundamental solution as the slower one, "
                       "which the archetype turns on")
    roles = [("problem symptom", symptom), ("symptomatic solution", fix),
             ("fundamental solution", solution)]
    if side:
        roles.append(("side effect", side[0]))
    finder.add(Match(
        SHIFTING_THE_BURDEN, "strong" if strong else "possible",
        (quick.id, fundamental.id, addiction.id), tuple(roles), tuple(reasons),
        criteria=("structure", *(("delay",) if strong else ())),
        strong_because="the fundamental solution is delayed and the quick fix is not"
        if strong else None,
        question=f"is {finder.q(fix)} a quick fix for {finder.q(symptom)} that makes "
                 f"{finder.q(solution)}, the lasting answer, less likely?"))


def emit_fixes(finder: _Finder, explained: set[frozenset[str]]) -> None:
    for (b_id, problem, fix), items in finder.pending_fixes.items():
        items = [it for it in items if frozenset((b_id, it[0].id)) not in explained]
        if not items:
            continue
        if own_flow(finder.diagram, problem, fix):
            continue
        b_loop = finder.by_id[b_id]
        b_back = items[0][1]
        unintended = [r for r, _, _ in items]
        strong = [r for r, _, r_back in items
                  if _has_delay(r_back) and not _has_delay(b_back)]
        names = ", ".join(finder.name(r) for r in unintended)
        reasons = [
            f"{finder.name(b_loop)} and {names} share the path "
            f"{finder.chain(_path(b_loop, problem, fix))} and part at {finder.q(fix)}",
            f"{finder.name(b_loop)} comes back to {finder.q(problem)} through "
            f"{finder.chain([v.target for v in b_back][:-1]) or 'a direct link'} and balances "
            f"it (the intended fix)",
        ]
        for r_loop, _, r_back in items:
            through = finder.chain(_inner(r_back)) or "a direct link"
            delays = finder.delays(r_back)
            note = f"; delayed at {delays}" if delays else ""
            reasons.append(f"{finder.name(r_loop)} comes back to {finder.q(problem)} through "
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
        roles: tuple[tuple[str, str], ...] = (("problem symptom", problem), ("fix", fix))
        consequence = _inner(first_back)[0] if _inner(first_back) else None
        if consequence is not None:
            roles += (("unintended consequence", consequence),)
        finder.add(Match(
            FIXES_THAT_FAIL, "strong" if strong else "possible",
            (b_id, *(r.id for r in unintended)), roles, tuple(reasons),
            criteria=("delay",) if strong else (),
            strong_because="the way back through the unintended consequence is delayed and "
            "the fix's own effect is not" if strong else None,
            question=f"does {finder.q(fix)} relieve {finder.q(problem)} at first, and does "
                     + (f"{finder.q(consequence)}" if consequence else "the fix itself")
                     + " bring it back later?"))


# ------------------------------------------------------------ underachievement


def limits(finder: _Finder) -> None:
    pending = finder.pending_limits
    for r_loop, b_loop in finder.pairs(R, B):
        shared = finder.single_shared(r_loop, b_loop)
        if shared is None:
            continue
        pending.append((r_loop, b_loop, shared, shared, "one"))
        candidates: dict[str, Loop] = {}
        for v in b_loop.variables:
            if v != shared:
                finder.tick(1 + len(finder.through[v]))
                candidates.update((lp.id, lp) for lp in finder.through[v])
        for investment in candidates.values():
            finder.tick()
            if investment.type is not B or investment is b_loop or \
                    finder.vars[investment.id] & finder.vars[r_loop.id]:
                continue
            underinvestment(finder, r_loop, b_loop, investment, shared)


def emit_limits(finder: _Finder, explained: set[frozenset[str]]) -> None:
    groups: dict[tuple[str, str, str, str], list[Loop]] = {}
    for r_loop, b_loop, part, state, how in finder.pending_limits:
        if frozenset((r_loop.id, b_loop.id)) not in explained:
            groups.setdefault((b_loop.id, part, state, how), []).append(r_loop)
    for (b_id, part, state, how), engines in groups.items():
        b_loop = finder.by_id[b_id]
        engine_vars = frozenset().union(*(finder.vars[r.id] for r in engines))
        limit_only = [v for v in b_loop.variables if v not in engine_vars]
        constraint = finder.outside(
            ((v, c) for v in limit_only for c in finder.causes.get(v, ())), engines,
            engine_vars | finder.vars[b_id])
        names = ", ".join(finder.name(r) for r in engines)
        segment = _shared_segment(b_loop, engines[0]) if how != "one" else None
        if segment is None:
            meet = f"meet only at {finder.q(state)}"
        else:
            meet = (f"share the {'accumulation' if how == 'accumulation' else 'path'} "
                    f"{finder.chain(_path(b_loop, segment[0], segment[1]))} and part at "
                    f"{finder.q(part)}")
        reasons = [
            f"{names} (reinforcing) and {finder.name(b_loop)} (balancing) {meet}: growth in "
            f"{finder.q(state)} also drives "
            f"{finder.chain(limit_only)}, which holds it back",
        ]
        criteria = []
        if constraint:
            criteria += ["outside constraint", *finder.exogenous(constraint[1])]
            reasons.append(f"{finder.q(constraint[1])} feeds {finder.q(constraint[0])} from "
                           "outside the loops, and the growth loop does not drive it: the "
                           "limiting condition")
        else:
            reasons.append("no outside limiting condition feeds the balancing loop (causes "
                           "driven by the growth loop and model parameters do not count), "
                           "so it may be an ordinary control rather than a limit")
        delays = finder.delays(b_loop.links)
        if delays:
            criteria.append("delay")
            reasons.append(f"the limit acts with a delay ({delays})")
        if finder.diagram.by_id[state].kind == "stock":
            criteria.append("stock")
        grow, slow = _after(engines[0], part), _after(b_loop, part)
        roles = [("performance", state), ("growing action", grow), ("slowing action", slow)]
        if constraint:
            roles.append(("limiting condition", constraint[1]))
        limit = constraint[1] if constraint else slow
        finder.add(Match(
            LIMITS_TO_GROWTH, "strong" if constraint else "possible",
            (*(r.id for r in engines), b_id), tuple(roles), tuple(reasons),
            criteria=tuple(criteria),
            strong_because=f"the limiting condition {finder.q(constraint[1])} comes from "
            "outside the loops and is not driven by the growth" if constraint else None,
            question=f"does growth in {finder.q(state)} run into {finder.q(limit)}, a limit "
                     "the growth itself cannot remove?",
            variant={"accumulation": "shared accumulation", "path": "shared path"}.get(how)))


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
                if not limits_to_action(finder, a, b, shared):
                    burden_without_addiction(finder, a, b, shared)


def success(finder: _Finder, a: Loop, b: Loop, allocation: str, both: bool) -> None:
    winner, loser = (a, b) if _sign_out(a, allocation) is Polarity.POSITIVE else (b, a)
    to_a, to_b = _after(winner, allocation), _after(loser, allocation)
    sides = loop_sides(finder.diagram, to_a, to_b,
                       [v for v in winner.variables if v != allocation],
                       [v for v in loser.variables if v != allocation])
    reasons = [
        f"{finder.name(a)} and {finder.name(b)} are reinforcing loops that meet only at "
        f"{finder.q(allocation)}",
        f"{finder.q(allocation)} feeds {finder.name(winner)} through {finder.q(to_a)} "
        f"({_sign_out(winner, allocation).symbol}) and {finder.name(loser)} through "
        f"{finder.q(to_b)} ({_sign_out(loser, allocation).symbol})",
    ]
    reasons.append("and each side's success pushes it opposite ways: whoever gets ahead "
                   "gets more, the other gets less" if both else
                   "but both loops push it the same way, so the competition for it is "
                   "only half shown")
    reasons.append(f"{finder.q(to_a)} and {finder.q(to_b)} are two sides: {sides}" if sides
                   else f"nothing shows {finder.q(to_a)} and {finder.q(to_b)} belong to two "
                   "sides (no groups, no parallel names)")
    strong = both and sides is not None
    finder.add(Match(
        SUCCESS_TO_THE_SUCCESSFUL, "strong" if strong else "possible", (winner.id, loser.id),
        (("allocation", allocation), ("resources to A", to_a), ("resources to B", to_b)),
        tuple(reasons),
        criteria=(*(("structure",) if both else ()), *(("two sides",) if sides else ())),
        strong_because=f"both sides compete for the allocation and {sides}" if strong else None,
        question=f"do {finder.q(to_a)} and {finder.q(to_b)} compete for "
                 f"{finder.q(allocation)}, so that whoever is ahead gets more?"))


def escalation_pair(finder: _Finder, a: Loop, b: Loop, position: str) -> None:
    act_a, act_b = _after(a, position), _after(b, position)
    sides = loop_sides(finder.diagram, act_a, act_b, [v for v in a.variables if v != position],
                       [v for v in b.variables if v != position])
    reasons = [
        f"{finder.name(a)} and {finder.name(b)} are balancing loops that meet only at "
        f"{finder.q(position)}",
        f"one side's results raise {finder.q(position)} and the other's lower it, and it "
        "drives the two sides' activity in opposite directions: each side acts to restore "
        "its position against the other",
        "together the two balancing loops make a reinforcing figure of eight: both sides "
        "keep raising their activity",
        f"{finder.q(act_a)} and {finder.q(act_b)} are two sides: {sides}" if sides else
        f"nothing shows {finder.q(act_a)} and {finder.q(act_b)} are two actors (no groups, "
        "no parallel names): two controls acting on one variable have this shape too",
    ]
    finder.add(Match(
        ESCALATION, "strong" if sides else "possible", (a.id, b.id),
        (("relative position", position), ("A's activity", act_a), ("B's activity", act_b)),
        tuple(reasons), criteria=("structure", *(("two sides",) if sides else ())),
        strong_because=f"two sides: {sides}" if sides else None,
        question=f"are {finder.q(act_a)} and {finder.q(act_b)} two actors, each reacting to "
                 f"the other through {finder.q(position)}?"))


def escalation_loops(finder: _Finder) -> None:
    taken = {x for m in finder.matches if m.archetype in _SPECIFIC for x in m.loops}
    for loop in finder.loops:
        finder.tick(loop.length)
        if loop.type is not R or loop.id in taken or \
                any(lk.polarity is not Polarity.POSITIVE for lk in loop.links):
            continue
        if loop.length >= 4 and _escalation_by_groups(finder, loop):
            continue
        _escalation_by_stocks(finder, loop)


def _escalation_by_groups(finder: _Finder, loop: Loop) -> bool:
    groups = [finder.diagram.by_id[v].group for v in loop.variables]
    if None in groups or len(set(groups)) != 2:
        return False
    changes = sum(1 for i in range(loop.length) if groups[i] != groups[i - 1])
    if changes != 2:
        return False
    runs: dict[str, list[str]] = {}
    start = next(i for i in range(loop.length) if groups[i] != groups[i - 1])
    for k in range(loop.length):
        i = (start + k) % loop.length
        runs.setdefault(str(groups[i]), []).append(loop.variables[i])
    if any(len(run) < 2 for run in runs.values()):
        return False
    (side_a, run_a), (side_b, run_b) = runs.items()
    reasons = [
        f"{finder.name(loop)} is reinforcing and alternates between two sides: "
        f"'{side_a}' ({finder.chain(run_a)}) and '{side_b}' ({finder.chain(run_b)})",
        f"what '{side_a}' does raises what '{side_b}' does, and back again: each "
        "side's move to restore its own position is the other side's threat",
    ]
    roles = (("A's activity", run_a[-1]), ("threat felt by B", run_b[0]),
             ("B's activity", run_b[-1]), ("threat felt by A", run_a[0]))
    finder.add(Match(
        ESCALATION, "strong", (loop.id,), roles, tuple(reasons), criteria=("two sides",),
        strong_because=f"the loop runs through two groups, '{side_a}' and '{side_b}'",
        question=f"are '{side_a}' and '{side_b}' two actors, each raising "
                 f"{finder.q(run_a[-1])} and {finder.q(run_b[-1])} against the other?"))
    return True


def _escalation_by_stocks(finder: _Finder, loop: Loop) -> None:
    """One reinforcing loop through two stocks named as two sides' (e.g. two arsenals)."""
    stocks = [v for v in loop.variables if finder.diagram.by_id[v].kind == "stock"]
    for i, first in enumerate(stocks):
        for second in stocks[i + 1:]:
            sides = two_sides(finder.diagram, first, second)
            if sides is None:
                continue
            reasons = [
                f"{finder.name(loop)} is reinforcing and runs through two stocks, "
                f"{finder.q(first)} and {finder.q(second)}: {sides}",
                "each side's build-up raises the other's: every link is positive",
            ]
            finder.add(Match(
                ESCALATION, "strong", (loop.id,),
                (("A's position", first), ("B's position", second)), tuple(reasons),
                criteria=("two sides", "stock"),
                strong_because=f"two stocks belonging to two sides: {sides}",
                question=f"are {finder.q(first)} and {finder.q(second)} two actors' "
                         "build-ups, each answering the other's?",
                variant="one loop through two stocks"))
            return


def eroding(finder: _Finder, a: Loop, b: Loop, gap: str) -> None:
    corrective, lowering = (a, b) if _sign_in(a, gap) is Polarity.NEGATIVE else (b, a)
    condition = _before(corrective, gap)
    goal_var = _before(lowering, gap)
    goal = goal_var if finder.is_goal(goal_var) else finder.goal_near(lowering)
    reasons = [
        f"{finder.name(corrective)} and {finder.name(lowering)} are balancing loops that "
        f"meet only at {finder.q(gap)}",
        f"{finder.name(corrective)} closes {finder.q(gap)} by changing {finder.q(condition)} "
        f"(corrective action); {finder.name(lowering)} closes it by moving "
        f"{finder.q(goal_var)} (lowering the goal)",
    ]
    delayed = _has_delay(corrective.links) and not _has_delay(lowering.links)
    if delayed:
        reasons.append(f"corrective action is delayed ({finder.delays(corrective.links)}) "
                       "and lowering the goal is not, so the goal drifts first")
    reasons.append(f"{finder.q(goal)} reads like a goal or standard" if goal else
                   "no variable on the goal side reads like a goal or standard")
    stock = finder.diagram.by_id[goal_var].kind == "stock"
    strong = goal == goal_var and (delayed or stock)
    criteria = (*(("goal",) if goal else ()), *(("delay",) if delayed else ()),
                *(("stock",) if stock else ()))
    finder.add(Match(
        ERODING_GOALS, "strong" if strong else "possible", (corrective.id, lowering.id),
        (("gap", gap), ("condition", condition), ("goal", goal_var),
         ("corrective action", _after(corrective, gap))), tuple(reasons), criteria=criteria,
        strong_because=f"the goal role is played by {finder.q(goal_var)}, named as a goal, "
        + ("and corrective action is the delayed one" if delayed else "and it accumulates")
        if strong else None,
        question=f"is {finder.q(goal_var)} a goal or standard that drifts toward "
                 f"{finder.q(condition)} when {finder.q(gap)} persists?"))


def limits_to_action(finder: _Finder, a: Loop, b: Loop, shared: str) -> bool:
    """A goal-seeking balancing loop held back by a second one against an outside cap.

    The Limits to Growth family's form for balancing engines: action closes a
    gap to a goal, and a limit the action uses up (fed by an outside cap) holds
    it back. Returns whether the pair was read this way.
    """
    goal_a, goal_b = finder.goal_near(a), finder.goal_near(b)
    if (goal_a is None) == (goal_b is None):
        return False
    seeking, limiting = (a, b) if goal_a else (b, a)
    goal = goal_a or goal_b
    assert goal is not None
    cap = finder.outside(((v, c) for v in limiting.variables if v != shared
                          for c in finder.causes.get(v, ())), [seeking],
                         finder.vars[a.id] | finder.vars[b.id])
    if cap is None:
        return False
    reasons = [
        f"{finder.name(seeking)} seeks the goal {finder.q(goal)} through "
        f"{finder.q(shared)}; {finder.name(limiting)} meets it only at {finder.q(shared)} "
        f"and holds the action back",
        f"{finder.q(cap[1])} feeds {finder.q(cap[0])} from outside the loops and the "
        "goal-seeking loop does not drive it: the cap",
    ]
    finder.add(Match(
        LIMITS_TO_GROWTH, "strong", (seeking.id, limiting.id),
        (("action", shared), ("goal", goal), ("slowing action", _after(limiting, shared)),
         ("limiting condition", cap[1])), tuple(reasons),
        criteria=("goal", "outside constraint", *finder.exogenous(cap[1])),
        strong_because=f"a goal ({finder.q(goal)}) on one loop and an outside cap "
        f"({finder.q(cap[1])}) on the other",
        question=f"does action on {finder.q(shared)} toward {finder.q(goal)} run into "
                 f"{finder.q(cap[1])}, a cap it cannot raise?",
        variant="Limits to Action"))
    return True


def burden_without_addiction(finder: _Finder, a: Loop, b: Loop, symptom: str) -> None:
    da, db = _has_delay(a.links), _has_delay(b.links)
    if da == db:
        return
    quick, slow = (b, a) if da else (a, b)
    fix, solution = _after(quick, symptom), _after(slow, symptom)
    if own_flow(finder.diagram, symptom, fix):
        return
    reasons = [
        f"{finder.name(quick)} and {finder.name(slow)} are balancing loops that both act on "
        f"{finder.q(symptom)} the same way",
        f"{finder.name(quick)} has no delay; {finder.name(slow)} is delayed "
        f"({finder.delays(slow.links)}): a quick symptomatic solution beside a "
        "slow fundamental one",
        "no link shows the quick solution weakening the fundamental one (the reinforcing "
        "side of the archetype)",
    ]
    finder.add(Match(
        SHIFTING_THE_BURDEN, "possible", (quick.id, slow.id),
        (("problem symptom", symptom), ("symptomatic solution", fix),
         ("fundamental solution", solution)), tuple(reasons), criteria=("delay",),
        question=f"does relying on {finder.q(fix)} for {finder.q(symptom)} make "
                 f"{finder.q(solution)} less likely? (no link here shows it)"))
