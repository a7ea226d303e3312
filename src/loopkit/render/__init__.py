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

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loopkit.render.dotsource import STYLE_CHOICES, Style, build_dot
from loopkit.render.graphviz import (
    ENGINES,
    RENDERER_ENV,
    RENDERERS,
    RenderError,
    RenderTimeout,
    choose_renderer,
)
from loopkit.render.options import Rendered, RenderOptions

if TYPE_CHECKING:
    from loopkit.analysis.focus import View
    from loopkit.analysis.loops import LoopAnalysis
    from loopkit.model import Diagram
    from loopkit.render.graphviz import Renderer
    from loopkit.render.layout import Budget, Layout

__all__ = [
    "ANALYSIS_SHARE",
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
#: Seconds per link kept back from pass 1 for composing and drawing (measured: ~1 ms
#: per link on a loaded 2-core machine for placing, writing and drawing the picture).
DRAW_PER_LINK = 0.0015
#: Share of a render's budget the loop search may use when no analysis is given (the
#: picture needs the declared loops; found ones only name the links' loops).
ANALYSIS_SHARE = 0.25
#: Share of the remaining budget routed links may use before straight ones are drawn.
ROUTED_SHARE = 0.7
#: Share of the whole budget kept back from pass 1 for placing signs and badges and
#: for drawing the pinned picture (pass 2).
DRAW_SHARE = 0.15
PNG_DPI = 144
#: Layout seeds tried on small diagrams; the most readable layout wins.
SEEDS = (7, 1, 2, 3, 4, 5, 6, 8)
#: Big maps up to this many links start untangling from sfdp's layout; beyond, from
#: neato's (World3, 494 links: its untangling, which the time budget stops, ended with
#: 857 crossings from sfdp's start and 764 from neato's).
START_MAX_LINKS = 400
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
    budget: Budget | None = None
    #: loops whose badge sits beside the loop, joined to it by a leader line
    leaders: tuple[str, ...] = ()
    #: the part of a bigger map this picture shows (``loopkit.analysis.focus``)
    view: View | None = None


def _analysis(diagram: Diagram, analysis: LoopAnalysis | None,
              time_budget: float = DEFAULT_TIME_BUDGET) -> LoopAnalysis:
    """The analysis given, or one found within ``ANALYSIS_SHARE`` of the render's budget."""
    if analysis is not None:
        return analysis
    from loopkit.analysis.loops import analyse_loops

    return analyse_loops(diagram, time_budget=time_budget * ANALYSIS_SHARE)


def draw(
    diagram: Diagram,
    analysis: LoopAnalysis | None = None,
    *,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | Iterable[str] | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
    budget: Budget | None = None,
    view: View | None = None,
) -> Drawing:
    """Lay the diagram out and compose the final picture as pinned DOT.

    Tries ``splines=curved`` (the classic CLD look) on diagrams small enough
    for it, within a share of ``time_budget``, then falls back to routed
    splines and finally to straight lines; ``Drawing.notes`` says when it did.
    ``view`` (with ``diagram`` its ``view.diagram`` and ``analysis`` from
    ``focus.view_analysis``) draws a focus view: its caption under the title,
    its loops' badges, a collapsed view's link counts.
    """
    from loopkit.render.dotsource import emphasis_for
    from loopkit.render.layout import Budget
    from loopkit.render.scene import Badge, compose

    style = style if isinstance(style, Style) else Style.parse(style or ())
    program = choose_renderer(renderer)
    budget = budget or Budget(time_budget)
    notes: list[str] = list(view.notes) if view is not None else []
    if analysis is None:
        analysis = _analysis(diagram, analysis, time_budget)
        if analysis.truncated:
            notes.append(f"loop search stopped ({analysis.reason}): links name only the "
                         "loops found")
    emphasis = emphasis_for(diagram, analysis, highlight)
    if view is not None and view.centres:
        emphasis = dataclasses.replace(emphasis, focus=frozenset(view.centres))
    original = diagram
    diagram = _bounded(diagram, notes)
    shown, lines = diagram, None
    if view is not None and view.collapsed:
        # an overview lays out one line per pair of boxes (``overview.pair_links``)
        from loopkit.render.overview import pair_links

        diagram, lines = pair_links(diagram)
    # Pass 1 may use all but a share of the budget: composing and drawing need the rest,
    # more of it the more links there are.
    reserve = time_budget * DRAW_SHARE + DRAW_PER_LINK * len(diagram.links)
    plans = ["curved", "true", "line"] if curved_ok(diagram) else ["line"]
    if lines is not None:
        plans = ["line"]  # an overview's counts sit on straight lines, spaced for them
    layout = None
    used = plans[-1]
    for n, splines in enumerate(plans):
        last = n == len(plans) - 1
        # The last plan may take all but what drawing the picture needs at the least.
        remaining = budget.left() - (time_budget * DRAW_SHARE if last else reserve)
        timeout = remaining if last else remaining * (CURVED_SHARE if splines == "curved"
                                                      else ROUTED_SHARE)
        try:
            layout = _best_layout(diagram, analysis, program, engine=engine, splines=splines,
                                  timeout=max(timeout, 0.05), budget=budget, reserve=reserve)
        except RenderTimeout:
            if last:
                raise RenderTimeout("the layout took longer than the time budget allows; "
                                    "give a larger --time-budget") from None
            notes.append(f"splines={splines} layout took over {timeout:.1f} s; "
                         f"fell back to splines={plans[n + 1]}")
            continue
        used = splines
        break
    assert layout is not None
    if budget.left() < DRAW_PER_LINK * len(diagram.links) * 0.7:
        # Writing and drawing this many links cannot finish in what is left: stop now
        # rather than overrun the budget by seconds.
        raise RenderTimeout("the layout used up the time budget "
                            f"before {len(diagram.links)} links could be drawn; give a "
                            "larger --time-budget")
    if used != "line":
        # Of Graphviz's curves, one may still run through a variable that no seed kept
        # clear (splines=curved ignores boxes): bent round it like a straight link.
        from loopkit.render.routing import route_around

        number = {v.id: i for i, v in enumerate(diagram.variables)}
        layout = route_around(layout, [(number[link.source], number[link.target])
                                       for link in diagram.links], budget)
    if used == "line":
        # Graphviz's routing takes seconds to minutes on big maps: straight links are
        # laid out fast and loopkit bends the ones that would cross a variable.
        from loopkit.render.untangle import untangled_layout

        number = {v.id: i for i, v in enumerate(diagram.variables)}
        if lines is not None:
            from loopkit.render.overview import count_half, spread

            layout = spread(layout, [count_half(view.sign_labels.get(lk.key, "1 +"))
                                     for lk in shown.links])
        budget.keep = reserve  # leave placing signs and drawing their time
        layout = untangled_layout(layout, [(number[link.source], number[link.target])
                                           for link in diagram.links], budget,
                                  [v.pos is not None for v in diagram.variables],
                                  move=engine == "neato")
        if lines is not None:
            # room on every line for its counts, then the lines drawn again
            from loopkit.render.overview import (
                WIDEN_TRIES,
                crowded,
                line_need,
                make_room,
                widened,
            )

            ends = [(number[link.source], number[link.target]) for link in diagram.links]
            counts = [view.sign_labels.get(link.key, "1 +") for link in shown.links]
            needs = [line_need([counts[n] for n in (line.forward, line.back) if n is not None])
                     for line in lines]
            layout = untangled_layout(make_room(layout, ends, needs), ends, budget,
                                      move=False)
            # a count with no stretch of its line clear of the others: boxes further
            # apart (``dot`` keeps its ranks tight), lines drawn again, while that helps
            left = crowded(layout, lines, counts, budget)
            for _ in range(WIDEN_TRIES):
                if not left or budget.over("count placement"):
                    break
                wider = untangled_layout(widened(layout), ends, budget, move=False)
                fewer = crowded(wider, lines, counts, budget)
                if fewer >= left:
                    break
                layout, left = wider, fewer
            if left:
                notes.append(f"{left} link count{'s' if left != 1 else ''} drawn over "
                             "other lines: no stretch of their own line was clear")
        budget.keep = 0.0
    if "curved" not in plans and lines is None:
        notes.append(f"{len(diagram.links)} links on {len(diagram.variables)} variables: "
                     f"drawn with straight links, bent round the variables in their way "
                     f"(curved ones are tried up to {CURVED_MAX_LINKS} links and "
                     f"{CURVED_MAX_DENSITY:g} per variable)")
    index = {link.key: i for i, link in enumerate(diagram.links)}
    badges = []
    chosen = set(view.loops) if view is not None else set()
    for loop in analysis.loops:
        if loop.declared or loop.id == highlight or loop.id in chosen:
            edges = tuple(index[link.key] for link in loop.links)
            faded = highlight is not None and loop.id != highlight
            badges.append(Badge(loop.id, loop.name, loop.type, edges, faded))
    # The searches of composing stop early enough to leave writing and drawing their time.
    budget.keep = time_budget * DRAW_SHARE / 3 + DRAW_PER_LINK * len(diagram.links)
    texts = None
    if view is not None and view.sign_labels:
        texts = [view.sign_labels.get(link.key, link.polarity.symbol) for link in shown.links]
    dot, leaders = compose(shown, layout, badges, style=style, emphasis=emphasis,
                           budget=budget, caption=view.caption if view is not None else None,
                           sign_texts=texts, group_order=view.group_order if view else None,
                           lines=lines)
    budget.keep = 0.0
    if budget.cut:
        notes.append("time budget reached: simplified "
                     + " and ".join(_CUT_WORDS.get(step, step) for step in budget.cut))
    return Drawing(original, analysis, dot, used, tuple(notes),
                   tuple(b.loop_id for b in badges), highlight, budget, leaders, view)


#: What each step does instead once the budget has run out, for the note.
_CUT_WORDS = {
    "link routing": "link routing (some links left straight through variables)",
    "seed choice": "the choice among layouts (judged without trial badge placement)",
    "sign placement": "sign placement (signs put beside their arrowheads, unsearched)",
    "count placement": "the room made for link counts (boxes not moved further apart)",
    "badge placement": "badge placement (badges put at their loop's centre, unsearched)",
}


def _bounded(diagram: Diagram, notes: list[str]) -> Diagram:
    """The diagram with its pinned positions brought within a size bounded by the file."""
    from dataclasses import replace

    from loopkit.render.layout import PIN_SPAN_PER_VARIABLE, bounded_pins

    pins = [v.pos for v in diagram.variables]
    bounded, factor = bounded_pins(pins)
    if bounded == pins:
        return diagram
    if factor < 1.0:
        notes.append(f"pinned positions spread too far apart: drawn at {factor:.3g} times "
                     f"their distances (at most {PIN_SPAN_PER_VARIABLE:g} in per variable)")
    return replace(diagram, variables=tuple(
        replace(v, pos=p) for v, p in zip(diagram.variables, bounded, strict=True)))


def curved_ok(diagram: Diagram) -> bool:
    """Whether ``splines=curved`` is worth trying: it is exponential on dense graphs."""
    links = len(diagram.links)
    return links <= CURVED_MAX_LINKS and links <= CURVED_MAX_DENSITY * max(
        1, len(diagram.variables))


def _best_layout(diagram: Diagram, analysis: LoopAnalysis, program: Renderer, *, engine: str,
                 splines: str, timeout: float, budget: Budget | None = None,
                 reserve: float = 0.0) -> Layout:
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
    if splines == "line":
        count = 1  # the last resort, reached when time is short: one run
        if (seeded and engine == "neato" and not curved_ok(diagram)
                and len(diagram.links) <= START_MAX_LINKS):
            # A big map's only plan: loopkit untangles it (``untangle``). Its search
            # is local, so where it starts matters: from sfdp it ends with fewer
            # crossings than from neato (Foresight, seeds 1-8, straight links: sfdp
            # 634-750, mean 689; neato 643-874, mean 772).
            engine = "sfdp"
    seeds = SEEDS[:count] if seeded else SEEDS[:1]
    index = {link.key: i for i, link in enumerate(diagram.links)}
    number = {v.id: i for i, v in enumerate(diagram.variables)}
    ends = [(number[link.source], number[link.target]) for link in diagram.links]
    declared = [loop for loop in analysis.loops if loop.declared]
    loops = [[index[link.key] for link in loop.links] for loop in declared]
    # Styles change colours only, never geometry: lay out in the plain style so every
    # style (and every highlighted loop) of a diagram shares one layout.
    style = Style()
    first = build_dot(diagram, analysis, engine=engine, style=style, splines=splines,
                      seed=seeds[0])
    key = (first, tuple(tuple(edges) for edges in loops), engine, splines, program)
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    started = time.monotonic()
    tried: list[tuple[float, int, Layout]] = []
    for n, seed in enumerate(seeds):
        spent = time.monotonic() - started
        if spent >= timeout:
            raise RenderTimeout(f"layout took longer than {timeout:g} s")
        source = first if n == 0 else build_dot(diagram, analysis, engine=engine, style=style,
                                                splines=splines, seed=seed)
        data = program.run(source, "json", engine=engine, timeout=max(timeout - spent, 0.05))
        layout = parse_layout(data, len(diagram.variables), len(diagram.links))
        tried.append((layout_cost(layout, loops, ends=ends) if len(seeds) > 1 else 0.0, n,
                      layout))
    if len(tried) == 1 or not loops:
        return _remember(key, min(tried, key=lambda item: item[:2])[2])
    # Badges need room inside their loops: add a coarse trial placement to each cost.
    sizes = [badge_size(Badge(lp.id, lp.name, lp.type, ()))[:2] for lp in declared]
    best: tuple[float, int, Layout] | None = None
    for cost, n, layout in tried:
        # Trials are small (at most 60 links) but many: stop them, not the final
        # placement, when time runs short (``reserve`` is what drawing needs).
        if budget is not None and budget.over("seed choice", keep=reserve):
            total = cost
        else:
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
    view: View | None = None,
) -> str:
    """The finished, accessible SVG text (no XML declaration, so it can be inlined).

    ``highlight`` is a loop id from ``analysis`` (computed when not given):
    that loop is emphasised, the rest faded. ``id_prefix`` keeps element ids
    unique when several SVGs share one HTML page (``None``: derived from the
    file name and the picture). ``text_nearby``: the page around the picture
    lists its loops and links, so the SVG's description points there. ``view``:
    see ``draw``.
    """
    drawing = draw(diagram, analysis, highlight=highlight, engine=engine, renderer=renderer,
                   style=style, time_budget=time_budget, view=view)
    return svg_of(drawing, renderer=renderer, id_prefix=id_prefix, timeout=time_budget,
                  text_nearby=text_nearby)


