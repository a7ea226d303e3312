"""Links that run through a box, routed round it: bowed arcs first, then a grid path.

Used after untangling big maps (``untangle.py``): the straight layout is kept
and only the links still in a box's way are bent, each within a fixed number
of tries checked against nearby boxes only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from loopkit.render.layout import (
    Box,
    Budget,
    EdgeShape,
    Layout,
    Point,
    _Index,
    _through,
)

#: Sideways offsets (points) of the two control points tried when bending a straight link
#: round variables: even bows first, smallest first, then lopsided ones and S-shapes.
_STEPS = (18.0, 36.0, 54.0, 72.0, 96.0, 120.0, 150.0, 190.0)
_BENDS = (*((sign * step, sign * step) for step in _STEPS for sign in (1.0, -1.0)),
          *((sign * step * a, sign * step * b) for step in _STEPS[1:]
            for a, b in ((1.0, 0.3), (0.3, 1.0), (1.0, -0.6), (-0.6, 1.0))
            for sign in (1.0, -1.0)))



def route_around(layout: Layout, ends: Sequence[tuple[int, int]],
                 budget: Budget | None = None, arrow: float = 10.0) -> Layout:
    """Straight links that run through a variable other than their two ends, bent round it.

    Graphviz's own routing (``splines=true``) takes seconds to minutes on big
    maps; this keeps the fast straight layout and, for each link crossing a
    box, tries arcs bowed to either side by growing amounts (as a CLD draws
    its links anyway) and keeps the first that clears every box. Bounded:
    a fixed number of tries per link, each checked against nearby boxes only.
    """
    index = _Index(cell=48.0)
    for box in layout.nodes:
        index.add_box(box)
    edges = list(layout.edges)
    for k, (tail, head) in enumerate(ends):
        shape = edges[k]
        if tail == head or len(shape.points) < 2:
            continue
        if budget is not None and budget.over("link routing"):
            break
        a, b = layout.nodes[tail], layout.nodes[head]
        others = [n for n, node in enumerate(layout.nodes) if n not in (tail, head)]
        if not _blocked(shape.polyline(8), layout, others, index, (a, b)):
            continue
        for bend in _BENDS:
            curve = _bowed(a, b, *bend, arrow)
            if curve is not None and not _blocked(curve.polyline(8), layout, others, index,
                                                  (a, b)):
                edges[k] = curve
                break
        else:
            # No single bow clears the way (a crowded part of the map): find a path
            # between the boxes on a grid and draw it as a smooth curve.
            for margin in (5.0, 2.5):  # a narrower way if there is no wide one
                found = grid_route(a, b, index, arrow, margin)
                if found is not None:
                    edges[k] = found
                    break
    return Layout(layout.bbox, layout.nodes, tuple(edges))


#: Most cells on a side of the grid one routed link searches (time per link is bounded).
ROUTE_CELLS = 72


def grid_route(tail: Box, head: Box, index: _Index, arrow: float = 10.0,
               margin: float = 5.0) -> EdgeShape | None:
    """A link from ``tail`` to ``head`` round every other box in ``index``, or None.

    A* over a grid laid on the two boxes' surroundings (at most ``ROUTE_CELLS``
    cells a side), then the path pulled tight (each corner kept only where the
    straight line past it would touch a box) and drawn as straight pieces
    joined by short rounded corners.
    """
    import heapq

    (x0, y0), (x1, y1) = (tail.x, tail.y), (head.x, head.y)
    reach = max(120.0, 0.6 * math.hypot(x1 - x0, y1 - y0))
    left, bottom = min(x0, x1) - reach, min(y0, y1) - reach
    right, top = max(x0, x1) + reach, max(y0, y1) + reach
    cell = max(8.0, (right - left) / ROUTE_CELLS, (top - bottom) / ROUTE_CELLS)
    cols, rows = int((right - left) / cell) + 1, int((top - bottom) / cell) + 1
    region = Box((left + right) / 2, (bottom + top) / 2, (right - left) / 2, (top - bottom) / 2)
    obstacles = [box for box in {id(b): b for b in index.near(region, 0.0)[0]}.values()
                 if box is not tail and box is not head]
    blocked = bytearray(cols * rows)
    pad = margin + cell * 0.5
    for box in obstacles:
        i0 = max(0, math.floor((box.x - box.hw - pad - left) / cell))
        i1 = min(cols - 1, math.ceil((box.x + box.hw + pad - left) / cell))
        j0 = max(0, math.floor((box.y - box.hh - pad - bottom) / cell))
        j1 = min(rows - 1, math.ceil((box.y + box.hh + pad - bottom) / cell))
        for j in range(j0, j1 + 1):
            cy = bottom + j * cell
            if abs(cy - box.y) > box.hh + pad:
                continue
            for i in range(i0, i1 + 1):
                if abs(left + i * cell - box.x) <= box.hw + pad:
                    blocked[j * cols + i] = 1

    def cell_of(x: float, y: float) -> int:
        return round((y - bottom) / cell) * cols + round((x - left) / cell)

    start, goal = cell_of(x0, y0), cell_of(x1, y1)
    blocked[start] = blocked[goal] = 0
    gx, gy = goal % cols, goal // cols
    came: dict[int, int] = {start: start}
    cost = {start: 0.0}
    queue = [(0.0, start)]
    steps = ((1, 0, 1.0), (-1, 0, 1.0), (0, 1, 1.0), (0, -1, 1.0),
             (1, 1, 1.4142), (1, -1, 1.4142), (-1, 1, 1.4142), (-1, -1, 1.4142))
    while queue:
        _, here = heapq.heappop(queue)
        if here == goal:
            break
        hx, hy = here % cols, here // cols
        for dx, dy, w in steps:
            nx, ny = hx + dx, hy + dy
            if not (0 <= nx < cols and 0 <= ny < rows):
                continue
            there = ny * cols + nx
            if blocked[there]:
                continue
            new = cost[here] + w
            if new < cost.get(there, math.inf):
                cost[there] = new
                came[there] = here
                heapq.heappush(queue, (new + math.hypot(gx - nx, gy - ny), there))
    if goal not in came:
        return None
    path = [goal]
    while path[-1] != start:
        path.append(came[path[-1]])
    points = [(left + (c % cols) * cell, bottom + (c // cols) * cell) for c in reversed(path)]
    points[0], points[-1] = (x0, y0), (x1, y1)
    corners = _pull_tight(points, obstacles, margin * 0.8)
    for radius in (12.0, 0.0):  # rounded corners, else sharp ones if rounding cuts a box
        curve = _corner_curve(corners, tail, head, arrow, radius)
        if curve is not None and all(_clear(a, b, obstacles, 1.0)
                                     for a, b in itertools.pairwise(curve.polyline(8))):
            return curve
    return None


def _clear(a: Point, b: Point, obstacles: Sequence[Box], margin: float) -> bool:
    return not any(_through(a, b, Box(o.x, o.y, o.hw + margin, o.hh + margin))
                   for o in obstacles)


def _pull_tight(points: Sequence[Point], obstacles: Sequence[Box],
                margin: float) -> list[Point]:
    """The path's corners only: from each kept point, the furthest point in sight."""
    out = [points[0]]
    i = 0
    while i < len(points) - 1:
        j = len(points) - 1
        while j > i + 1 and not _clear(points[i], points[j], obstacles, margin):
            j -= 1
        out.append(points[j])
        i = j
    return out


