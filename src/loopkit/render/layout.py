"""Geometry between the two rendering passes: read the layout, place badges and marks.

Pass 1 lets Graphviz lay out the diagram (``-Tjson``). Here loopkit reads
node boxes and edge curves from it, finds a free spot inside each declared
loop for its badge (a grid search for the point furthest from names, edges
and other badges), and computes the ``||`` delay strokes and the badge arcs
as Bézier curves. Pass 2 pins all of it (``neato -n2``), so PNG and PDF get
the same picture as SVG. All coordinates are Graphviz points, y pointing up.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box by centre and half sizes."""

    x: float
    y: float
    hw: float
    hh: float

    def distance_to_point(self, p: Point) -> float:
        dx = max(abs(p[0] - self.x) - self.hw, 0.0)
        dy = max(abs(p[1] - self.y) - self.hh, 0.0)
        return math.hypot(dx, dy)

    def distance_to_box(self, other: Box) -> float:
        dx = max(abs(other.x - self.x) - self.hw - other.hw, 0.0)
        dy = max(abs(other.y - self.y) - self.hh - other.hh, 0.0)
        return math.hypot(dx, dy)

    def moved(self, x: float, y: float) -> Box:
        return Box(x, y, self.hw, self.hh)


class Budget:
    """A deadline shared by the steps of one render, and what it made them skip.

    ``clock`` is injectable so tests can run out of time without waiting.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.seconds = seconds
        self.deadline = clock() + seconds
        #: seconds the searches leave for the steps after them (writing and drawing)
        self.keep = 0.0
        self.cut: list[str] = []

    def left(self) -> float:
        return self.deadline - self.clock()

    def over(self, step: str, keep: float | None = None) -> bool:
        """Whether time is up (``keep`` seconds before the deadline); the first time for
        ``step``, remember it was cut short."""
        if self.clock() < self.deadline - (self.keep if keep is None else keep):
            return False
        if step not in self.cut:
            self.cut.append(step)
        return True


@dataclass(frozen=True)
class EdgeShape:
    """One laid-out edge: its Bézier control points and arrow tip (``raw``: pos as read)."""

    points: tuple[Point, ...]
    tip: Point | None
    raw: str | None = None

    def polyline(self, per_segment: int = 8) -> list[Point]:
        """Points along the drawn curve, ending at the arrow tip."""
        out = sample_spline(self.points, per_segment)
        if self.tip is not None:
            out.append(self.tip)
        return out

    @property
    def pos(self) -> str:
        """The edge as a DOT ``pos`` value, for pinning it in pass 2."""
        if self.raw is not None:
            return self.raw
        head = f"e,{_num(self.tip[0])},{_num(self.tip[1])} " if self.tip else ""
        return head + " ".join(f"{_num(x)},{_num(y)}" for x, y in self.points)


@dataclass(frozen=True)
class Layout:
    """Node boxes and edge shapes from pass 1, in declaration order."""

    bbox: tuple[float, float, float, float]
    nodes: tuple[Box, ...]
    edges: tuple[EdgeShape, ...]


def _num(value: float) -> str:
    """Short, stable number text for DOT (two decimals, no ``-0``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_layout(data: bytes | str, n_nodes: int, n_edges: int) -> Layout:
    """Read Graphviz ``-Tjson`` output: nodes ``v0..``, edges ``l0..`` by their ``id``.

    Matching by id, not by position, because Graphviz versions list edges in
    different orders.
    """
    doc = json.loads(data)
    bbox = tuple(float(v) for v in doc["bb"].split(","))
    nodes: dict[int, Box] = {}
    by_gvid: dict[object, int] = {}
    for obj in doc.get("objects", []):
        number = _number(obj.get("id", ""), "v")
        if number is not None and "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            nodes[number] = Box(x, y, float(obj["width"]) * 36.0, float(obj["height"]) * 36.0)
            by_gvid[obj.get("_gvid")] = number
    edges: dict[int, EdgeShape] = {}
    for edge in doc.get("edges", []):
        number = _number(edge.get("id", ""), "l")
        if number is not None:
            shape = parse_edge_pos(edge.get("pos", ""))
            tail, head = by_gvid.get(edge.get("tail")), by_gvid.get(edge.get("head"))
            if tail is not None and head is not None and tail != head:
                shape = orient(shape, nodes[tail], nodes[head])
            edges[number] = shape
    if sorted(nodes) != list(range(n_nodes)) or sorted(edges) != list(range(n_edges)):
        raise ValueError("layout is missing nodes or edges")
    return Layout((bbox[0], bbox[1], bbox[2], bbox[3]),
                  tuple(nodes[i] for i in range(n_nodes)),
                  tuple(edges[i] for i in range(n_edges)))


#: Pinned positions (inches) may span at most this much per variable: a picture's
#: size, and the work of drawing it, stay bounded by the size of the file.
PIN_SPAN_PER_VARIABLE = 3.0


def bounded_pins(pins: Sequence[Point | None]) -> tuple[list[Point | None], float]:
    """Pinned positions moved to start at 0 and scaled down when they spread wider than
    ``PIN_SPAN_PER_VARIABLE`` inches per variable (or lie that far out); returns them
    and the scale factor. Relative placement is kept; only the distances shrink."""
    given = [p for p in pins if p is not None]
    if not given:
        return list(pins), 1.0
    x0, y0 = min(p[0] for p in given), min(p[1] for p in given)
    span = max(max(p[0] for p in given) - x0, max(p[1] for p in given) - y0)
    limit = PIN_SPAN_PER_VARIABLE * max(len(pins), 2)
    if span <= limit and max(abs(x0), abs(y0)) <= limit:
        return list(pins), 1.0
    factor = min(1.0, limit / span)
    return [None if p is None else (round((p[0] - x0) * factor, 4),
                                    round((p[1] - y0) * factor, 4)) for p in pins], factor


def _number(ident: str, prefix: str) -> int | None:
    rest = ident[len(prefix):]
    return int(rest) if ident.startswith(prefix) and rest.isdigit() else None


def parse_edge_pos(pos: str) -> EdgeShape:
    """Parse a DOT edge ``pos``: ``e,x,y`` arrow tip, then 3n+1 control points.

    Graphviz may split one edge into pieces joined by ``;``; their points are
    concatenated for geometry and the text is kept as it is for pass 2.
    """
    tip = None
    points: list[Point] = []
    for piece in pos.split(";"):
        for item in piece.split():
            parts = item.split(",")
            if parts[0] == "e":
                tip = (float(parts[1]), float(parts[2]))
            elif parts[0] != "s":
                points.append((float(parts[0]), float(parts[1])))
    return EdgeShape(tuple(points), tip, pos if ";" in pos else None)


def orient(shape: EdgeShape, tail: Box, head: Box) -> EdgeShape:
    """The edge drawn from ``tail`` to ``head``, whichever way Graphviz wrote its points.

    ``dot`` with ``splines=curved`` writes back edges (those against the rank
    order) with their points from head to tail and the arrow tip at the tail:
    the picture would show the link backwards. Such a curve is turned round
    here, its arrow tip moved to the head, so every engine draws every link
    the way the diagram says.
    """
    points = shape.points
    if len(points) < 4 or shape.raw is not None:
        return shape
    start, end = points[0], shape.tip or points[-1]
    forward = tail.distance_to_point(start) + head.distance_to_point(end)
    backward = head.distance_to_point(start) + tail.distance_to_point(end)
    if backward >= forward:
        return shape
    turned = list(reversed(points))
    if shape.tip is None:
        return EdgeShape(tuple(turned), None)
    # The old tip sat at the tail's border: start there. The old first point sat at
    # the head's border: that is the new tip, and the curve stops an arrow short of it.
    arrow = math.dist(shape.tip, points[-1])
    tip = turned[-1]
    before = turned[-2]
    length = math.dist(before, tip) or 1.0
    ux, uy = (tip[0] - before[0]) / length, (tip[1] - before[1]) / length
    shift = min(arrow, length * 0.9)
    turned[0] = shape.tip
    turned[-1] = (tip[0] - ux * shift, tip[1] - uy * shift)
    if length > shift:
        turned[-2] = (before[0] - ux * shift * 0.5, before[1] - uy * shift * 0.5)
    return EdgeShape(tuple(turned), tip)


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1.0 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
            a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


def sample_spline(points: Sequence[Point], per_segment: int = 8) -> list[Point]:
    """Points along a piecewise cubic Bézier given as 3n+1 control points."""
    if len(points) < 4:
        return list(points)
    out = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i:i + 4]
        out.extend(bezier(p0, p1, p2, p3, k / per_segment) for k in range(1, per_segment + 1))
    return out


