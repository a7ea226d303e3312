"""A compiled cycle-counting kernel (numba), used when numba is importable.

Why: counting World3's 1.9 million loops walks about 14 million search-tree
nodes; the pure-Python walk does one in about a microsecond, a compiled one in a
few nanoseconds. The kernel does exactly what ``cycles.count_cycles`` does
(same roots, same pruning, same counts) and is resumable: each call does at
most ``max_steps`` steps and returns, so the caller reads the clock between
calls and the time budget holds however long one start vertex takes.

Unbounded searches use Johnson's blocking (a vertex from which the start
cannot be reached without crossing the path stays blocked until that changes),
which keeps the work near the number of cycles; with a length bound, blocking
is not valid and the walk prunes by distance back to the start instead, as the
pure-Python walk does.

Nothing here is imported at start-up: ``cycles`` imports this module only for
a count, and only the first count of a process pays numba's import (about a
third of a second) and, on a machine that has not run it before, its compile
(cached on disk afterwards).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

#: Steps per kernel call between clock reads (about 5-20 ms of work).
STEPS_PER_CALL = 1 << 20

# st[...] slots of the resumable state
_ROOT, _DEPTH, _PRUNED, _FOUND, _STEPS = 0, 1, 2, 3, 4


@numba.njit(cache=True, nogil=True)
def _count_steps(offs: Any, tgt: Any, neg: Any, unk: Any, poffs: Any, pedge: Any, psrc: Any,
                 roots: Any, lows: Any, firsts: Any, hard: int, johnson: bool, require: int,
                 st: Any, path: Any, pos: Any, ends: Any, negs: Any, unks: Any, found: Any,
                 blocked: Any, on_path: Any, in_b: Any, dist: Any, queue: Any, counts: Any,
                 max_steps: int) -> bool:  # pragma: no cover - compiled; tested via engine
    """Run up to ``max_steps`` steps; True when every root is done."""
    n = offs.shape[0] - 1
    inf = hard + 1
    steps = 0
    while st[_ROOT] < roots.shape[0]:
        i = st[_ROOT]
        r = roots[i]
        low = lows[i]
        depth = st[_DEPTH]
        if depth == 0:
            # distances back to r over vertices >= low (breadth-first over predecessors)
            for x in range(n):
                dist[x] = inf
                blocked[x] = 0
                on_path[x] = 0
            for e in range(in_b.shape[0]):
                in_b[e] = 0
            dist[r] = 0
            head = 0
            tail = 1
            queue[0] = r
            while head < tail:
                v = queue[head]
                head += 1
                d = dist[v] + 1
                if d > hard:
                    break
                for k in range(poffs[v], poffs[v + 1]):
                    u = psrc[k]
                    if u >= low and dist[u] > d:
                        dist[u] = d
                        queue[tail] = u
                        tail += 1
            path[0] = r
            if firsts[i] >= 0:
                pos[0] = -1
                ends[0] = -1
                for e in range(offs[r], offs[r + 1]):
                    if tgt[e] == firsts[i]:
                        pos[0] = e
                        ends[0] = e + 1
                if pos[0] < 0:
                    pos[0] = 0
                    ends[0] = 0
            else:
                pos[0] = offs[r]
                ends[0] = offs[r + 1]
            negs[0] = 0
            unks[0] = 0
            found[0] = 0
            blocked[r] = 1
            on_path[r] = 1
            depth = 1
        while depth > 0:
            steps += 1
            if steps > max_steps:
                st[_DEPTH] = depth
                st[_STEPS] += steps
                return False
            top = depth - 1
            e = pos[top]
            end = ends[top]
            nxt = -1
            while e < end:
                v = tgt[e]
                if v == r:
                    if require < 0 or on_path[require]:
                        kind = 2 if unks[top] + unk[e] else (negs[top] + neg[e]) & 1
                        counts[depth, kind] += 1
                        st[_FOUND] += 1
                    found[top] = 1
                    e += 1
                    continue
                if v < low:
                    e += 1
                    continue
                d = dist[v]
                if johnson:
                    if d > hard or blocked[v]:
                        e += 1
                        continue
                else:
                    if depth + d > hard:
                        if d <= hard:
                            st[_PRUNED] = 1
                        e += 1
                        continue
                    if on_path[v]:
                        e += 1
                        continue
                nxt = v
                break
            if nxt >= 0:
                pos[top] = e + 1
                path[depth] = nxt
                pos[depth] = offs[nxt]
                ends[depth] = offs[nxt + 1]
                negs[depth] = negs[top] + neg[e]
                unks[depth] = unks[top] + unk[e]
                found[depth] = 0
                blocked[nxt] = 1
                on_path[nxt] = 1
                depth += 1
                continue
            # every link of the top vertex examined: step back
            u = path[top]
            on_path[u] = 0
            if johnson:
                if found[top]:
                    # unblock u and, transitively, whatever waited on it
                    if top > 0:
                        found[top - 1] = 1
                    blocked[u] = 0
                    head = 0
                    tail = 1
                    queue[0] = u
                    while head < tail:
                        x = queue[head]
                        head += 1
                        for k in range(poffs[x], poffs[x + 1]):
                            if in_b[pedge[k]]:
                                in_b[pedge[k]] = 0
                                w = psrc[k]
                                if blocked[w]:
                                    blocked[w] = 0
                                    queue[tail] = w
                                    tail += 1
                else:
                    for k in range(offs[u], offs[u + 1]):
                        in_b[k] = 1  # u waits on tgt[k] (Johnson's B lists, by link)
            else:
                blocked[u] = 0
            depth -= 1
        st[_DEPTH] = 0
        st[_ROOT] = i + 1
    st[_STEPS] += steps
    return True


class KernelCount:
    """One resumable count: call ``run`` until it returns True (or stop calling)."""

    def __init__(self, succ: Any, roots: list[tuple[int, int, int | None]], hard: int,
                 johnson: bool, require: int | None) -> None:
        n = len(succ)
        offs = np.zeros(n + 1, dtype=np.int64)
        for u, targets in enumerate(succ):
            offs[u + 1] = offs[u] + len(targets)
        m = int(offs[n])
        tgt = np.empty(m, dtype=np.int64)
        neg = np.zeros(m, dtype=np.int64)
        unk = np.zeros(m, dtype=np.int64)
        pred: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        e = 0
        for u, targets in enumerate(succ):
            for v, flags in targets:
                tgt[e] = v
                neg[e] = flags & 1
                unk[e] = 1 if flags & 2 else 0
                pred[v].append((u, e))
                e += 1
        poffs = np.zeros(n + 1, dtype=np.int64)
        for v in range(n):
            poffs[v + 1] = poffs[v] + len(pred[v])
        psrc = np.array([u for p in pred for u, _ in p], dtype=np.int64)
        pedge = np.array([k for p in pred for _, k in p], dtype=np.int64)
        self.graph = (offs, tgt, neg, unk, poffs, pedge, psrc)
        self.roots = np.array([r for r, _, _ in roots], dtype=np.int64)
        self.lows = np.array([low for _, low, _ in roots], dtype=np.int64)
        self.firsts = np.array([-1 if f is None else f for _, _, f in roots], dtype=np.int64)
        self.hard = hard
        self.johnson = johnson
        self.require = -1 if require is None else require
        self.st = np.zeros(5, dtype=np.int64)
        size = n + 1
        self.work = (np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                     np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                     np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.uint8),
                     np.zeros(size, dtype=np.uint8), np.zeros(size, dtype=np.uint8),
                     np.zeros(max(m, 1), dtype=np.uint8), np.zeros(size, dtype=np.int64),
                     np.zeros(size + m, dtype=np.int64))
        self.counts = np.zeros((n + 2, 3), dtype=np.int64)

    def run(self, max_steps: int = STEPS_PER_CALL) -> bool:
        """Up to ``max_steps`` more steps; True when the count is complete."""
        return bool(_count_steps(*self.graph, self.roots, self.lows, self.firsts, self.hard,
                                 self.johnson, self.require, self.st, *self.work, self.counts,
                                 max_steps))

    @property
    def roots_done(self) -> int:
        return int(self.st[_ROOT])

    @property
    def found(self) -> int:
        return int(self.st[_FOUND])

    @property
    def length_pruned(self) -> bool:
        return bool(self.st[_PRUNED])

    def by_length(self) -> dict[int, list[int]]:
        return {length: [int(x) for x in row] for length, row in enumerate(self.counts)
                if row.any()}
