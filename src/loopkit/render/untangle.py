"""Fewer crossings on big maps: move variables to where their links cross least.

Graphviz's force-directed layouts (``neato``, ``sfdp``) place variables by
distance alone and leave big maps with about four crossings per link. Here
loopkit takes such a layout as its start and improves it by local search,
one variable at a time: of a few dozen candidate spots (where it is, the
middle of its neighbours, spots round it and across the picture), it moves
the variable to the one where its links cross the fewest others, run through
no other variable, and its box keeps clear of every other box; where no spot
helps, it tries swapping places with a variable near its neighbours. Such
moves stop in a local minimum: a few times, the most crossed variables are then
thrown elsewhere and the sweeps rerun, and the result is kept where it is
better (an iterated local search). Links are straight lines between box
centres here; ``untangled_layout`` then draws them from border to border and
bends the few that still touch a box.

Bounded: a fixed number of sweeps and kicks, each candidate scored with
arrays of (candidates x links x other links) in numpy, and a ``Budget`` that
stops the sweeps early and skips kicks it has no time for (and says so).
Deterministic: candidates come from a fixed low-discrepancy sequence, ties go
to the earlier candidate, and only integer counts and rounded lengths are
compared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from loopkit.render.layout import (
    Box,
    Budget,
    EdgeShape,
    Layout,
    Point,
)
from loopkit.render.routing import _border, route_around

#: Sweeps over all variables at most (each moves a variable only when that helps).
SWEEPS = 5
#: Candidate spots tried per variable and sweep.
CANDIDATES = 32
#: Space kept between two variables' boxes (points, each side: x, y).
GAP = (8.0, 6.0)
#: What one link through another variable costs, in crossings.
THROUGH = 2.0
#: What the links' length costs, in crossings per typical link length (keeps the map
#: compact: without it, variables drift to the edges where nothing crosses).
LENGTH = 0.1
#: Times the most crossed variables are thrown elsewhere and the sweeps rerun, keeping
#: what helped (Foresight, sfdp seeds 1-8, mean crossings: 689 without kicks, 664 with
#: 1 kick, 649 with 2, 643 with 3; each costs about a third of a second there) ...
KICKS = 2
#: ... variables thrown per kick (4, 8, 12, 16 tried: 8 did best) ...
KICKED = 8
#: ... and sweeps after each (1 sweep: 680; 2: 649; 3: 634 with 4 kicks, at twice the time).
RESWEEPS = 2
#: Variables tried for swapping places with one that no single move helps.
SWAPS = 6
#: Candidates whose links are checked for running through boxes (the best by the
#: other terms: measuring that is the slow part).
FINALISTS = 6
#: Most links a map may have for the search (beyond it the map keeps neato's layout;
#: neato itself runs out of the default time budget long before).
MAX_LINKS = 5000
#: Most array cells one step of scoring builds (candidates x links x links): memory
#: stays at tens of megabytes however big the map and its busiest variable.
CELLS = 2_000_000


def _halton(index: int, base: int) -> float:
    """The ``index``-th number of the van der Corput sequence in ``base`` (in [0, 1))."""
    result, f = 0.0, 1.0
    while index > 0:
        f /= base
        result += f * (index % base)
        index //= base
    return result


def _side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    return ((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
            - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))


def _through(a: np.ndarray, b: np.ndarray, lo: np.ndarray,
             hi: np.ndarray) -> np.ndarray:
    """Whether segments ``a``-``b`` pass through boxes ``lo``-``hi`` (broadcast), by slabs."""
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (lo - a) / d
        t2 = (hi - a) / d
    inf = np.inf
    flat = d == 0
    inside = (a > lo) & (a < hi)
    t1 = np.where(flat, np.where(inside, -inf, inf), t1)
    t2 = np.where(flat, np.where(inside, inf, -inf), t2)
    near = np.minimum(t1, t2).max(axis=-1)
    far = np.maximum(t1, t2).min(axis=-1)
    return (np.maximum(near, 0.0) < np.minimum(far, 1.0))


def untangle(nodes: Sequence[Box], ends: Sequence[tuple[int, int]],
             budget: Budget | None = None, sweeps: int = SWEEPS,
             kicks: int | None = None) -> list[Point]:
    """New centres for ``nodes`` with fewer crossings between the links ``ends``.

    Each sweep visits the variables whose links cross others, most crossed
    first; links from a variable to itself are ignored. Sweeps stop after
    ``sweeps``, or when one gains less than 1 %. Then ``kicks`` times (``KICKS``
    if None), the most crossed variables are thrown elsewhere and the sweeps run
    again; the layout is kept where that lowered the cost (``_Search.cost``).
    Stops early when ``budget`` runs out, with the best layout found so far.
    """
    n = len(nodes)
    pairs = sorted({(min(a, b), max(a, b)) for a, b in ends if a != b})
    if n < 3 or len(pairs) < 2 or len(pairs) > MAX_LINKS:
        return [(b.x, b.y) for b in nodes]
    search = _Search(nodes, np.array(pairs, dtype=np.int64))
    began = budget.clock() if budget is not None else 0.0
    if search.sweeps(sweeps, budget):
        best, best_cost = search.P.copy(), search.cost()
        # A kick only improves a finished layout: one starts while twice what the first
        # sweeps took is left before what later steps keep, so kicks never take the
        # time routing the links round boxes needs (a cut kick is noted like a sweep).
        spent = budget.clock() - began if budget is not None else 0.0
        for _kick in range(KICKS if kicks is None else kicks):
            if budget is not None and budget.over("untangling", keep=budget.keep + 2 * spent):
                break
            search.P = best.copy()
            search.kick(KICKED)
            if not search.sweeps(RESWEEPS, budget):
                break
            cost = search.cost()
            if cost < best_cost - 1e-9:
                best, best_cost = search.P.copy(), cost
        search.P = best
    return [(float(x), float(y)) for x, y in search.P]


class _Search:
    """The state of one untangling: centres ``P`` (moved in place), box half sizes,
    links, and the position in the low-discrepancy sequence candidates come from."""

    def __init__(self, nodes: Sequence[Box], E: np.ndarray) -> None:
        self.P = np.array([(b.x, b.y) for b in nodes], dtype=float)
        self.H = np.array([(b.hw, b.hh) for b in nodes], dtype=float)
        self.E = E
        self.gap = np.array(GAP)
        P = self.P
        self.unit = float(np.median(np.hypot(*(P[E[:, 0]] - P[E[:, 1]]).T))) or 100.0
        self.lo, self.hi = P.min(axis=0), P.max(axis=0)
        self.span = self.hi - self.lo
        self.incident = [np.flatnonzero((E[:, 0] == v) | (E[:, 1] == v))
                         for v in range(len(P))]
        self.counter = 0

    def _next(self) -> tuple[float, float]:
        self.counter += 1
        return _halton(self.counter, 2), _halton(self.counter, 3)

    def _crossed(self, counts: np.ndarray) -> np.ndarray:
        """How many crossings each variable's links have (from per-link ``counts``)."""
        per_node = np.zeros(len(self.P), dtype=np.int64)
        np.add.at(per_node, self.E[:, 0], counts)
        np.add.at(per_node, self.E[:, 1], counts)
        return per_node

    def sweeps(self, most: int, budget: Budget | None) -> bool:
        """Up to ``most`` sweeps; False when ``budget`` ran out (``P`` half-swept)."""
        P, E = self.P, self.E
        before = crossing_counts(P, E)
        for _sweep in range(most):
            per_node = self._crossed(before)
            order = sorted((v for v in range(len(P)) if per_node[v] > 0),
                           key=lambda v: (-int(per_node[v]), v))
            for v in order:
                if budget is not None and budget.over("untangling"):
                    return False
                self._move(v)
            after = crossing_counts(P, E)
            if after.sum() > 0.99 * before.sum():
                break
            before = after
        return True

    def _move(self, v: int) -> None:
        """Move ``v`` to the best of its candidate spots, or swap it, where that helps."""
        P, E = self.P, self.E
        inc = self.incident[v]
        nb = np.where(E[inc, 0] == v, E[inc, 1], E[inc, 0])
        cands = [P[v].copy(), P[nb].mean(axis=0)]
        for k in range(CANDIDATES - 2):
            u1, u2 = self._next()
            if k % 2 == 0:  # near where it is
                radius = self.unit * 1.2 * math.sqrt(u1)
                angle = 2 * math.pi * u2
                cands.append(P[v] + radius * np.array([math.cos(angle), math.sin(angle)]))
            else:  # anywhere in the picture
                cands.append(self.lo + self.span * np.array([u1, u2]))
        C = np.clip(np.array(cands), self.lo, self.hi)
        score = _score(P, self.H, E, v, inc, nb, C, self.gap, self.unit)
        best = int(np.argmin(score))
        if score[best] < score[0] - 1e-9:
            P[v] = C[best]
        elif SWAPS:
            _try_swaps(P, self.H, E, v, self.incident, self.gap, self.unit)

    def kick(self, count: int) -> None:
        """Throw the ``count`` most crossed variables (ties: the first) to spots anywhere
        in the picture where their boxes keep clear of the rest: a way out of a local
        minimum that single moves cannot leave."""
        per_node = self._crossed(crossing_counts(self.P, self.E))
        order = sorted(range(len(self.P)), key=lambda v: (-int(per_node[v]), v))
        for v in order[:count]:
            if per_node[v] == 0:
                break
            was = self.P[v].copy()
            for _try in range(CANDIDATES):
                u1, u2 = self._next()
                self.P[v] = self.lo + self.span * np.array([u1, u2])
                if not _clashes(self.P, self.H, (v,), self.gap):
                    break
            else:
                self.P[v] = was

    def cost(self) -> float:
        """Crossings, links through boxes and length, weighted as a move is scored."""
        P, E = self.P, self.E
        crossings = int(crossing_counts(P, E).sum()) // 2
        length = float(np.hypot(*(P[E[:, 0]] - P[E[:, 1]]).T).sum()) / self.unit
        grown = self.H + 3.0
        through = 0
        for first in range(0, len(E), 64):  # links x boxes, 64 links at a time
            mine = E[first:first + 64]
            hits = _through(P[mine[:, 0]][:, None, :], P[mine[:, 1]][:, None, :],
                            (P - grown)[None], (P + grown)[None])
            rows = np.arange(len(mine))
            hits[rows, mine[:, 0]] = False
            hits[rows, mine[:, 1]] = False
            through += int(hits.sum())
        return crossings + THROUGH * through + LENGTH * round(length, 6)


