"""The finished picture as pinned DOT (pass 2): layout + badges, delay marks, title, legend.

Everything is placed here in points and written with fixed positions, so
``neato -n2`` only draws: the SVG, PNG and PDF outputs all show the same
picture, and the SVG post-processing only adds metadata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from loopkit.model import Diagram, LoopType, Polarity
from loopkit.render.dotsource import (
    EDGE,
    FADED_EDGE,
    FADED_TEXT,
    FONT,
    FONT_BOLD,
    TEXT,
    DotWriter,
    Emphasis,
    Style,
    greedy_wrap,
    group_fills,
    group_outline,
    link_attrs,
    text_width,
    variable_attrs,
    wrap_label,
)
from loopkit.render.layout import (
    Box,
    Budget,
    EdgeShape,
    Layout,
    Point,
    arc,
    delay_strokes,
    dense,
    loop_outline,
    place_badges,
    place_signs,
    segment_pos,
    signed_area,
    winding,
)
from loopkit.render.overview import (
    COUNT_SIZE,
    Line,
    line_counts,
    line_width,
    place_counts,
)
from loopkit.text import strip_control

BADGE_RADIUS = 13.0
BADGE_NAME_SIZE = 10.0
LEGEND_SIZE = 10.0
MARGIN = 8.0
SIGN_HALF = (5.0, 7.5)  # a 15 pt sign: 0.93 em from descender to cap height
LEGEND_TEXT = "#555555"
#: The sign a collapsed view draws on links of mixed signs.
MIXED = "\u00b1"


@dataclass(frozen=True)
class Badge:
    """A loop symbol to draw: which loop, where, turning which way."""

    loop_id: str
    name: str | None
    loop_type: LoopType
    edges: tuple[int, ...]
    faded: bool = False


@dataclass
class _Node:
    name: str
    x: float
    y: float
    attrs: dict[str, str | float | int]


@dataclass
class _Edge:
    tail: str
    head: str
    pos: str
    attrs: dict[str, str | float | int]


@dataclass
class Scene:
    """Nodes and edges with final positions, before translation into the page."""

    nodes: list[_Node] = field(default_factory=list)
    edges: list[_Edge] = field(default_factory=list)
    extents: list[tuple[float, float, float, float]] = field(default_factory=list)
    points: int = 0

    def add_node(self, name: str, x: float, y: float, hw: float, hh: float,
                 **attrs: str | float | int) -> None:
        self.nodes.append(_Node(name, x, y, attrs))
        self.extents.append((x - hw, y - hh, x + hw, y + hh))

    def point(self, p: Point, owner: str) -> str:
        """An invisible anchor node for a drawn curve (edges need two ends)."""
        name = f"{owner}-p{self.points}"
        self.points += 1
        self.nodes.append(_Node(name, p[0], p[1], {
            "shape": "point", "style": "invis", "width": 0.01, "height": 0.01,
            "label": "", "id": name, "class": "anchor"}))
        return name

    def add_curve(self, start: Point, end: Point, pos: str, owner: str,
                  **attrs: str | float | int) -> None:
        tail, head = self.point(start, owner), self.point(end, owner)
        self.edges.append(_Edge(tail, head, pos, attrs))
        self.extents.append((min(start[0], end[0]), min(start[1], end[1]),
                             max(start[0], end[0]), max(start[1], end[1])))

    def bounds(self) -> tuple[float, float, float, float]:
        xs0, ys0, xs1, ys1 = zip(*self.extents, strict=True)
        return min(xs0), min(ys0), max(xs1), max(ys1)


def compose(
    diagram: Diagram,
    layout: Layout,
    badges: Sequence[Badge],
    *,
    style: Style,
    emphasis: Emphasis,
    budget: Budget | None = None,
    caption: str | None = None,
    sign_texts: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    lines: Sequence[Line] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """Pinned DOT for the whole picture (searches cut short when ``budget`` runs out), and
    the loops whose badge sits beside the loop with a leader line.

    ``caption`` is drawn under the title (a focus view says what it leaves out);
    ``sign_texts`` replaces each link's sign (a collapsed view's "3 +");
    ``group_order`` keeps a whole map's group colours in a part of it.
    ``lines`` (a collapsed view): ``layout.edges`` are these lines, not the links, and
    each link's text is a count drawn on its line (``overview``).
    """
    scene = Scene()
    fills = group_fills(diagram, style, group_order)
    for i, box in enumerate(layout.nodes):
        attrs = variable_attrs(diagram, i, style, emphasis, fills)
        scene.add_node(f"v{i}", box.x, box.y, box.hw, box.hh, **attrs)
    names = {v.id: f"v{i}" for i, v in enumerate(diagram.variables)}
    edges: list[_Edge] = []
    texts = list(sign_texts) if sign_texts is not None else [
        link.polarity.symbol for link in diagram.links]
    if lines is not None:
        _add_lines(scene, diagram, layout, lines, texts, style, emphasis, names,
                            budget)
        x0, y0, x1, y1 = scene.bounds()
        _add_title(scene, diagram, (x0 + x1) / 2, y1, max(x1 - x0, 260.0), caption)
        if style.legend:
            _add_legend(scene, diagram, style, badges, x0, y0, max(x1 - x0, 300.0),
                        {t[-1:] for t in texts}, fills)
        return _write(scene, "edgesfirst"), ()
    half = SIGN_HALF if sign_texts is None else (
        max([SIGN_HALF[0], *(text_width(t, 15) / 2 + 1 for t in texts)]), SIGN_HALF[1])
    signs = place_signs(layout, half, budget)
    for i, (link, shape, (sx, sy), text) in enumerate(
            zip(diagram.links, layout.edges, signs, texts, strict=True)):
        attrs = link_attrs(link, i, style, emphasis)
        colour = attrs.pop("labelfontcolor")
        attrs.pop("headlabel")
        edges.append(_Edge(names[link.source], names[link.target], shape.pos, attrs))
        for x, y in shape.points:
            scene.extents.append((x, y, x, y))
        scene.add_node(f"s{i}", sx, sy, *half, label=text, fontsize=15,
                       fontcolor=colour, id=f"s{i}", **{"class": "sign"})
    scene.edges.extend(edges)
    for i, (link, shape) in enumerate(zip(diagram.links, layout.edges, strict=True)):
        if not link.delay:
            continue
        state = emphasis.link(link.key)
        colour = FADED_EDGE if state == "off" else ("#111111" if state == "on" else EDGE)
        for j, (a, b) in enumerate(delay_strokes(shape)):
            scene.add_curve(a, b, segment_pos(a, b), f"m{i}", dir="none", penwidth=1.7,
                            color=colour, id=f"m{i}-{j}", **{"class": "delay-mark"})
    leaders = _add_badges(scene, layout, badges, [Box(x, y, *half) for x, y in signs],
                          budget)
    x0, y0, x1, y1 = scene.bounds()
    _add_title(scene, diagram, (x0 + x1) / 2, y1, max(x1 - x0, 260.0), caption)
    if style.legend:
        symbols = {t[-1:] for t in texts} if sign_texts is not None else None
        _add_legend(scene, diagram, style, badges, x0, y0, max(x1 - x0, 300.0), symbols,
                    fills)
    return _write(scene), leaders


def _add_lines(scene: Scene, diagram: Diagram, layout: Layout, lines: Sequence[Line],
               texts: Sequence[str], style: Style, emphasis: Emphasis, names: dict[str, str],
               budget: Budget | None) -> list[Box]:
    """A collapsed view's lines (a pair of opposite links as one line with two
    arrowheads, wider the more links it stands for) and each link's count on its line,
    on a white ground, on the half nearest its own arrowhead."""
    polylines, poses, wanted, owners = line_counts(layout, lines, texts)
    spots = place_counts(polylines, layout.nodes, wanted, budget)
    for line, pos, drawn in zip(lines, poses, polylines, strict=True):
        link = diagram.links[line.forward]
        attrs = link_attrs(link, line.forward, style, emphasis)
        attrs.pop("labelfontcolor")
        attrs.pop("headlabel")
        links = _count_of(texts[line.forward]) + (
            _count_of(texts[line.back]) if line.back is not None else 0)
        attrs["penwidth"] = max(line_width(links), float(attrs.get("penwidth", 0)))
        attrs["arrowsize"] = 0.8
        if line.back is not None:
            attrs["dir"] = "both"
            back = diagram.links[line.back]
            if (link.polarity is Polarity.NEGATIVE) != (back.polarity is Polarity.NEGATIVE):
                attrs.pop("style", None)  # dashes for negative links: only when both are
        scene.edges.append(_Edge(names[link.source], names[link.target], pos, attrs))
        for x, y in drawn:
            scene.extents.append((x, y, x, y))
        if link.delay or (line.back is not None and diagram.links[line.back].delay):
            state = emphasis.link(link.key)
            colour = FADED_EDGE if state == "off" else EDGE
            for j, (a, b) in enumerate(delay_strokes(EdgeShape(tuple(drawn), None))):
                scene.add_curve(a, b, segment_pos(a, b), f"m{line.forward}", dir="none",
                                penwidth=1.7, color=colour, id=f"m{line.forward}-{j}",
                                **{"class": "delay-mark"})
    boxes = []
    for count, owner, (x, y) in zip(wanted, owners, spots, strict=True):
        number = lines[count.line].forward
        colour = link_attrs(diagram.links[owner], owner, style, emphasis)["labelfontcolor"]
        rest = "" if owner == number else "-back"
        scene.add_node(f"s{number}{rest}", x, y, *count.half, label=texts[owner],
                       fontsize=COUNT_SIZE, fontcolor=colour, shape="box", style="filled",
                       fillcolor="white", color="white", penwidth=0, margin=0,
                       width=round(2 * count.half[0] / 72, 4),
                       height=round(2 * count.half[1] / 72, 4), fixedsize="true",
                       id=f"s{number}{rest}", **{"class": "sign count"})
        boxes.append(Box(x, y, *count.half))
    return boxes


def _count_of(text: str) -> int:
    """The number a count text starts with ("3 ±": 3; a plain sign: 1)."""
    head = text.split(" ", 1)[0]
    return int(head) if head.isdigit() else 1


#: Line lengths tried for a badge's name, the first that lets the badge sit inside its loop
#: wins: narrow and tall first, then wide and flat (fits a loop drawn as a wide band).
BADGE_WRAPS = (18, 26, 36)


def badge_size(badge: Badge, wrap: int = BADGE_WRAPS[0]) -> tuple[float, float, list[str]]:
    """Width, height and wrapped name lines of a badge."""
    lines = wrap_label(badge.name, wrap) if badge.name else []
    name_w = max((text_width(line, BADGE_NAME_SIZE) for line in lines), default=0.0)
    width = max(2 * BADGE_RADIUS + 10, name_w + 4)
    height = 2 * BADGE_RADIUS + 8 + len(lines) * BADGE_NAME_SIZE * 1.2
    return width, height, lines


def _add_badges(scene: Scene, layout: Layout, badges: Sequence[Badge],
                avoid: Sequence[Box], budget: Budget | None = None) -> tuple[str, ...]:
    sizes = [badge_size(b) for b in badges]
    loops = [b.edges for b in badges]
    centres = place_badges(layout, loops, [(w, h) for w, h, _ in sizes], avoid=avoid,
                           budget=budget)
    for wrap in BADGE_WRAPS[1:]:
        # a badge pushed outside its loop may fit inside with its name wrapped wider
        outside = [k for k, ((bx, by), _) in enumerate(centres)
                   if badges[k].name and not _inside(layout, badges[k], sizes[k], bx, by)]
        if not outside or (budget is not None and budget.over("badge placement")):
            break
        trial = [badge_size(b, wrap) if k in outside else sizes[k]
                 for k, b in enumerate(badges)]
        again = place_badges(layout, loops, [(w, h) for w, h, _ in trial], avoid=avoid,
                             budget=budget)
        for k in outside:
            if _inside(layout, badges[k], trial[k], *again[k][0]):
                sizes[k], centres[k] = trial[k], again[k]
    leaders = []
    for k, (badge, (width, height, lines), ((bx, by), _)) in enumerate(
            zip(badges, sizes, centres, strict=True)):
        colour = FADED_TEXT if badge.faded else "#333333"
        cy = by + height / 2 - BADGE_RADIUS - 4
        outline = loop_outline(layout, badge.edges)
        clockwise = signed_area(outline) < 0
        owner = f"b{k}"
        if outline and winding((bx, cy), outline) == 0:
            # No free room inside the loop: the badge sits beside it, and a short
            # dotted line leads from the badge to the loop's nearest link.
            leaders.append(badge.loop_id)
            start, end = _leader(Box(bx, by, width / 2, height / 2), outline)
            scene.add_curve(start, end, segment_pos(start, end), owner, dir="none",
                            style="dotted", penwidth=1.2, color=colour, id=f"{owner}-leader",
                            **{"class": "badge-leader"})
        scene.add_node(f"{owner}-id", bx, cy, BADGE_RADIUS, BADGE_RADIUS,
                       label=badge.loop_id, fontname=FONT_BOLD, fontsize=14,
                       fontcolor=colour, id=f"{owner}-id", **{"class": "badge-id"})
        circle = arc((bx, cy), BADGE_RADIUS, clockwise)
        assert circle.tip is not None
        scene.add_curve(circle.points[0], circle.tip, circle.pos, owner, color=colour,
                        penwidth=1.3, arrowsize=0.5, id=f"{owner}-arc",
                        **{"class": "badge-arc"})
        if lines:
            name_h = len(lines) * BADGE_NAME_SIZE * 1.2
            ny = cy - BADGE_RADIUS - 4 - name_h / 2
            scene.add_node(f"{owner}-name", bx, ny, width / 2, name_h / 2,
                           label="\n".join(lines), fontsize=BADGE_NAME_SIZE,
                           fontcolor=FADED_TEXT if badge.faded else LEGEND_TEXT,
                           id=f"{owner}-name", **{"class": "badge-name"})
    return tuple(leaders)


def _inside(layout: Layout, badge: Badge, size: tuple[float, float, list[str]], x: float,
            y: float) -> bool:
    """Whether the badge's loop symbol, drawn at this centre, lies inside its loop."""
    outline = loop_outline(layout, badge.edges)
    return not outline or winding((x, y + size[1] / 2 - BADGE_RADIUS - 4), outline) != 0


