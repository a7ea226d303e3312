"""Layout quality read from the final SVG, as a reader sees the picture.

Every number here is computed from the drawn geometry (the SVG loopkit or
plain Graphviz wrote), never from loopkit's intentions, so the same code
scores a loopkit render and a plain ``neato``/``sfdp`` run of the same graph.
The terms follow the layout-quality metric Simlin publishes for its
diagrams: each is a *rate* (a mean over the things it concerns), zero when
ideal, and ``cost`` sums them with fixed weights, so one defect costs the
same share of a small and of a big map. Raw counts are kept beside the rates
because targets are stated in counts ("0 overlapping text").

Terms and weights:

- ``node_overlap`` (3.5): mean share of each variable's box covered by other
  variables' boxes;
- ``label_overlap`` (3.5): mean share of each text covered by other texts;
- ``link_through_variable`` (2.0): share of link length inside the box of a
  variable that is not one of its two ends (reads as a false causal link);
- ``link_through_label`` (1.5): mean over texts of the link length through
  the text, relative to the text's height (a link's own sign is exempt);
- ``crossings`` (1.0): crossings between links that share no variable, per link.

Reported but not weighted: loop badges inside their loop, and area per variable.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from loopkit.render.dotsource import text_width
from loopkit.render.layout import Point, clip_length, sample_spline, winding

SVG = "{http://www.w3.org/2000/svg}"
WEIGHTS = {
    "node_overlap": 3.5,
    "label_overlap": 3.5,
    "link_through_variable": 2.0,
    "link_through_label": 1.5,
    "crossings": 1.0,
}
#: Points two boxes may share before they count as overlapping (anti-aliasing, rounding).
TOLERANCE = 0.75
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in SVG coordinates (y down)


@dataclass(frozen=True)
class Text:
    """One drawn text: its box, what it says and which element owns it."""

    rect: Rect
    text: str
    owner: str
    kind: str  # variable, sign, badge, title, legend, other


@dataclass(frozen=True)
class Link:
    """One drawn link: the curve as a polyline ending at its arrow tip."""

    source: str
    target: str
    line: tuple[Point, ...]
    head: tuple[Point, ...]  # the arrowhead polygon
    owner: str
    loops: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadgeShape:
    loop: str
    centre: Point
    title: str


@dataclass
class Geometry:
    """What a reader sees: variable boxes, links, texts and loop badges."""

    width: float = 0.0
    height: float = 0.0
    variables: dict[str, Rect] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    badges: list[BadgeShape] = field(default_factory=list)


def _numbers(text: str) -> list[float]:
    return [float(v) for v in _NUMBER.findall(text)]


def _pairs(values: Sequence[float]) -> list[Point]:
    return list(zip(values[::2], values[1::2], strict=False))


def path_points(d: str, per_segment: int = 8) -> list[Point]:
    """Points along a Graphviz path (``M x,y C ...``: one move, then cubic Béziers)."""
    points = _pairs(_numbers(d))
    if len(points) >= 4 and (len(points) - 1) % 3 == 0 and "C" in d:
        return sample_spline(points, per_segment)
    return points


def _bounds(points: Iterable[Point]) -> Rect:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _text_rect(element: ET.Element) -> Rect | None:
    text = "".join(element.itertext())
    if not text.strip():
        return None
    size = float(element.get("font-size", "14"))
    bold = "bold" in (element.get("font-weight", "") + element.get("font-family", "")).lower()
    width = text_width(text, size, bold=bold)
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    anchor = element.get("text-anchor", "start")
    x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    # Baseline at y: Helvetica's capitals rise ~0.72 em, descenders drop ~0.21 em.
    return (x0, y - 0.72 * size, x0 + width, y + 0.21 * size)


def _merge(rects: Sequence[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def read_svg(svg: str | bytes) -> Geometry:
    """The geometry of a loopkit SVG (``data-var``/``data-link`` hooks) or a plain
    Graphviz SVG (``class="node"``/``class="edge"`` with ``tail->head`` titles)."""
    root = ET.fromstring(svg)
    geometry = Geometry()
    view = _numbers(root.get("viewBox", ""))
    if len(view) == 4:
        geometry.width, geometry.height = view[2], view[3]
    names: dict[str, str] = {}  # plain Graphviz: node title -> id
    plain = _plain(root)
    for group in root.iter(f"{SVG}g"):
        cls = (group.get("class") or "").split()
        gid = group.get("id") or ""
        if group.get("data-var") is not None or (plain and "node" in cls):
            name = group.get("data-var") or _title(group)
            names[_title(group)] = name
            shapes = [p for child in group if child.tag in (f"{SVG}path", f"{SVG}polygon",
                                                            f"{SVG}ellipse")
                      for p in _shape_points(child)]
            texts = [r for t in group.iter(f"{SVG}text") if (r := _text_rect(t))]
            if shapes:
                geometry.variables[name] = _bounds(shapes)
            elif texts:
                geometry.variables[name] = _merge(texts)
            if texts:
                label = " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))
                geometry.texts.append(Text(_merge(texts), label, f"var:{name}", "variable"))
        elif group.get("data-link") is not None or (plain and "edge" in cls):
            if group.get("data-link") is not None:
                source, _, target = group.get("data-link", "").partition("->")
            else:
                source, _, target = _title(group).partition("->")
                source, target = names.get(source, source), names.get(target, target)
            paths = [c for c in group if c.tag == f"{SVG}path"
                     and "delay-mark" not in (c.get("class") or "")]
            heads = [_pairs(_numbers(c.get("points", ""))) for c in group
                     if c.tag == f"{SVG}polygon" and "sign" not in (c.get("class") or "")]
            if not paths:
                continue
            line = path_points(paths[0].get("d", ""))
            # the arrowhead at the line's end (a two-way line has a second at its start)
            heads = [h for h in heads if h]
            head = min(heads, key=lambda h: _gap(h, line[-1])) if heads else []
            if head:
                tip = max(head, key=lambda p: math.dist(p, line[-1]))
                line = [*line, tip]
            tail = [h for h in heads if h is not head]
            if tail:
                start = min(tail, key=lambda h: _gap(h, line[0]))
                line = [max(start, key=lambda p: math.dist(p, line[0])), *line]
            owner = f"link:{gid or len(geometry.links)}"
            geometry.links.append(Link(source, target, tuple(line), tuple(head), owner,
                                       tuple((group.get("data-loops") or "").split())))
            for t in group.iter(f"{SVG}text"):
                rect = _text_rect(t)
                if rect:
                    geometry.texts.append(Text(rect, "".join(t.itertext()), owner, "sign"))
        elif group.get("data-loop") is not None and "loop-badge" in cls:
            loop = group.get("data-loop", "")
            title = group.find(f"{SVG}title")
            texts = list(group.iter(f"{SVG}text"))
            for n, t in enumerate(texts):
                rect = _text_rect(t)
                if rect:
                    geometry.texts.append(Text(rect, "".join(t.itertext()),
                                               f"badge:{loop}:{n}", "badge"))
            if texts:
                size = float(texts[0].get("font-size", "14"))
                centre = (float(texts[0].get("x", "0")),
                          float(texts[0].get("y", "0")) - 0.35 * size)
                geometry.badges.append(BadgeShape(loop, centre,
                                                  title.text or "" if title is not None
                                                  else ""))
        elif gid in ("title", "description") or "legend-item" in cls:
            for n, t in enumerate(group.iter(f"{SVG}text")):
                rect = _text_rect(t)
                if rect:
                    kind = "legend" if "legend-item" in cls else "title"
                    owner = f"{gid}:{n}" if kind == "legend" else gid
                    geometry.texts.append(Text(rect, "".join(t.itertext()), owner, kind))
    return geometry


def _gap(polygon: Sequence[Point], p: Point) -> float:
    """How far the nearest corner of ``polygon`` is from ``p``."""
    return min(math.dist(q, p) for q in polygon)


def _plain(root: ET.Element) -> bool:
    """A plain Graphviz SVG (no loopkit hooks)."""
    return "loopkit-diagram" not in (root.get("class") or "")


def _title(group: ET.Element) -> str:
    title = group.find(f"{SVG}title")
    return (title.text or "") if title is not None else ""


def _shape_points(element: ET.Element) -> list[Point]:
    if element.tag == f"{SVG}path":
        return _pairs(_numbers(element.get("d", "")))
    if element.tag == f"{SVG}polygon":
        return _pairs(_numbers(element.get("points", "")))
    cx, cy = float(element.get("cx", "0")), float(element.get("cy", "0"))
    rx, ry = float(element.get("rx", "0")), float(element.get("ry", "0"))
    return [(cx - rx, cy - ry), (cx + rx, cy + ry)]


# --- measuring --------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """Layout quality of one picture: rates, weighted cost and the counts behind them."""

    variables: int
    links: int
    node_overlap: float
    label_overlap: float
    link_through_variable: float
    link_through_label: float
    crossings: float
    cost: float
    overlapping_variables: int
    overlapping_texts: int
    links_through_variables: int
    links_through_labels: int
    crossing_count: int
    badges: int
    badges_inside: int
    badges_with_leader: int
    area_per_variable: float
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data


def _area(r: Rect) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def _intersection(a: Rect, b: Rect) -> Rect:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _overlap(a: Rect, b: Rect, tolerance: float = TOLERANCE) -> float:
    """Area two boxes share beyond ``tolerance`` points on each axis (0 if they only touch)."""
    i = _intersection(a, b)
    w, h = i[2] - i[0], i[3] - i[1]
    return w * h if w > tolerance and h > tolerance else 0.0


def _shrink(r: Rect, by: float) -> Rect:
    return (r[0] + by, r[1] + by, r[2] - by, r[3] - by)


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (side(a, b, c) * side(a, b, d) < 0) and (side(c, d, a) * side(c, d, b) < 0)


class _SegmentGrid:
    """Link segments bucketed in a uniform grid: "which segments are near here" stays cheap."""

    def __init__(self, links: Sequence[Link], cell: float = 40.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.segments: list[list[tuple[Point, Point]]] = []
        for n, link in enumerate(links):
            segs = list(itertools.pairwise(link.line))
            self.segments.append(segs)
            for k, (a, b) in enumerate(segs):
                for key in self.keys((min(a[0], b[0]), min(a[1], b[1]),
                                      max(a[0], b[0]), max(a[1], b[1]))):
                    self.cells.setdefault(key, []).append((n, k))

    def keys(self, r: Rect) -> list[tuple[int, int]]:
        c = self.cell
        i0, i1 = math.floor(r[0] / c), math.floor(r[2] / c)
        j0, j1 = math.floor(r[1] / c), math.floor(r[3] / c)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > 4096:  # a huge segment: cap the cells it fills
            return [(i0, j0)]
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]

    def near(self, r: Rect) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()
        for key in self.keys(r):
            found.update(self.cells.get(key, ()))
        return found


def measure(geometry: Geometry, loops: dict[str, Sequence[str]] | None = None) -> Metrics:
    """Score the geometry. ``loops`` maps a loop id to its variables in order (for badges);
    without it a badge's loop is rebuilt from the links' ``data-loops`` hooks."""
    problems: list[str] = []
    boxes = geometry.variables
    names = list(boxes)
    # node overlap
    covered = dict.fromkeys(names, 0.0)
    overlapping_variables = 0
    for a, b in itertools.combinations(names, 2):
        shared = _overlap(boxes[a], boxes[b])
        if shared:
            overlapping_variables += 1
            covered[a] += shared / max(_area(boxes[a]), 1.0)
            covered[b] += shared / max(_area(boxes[b]), 1.0)
            problems.append(f"variables overlap: {a} and {b}")
    node_overlap = (sum(min(v, 1.0) for v in covered.values()) / len(names)) if names else 0.0
    # label overlap (text against text of another element)
    texts = geometry.texts
    text_cover = [0.0] * len(texts)
    overlapping_texts = 0
    order = sorted(range(len(texts)), key=lambda k: texts[k].rect[0])
    for pos, i in enumerate(order):
        a = texts[i]
        for j in order[pos + 1:]:
            b = texts[j]
            if b.rect[0] >= a.rect[2]:
                break
            if a.owner == b.owner and a.kind != "sign":
                # a name's lines are one text; a link's texts (an overview's two
                # counts) must not cover each other
                continue
            shared = _overlap(a.rect, b.rect)
            if shared:
                overlapping_texts += 1
                text_cover[i] += shared / max(_area(a.rect), 1.0)
                text_cover[j] += shared / max(_area(b.rect), 1.0)
                problems.append(f"texts overlap: {a.text!r} and {b.text!r}")
    label_overlap = (sum(min(v, 1.0) for v in text_cover) / len(texts)) if texts else 0.0
    # links through variables and labels
    grid = _SegmentGrid(geometry.links)
    total_length = sum(math.dist(a, b) for segs in grid.segments for a, b in segs) or 1.0
    inside_length = 0.0
    through_variables: set[tuple[int, str]] = set()
    for name, rect in boxes.items():
        shrunk = _shrink(rect, 1.5)
        for n, k in grid.near(shrunk):
            link = geometry.links[n]
            if name in (link.source, link.target):
                continue
            a, b = grid.segments[n][k]
            length = clip_length(a, b, shrunk)
            if length > 0.5:
                inside_length += length
                if (n, name) not in through_variables:
                    through_variables.add((n, name))
                    problems.append(f"link {link.source}->{link.target} runs through "
                                    f"variable {name}")
    through_labels: set[tuple[int, int]] = set()
    label_length = 0.0
    for t, text in enumerate(texts):
        if text.kind in ("variable",):
            rect = _shrink(text.rect, 0.5)
        else:
            rect = text.rect
        height = max(rect[3] - rect[1], 1.0)
        share = 0.0
        for n, k in grid.near(rect):
            link = geometry.links[n]
            if text.owner == link.owner:
                continue
            a, b = grid.segments[n][k]
            length = clip_length(a, b, rect)
            if length > 0.5:
                own = text.owner in (f"var:{link.source}", f"var:{link.target}")
                share += (0.5 if own else 1.0) * length / height
                if (n, t) not in through_labels:
                    through_labels.add((n, t))
                    if not own:
                        problems.append(f"link {link.source}->{link.target} runs through "
                                        f"text {text.text!r}")
        label_length += share
    link_through_label = label_length / len(texts) if texts else 0.0
    # crossings between links sharing no variable
    crossing_count = 0
    seen: set[tuple[int, int, int, int]] = set()
    for bucket in grid.cells.values():
        for (n1, k1), (n2, k2) in itertools.combinations(bucket, 2):
            if n1 == n2:
                continue
            l1, l2 = geometry.links[n1], geometry.links[n2]
            if {l1.source, l1.target} & {l2.source, l2.target}:
                continue
            key = (n1, k1, n2, k2) if n1 < n2 else (n2, k2, n1, k1)
            if key in seen:
                continue
            seen.add(key)
            if _cross(*grid.segments[n1][k1], *grid.segments[n2][k2]):
                crossing_count += 1
    # badges
    inside = leader = 0
    for badge in geometry.badges:
        outline = _loop_outline(geometry, badge.loop, (loops or {}).get(badge.loop))
        if outline and winding(badge.centre, outline) != 0:
            inside += 1
        elif "leader" in badge.title.lower():
            leader += 1
        else:
            problems.append(f"badge {badge.loop} is outside its loop")
    n_links = len(geometry.links)
    rates = {
        "node_overlap": node_overlap,
        "label_overlap": label_overlap,
        "link_through_variable": inside_length / total_length,
        "link_through_label": link_through_label,
        "crossings": crossing_count / n_links if n_links else 0.0,
    }
    cost = sum(WEIGHTS[k] * v for k, v in rates.items())
    return Metrics(
        variables=len(names), links=n_links, **{k: round(v, 4) for k, v in rates.items()},
        cost=round(cost, 4), overlapping_variables=overlapping_variables,
        overlapping_texts=overlapping_texts, links_through_variables=len(through_variables),
        links_through_labels=sum(1 for n, t in through_labels
                                 if texts[t].owner not in (
                                     f"var:{geometry.links[n].source}",
                                     f"var:{geometry.links[n].target}")),
        crossing_count=crossing_count, badges=len(geometry.badges), badges_inside=inside,
        badges_with_leader=leader,
        area_per_variable=round(geometry.width * geometry.height / max(len(names), 1), 1),
        problems=tuple(problems))


def _loop_outline(geometry: Geometry, loop: str,
                  variables: Sequence[str] | None) -> list[Point]:
    """The loop's links joined head to tail, as drawn."""
    by_ends = {(link.source, link.target): link for link in geometry.links}
    if variables is None:
        members = [link for link in geometry.links if loop in link.loops]
        following = {link.source: link for link in members}
        if not members:
            return []
        chain = [members[0]]
        while len(chain) < len(members):
            nxt = following.get(chain[-1].target)
            if nxt is None or nxt is chain[0]:
                break
            chain.append(nxt)
    else:
        pairs = zip(variables, [*variables[1:], variables[0]], strict=True)
        chain = [by_ends[p] for p in pairs if p in by_ends]
    return [p for link in chain for p in link.line]


