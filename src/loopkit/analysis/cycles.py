"""Bounded, streaming enumeration of elementary cycles in a signed digraph.

Works on plain integer adjacency lists (no networkx on the hot path, so
``loopkit loops`` starts fast). Each cycle is found exactly once: from its
lowest-numbered vertex, or from the one vertex a query is about. The
depth-first search never steps onto a vertex from which the start cannot be
reached again within the remaining length: shortest distances back to the
start are computed per start vertex (a breadth-first search over
predecessors, restricted to the vertices that start may use). That makes the
length-bounded search output-sensitive where plain backtracking is not: the
"diamond chain" of networkx issues #8265/#8737 (t diamonds, every cycle
2t + 1 links long, bound 2t) is answered "no loops" after O(n·m) work instead
of 2^t dead-end paths.

Signs are tracked incrementally: every link carries a weight (1 for a
negative link, 2^32 for an unknown one), summed along the path, so a cycle's
type is known the moment it closes (bit 0 = parity of negatives; anything at
or above 2^32 = an unknown link).

Every search is bounded three ways and says which bound stopped it:

* ``max_length`` - links per cycle (``None``: no bound);
* ``limit`` - cycles kept;
* ``time_budget`` - seconds. The clock is read every few thousand link
  examinations (fewer when vertices have many links), whether or not cycles
  are being found, so a budget is honoured to well within 10 %.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, NamedTuple

from loopkit.limits import DEFAULT_LOOP_LIMIT, DEFAULT_MAX_LENGTH, DEFAULT_TIME_BUDGET

NEGATIVE = 1
UNKNOWN = 2
DELAY = 4

#: Weight a link adds to the running sum along a path (see the module docstring).
_NEG_WEIGHT = 1
_UNK_WEIGHT = 1 << 32

#: Link examinations between clock reads (divided by the largest out-degree).
_WORK_PER_CHECK = 4096

#: How often (seconds) a progress callback is called at most.
_PROGRESS_EVERY = 0.1

#: Time held back from the budget per kept cycle, for the work left once the
#: search stops (sorting; for callers, numbering): this many times what storing
#: a cycle costs, measured on a sample as the search runs (so a loaded machine
#: reserves more), and at least ``_RESERVE_FLOOR`` seconds.
RESERVE_FACTOR = 1.5
_RESERVE_FLOOR = 0.2e-6

#: Searches with a time budget and a length bound above this go by increasing
#: bounds, this many links more each time (see ``find_cycles``).
DEEPEN_FROM = 12
_DEEPEN_STEP = 2

#: Every how many kept cycles the cost of storing one is timed.
_SAMPLE_EVERY = 32

#: Bounds on the reservation: the first sample counts for at most this many
#: seconds, and the whole reservation is at most this share of the budget.
_FIRST_SAMPLE_CAP = 20e-6
_RESERVE_CAP = 0.3
_LENGTH_CAP = 8

#: Cycle kinds as small integers (index into counts): reinforcing, balancing, undetermined.
REINFORCING, BALANCING, UNDETERMINED = 0, 1, 2


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Collections triggered by allocation alone would rescan every tuple kept
    so far, again and again (half the time of a large listing); nothing built
    here can form a reference cycle. On the way out the new objects are moved
    straight to the oldest generation (``freeze`` + ``unfreeze`` splice lists,
    no traversal), so re-enabling the collector does not make the next
    allocation pay for scanning them all at once. Skipped if the program uses
    ``gc.freeze`` itself, to leave its frozen objects alone.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def kind_of(weight: int) -> int:
    """Cycle kind from its summed link weight."""
    if weight >= _UNK_WEIGHT:
        return UNDETERMINED
    return weight & 1


class SignedDigraph(NamedTuple):
    """``succ[u]`` lists ``(v, flags)`` for each link u -> v; flags use the bits above.

    (Named tuples rather than dataclasses here: they cost a fifth as much to
    define, and this module is imported on every ``loopkit loops`` start.)
    """

    succ: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def n(self) -> int:
        return len(self.succ)

    @property
    def m(self) -> int:
        return sum(len(s) for s in self.succ)

    @classmethod
    def from_edges(cls, n: int, edges: Sequence[tuple[int, int, int]]) -> SignedDigraph:
        succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for u, v, flags in edges:
            succ[u].append((v, flags))
        return cls(tuple(tuple(sorted(s)) for s in succ))

    def predecessors(self) -> list[list[int]]:
        pred: list[list[int]] = [[] for _ in range(self.n)]
        for u, targets in enumerate(self.succ):
            for v, _ in targets:
                pred[v].append(u)
        return pred

    def weighted(self) -> list[list[tuple[int, int]]]:
        """Adjacency with each link's path weight instead of its flags."""
        return [[(v, (_NEG_WEIGHT if f & NEGATIVE else 0) + (_UNK_WEIGHT if f & UNKNOWN else 0))
                 for v, f in targets] for targets in self.succ]

    def has_link(self, u: int, v: int) -> bool:
        return any(w == v for w, _ in self.succ[u])