def _local_cost(P: np.ndarray, E: np.ndarray, links: np.ndarray, unit: float) -> float:
    """Crossings of ``links`` (indexes into ``E``) with any link sharing no variable with
    them (a pair of two of them counted once), plus their length as in ``_score``."""
    mine = E[links]
    hit = _hits(P, mine, E) & ~_sharing(mine, E)
    inside = np.isin(np.arange(len(E)), links)
    count = hit[:, ~inside].sum() + hit[:, inside].sum() / 2
    length = np.hypot(*(P[mine[:, 0]] - P[mine[:, 1]]).T).sum() / unit
    return float(count) + LENGTH * round(float(length), 6)


def _try_swaps(P: np.ndarray, H: np.ndarray, E: np.ndarray, v: int,
               incident: Sequence[np.ndarray], gap: np.ndarray, unit: float) -> None:
    """Swap ``v`` with one of the variables nearest where its neighbours are, if that
    lowers the crossings of both (and both boxes keep clear of the rest).

    The candidates are tried in order and the first that helps is kept; their
    costs before and after are measured together (``_swap_costs``), one array
    operation instead of two per candidate (numpy's per-call overhead was most of
    the render time on big maps)."""
    nb = np.where(E[incident[v], 0] == v, E[incident[v], 1], E[incident[v], 0])
    target = P[nb].mean(axis=0)
    order = np.argsort(np.hypot(*(P - target).T), kind="stable")
    others: list[int] = []
    for u in order:
        u = int(u)
        if u == v or u in nb:
            continue
        if len(others) == SWAPS:
            break
        others.append(u)
    sets = [np.union1d(incident[v], incident[u]) for u in others]
    if not others or not any(len(links) for links in sets):
        return
    costs = _swap_costs(P, E, v, others, sets, unit)
    for u, links, (now, after) in zip(others, sets, costs, strict=True):
        if len(links) == 0 or not after < now - 1e-9:
            continue
        P[[v, u]] = P[[u, v]]
        if not _clashes(P, H, (v, u), gap):
            return
        P[[v, u]] = P[[u, v]]


