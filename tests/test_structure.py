"""Feedback components, cycle rank and the shortest independent loop set, against oracles."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings

from loopkit.analysis.structure import (
    independent_loops,
    shortest_independent_loops,
    strongly_connected_components,
    structure,
)
from loopkit.model import Diagram, LoopType
from tests.helpers import foresight_diagram
from tests.test_engine import Edges, graph_of, oracle, signed_digraphs


def pairs(cycle: tuple[int, ...]) -> list[tuple[int, int]]:
    return list(zip(cycle, cycle[1:] + cycle[:1], strict=True))


def gf2_rank(vectors: list[int]) -> int:
    """Rank over GF(2) of bit-vectors (Gaussian elimination on ints)."""
    basis: list[int] = []
    for v in vectors:
        for b in basis:
            v = min(v, v ^ b)
        if v:
            basis.append(v)
    return len(basis)


def as_bits(cycle: tuple[int, ...], position: dict[tuple[int, int], int]) -> int:
    return sum(1 << position[p] for p in pairs(cycle))


def canonical(cycle: tuple[int, ...]) -> tuple[int, ...]:
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(signed_digraphs())
def test_components_match_networkx(graph: tuple[int, Edges]) -> None:
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expected = sorted(sorted(c) for c in nx.strongly_connected_components(g))
    assert strongly_connected_components(graph_of(n, edges)) == expected


@SETTINGS
@given(signed_digraphs())
def test_cycle_rank_is_the_dimension_spanned_by_all_loops(graph: tuple[int, Edges]) -> None:
    n, edges = graph
    position = {p: i for i, p in enumerate(sorted(edges))}
    every = oracle(n, edges)
    diagram = Diagram.build([f"v{i}" for i in range(n)],
                            [(f"v{u}", f"v{v}", "+") for u, v in edges])
    shape = structure(diagram)
    assert shape.cycle_rank == gf2_rank([as_bits(c, position) for c in every])
    on_loops = {v for c in every for v in c}
    assert shape.variables_on_loops == len(on_loops)
    assert shape.links_on_loops == len({p for c in every for p in pairs(c)})


@SETTINGS
@given(signed_digraphs())
def test_sils_properties(graph: tuple[int, Edges]) -> None:
    n, edges = graph
    every = oracle(n, edges)
    position = {p: i for i, p in enumerate(sorted(edges))}
    chosen, stopped = shortest_independent_loops(graph_of(n, edges))
    assert not stopped
    on_loops = {p for c in every for p in pairs(c)}
    covered: set[tuple[int, int]] = set()
    for loop, link in chosen:
        assert canonical(loop) in every  # a real elementary loop
        assert loop[0] == link[0] and link in pairs(loop)
        shortest = min(len(c) for c in every if link in pairs(c))
        assert len(loop) == shortest  # the shortest loop through the link it was chosen for
        assert not set(pairs(loop)) <= covered  # adds a link not yet covered
        covered |= set(pairs(loop))
    assert covered == on_loops  # every link that lies on some loop is covered
    assert gf2_rank([as_bits(loop, position) for loop, _ in chosen]) == len(chosen)
    diagram = Diagram.build([f"v{i}" for i in range(n)],
                            [(f"v{u}", f"v{v}", "+") for u, v in edges])
    assert len(chosen) <= structure(diagram).cycle_rank
    lengths = [len(loop) for loop, _ in chosen]
    assert lengths == sorted(lengths)


def test_sils_can_be_incomplete_and_says_so() -> None:
    # a triangle linked both ways: cycle rank 4, but the shortest loop through every
    # link is a 2-loop, and the three 2-loops already cover all six links
    diagram = Diagram.build(["a", "b", "c"], [
        ("a", "b", "+"), ("b", "a", "-"), ("b", "c", "+"), ("c", "b", "+"),
        ("c", "a", "+"), ("a", "c", "-")])
    result = independent_loops(diagram)
    assert result.summary["cycle_rank"] == 4
    assert [lp.variables for lp in result.loops] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert result.summary["complete"] is False
    assert [lp.type for lp in result.loops] == [LoopType.BALANCING, LoopType.BALANCING,
                                               LoopType.REINFORCING]


def test_independent_loops_keep_declared_ids_and_number_the_rest() -> None:
    from loopkit.model import DeclaredLoop

    diagram = Diagram.build(
        ["a", "b", "c", "d"],
        [("a", "b", "+"), ("b", "a", "-"), ("b", "c", "+"), ("c", "d", "-"), ("d", "b", "-"),
         ("d", "d", "?")],
        loops=(DeclaredLoop("B4", ("b", "a"), name="Pair"),))
    result = independent_loops(diagram)
    assert [(lp.id, lp.variables, lp.name) for lp in result.loops] == [
        ("U1", ("d",), None), ("B4", ("a", "b"), "Pair"), ("R1", ("b", "c", "d"), None)]
    assert result.summary["complete"] is True and result.summary["cycle_rank"] == 3
    assert result.summary["components"] == [
        {"size": 4, "links": 6, "cycle_rank": 3, "variables": ["a", "b", "c", "d"]}]


def test_acyclic_diagram_has_no_structure() -> None:
    diagram = Diagram.build(["a", "b"], [("a", "b", "+")])
    assert structure(diagram).components == ()
    assert independent_loops(diagram).loops == []


def test_foresight_sils_covers_its_feedback_component() -> None:
    diagram = foresight_diagram()
    shape = structure(diagram)
    result = independent_loops(diagram, time_budget=10)
    assert not result.truncated
    covered = {lk.key for lp in result.loops for lk in lp.links}
    assert len(covered) == shape.links_on_loops
    assert 0 < len(result.loops) <= shape.cycle_rank