class RawCycle(NamedTuple):
    """A cycle as vertex numbers in causal order, with its sign counts (a tuple: cheap)."""

    nodes: tuple[int, ...]
    negatives: int
    unknowns: int

    @property
    def kind(self) -> int:
        return UNDETERMINED if self.unknowns else self.negatives & 1


def raw_cycle(nodes: tuple[int, ...], weight: int) -> RawCycle:
    """The default form of a kept cycle."""
    return RawCycle(nodes, weight & (_UNK_WEIGHT - 1), weight >> 32)


class SearchProgress(NamedTuple):
    """What a long search has done so far (for progress displays)."""

    elapsed: float
    found: int
    roots_done: int
    roots_total: int


ProgressCallback = Callable[[SearchProgress], None]


class _Clock:
    """Deadline, progress and stop reason shared by a search and its consumer."""

    def __init__(self, time_budget: float | None, progress: ProgressCallback | None,
                 reserve_factor: float = 0.0) -> None:
        self.start = time.monotonic()
        self.budget = time_budget
        self.deadline = None if time_budget is None else self.start + time_budget
        self.progress = progress
        self.next_report = self.start + _PROGRESS_EVERY
        self.reserve_factor = reserve_factor
        self.reserve_cap = _RESERVE_CAP
        self.reserve = _RESERVE_FLOOR if reserve_factor else 0.0
        self.store_cost = 0.0
        self.kept = 0
        self.found = 0
        self.roots_done = 0
        self.roots_total = 0
        self.timed_out = False
        #: when to stop and hand the rest of the work to the compiled kernel (see
        #: ``count_cycles``), in this process's CPU time (``time.process_time``: the
        #: same work on a busy machine decides alike); ``handoff`` says that happened
        self.handoff_at: float | None = None
        self.handoff = False

    def expired(self) -> bool:
        """Read the clock; report progress; say whether the time budget is used up (or the
        search should stop for a hand-off)."""
        now = time.monotonic()
        if self.handoff_at is not None:
            cpu = time.process_time()
            if cpu >= self.handoff_at or (
                    cpu >= self.handoff_at - KERNEL_AFTER + KERNEL_EARLY
                    and self.roots_total >= KERNEL_EARLY_ROOTS
                    and self.roots_done < KERNEL_EARLY_SHARE * self.roots_total):
                self.handoff = True
                return True
        if self.progress is not None and now >= self.next_report:
            self.next_report = now + _PROGRESS_EVERY
            self.progress(SearchProgress(now - self.start, self.found, self.roots_done,
                                         self.roots_total))
        if self.deadline is not None and (
                now + min(self.reserve * self.kept, self.reserve_cap * self.budget)  # type: ignore[operator]
                >= self.deadline):
            self.timed_out = True
        return self.timed_out

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def sample(self, seconds: float, length: int) -> None:
        """One timed store of a kept cycle: update the time reserved per kept cycle.

        Storing costs more for longer cycles, sorting and numbering do not: a
        sample counts as if the cycle were at most ``_LENGTH_CAP`` links long.
        It is also clipped to a few times the running estimate, so a pause of
        the whole process (another program, swapping) cannot inflate it.
        """
        if length > _LENGTH_CAP:
            seconds *= _LENGTH_CAP / length
        if self.store_cost:
            seconds = min(seconds, 3 * self.store_cost)
            self.store_cost = 0.9 * self.store_cost + 0.1 * seconds
        else:
            self.store_cost = min(seconds, _FIRST_SAMPLE_CAP)
        self.reserve = max(_RESERVE_FLOOR, self.reserve_factor * self.store_cost)


