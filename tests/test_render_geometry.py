"""Pictures checked as a reader would: geometry read back from the final SVG."""

from __future__ import annotations

import math
from functools import cache

import pytest

from loopkit.loader import load_diagram
from loopkit.model import Diagram, Link, Polarity, Variable
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
from loopkit.render.metrics import arrow_ends, read_svg
from tests.helpers import EXAMPLES


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
