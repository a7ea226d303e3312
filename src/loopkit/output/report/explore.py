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


def build_explore(file: str, diagram: Diagram, analysis: LoopAnalysis, *,
                  problems: Sequence[Problem] = (),
                  render_budget: float = DEFAULT_RENDER_BUDGET,
                  renderer: str | None = None, draw_map: bool = True) -> ExploreMap:
    """Draw the map for the page. Running out of ``render_budget`` is said on the page
    (the tables still hold everything); a missing renderer is raised (exit 2)."""
    from loopkit.render import RenderTimeout, draw, svg_of

    explored = ExploreMap(file, diagram, analysis, problems=list(problems))
    if not draw_map:
        explored.drawing_notes.append("no drawing was asked for (--no-drawing)")
        return explored
    try:
        drawing = draw(diagram, analysis, renderer=renderer, time_budget=render_budget)
        explored.svg = svg_of(drawing, renderer=renderer, id_prefix=PREFIX,
                              timeout=render_budget, text_nearby=True)
        explored.drawing_notes.extend(drawing.notes)
    except RenderTimeout as error:
        explored.drawing_notes.append(f"no drawing: {error}")
    return explored


_ROOT = ":root { color-scheme: light; " + " ".join(
    f"--{name}: {colour};" for name, colour in PALETTE.items()) + " }"

