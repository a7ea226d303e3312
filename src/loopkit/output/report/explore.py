"""``loopkit explore``: one self-contained, offline page for maps too big for paper.

The page shows loopkit's own drawing with pan and zoom (wheel and drag, keys,
buttons), a search over variables and loops, a variable's neighbourhood and
the loops through it, a loop list filtered by type, length and variable, and
a story mode that reveals one loop link by link with its sentence (the
pieces of ``words.loop_story``), as LOOPY readers expect.

Safety and accessibility, as in ``report.html``:

- Nothing is loaded: a Content-Security-Policy meta tag allows exactly this
  page's one script and one stylesheet, by hash (no nonces, so the bytes stay
  deterministic), and nothing else.
- User text goes into HTML through ``text.xml_text`` and into the embedded
  JSON through ``text.script_json``; the script never parses markup
  (``textContent`` only), so a label such as ``</script><img onerror=...>``
  stays text everywhere.
- Everything the drawing shows is also text: the variable table (each
  variable's causes and effects with their signs and delays), the loop
  table (type, length and chain of every loop listed) and the notes on what
  a bound left out. The page prints as the whole drawing and those tables.

Bounded: the loop list is the loop search's (``--limit``, ``--max-length``,
``--time-budget``) and the drawing has its own time budget; the page says
when either stopped the work, and a drawing that cannot be made in time
leaves a page of text rather than no page.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loopkit import __version__
from loopkit.limits import DEFAULT_EXPLORE_LOOP_LIMIT
from loopkit.output.report.html import PALETTE
from loopkit.output.report.words import loop_story
from loopkit.output.words import summary_sentence
from loopkit.text import script_json, strip_control, xml_text

if TYPE_CHECKING:
    from loopkit.analysis.focus import View
    from loopkit.analysis.loops import LoopAnalysis
    from loopkit.model import Diagram
    from loopkit.problems import Problem

#: Loops listed by default (``limits.DEFAULT_EXPLORE_LOOP_LIMIT``).
DEFAULT_MAX_LOOPS = DEFAULT_EXPLORE_LOOP_LIMIT
#: Seconds the drawing may take (both Graphviz passes), as ``loopkit render``.
DEFAULT_RENDER_BUDGET = 20.0
#: Id prefix of the drawing's elements; the script finds variables and links by it.
PREFIX = "map-"


@dataclass
class ExploreMap:
    """Everything the explorer page shows for one diagram."""

    file: str
    diagram: Diagram
    analysis: LoopAnalysis
    svg: str | None = None
    #: What the drawing simplified or could not do (layout fallbacks, budgets).
    drawing_notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: the focus view ``diagram`` and ``analysis`` are of (``--focus``, ``--group``...)
    view: View | None = None


def build_explore(file: str, diagram: Diagram, analysis: LoopAnalysis, *,
                  problems: Sequence[Problem] = (),
                  render_budget: float = DEFAULT_RENDER_BUDGET,
                  renderer: str | None = None, draw_map: bool = True,
                  view: View | None = None) -> ExploreMap:
    """Draw the map for the page. Running out of ``render_budget`` is said on the page
    (the tables still hold everything); a missing renderer is raised (exit 2).
    ``view``: ``diagram`` and ``analysis`` are that focus view's (``focus.select``,
    ``focus.view_analysis``); the drawing and the page say what it leaves out."""
    from loopkit.render import RenderTimeout, draw, svg_of

    explored = ExploreMap(file, diagram, analysis, problems=list(problems), view=view)
    if not draw_map:
        explored.drawing_notes.append("no drawing was asked for (--no-drawing)")
        return explored
    try:
        drawing = draw(diagram, analysis, renderer=renderer, time_budget=render_budget,
                       view=view)
        explored.svg = svg_of(drawing, renderer=renderer, id_prefix=PREFIX,
                              timeout=render_budget, text_nearby=True)
        explored.drawing_notes.extend(drawing.notes)
    except RenderTimeout as error:
        explored.drawing_notes.append(f"no drawing: {error}")
    return explored


def _resource(name: str) -> str:
    from importlib.resources import files

    return (files("loopkit.output.report") / name).read_text(encoding="utf-8")


_ROOT = ":root { color-scheme: light; " + " ".join(
    f"--{name}: {colour};" for name, colour in PALETTE.items()) + " }"

#: The stylesheet and the script live beside this module (explore.css, explore.js), read
#: once at import; the page inlines them and the CSP allows exactly them, by hash.
STYLE = _ROOT + _resource("explore.css")

# Kept free of user text: the CSP allows exactly this script, by hash. It reads the
# map from the JSON block and writes user text with textContent only.
SCRIPT = _resource("explore.js")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def csp() -> str:
    """The page's policy: its own script and stylesheet by hash, nothing else at all."""
    return (f"default-src 'none'; script-src '{_hash(SCRIPT)}'; style-src '{_hash(STYLE)}'; "
            "base-uri 'none'; form-action 'none'")


