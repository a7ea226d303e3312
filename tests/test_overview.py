"""An overview's lines (``loopkit.render.overview``): pairs drawn once, counts on them."""

from __future__ import annotations

import math

from loopkit.model import Diagram, Link, Polarity, Variable
from loopkit.render.layout import Box, EdgeShape, Layout
from loopkit.render.overview import (
    Count,
    Line,
    count_half,
    crowded,
    line_need,
    make_room,
    pair_links,
    place_counts,
    two_way,
    widened,
)


def _diagram() -> Diagram:
    variables = tuple(Variable(v, v) for v in "abc")
    links = (Link("a", "b", Polarity.POSITIVE), Link("b", "c", Polarity.NEGATIVE),
             Link("b", "a", Polarity.NEGATIVE), Link("c", "c", Polarity.POSITIVE))
    return Diagram(variables, links)


def test_opposite_links_become_one_line_kept_in_file_order() -> None:
    drawn, lines = pair_links(_diagram())
    assert [lk.key for lk in drawn.links] == [("a", "b"), ("b", "c"), ("c", "c")]
    assert lines == [Line(0, 2), Line(1), Line(3)]  # a link to itself is no pair


def test_a_two_way_line_starts_with_an_arrow_tip_and_keeps_its_end() -> None:
    shape = EdgeShape(((0.0, 0.0), (30.0, 0.0), (60.0, 0.0), (90.0, 0.0)), (100.0, 0.0))
    pos, drawn = two_way(shape)
    assert pos.startswith("s,0,0 e,100,0 10,0 ")  # the curve starts an arrow's length in
    assert drawn[0] == (0.0, 0.0) and drawn[-1] == (100.0, 0.0)


def test_counts_avoid_other_lines_and_each_other() -> None:
    # two lines crossing at (100, 0); each count must keep off the other line
    lines = [[(0.0, 0.0), (200.0, 0.0)], [(100.0, -100.0), (100.0, 100.0)]]
    half = count_half("3 +")
    counts = [Count(0, True, half), Count(1, True, half), Count(1, False, half, 0.5)]
    spots = place_counts(lines, [], counts)
    boxes = [Box(x, y, *half) for x, y in spots]
    assert abs(spots[0][1]) < 1e-9 and abs(spots[1][0] - 100) < 1e-9
    assert all(abs(b.x - 100) > b.hw for b in boxes[:1])  # off the crossing
    assert all(abs(b.y) > b.hh for b in boxes[1:])
    assert all(a.distance_to_box(b) > 0 for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert spots[0][0] > 100  # near its own arrowhead (the end of line 0)
    assert spots[2][1] < 0  # the start's count on the start's half


def test_make_room_pushes_apart_only_boxes_whose_line_is_too_short() -> None:
    nodes = (Box(0, 0, 20, 10), Box(60, 0, 20, 10), Box(0, 300, 20, 10))
    layout = Layout((0, 0, 0, 0), nodes, ())
    need = line_need(["12 \u00b1", "3 +"])
    room = make_room(layout, [(0, 1), (0, 2)], [need, need])
    a, b, c = room.nodes
    assert math.isclose(b.x - a.x - 40, need, abs_tol=0.6)
    assert (c.x, c.y) == (0, 300) and a.y == b.y == 0  # its line to a was long enough


def test_widened_moves_boxes_from_the_centre_and_keeps_their_size() -> None:
    nodes = (Box(0, 0, 20, 10), Box(100, 0, 30, 10), Box(50, 90, 20, 10))
    wide = widened(Layout((0, 0, 0, 0), nodes, ()), 1.5)
    assert [(b.x, b.y) for b in wide.nodes] == [(-25, -15), (125, -15), (50, 120)]
    assert [(b.hw, b.hh) for b in wide.nodes] == [(b.hw, b.hh) for b in nodes]
    assert wide.bbox == (-45, -25, 155, 130)


def test_crowded_counts_a_count_with_no_clear_stretch_and_widening_clears_it() -> None:
    """Three short lines through one point, between six boxes round it: no count finds a
    stretch of its line clear of the other two, until the boxes are moved apart."""
    from loopkit.render.untangle import untangled_layout

    nodes = tuple(Box(round(50 * math.cos(k * math.pi / 3), 2),
                      round(50 * math.sin(k * math.pi / 3), 2), 15, 8) for k in range(6))
    ends = [(0, 3), (1, 4), (2, 5)]
    lines = [Line(0), Line(1), Line(2)]
    texts = ["22 \u00b1", "13 +", "4 \u2212"]
    layout = untangled_layout(Layout((0, 0, 0, 0), nodes, (None,) * 6), ends,  # type: ignore[arg-type]
                              move=False)
    assert crowded(layout, lines, texts) > 0
    for _ in range(4):
        layout = untangled_layout(widened(layout), ends, move=False)
    assert crowded(layout, lines, texts) == 0
