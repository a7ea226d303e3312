"""Pictures of causal loop diagrams: DOT, SVG, PNG and PDF.

``build_dot`` gives DOT any Graphviz can lay out. ``render_svg`` and
``render`` draw the full picture in two passes: Graphviz lays the diagram
out (pass 1, ``-Tjson``), loopkit places loop badges, delay marks, title and
legend (``layout``, ``scene``), and Graphviz draws everything pinned (pass 2,
``neato -n2``). SVG is then post-processed for accessibility and stable
element hooks (``svg``).

Hooks in the SVG for scripts and styles (ids carry ``id_prefix``):

- each variable: ``<g class="node variable" data-var="ID">``
- each link: ``<g class="edge link" data-link="FROM->TO" data-loops="R1 B2"
  data-polarity="+|-|?" data-delay="true|false">`` (its ``||`` strokes inside)
- each loop badge: ``<g class="loop-badge" data-loop="R1">``
- ``<g class="legend">``, and ``title``/``description`` text nodes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loopkit.render.dot import STYLE_CHOICES, Style, build_dot
from loopkit.render.engine import (
    ENGINES,
    RENDERER_ENV,
    RENDERERS,
    RenderError,
    RenderTimeout,
    choose_renderer,
)

if TYPE_CHECKING:
    from loopkit.analysis.loops import LoopAnalysis
    from loopkit.model import Diagram
    from loopkit.render.engine import Renderer
    from loopkit.render.layout import Layout

__all__ = [
    "ENGINES",
    "FORMATS",
    "RENDERERS",
    "RENDERER_ENV",
    "STYLE_CHOICES",
    "Drawing",
    "RenderError",
    "RenderTimeout",
    "Style",
    "build_dot",
    "draw",
    "render",
    "render_svg",
    "svg_of",
]

FORMATS = ("svg", "png", "dot", "pdf")
#: Seconds the whole render may take (both passes, fallbacks included).
DEFAULT_TIME_BUDGET = 20.0
#: Above this many links ``splines=curved`` is not even tried: it is exponential on
#: dense graphs (40 variables / 100 links took over 40 s in our measurements).
CURVED_MAX_LINKS = 60
#: ... nor above this many links per variable (20 variables / 60 links: 4 s per layout).
CURVED_MAX_DENSITY = 2.2
#: Share of the remaining budget a curved layout may use before falling back.
CURVED_SHARE = 0.25
PNG_DPI = 144
#: Layout seeds tried on small diagrams; the most readable layout wins.
SEEDS = (7, 1, 2, 3, 4, 5, 6, 8)
#: Recent layouts by their pass-1 DOT and options (highlighting never changes the layout).
_LAYOUTS: dict[tuple[object, ...], Layout] = {}


@dataclass(frozen=True)
class Drawing:
    """A diagram drawn as pinned DOT, with what it took to get there."""

    diagram: Diagram
    analysis: LoopAnalysis
    dot: str
    splines: str
    notes: tuple[str, ...]
    badges: tuple[str, ...]
    highlight: str | None


def _analysis(diagram: Diagram, analysis: LoopAnalysis | None) -> LoopAnalysis:
    if analysis is not None:
        return analysis
    from loopkit.analysis.loops import analyse_loops

    return analyse_loops(diagram)


def draw(
    diagram: Diagram,
    analysis: LoopAnalysis | None = None,
    *,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | Iterable[str] | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> Drawing:
    """Lay the diagram out and compose the final picture as pinned DOT.

    Tries ``splines=curved`` (the classic CLD look) on diagrams small enough
    for it, within a share of ``time_budget``, then falls back to routed
    splines and finally to straight lines; ``Drawing.notes`` says when it did.
    """
    from loopkit.render.dot import emphasis_for
    from loopkit.render.scene import Badge, compose

    style = style if isinstance(style, Style) else Style.parse(style or ())
    analysis = _analysis(diagram, analysis)
    program = choose_renderer(renderer)
    emphasis = emphasis_for(diagram, analysis, highlight)
    deadline = time.monotonic() + time_budget
    plans = ["curved", "true", "line"] if curved_ok(diagram) else ["true", "line"]
    notes: list[str] = []
    layout = None
    used = plans[-1]
    for n, splines in enumerate(plans):
        remaining = deadline - time.monotonic()
        last = n == len(plans) - 1
        timeout = remaining if last else remaining * (CURVED_SHARE if splines == "curved"
                                                      else 0.5)
        try:
            layout = _best_layout(diagram, analysis, program, engine=engine, splines=splines,
                                  timeout=max(timeout, 0.05))
        except RenderTimeout:
            if last:
                raise
            notes.append(f"splines={splines} layout took over {timeout:.1f} s; "
                         f"fell back to splines={plans[n + 1]}")
            continue
        used = splines
        break
    assert layout is not None
    if "curved" not in plans:
        notes.append(f"{len(diagram.links)} links on {len(diagram.variables)} variables: "
                     f"drawn with routed links (curved ones are tried up to "
                     f"{CURVED_MAX_LINKS} links and {CURVED_MAX_DENSITY:g} per variable)")
    index = {link.key: i for i, link in enumerate(diagram.links)}
    badges = []
    for loop in analysis.loops:
        if loop.declared or loop.id == highlight:
            edges = tuple(index[link.key] for link in loop.links)
            faded = highlight is not None and loop.id != highlight
            badges.append(Badge(loop.id, loop.name, loop.type, edges, faded))
    dot = compose(diagram, layout, badges, style=style, emphasis=emphasis)
    return Drawing(diagram, analysis, dot, used, tuple(notes),
                   tuple(b.loop_id for b in badges), highlight)


def curved_ok(diagram: Diagram) -> bool:
    """Whether ``splines=curved`` is worth trying: it is exponential on dense graphs."""
    links = len(diagram.links)
    return links <= CURVED_MAX_LINKS and links <= CURVED_MAX_DENSITY * max(
        1, len(diagram.variables))


def _best_layout(diagram: Diagram, analysis: LoopAnalysis, program: Renderer, *, engine: str,
                 splines: str, timeout: float) -> Layout:
    """Lay out with a few fixed seeds and keep the easiest to read (see ``layout_cost``).

    Seeds are fixed and all of them are always tried, so the choice never
    depends on the machine's speed (running out of ``timeout`` raises
    instead). Large diagrams, pinned variables and ``dot``/``circo`` (no seed)
    use one run.
    """
    from loopkit.render.layout import Box, layout_cost, parse_layout, place_badges, place_signs
    from loopkit.render.scene import SIGN_HALF, Badge, badge_size

    seeded = engine in ("neato", "fdp") and not any(v.pos for v in diagram.variables)
    count = len(SEEDS) if len(diagram.links) <= 40 else 3 if curved_ok(diagram) else 1
    seeds = SEEDS[:count] if seeded else SEEDS[:1]
    index = {link.key: i for i, link in enumerate(diagram.links)}
    declared = [loop for loop in analysis.loops if loop.declared]
    loops = [[index[link.key] for link in loop.links] for loop in declared]
    # Styles change colours only, never geometry: lay out in the plain style so every
    # style (and every highlighted loop) of a diagram shares one layout.
    style = Style()
    key = (build_dot(diagram, analysis, engine=engine, style=style, splines=splines),
           tuple(tuple(edges) for edges in loops), engine, splines, program)
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    started = time.monotonic()
    tried: list[tuple[float, int, Layout]] = []
    for n, seed in enumerate(seeds):
        spent = time.monotonic() - started
        if spent >= timeout:
            raise RenderTimeout(f"layout took longer than {timeout:g} s")
        source = build_dot(diagram, analysis, engine=engine, style=style, splines=splines,
                           seed=seed)
        data = program.run(source, "json", engine=engine, timeout=max(timeout - spent, 0.05))
        layout = parse_layout(data, len(diagram.variables), len(diagram.links))
        tried.append((layout_cost(layout, loops) if len(seeds) > 1 else 0.0, n, layout))
    if len(tried) == 1 or not loops:
        return _remember(key, min(tried, key=lambda item: item[:2])[2])
    # Badges need room inside their loops: add a coarse trial placement to each cost.
    sizes = [badge_size(Badge(lp.id, lp.name, lp.type, ()))[:2] for lp in declared]
    best: tuple[float, int, Layout] | None = None
    for cost, n, layout in tried:
        signs = [Box(x, y, *SIGN_HALF) for x, y in place_signs(layout, SIGN_HALF)]
        fits = place_badges(layout, loops, sizes, avoid=signs, grid=12)
        total = cost + sum(max(0.0, 8.0 - score) / 4 for _, score in fits)
        if best is None or (total, n) < best[:2]:
            best = (total, n, layout)
    assert best is not None
    return _remember(key, best[2])


def _remember(key: tuple[object, ...], layout: Layout) -> Layout:
    """Keep recent layouts: a report draws the same diagram once per loop."""
    _LAYOUTS[key] = layout
    while len(_LAYOUTS) > 16:
        del _LAYOUTS[next(iter(_LAYOUTS))]
    return layout


def render_svg(
    diagram: Diagram,
    analysis: LoopAnalysis | None = None,
    *,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | Iterable[str] | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
    id_prefix: str | None = None,
    text_nearby: bool = False,
) -> str:
    """The finished, accessible SVG text (no XML declaration, so it can be inlined).

    ``highlight`` is a loop id from ``analysis`` (computed when not given):
    that loop is emphasised, the rest faded. ``id_prefix`` keeps element ids
    unique when several SVGs share one HTML page (``None``: derived from the
    file name and the picture). ``text_nearby``: the page around the picture
    lists its loops and links, so the SVG's description points there.
    """
    drawing = draw(diagram, analysis, highlight=highlight, engine=engine, renderer=renderer,
                   style=style, time_budget=time_budget)
    return svg_of(drawing, renderer=renderer, id_prefix=id_prefix, timeout=time_budget,
                  text_nearby=text_nearby)


def svg_of(drawing: Drawing, *, renderer: str | None = None, id_prefix: str | None = None,
           timeout: float = DEFAULT_TIME_BUDGET, text_nearby: bool = False) -> str:
    """Draw a ``Drawing`` as SVG and post-process it."""
    from loopkit.render.svg import finish_svg

    raw = choose_renderer(renderer).run(drawing.dot, "svg", pinned=True, timeout=timeout)
    return finish_svg(raw, drawing, id_prefix=id_prefix, text_nearby=text_nearby)


def render(
    diagram: Diagram,
    fmt: str = "svg",
    analysis: LoopAnalysis | None = None,
    *,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | Iterable[str] | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
    notes: list[str] | None = None,
) -> bytes:
    """The diagram in ``fmt`` (svg, png, dot or pdf) as bytes.

    ``dot`` is the standalone DOT of ``build_dot``; png and pdf are drawn
    from the same pinned picture as the SVG (pdf needs the system renderer).
    Pass a list as ``notes`` to receive remarks such as layout fallbacks.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    style = style if isinstance(style, Style) else Style.parse(style or ())
    if fmt == "dot":
        analysis = _analysis(diagram, analysis) if highlight else analysis
        return build_dot(diagram, analysis, engine=engine, highlight=highlight,
                         style=style).encode("utf-8")
    program = choose_renderer(renderer)
    program.require(fmt)
    drawing = draw(diagram, analysis, highlight=highlight, engine=engine, renderer=renderer,
                   style=style, time_budget=time_budget)
    if notes is not None:
        notes.extend(drawing.notes)
    if fmt == "svg":
        return svg_of(drawing, renderer=renderer, timeout=time_budget).encode("utf-8")
    return program.run(drawing.dot, fmt, pinned=True, timeout=time_budget,
                       dpi=PNG_DPI if fmt == "png" else None)
