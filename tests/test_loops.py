"""analyse_loops / count_loops: exact on real maps, deterministic, honest about stopping."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.analysis.graph import to_networkx
from loopkit.analysis.loops import analyse_loops, count_loops
from loopkit.model import DeclaredLoop, Diagram, LoopType
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, foresight_diagram
from tests.test_engine import oracle


def networkx_split(diagram: Diagram, bound: int) -> tuple[int, int]:
    """Reinforcing/balancing counts from networkx.simple_cycles by the even-negatives rule."""
    graph = to_networkx(diagram)
    reinforcing = balancing = 0
    for cycle in nx.simple_cycles(graph, length_bound=bound):
        negatives = sum(1 for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
                        if graph.edges[a, b]["polarity"] == "-")
        if negatives % 2:
            balancing += 1
        else:
            reinforcing += 1
    return reinforcing, balancing


@pytest.mark.parametrize("bound", [6, 8])
def test_foresight_matches_networkx(bound: int) -> None:
    diagram = foresight_diagram()
    reinforcing, balancing = networkx_split(diagram, bound)
    analysis = analyse_loops(diagram, max_length=bound, limit=None, time_budget=60)
    assert analysis.count(LoopType.REINFORCING) == reinforcing
    assert analysis.count(LoopType.BALANCING) == balancing
    assert len(analysis.loops) == reinforcing + balancing
    assert (bound, len(analysis.loops)) in {(6, 193), (8, 901)}
    counted = count_loops(diagram, max_length=bound, time_budget=60)
    assert (counted.count(LoopType.REINFORCING), counted.count(LoopType.BALANCING)) == (
        reinforcing, balancing)
    assert sum(row[LoopType.REINFORCING] for row in counted.counts.values()) == reinforcing


def test_foresight_through_and_link_are_filters_of_the_full_listing() -> None:
    diagram = foresight_diagram()
    every = analyse_loops(diagram, max_length=8, limit=None, time_budget=60).loops
    hub = max(diagram.variables, key=lambda v: sum(v.id in lp.variables for lp in every)).id
    through = analyse_loops(diagram, max_length=8, limit=None, through=hub)
    assert [lp.variables for lp in through.loops] == [
        lp.variables for lp in every if hub in lp.variables]
    link = next(lk for lk in diagram.links if lk.source == hub and any(
        lk in lp.links for lp in every))
    by_link = analyse_loops(diagram, max_length=8, limit=None, link=link.key)
    assert by_link.loops and [lp.variables for lp in by_link.loops] == [
        lp.variables for lp in every if link in lp.links]


def shuffled_copy(diagram: Diagram, seed: int) -> Diagram:
    """Same variables (same order), links listed in another order."""
    links = list(diagram.links)
    random.Random(seed).shuffle(links)
    return Diagram(diagram.variables, tuple(links), diagram.loops, diagram.title)


def test_ids_and_order_are_deterministic() -> None:
    diagram = foresight_diagram()
    first = analyse_loops(diagram, max_length=7, limit=None)
    again = analyse_loops(shuffled_copy(diagram, 1), max_length=7, limit=None)
    assert [(lp.id, lp.variables, lp.type) for lp in first.loops] == [
        (lp.id, lp.variables, lp.type) for lp in again.loops]
    keys = [(lp.length, [diagram.index[v] for v in lp.variables]) for lp in first.loops]
    assert keys == sorted(keys)
    assert all(diagram.index[lp.variables[0]] == min(diagram.index[v] for v in lp.variables)
               for lp in first.loops)


def test_limit_keeps_the_shortest_with_the_same_ids() -> None:
    diagram = foresight_diagram()
    full = analyse_loops(diagram, max_length=9, limit=None)
    for limit in (1, 50, 777):
        cut = analyse_loops(diagram, max_length=9, limit=limit)
        assert cut.truncated and cut.reason == (
            f"limit of {limit:,} loops reached; the {limit:,} shortest are kept")
        assert [(lp.id, lp.variables) for lp in cut.loops] == [
            (lp.id, lp.variables) for lp in full.loops[:limit]]


def test_truncation_reasons() -> None:
    diagram = foresight_diagram()
    short = analyse_loops(diagram, max_length=3, limit=None)
    assert short.truncated and short.reason is not None
    assert short.reason.startswith("loops longer than 3 links may exist")
    slow = analyse_loops(diagram, max_length=None, limit=None, time_budget=0.05)
    assert slow.truncated and (slow.reason or "").startswith("time budget of 0.05 s used up")
    counted = count_loops(diagram, max_length=None, time_budget=0.05)
    assert counted.truncated and (counted.reason or "").startswith(
        "time budget of 0.05 s used up")
    small = load_diagram(EXAMPLES / "school-fines.yaml")
    complete = analyse_loops(small, max_length=None, limit=None)
    assert not complete.truncated and complete.reason is None


def test_unknown_query_targets_are_errors() -> None:
    small = load_diagram(EXAMPLES / "school-fines.yaml")
    with pytest.raises(KeyError):
        analyse_loops(small, through="nope")
    with pytest.raises(KeyError):
        analyse_loops(small, link=("fines", "nope"))
    with pytest.raises(ValueError, match="no link fines -> absence"):
        count_loops(small, link=("fines", "absence"))


@st.composite
def diagrams(draw: st.DrawFn) -> Diagram:
    n = draw(st.integers(1, 6))
    names = [f"x{i}" for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)),
                          unique=True, max_size=14))
    return Diagram.build(names, [(a, b, draw(st.sampled_from("+-?"))) for a, b in pairs])


@settings(max_examples=60, deadline=None)
@given(diagrams(), st.integers(1, 6))
def test_declared_loops_are_listed_first_and_never_twice(diagram: Diagram, pick: int) -> None:
    every = analyse_loops(diagram, max_length=None, limit=None).loops
    if not every:
        return
    chosen = every[pick % len(every)]
    rotated = chosen.variables[1:] + chosen.variables[:1]
    declared = Diagram(diagram.variables, diagram.links,
                       (DeclaredLoop("R7", rotated, name="mine"),))
    result = analyse_loops(declared, max_length=None, limit=None)
    assert result.loops[0].id == "R7" and result.loops[0].declared
    assert result.loops[0].variables == chosen.variables
    assert len(result.loops) == len(every)
    assert sorted(lp.variables for lp in result.loops) == sorted(lp.variables for lp in every)
    counted = count_loops(declared, max_length=None)
    assert counted.total == len(every)
    assert counted.summary["total"] == len(every)


@settings(max_examples=80, deadline=None)
@given(diagrams(), st.data())
def test_named_loops_match_the_brute_force_oracle(diagram: Diagram, data: st.DataObject) -> None:
    index = diagram.index
    flags = {"+": 0, "-": 1, "?": 2}
    edges = {(index[lk.source], index[lk.target]): flags[lk.polarity.value]
             for lk in diagram.links}
    names = [v.id for v in diagram.variables]
    kinds = (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED)
    expected = sorted(((len(c), c), kinds[k]) for c, k in oracle(len(names), edges).items())
    through = data.draw(st.one_of(st.none(), st.sampled_from(names)), label="through")
    link = data.draw(st.one_of(st.none(), st.sampled_from([lk.key for lk in diagram.links]))
                     if diagram.links else st.none(), label="link")
    bound = data.draw(st.one_of(st.none(), st.integers(1, 6)), label="bound")

    def wanted(cycle: tuple[int, ...]) -> bool:
        pairs = set(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        return ((bound is None or len(cycle) <= bound)
                and (through is None or index[through] in cycle)
                and (link is None or (index[link[0]], index[link[1]]) in pairs))

    analysis = analyse_loops(diagram, max_length=bound, limit=None, through=through, link=link)
    got = [(lp.variables, lp.type) for lp in analysis.loops]
    assert got == [(tuple(names[i] for i in c), kind) for (_, c), kind in expected if wanted(c)]
    numbers = {letter: [int(lp.id[1:]) for lp in analysis.loops if lp.id[0] == letter]
               for letter in "RBU"}
    assert all(ns == list(range(1, len(ns) + 1)) for ns in numbers.values())
    assert all(lp.id[0] == lp.type.letter for lp in analysis.loops)
