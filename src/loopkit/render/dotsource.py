"""DOT source for a diagram: the standalone graph, and the pinned graph of pass 2.

Every attribute comes from a fixed allow-list and every value is quoted with
``escape.dot_string``; user text only ever reaches ``label``. Graphviz copies
some attributes into SVG unescaped (``fontname``) or follows them
(``URL``, ``image``, ``stylesheet``), so nothing outside the list can be
written, whatever a diagram contains.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from loopkit.model import Diagram, Link, Polarity
from loopkit.text import dot_string, strip_control

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
TEXT = "#222222"
EDGE = "#444444"
#: Faded context stays legible: 4.85:1 on GROUP_FILL_FADED, 5.33:1 on white (WCAG 1.4.3);
#: links and outlines fade to 3.2:1 on white (1.4.11). tests/test_contrast.py checks them all.
FADED_TEXT = "#6b6b6b"
FADED_EDGE = "#8f8f8f"
#: Extra outline width (points) of the variables a focus view is centred on.
FOCUS_PEN = 1.5
SIGN_COLOURS = {"+": "#1f5fbf", "-": "#b3261e", "?": "#8a6100"}
MONO_SIGN = "#222222"
#: Light fills for variable groups (text stays dark on all of them), in first-use order.
GROUP_FILLS = ("#dbe9f6", "#fde0c5", "#d7efd2", "#e8dcf3", "#f8d8e3", "#fff0b3",
               "#d3eeee", "#e6e0d4", "#e6f2c2", "#fbd3cc", "#d9ddf7", "#e4e4e4")
GROUP_FILL_FADED = "#f4f4f4"
#: An outline per group fill (same order), at least 3:1 against white and its own fill, so
#: a group box is visible without colour vision of the pale fill (WCAG 1.4.11).
GROUP_BORDERS = ("#3d6fa8", "#a65a1a", "#3f7f35", "#7a4fa3", "#a8446b", "#806500",
                 "#2f7a7a", "#7a6a4f", "#5a731d", "#b0443a", "#4f5bb0", "#6b6b6b")
#: Outline patterns (Graphviz style, pen width), one per group fill: six dash patterns,
#: rounded then square corners, so up to 12 groups differ without colour (WCAG 1.4.1).
GROUP_PATTERNS = tuple(
    (f"{corner}{dash}".strip(","), width)
    for corner in ("rounded,", "")
    for dash, width in (("", 1.2), ("dashed", 1.4), ("dotted", 1.9), ("", 2.4),
                        ("dashed", 2.4), ("dotted", 2.8)))

_GRAPH_ATTRS = frozenset({
    "layout", "start", "mode", "overlap", "sep", "splines", "outputorder", "fontname",
    "fontsize", "fontcolor", "label", "labelloc", "bgcolor", "pad", "bb", "id", "class",
})
_NODE_ATTRS = frozenset({
    "shape", "label", "fontname", "fontsize", "fontcolor", "style", "fillcolor", "color",
    "penwidth", "margin", "width", "height", "fixedsize", "pos", "id", "class",
})
_EDGE_ATTRS = frozenset({
    "headlabel", "label", "labeldistance", "labelangle", "labelfontsize", "labelfontcolor",
    "labelfontname", "fontname", "fontsize", "fontcolor", "color", "penwidth", "style",
    "arrowsize", "arrowhead", "dir", "len", "pos", "id", "class",
})
_ALLOWED = {"graph": _GRAPH_ATTRS, "node": _NODE_ATTRS, "edge": _EDGE_ATTRS}

#: Choices for ``--style`` (repeatable).
STYLE_CHOICES = {
    "dashed": "negative links drawn dashed (a cue that does not rely on colour)",
    "mono": "no colour: black signs, negative links dashed",
    "boxes": "a rounded outline round every variable",
    "plain": "no group colours",
    "no-legend": "leave out the legend",
    "support": "link width by how many merged maps drew the link (loopkit merge)",
}


@dataclass(frozen=True)
class Style:
    """How the picture looks; every option has a non-colour equivalent."""

    colour: bool = True
    dashed_negative: bool = False
    boxes: bool = False
    groups: bool = True
    legend: bool = True
    wrap: int = 16
    support: bool = False

    @classmethod
    def parse(cls, names: Iterable[str] = ()) -> Style:
        """Combine ``--style`` names; raises ``ValueError`` naming the choices."""
        style = cls()
        for name in names:
            for part in name.split(","):
                part = part.strip().lower()
                if not part:
                    continue
                if part == "dashed":
                    style = replace(style, dashed_negative=True)
                elif part == "mono":
                    style = replace(style, colour=False, dashed_negative=True)
                elif part == "boxes":
                    style = replace(style, boxes=True)
                elif part == "plain":
                    style = replace(style, groups=False)
                elif part == "no-legend":
                    style = replace(style, legend=False)
                elif part == "support":
                    style = replace(style, support=True)
                else:
                    raise ValueError(f"unknown style {part!r}; choose from "
                                     + ", ".join(STYLE_CHOICES))
        return style

    def sign_colour(self, polarity: Polarity, faded: bool = False) -> str:
        if faded:
            return FADED_TEXT
        return SIGN_COLOURS[polarity.value] if self.colour else MONO_SIGN


# Helvetica advance widths (1/1000 em) for ASCII 32..126, from the standard AFM metrics;
# used to wrap labels and space the legend the way Graphviz will measure them.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)


@functools.lru_cache(maxsize=4096)
def _advance(char: str) -> int:
    """Width (1/1000 em) of a character outside ASCII: CJK and other wide characters
    take a full em, combining marks and invisible format characters none, the rest
    an average Latin letter's."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 1000 if unicodedata.east_asian_width(char) in ("W", "F") else 556


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Approximate width in points of ``text`` set in Helvetica at ``size``."""
    total = 0
    for char in text:
        code = ord(char)
        total += _HELVETICA[code - 32] if 32 <= code < 127 else _advance(char)
    # Bold: Liberation Sans Bold (what browsers set "Helvetica" bold in on Linux) measures
    # 1.08-1.09 times the regular widths on variable names.
    return total * size / 1000 * (1.09 if bold else 1.0)


def wrap_label(text: str, width: int = 16) -> list[str]:
    """Wrap into as few lines as greedy wrapping needs, balanced in length.

    A reader takes in "Family / financial strain" faster than "Family financial
    / strain": the same number of lines, but the longest line as short as possible.
    """
    text = " ".join(strip_control(text).split())
    words = text.split(" ")
    if len(text) <= width or len(words) == 1:
        return [text]
    return _balanced(words, len(greedy_wrap(words, width)))


def greedy_wrap(words: list[str], width: int) -> list[str]:
    """Fill each line with words up to ``width`` characters (a longer word gets its own)."""
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _balanced(words: list[str], lines: int) -> list[str]:
    """Split ``words`` into ``lines`` lines minimising the longest (small DP)."""
    n = len(words)
    prefix = [0]
    for word in words:
        prefix.append(prefix[-1] + len(word))

    def span(i: int, j: int) -> int:
        return prefix[j] - prefix[i] + (j - i - 1)

    best: dict[tuple[int, int], tuple[int, int]] = {}

    def solve(i: int, k: int) -> tuple[int, int]:
        """(longest line, split point) for words[i:] in k lines."""
        if (i, k) in best:
            return best[(i, k)]
        if k == 1:
            result = (span(i, n), n)
        else:
            result = (math.inf, n)  # type: ignore[assignment]
            for j in range(i + 1, n - k + 2):
                rest, _ = solve(j, k - 1)
                cost = max(span(i, j), rest)
                if cost < result[0]:
                    result = (cost, j)
        best[(i, k)] = result
        return result

    out = []
    i, k = 0, min(lines, n)
    while i < n:
        _, j = solve(i, k)
        out.append(" ".join(words[i:j]))
        i, k = j, k - 1
    return out


def _value(value: str | float | int) -> str:
    if isinstance(value, bool):
        return dot_string("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return dot_string(value)


def attr_list(kind: str, attrs: Mapping[str, str | float | int]) -> str:
    """``[a="1", b="2"]`` from allow-listed attributes only; raises on anything else."""
    allowed = _ALLOWED[kind]
    parts = []
    for key, value in attrs.items():
        if key not in allowed:
            raise ValueError(f"attribute {key!r} is not allowed on a {kind}")
        parts.append(f"{key}={_value(value)}")
    return "[" + ", ".join(parts) + "]" if parts else ""


@dataclass
class DotWriter:
    """Accumulates DOT statements; the only way loopkit writes DOT."""

    name: str = "loopkit"
    lines: list[str] = field(default_factory=list)

    def graph(self, **attrs: str | float | int) -> None:
        self.lines.append(f"  graph {attr_list('graph', attrs)};")

    def defaults(self, kind: str, **attrs: str | float | int) -> None:
        self.lines.append(f"  {kind} {attr_list(kind, attrs)};")

    def node(self, name: str, **attrs: str | float | int) -> None:
        self.lines.append(f"  {dot_string(name)} {attr_list('node', attrs)};".replace(" ;", ";"))

    def edge(self, tail: str, head: str, **attrs: str | float | int) -> None:
        self.lines.append(f"  {dot_string(tail)} -> {dot_string(head)} "
                          f"{attr_list('edge', attrs)};".replace(" ;", ";"))

    def text(self) -> str:
        return "digraph " + dot_string(self.name) + " {\n" + "\n".join(self.lines) + "\n}\n"


@dataclass(frozen=True)
class Emphasis:
    """Which variables and links a ``highlight`` keeps in full strength."""

    variables: frozenset[str] | None = None
    links: frozenset[tuple[str, str]] | None = None
    #: variables a focus view is centred on: bold, with a heavier outline
    focus: frozenset[str] = frozenset()

    def variable(self, vid: str) -> str:
        if self.variables is None:
            return "focus" if vid in self.focus else "normal"
        if vid not in self.variables:
            return "off"
        return "focus" if vid in self.focus else "on"

    def link(self, key: tuple[str, str]) -> str:
        if self.links is None:
            return "normal"
        return "on" if key in self.links else "off"


def group_fills(diagram: Diagram, style: Style | None = None,
                order: Sequence[str] | None = None) -> dict[str, str]:
    """A fill colour per group, in order of first use (stable across renders).

    ``order``: the groups of the whole map in order of first use, so that a part
    of it (a focus view) keeps the whole map's colours.
    """
    fills: dict[str, str] = {}
    if style is not None and not style.groups:
        return fills
    rank = {group: k for k, group in enumerate(order or ())}
    for variable in diagram.variables:
        if variable.group is not None and variable.group not in fills:
            k = rank.get(variable.group, len(fills)) if rank else len(fills)
            fills[variable.group] = GROUP_FILLS[k % len(GROUP_FILLS)]
    return fills


def group_outline(fill: str) -> tuple[str, str, float]:
    """(outline colour, Graphviz style, pen width) of the group drawn with ``fill``."""
    k = GROUP_FILLS.index(fill)
    dash, width = GROUP_PATTERNS[k]
    return GROUP_BORDERS[k], dash, width


def variable_attrs(diagram: Diagram, index: int, style: Style, emphasis: Emphasis,
                   fills: Mapping[str, str]) -> dict[str, str | float | int]:
    """Attributes of one variable's node (its label wrapped and escaped by the writer)."""
    variable = diagram.variables[index]
    state = emphasis.variable(variable.id)
    attrs: dict[str, str | float | int] = {
        "label": "\n".join(wrap_label(variable.label, style.wrap)),
        "id": f"v{index}",
        "class": "variable",
    }
    if state == "off":
        attrs["fontcolor"] = FADED_TEXT
    elif state in ("on", "focus"):
        attrs["fontname"] = FONT_BOLD
    # Every variable is a rounded box of the same geometry, drawn or not, so that
    # styles change colours only and never the layout.
    fill = fills.get(variable.group) if variable.group is not None else None
    attrs.update(shape="box", style="rounded", margin="0.1,0.05", width=box_width(
        str(attrs["label"]).split("\n")), height=0.3)
    if fill:
        border, dash, width = group_outline(fill)
        attrs["style"] = f"{dash},filled" if dash else "filled"
        attrs["fillcolor"] = GROUP_FILL_FADED if state == "off" else fill
        attrs["color"] = FADED_EDGE if state == "off" else border
        attrs["penwidth"] = width
    elif style.boxes or state == "focus":
        attrs["color"] = FADED_EDGE if state == "off" else EDGE
    else:
        attrs["color"] = "transparent"
    if state == "focus":
        attrs["penwidth"] = float(attrs.get("penwidth", 1.0)) + FOCUS_PEN
    return attrs