STYLE = _ROOT + """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; color: var(--ink); background: var(--page); }
main { max-width: 1500px; margin: 0 auto; padding: 12px clamp(8px, 2vw, 24px) 40px; }
h1 { font-size: 1.6em; margin: .2em 0 .1em; }
h2 { font-size: 1.2em; margin: .2em 0 .4em; }
h3 { font-size: 1.05em; margin: .8em 0 .2em; }
h1, h2, h3, p, li { overflow-wrap: anywhere; }
td, th, button { overflow-wrap: break-word; }
a { color: var(--link); }
.file, .note, footer { color: var(--muted); font-size: .92em; }
.skip { position: absolute; left: 8px; top: -60px; background: var(--card); padding: 6px 10px;
  border: 2px solid var(--focus); z-index: 10; }
.skip:focus { top: 8px; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
.bound { border-left: 4px solid var(--hl); background: var(--card); padding: 6px 10px;
  margin: 8px 0; }
.problems { color: var(--problem); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px clamp(8px, 1.5vw, 16px); margin: 12px 0; min-width: 0; }
.workspace { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 12px;
  align-items: start; }
@media (max-width: 900px) { .workspace { grid-template-columns: minmax(0, 1fr); } }
.workspace > .card { margin: 0; }
button, input, select { font: inherit; color: var(--ink); }
button { border: 1px solid var(--edge); background: var(--card); border-radius: 4px;
  padding: 1px 8px; min-height: 24px; min-width: 24px; cursor: pointer; }
button[aria-pressed="true"] { background: var(--hl); color: var(--on-hl);
  border: 2px solid var(--ink); text-decoration: underline; }
button[aria-disabled="true"] { color: var(--muted); border-style: dashed; cursor: default; }
input, select { border: 1px solid var(--edge); background: var(--card); border-radius: 4px;
  padding: 2px 6px; min-height: 28px; max-width: 100%; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.search { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
.search input { width: min(420px, 100%); }
.results { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px 6px; width: 100%; }
.tools { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin-bottom: 6px; }
.tools .zoom { color: var(--muted); margin-left: 6px; }
.map-figure { margin: 0; }
.viewport { height: min(72vh, 760px); border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; background: var(--card); touch-action: none; cursor: grab; }
.viewport.dragging { cursor: grabbing; }
.viewport svg { width: 100%; height: 100%; display: block; }
.viewport svg [data-var], .viewport svg [data-loop] { cursor: pointer; }
.viewport svg .variable:focus { outline: none; }
.viewport svg .variable:focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; }
.panel h3 { border-bottom: 1px solid var(--line); }
.panel ul { margin: .2em 0; padding-left: 1.2em; }
.panel li { margin: .15em 0; }
.sentence { font-size: 1.05em; }
.chain { color: var(--muted); }
.story-tools { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: flex-end; }
.filters fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0;
  padding: 2px 10px 6px; }
.filters label { white-space: nowrap; }
.filters input[type="number"] { width: 5em; }
.filters select { width: min(320px, 100%); }
.table-wrap { max-width: 100%; overflow-x: auto; position: relative; }
table { border-collapse: collapse; width: 100%; font-size: .93em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
td.actions { white-space: nowrap; }
tr.current { background: var(--row); box-shadow: inset 4px 0 0 var(--hl); }
.type { font-weight: 600; }
.type-reinforcing { color: var(--r); } .type-balancing { color: var(--b); }
.type-undetermined { color: var(--u); }
.current .type-reinforcing, .current .type-balancing, .current .type-undetermined,
.current td { color: var(--ink); }
svg .lk-dim text { fill: var(--dim-text); }
svg .lk-dim path:not([stroke="transparent"]), svg .lk-dim polygon:not([stroke="transparent"]),
svg .lk-dim ellipse { stroke: var(--dim-line); }
svg .edge.lk-dim > polygon, svg .loop-badge.lk-dim polygon { fill: var(--dim-line); }
svg .variable.lk-dim > path:not([fill="none"]) { fill: var(--dim-fill); }
svg .lk-hl path, svg .lk-hl polygon, svg .lk-sel path { stroke-width: 2.4px; }
svg .lk-hl text, svg .lk-sel text { font-weight: 700; }
svg .edge.lk-hl > path:not(.delay-mark) { stroke: var(--hl); }
svg .edge.lk-hl > polygon { stroke: var(--hl); fill: var(--hl); }
svg .edge.lk-now > path:not(.delay-mark) { stroke-width: 5px; }
svg .variable.lk-hl > path, svg .variable.lk-hl > polygon { stroke: var(--hl); }
svg .variable.lk-sel > path, svg .variable.lk-sel > polygon { stroke: var(--focus);
  stroke-width: 4.5px; }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { transition: none !important; animation: none !important; }
}
@media (forced-colors: active) {
  button[aria-pressed="true"] { border: 3px double Highlight; }
  svg .edge.lk-hl > path:not(.delay-mark), svg .variable.lk-hl > path { stroke: Highlight; }
  svg .edge.lk-hl > polygon { stroke: Highlight; fill: Highlight; }
  svg .variable.lk-sel > path { stroke: Highlight; }
  :focus-visible { outline-color: Highlight; }
}
@media print {
  @page { margin: 12mm; }
  body { background: var(--card); font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .skip, .help, .find, .tools, .filters, .panel, .actions, footer, #loops-status
    { display: none !important; }
  .card { border: 0; padding: 0; margin: 0 0 8px; }
  .workspace { display: block; }
  .viewport { height: auto; border: 0; overflow: visible; }
  .viewport svg { width: auto; max-width: 100%; height: auto; max-height: 170mm;
    margin: 0 auto; }
  tr[hidden] { display: table-row !important; }
  .table-wrap { overflow: visible; }
  tr, li, .bound { break-inside: avoid; }
  h1, h2, h3, caption { break-after: avoid; }
  thead { display: table-header-group; }
  button { border: 0; padding: 0; background: none; color: inherit; min-height: 0;
    text-decoration: none; }
  tr.current { box-shadow: none; background: none; }
}
"""