def _swap_costs(P: np.ndarray, E: np.ndarray, v: int, others: Sequence[int],
                sets: Sequence[np.ndarray], unit: float) -> list[tuple[float, float]]:
    """``_local_cost`` of each candidate's links before and after swapping ``v`` with
    it, measured in one go (their links as they are: links x all links; each swap's:
    candidates x links x all links), or one at a time where that would exceed
    ``CELLS``."""
    k, m = len(others), len(E)
    width = max(1, max(len(links) for links in sets))
    if k * 2 * width * m > CELLS:
        out = []
        for u, links in zip(others, sets, strict=True):
            if len(links) == 0:
                out.append((0.0, 0.0))
                continue
            now = _local_cost(P, E, links, unit)
            P[[v, u]] = P[[u, v]]
            out.append((now, _local_cost(P, E, links, unit)))
            P[[v, u]] = P[[u, v]]
        return out
    # before: every candidate's links where they are now, measured once for all of them
    union = np.unique(np.concatenate(sets))
    row = {int(link): r for r, link in enumerate(union)}
    share_u = _sharing(E[union], E)
    before = _hits(P, E[union], E) & ~share_u
    # after: each candidate's swap moves its own links (and only those)
    states = np.repeat(P[None], k, axis=0)  # k x n x 2
    for i, u in enumerate(others):
        states[i, [v, u]] = P[[u, v]]
    mine = np.zeros((k, width), dtype=np.int64)
    real = np.zeros((k, width), dtype=bool)
    for i, links in enumerate(sets):
        mine[i, :len(links)] = links
        real[i, :len(links)] = True
    ends = E[mine]  # k x width x 2
    rows = np.arange(k)[:, None]
    a = states[rows, ends[:, :, 0]][:, :, None, :]  # k x width x 1 x 2
    b = states[rows, ends[:, :, 1]][:, :, None, :]
    c = states[:, E[:, 0]][:, None, :, :]  # k x 1 x m x 2
    d = states[:, E[:, 1]][:, None, :, :]
    after = ((_side(a, b, c) * _side(a, b, d) < 0) & (_side(c, d, a) * _side(c, d, b) < 0)
             & ~_sharing(ends.reshape(-1, 2), E).reshape(k, width, m) & real[:, :, None])
    out = []
    for i, links in enumerate(sets):
        inside = np.zeros(m, dtype=bool)
        inside[links] = True
        was = before[[row[int(link)] for link in links]]
        now = after[i]
        pair = []
        for state, hit in ((P, was), (states[i], now)):
            count = hit[:, ~inside].sum() + hit[:, inside].sum() / 2
            length = np.hypot(*(state[E[links, 0]] - state[E[links, 1]]).T).sum() / unit
            pair.append(float(count) + LENGTH * round(float(length), 6))
        out.append((pair[0], pair[1]))
    return out


