"""The cycle engine agrees with a brute-force oracle on small random signed digraphs.

The oracle shares no code with the engine: it tries every ordering of every
subset of vertices and keeps those whose consecutive pairs are all links.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.analysis.cycles import (
    BALANCING,
    NEGATIVE,
    REINFORCING,
    UNDETERMINED,
    UNKNOWN,
    SignedDigraph,
    count_cycles,
    find_cycles,
)

Edges = dict[tuple[int, int], int]


def oracle(n: int, edges: Edges) -> dict[tuple[int, ...], int]:
    """Every elementary cycle (starting at its lowest vertex) -> kind, by brute force."""
    found = {}
    for size in range(1, n + 1):
        for subset in itertools.combinations(range(n), size):
            first, rest = subset[0], subset[1:]
            for order in itertools.permutations(rest):
                cycle = (first, *order)
                pairs = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
                if all(p in edges for p in pairs):
                    flags = [edges[p] for p in pairs]
                    if any(f & UNKNOWN for f in flags):
                        kind = UNDETERMINED
                    else:
                        kind = sum(1 for f in flags if f & NEGATIVE) % 2
                    found[cycle] = kind
    return found


def in_order(cycles: dict[tuple[int, ...], int]) -> list[tuple[tuple[int, ...], int]]:
    return sorted(cycles.items(), key=lambda item: (len(item[0]), item[0]))


@st.composite
def signed_digraphs(draw: st.DrawFn, max_n: int = 7) -> tuple[int, Edges]:
    n = draw(st.integers(1, max_n))
    pairs = [(u, v) for u in range(n) for v in range(n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 22)))
    flags = st.sampled_from([0, 0, NEGATIVE, NEGATIVE, UNKNOWN, NEGATIVE | 4, 4])
    return n, {p: draw(flags) for p in chosen}


def graph_of(n: int, edges: Edges) -> SignedDigraph:
    return SignedDigraph.from_edges(n, [(u, v, f) for (u, v), f in edges.items()])


def as_list(result: object) -> list[tuple[tuple[int, ...], int]]:
    return [(c.nodes, c.kind) for c in result.cycles]  # type: ignore[attr-defined]


SETTINGS = settings(max_examples=150, deadline=None)

#: Counting paths to test: pure Python always; the compiled kernel where numba is
#: installed (it is a dependency, so always in CI).
KERNELS = (False, True) if importlib.util.find_spec("numba") else (False,)


@SETTINGS
@given(signed_digraphs(), st.one_of(st.none(), st.integers(1, 7)))
def test_all_cycles_match_oracle(graph: tuple[int, Edges], bound: int | None) -> None:
    n, edges = graph
    expected = {c: k for c, k in oracle(n, edges).items() if bound is None or len(c) <= bound}
    result = find_cycles(graph_of(n, edges), max_length=bound, limit=None, time_budget=None)
    assert as_list(result) == in_order(expected)
    if bound is None or bound >= n:  # no loop is longer than n links: nothing was cut
        assert result.reason is None and not result.truncated
    elif result.reason is not None:
        assert result.reason.startswith(f"loops longer than {bound} links may exist")


@SETTINGS
@given(signed_digraphs(), st.integers(1, 7), st.data())
def test_through_and_link_queries_match_oracle(
    graph: tuple[int, Edges], bound: int, data: st.DataObject
) -> None:
    n, edges = graph
    every = {c: k for c, k in oracle(n, edges).items() if len(c) <= bound}
    g = graph_of(n, edges)
    x = data.draw(st.integers(0, n - 1), label="through")
    through = find_cycles(g, max_length=bound, limit=None, time_budget=None, through=x)
    assert as_list(through) == in_order({c: k for c, k in every.items() if x in c})
    if not edges:
        return
    a, b = data.draw(st.sampled_from(sorted(edges)), label="link")

    def uses(c: tuple[int, ...]) -> bool:
        return (a, b) in zip(c, c[1:] + c[:1], strict=True)

    by_link = find_cycles(g, max_length=bound, limit=None, time_budget=None, link=(a, b))
    assert as_list(by_link) == in_order({c: k for c, k in every.items() if uses(c)})
    both = find_cycles(g, max_length=bound, limit=None, time_budget=None, link=(a, b),
                       through=x)
    assert as_list(both) == in_order({c: k for c, k in every.items() if uses(c) and x in c})
    for kernel in KERNELS:
        counted = count_cycles(g, max_length=bound, time_budget=None, link=(a, b), through=x,
                               kernel=kernel)
        assert counted.total == len(as_list(both))


@SETTINGS
@given(signed_digraphs(), st.integers(1, 8), st.one_of(st.none(), st.integers(1, 7)))
def test_limit_keeps_the_shortest(
    graph: tuple[int, Edges], limit: int, bound: int | None
) -> None:
    n, edges = graph
    expected = in_order({c: k for c, k in oracle(n, edges).items()
                         if bound is None or len(c) <= bound})
    result = find_cycles(graph_of(n, edges), max_length=bound, limit=limit, time_budget=None)
    assert as_list(result) == expected[:limit]
    assert result.truncated == (len(expected) > limit) or (
        result.reason is not None and result.reason.startswith("loops longer"))
    if len(expected) > limit:
        assert result.reason == f"limit of {limit:,} loops reached; the {limit:,} shortest are kept"


@SETTINGS
@given(signed_digraphs(), st.one_of(st.none(), st.integers(1, 7)))
def test_counts_match_oracle(graph: tuple[int, Edges], bound: int | None) -> None:
    """Both counting paths: the pure-Python walk and the compiled kernel (numba)."""
    n, edges = graph
    expected: Counter[tuple[int, int]] = Counter(
        (len(c), k) for c, k in oracle(n, edges).items() if bound is None or len(c) <= bound)
    reasons = set()
    for kernel in KERNELS:
        counted = count_cycles(graph_of(n, edges), max_length=bound, time_budget=None,
                               kernel=kernel)
        got = Counter({(length, kind): row[kind] for length, row in counted.by_length.items()
                       for kind in (REINFORCING, BALANCING, UNDETERMINED) if row[kind]})
        assert got == expected
        reasons.add(counted.reason)
    assert len(reasons) == 1  # both paths know alike whether the bound cut loops off


def diamond_chain(t: int) -> SignedDigraph:
    """networkx #8737: t diamonds d_i -> {a_i, b_i} -> d_{i+1}, closed by d_t -> d_0."""
    d, a, b = range(t + 1), range(t + 1, 2 * t + 1), range(2 * t + 1, 3 * t + 1)
    edges = []
    for i in range(t):
        edges += [(d[i], a[i], 0), (d[i], b[i], 0), (a[i], d[i + 1], 0), (b[i], d[i + 1], 0)]
    edges.append((d[t], d[0], NEGATIVE))
    return SignedDigraph.from_edges(3 * t + 1, edges)