def midpoint(polyline: Sequence[Point]) -> tuple[Point, Point]:
    """The point halfway along a polyline and the unit tangent there."""
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(polyline)]
    half = sum(lengths) / 2
    for (a, b), length in zip(itertools.pairwise(polyline), lengths, strict=True):
        if length > 0 and half <= length:
            t = half / length
            return ((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t),
                    ((b[0] - a[0]) / length, (b[1] - a[1]) / length))
        half -= length
    a, b = polyline[0], polyline[-1]
    length = math.dist(a, b) or 1.0
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), ((b[0] - a[0]) / length, (b[1] - a[1]) / length)


def delay_strokes(edge: EdgeShape, half_length: float = 6.5,
                  gap: float = 2.4) -> list[tuple[Point, Point]]:
    """The two short strokes of a ``||`` delay mark, across the edge at its middle."""
    (mx, my), (tx, ty) = midpoint(edge.polyline())
    nx, ny = -ty, tx
    strokes = []
    for side in (-gap, gap):
        cx, cy = mx + tx * side, my + ty * side
        strokes.append(((cx - nx * half_length, cy - ny * half_length),
                        (cx + nx * half_length, cy + ny * half_length)))
    return strokes


def segment_pos(a: Point, b: Point) -> str:
    """A straight segment as a one-piece Bézier ``pos`` value."""
    c1 = (a[0] + (b[0] - a[0]) / 3, a[1] + (b[1] - a[1]) / 3)
    c2 = (a[0] + 2 * (b[0] - a[0]) / 3, a[1] + 2 * (b[1] - a[1]) / 3)
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in (a, c1, c2, b))