def _type(kind: str) -> str:
    return f'<span class="type type-{kind}">{kind}</span>'


def _data(explored: ExploreMap) -> dict[str, object]:
    """What the script needs, by index: variables, links, and each loop with its story."""
    diagram, analysis = explored.diagram, explored.analysis
    index = diagram.index
    link_index = {link.key: j for j, link in enumerate(diagram.links)}
    labels = {v.id: v.label for v in diagram.variables}
    return {
        "prefix": PREFIX,
        "vars": [[strip_control(v.id), strip_control(v.label), strip_control(v.group or "")]
                 for v in diagram.variables],
        "links": [[index[lk.source], index[lk.target], lk.polarity.symbol, lk.polarity.word,
                   1 if lk.delay else 0] for lk in diagram.links],
        "loops": [[strip_control(lp.id), lp.type.letter, lp.type.value,
                   strip_control(lp.name or ""), [index[v] for v in lp.variables],
                   [link_index[lk.key] for lk in lp.links],
                   [strip_control(part) for part in loop_story(lp, labels)]]
                  for lp in analysis.loops],
    }


def _bounds(explored: ExploreMap) -> list[str]:
    """Paragraphs saying what a bound stopped or left out (shown at the top, and printed)."""
    analysis = explored.analysis
    out = []
    if analysis.truncated:
        out.append('<p class="bound"><strong>The loop list is incomplete.</strong> The loop '
                   f"search stopped: {xml_text(analysis.reason or 'a bound was reached')}. "
                   f"{len(analysis.loops):,} loops are listed; others may exist (raise "
                   "--limit, --max-length or --time-budget to list more).</p>")
    for note in explored.drawing_notes:
        out.append(f'<p class="bound"><strong>About the drawing:</strong> {xml_text(note)}.'
                   "</p>")
    return out


def _loop_rows(explored: ExploreMap) -> list[str]:
    labels = {v.id: v.label for v in explored.diagram.variables}
    rows = []
    for k, loop in enumerate(explored.analysis.loops):
        name = f" {xml_text(loop.name)}" if loop.name else ""
        ident = xml_text(loop.id)
        rows.append(
            f'<tr class="loop-row" data-k="{k}" data-type="{loop.type.letter}" '
            f'data-length="{loop.length}"><td><strong>{ident}</strong>{name}</td>'
            f"<td>{_type(loop.type.value)}</td><td class=\"num\">{loop.length}</td>"
            f'<td class="chain">{xml_text(loop.chain(labels))}</td>'
            f'<td class="actions"><button type="button" data-act="show" aria-pressed="false">'
            f'Show<span class="vh"> {ident}</span></button> '
            f'<button type="button" data-act="story" aria-pressed="false">'
            f'Story<span class="vh"> of {ident}</span></button></td></tr>')
    return rows


def _variable_rows(explored: ExploreMap) -> list[str]:
    diagram = explored.diagram
    member = {v.id: 0 for v in diagram.variables}
    for loop in explored.analysis.loops:
        for variable in loop.variables:
            member[variable] += 1
    causes: dict[str, list[str]] = {v.id: [] for v in diagram.variables}
    effects: dict[str, list[str]] = {v.id: [] for v in diagram.variables}
    for link in diagram.links:
        how = f" ({link.polarity.symbol} {link.polarity.word}" + (
            ", delayed)" if link.delay else ")")
        causes[link.target].append(xml_text(diagram.label(link.source)) + how)
        effects[link.source].append(xml_text(diagram.label(link.target)) + how)
    rows = []
    for i, v in enumerate(diagram.variables):
        rows.append(
            f'<tr><td><button type="button" class="var-btn" data-v="{i}">'
            f"{xml_text(v.label)}</button></td><td>{xml_text(v.group or '')}</td>"
            f"<td>{'; '.join(causes[v.id]) or 'none'}</td>"
            f"<td>{'; '.join(effects[v.id]) or 'none'}</td>"
            f'<td class="num">{member[v.id]}</td></tr>')
    return rows