def _sharing(mine: np.ndarray, E: np.ndarray) -> np.ndarray:
    """Which of links ``E`` share a variable with each of ``mine`` (rows x len(E))."""
    return ((mine[:, None, 0] == E[None, :, 0]) | (mine[:, None, 0] == E[None, :, 1])
            | (mine[:, None, 1] == E[None, :, 0]) | (mine[:, None, 1] == E[None, :, 1]))


def _hits(P: np.ndarray, mine: np.ndarray, E: np.ndarray) -> np.ndarray:
    """Which of links ``E`` each of ``mine`` crosses, drawn straight at ``P`` (rows x
    len(E); links sharing a variable included: mask them with ``_sharing``)."""
    a, b = P[mine[:, 0]][:, None, :], P[mine[:, 1]][:, None, :]
    c, d = P[E[:, 0]][None, :, :], P[E[:, 1]][None, :, :]
    return (_side(a, b, c) * _side(a, b, d) < 0) & (_side(c, d, a) * _side(c, d, b) < 0)


def _clashes(P: np.ndarray, H: np.ndarray, moved: Sequence[int], gap: np.ndarray) -> bool:
    """Whether any of the ``moved`` variables' boxes comes within ``gap`` of another box."""
    for v in moved:
        dx = np.abs(P[v, 0] - P[:, 0]) - H[v, 0] - H[:, 0]
        dy = np.abs(P[v, 1] - P[:, 1]) - H[v, 1] - H[:, 1]
        close = (dx < gap[0]) & (dy < gap[1])
        close[v] = False
        if close.any():
            return True
    return False