def signed_area(polygon: Sequence[Point]) -> float:
    """Shoelace area: positive when the points turn anticlockwise (y up)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def winding(point: Point, polygon: Sequence[Point]) -> int:
    """Winding number of ``polygon`` around ``point`` (non-zero means inside)."""
    x, y = point
    wn = 0
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if y1 <= y < y2 or y2 <= y < y1:
            # where the edge crosses the row, computed as ``_inside_on_row`` does (a cross
            # product underflows on tiny edges and the two would disagree)
            if x < x1 + (x2 - x1) * ((y - y1) / (y2 - y1)):
                wn += 1 if y2 > y1 else -1
    return wn


def _inside_on_row(polygon: Sequence[Point], y: float, xs: Sequence[float]) -> list[float]:
    """The ``xs`` (sorted) inside ``polygon`` on the line at ``y``: winding, by one scan."""
    crossings = []
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if y1 <= y < y2 or y2 <= y < y1:
            t = (y - y1) / (y2 - y1)
            # upward edges wind +1 for points to their left, as in ``winding``
            crossings.append((x1 + (x2 - x1) * t, 1 if y2 > y1 else -1))
    crossings.sort()
    inside = []
    k = 0
    total = sum(direction for _, direction in crossings)
    passed = 0
    for x in xs:
        while k < len(crossings) and crossings[k][0] < x:
            passed += crossings[k][1]
            k += 1
        if total - passed != 0:  # winding from the crossings to the right of x
            inside.append(x)
    return inside


def loop_outline(layout: Layout, edge_indexes: Sequence[int]) -> list[Point]:
    """The loop's region: its edges' curves joined head to tail, in loop order."""
    outline: list[Point] = []
    for index in edge_indexes:
        outline.extend(layout.edges[index].polyline(6))
    return outline


def arc(centre: Point, radius: float, clockwise: bool, arrow: float = 5.0) -> EdgeShape:
    """A ~300° arc round ``centre`` turning like the loop, ending in an arrow tip.

    ``clockwise`` is as seen on the page. The gap sits at the top so the
    arrowhead ends near the start, like the usual CLD loop symbol.
    """
    sweep = math.radians(-300 if clockwise else 300)  # y up: negative sweep = clockwise
    start = math.radians(60 if clockwise else 120)
    tip_angle = start + sweep
    # Stop the curve one arrow length before the tip so the head lands on the circle.
    body = sweep - math.copysign(arrow / radius, sweep)
    segments = 4
    step = body / segments
    k = 4 / 3 * math.tan(step / 4)
    cx, cy = centre
    points: list[Point] = []
    for i in range(segments):
        a1 = start + i * step
        a2 = a1 + step
        p0 = (cx + radius * math.cos(a1), cy + radius * math.sin(a1))
        p3 = (cx + radius * math.cos(a2), cy + radius * math.sin(a2))
        p1 = (p0[0] - k * radius * math.sin(a1), p0[1] + k * radius * math.cos(a1))
        p2 = (p3[0] + k * radius * math.sin(a2), p3[1] - k * radius * math.cos(a2))
        if i == 0:
            points.append(p0)
        points.extend((p1, p2, p3))
    tip = (cx + radius * math.cos(tip_angle), cy + radius * math.sin(tip_angle))
    return EdgeShape(tuple(points), tip)


#: Where a sign may go, nearest the arrowhead first: (back along the line, out from it, side).
#: The last ring, further out, is for arrowheads where several links converge.
_SIGN_SPOTS = (*((along, across, side) for along in (9.0, 14.0, 20.0, 27.0)
                 for across in (9.0, 12.5) for side in (1.0, -1.0)),
               *((along, across, side) for along in (12.0, 24.0, 36.0)
                 for across in (18.0, 24.0) for side in (1.0, -1.0)),
               *((along, across, side) for along in (48.0, 60.0)
                 for across in (9.0, 18.0, 30.0) for side in (1.0, -1.0)))


def place_signs(layout: Layout, half: tuple[float, float] = (5.0, 6.5),
                budget: Budget | None = None) -> list[Point]:
    """A spot for each link's sign beside its arrowhead, clear of names, lines and signs.

    Graphviz's ``headlabel`` uses one fixed angle, which on wide labels often
    lands the sign inside the name it points at. Here a few spots on both
    sides of the line near the tip are tried, nearest first, and the first
    with room wins (else the roomiest). Once ``budget`` runs out, the rest
    take the first spot unsearched (and the budget records that it did).
    """
    polylines = [edge.polyline(6) for edge in layout.edges]
    index = _Index()
    for node in layout.nodes:
        index.add_box(node)
    for line in polylines:
        if budget is not None and budget.over("sign placement"):
            break
        for p in dense(line, 3.0):
            index.add_point(p)
    spots = []
    for line in polylines:
        tip = line[-1]
        back = next((p for p in reversed(line[:-1]) if math.dist(p, tip) > 4), line[0])
        length = math.dist(back, tip) or 1.0
        dx, dy = (tip[0] - back[0]) / length, (tip[1] - back[1]) / length
        nx, ny = dy, -dx  # right of the direction of travel (y up)
        chosen: Point | None = None
        roomiest: tuple[float, Point] | None = None
        if budget is not None and budget.over("sign placement"):
            along, across, side = _SIGN_SPOTS[0]
            spots.append((tip[0] - dx * along + nx * across * side,
                          tip[1] - dy * along + ny * across * side))
            continue
        for along, across, side in _SIGN_SPOTS:
            x = tip[0] - dx * along + nx * across * side
            y = tip[1] - dy * along + ny * across * side
            box = Box(x, y, *half)
            room = _room(box, index, 6.0)
            if room >= 3.0:
                chosen = (x, y)
                break
            if room < 2.5 and any(box.distance_to_box(b) < 2.5
                                  for b in index.near(box, 2.5)[0]):
                # on (or all but on: drawn text runs past its box) a name or another
                # sign: worse than touching a line
                room = -1.0
            if roomiest is None or room > roomiest[0]:
                roomiest = (room, (x, y))
        if chosen is None:
            assert roomiest is not None
            chosen = roomiest[1]
            if roomiest[0] <= 0:
                # every spot near the arrowhead touches a line, a name or a sign: further
                # back along the link and close beside it, the first spot clear of all
                # three; else, where it was on a name or a sign, the first on neither
                # (touching a line is the lesser harm)
                clear = _further_back(line, half, index, lines=True)
                if clear is not None:
                    chosen = clear
                elif roomiest[0] < 0:
                    chosen = _further_back(line, half, index) or chosen
        spots.append(chosen)
        index.add_box(Box(chosen[0], chosen[1], *half))
    return spots


def _further_back(line: Sequence[Point], half: tuple[float, float],
                  index: _Index, lines: bool = False) -> Point | None:
    """A sign spot beside the link, up to halfway back from its tip (on a short link, 30
    points), clear of every box; with ``lines``, clear of every line too and close
    enough to its own link to be read as its sign."""
    points = dense(line, 6.0)
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
    walked = 0.0
    for n in range(len(points) - 1, 0, -1):
        a, b = points[n - 1], points[n]
        walked += math.dist(a, b)
        if walked > max(total / 2, 30.0):
            break
        length = math.dist(a, b) or 1.0
        nx, ny = (b[1] - a[1]) / length, -(b[0] - a[0]) / length
        for across in (10.0, 15.0) if lines else (10.0, 15.0, 22.0, 30.0, 40.0):
            for side in (1.0, -1.0):
                box = Box(a[0] + nx * across * side, a[1] + ny * across * side, *half)
                if lines:
                    if _room(box, index, 2.5) >= 2.5:
                        return (box.x, box.y)
                elif all(box.distance_to_box(o) >= 2.5 for o in index.near(box, 2.5)[0]):
                    return (box.x, box.y)
    return None


def _room(box: Box, index: _Index, reach: float) -> float:
    """Clearance round ``box`` up to ``reach`` (0 as soon as something touches it: where
    many links meet, thousands of points are near and need not all be measured)."""
    boxes, points = index.near(box, reach)
    room = reach
    for other in boxes:
        room = min(room, box.distance_to_box(other))
        if room <= 0:
            return 0.0
    x0, x1, y0, y1 = box.x - box.hw, box.x + box.hw, box.y - box.hh, box.y + box.hh
    for px, py in points:
        dx = x0 - px if px < x0 else px - x1 if px > x1 else 0.0
        dy = y0 - py if py < y0 else py - y1 if py > y1 else 0.0
        if dx < room and dy < room:
            room = min(room, math.hypot(dx, dy))
            if room <= 0:
                return 0.0
    return room


class _Index:
    """A uniform grid over boxes and points, so "what is near here" stays cheap on big maps."""

    def __init__(self, cell: float = 24.0) -> None:
        self.cell = cell
        self.boxes: dict[tuple[int, int], list[Box]] = {}
        self.points: dict[tuple[int, int], list[Point]] = {}

    def _cells(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        c = self.cell
        return [(i, j) for i in range(math.floor(x0 / c), math.floor(x1 / c) + 1)
                for j in range(math.floor(y0 / c), math.floor(y1 / c) + 1)]

    def add_box(self, box: Box) -> None:
        for key in self._cells(box.x - box.hw, box.y - box.hh, box.x + box.hw, box.y + box.hh):
            self.boxes.setdefault(key, []).append(box)

    def add_point(self, p: Point) -> None:
        key = (math.floor(p[0] / self.cell), math.floor(p[1] / self.cell))
        found = self.points.get(key)
        if found is None:
            self.points[key] = [p]
        else:
            found.append(p)

    def near(self, box: Box, reach: float) -> tuple[list[Box], list[Point]]:
        keys = self._cells(box.x - box.hw - reach, box.y - box.hh - reach,
                           box.x + box.hw + reach, box.y + box.hh + reach)
        boxes: list[Box] = []
        points: list[Point] = []
        for key in keys:
            found = self.boxes.get(key)
            if found:
                boxes.extend(found)  # a box in several cells is just measured twice
            found_points = self.points.get(key)
            if found_points:
                points.extend(found_points)
        return boxes, points


def place_badges(
    layout: Layout,
    loops: Sequence[Sequence[int]],
    sizes: Sequence[tuple[float, float]],
    *,
    avoid: Sequence[Box] = (),
    comfortable: float = 22.0,
    grid: int = 24,
    budget: Budget | None = None,
) -> list[tuple[Point, float]]:
    """A centre for each loop's badge, and its score: inside the loop, clear of the rest.

    ``loops`` lists each loop's edge indexes in order; ``sizes`` each badge's
    (width, height); ``avoid`` more boxes to keep clear of (the signs).
    Candidates are grid points inside the loop's outline; the score is the
    clearance to the nearest obstacle (capped at ``comfortable``), minus a
    small pull towards the loop's centre and a penalty for lying inside
    another badge's loop too (so nested loops get their badges in the parts
    only they enclose). Smaller loops choose first. Deterministic. A score
    below zero means the badge overlaps something. Once ``budget`` runs out,
    the remaining badges go to their loop's centre unsearched.
    """
    if not loops:
        return []
    index = _Index(cell=48.0)  # badges are big: fewer, larger cells per query
    for box in (*layout.nodes, *avoid):
        index.add_box(box)
    for edge in layout.edges:
        if budget is not None and budget.over("badge placement"):
            break
        for p in dense(edge.polyline(8), 4.0):
            index.add_point(p)
    outlines = [loop_outline(layout, edges) for edges in loops]
    order = sorted(range(len(loops)), key=lambda k: (abs(signed_area(outlines[k])), k))
    centres: dict[int, tuple[Point, float]] = {}
    for k in order:
        width, height = sizes[k]
        badge = Box(0.0, 0.0, width / 2, height / 2)
        if budget is not None and budget.over("badge placement"):
            centres[k] = (_centre(outlines[k]), -OUTSIDE)
            continue
        others = [o for j, o in enumerate(outlines) if j != k]
        # the loop symbol (what must sit inside the loop) is at the top of the badge
        lift = max(0.0, height / 2 - SYMBOL_BELOW_TOP)
        best = _search(outlines[k], others, badge, index, comfortable, grid, lift)
        index.add_box(badge.moved(*best[0]))
        centres[k] = best
    return [centres[k] for k in range(len(loops))]


#: How far below a badge's top its loop symbol's centre sits (radius 13 + 4 points): the
#: symbol, not the name under it, is what must lie inside the loop.
SYMBOL_BELOW_TOP = 17.0

#: Most points ``dense`` adds along one link, whatever its length: memory and time
#: stay bounded by the number of links, not by how far apart pinned variables are.
MAX_SAMPLES = 400


def dense(line: Sequence[Point], step: float, most: int = MAX_SAMPLES) -> list[Point]:
    """The polyline with extra points so that neighbours are at most ``step`` apart
    (or, on a line longer than ``most`` steps, ``most`` points spread evenly)."""
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(line))
    if not math.isfinite(total):
        return list(line)
    step = max(step, total / most)
    out = list(line[:1])
    for a, b in itertools.pairwise(line):
        pieces = max(1, math.ceil(math.dist(a, b) / step))
        out.extend((a[0] + (b[0] - a[0]) * k / pieces, a[1] + (b[1] - a[1]) * k / pieces)
                   for k in range(1, pieces + 1))
    return out


def _centre(outline: Sequence[Point]) -> Point:
    xs = [p[0] for p in outline]
    ys = [p[1] for p in outline]
    return (sum(xs) / len(xs), sum(ys) / len(ys))


def _search(
    outline: Sequence[Point], others: Sequence[Sequence[Point]], badge: Box, index: _Index,
    comfortable: float, grid: int, lift: float = 0.0,
) -> tuple[Point, float]:
    xs = [p[0] for p in outline]
    ys = [p[1] for p in outline]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1.0)
    centre = _centre(outline)

    def score(x: float, y: float, beat: float) -> float:
        """The candidate's value, or anything <= ``beat`` once it cannot win (saves time)."""
        pull = 4.0 * math.dist((x, y), centre) / span
        if comfortable - pull <= beat:
            return beat
        here = badge.moved(x, y)
        boxes, points = index.near(here, comfortable)
        clearance = comfortable
        penalty = 0.0
        for other in boxes:
            clearance = min(clearance, here.distance_to_box(other))
            if clearance <= 0:
                penalty = 60.0  # on top of a name, a sign or another badge
                break
        if max(clearance, 0.0) - penalty - pull <= beat:
            return beat
        crossed = 0
        for p in points:
            gap = here.distance_to_point(p)
            if gap <= 0:
                crossed += 1  # lines through the badge: worse the more of them
            clearance = min(clearance, gap)
        penalty += min(10.0 + 3.0 * crossed, 50.0) if crossed else 0.0
        value = max(clearance, 0.0) - penalty - pull
        for other in others:
            if value <= beat:
                return beat
            if winding((x, y + lift), other) != 0:
                value -= 6.0  # also inside another badge's loop
        return value

    best: tuple[float, Point] | None = None
    xs_grid = [x0 + (x1 - x0) * i / grid for i in range(1, grid)]
    for j in range(1, grid):
        y = y0 + (y1 - y0) * j / grid - lift  # the symbol on the row, the badge below it
        for x in _inside_on_row(outline, y + lift, xs_grid):
            value = score(x, y, -math.inf if best is None else best[0])
            if best is None or value > best[0]:
                best = (value, (x, y))
    if best is not None:
        # Refine around the best grid point with a finer local grid.
        step_x, step_y = (x1 - x0) / grid, (y1 - y0) / grid
        bx, by = best[1]
        for i in range(-3, 4):
            for j in range(-3, 4):
                x, y = bx + step_x * i / 3, by + step_y * j / 3
                if (i or j) and winding((x, y + lift), outline) != 0:
                    value = score(x, y, best[0])
                    if value > best[0]:
                        best = (value, (x, y))
    if best is None or best[0] < -OUTSIDE:
        # No room inside (a loop of one or two variables, or a crowded one): the
        # nearest free spot just outside beats a badge on top of names or lines.
        outside = _search_outside(x0, y0, x1, y1, badge, grid,
                                  lambda x, y, beat: score(x, y, beat + OUTSIDE) - OUTSIDE)
        if best is None or outside[0] > best[0]:
            best = outside
    return best[1], best[0]


