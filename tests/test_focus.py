"""Focus views (``loopkit.analysis.focus``): each selection against a brute-force oracle.

The oracles enumerate every simple path of a small random graph, with no
pruning and no distances: ``neighbourhood`` must keep exactly the variables
some path of at most ``depth`` links joins to a centre, ``between`` exactly
the links on a simple path of at most ``max_length`` links, and
``collapse_groups`` must count and sign every link between groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.analysis.focus import (
    MIXED,
    Selection,
    SelectionError,
    between,
    collapse_groups,
    group_view,
    loop_union,
    neighbourhood,
    resolve_variable,
    select,
    view_analysis,
)
from loopkit.analysis.loops import analyse_loops
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, foresight_diagram

SIGNS = (Polarity.POSITIVE, Polarity.NEGATIVE, Polarity.UNKNOWN)


@st.composite
def graphs(draw: st.DrawFn, most: int = 7) -> Diagram:
    """A random diagram: up to ``most`` variables, any links (self-links too), groups."""
    n = draw(st.integers(1, most))
    ids = [f"v{i}" for i in range(n)]
    groups = draw(st.lists(st.sampled_from([None, "g1", "g2", "g3"]), min_size=n, max_size=n))
    pairs = draw(st.sets(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=16))
    signs = draw(st.lists(st.sampled_from(SIGNS), min_size=len(pairs), max_size=len(pairs)))
    variables = tuple(Variable(i, f"label {i}", g) for i, g in zip(ids, groups, strict=True))
    links = tuple(Link(a, b, sign) for (a, b), sign in zip(sorted(pairs), signs, strict=True))
    return Diagram(variables, links)


def _simple_paths(diagram: Diagram, start: str) -> Iterator[list[str]]:
    """Every simple path from ``start`` (as variable lists), by plain recursion."""
    out: dict[str, list[str]] = {}
    for link in diagram.links:
        out.setdefault(link.source, []).append(link.target)

    def walk(path: list[str]) -> Iterator[list[str]]:
        yield path
        for nxt in out.get(path[-1], []):
            if nxt not in path:
                yield from walk([*path, nxt])

    yield from walk([start])


def _reversed(diagram: Diagram) -> Diagram:
    return Diagram(diagram.variables, tuple(Link(lk.target, lk.source, lk.polarity)
                                            for lk in diagram.links))


@settings(max_examples=150, deadline=None)
@given(graphs(), st.integers(0, 4), st.sampled_from(["up", "down", "both"]), st.data())
def test_neighbourhood_is_every_variable_some_short_path_reaches(
        diagram: Diagram, depth: int, direction: str, data: st.DataObject) -> None:
    centre = data.draw(st.sampled_from([v.id for v in diagram.variables]))
    view = neighbourhood(diagram, [centre], depth, direction)  # type: ignore[arg-type]
    expected = set()
    if direction in ("down", "both"):
        expected |= {p[-1] for p in _simple_paths(diagram, centre) if len(p) - 1 <= depth}
    if direction in ("up", "both"):
        expected |= {p[-1] for p in _simple_paths(_reversed(diagram), centre)
                     if len(p) - 1 <= depth}
    assert {v.id for v in view.diagram.variables} == expected
    # every link among the kept variables, in file order
    assert view.diagram.links == tuple(lk for lk in diagram.links
                                       if lk.source in expected and lk.target in expected)
    assert view.hidden_variables == len(diagram.variables) - len(expected)
    assert view.hidden_links == len(diagram.links) - len(view.diagram.links)


def _on_paths(diagram: Diagram, source: str, target: str, most: int) -> set[tuple[str, str]]:
    """Links on a simple path source -> target of at most ``most`` links (source ==
    target: on a simple cycle through it), by enumerating every path."""
    found: set[tuple[str, str]] = set()
    out: dict[str, list[str]] = {}
    for link in diagram.links:
        out.setdefault(link.source, []).append(link.target)
    for path in _simple_paths(diagram, source):
        if source != target:
            if path[-1] == target and len(path) - 1 <= most:
                found.update(pairwise(path))
            continue
        for nxt in out.get(path[-1], []):
            if nxt == source and len(path) <= most:  # the cycle closes
                whole = [*path, nxt]
                found.update(pairwise(whole))
    return found


@settings(max_examples=300, deadline=None)
@given(graphs(8), st.integers(1, 7), st.data())
def test_between_keeps_exactly_the_links_on_short_simple_paths(
        diagram: Diagram, most: int, data: st.DataObject) -> None:
    ids = [v.id for v in diagram.variables]
    source, target = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
    expected = _on_paths(diagram, source, target, most)
    try:
        view = between(diagram, source, target, most)
    except SelectionError as error:
        assert not expected
        assert "no path" in str(error) or "no loop" in str(error)
        return
    assert not view.notes  # small graphs never reach the step bound
    assert {lk.key for lk in view.diagram.links} == expected
    ends = {v for key in expected for v in key} | {source, target}
    assert {v.id for v in view.diagram.variables} == ends


def test_between_past_its_step_bound_shows_the_candidates_and_says_so() -> None:
    diagram = foresight_diagram()
    exact = between(diagram, "v2", "v60", 8)
    assert not exact.notes
    cut = between(diagram, "v2", "v60", 8, max_steps=50)
    assert cut.notes and "path search bound reached (50 steps)" in cut.notes[0]
    # nothing on a path is hidden: the bounded view holds the exact one
    assert {lk.key for lk in exact.diagram.links} <= {lk.key for lk in cut.diagram.links}
    # the same input, the same answer: steps, not the clock, bound the search
    assert between(diagram, "v2", "v60", 8, max_steps=50) == cut


def test_between_on_foresight_at_twelve_links_is_exact() -> None:
    view = between(foresight_diagram(), "v2", "v60", 12)
    assert not view.notes
    assert (len(view.diagram.variables), len(view.diagram.links)) == (53, 117)


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_collapse_counts_and_signs_every_link_between_groups(diagram: Diagram) -> None:
    view = collapse_groups(diagram)
    node = {v.id: (f"group:{v.group}" if v.group else v.id) for v in diagram.variables}
    bundles: dict[tuple[str, str], list[Link]] = {}
    inside = 0
    for link in diagram.links:
        a, b = node[link.source], node[link.target]
        if a == b and a.startswith("group:"):
            inside += 1
        else:
            bundles.setdefault((a, b), []).append(link)
    assert view.inside_links == inside
    assert [lk.key for lk in view.diagram.links] == list(bundles)
    for link in view.diagram.links:
        bundle = bundles[link.key]
        signs = {lk.polarity for lk in bundle}
        if link.key in view.sign_labels:
            count, sign = view.sign_labels[link.key].split(" ")
            assert int(count) == len(bundle)
            assert sign == (next(iter(signs)).symbol if len(signs) == 1 else MIXED)
        else:  # a link between two variables with no group is drawn as it is
            assert bundle == [link]
    groups = {v.group for v in diagram.variables if v.group}
    assert {v.id for v in view.diagram.variables} == (
        {f"group:{g}" for g in groups} | {v.id for v in diagram.variables if not v.group})


def test_collapse_box_ids_never_clash_with_a_variable() -> None:
    diagram = Diagram((Variable("group:a", "x", None), Variable("b", "y", "a")),
                      (Link("group:a", "b", Polarity.POSITIVE),))
    view = collapse_groups(diagram)
    assert [v.id for v in view.diagram.variables] == ["group:a", "group:a_"]
    assert view.sign_labels == {("group:a", "group:a_"): "1 +"}


def test_collapsed_school_fines_matches_its_groups() -> None:
    view = collapse_groups(load_diagram(EXAMPLES / "school-fines.yaml"))
    labels = [v.label for v in view.diagram.variables]
    assert labels == ["school (2 variables)", "family (3 variables)", "child (1 variable)",
                      "services (4 variables)", "intervention (2 variables)"]
    assert view.inside_links == 4
    assert view.caption.startswith("5 groups drawn as one box each")
    assert "4 links inside groups not shown" in view.caption


def test_view_keeps_the_whole_maps_loop_ids() -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    full = analyse_loops(diagram)
    for loop in full.loops:
        view = loop_union(diagram, full, [loop.id])
        inside = view_analysis(view, full)
        assert loop in inside.loops  # same object, same id
        assert {lp.id for lp in inside.loops} <= {lp.id for lp in full.loops}
        assert view.caption.startswith(f"Loop {loop.id}:")
    view = loop_union(diagram, full, ["R1", "R3"])
    assert view.loops == ("R1", "R3")
    keys = {lk.key for lp in full.loops if lp.id in ("R1", "R3") for lk in lp.links}
    assert {lk.key for lk in view.diagram.links} == keys


def test_a_focus_view_says_what_it_leaves_out() -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    view = neighbourhood(diagram, ["fines"], 1)
    assert view.caption == ("Causes and effects within 1 link of 'Fines issued to parents': "
                            "5 more variables and 9 links not shown.")
    whole = neighbourhood(diagram, ["fines"], 20)
    assert whole.caption.endswith(": nothing left out.")
    assert group_view(diagram, ["family"]).what == "group 'family'"


def test_names_are_ids_or_labels_and_unknown_ones_suggest() -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    assert resolve_variable(diagram, "fines") == "fines"
    assert resolve_variable(diagram, "  fines ISSUED to parents") == "fines"
    with pytest.raises(SelectionError, match=r"'finez' is not a variable of this diagram "
                                             r"\(did you mean 'fines'\?\)$"):
        resolve_variable(diagram, "finez")
    # a word of long labels: no close match, so the labels holding it
    with pytest.raises(SelectionError, match=r"\(did you mean 'Family financial strain'\?\)"):
        resolve_variable(diagram, "financial")
    with pytest.raises(SelectionError, match=r"\(labels containing it: 'School "
                                             r"non-attendance', 'Schools trained to spot "
                                             r"exploitation'\)$"):
        resolve_variable(diagram, "school")


def test_select_refuses_two_selections_and_groupless_collapse() -> None:
    diagram = Diagram.build(["a", "b"], [("a", "b", "+")])
    with pytest.raises(ValueError, match="choose one of focus, group"):
        select(diagram, Selection(focus=("a",), groups=("x",)))
    with pytest.raises(SelectionError, match="has no groups"):
        select(diagram, Selection(collapse=True))
    assert select(diagram, Selection()) is None


def test_labels_in_the_caption_are_one_line_and_bounded() -> None:
    hostile = "a\nb\x1b[31m " + "x" * 500
    diagram = Diagram((Variable("a", hostile), Variable("b", "b")),
                      (Link("a", "b", Polarity.POSITIVE),))
    caption = neighbourhood(diagram, ["a"], 0).caption
    assert "\n" not in caption and "\x1b" not in caption
    assert len(caption) < 120


@settings(max_examples=100, deadline=None)
@given(graphs(), st.data())
def test_every_view_is_a_part_of_the_map_and_counts_what_it_leaves_out(
        diagram: Diagram, data: st.DataObject) -> None:
    ids = [v.id for v in diagram.variables]
    groups = sorted({v.group for v in diagram.variables if v.group})
    full = analyse_loops(diagram)
    choices = [Selection(focus=(data.draw(st.sampled_from(ids)),),
                         depth=data.draw(st.integers(0, 3))),
               Selection(between=(data.draw(st.sampled_from(ids)),
                                  data.draw(st.sampled_from(ids))), max_length=4)]
    if groups:
        choices.append(Selection(groups=(data.draw(st.sampled_from(groups)),)))
    if full.loops:
        choices.append(Selection(loops=(data.draw(st.sampled_from(full.loops)).id,)))
    for selection in choices:
        try:
            view = select(diagram, selection, full)
        except SelectionError:
            continue  # no path within the bound
        assert view is not None
        shown = view.diagram
        assert set(shown.variables) <= set(diagram.variables)
        assert set(shown.links) <= set(diagram.links)
        kept = {v.id for v in shown.variables}
        assert all(lk.source in kept and lk.target in kept for lk in shown.links)
        # file order kept
        assert list(shown.variables) == [v for v in diagram.variables if v.id in kept]
        assert view.hidden_variables + len(shown.variables) == len(diagram.variables)
        assert view.hidden_links + len(shown.links) == len(diagram.links)
        inside = view_analysis(view, full)
        links = {lk.key for lk in shown.links}
        assert inside.loops == [lp for lp in full.loops
                                if all(lk.key in links for lk in lp.links)]