def measure_svg(svg: str | bytes, loops: dict[str, Sequence[str]] | None = None) -> Metrics:
    """``measure(read_svg(svg))``."""
    return measure(read_svg(svg), loops)


def arrow_ends(geometry: Geometry) -> list[tuple[Link, str | None]]:
    """For each link, the variable its arrowhead touches (the nearest box to the tip)."""
    out = []
    for link in geometry.links:
        if not link.head:
            out.append((link, None))
            continue
        tip = link.line[-1]
        nearest = min(geometry.variables.items(),
                      key=lambda item: _distance(item[1], tip), default=None)
        out.append((link, nearest[0] if nearest else None))
    return out


def _distance(r: Rect, p: Point) -> float:
    dx = max(r[0] - p[0], 0.0, p[0] - r[2])
    dy = max(r[1] - p[1], 0.0, p[1] - r[3])
    return math.hypot(dx, dy)


def format_metrics(metrics: Metrics) -> list[str]:
    """The metrics as text lines, counts first, for ``render --stats``."""
    m = metrics
    lines = [
        f"variables {m.variables}, links {m.links}, area per variable "
        f"{m.area_per_variable:g} pt²",
        f"overlapping variables {m.overlapping_variables}, overlapping texts "
        f"{m.overlapping_texts}",
        f"links through a variable {m.links_through_variables}, through a text "
        f"{m.links_through_labels}",
        f"crossings {m.crossing_count} (between links sharing no variable)",
        f"loop badges inside their loop {m.badges_inside}/{m.badges}"
        + (f" ({m.badges_with_leader} beside it with a leader line)"
           if m.badges_with_leader else ""),
        "cost " + f"{m.cost:.3f} = " + " + ".join(
            f"{WEIGHTS[k]:g}×{getattr(m, k):.3f} {k}" for k in WEIGHTS),
    ]
    return lines