#: What a badge placed beside its loop, rather than inside, costs in the search
#: (about as bad as a name under the badge: only tiny or crowded loops go outside).
OUTSIDE = 30.0


def _search_outside(
    x0: float, y0: float, x1: float, y1: float, badge: Box, grid: int,
    score: Callable[[float, float, float], float],
) -> tuple[float, Point]:
    """Best point on a grid round the loop's box, widened by the badge's size."""
    mx, my = badge.hw * 2 + 8, badge.hh * 2 + 8
    ax, ay, bx, by = x0 - mx, y0 - my, x1 + mx, y1 + my
    best: tuple[float, Point] | None = None
    for i in range(grid + 1):
        for j in range(grid + 1):
            x = ax + (bx - ax) * i / grid
            y = ay + (by - ay) * j / grid
            value = score(x, y, -math.inf if best is None else best[0])
            if best is None or value > best[0]:
                best = (value, (x, y))
    assert best is not None
    return best


def layout_cost(layout: Layout, loops: Sequence[Sequence[int]] = (),
                badge_area: float = 3600.0,
                ends: Sequence[tuple[int, int]] | None = None) -> float:
    """How hard a layout is to read: lines through names weigh most, then crossings.

    Used to choose between a few seeded layouts of the same diagram. Also
    counted: links too short to show a sign and a delay mark, and declared
    loops (``loops``, as edge indexes) too small inside to hold a badge of
    ``badge_area`` square points. Bounding-box tests first keep it cheap.
    """
    lines = [edge.polyline(3) for edge in layout.edges]
    cost = 0.0
    for line in lines:
        if math.dist(line[0], line[-1]) < 45:
            cost += 3.0
    for edges in loops:
        room = abs(signed_area(loop_outline(layout, edges)))
        if room < 3 * badge_area:
            cost += 4.0 * (3 * badge_area - room) / badge_area
    for k, line in enumerate(lines):
        inner = line[1:-1]
        segments = list(itertools.pairwise(line))
        for n, node in enumerate(layout.nodes):
            shrunk = Box(node.x, node.y, node.hw - 2, node.hh - 2)
            if ends is not None and n not in ends[k]:
                # a link through a variable that is not one of its ends reads as a false
                # link: measured along the whole curve, not only at sample points
                if any(_through(a, b, shrunk) for a, b in segments):
                    cost += 10.0
            elif any(shrunk.distance_to_point(p) == 0 for p in inner):
                cost += 10.0
    boxes = [_bounds(line) for line in lines]
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if not _overlap(boxes[i], boxes[j]):
                continue
            cost += sum(1 for a, b in itertools.pairwise(lines[i][1:-1])
                        for c, d in itertools.pairwise(lines[j][1:-1]) if _cross(a, b, c, d))
    x0, y0, x1, y1 = layout.bbox
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    aspect = max(width / height, height / width)  # pages favour neither strips nor towers
    return cost + 4.0 * max(0.0, aspect - 1.4) + width * height / 1e6


def clip_length(a: Point, b: Point, rect: tuple[float, float, float, float]) -> float:
    """Length of segment ``ab`` inside ``rect`` (x0, y0, x1, y1), by Liang-Barsky clipping."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - rect[0]), (dx, rect[2] - a[0]),
                 (-dy, a[1] - rect[1]), (dy, rect[3] - a[1])):
        if p == 0:
            if q < 0:
                return 0.0
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return 0.0
    return (t1 - t0) * math.hypot(dx, dy)


def _through(a: Point, b: Point, box: Box) -> bool:
    """Whether segment ``ab`` passes through ``box`` (more than touching it)."""
    return clip_length(a, b, (box.x - box.hw, box.y - box.hh,
                              box.x + box.hw, box.y + box.hh)) > 0.5


def _bounds(line: Sequence[Point]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in line]
    ys = [p[1] for p in line]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (side(a, b, c) * side(a, b, d) < 0) and (side(c, d, a) * side(c, d, b) < 0)
