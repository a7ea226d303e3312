"""A collapsed view's links drawn for reading: one line per pair of boxes, counts on it.

``render --collapse groups`` turns a 300-link map into a few dozen group
links, most of them running both ways. Drawn as separate arrows with their
counts floating beside the heads, they made a hairball where no count could
be told from its neighbour's. Here:

- two opposite links are drawn as one line with an arrowhead at each end
  (``pair_links``), its width growing with the links it stands for;
- each direction's count sits *on* the line, on a white ground, on the half
  nearest the arrowhead it belongs to, so it cannot float between links;
- each count searches along its stretch of line for a spot clear of boxes,
  of other counts and of other links (``place_counts``), the hardest ones
  placed first;
- the boxes are moved apart first (``spread``, then ``make_room`` for each
  line too short for its counts), since Graphviz spaces them for bare arrows.

Pure geometry on pass 1's layout: deterministic, no Graphviz here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from loopkit.model import Diagram
from loopkit.render.layout import (
    Box,
    Budget,
    EdgeShape,
    Layout,
    Point,
    bezier,
    clip_length,
)

#: Font size of a count on a line.
COUNT_SIZE = 14.0
#: White ground round a count's text, each side (points).
PAD = (2.5, 1.5)
#: Clearance kept from boxes and other counts (points).
CLEAR = 2.0
#: Step between spots tried along a line (points).
STEP = 3.0
#: Free page area wanted per unit of count area (``spread``).
ROOM = 14.0
#: The most ``spread`` moves boxes apart.
MAX_SPREAD = 2.0
#: Extra distance charged to a spot past half way along a one-way line (its cost
#: then outweighs blocking neighbours, never sitting on another line).
FAR = 5000.0
#: Room kept free at each end of a line for its arrowhead (points).
ARROW = 11.0
#: Times the boxes are moved further apart (by ``WIDEN`` each) while a count has no
#: spot off the other lines (``crowded``).
WIDEN_TRIES = 6
WIDEN = 1.2


@dataclass(frozen=True)
class Line:
    """One drawn line: a link of the view, and the opposite link it also stands for."""

    #: the link's number in the view's diagram (its drawn element is ``l<forward>``)
    forward: int
    #: the opposite link's number, drawn by the same line (arrowhead at the start)
    back: int | None = None


def pair_links(diagram: Diagram) -> tuple[Diagram, list[Line]]:
    """The diagram with each pair of opposite links kept once (the first in file
    order), and for each kept link the line it becomes."""
    number = {link.key: i for i, link in enumerate(diagram.links)}
    lines: list[Line] = []
    dropped: set[int] = set()
    for i, link in enumerate(diagram.links):
        if i in dropped:
            continue
        back = number.get((link.target, link.source))
        if back is not None and back != i and back > i:
            dropped.add(back)
            lines.append(Line(i, back))
        else:
            lines.append(Line(i))
    kept = tuple(diagram.links[line.forward] for line in lines)
    return replace(diagram, links=kept), lines


def line_width(links: int) -> float:
    """Pen width of a line standing for ``links`` links: 1 for one, growing slowly."""
    return round(min(1.0 + 0.6 * math.log2(max(links, 1)), 3.4), 2)


def count_half(text: str) -> tuple[float, float]:
    """Half width and height of a count's white ground."""
    from loopkit.render.dotsource import text_width

    return text_width(text, COUNT_SIZE) / 2 + PAD[0], COUNT_SIZE * 0.5 + PAD[1]


def two_way(shape: EdgeShape) -> tuple[str, list[Point]]:
    """``pos`` for a line with an arrowhead at each end, and its drawn polyline (tail
    tip first): the start is cut back by the head's arrow length for the tail's arrow."""
    points = list(shape.points)
    tip = shape.tip if shape.tip is not None else points[-1]
    arrow = math.dist(points[-1], tip) if shape.tip is not None else 10.0
    start = points[0]
    if len(points) >= 4 and arrow > 0:
        p0, p1, p2, p3 = points[:4]
        lo, hi = 0.0, 0.45
        for _ in range(30):  # the parameter where the curve is ``arrow`` from its start
            mid = (lo + hi) / 2
            if math.dist(bezier(p0, p1, p2, p3, mid), p0) < arrow:
                lo = mid
            else:
                hi = mid
        t = (lo + hi) / 2
        # de Casteljau: the part of the first segment after t
        ab, bc, cd = _lerp(p0, p1, t), _lerp(p1, p2, t), _lerp(p2, p3, t)
        abc, bcd = _lerp(ab, bc, t), _lerp(bc, cd, t)
        points[:4] = [_lerp(abc, bcd, t), bcd, cd, p3]
    text = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    pos = f"s,{_n(start[0])},{_n(start[1])} e,{_n(tip[0])},{_n(tip[1])} {text}"
    return pos, [start, *EdgeShape(tuple(points), tip).polyline(8)]