def _distances_to(root: int, pred: list[list[int]], low: int, bound: int) -> list[int]:
    """Shortest number of links from each vertex (>= low) back to ``root``; ``bound + 1``
    where that is more than ``bound`` or impossible."""
    inf = bound + 1
    dist = [inf] * len(pred)
    dist[root] = 0
    queue = deque([root])
    while queue:
        v = queue.popleft()
        d = dist[v] + 1
        if d > bound:
            break  # breadth-first: every later vertex is at least as far
        for u in pred[v]:
            if u >= low and dist[u] > d:
                dist[u] = d
                queue.append(u)
    return dist


class _Walk:
    """One depth-first search from ``root``; iterate it for ``(path, weight)`` pairs.

    ``path`` is the live path list (copy it to keep it). ``bound`` may be
    lowered by the consumer between cycles (the search re-reads it after each
    one), which is how the shortest-first search prunes as it goes.
    """

    def __init__(self, succ: list[list[tuple[int, int]]], root: int, low: int,
                 dist: list[int], hard_bound: int, first_step: int | None, clock: _Clock,
                 every: int, on_path: bytearray, stage: int | None = None) -> None:
        self.succ = succ
        self.root = root
        self.low = low
        self.dist = dist
        self.bound = hard_bound if stage is None else min(stage, hard_bound)
        self.stage_bound = self.bound
        self.hard_bound = hard_bound
        self.first_step = first_step
        self.clock = clock
        self.every = every
        self.on_path = on_path
        self.length_pruned = False
        self.bound_cut = False

    def __iter__(self) -> Iterator[tuple[list[int], int]]:
        succ, root, dist, clock, on_path = (self.succ, self.root, self.dist, self.clock,
                                            self.on_path)
        hard = self.hard_bound
        stage = self.stage_bound
        bound = self.bound
        every = self.every
        first = succ[root] if self.first_step is None else [
            e for e in succ[root] if e[0] == self.first_step]
        path = [root]
        weights = [0]
        stack = [iter(first)]
        on_path[root] = 1
        countdown = every
        pruned = cut = False
        try:
            while stack:
                countdown -= 1
                if not countdown:
                    countdown = every
                    if clock.expired():
                        return
                depth = len(path)
                for v, w in stack[-1]:
                    d = dist[v]
                    if not d:
                        yield path, weights[-1] + w
                        bound = self.bound
                        if clock.timed_out:
                            return
                        continue
                    if depth + d > bound:
                        if depth + d <= stage:
                            cut = True  # only by a bound the consumer lowered
                        elif d <= hard:
                            pruned = True  # longer loops may exist
                        continue
                    if on_path[v]:
                        continue
                    path.append(v)
                    on_path[v] = 1
                    weights.append(weights[-1] + w)
                    stack.append(iter(succ[v]))
                    break
                else:
                    stack.pop()
                    on_path[path.pop()] = 0
                    weights.pop()
        finally:
            for v in path:
                on_path[v] = 0
            if pruned:
                self.length_pruned = True
            if cut:
                self.bound_cut = True


