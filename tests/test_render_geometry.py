"""Pictures checked as a reader would: geometry read back from the final SVG."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.interop import import_text
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.read.load import load_diagram
from loopkit.render import ENGINES, draw, render, render_svg, svg_of
from loopkit.render.layout import (
    MAX_SAMPLES,
    PIN_SPAN_PER_VARIABLE,
    Box,
    Budget,
    EdgeShape,
    Layout,
    bounded_pins,
    dense,
    orient,
    place_signs,
)
from loopkit.render.metrics import (
    WEIGHTS,
    Geometry,
    Metrics,
    arrow_ends,
    measure,
    measure_svg,
    read_svg,
)
from loopkit.render.metrics import Link as MLink
from loopkit.render.routing import route_around
from tests.helpers import EXAMPLES, shared_file

SVG = "{http://www.w3.org/2000/svg}"


@cache
def ring() -> Diagram:
    """A queue loop and a longer loop back over it: ``dot`` ranks them, so some links run
    against the rank order (the back edges ``splines=curved`` used to draw reversed)."""
    names = ["queue", "served", "staff", "budget", "waiting"]
    links = [("queue", "served"), ("served", "staff"), ("staff", "queue"),
             ("served", "budget"), ("budget", "waiting"), ("waiting", "queue")]
    return Diagram(tuple(Variable(n, n.title()) for n in names),
                   tuple(Link(a, b, Polarity.POSITIVE) for a, b in links), title="Ring")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", ["ring", "school-fines"])
def test_every_arrowhead_lies_at_its_target(engine: str, case: str) -> None:
    diagram = ring() if case == "ring" else load_diagram(EXAMPLES / "school-fines.yaml")
    geometry = read_svg(render_svg(diagram, engine=engine))
    assert len(geometry.links) == len(diagram.links)
    for link, touched in arrow_ends(geometry):
        assert touched == link.target, (
            f"{engine}: arrow of {link.source}->{link.target} ends at {touched}")
        boxes = geometry.variables
        start = link.line[0]
        assert _gap(boxes[link.source], start) < _gap(boxes[link.target], start), (
            f"{engine}: {link.source}->{link.target} starts at its target")


def _gap(rect: tuple[float, float, float, float], p: tuple[float, float]) -> float:
    return math.hypot(max(rect[0] - p[0], 0.0, p[0] - rect[2]),
                      max(rect[1] - p[1], 0.0, p[1] - rect[3]))


def test_orient_turns_a_curve_written_head_to_tail() -> None:
    tail, head = Box(0, 0, 20, 10), Box(0, 200, 20, 10)
    # as dot writes a back edge: points from the head's border down, tip at the tail
    backwards = EdgeShape(((0, 190), (30, 140), (30, 60), (0, 19)), (0, 10))
    turned = orient(backwards, tail, head)
    assert turned.tip == (0, 190)
    assert turned.points[0] == (0, 10)
    assert math.dist(turned.points[-1], turned.tip) > 5  # room for the arrowhead
    forwards = EdgeShape(((0, 10), (30, 60), (30, 140), (0, 181)), (0, 190))
    assert orient(forwards, tail, head) is forwards


# --- bounded work: memory by input size, time by the budget -----------------------------


def test_dense_sampling_is_capped_whatever_the_length() -> None:
    line = [(0.0, 0.0), (7.2e7, 7.2e7)]  # two variables pinned a million inches apart
    assert len(dense(line, 3.0)) <= MAX_SAMPLES + 1
    assert len(dense([(0.0, 0.0), (30.0, 0.0)], 3.0)) == 11  # short lines keep their step


def test_far_pins_are_drawn_at_a_size_bounded_by_the_file() -> None:
    far = Diagram(tuple(Variable(n, n.upper(), pos=p) for n, p in
                        (("a", (1e6, 1e6)), ("b", (-1e6, 1e6)), ("c", (0.0, -1e6)))),
                  tuple(Link(a, b, Polarity.POSITIVE) for a, b in
                        (("a", "b"), ("b", "c"), ("c", "a"))), title="Far")
    notes: list[str] = []
    svg = render(far, "svg", notes=notes)
    geometry = read_svg(svg)
    limit = 72 * PIN_SPAN_PER_VARIABLE * 3 + 400  # the pins' span, plus title and legend
    assert geometry.width < limit and geometry.height < limit
    assert any("pinned positions spread too far apart" in note for note in notes)
    # relative placement is kept: b is left of a, c below both
    boxes = geometry.variables
    assert boxes["b"][0] < boxes["a"][0] and boxes["c"][1] > boxes["a"][1]


def test_bounded_pins_leave_ordinary_pins_alone() -> None:
    pins = [(0.0, 0.0), (2.0, 1.5), None]
    assert bounded_pins(pins) == (pins, 1.0)


class _Clock:
    """A clock the test moves by hand: time runs out exactly when the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_running_out_of_budget_simplifies_placement_and_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import loopkit.render.scene as scene

    clock = _Clock()
    real = scene.place_signs

    def late_signs(*args: object, **kwargs: object) -> object:
        clock.now = 1e6  # the layout took the whole budget
        return real(*args, **kwargs)

    monkeypatch.setattr(scene, "place_signs", late_signs)
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    drawing = draw(diagram, budget=Budget(20.0, clock=clock))
    assert drawing.budget is not None
    assert drawing.budget.cut == ["sign placement", "badge placement"]
    assert any(note.startswith("time budget reached: simplified sign placement")
               and "badge placement" in note for note in drawing.notes)
    geometry = read_svg(svg_of(drawing))  # still a whole picture
    assert len(geometry.links) == len(diagram.links)
    assert sum(1 for t in geometry.texts if t.kind == "sign") == len(diagram.links)
    assert {b.loop for b in geometry.badges} == {lp.id for lp in diagram.loops}