def test_diamond_chain_bound_below_every_cycle_finds_none() -> None:
    result = find_cycles(diamond_chain(24), max_length=48, limit=None, time_budget=5.0)
    assert result.cycles == [] and result.seen == 0
    assert result.reason is not None and "longer than 48" in result.reason


def test_diamond_chain_bound_at_cycle_length_finds_all() -> None:
    counted = count_cycles(diamond_chain(10), max_length=21, time_budget=None)
    assert counted.by_length == {21: [0, 2**10, 0]}
    assert not counted.truncated


def complete_digraph(n: int) -> SignedDigraph:
    return SignedDigraph.from_edges(
        n, [(u, v, NEGATIVE if (u + v) % 3 == 0 else 0)
            for u in range(n) for v in range(n) if u != v])


@pytest.mark.parametrize("budget", [0.05, 0.2])
def test_time_budget_stops_a_huge_search(budget: float) -> None:
    result = find_cycles(complete_digraph(14), max_length=None, limit=None, time_budget=budget)
    assert result.truncated and result.reason is not None
    assert result.reason.startswith(f"time budget of {budget:g} s used up")
    assert result.cycles  # what was found in time is kept
    # requested vs used is measured by benchmarks/loops.py (section 4), not asserted here


def test_time_budget_stops_a_search_that_finds_nothing() -> None:
    # a long dead-end fan: paths everywhere, never back to the start within the bound
    result = count_cycles(complete_digraph(30), max_length=None, time_budget=0.05,
                          link=(0, 1))
    assert result.truncated and "time budget" in (result.reason or "")