class _Plan(NamedTuple):
    """Which roots to search from, and how (shared by every search mode)."""

    graph: SignedDigraph
    max_length: int | None
    through: int | None
    link: tuple[int, int] | None
    #: search only up to this length for now (a stage of a deepening search)
    stage: int | None = None

    def walks(self, clock: _Clock, skip: int = 0) -> Iterator[_Walk]:
        """The walks from each root, after the first ``skip`` (already done)."""
        graph = self.graph
        n = graph.n
        if n == 0:
            return
        hard = self.hard
        succ = graph.weighted()
        pred = graph.predecessors()
        max_degree = max(len(s) for s in succ)
        every = max(1, _WORK_PER_CHECK // max(1, max_degree))
        on_path = bytearray(n)
        roots = self.roots()
        clock.roots_total = len(roots)
        clock.roots_done = skip
        for root, low, first in roots[skip:]:
            if clock.expired():
                return
            dist = _distances_to(root, pred, low, hard)
            yield _Walk(succ, root, low, dist, hard, first, clock, every, on_path, self.stage)
            if clock.timed_out or clock.handoff:  # that walk was cut short
                return
            clock.roots_done += 1

    def roots(self) -> list[tuple[int, int, int | None]]:
        """``(start vertex, lowest vertex the walk may use, forced first step)`` per walk."""
        if self.link is not None:
            return [(self.link[0], 0, self.link[1])] if self.graph.has_link(*self.link) else []
        if self.through is not None:
            return [(self.through, 0, None)]
        return [(r, r, None) for r in range(self.graph.n)]

    @property
    def hard(self) -> int:
        """The longest cycle searched: ``max_length``, or n (no cycle is longer)."""
        n = self.graph.n
        return n if self.max_length is None else min(self.max_length, n)

    @property
    def length_bounded(self) -> bool:
        """Whether ``max_length`` can rule out any cycle (none is longer than n links)."""
        return self.max_length is not None and self.max_length < self.graph.n

    @property
    def rotate(self) -> bool:
        """Whether found paths may not start at their lowest vertex."""
        return self.link is not None or self.through is not None

    @property
    def require(self) -> int | None:
        """A vertex found cycles must also pass through (``through`` with ``link``)."""
        if self.link is not None and self.through is not None and self.through not in self.link:
            return self.through
        return None


def _canonical(nodes: tuple[int, ...]) -> tuple[int, ...]:
    """Rotate a cycle to start at its lowest vertex."""
    k = nodes.index(min(nodes))
    return nodes[k:] + nodes[:k] if k else nodes


def time_reason(budget: float | None, covered: int | None = None, total: int = 0,
                complete_length: int | None = None) -> str:
    """Why a search stopped on time, and what is nevertheless complete.

    ``complete_length``: every loop of up to that many links was found.
    ``covered`` start variables were searched to the end: since every loop is
    searched from its variable declared first, every loop through one of the
    first ``covered`` variables was found.
    """
    text = f"time budget of {budget:g} s used up"
    if complete_length:
        text += f"; every loop of up to {complete_length} links is included"
    elif covered and total > 1:
        text += (f"; every loop through the first {covered:,} of {total:,} variables "
                 "(file order) is included")
    return text


def _stop_reason(clock: _Clock, limit_hit: bool, limit: int | None, length_pruned: bool,
                 max_length: int | None, shortest: bool, covered: bool = True) -> str | None:
    if clock.timed_out:
        return time_reason(clock.budget, clock.roots_done if covered else None,
                           clock.roots_total)
    if limit_hit:
        kept = f"; the {limit:,} shortest are kept" if shortest else ""
        return f"limit of {limit:,} loops reached{kept}"
    if length_pruned and max_length is not None:
        return (f"loops longer than {max_length} links may exist and were not searched "
                "(raise --max-length)")
    return None


class CycleResult(NamedTuple):
    """Kept cycles (``RawCycle`` or what ``keep`` made of them) in canonical order (by
    length, then vertex numbers), and why the search stopped."""

    cycles: list[Any]
    truncated: bool
    reason: str | None
    elapsed: float
    seen: int
    timed_out: bool = False
    #: searches from this many start variables ran to the end (see ``time_reason``)
    covered: int = 0
    #: ... of this many
    starts: int = 0
    #: when the budget stopped a search that went by increasing length bounds:
    #: every cycle up to this many links is kept (0: none promised)
    complete_length: int = 0


def find_cycles(
    graph: SignedDigraph,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_LOOP_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    through: int | None = None,
    link: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
    reserve_factor: float = RESERVE_FACTOR,
    reserve_cap: float = _RESERVE_CAP,
    keep: Callable[[tuple[int, ...], int], Any] = raw_cycle,
    deepen_from: int | None = DEEPEN_FROM,
) -> CycleResult:
    """The ``limit`` shortest cycles (ties: lowest vertex numbers first), each starting at
    its lowest vertex.

    Once ``limit`` cycles are kept the search carries on with its length bound
    lowered to the longest kept cycle (branch and bound), so the kept cycles
    are exactly the first ``limit`` of the full sorted list: what a truncated
    listing shows, and the ids it gives, do not depend on the search order.
    Memory stays proportional to ``limit``. Time is held back from the budget
    for the work after the search: ``reserve_factor`` times the measured cost
    of storing a kept cycle, per kept cycle, at most ``reserve_cap`` of the budget. Each kept
    cycle is stored as ``keep(vertices, weight)`` (default: a ``RawCycle``),
    so callers can build their results while the search runs, inside its
    time budget.

    With a time budget and a length bound above ``deepen_from``, the search
    goes by increasing bounds (``deepen_from``, then 2 more each time), each
    stage keeping only the cycles longer than the last: if time runs out, all
    cycles up to the last completed bound are there, not a lopsided sample of
    long ones (the reason says so). Costs about a third more on maps whose
    loop count grows fast with length; without a budget it is one pass.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    plan = _Plan(graph, max_length, through, link)
    clock = _Clock(time_budget, progress, reserve_factor)
    clock.reserve_cap = reserve_cap
    hard = plan.hard
    if time_budget is None or deepen_from is None or hard <= deepen_from:
        stages = [hard]
    else:
        stages = [*range(deepen_from, hard, _DEEPEN_STEP), hard]
    kept: list[Any] = []
    seen = 0
    complete = 0  # every cycle up to this length is in ``kept``
    limit_hit = length_pruned = dropped = False
    with gc_paused():
        for bound in stages:
            stage = plan._replace(stage=bound)
            room = None if limit is None else limit - len(kept)
            if room == 0:  # full: is there any longer cycle at all?
                limit_hit, pruned = _more_than(plan, clock, 0, complete + 1)
                if not limit_hit and not clock.timed_out:
                    # the full-length walk ran to the end: whether it was cut at
                    # the length bound is known exactly, as in one pass
                    complete, length_pruned = hard, pruned
                break
            found, stage_seen, pruned, cut = _keep_shortest(stage, clock, room, keep,
                                                            complete + 1)
            kept += found  # every stage's cycles are longer than the last stage's
            seen += stage_seen
            if clock.timed_out:
                dropped = room is not None and stage_seen > room
                break
            limit_hit = room is not None and stage_seen > room
            if room is not None and cut and not limit_hit:
                # Exactly ``room`` cycles were seen and the lowered bound cut
                # paths off: whether one of them closes decides.
                limit_hit = _more_than(stage, clock, room, complete + 1)[0]
            if limit_hit:
                break
            complete = bound
            length_pruned = pruned
            if not pruned:
                break  # no longer cycle is possible
    covered = 0
    if clock.timed_out:
        # What is complete: every cycle up to ``complete`` links; or, when the
        # one full-length stage stopped with nothing dropped, every cycle
        # through the start vertices searched to the end.
        if len(stages) == 1 and not plan.rotate and not dropped:
            covered = clock.roots_done
        reason: str | None = time_reason(clock.budget, covered, clock.roots_total, complete)
    else:
        reason = _stop_reason(clock, limit_hit, limit, length_pruned and not limit_hit
                              and plan.length_bounded, max_length, shortest=True)
    return CycleResult(kept, reason is not None, reason, clock.elapsed, seen, clock.timed_out,
                       covered, clock.roots_total, complete if clock.timed_out else 0)


def _more_than(plan: _Plan, clock: _Clock, limit: int, shortest: int = 1
               ) -> tuple[bool, bool]:
    """Whether the plan has more than ``limit`` cycles of at least ``shortest`` links
    (stops at the first one over), and whether a walk was cut at the length bound."""
    require = plan.require
    seen = 0
    pruned = False
    for walk in plan.walks(clock):
        for path, _ in walk:
            if len(path) >= shortest and (require is None or walk.on_path[require]):
                seen += 1
                if seen > limit:
                    return True, pruned
        pruned |= walk.length_pruned
    return False, pruned


def _keep_shortest(plan: _Plan, clock: _Clock, limit: int | None,
                   keep: Callable[[tuple[int, ...], int], Any], shortest: int = 1
                   ) -> tuple[list[Any], int, bool, bool]:
    """Run the walks, keeping ``keep(nodes, weight)`` for the ``limit`` smallest cycles
    of at least ``shortest`` links by (length, vertices), in that order."""
    rotate = plan.rotate
    require = plan.require
    # kept cycles: a max-heap (by negated keys) when limited, else a plain list
    heap: list[tuple[int, Any, Any]] = []
    plain: list[tuple[Any, ...]] = []
    seen = 0
    length_pruned = cut = False
    for walk in plan.walks(clock):
        if limit is not None and len(heap) >= limit:
            walk.bound = min(walk.bound, -heap[0][0])
        for path, weight in walk:
            if len(path) < shortest or (require is not None and not walk.on_path[require]):
                continue
            seen += 1
            clock.found = seen
            nodes = tuple(path)
            if rotate:
                nodes = _canonical(nodes)
            if limit is not None:
                # discovery order is vertex order unless rotated (see below): a
                # counter then breaks ties as the vertices would, without
                # comparing long tuples
                key: tuple[int, Any] = (
                    -len(nodes), tuple([-x for x in nodes]) if rotate else -seen)
                if len(heap) >= limit and key <= heap[0][:2]:
                    continue  # not among the shortest
            if seen % _SAMPLE_EVERY:
                payload = keep(nodes, weight)
            else:
                started = time.perf_counter()
                payload = keep(nodes, weight)
                clock.sample(time.perf_counter() - started, len(nodes))
            if limit is None:
                plain.append((len(nodes), nodes, payload) if rotate else (len(nodes), payload))
                clock.kept += 1
            elif len(heap) < limit:
                heapq.heappush(heap, (*key, payload))
                clock.kept += 1
                if len(heap) == limit:
                    walk.bound = -heap[0][0]
            else:
                heapq.heapreplace(heap, (*key, payload))
                walk.bound = -heap[0][0]
        length_pruned |= walk.length_pruned  # the caller knows if that matters
        cut |= walk.bound_cut
    if limit is not None:
        heap.sort(reverse=True)  # keys are unique: payloads are never compared
        return [item[2] for item in heap], seen, length_pruned, cut
    if rotate:
        plain.sort(key=itemgetter(0, 1))
    else:
        # Each root's depth-first search visits successors in increasing order
        # and closes a cycle (the root is its lowest vertex) before going
        # deeper, so cycles arrive in (root, vertices) order: a stable sort
        # by length alone gives (length, vertices) order.
        plain.sort(key=itemgetter(0))
    return [item[-1] for item in plain], seen, length_pruned, cut


class CycleCount(NamedTuple):
    """How many cycles there are, by length and kind, and why the count stopped if it did."""

    by_length: dict[int, list[int]]
    truncated: bool
    reason: str | None
    elapsed: float

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.by_length.values())


#: A count still running after this many seconds of CPU time in pure Python goes on in
#: the compiled kernel, if numba is installed: numba's import costs about as much, so
#: counts that end sooner (the Foresight map's 71,789 loops up to 14 links) never
#: pay it, and the counts that need the kernel lose little ...
KERNEL_AFTER = 0.4
#: ... or sooner, after ``KERNEL_EARLY`` seconds, when fewer than this share of at
#: least this many start vertices is done: the count is then a long one (World3's
#: first start vertex alone takes seconds), and waiting would only add to it.
KERNEL_EARLY = 0.1
KERNEL_EARLY_SHARE = 0.02
KERNEL_EARLY_ROOTS = 50
#: ... and if at least this much of the time budget is left: numba's import, and
#: its compile on a machine that has not run it before, cannot be interrupted.
KERNEL_MIN_LEFT = 2.0


def _kernel_available() -> bool:
    """Whether numba is installed (without importing it) and not disabled by
    ``LOOPKIT_PURE_PYTHON=1``."""
    import importlib.util
    import os

    return (os.environ.get("LOOPKIT_PURE_PYTHON") != "1"
            and importlib.util.find_spec("numba") is not None)


def count_cycles(
    graph: SignedDigraph,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    through: int | None = None,
    link: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
    kernel: bool | None = None,
) -> CycleCount:
    """Count cycles by length and kind without keeping any (memory: one path).

    ``kernel``: True counts in the compiled kernel (numba must be installed), False
    in pure Python; None (default) starts in pure Python and hands the start
    vertices not yet done to the kernel after ``KERNEL_AFTER`` seconds, if numba
    is installed and ``KERNEL_MIN_LEFT`` seconds of the budget are left. The counts
    are the same either way.
    """
    plan = _Plan(graph, max_length, through, link)
    clock = _Clock(time_budget, progress, 0.0)
    require = plan.require
    counts: dict[int, list[int]] = {}
    length_pruned = False
    seen = 0
    if kernel is None and _kernel_available() and (
            time_budget is None or time_budget >= KERNEL_AFTER + KERNEL_MIN_LEFT):
        clock.handoff_at = time.process_time() + KERNEL_AFTER
    if kernel:
        from loopkit.analysis import kernel as module  # needs numba

        length_pruned = _kernel_count(module, plan, clock, counts, 0)
    skip = 0
    while not kernel:
        for walk in plan.walks(clock, skip):
            before = {length: row[:] for length, row in counts.items()}, seen
            for path, weight in walk:
                if require is not None and not walk.on_path[require]:
                    continue
                seen += 1
                clock.found = seen
                length = len(path)
                row = counts.get(length)
                if row is None:
                    row = counts[length] = [0, 0, 0]
                row[UNDETERMINED if weight >= _UNK_WEIGHT else weight & 1] += 1
            if clock.handoff:
                counts, seen = before  # that walk is redone by the kernel
                break
            length_pruned |= walk.length_pruned and plan.length_bounded
        if not clock.handoff:
            break
        clock.handoff_at = None
        clock.handoff = False
        skip = clock.roots_done
        try:
            from loopkit.analysis import kernel as module

            length_pruned |= _kernel_count(module, plan, clock, counts, seen)
            break
        except Exception:
            # the kernel only speeds the count up: if numba cannot be imported, or
            # compile or cache the kernel here, the pure-Python walk counts the rest
            clock.roots_done = skip
    reason = _stop_reason(clock, False, None, length_pruned, max_length, shortest=False,
                          covered=not plan.rotate)
    return CycleCount(dict(sorted(counts.items())), reason is not None, reason, clock.elapsed)


def _kernel_count(module: Any, plan: _Plan, clock: _Clock, counts: dict[int, list[int]],
                  seen: int) -> bool:
    """Count from the start vertices the Python walks did not finish, in the compiled
    kernel, into ``counts``; whether a walk was cut at the length bound."""
    roots = plan.roots()
    done = clock.roots_done
    clock.roots_total = len(roots)
    count = module.KernelCount(plan.graph.succ, roots[done:], plan.hard,
                               not plan.length_bounded, plan.require)
    while not clock.expired():
        finished = count.run()
        clock.roots_done = done + count.roots_done
        clock.found = seen + count.found
        if finished:
            break
    for length, row in count.by_length().items():
        mine = counts.setdefault(length, [0, 0, 0])
        for k in range(3):
            mine[k] += row[k]
    return count.length_pruned and plan.length_bounded
