"""Bounded, streaming enumeration of elementary cycles in a signed digraph.

Works on plain integer adjacency lists (no networkx import on the hot path, so
``loopkit loops`` starts fast). Each cycle is found exactly once, from its
lowest-numbered vertex, by a depth-first search that never steps onto a
vertex from which the start cannot be reached again within the remaining
length (shortest distances back to the start are precomputed per start
vertex). Signs, unknowns and delays are counted along the path, so a cycle's
type is known the moment it closes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

NEGATIVE = 1
UNKNOWN = 2
DELAY = 4

#: How many search steps between clock reads (keeps the time check cheap).
_CLOCK_EVERY = 2048


@dataclass(frozen=True)
class SignedDigraph:
    """``succ[u]`` lists ``(v, flags)`` for each link u -> v; flags use the bits above."""

    succ: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def n(self) -> int:
        return len(self.succ)

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


@dataclass(frozen=True)
class RawCycle:
    """A cycle as vertex numbers in causal order, starting at its search root."""

    nodes: tuple[int, ...]
    negatives: int
    unknowns: int
    delays: int


@dataclass
class CycleSearch:
    """An iterator over cycles that records whether and why it stopped early.

    ``max_length`` bounds the number of links per cycle (``None``: no bound);
    ``limit`` caps the number of cycles yielded; ``time_budget`` is in seconds.
    ``through`` restricts to cycles through one vertex; ``first_step`` (with
    ``through``) further restricts to cycles using the link through -> first_step.
    """

    graph: SignedDigraph
    max_length: int | None = 12
    limit: int | None = 10_000
    time_budget: float | None = 10.0
    through: int | None = None
    first_step: int | None = None
    truncated: bool = field(default=False, init=False)
    reason: str | None = field(default=None, init=False)
    length_pruned: bool = field(default=False, init=False)
    found: int = field(default=0, init=False)
    elapsed: float = field(default=0.0, init=False)

    def __iter__(self) -> Iterator[RawCycle]:
        start_time = time.monotonic()
        deadline = start_time + self.time_budget if self.time_budget is not None else None
        n = self.graph.n
        bound = n if self.max_length is None else min(self.max_length, n)
        pred = self.graph.predecessors()
        roots = [self.through] if self.through is not None else range(n)
        try:
            for root in roots:
                low = 0 if self.through is not None else root
                dist = _distances_to(root, pred, low, bound)
                for cycle, pruned in _cycles_from(self.graph.succ, root, low, dist, bound,
                                                  self.first_step):
                    if cycle is None:
                        # a heartbeat: check the clock every so often
                        if pruned and bound < n:
                            self.length_pruned = True
                        if deadline is not None and time.monotonic() > deadline:
                            self._stop(f"time budget of {self.time_budget:g} s used up")
                            return
                        continue
                    if self.limit is not None and self.found >= self.limit:
                        self._stop(f"limit of {self.limit:,} loops reached")
                        return
                    self.found += 1
                    yield cycle
        finally:
            self.elapsed = time.monotonic() - start_time
        if self.length_pruned and self.max_length is not None:
            self.truncated = True
            self.reason = (f"loops longer than {self.max_length} links may exist and were not "
                           "searched (raise --max-length)")

    def _stop(self, reason: str) -> None:
        self.truncated = True
        self.reason = reason


def _distances_to(root: int, pred: list[list[int]], low: int, bound: int) -> list[int]:
    """Shortest number of links from each vertex (>= low) back to ``root``, up to ``bound``."""
    inf = bound + 1
    dist = [inf] * len(pred)
    dist[root] = 0
    queue = deque([root])
    while queue:
        v = queue.popleft()
        d = dist[v] + 1
        if d > bound:
            continue
        for u in pred[v]:
            if u >= low and dist[u] > d:
                dist[u] = d
                queue.append(u)
    return dist


def _cycles_from(
    succ: tuple[tuple[tuple[int, int], ...], ...],
    root: int,
    low: int,
    dist: list[int],
    bound: int,
    first_step: int | None,
) -> Iterator[tuple[RawCycle | None, bool]]:
    """Depth-first search from ``root``; yields cycles, and ``None`` heartbeats.

    A heartbeat is yielded every ``_CLOCK_EVERY`` steps so the caller can check
    its clock without this inner loop knowing about time.
    """
    path = [root]
    on_path = [False] * len(succ)
    on_path[root] = True
    # cumulative (negatives, unknowns, delays) along the path
    neg = [0]
    unk = [0]
    dly = [0]
    stack = [iter(succ[root])]
    steps = 0
    pruned = False
    while stack:
        steps += 1
        if steps % _CLOCK_EVERY == 0:
            yield None, pruned
            pruned = False
        depth = len(path)  # links so far + 1
        for v, flags in stack[-1]:
            if depth == 1 and first_step is not None and v != first_step:
                continue
            if v == root:
                yield (
                    RawCycle(
                        tuple(path),
                        neg[-1] + (flags & NEGATIVE),
                        unk[-1] + ((flags & UNKNOWN) >> 1),
                        dly[-1] + ((flags & DELAY) >> 2),
                    ),
                    False,
                )
                continue
            if v < low or on_path[v]:
                continue
            if depth + dist[v] > bound:
                if dist[v] <= bound:
                    pruned = True
                continue
            path.append(v)
            on_path[v] = True
            neg.append(neg[-1] + (flags & NEGATIVE))
            unk.append(unk[-1] + ((flags & UNKNOWN) >> 1))
            dly.append(dly[-1] + ((flags & DELAY) >> 2))
            stack.append(iter(succ[v]))
            break
        else:
            stack.pop()
            on_path[path.pop()] = False
            neg.pop()
            unk.pop()
            dly.pop()
    yield None, pruned