def test_progress_is_reported_during_long_searches() -> None:
    seen = []
    count_cycles(complete_digraph(12), max_length=None, time_budget=0.35, progress=seen.append)
    assert seen and seen[-1].found > 0 and seen[-1].roots_total == 12
    assert all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(seen))  # order only


def test_self_loops_and_empty_graph() -> None:
    g = SignedDigraph.from_edges(2, [(0, 0, NEGATIVE), (1, 1, 0), (0, 1, 0)])
    assert [(c.nodes, c.kind) for c in find_cycles(g, limit=None).cycles] == [
        ((0,), BALANCING), ((1,), REINFORCING)]
    assert find_cycles(SignedDigraph.from_edges(0, []), limit=None).cycles == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        find_cycles(complete_digraph(3), limit=0)


def test_memory_stays_proportional_to_what_is_kept() -> None:
    import tracemalloc

    graph = complete_digraph(12)  # millions of loops: far more than can be seen here
    tracemalloc.start()
    try:
        # bounded by length, not by a time budget, so the work is the same on a busy machine
        counted = count_cycles(graph, max_length=5, time_budget=None)
        _, count_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        kept = find_cycles(graph, max_length=5, limit=50, time_budget=None)
        _, keep_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # K12 has C(12,k)(k-1)! loops of length k: 66 + 440 + 2,970 + 19,008 up to 5 links
    assert counted.total == 22_484 and "longer than 5 links" in (counted.reason or "")
    assert kept.seen > 1_000 and len(kept.cycles) == 50
    assert count_peak < 200_000 and keep_peak < 200_000  # bytes: a path and 50 loops


def test_a_timed_out_search_says_which_loops_are_complete() -> None:
    # vertices 0..2: a small component found first; 3..15: a complete digraph (endless)
    edges = [(0, 1, NEGATIVE), (1, 2, 0), (2, 0, 0), (1, 0, 0)]
    edges += [(u, v, 0) for u in range(3, 16) for v in range(3, 16) if u != v]
    graph = SignedDigraph.from_edges(16, edges)
    result = find_cycles(graph, max_length=None, limit=None, time_budget=0.1, deepen_from=None)
    assert result.reason is not None and result.covered >= 3 and result.starts == 16
    assert result.reason == (f"time budget of 0.1 s used up; every loop through the first "
                             f"{result.covered} of 16 variables (file order) is included")
    small = {c.nodes for c in result.cycles if c.nodes[0] < 3}
    assert small == {(0, 1), (0, 1, 2)}
    limited = find_cycles(graph, max_length=None, limit=20_000, time_budget=0.1,
                          deepen_from=None)
    # the claim holds only while the limit has dropped nothing
    assert ("every loop through" in (limited.reason or "")) == (
        limited.timed_out and limited.seen <= 20_000)


def test_a_deepening_search_stopped_on_time_keeps_every_short_loop() -> None:
    from math import comb, factorial

    edges = [(0, 1, NEGATIVE), (1, 2, 0), (2, 0, 0), (1, 0, 0)]
    edges += [(u, v, 0) for u in range(3, 16) for v in range(3, 16) if u != v]
    graph = SignedDigraph.from_edges(16, edges)
    result = find_cycles(graph, max_length=None, limit=None, time_budget=0.15, deepen_from=2)
    if not result.timed_out:  # a machine fast enough to list them all: nothing to check
        return
    short = result.complete_length
    assert short >= 2 and result.reason == (
        f"time budget of 0.15 s used up; every loop of up to {short} links is included")
    in_k13 = sum(comb(13, k) * factorial(k - 1) for k in range(2, short + 1))
    in_small = 2 if short >= 3 else 1  # 0..2 holds a 2-loop and a 3-loop
    assert sum(1 for c in result.cycles if len(c.nodes) <= short) == in_k13 + in_small
    lengths = [len(c.nodes) for c in result.cycles]
    assert lengths == sorted(lengths)