def line_counts(layout: Layout, lines: Sequence[Line], texts: Sequence[str]
                ) -> tuple[list[list[Point]], list[str], list[Count], list[int]]:
    """Each line's drawn polyline and DOT ``pos``, and the counts wanted on the lines
    with the link each stands for: one count per direction, on its own half of a
    two-way line."""
    polylines: list[list[Point]] = []
    poses: list[str] = []
    for line, shape in zip(lines, layout.edges, strict=True):
        if line.back is None:
            poses.append(shape.pos)
            polylines.append(shape.polyline(8))
        else:
            pos, drawn = two_way(shape)
            poses.append(pos)
            polylines.append(drawn)
    wanted: list[Count] = []
    owners: list[int] = []
    for n, line in enumerate(lines):
        half_way = 0.5 if line.back is not None else 1.0
        wanted.append(Count(n, True, count_half(texts[line.forward]), half_way))
        owners.append(line.forward)
        if line.back is not None:
            wanted.append(Count(n, False, count_half(texts[line.back]), half_way))
            owners.append(line.back)
    return polylines, poses, wanted, owners


def crowded(layout: Layout, lines: Sequence[Line], texts: Sequence[str],
            budget: Budget | None = None) -> int:
    """How many counts ``place_counts`` would have to put on another line.

    A layout engine that keeps boxes where it put them (``dot`` ranks them)
    can leave a line no stretch clear of the others; moving the boxes apart
    (``widened``) lengthens every stretch between crossings until one is."""
    polylines, _, wanted, _ = line_counts(layout, lines, texts)
    spots = place_counts(polylines, layout.nodes, wanted, budget)
    grid = _Grid(polylines)
    # as ``metrics`` reads it: a line through the text itself, not its white ground
    return sum(1 for count, (x, y) in zip(wanted, spots, strict=True)
               if grid.crossing(Box(x, y, count.half[0] - PAD[0], count.half[1] - PAD[1]),
                                count.line) > 0)


def widened(layout: Layout, factor: float = WIDEN) -> Layout:
    """The layout's boxes moved ``factor`` times further from its centre; its edges are
    left as they were, to be drawn again between the moved boxes."""
    nodes = layout.nodes
    if not nodes:
        return layout
    cx = sum(b.x for b in nodes) / len(nodes)
    cy = sum(b.y for b in nodes) / len(nodes)
    moved = tuple(b.moved(round(cx + (b.x - cx) * factor, 2), round(cy + (b.y - cy) * factor, 2))
                  for b in nodes)
    return Layout((min(b.x - b.hw for b in moved), min(b.y - b.hh for b in moved),
                   max(b.x + b.hw for b in moved), max(b.y + b.hh for b in moved)),
                  moved, layout.edges)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Count:
    """A count to place: on which line, from which end, and its half sizes."""

    line: int
    from_end: bool  # measured from the line's arrow tip (else from its start)
    half: tuple[float, float]
    #: how far along it may go, as a share of the line (a two-way line: its own half)
    reach: float = 1.0


