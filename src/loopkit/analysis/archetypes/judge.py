"""What a match must show before it is called strong, and how much it shows.

The detectors in :mod:`.pairs` and :mod:`.multi` find loop *skeletons*; on maps
other people drew, a skeleton alone is often a coincidence (a flow and its own
stock, a smoothing loop, a rate constant read as a limit, one actor read as
two). The tests here are the evidence a reader would look for, each one named,
so a match says which criterion made it strong and a score can rank matches
from different archetypes against each other:

* two sides: variables in different ``group``s, or labels named in parallel
  ("Team A's referrals" / "Team B's referrals", "our prices" / "their prices");
* an outside constraint: a cause of the limit that no loop of the match drives,
  that the growth loop cannot reach, and that is not a model parameter
  ("normal", "time", "rate", ...);
* a goal or standard: a goal word in the label of the variable in the goal
  role, never "gap" (a gap is the difference, not the goal);
* stocks and flows (``Variable.kind``): a stock and its own flow are one
  accumulation, so the short loops between them are not loops of the story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from loopkit.analysis.loops import Loop
from loopkit.model import Diagram, LoopType

#: Goal or standard words; "gap" is deliberately not one (see module docstring).
GOAL = re.compile(
    r"\b(goals?|targets?|desired|standards?|norms?|expect(?:ed|ations?)?|aims?|objectives?"
    r"|thresholds?|benchmarks?|ideal|acceptable|planned|quotas?|tolerance)\b",
    re.IGNORECASE,
)
#: Words of model parameters: constants and time scales, not limiting conditions.
PARAMETER = re.compile(
    r"\b(normal|constant|fraction|coefficient|factor|elasticity|multiplier|initial|table|unit"
    r"|units|reference|ratio"
    r"|lookup|switch|exponent|half[- ]life|lifetime|(?:adjustment|averaging|smoothing|delay"
    r"|response|residence|lead) times?|time to \w+|rate constant)\b",
    re.IGNORECASE,
)
#: Words that say a variable is one side's (used when labels name the sides).
_OURS = {"our", "us", "we", "own", "home", "domestic", "incumbent"}
_THEIRS = {"their", "them", "they", "rival", "rivals", "competitor", "competitors",
           "opponent", "opponents", "enemy", "other", "foreign", "challenger"}
_WORD = re.compile(r"[\w']+")
#: Label words that mark the changing part of a smoothing or own-flow pair.
_FLOW_WORDS = re.compile(
    r"\b(change|changes|changing|rate|flow|inflow|outflow|adjustment|perceived|smoothed"
    r"|average|loss|decay|depletion|increase|decrease|net)\b", re.IGNORECASE)


def words(label: str) -> list[str]:
    return [w.lower().removesuffix("'s").removesuffix("\u2019s") for w in _WORD.findall(label)]


def sides_named(a: str, b: str) -> bool:
    """Labels that name two sides: parallel wording, or 'our'/'their' words."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return False
    if (set(wa) & _OURS and set(wb) & _THEIRS) or (set(wa) & _THEIRS and set(wb) & _OURS):
        return True
    if len(wa) == len(wb) and len(wa) >= 2:
        differ = [i for i in range(len(wa)) if wa[i] != wb[i]]
        return len(differ) == 1
    return False


def two_sides(diagram: Diagram, a: str, b: str) -> str | None:
    """How ``a`` and ``b`` are shown to be two actors' variables, or ``None``."""
    va, vb = diagram.by_id[a], diagram.by_id[b]
    if va.group and vb.group and va.group != vb.group:
        return f"they are in different groups ('{va.group}', '{vb.group}')"
    if sides_named(va.label, vb.label):
        return "their labels name two sides"
    return None


def loop_sides(diagram: Diagram, a: str, b: str, a_side: Iterable[str],
               b_side: Iterable[str]) -> str | None:
    """How two loops' own variables (``a_side``, ``b_side``) are shown to be two actors'.

    Groups count only when they separate the loops: every variable of one side in
    one group and every variable of the other in another (a map grouped by theme
    has loops that cross groups, and themes are not actors). Otherwise the role
    variables ``a`` and ``b`` must be named as two sides.
    """
    ga = {diagram.by_id[v].group for v in a_side}
    gb = {diagram.by_id[v].group for v in b_side}
    if len(ga) == 1 and len(gb) == 1 and None not in ga | gb and ga != gb:
        return f"each side stays in its own group ('{next(iter(ga))}', '{next(iter(gb))}')"
    if sides_named(diagram.by_id[a].label, diagram.by_id[b].label):
        return "their labels name two sides"
    return None