def _leader(badge: Box, outline: Sequence[Point]) -> tuple[Point, Point]:
    """A line from the badge's edge to 3 pt short of the nearest point of the loop."""
    points = dense(outline, 4.0)
    target = min(points, key=badge.distance_to_point)
    dx, dy = target[0] - badge.x, target[1] - badge.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    # where the ray from the centre leaves the badge's box
    along = min(badge.hw / abs(ux) if ux else math.inf, badge.hh / abs(uy) if uy else math.inf)
    start = (badge.x + ux * along, badge.y + uy * along)
    end = (target[0] - ux * 3, target[1] - uy * 3)
    if math.dist(start, target) <= 3:
        end = target
    return start, end


def _add_title(scene: Scene, diagram: Diagram, cx: float, top: float, width: float,
               caption: str | None = None) -> None:
    y = top + 10
    if diagram.description:
        lines = _wrap_text(diagram.description, max(40, int(width / (11 * 0.5))))
        height = len(lines) * 11 * 1.25
        scene.add_node("description", cx, y + height / 2, width / 2, height / 2,
                       label="\n".join(lines), fontsize=11, fontcolor=LEGEND_TEXT,
                       id="description", **{"class": "description"})
        y += height + 8
    if caption:
        lines = _wrap_text(caption, max(40, int(width / (12 * 0.5))), most=6)
        height = len(lines) * 12 * 1.25
        scene.add_node("caption", cx, y + height / 2, width / 2, height / 2,
                       label="\n".join(lines), fontsize=12, fontcolor=TEXT,
                       id="caption", **{"class": "caption"})
        y += height + 6
    lines = _wrap_text(diagram.display_title, max(24, int(width / (18 * 0.56))))
    height = len(lines) * 18 * 1.2
    title_w = max(text_width(line, 18, bold=True) for line in lines)
    scene.add_node("title", cx, y + height / 2, title_w / 2, height / 2,
                   label="\n".join(lines), fontsize=18, fontname=FONT_BOLD, fontcolor=TEXT,
                   id="title", **{"class": "title"})


