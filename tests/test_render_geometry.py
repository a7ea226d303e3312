"""Pictures checked as a reader would: geometry read back from the final SVG."""

from __future__ import annotations

import math
from functools import cache

import pytest

from loopkit.loader import load_diagram
from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.render import ENGINES, render_svg
from loopkit.render.layout import Box, EdgeShape, orient
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