def is_goal(diagram: Diagram, variable: str) -> bool:
    v = diagram.by_id[variable]
    return bool(GOAL.search(v.label) or GOAL.search(v.id.replace("_", " ")))


#: Words of a capacity or resource: a constant named so is a limit, not a parameter.
CAPACITY = re.compile(
    r"\b(capacity|capacities|limit|limits|maximum|max|available|availability|supply|land"
    r"|resources?|space|budget|carrying|ceiling|cap|ground|area|size|reserves?|pool)\b",
    re.IGNORECASE)


def is_parameter(diagram: Diagram, variable: str, dynamic: set[str] | None = None) -> bool:
    """A model parameter: named like one, or, in a stock-and-flow diagram (``dynamic``:
    the variables some stock drives), a variable no stock drives whose name does not
    say capacity or resource (constants and their arithmetic)."""
    v = diagram.by_id[variable]
    if PARAMETER.search(v.label) or PARAMETER.search(v.id.replace("_", " ")):
        return True
    return (dynamic is not None and v.kind is None and variable not in dynamic
            and not CAPACITY.search(v.label))


def driven_by_stocks(diagram: Diagram) -> set[str] | None:
    """Every variable a stock drives (stocks included), or ``None`` without kinds."""
    stocks = [v.id for v in diagram.variables if v.kind == "stock"]
    return downstream(diagram, stocks) if stocks else None


def own_flow(diagram: Diagram, a: str, b: str) -> bool:
    """``a`` and ``b`` are a stock and a flow into or out of it (from ``kind``)."""
    kinds = {diagram.by_id[a].kind, diagram.by_id[b].kind}
    if kinds != {"stock", "flow"}:
        return False
    stock, flow = (a, b) if diagram.by_id[a].kind == "stock" else (b, a)
    return (flow, stock) in diagram.link_map


def trivial(diagram: Diagram, loop: Loop) -> str | None:
    """Why ``loop`` is not a loop of the story, or ``None``.

    A self-loop; a balancing loop between a stock and its own flow (the stock
    draining itself); a smoothing loop (two variables, one of which is the
    other's 'perceived', 'average' or 'change in' form). Reinforcing
    stock-inflow loops stay: they are real growth engines.
    """
    if loop.length == 1:
        return "a self-loop"
    if loop.length != 2 or loop.type is not LoopType.BALANCING:
        return None
    a, b = loop.variables
    if own_flow(diagram, a, b):
        return "a stock and its own flow"
    la, lb = (diagram.by_id[v].label.lower() for v in (a, b))
    for inner, outer in ((la, lb), (lb, la)):
        if inner and inner in outer and _FLOW_WORDS.search(outer.replace(inner, " ")):
            return "a smoothing loop"
    return None


def downstream(diagram: Diagram, starts: Iterable[str], limit: int = 100_000) -> set[str]:
    """Every variable reachable from ``starts`` (bounded by ``limit`` visits)."""
    out: dict[str, list[str]] = {}
    for link in diagram.links:
        out.setdefault(link.source, []).append(link.target)
    seen = set(starts)
    stack = list(seen)
    while stack and len(seen) < limit:
        for nxt in out.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


#: Points per criterion; the score of a match is their sum (see ``score``).
POINTS = {
    "two sides": 3.0,
    "outside constraint": 3.0,
    "exogenous": 1.0,
    "goal": 2.0,
    "delay": 2.0,
    "structure": 2.0,
    "declared loops": 1.0,
    "named loops": 1.0,
    "stock": 1.0,
}


def score(criteria: Iterable[str], loops: Iterable[Loop]) -> float:
    """Sum of the criteria's points, plus up to 2 for short loops (shorter reads easier)."""
    loops = list(loops)
    total = sum(POINTS.get(c, 0.0) for c in set(criteria))
    if loops and all(lp.declared for lp in loops):
        total += POINTS["declared loops"]
    if loops and all(lp.name for lp in loops):
        total += POINTS["named loops"]
    mean = sum(lp.length for lp in loops) / len(loops) if loops else 0.0
    total += max(0.0, min(2.0, (8.0 - mean) / 2.0))
    return round(total, 2)