def test_a_budget_with_time_left_cuts_nothing() -> None:
    drawing = draw(load_diagram(EXAMPLES / "school-fines.yaml"), budget=Budget(1e6))
    assert drawing.budget is not None and drawing.budget.cut == []
    assert not any("time budget" in note for note in drawing.notes)


def test_sign_placement_stops_searching_when_the_budget_is_spent() -> None:
    clock = _Clock()
    budget = Budget(1.0, clock=clock)
    tail, head = Box(0, 0, 20, 10), Box(200, 0, 20, 10)
    layout = Layout((0, 0, 220, 10), (tail, head),
                    (EdgeShape(((20, 0), (80, 0), (120, 0), (170, 0)), (180, 0)),))
    searched = place_signs(layout, budget=budget)
    clock.now = 5.0
    quick = place_signs(layout, budget=budget)
    assert budget.cut == ["sign placement"]
    assert len(quick) == len(searched) == 1


# --- layout quality targets, measured on the final SVG -----------------------------------

EXAMPLE_AND_ARCHETYPES = sorted(EXAMPLES.glob("*.yaml")) + sorted(
    (EXAMPLES / "archetypes").glob("*.yaml"))


def _assert_readable(diagram: Diagram, svg: str) -> Metrics:
    loops = {lp.id: lp.variables for lp in analyse_loops(diagram).loops}
    metrics = measure_svg(svg, loops)
    assert metrics.overlapping_texts == 0, metrics.problems
    assert metrics.overlapping_variables == 0, metrics.problems
    assert metrics.links_through_variables == 0, metrics.problems
    assert metrics.badges == len(diagram.loops)
    assert metrics.badges_inside + metrics.badges_with_leader == metrics.badges, (
        metrics.problems)
    return metrics


@pytest.mark.parametrize("path", EXAMPLE_AND_ARCHETYPES, ids=lambda p: p.stem)
def test_examples_and_archetypes_meet_the_layout_targets(path: Path) -> None:
    diagram = load_diagram(path)
    _assert_readable(diagram, render_svg(diagram))


@pytest.mark.parametrize("name", ["workforce.mdl", "ai-information.stmx"])
def test_imported_shared_maps_meet_the_layout_targets(name: str) -> None:
    text = shared_file(name).read_text(encoding="utf-8")
    diagram = import_text(text, name).diagram
    _assert_readable(diagram, render_svg(diagram))


def test_a_badge_beside_its_loop_has_a_leader_line_and_says_so() -> None:
    diagram = load_diagram(EXAMPLES / "archetypes" / "accidental-adversaries.yaml")
    drawing = draw(diagram)
    root = ET.fromstring(svg_of(drawing))
    badges = {g.get("data-loop"): g for g in root.iter(f"{SVG}g")
              if g.get("class") == "loop-badge"}
    geometry = read_svg(svg_of(drawing))
    assert drawing.leaders  # this archetype's long loops have no free interior
    for loop_id, group in badges.items():
        title = group.find(f"{SVG}title")
        assert title is not None and title.text is not None
        leader = [p for p in group.iter(f"{SVG}path") if p.get("stroke-dasharray")]  # dotted
        if loop_id in drawing.leaders:
            assert "leader line" in title.text
            assert len(leader) == 1
        else:
            assert "leader" not in title.text and not leader
    metrics = measure(geometry, {lp.id: lp.variables for lp in analyse_loops(diagram).loops})
    assert metrics.badges_with_leader == len(drawing.leaders)