def svg_of(drawing: Drawing, *, renderer: str | None = None, id_prefix: str | None = None,
           timeout: float = DEFAULT_TIME_BUDGET, text_nearby: bool = False) -> str:
    """Draw a ``Drawing`` as SVG and post-process it."""
    from loopkit.render.svg import finish_svg

    raw = _draw_pinned(choose_renderer(renderer), drawing, "svg", timeout)
    return finish_svg(raw, drawing, id_prefix=id_prefix, text_nearby=text_nearby)


def _draw_pinned(program: Renderer, drawing: Drawing, fmt: str, timeout: float,
                 dpi: int | None = None) -> bytes:
    """Pass 2 within what is left of the budget; running out says which budget."""
    try:
        return program.run(drawing.dot, fmt, pinned=True,
                           timeout=_pass2_timeout(drawing, timeout), dpi=dpi)
    except RenderTimeout:
        raise RenderTimeout("drawing the picture took longer than the time budget allows; "
                            "give a larger --time-budget") from None


def _pass2_timeout(drawing: Drawing, timeout: float) -> float:
    """What is left of the render's budget for drawing the pinned picture (at least a
    tenth of the budget, so a render overshoots by at most that much)."""
    if drawing.budget is None:
        return timeout
    return min(timeout, max(drawing.budget.left(), drawing.budget.seconds / 10))


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
    view: View | None = None,
) -> bytes:
    """The diagram in ``fmt`` (svg, png, dot or pdf) as bytes.

    ``dot`` is the standalone DOT of ``build_dot``; png and pdf are drawn
    from the same pinned picture as the SVG (pdf needs the system renderer).
    ``view``: see ``draw`` (``dot`` output has no caption). ``render_picture``
    returns the remarks (layout fallbacks) with the bytes; ``notes``, a list
    filled with them, is kept for callers of 0.2.
    """
    options = RenderOptions(engine, renderer, style if isinstance(style, Style)
                            else Style.parse(style or ()), time_budget, view)
    picture = render_picture(diagram, fmt, analysis, highlight=highlight, options=options)
    if notes is not None:
        notes.extend(picture.notes)
    return picture.data


def render_picture(diagram: Diagram, fmt: str = "svg", analysis: LoopAnalysis | None = None,
                   *, highlight: str | None = None,
                   options: RenderOptions | None = None) -> Rendered:
    """The diagram in ``fmt`` and the remarks on how it was drawn."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    o = options or RenderOptions()
    if fmt == "dot":
        analysis = _analysis(diagram, analysis) if highlight else analysis
        return Rendered(build_dot(diagram, analysis, engine=o.engine, highlight=highlight,
                                  style=o.style).encode("utf-8"))
    program = choose_renderer(o.renderer)
    program.require(fmt)
    drawing = draw(diagram, analysis, highlight=highlight, engine=o.engine,
                   renderer=o.renderer, style=o.style, time_budget=o.time_budget, view=o.view)
    if fmt == "svg":
        data = svg_of(drawing, renderer=o.renderer, timeout=o.time_budget).encode("utf-8")
    else:
        data = _draw_pinned(program, drawing, fmt, o.time_budget,
                            dpi=PNG_DPI if fmt == "png" else None)
    return Rendered(data, drawing.notes)
