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
]

FORMATS = ("svg", "png", "dot", "pdf")
#: Seconds the whole render may take (both passes, fallbacks included).
DEFAULT_TIME_BUDGET = 20.0
#: Above this many links ``splines=curved`` is not even tried: it is exponential on
#: dense graphs (40 variables / 100 links took over 40 s in our measurements).
CURVED_MAX_LINKS = 60
#: Share of the remaining budget a curved layout may use before falling back.
CURVED_SHARE = 0.25
PNG_DPI = 144


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
    from loopkit.render.layout import parse_layout
    from loopkit.render.scene import Badge, compose

    style = style if isinstance(style, Style) else Style.parse(style or ())
    analysis = _analysis(diagram, analysis)
    program = choose_renderer(renderer)
    emphasis = emphasis_for(diagram, analysis, highlight)
    deadline = time.monotonic() + time_budget
    plans = ["curved", "true", "line"] if len(diagram.links) <= CURVED_MAX_LINKS else [
        "true", "line"]
    notes: list[str] = []
    layout = None
    used = plans[-1]
    for n, splines in enumerate(plans):
        remaining = deadline - time.monotonic()
        last = n == len(plans) - 1
        timeout = remaining if last else remaining * (CURVED_SHARE if splines == "curved"
                                                      else 0.5)
        source = build_dot(diagram, analysis, engine=engine, style=style, splines=splines)
        try:
            data = program.run(source, "json", engine=engine, timeout=max(timeout, 0.05))
        except RenderTimeout:
            if last:
                raise
            notes.append(f"splines={splines} layout took over {timeout:.1f} s; "
                         f"fell back to splines={plans[n + 1]}")
            continue
        layout = parse_layout(data, len(diagram.variables), len(diagram.links))
        used = splines
        break
    assert layout is not None
    if len(diagram.links) > CURVED_MAX_LINKS and "curved" not in plans:
        notes.append(f"{len(diagram.links)} links: drawn with routed splines "
                     f"(curved is tried up to {CURVED_MAX_LINKS} links)")
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


def render_svg(
    diagram: Diagram,
    analysis: LoopAnalysis | None = None,
    *,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | Iterable[str] | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
    id_prefix: str = "",
) -> str:
    """The finished, accessible SVG text (no XML declaration, so it can be inlined).

    ``highlight`` is a loop id from ``analysis`` (computed when not given):
    that loop is emphasised, the rest faded. ``id_prefix`` keeps element ids
    unique when several SVGs share one HTML page.
    """
    drawing = draw(diagram, analysis, highlight=highlight, engine=engine, renderer=renderer,
                   style=style, time_budget=time_budget)
    return svg_of(drawing, renderer=renderer, id_prefix=id_prefix)


def svg_of(drawing: Drawing, *, renderer: str | None = None, id_prefix: str = "") -> str:
    """Draw a ``Drawing`` as SVG and post-process it."""
    from loopkit.render.svg import finish_svg

    raw = choose_renderer(renderer).run(drawing.dot, "svg", pinned=True)
    return finish_svg(raw, drawing, id_prefix=id_prefix)


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
) -> bytes:
    """The diagram in ``fmt`` (svg, png, dot or pdf) as bytes.

    ``dot`` is the standalone DOT of ``build_dot``; png and pdf are drawn
    from the same pinned picture as the SVG (pdf needs the system renderer).
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
    if fmt == "svg":
        return svg_of(drawing, renderer=renderer).encode("utf-8")
    return program.run(drawing.dot, fmt, pinned=True,
                       dpi=PNG_DPI if fmt == "png" else None)