class _Grid:
    """Segments of every line bucketed by the cells their bounds cover: "which lines
    pass here" stays cheap on big overviews."""

    def __init__(self, lines: Sequence[Sequence[Point]], cell: float = 24.0) -> None:
        self.cell = cell
        self.segments = [list(itertools.pairwise(line)) for line in lines]
        self.cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for n, segments in enumerate(self.segments):
            for k, (a, b) in enumerate(segments):
                for key in self._keys(min(a[0], b[0]), min(a[1], b[1]),
                                      max(a[0], b[0]), max(a[1], b[1])):
                    self.cells.setdefault(key, []).append((n, k))

    def _keys(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        c = self.cell
        return [(i, j) for i in range(math.floor(x0 / c), math.floor(x1 / c) + 1)
                for j in range(math.floor(y0 / c), math.floor(y1 / c) + 1)]

    def crossing(self, box: Box, line: int) -> float:
        """Length of lines other than ``line`` inside ``box`` (points)."""
        rect = (box.x - box.hw, box.y - box.hh, box.x + box.hw, box.y + box.hh)
        near = {item for key in self._keys(*rect) for item in self.cells.get(key, ())
                if item[0] != line}
        return sum(clip_length(*self.segments[n][k], rect) for n, k in sorted(near))


class _Placed:
    """Boxes already placed, bucketed by cell."""

    def __init__(self, cell: float = 24.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box, reach: float) -> list[tuple[int, int]]:
        c = self.cell
        return [(i, j)
                for i in range(math.floor((box.x - box.hw - reach) / c),
                               math.floor((box.x + box.hw + reach) / c) + 1)
                for j in range(math.floor((box.y - box.hh - reach) / c),
                               math.floor((box.y + box.hh + reach) / c) + 1)]

    def add(self, box: Box) -> None:
        for key in self._keys(box, 0.0):
            self.cells.setdefault(key, []).append(box)

    def clear_of(self, box: Box) -> bool:
        """Whether ``box`` keeps ``CLEAR`` from every placed box."""
        return all(box.distance_to_box(other) >= CLEAR for key in self._keys(box, CLEAR)
                   for other in self.cells.get(key, ()))


def _spots(line: Sequence[Point], from_end: bool, reach: float) -> list[tuple[float, Point]]:
    """(distance from the chosen end, point) every ``STEP`` points along the line, up
    to ``reach`` of its length."""
    points = list(reversed(line)) if from_end else list(line)
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
    limit = total * reach
    out: list[tuple[float, Point]] = []
    walked = 0.0
    want = STEP
    for a, b in itertools.pairwise(points):
        length = math.dist(a, b)
        while want <= walked + length and want <= limit:
            t = (want - walked) / length if length else 0.0
            out.append((want, _lerp(a, b, t)))
            want += STEP
        walked += length
    return out


def place_counts(lines: Sequence[Sequence[Point]], nodes: Sequence[Box],
                 counts: Sequence[Count], budget: Budget | None = None) -> list[Point]:
    """A centre on its line for each count, clear of boxes, counts and other lines.

    Every spot along a count's stretch of line is scored once against boxes
    and other lines; counts with the fewest clear spots are placed first, each
    at its clear spot nearest its arrowhead that no placed count touches. A
    count with no clear spot takes the one crossed by the least other line.
    Once ``budget`` runs out the rest take their first spot off the boxes.
    """
    grid = _Grid(lines)
    options: list[list[tuple[float, float, Box]]] = []
    for count in counts:
        found = []
        line = lines[count.line]
        half_way = sum(math.dist(a, b) for a, b in itertools.pairwise(line)) / 2
        for distance, (x, y) in _spots(line, count.from_end, count.reach):
            box = Box(x, y, *count.half)
            if any(box.distance_to_box(node) < CLEAR for node in nodes) or min(
                    box.distance_to_point(line[0]), box.distance_to_point(line[-1])) < ARROW:
                continue
            # past half way a one-way line's count reads as its tail's: taken only
            # when the arrowhead's half has no clear spot
            far = FAR if distance > half_way else 0.0
            found.append((grid.crossing(box, count.line), distance + far, box))
            if budget is not None and budget.over("sign placement"):
                break
        if not found:  # a line too short to hold it off the boxes: its middle
            spots = _spots(lines[count.line], count.from_end, count.reach)
            distance, (x, y) = spots[len(spots) // 2] if spots else (0.0, lines[count.line][0])
            found = [(math.inf, distance, Box(x, y, *count.half))]
        options.append(found)
    return _choose(options, budget)


def _choose(options: Sequence[Sequence[tuple[float, float, Box]]],
            budget: Budget | None) -> list[Point]:
    """One spot per count: scarcest first, each taking the spot that costs least.

    A spot's cost: other lines through it (by far the worst), then how much of
    the clear spots of counts still to place it would cover (taking a
    neighbour's last clear spot is nearly as bad as sitting on a line), then
    its distance from the arrowhead.
    """
    n = len(options)
    clear = [[o[2] for o in found if o[0] == 0] for found in options]
    grid: dict[tuple[int, int], list[tuple[int, int]]] = {}
    cell = 24.0
    for k, boxes in enumerate(clear):
        for m, box in enumerate(boxes):
            grid.setdefault((math.floor(box.x / cell), math.floor(box.y / cell)),
                            []).append((k, m))
    alive = [set(range(len(boxes))) for boxes in clear]
    order = sorted(range(n), key=lambda k: (len(clear[k]), k))
    placed = _Placed()
    chosen: dict[int, Point] = {}
    todo = set(range(n))

    def covered(box: Box) -> dict[int, list[int]]:
        """The clear spots of counts still to place that ``box`` would touch."""
        reach = 30.0 + CLEAR
        hit: dict[int, list[int]] = {}
        for i in range(math.floor((box.x - box.hw - reach) / cell),
                       math.floor((box.x + box.hw + reach) / cell) + 1):
            for j in range(math.floor((box.y - box.hh - reach) / cell),
                           math.floor((box.y + box.hh + reach) / cell) + 1):
                for k, m in grid.get((i, j), ()):
                    if k in todo and m in alive[k] and box.distance_to_box(clear[k][m]) < CLEAR:
                        hit.setdefault(k, []).append(m)
        return hit

    for k in order:
        todo.discard(k)
        free = [o for o in options[k] if placed.clear_of(o[2])]
        quick = budget is not None and budget.over("sign placement")
        best: tuple[float, Box] | None = None
        for crossing, distance, box in free:
            cost = (1000.0 + crossing if crossing else 0.0) + distance * 0.02
            if best is not None and cost >= best[0]:
                continue
            if not quick:
                for j, spots in covered(box).items():
                    left = len(alive[j])
                    cost += 200.0 if len(spots) >= left else 20.0 * len(spots) / left
            if best is None or cost < best[0]:
                best = (cost, box)
        if best is None:  # every spot touches a placed count: the least crossed one
            best = (0.0, min(options[k], key=lambda o: (o[0], o[1]))[2])
        box = best[1]
        placed.add(box)
        chosen[k] = (box.x, box.y)
        for j, spots in covered(box).items():
            alive[j].difference_update(spots)
    return [chosen[k] for k in range(n)]


def spread(layout: Layout, counts: Sequence[tuple[float, float]]) -> Layout:
    """The layout's boxes moved apart (about its centre) until the free area between
    them could hold every count several times over; its edges are left as they were,
    to be drawn again between the moved boxes.

    Graphviz spaces boxes for bare arrows; a count on every line needs room along
    the lines, and a crowded page leaves counts only spots on other lines.
    """
    nodes = layout.nodes
    if len(nodes) < 2:
        return layout
    needed = ROOM * sum(4 * hw * hh for hw, hh in counts) + sum(
        4 * b.hw * b.hh for b in nodes)
    cx = sum(b.x for b in nodes) / len(nodes)
    cy = sum(b.y for b in nodes) / len(nodes)

    def area(factor: float) -> float:
        xs0 = min(cx + (b.x - cx) * factor - b.hw for b in nodes)
        xs1 = max(cx + (b.x - cx) * factor + b.hw for b in nodes)
        ys0 = min(cy + (b.y - cy) * factor - b.hh for b in nodes)
        ys1 = max(cy + (b.y - cy) * factor + b.hh for b in nodes)
        return (xs1 - xs0) * (ys1 - ys0)

    factor = 1.0
    while area(factor) < needed and factor < MAX_SPREAD:
        factor = round(factor + 0.05, 2)
    if factor == 1.0:
        return layout
    moved = tuple(b.moved(cx + (b.x - cx) * factor, cy + (b.y - cy) * factor) for b in nodes)
    x0, y0, x1, y1 = layout.bbox
    return Layout((cx + (x0 - cx) * factor, cy + (y0 - cy) * factor,
                   cx + (x1 - cx) * factor, cy + (y1 - cy) * factor), moved, layout.edges)


def make_room(layout: Layout, ends: Sequence[tuple[int, int]],
              needs: Sequence[float], rounds: int = 40) -> Layout:
    """The layout's boxes pushed apart where a line between them is too short for its
    counts (``needs``: the free length each line wants between its boxes); its edges
    are left as they were, to be drawn again.

    A short line between two neighbouring boxes has no spot for its count off
    the boxes and the arrowheads, whatever the count's neighbours do. Each round
    moves the two ends of every short line apart along it by half what is missing,
    so the rest of the picture keeps its shape.
    """
    xs = [b.x for b in layout.nodes]
    ys = [b.y for b in layout.nodes]
    boxes = layout.nodes
    for _ in range(rounds):
        moved = False
        for (a, b), need in zip(ends, needs, strict=True):
            if a == b:
                continue
            dx, dy = xs[b] - xs[a], ys[b] - ys[a]
            dist = math.hypot(dx, dy)
            if dist < 1e-6:
                dx, dy, dist = 1.0, 0.0, 1.0
            ux, uy = dx / dist, dy / dist
            gap = dist - _to_border(boxes[a], ux, uy) - _to_border(boxes[b], ux, uy)
            if gap >= need - 0.5:
                continue
            push = (need - gap) / 2
            xs[a] -= ux * push
            ys[a] -= uy * push
            xs[b] += ux * push
            ys[b] += uy * push
            moved = True
        if not moved:
            break
    nodes = tuple(box.moved(round(x, 2), round(y, 2))
                  for box, x, y in zip(boxes, xs, ys, strict=True))
    return Layout((min(b.x - b.hw for b in nodes), min(b.y - b.hh for b in nodes),
                   max(b.x + b.hw for b in nodes), max(b.y + b.hh for b in nodes)),
                  nodes, layout.edges)


def _to_border(box: Box, ux: float, uy: float) -> float:
    """How far from the box's centre a ray in direction (ux, uy) leaves the box."""
    return min(box.hw / abs(ux) if ux else math.inf, box.hh / abs(uy) if uy else math.inf)


def line_need(texts: Sequence[str]) -> float:
    """Free length a line wants between its boxes to hold ``texts`` (its counts)."""
    return sum(2 * count_half(t)[0] + 2 * CLEAR for t in texts) + 2 * ARROW + 48.0