def explore_page(explored: ExploreMap) -> str:
    """The whole page as text (UTF-8, deterministic: no dates, no random ids or nonces)."""
    diagram, analysis = explored.diagram, explored.analysis
    title = xml_text(diagram.display_title)
    loops = analysis.loops
    lengths = [loop.length for loop in loops] or [1]
    counts = {t: sum(1 for lp in loops if lp.type.letter == t) for t in "RBU"}
    options = "".join(f'<option value="{i}">{xml_text(v.label)}</option>'
                      for i, v in sorted(enumerate(diagram.variables),
                                         key=lambda item: (item[1].label.casefold(), item[0])))
    body = [
        '<a class="skip" href="#loops-title">Skip to the loop list</a>',
        "<main>",
        f"<h1>{title}</h1>",
        f'<p class="file">{xml_text(explored.file)}</p>',
    ]
    if diagram.description:
        body.append(f"<p>{xml_text(diagram.description)}</p>")
    body.append(f"<p><strong>{len(diagram.variables)} variables, {len(diagram.links)} links, "
                f"{xml_text(summary_sentence(analysis.summary))}.</strong></p>")
    if explored.view is not None:
        from loopkit.output.report.alt import view_sentence

        body.append(f'<p class="view">{view_sentence(explored.view, xml_text)}</p>')
    body += _bounds(explored)
    if explored.problems:
        body.append('<ul class="problems">' + "".join(
            f"<li>{xml_text(str(p))}</li>" for p in explored.problems) + "</ul>")
    body += [
        '<section class="card find" aria-labelledby="search-title">',
        '<h2 id="search-title">Search</h2>',
        '<div class="search">',
        '<label for="q">Find a variable or loop</label>',
        '<input id="q" type="search" autocomplete="off" spellcheck="false" '
        'aria-describedby="q-help q-status">',
        '<span id="q-help" class="note">Enter picks the first result; Down arrow moves to '
        "the results.</span>",
        '<p id="q-status" class="note" role="status"></p>',
        '<ul id="q-results" class="results" aria-label="Search results"></ul>',
        "</div></section>",
        '<div class="workspace">',
        '<section class="card map" aria-labelledby="map-title">',
        '<h2 id="map-title">Map</h2>',
    ]
    if explored.svg:
        body += [
            '<p class="note help">Drag to pan and use the mouse wheel to zoom, or focus the '
            "map and use the arrow keys, + and \u2212, and 0 to fit. Click a variable to see "
            "its neighbourhood, or Tab from the map to its variables, move between them "
            "with the arrow keys and press Enter.</p>",
            '<div class="tools" role="group" aria-label="Pan and zoom the map">',
            '<button type="button" data-zoom-act="in">Zoom in</button>',
            '<button type="button" data-zoom-act="out">Zoom out</button>',
            '<button type="button" data-zoom-act="fit">Fit</button>',
            '<button type="button" data-zoom-act="left" aria-label="Pan left">\u2190</button>',
            '<button type="button" data-zoom-act="up" aria-label="Pan up">\u2191</button>',
            '<button type="button" data-zoom-act="down" aria-label="Pan down">\u2193</button>',
            '<button type="button" data-zoom-act="right" aria-label="Pan right">\u2192</button>',
            '<span id="zoom-level" class="zoom"></span>',
            "</div>",
            '<figure id="map-figure" class="map-figure" data-selected="" data-loop="" '
            'data-story="" data-step="">',
            '<div id="viewport" class="viewport" tabindex="0" role="group" '
            'aria-roledescription="map" aria-label="The drawing: arrow keys pan, + and '
            '\u2212 zoom, 0 fits, Escape clears the selection; Tab moves to its variables">',
            explored.svg.rstrip("\n"),
            "</div></figure>",
        ]
    else:
        body.append('<p id="map-figure">No drawing on this page; the tables below list every '
                    "variable, link and loop.</p>")
    body += [
        "</section>",
        '<div class="panel">',
        '<section class="card" aria-labelledby="focus-title">',
        '<h2 id="focus-title">Selected</h2>',
        '<div id="focus-body"><p>Nothing selected. Click a variable in the map, or choose '
        "one in the search results or the variable table.</p></div>",
        "</section>",
        '<section class="card" aria-labelledby="story-title">',
        '<h2 id="story-title">Loop story</h2>',
        '<p id="story-empty">Press a loop\'s Story button to follow it link by link.</p>',
        '<div id="story-body" hidden>',
        '<p id="story-head" class="type"></p>',
        '<div class="story-tools">',
        '<button type="button" id="story-prev" aria-disabled="true">Previous link</button>',
        '<button type="button" id="story-next">Next link</button>',
        '<button type="button" id="story-close">Close story</button>',
        "</div>",
        '<p id="story-progress" role="status"></p>',
        '<p id="story-sentence" class="sentence"></p>',
        "</div></section>",
        "</div></div>",
        '<section class="card" aria-labelledby="loops-title">',
        '<h2 id="loops-title" tabindex="-1">Loops</h2>',
    ]
    body += _bounds(explored)[:1]
    body += [
        '<div class="filters" role="group" aria-label="Filter the loops">',
        "<fieldset><legend>Type</legend>",
        *(f'<label><input type="checkbox" id="f-{t}" checked> {word} ({counts[t]})</label> '
          for t, word in (("R", "reinforcing"), ("B", "balancing"), ("U", "undetermined"))),
        "</fieldset>",
        f'<label for="f-min">Length from</label> <input type="number" id="f-min" '
        f'min="{min(lengths)}" max="{max(lengths)}" value="{min(lengths)}">',
        f'<label for="f-max">to</label> <input type="number" id="f-max" '
        f'min="{min(lengths)}" max="{max(lengths)}" value="{max(lengths)}">',
        '<label for="f-var">Through</label> <select id="f-var">'
        f'<option value="">any variable</option>{options}</select>',
        '<button type="button" id="f-clear">Show all</button>',
        "</div>",
        f'<p id="loops-status" class="note" role="status">Showing {len(loops)} of '
        f"{len(loops)} loop{'s' if len(loops) != 1 else ''} listed.</p>",
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="loops-caption">',
        f'<table class="loops"><caption id="loops-caption">Loops of {title}</caption>',
        '<thead><tr><th>Loop</th><th>Type</th><th class="num">Length</th><th>Variables</th>'
        '<th class="actions">Actions</th></tr></thead><tbody>',
        *_loop_rows(explored),
        "</tbody></table></div>",
        "</section>",
        '<section class="card" aria-labelledby="variables-title">',
        '<h2 id="variables-title">Variables</h2>',
        '<p class="note help">Each variable\'s links, as the map draws them. Press a '
        "variable to select it in the map.</p>",
        '<div class="table-wrap" role="region" tabindex="0" '
        'aria-labelledby="variables-caption">',
        f'<table class="variables"><caption id="variables-caption">Variables of {title}'
        "</caption>",
        "<thead><tr><th>Variable</th><th>Group</th><th>Causes (links in)</th>"
        '<th>Effects (links out)</th><th class="num">Loops listed</th></tr></thead><tbody>',
        *_variable_rows(explored),
        "</tbody></table></div>",
        "</section>",
        '<p id="announce" class="vh" role="status"></p>',
        f"<footer>Made with loopkit {__version__}.</footer>",
        "</main>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp()}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="loopkit {__version__}">',
        f"<title>{title} \u2014 explorer</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        *body,
        f'<script type="application/json" id="lk-data">{script_json(_data(explored))}</script>',
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


__all__ = ["DEFAULT_MAX_LOOPS", "DEFAULT_RENDER_BUDGET", "ExploreMap", "build_explore",
           "csp", "explore_page"]