def _wrap_text(text: str, chars: int, most: int = 12) -> list[str]:
    """Greedy wrap of a paragraph; more than ``most`` lines end in an ellipsis."""
    lines = greedy_wrap(strip_control(text).split(), chars)
    if len(lines) > most:
        lines = [*lines[:most - 1], lines[most - 1] + " \u2026"]
    return lines or [""]


def _legend_items(diagram: Diagram, style: Style, badges: Sequence[Badge],
                  symbols: set[str] | None = None,
                  fills: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(kind, key, text) for each legend entry the picture needs (``symbols``: the
    signs drawn, when links carry texts of their own)."""
    used = ({link.polarity.symbol for link in diagram.links} if symbols is None
            else symbols)
    items = []
    if Polarity.POSITIVE.symbol in used:
        items.append(("sign", "+", "same direction"))
    if Polarity.NEGATIVE.symbol in used:
        items.append(("sign", "-", "opposite direction"))
    if Polarity.UNKNOWN.symbol in used:
        items.append(("sign", "?", "unknown polarity"))
    if MIXED in used:
        items.append(("sign", MIXED, "mixed signs"))
    if any(link.delay for link in diagram.links):
        items.append(("delay", "", "delayed"))
    kinds = {b.loop_type for b in badges}
    for kind in (LoopType.REINFORCING, LoopType.BALANCING, LoopType.UNDETERMINED):
        if kind in kinds:
            items.append(("loop", kind.letter, f"{kind.value} loop"))
    for group in fills if fills is not None else group_fills(diagram, style):
        items.append(("group", group, group))
    return items


def _add_legend(scene: Scene, diagram: Diagram, style: Style, badges: Sequence[Badge],
                left: float, bottom: float, width: float,
                symbols: set[str] | None = None, fills: dict[str, str] | None = None) -> None:
    items = _legend_items(diagram, style, badges, symbols, fills)
    if not items:
        return
    fills = fills if fills is not None else group_fills(diagram, style)
    row_h = 20.0
    x, y = left, bottom - 18
    for n, (kind, key, text) in enumerate(items):
        sample_w = {"sign": 40.0, "delay": 30.0}.get(kind, 16.0)
        item_w = sample_w + 6 + text_width(text, LEGEND_SIZE) + 18
        if x > left and x + item_w > left + width:
            x, y = left, y - row_h
        owner = f"legend{n}"
        if kind in ("sign", "delay"):
            a, b = (x, y), (x + 26, y)
            attrs: dict[str, str | float | int] = {"color": EDGE, "arrowsize": 0.6,
                                                    "id": f"{owner}-arrow",
                                                    "class": "legend-arrow"}
            if kind == "sign" and key == "-" and style.dashed_negative:
                attrs["style"] = "dashed"
            scene.add_curve(a, b, f"e,{x + 26:.2f},{y:.2f} " + segment_pos(a, (x + 20, y)),
                            owner, **attrs)
            if kind == "sign":
                polarity = Polarity.UNKNOWN if key == MIXED else Polarity(key)
                scene.add_node(f"{owner}-sign", x + 33, y + 1, 5, 8, label=key if key == MIXED
                               else polarity.symbol,
                               fontsize=15, fontcolor=style.sign_colour(polarity),
                               id=f"{owner}-sign", **{"class": "legend-sign"})
            else:
                for j, (p, q) in enumerate(delay_strokes(_straight(x, y, x + 20))):
                    scene.add_curve(p, q, segment_pos(p, q), owner, dir="none", penwidth=1.7,
                                    color=EDGE, id=f"{owner}-mark{j}",
                                    **{"class": "legend-mark"})
        elif kind == "loop":
            scene.add_node(f"{owner}-key", x + 6, y, 6, 8, label=key, fontname=FONT_BOLD,
                           fontsize=13, fontcolor="#333333", id=f"{owner}-key",
                           **{"class": "legend-loop"})
        else:
            fill = fills[key]
            border, dash, pen = group_outline(fill)
            scene.add_node(f"{owner}-swatch", x + 7, y, 7, 6, label="", shape="box",
                           style=f"{dash},filled" if dash else "filled", fillcolor=fill,
                           color=border, penwidth=pen, width=0.19,
                           height=0.15, fixedsize="true", id=f"{owner}-swatch",
                           **{"class": "legend-swatch"})
        text_w = text_width(text, LEGEND_SIZE)
        scene.add_node(f"{owner}-text", x + sample_w + 6 + text_w / 2, y, text_w / 2, 7,
                       label=text, fontsize=LEGEND_SIZE, fontcolor=LEGEND_TEXT,
                       id=f"{owner}-text", **{"class": "legend-text"})
        x += item_w


def _straight(x0: float, y: float, x1: float) -> EdgeShape:
    return EdgeShape(((x0, y), (x1, y)), None)


def _shift_pos(pos: str, dx: float, dy: float) -> str:
    pieces = []
    for piece in pos.split(";"):
        out = []
        for item in piece.split():
            parts = item.split(",")
            prefix = parts[0] + "," if parts[0] in ("e", "s") else ""
            x, y = (float(v) for v in parts[-2:])
            out.append(f"{prefix}{_n(x + dx)},{_n(y + dy)}")
        pieces.append(" ".join(out))
    return ";".join(pieces)


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _write(scene: Scene, order: str = "nodesfirst") -> str:
    """Translate the scene so it starts at the margin, and write it as pinned DOT
    (``order`` edgesfirst: texts on white ground over the lines, as an overview's counts)."""
    x0, y0, x1, y1 = scene.bounds()
    dx, dy = MARGIN - x0, MARGIN - y0
    out = DotWriter()
    out.graph(bb=f"0,0,{_n(x1 - x0 + 2 * MARGIN)},{_n(y1 - y0 + 2 * MARGIN)}",
              outputorder=order, splines="true", fontname=FONT, pad=0.05)
    out.defaults("node", shape="plaintext", fontname=FONT, fontsize=12, fontcolor=TEXT)
    out.defaults("edge", color=EDGE, arrowsize=0.8, labeldistance=1.7, labelangle=-30,
                 labelfontsize=15, labelfontname=FONT, fontname=FONT)
    for node in scene.nodes:
        out.node(node.name, **node.attrs, pos=f"{_n(node.x + dx)},{_n(node.y + dy)}!")
    for edge in scene.edges:
        out.edge(edge.tail, edge.head, **edge.attrs, pos=_shift_pos(edge.pos, dx, dy))
    return out.text()