def _corner_curve(corners: Sequence[Point], tail: Box, head: Box, arrow: float,
                  radius: float) -> EdgeShape | None:
    """Straight pieces between ``corners`` with rounded joins, from ``tail``'s border to an
    arrow tip on ``head``'s border, as cubic Bézier control points."""
    # corners inside an end's box only lead into it: the line is cut at the border anyway
    inner = [c for c in corners[1:-1]
             if tail.distance_to_point(c) > 1 and head.distance_to_point(c) > 1]
    start = _border(tail, inner[0] if inner else corners[-1])
    if start is None:
        return None
    if inner:
        # the arrow heads for the box's centre (the path's way, checked clear) and stops at
        # its border; the corner moves back along the last piece if the arrow would not fit
        last = inner[-1]
        found = _border(head, last)
        if found is None:
            return None
        tip = found
        gap = math.dist(last, tip)
        if gap < arrow + 4:
            before = inner[-2] if len(inner) > 1 else start
            piece = math.dist(before, last) or 1.0
            back = min(arrow + 4 - gap, piece / 2)
            last = (last[0] + (before[0] - last[0]) / piece * back,
                    last[1] + (before[1] - last[1]) / piece * back)
            inner[-1] = last
            gap = math.dist(last, tip)
    else:
        last = start
        found = _border(head, start)
        if found is None:
            return None
        tip = found
        gap = math.dist(last, tip)
    if gap <= arrow:
        return None
    end = (tip[0] + (last[0] - tip[0]) / gap * arrow, tip[1] + (last[1] - tip[1]) / gap * arrow)
    path = [start, *inner, end]
    points: list[Point] = [start]
    for n in range(1, len(path)):
        a, b = path[n - 1], path[n]
        # round each inner corner: the piece stops short of it and a curve turns through it
        ra = min(radius, math.dist(a, b) / 3) if n > 1 else 0.0
        rb = min(radius, math.dist(a, b) / 3) if n < len(path) - 1 else 0.0
        length = math.dist(a, b) or 1.0
        ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
        p = (a[0] + ux * ra, a[1] + uy * ra)
        q = (b[0] - ux * rb, b[1] - uy * rb)
        if n > 1:  # the turn from the last piece's end, through corner ``a``, to ``p``
            points.extend((a, a, p))
        points.extend((((p[0] * 2 + q[0]) / 3, (p[1] * 2 + q[1]) / 3),
                       ((p[0] + q[0] * 2) / 3, (p[1] + q[1] * 2) / 3), q))
    return EdgeShape(tuple(points), tip)