# Kept free of user text: the CSP allows exactly this script, by hash. It reads the
# map from the JSON block and writes user text with textContent only.
SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lk-data").textContent);
  var V = data.vars, L = data.links, P = data.loops, prefix = data.prefix;
  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  var figure = $("map-figure"), viewport = $("viewport");
  var svg = viewport ? viewport.querySelector("svg") : null;
  var varEls = V.map(function (v, i) { return svg ? $(prefix + "v" + i) : null; });
  var linkEls = L.map(function (l, j) { return svg ? $(prefix + "l" + j) : null; });
  var badges = svg ? Array.prototype.slice.call(svg.querySelectorAll("[data-loop]")) : [];
  var outs = V.map(function () { return []; }), ins = V.map(function () { return []; });
  L.forEach(function (l, j) { outs[l[0]].push(j); ins[l[1]].push(j); });
  var loopsOf = V.map(function () { return []; });
  P.forEach(function (p, k) { p[4].forEach(function (v) { loopsOf[v].push(k); }); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.loop-row"));
  var announce = $("announce");
  function say(text) { if (announce) { announce.textContent = text; } }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function linkText(j) {
    var l = L[j];
    return V[l[0]][1] + " \\u2192 " + V[l[1]][1] + " (" + l[2] + " " + l[3] +
      (l[4] ? ", delayed" : "") + ")";
  }
  function loopTitle(k) {
    var p = P[k];
    return p[0] + (p[3] ? " " + p[3] : "") + " (" + p[2] + ", " + plural(p[4].length, "link") + ")";
  }

  /* ---- highlighting in the drawing ---- */
  function paint(sel, hlVars, hlLinks, now, loopId) {
    var any = sel.length + hlVars.length + hlLinks.length > 0;
    var vs = {}, ls = {}, ss = {};
    hlVars.forEach(function (i) { vs[i] = 1; });
    hlLinks.forEach(function (j) { ls[j] = 1; });
    sel.forEach(function (i) { ss[i] = 1; });
    varEls.forEach(function (e, i) {
      if (!e) { return; }
      e.classList.toggle("lk-sel", !!ss[i]);
      e.classList.toggle("lk-hl", !ss[i] && !!vs[i]);
      e.classList.toggle("lk-dim", any && !ss[i] && !vs[i]);
    });
    linkEls.forEach(function (e, j) {
      if (!e) { return; }
      e.classList.toggle("lk-hl", !!ls[j]);
      e.classList.toggle("lk-now", j === now);
      e.classList.toggle("lk-dim", any && !ls[j]);
    });
    badges.forEach(function (e) {
      var on = !!loopId && e.getAttribute("data-loop") === loopId;
      e.classList.toggle("lk-hl", on);
      e.classList.toggle("lk-dim", any && !on);
    });
  }
  var rove = 0;
  function setRove(i) {
    /* the one variable of the drawing in the tab order (a roving tabindex) */
    if (varEls[rove]) { varEls[rove].setAttribute("tabindex", "-1"); }
    rove = i;
    if (varEls[i]) { varEls[i].setAttribute("tabindex", "0"); }
  }
  var state = {kind: "", index: -1, step: 0};
  function setState(kind, index, step) {
    state = {kind: kind, index: index, step: step || 0};
    if (figure) {
      figure.setAttribute("data-selected", kind === "var" ? V[index][0] : "");
      figure.setAttribute("data-loop", kind === "loop" ? P[index][0] : "");
      figure.setAttribute("data-story", kind === "story" ? P[index][0] : "");
      figure.setAttribute("data-step", kind === "story" ? String(step) : "");
    }
    rows.forEach(function (row) {
      var k = Number(row.getAttribute("data-k"));
      var on = (kind === "loop" || kind === "story") && k === index;
      row.classList.toggle("current", on);
      var show = row.querySelector("button[data-act=show]");
      if (show) { show.setAttribute("aria-pressed", kind === "loop" && on ? "true" : "false"); }
      var story = row.querySelector("button[data-act=story]");
      if (story) { story.setAttribute("aria-pressed", kind === "story" && on ? "true" : "false"); }
    });
  }

  /* ---- the side panel ---- */
  function varButton(i, extra) {
    var b = h("button", {type: "button", "data-v": String(i)}, [V[i][1] + (extra || "")]);
    b.addEventListener("click", function () { selectVar(i, true); });
    return b;
  }
  function loopButton(k) {
    var b = h("button", {type: "button", "data-k": String(k)}, [loopTitle(k)]);
    b.addEventListener("click", function () { showLoop(k, true); });
    return b;
  }
  function fill(id, kids) {
    var box = $(id);
    while (box.firstChild) { box.removeChild(box.firstChild); }
    kids.forEach(function (c) { box.appendChild(c); });
  }
  var MOST = 25;
  function list(items, make) {
    var ul = h("ul", {}, []);
    items.slice(0, MOST).forEach(function (x) { ul.appendChild(h("li", {}, [make(x)])); });
    if (items.length > MOST) { ul.appendChild(h("li", {}, [(items.length - MOST) + " more"])); }
    return ul;
  }
  function selectVar(i, reveal) {
    setState("var", i);
    setRove(i);
    var near = [];
    ins[i].forEach(function (j) { near.push(L[j][0]); });
    outs[i].forEach(function (j) { near.push(L[j][1]); });
    paint([i], near, ins[i].concat(outs[i]), -1, "");
    var v = V[i], kids = [h("h3", {id: "focus-name"}, [v[1]])];
    if (v[2]) { kids.push(h("p", {}, ["Group: " + v[2]])); }
    kids.push(h("p", {class: "note"}, ["Its neighbours are highlighted in the map."]));
    kids.push(h("h4", {}, ["Causes (" + ins[i].length + ")"]));
    kids.push(ins[i].length ? list(ins[i], function (j) {
      return varButton(L[j][0], " (" + L[j][2] + (L[j][4] ? ", delayed" : "") + ")");
    }) : h("p", {}, ["none"]));
    kids.push(h("h4", {}, ["Effects (" + outs[i].length + ")"]));
    kids.push(outs[i].length ? list(outs[i], function (j) {
      return varButton(L[j][1], " (" + L[j][2] + (L[j][4] ? ", delayed" : "") + ")");
    }) : h("p", {}, ["none"]));
    kids.push(h("h4", {}, ["Loops through it (" + loopsOf[i].length + ")"]));
    if (loopsOf[i].length) {
      kids.push(list(loopsOf[i], loopButton));
      var all = h("button", {type: "button", id: "focus-filter"},
                  ["Filter the loop list by this variable"]);
      all.addEventListener("click", function () {
        $("f-var").value = String(i); applyFilters(); $("loops-title").focus();
      });
      kids.push(all);
    } else { kids.push(h("p", {}, ["none listed"])); }
    fill("focus-body", kids);
    say(v[1] + " selected: " + plural(ins[i].length, "cause") + ", " +
        plural(outs[i].length, "effect") + ", " + plural(loopsOf[i].length, "loop") + ".");
    if (reveal) { frame([i].concat(near)); }
  }
  function showLoop(k, reveal) {
    var p = P[k];
    setState("loop", k);
    paint([], p[4], p[5], -1, p[0]);
    var kids = [h("h3", {id: "focus-name"}, [loopTitle(k)]),
                h("p", {class: "sentence"}, [p[6].join(", ") + "."])];
    kids.push(h("p", {}, ["Its variables, in order:"]));
    kids.push(list(p[4], function (i) { return varButton(i); }));
    var story = h("button", {type: "button", id: "focus-story"}, ["Tell its story, link by link"]);
    story.addEventListener("click", function () { startStory(k); });
    kids.push(story);
    fill("focus-body", kids);
    say("Loop " + loopTitle(k) + " shown.");
    if (reveal) { frame(p[4]); }
  }
  function clearAll() {
    setState("", -1);
    paint([], [], [], -1, "");
    fill("focus-body", [h("p", {}, ["Nothing selected. Click a variable in the map, or " +
      "choose one in the search results or the variable table."])]);
    $("story-body").hidden = true; $("story-empty").hidden = false;
    say("Selection cleared.");
  }

  /* ---- story mode ---- */
  function storyStep(s) {
    var k = state.index, p = P[k], n = p[5].length;
    s = Math.max(0, Math.min(n, s));
    setState("story", k, s);
    var cur = p[4][s % n];
    paint([cur], p[4].slice(0, s + 1), p[5].slice(0, s), s > 0 ? p[5][s - 1] : -1,
          s === n ? p[0] : "");
    var sentence = p[6].slice(0, s + 1).join(", ") + (s === n ? "." : " \\u2026");
    $("story-sentence").textContent = sentence;
    $("story-progress").textContent = s === 0
      ? "Start: " + V[cur][1] + ". Press Next link to follow the loop."
      : "Link " + s + " of " + n + ": " + linkText(p[5][s - 1]) +
        (s === n ? ". The loop is closed." : ".");
    $("story-prev").setAttribute("aria-disabled", s === 0 ? "true" : "false");
    $("story-next").setAttribute("aria-disabled", s === n ? "true" : "false");
    revealEl(varEls[cur]);
  }
  function startStory(k) {
    state = {kind: "story", index: k, step: 0};
    $("story-head").textContent = loopTitle(k);
    $("story-empty").hidden = true; $("story-body").hidden = false;
    frame(P[k][4]);
    storyStep(0);
    $("story-next").focus();
  }

  /* ---- search ---- */
  var search = $("q"), results = $("q-results"), qStatus = $("q-status"), MAX_HITS = 30;
  function hits(q) {
    var out = [];
    q = q.trim().toLowerCase();
    if (!q) { return out; }
    P.forEach(function (p, k) {
      if (p[0].toLowerCase() === q) { out.push(["loop", k]); }
    });
    V.forEach(function (v, i) {
      if (v[1].toLowerCase().indexOf(q) >= 0 || v[0].toLowerCase().indexOf(q) >= 0) {
        out.push(["var", i]);
      }
    });
    P.forEach(function (p, k) {
      if (p[0].toLowerCase() !== q && (p[0].toLowerCase().indexOf(q) === 0 ||
          (p[3] && p[3].toLowerCase().indexOf(q) >= 0))) { out.push(["loop", k]); }
    });
    return out;
  }
  function runSearch() {
    var found = hits(search.value);
    while (results.firstChild) { results.removeChild(results.firstChild); }
    found.slice(0, MAX_HITS).forEach(function (hit) {
      var b = hit[0] === "var"
        ? h("button", {type: "button", "data-v": String(hit[1])}, ["Variable: " + V[hit[1]][1]])
        : h("button", {type: "button", "data-k": String(hit[1])}, ["Loop " + loopTitle(hit[1])]);
      b.addEventListener("click", function () {
        if (hit[0] === "var") { selectVar(hit[1], true); } else { showLoop(hit[1], true); }
      });
      results.appendChild(h("li", {}, [b]));
    });
    qStatus.textContent = !search.value.trim() ? "" : found.length === 0 ? "No match."
      : found.length + (found.length === 1 ? " match" : " matches") +
        (found.length > MAX_HITS ? ", the first " + MAX_HITS + " shown" : "") + ".";
  }
  if (search) {
    search.addEventListener("input", runSearch);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        var first = results.querySelector("button");
        if (first) { first.click(); }
      } else if (e.key === "ArrowDown") {
        var b = results.querySelector("button");
        if (b) { e.preventDefault(); b.focus(); }
      }
    });
  }

  /* ---- loop filters ---- */
  function applyFilters() {
    var types = {};
    ["R", "B", "U"].forEach(function (t) { types[t] = $("f-" + t).checked; });
    var lo = parseInt($("f-min").value, 10), hi = parseInt($("f-max").value, 10);
    var v = $("f-var").value, vi = v === "" ? -1 : Number(v), shown = 0;
    rows.forEach(function (row) {
      var p = P[Number(row.getAttribute("data-k"))];
      var ok = types[p[1]] && !(p[4].length < lo) && !(p[4].length > hi) &&
               (vi < 0 || p[4].indexOf(vi) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    $("loops-status").textContent = "Showing " + shown + " of " + plural(rows.length, "loop") +
      " listed.";
  }
  ["f-R", "f-B", "f-U", "f-min", "f-max", "f-var"].forEach(function (id) {
    var e = $(id);
    if (e) {
      e.addEventListener("input", applyFilters);
      e.addEventListener("change", applyFilters);
    }
  });
  if ($("f-clear")) {
    $("f-clear").addEventListener("click", function () {
      ["R", "B", "U"].forEach(function (t) { $("f-" + t).checked = true; });
      $("f-min").value = $("f-min").getAttribute("min");
      $("f-max").value = $("f-max").getAttribute("max");
      $("f-var").value = "";
      applyFilters();
    });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-act]") : null;
    if (b) {
      var k = Number(b.closest("tr").getAttribute("data-k"));
      if (b.getAttribute("data-act") === "show") {
        if (state.kind === "loop" && state.index === k) { clearAll(); } else { showLoop(k, true); }
      } else { startStory(k); }
      return;
    }
    var vb = e.target.closest ? e.target.closest("button.var-btn") : null;
    if (vb) { selectVar(Number(vb.getAttribute("data-v")), true); }
  });
  $("story-prev").addEventListener("click", function () {
    if (state.kind === "story" && state.step > 0) { storyStep(state.step - 1); }
  });
  $("story-next").addEventListener("click", function () {
    if (state.kind === "story" && state.step < P[state.index][5].length) {
      storyStep(state.step + 1);
    }
  });
  $("story-close").addEventListener("click", function () {
    var k = state.index; clearAll();
    var row = rows[k]; var b = row && row.querySelector("button[data-act=story]");
    if (b) { b.focus(); }
  });

  /* ---- pan and zoom ---- */
  var full = null, view = null, zoomText = $("zoom-level");
  function setView() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (n) {
      return Math.round(n * 100) / 100; }).join(" "));
    var pct = Math.round(full.w / view.w * 100);
    if (zoomText) { zoomText.textContent = "Zoom " + pct + " %"; }
    figure.setAttribute("data-zoom", String(pct));
  }
  function zoom(f, cx, cy) {
    var w = Math.max(full.w / 40, Math.min(full.w * 2, view.w / f));
    f = view.w / w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view = {x: cx - (cx - view.x) / f, y: cy - (cy - view.y) / f, w: w, h: view.h / f};
    setView();
  }
  function pan(dx, dy) { view.x += dx; view.y += dy; setView(); }
  function fit() { view = {x: full.x, y: full.y, w: full.w, h: full.h}; setView(); }
  function scale() { var m = svg.getScreenCTM(); return m && m.a ? m.a : 1; }
  function toSvg(x, y) {
    var pt = svg.createSVGPoint(); pt.x = x; pt.y = y;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function revealEl(e) {
    if (!e || !svg) { return; }
    var r = e.getBoundingClientRect(), vr = viewport.getBoundingClientRect(), m = 20;
    if (r.left >= vr.left + m && r.right <= vr.right - m && r.top >= vr.top + m &&
        r.bottom <= vr.bottom - m) { return; }
    var s = scale();
    pan((r.left + r.width / 2 - (vr.left + vr.width / 2)) / s,
        (r.top + r.height / 2 - (vr.top + vr.height / 2)) / s);
  }
  function frame(indices) {
    /* zoom to the variables (a neighbourhood, a loop), legible but not blown up */
    if (!svg) { return; }
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    indices.forEach(function (i) {
      var e = varEls[i];
      if (!e) { return; }
      var r = e.getBoundingClientRect(), a = toSvg(r.left, r.top), b = toSvg(r.right, r.bottom);
      x1 = Math.min(x1, a.x); y1 = Math.min(y1, a.y);
      x2 = Math.max(x2, b.x); y2 = Math.max(y2, b.y);
    });
    if (x1 === Infinity) { return; }
    var cw = viewport.clientWidth || 1, ch = viewport.clientHeight || 1, aspect = cw / ch;
    var w = Math.max((x2 - x1) * 1.3, (y2 - y1) * 1.3 * aspect, cw / 2);
    w = Math.max(full.w / 40, Math.min(Math.max(full.w, full.h * aspect), w));
    view = {x: (x1 + x2) / 2 - w / 2, y: (y1 + y2) / 2 - w / aspect / 2, w: w, h: w / aspect};
    setView();
  }
  if (svg) {
    var box = svg.viewBox.baseVal;
    full = {x: box.x, y: box.y, w: box.width, h: box.height};
    svg.removeAttribute("width"); svg.removeAttribute("height");
    fit();
    var STEP = 0.15;
    /* keys in the drawing: Tab reaches one variable, arrows move to the nearest variable
       that way, Enter or Space selects it */
    svg.setAttribute("role", "group");
    varEls.forEach(function (e, i) {
      if (!e) { return; }
      e.setAttribute("tabindex", i === rove ? "0" : "-1");
      e.setAttribute("role", "button");
      /* named by its <title> (the whole label), not by aria-label: panned half out of
         view, the lines still in view are not held against the name */
    });
    var DIRS = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
    function centre(e) {
      var r = e.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }
    function nearest(i, dx, dy) {
      var c = centre(varEls[i]), best = -1, score = Infinity;
      varEls.forEach(function (e, j) {
        if (!e || j === i) { return; }
        var q = centre(e), x = q[0] - c[0], y = q[1] - c[1];
        var along = x * dx + y * dy, across = Math.abs(x * dy - y * dx);
        if (along <= 0 || across > along * 2) { return; }
        if (along + 2 * across < score) { score = along + 2 * across; best = j; }
      });
      return best;
    }
    document.querySelectorAll("[data-zoom-act]").forEach(function (b) {
      b.addEventListener("click", function () {
        var a = b.getAttribute("data-zoom-act");
        if (a === "in") { zoom(1.4); } else if (a === "out") { zoom(1 / 1.4); }
        else if (a === "fit") { fit(); }
        else if (a === "left") { pan(-view.w * STEP, 0); }
        else if (a === "right") { pan(view.w * STEP, 0); }
        else if (a === "up") { pan(0, -view.h * STEP); }
        else if (a === "down") { pan(0, view.h * STEP); }
      });
    });
    viewport.addEventListener("keydown", function (e) {
      var done = true, onVar = e.target.closest ? e.target.closest("[data-var]") : null;
      var i = onVar ? Number(onVar.id.slice(prefix.length + 1)) : -1;
      if (onVar && DIRS[e.key]) {
        var j = nearest(i, DIRS[e.key][0], DIRS[e.key][1]);
        if (j >= 0) { setRove(j); varEls[j].focus(); revealEl(varEls[j]); }
      } else if (onVar && (e.key === "Enter" || e.key === " ")) {
        if (state.kind === "var" && state.index === i) { clearAll(); } else { selectVar(i, false); }
      } else if (e.key === "ArrowLeft") { pan(-view.w * STEP, 0); }
      else if (e.key === "ArrowRight") { pan(view.w * STEP, 0); }
      else if (e.key === "ArrowUp") { pan(0, -view.h * STEP); }
      else if (e.key === "ArrowDown") { pan(0, view.h * STEP); }
      else if (e.key === "+" || e.key === "=") { zoom(1.4); }
      else if (e.key === "-" || e.key === "_") { zoom(1 / 1.4); }
      else if (e.key === "0") { fit(); }
      else if (e.key === "Escape") { clearAll(); }
      else { done = false; }
      if (done) { e.preventDefault(); }
    });
    viewport.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = toSvg(e.clientX, e.clientY);
      zoom(Math.exp(-e.deltaY * 0.002), p.x, p.y);
    }, {passive: false});
    var drag = null, dragged = false;
    viewport.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      drag = {x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, s: scale(), id: e.pointerId,
              moving: false};
    });
    viewport.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moving && Math.abs(dx) + Math.abs(dy) > 4) {
        drag.moving = true; viewport.setPointerCapture(drag.id);
        viewport.classList.add("dragging");
      }
      if (drag.moving) {
        view.x = drag.vx - dx / drag.s; view.y = drag.vy - dy / drag.s; setView();
      }
    });
    function endDrag() {
      if (drag && drag.moving) { dragged = true; viewport.classList.remove("dragging"); }
      drag = null;
    }
    viewport.addEventListener("pointerup", endDrag);
    viewport.addEventListener("pointercancel", endDrag);
    svg.addEventListener("click", function (e) {
      if (dragged) { dragged = false; return; }
      var v = e.target.closest("[data-var]"), badge = e.target.closest("[data-loop]");
      if (v) {
        var i = Number(v.id.slice(prefix.length + 1));
        if (state.kind === "var" && state.index === i) { clearAll(); } else { selectVar(i, false); }
      } else if (badge) {
        var id = badge.getAttribute("data-loop");
        P.forEach(function (p, k) { if (p[0] === id) { showLoop(k, false); } });
      } else { clearAll(); }
    });
    var saved = null;
    window.addEventListener("beforeprint", function () { saved = view; fit(); });
    window.addEventListener("afterprint", function () { if (saved) { view = saved; setView(); } });
  }
  applyFilters();
})();
"""


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