def test_deepening_with_a_full_limit_knows_no_longer_loop_was_cut() -> None:
    """Found by hypothesis: the limit filled at a lower stage, and the final check for
    longer loops ran the whole search but kept an earlier stage's 'pruned' flag, so a
    graph with no longer path said longer loops might exist."""
    g = graph_of(7, {(1, 3): 0, (2, 3): 0, (3, 1): 0, (3, 2): 0})
    once = find_cycles(g, max_length=4, limit=2, time_budget=None)
    staged = find_cycles(g, max_length=4, limit=2, time_budget=60.0, deepen_from=1)
    assert as_list(staged) == as_list(once)
    assert (staged.truncated, staged.reason) == (once.truncated, once.reason) == (False, None)


@SETTINGS
@given(signed_digraphs(), st.one_of(st.none(), st.integers(1, 7)),
       st.one_of(st.none(), st.integers(1, 9)))
def test_deepening_finds_the_same_cycles(
    graph: tuple[int, Edges], bound: int | None, limit: int | None
) -> None:
    n, edges = graph
    g = graph_of(n, edges)
    once = find_cycles(g, max_length=bound, limit=limit, time_budget=None)
    staged = find_cycles(g, max_length=bound, limit=limit, time_budget=60.0, deepen_from=1)
    assert as_list(staged) == as_list(once)
    assert (staged.truncated, staged.reason) == (once.truncated, once.reason)


@pytest.mark.skipif(False not in KERNELS or True not in KERNELS, reason="needs numba")
@pytest.mark.parametrize("bound", [None, 4, 9])
def test_a_count_handed_to_the_kernel_midway_is_the_same(
        monkeypatch: pytest.MonkeyPatch, bound: int | None) -> None:
    """A count starts in Python and hands the start vertices left to the kernel."""
    from loopkit.analysis import cycles as engine

    graph = complete_digraph(9)
    expected = count_cycles(graph, max_length=bound, time_budget=None, kernel=False)
    ticks = itertools.count()

    class FakeTime:
        """Each clock read is 1 ms later: the hand-off comes a few reads in, mid-walk."""

        @staticmethod
        def monotonic() -> float:
            return next(ticks) / 1000

        perf_counter = process_time = monotonic

    monkeypatch.setattr(engine, "time", FakeTime)
    monkeypatch.setattr(engine, "KERNEL_AFTER", 0.004)
    handed = count_cycles(graph, max_length=bound, time_budget=None)
    assert 3 < next(ticks) < 100  # handed off after a few reads, then ran to the end
    assert handed.by_length == expected.by_length and handed.reason == expected.reason


@pytest.mark.skipif(True not in KERNELS, reason="needs numba")
def test_the_kernel_honours_the_time_budget() -> None:
    """The kernel runs in slices between clock reads, so a huge count stops on time."""
    result = count_cycles(complete_digraph(16), max_length=None, time_budget=0.05, kernel=True)
    assert result.truncated and (result.reason or "").startswith("time budget of 0.05 s")
    assert result.total > 0


@pytest.mark.skipif(True not in KERNELS, reason="needs numba")
def test_a_kernel_that_fails_leaves_the_count_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba unable to compile or cache (a read-only install): the walk goes on in Python."""
    from loopkit.analysis import cycles, kernel

    calls = []

    def broken(*_: object, **__: object) -> None:
        calls.append(1)
        raise RuntimeError("cannot cache function: no locator available")

    graph = complete_digraph(8)
    expected = count_cycles(graph, max_length=None, time_budget=None, kernel=False)
    monkeypatch.setattr(kernel, "KernelCount", broken)
    monkeypatch.setattr(cycles, "KERNEL_AFTER", 0.0)
    counted = count_cycles(graph, max_length=None, time_budget=None)
    assert counted.by_length == expected.by_length and not counted.truncated
    assert calls == [1]