def _blocked(line: Sequence[Point], layout: Layout, others: Sequence[int], index: _Index,
             ends: tuple[Box, Box]) -> bool:
    """Whether the polyline runs through a box other than its two ends."""
    xs, ys = [p[0] for p in line], [p[1] for p in line]
    span = Box((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2,
               (max(xs) - min(xs)) / 2, (max(ys) - min(ys)) / 2)
    near = {id(b): b for b in index.near(span, 2.0)[0]}
    for box in near.values():
        if box is ends[0] or box is ends[1]:
            continue
        grown = Box(box.x, box.y, box.hw + 2, box.hh + 2)
        if any(_through(p, q, grown) for p, q in itertools.pairwise(line)):
            return True
    return False


def _bowed(tail: Box, head: Box, first: float, second: float,
           arrow: float) -> EdgeShape | None:
    """A cubic from ``tail``'s border to ``head``'s, its control points moved ``first`` and
    ``second`` points to one side (the same amount: an even bow; else lopsided or an S)."""
    (x0, y0), (x1, y1) = (tail.x, tail.y), (head.x, head.y)
    length = math.hypot(x1 - x0, y1 - y0)
    if length < 1:
        return None
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    c1 = (x0 + (x1 - x0) / 3 + nx * first, y0 + (y1 - y0) / 3 + ny * first)
    c2 = (x0 + 2 * (x1 - x0) / 3 + nx * second, y0 + 2 * (y1 - y0) / 3 + ny * second)
    start = _border(tail, c1)
    tip = _border(head, c2)
    if start is None or tip is None:
        return None
    dx, dy = tip[0] - c2[0], tip[1] - c2[1]
    gap = math.hypot(dx, dy)
    if gap <= arrow:
        return None
    end = (tip[0] - dx / gap * arrow, tip[1] - dy / gap * arrow)
    return EdgeShape((start, c1, c2, end), tip)


def _border(box: Box, toward: Point) -> Point | None:
    """Where the ray from the box's centre toward ``toward`` leaves the box."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if abs(dx) < 1e-9 and abs(dy) < 1e-9:
        return None
    scale = min(box.hw / abs(dx) if dx else math.inf, box.hh / abs(dy) if dy else math.inf)
    if scale >= 1:
        return None  # the control point lies inside the box
    return (box.x + dx * scale, box.y + dy * scale)