#: Space (points) between a variable's name and its box's sides.
BOX_PADDING = 6.0


def box_width(lines: Iterable[str], size: float = 12.0) -> float:
    """A variable's box width in inches: room for its name in bold (as when its loop is
    highlighted), so emphasis never overflows a box nor changes the layout. Graphviz
    measures bold text as regular, so the width is given, not left to it."""
    text = max((text_width(line, size, bold=True) for line in lines), default=0.0)
    return max(0.3, round((text + 2 * BOX_PADDING) / 72, 3))


def link_attrs(link: Link, index: int, style: Style,
               emphasis: Emphasis) -> dict[str, str | float | int]:
    """Attributes of one link's edge: sign at the arrowhead, emphasis, dashes."""
    state = emphasis.link(link.key)
    faded = state == "off"
    attrs: dict[str, str | float | int] = {
        "headlabel": link.polarity.symbol,
        "labelfontcolor": style.sign_colour(link.polarity, faded),
        "id": f"l{index}",
        "class": "link",
    }
    if faded:
        attrs["color"] = FADED_EDGE
    elif state == "on":
        attrs["penwidth"] = 2.2
        attrs["color"] = "#111111"
    if style.dashed_negative and link.polarity is Polarity.NEGATIVE:
        attrs["style"] = "dashed"
    if style.support and link.sources:
        width = support_width(len(link.sources))
        attrs["penwidth"] = max(width, float(attrs.get("penwidth", 0)))
    return attrs