def crossing_counts(P: np.ndarray, E: np.ndarray, rows: int = 256) -> np.ndarray:
    """For each link (straight, centre to centre), how many links sharing no variable
    with it it crosses. Measured ``rows`` links at a time, so memory stays bounded by
    ``rows`` x links, not links²."""
    out = np.zeros(len(E), dtype=np.int64)
    a_all, b_all = P[E[:, 0]], P[E[:, 1]]
    for first in range(0, len(E), rows):
        i = np.arange(first, min(first + rows, len(E)))
        mine = E[i]
        share = ((mine[:, None, 0] == E[None, :, 0]) | (mine[:, None, 0] == E[None, :, 1])
                 | (mine[:, None, 1] == E[None, :, 0]) | (mine[:, None, 1] == E[None, :, 1]))
        a, b = a_all[i][:, None, :], b_all[i][:, None, :]
        c, d = a_all[None, :, :], b_all[None, :, :]
        hit = ((_side(a, b, c) * _side(a, b, d) < 0) & (_side(c, d, a) * _side(c, d, b) < 0)
               & ~share)
        out[i] = hit.sum(axis=1)
    return out


def _score(P: np.ndarray, H: np.ndarray, E: np.ndarray, v: int, inc: np.ndarray,
           nb: np.ndarray, C: np.ndarray, gap: np.ndarray, unit: float) -> np.ndarray:
    """Cost of variable ``v`` at each candidate centre ``C`` (K x 2): crossings of its
    links, links through boxes, length; infinite where its box would come within ``gap``
    of another box (except at ``C[0]``, where it is now)."""
    others = np.ones(len(P), dtype=bool)
    others[v] = False
    dx = np.abs(C[:, None, 0] - P[None, others, 0]) - H[v, 0] - H[None, others, 0]
    dy = np.abs(C[:, None, 1] - P[None, others, 1]) - H[v, 1] - H[None, others, 1]
    clash = ((dx < gap[0]) & (dy < gap[1])).any(axis=1)
    clash[0] = False
    keep = np.flatnonzero(~clash)
    C = C[keep]
    mask = np.ones(len(E), dtype=bool)
    mask[inc] = False
    rest = E[mask]
    a, b = P[rest[:, 0]], P[rest[:, 1]]
    q = P[nb]
    # crossings of v's links (c -> q) with links sharing no variable with them
    touch = (rest[None, :, 0] == nb[:, None]) | (rest[None, :, 1] == nb[:, None])
    q4 = q[None, :, None, :]
    a4, b4 = a[None, None, :, :], b[None, None, :, :]
    crossings = np.zeros(len(C), dtype=np.int64)
    step = max(1, CELLS // max(1, len(nb) * len(rest)))  # candidates at a time: memory
    for first in range(0, len(C), step):
        c4 = C[first:first + step, None, None, :]
        cross = ((_side(c4, q4, a4) * _side(c4, q4, b4) < 0)
                 & (_side(a4, b4, c4) * _side(a4, b4, q4) < 0) & ~touch[None])
        crossings[first:first + step] = cross.sum(axis=(1, 2))
    length = np.hypot(C[:, None, 0] - q[None, :, 0], C[:, None, 1] - q[None, :, 1]).sum(axis=1)
    rough = crossings + LENGTH * np.round(length / unit, 6)
    # Links through boxes cost more to measure: only for the few best so far (and here).
    top = np.unique(np.concatenate([[0], np.argsort(rough, kind="stable")[:FINALISTS]]))
    Ct = C[top]
    grown = H + 3.0
    lo, hi = P - grown, P + grown
    # only boxes within reach of the links measured (big maps: most are far away)
    low = np.minimum(Ct.min(axis=0), q.min(axis=0))
    high = np.maximum(Ct.max(axis=0), q.max(axis=0))
    near = np.flatnonzero((hi > low).all(axis=1) & (lo < high).all(axis=1))
    hits = _through(Ct[:, None, None, :], q[None, :, None, :], lo[None, None, near, :],
                    hi[None, None, near, :])  # K x D x N: v's links through other boxes
    own = np.zeros((len(nb), len(P)), dtype=bool)
    own[np.arange(len(nb)), nb] = True
    own[:, v] = True
    through = (hits & ~own[None][:, :, near]).sum(axis=(1, 2))
    vlo, vhi = Ct - grown[v], Ct + grown[v]  # other links through v's box
    reach = np.flatnonzero((np.maximum(a, b) > vlo.min(axis=0)).all(axis=1)
                           & (np.minimum(a, b) < vhi.max(axis=0)).all(axis=1))
    through = through + _through(a[None, reach, :], b[None, reach, :], vlo[:, None, :],
                                 vhi[:, None, :]).sum(axis=1)
    score = np.full(len(clash), np.inf)
    score[keep[top]] = rough[top] + THROUGH * through
    return score


def untangled_layout(layout: Layout, ends: Sequence[tuple[int, int]],
                     budget: Budget | None = None, pinned: Sequence[bool] = (),
                     arrow: float = 10.0, move: bool = True) -> Layout:
    """The layout with variables moved by ``untangle`` and links drawn straight between
    their boxes (a pair of opposite links as two gentle arcs), then bent round any box
    still in their way (``route_around``). Pinned variables keep their place: with any
    pinned, or ``move`` false (a layout engine the user chose), only the links are
    redrawn."""
    from loopkit.render.routing import _bowed

    if any(pinned) or not move:
        centres = [(b.x, b.y) for b in layout.nodes]
    else:
        centres = untangle(layout.nodes, ends, budget)
    nodes = tuple(b.moved(x, y) for b, (x, y) in zip(layout.nodes, centres, strict=True))
    pairs = {(a, b) for a, b in ends}
    edges: list[EdgeShape] = []
    for k, (tail, head) in enumerate(ends):
        old = layout.edges[k]
        if tail == head:  # a link to itself moves with its variable
            dx, dy = nodes[tail].x - layout.nodes[tail].x, nodes[tail].y - layout.nodes[tail].y
            edges.append(_shifted(old, dx, dy))
            continue
        bow = 16.0 if (head, tail) in pairs else 0.0
        shape = _bowed(nodes[tail], nodes[head], bow, bow, arrow) if bow else None
        edges.append(shape or straight(nodes[tail], nodes[head], arrow))
    x0 = min(b.x - b.hw for b in nodes)
    y0 = min(b.y - b.hh for b in nodes)
    x1 = max(b.x + b.hw for b in nodes)
    y1 = max(b.y + b.hh for b in nodes)
    return route_around(Layout((x0, y0, x1, y1), nodes, tuple(edges)), ends, budget)


def _shifted(shape: EdgeShape, dx: float, dy: float) -> EdgeShape:
    tip = None if shape.tip is None else (shape.tip[0] + dx, shape.tip[1] + dy)
    return EdgeShape(tuple((x + dx, y + dy) for x, y in shape.points), tip)


def straight(tail: Box, head: Box, arrow: float = 10.0) -> EdgeShape:
    """A straight link from ``tail``'s border to an arrow tip on ``head``'s border (boxes
    that touch get the shortest line between their centres' rays)."""
    start = _border(tail, (head.x, head.y)) or (tail.x, tail.y)
    tip = _border(head, (tail.x, tail.y)) or (head.x, head.y)
    gap = math.dist(start, tip)
    if gap > arrow:
        end = (tip[0] + (start[0] - tip[0]) / gap * arrow,
               tip[1] + (start[1] - tip[1]) / gap * arrow)
    else:
        end = ((start[0] + tip[0]) / 2, (start[1] + tip[1]) / 2)
    thirds = ((start[0] * 2 + end[0]) / 3, (start[1] * 2 + end[1]) / 3)
    two = ((start[0] + end[0] * 2) / 3, (start[1] + end[1] * 2) / 3)
    return EdgeShape((start, thirds, two, end), tip)