def test_metrics_count_crossings_overlaps_and_links_through_boxes() -> None:
    def link(source: str, target: str, *points: tuple[float, float]) -> MLink:
        return MLink(source, target, points, (), f"link:{source}{target}")

    geometry = Geometry(100, 100, variables={
        "a": (0, 0, 10, 10), "b": (90, 90, 100, 100), "c": (0, 90, 10, 100),
        "d": (90, 0, 100, 10), "e": (45, 45, 55, 55), "f": (0, 40, 10, 50)})
    geometry.links = [
        link("a", "b", (10, 10), (90, 90)),  # through e
        link("c", "d", (10, 90), (90, 10)),  # crosses a->b (shares no variable), through e
        link("a", "c", (5, 10), (5, 90)),    # through f; shares a and c with the others
    ]
    metrics = measure(geometry)
    assert metrics.crossing_count == 1
    assert metrics.links_through_variables == 3
    assert metrics.overlapping_variables == 0


# --- render --stats -------------------------------------------------------------------------


def test_render_stats_text_and_json(tmp_path: Path) -> None:
    source = tmp_path / "school.yaml"
    source.write_text((EXAMPLES / "school-fines.yaml").read_text(encoding="utf-8"))
    runner = CliRunner()
    result = runner.invoke(app, ["render", str(source), "--stats", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records[0]["file"] == str(source)
    assert records[0]["overlapping_texts"] == 0
    assert records[0]["badges"] == records[0]["badges_inside"] + records[0][
        "badges_with_leader"] == 5
    assert set(WEIGHTS) <= set(records[0])
    # the picture on standard output: the metrics go to standard error
    result = runner.invoke(app, ["render", str(source), "-o", "-", "--stats", "text"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<svg")
    assert "crossings" in result.stderr and "loop badges inside their loop 5/5" in result.stderr


def test_route_around_bends_a_link_off_a_variable_in_its_way() -> None:
    left, middle, right = Box(0, 0, 20, 10), Box(150, 0, 30, 10), Box(300, 0, 20, 10)
    straight = EdgeShape(((20, 0), (100, 0), (200, 0), (270, 0)), (280, 0))
    layout = Layout((-20, -10, 320, 10), (left, middle, right), (straight,))
    routed = route_around(layout, [(0, 2)]).edges[0]
    assert routed is not straight
    assert routed.tip is not None and right.distance_to_point(routed.tip) < 1
    assert left.distance_to_point(routed.points[0]) < 1
    assert all(middle.distance_to_point(p) > 0 for p in routed.polyline(16))
    # a link already clear of every other box is left as it is
    clear = Layout(layout.bbox, (left, Box(150, 80, 30, 10), right), (straight,))
    assert route_around(clear, [(0, 2)]).edges[0] is straight


def test_a_sign_with_lines_all_round_its_arrowhead_moves_back_beside_its_link() -> None:
    """Where every spot near the arrowhead touches another link, the sign goes further
    back along its own link, close beside it and clear of every line (Foresight had
    three signs with a link through them)."""
    tail, head = Box(0, 0, 20, 10), Box(300, 0, 20, 10)
    link = EdgeShape(((20, 0), (100, 0), (200, 0), (270, 0)), (280, 0))
    # other links, every 4 points, across the last 90 points before the arrowhead
    others = tuple(EdgeShape(((x, -80.0), (x, -30.0), (x, 30.0), (x, 70.0)), (x, 80.0))
                   for x in range(190, 282, 4))
    layout = Layout((0, -80, 320, 80), (tail, head), (link, *others))
    x, y = place_signs(layout)[0]
    half = (5.0, 6.5)
    assert x + half[0] < 190 - 2.5  # clear of the crossing links, all of them
    assert 10 <= abs(y) <= 15  # beside its own link, close enough to read as its sign
    # the sign's box touches no line (points sampled along every link)
    for edge in layout.edges:
        for px, py in dense(edge.polyline(6), 1.0):
            assert not (abs(px - x) < half[0] + 1 and abs(py - y) < half[1] + 1)


def test_a_sign_keeps_its_spot_by_the_arrowhead_when_nothing_is_in_the_way() -> None:
    tail, head = Box(0, 0, 20, 10), Box(300, 0, 20, 10)
    layout = Layout((0, -10, 320, 10), (tail, head),
                    (EdgeShape(((20, 0), (100, 0), (200, 0), (270, 0)), (280, 0)),))
    x, y = place_signs(layout)[0]
    assert math.dist((x, y), (280, 0)) < 20