def support_width(sources: int) -> float:
    """Pen width for a link drawn by ``sources`` maps: 1 for one, +1.5 per map, at most 7."""
    return min(1.0 + 1.5 * (sources - 1), 7.0)


def emphasis_for(diagram: Diagram, analysis: object | None, highlight: str | None) -> Emphasis:
    """The variables and links of the loop ``highlight`` (a loop id), or no emphasis."""
    if highlight is None:
        return Emphasis()
    loop = find_loop(diagram, analysis, highlight)
    keys = frozenset(zip(loop.variables, (*loop.variables[1:], loop.variables[0]),
                         strict=True))
    return Emphasis(frozenset(loop.variables), keys)


def find_loop(diagram: Diagram, analysis: object | None, loop_id: str) -> object:
    """The loop with this id in ``analysis``; ``KeyError`` with the known ids otherwise."""
    loops = list(getattr(analysis, "loops", []) or [])
    for loop in loops:
        if loop.id == loop_id:
            return loop
    known = ", ".join(loop.id for loop in loops[:20]) or "none"
    raise KeyError(f"no loop {loop_id!r} in {diagram.path} (loops: {known})")


def build_dot(
    diagram: Diagram,
    analysis: object | None = None,
    *,
    engine: str = "neato",
    highlight: str | None = None,
    style: Style | None = None,
    splines: str = "curved",
    seed: int = 7,
) -> str:
    """DOT source any Graphviz can lay out: the diagram as loopkit draws it.

    This is the first rendering pass (and what ``export --to dot`` writes):
    variables as text, signs at the arrowheads, ``||`` labels on delayed
    links. Loop badges need the layout, so they are added in pass 2 only.
    ``highlight`` (a loop id) needs ``analysis``.
    """
    from loopkit.render.graphviz import ENGINES, LAYOUT_ENGINES

    if engine not in LAYOUT_ENGINES:
        raise ValueError(f"unknown layout engine {engine!r}; choose from {', '.join(ENGINES)}")
    style = style or Style()
    emphasis = emphasis_for(diagram, analysis, highlight)
    fills = group_fills(diagram, style)
    out = DotWriter()
    graph: dict[str, str | float | int] = {
        "layout": engine, "outputorder": "edgesfirst", "splines": splines,
        "fontname": FONT, "fontcolor": TEXT,
    }
    if engine == "neato":
        graph.update(start=seed, mode="major", overlap="voronoi", sep="+14")
    elif engine in ("fdp", "sfdp"):
        graph.update(start=seed, overlap="voronoi", sep="+14")
    elif engine == "circo":
        graph.update(overlap="voronoi")
    if diagram.title:
        graph.update(label=diagram.title, labelloc="t", fontsize=18)
    out.graph(**graph)
    out.defaults("node", shape="plaintext", fontname=FONT, fontsize=12, fontcolor=TEXT)
    out.defaults("edge", color=EDGE, arrowsize=0.8, len=1.6, labeldistance=1.7,
                 labelangle=-30, labelfontsize=15, labelfontname=FONT, fontname=FONT)
    for i, variable in enumerate(diagram.variables):
        attrs = variable_attrs(diagram, i, style, emphasis, fills)
        if variable.pos is not None:
            attrs["pos"] = f"{_value(float(variable.pos[0]))},{_value(float(variable.pos[1]))}!"
        out.node(variable.id, **attrs)
    for i, link in enumerate(diagram.links):
        attrs = link_attrs(link, i, style, emphasis)
        if link.delay:
            attrs["label"] = "||"
        out.edge(link.source, link.target, **attrs)
    return out.text()

