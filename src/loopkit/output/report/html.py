"""The report as one self-contained, interactive HTML page.

No network: styles and script are inline, pictures are inline SVG, and a
Content-Security-Policy meta tag forbids loading anything else (the script
is allowed by its hash only). Hovering, focusing or clicking a loop in a
loop table highlights it in that diagram's picture, using the ``data-var``,
``data-loops`` and ``data-loop`` hooks ``loopkit.render`` puts in the SVG.
Every user string goes through ``escape.xml_text``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence

from loopkit import __version__
from loopkit.output.report import DiagramReport, group_rows, link_rows, variable_rows
from loopkit.output.report.words import loop_sentence
from loopkit.output.words import summary_sentence
from loopkit.text import xml_text

#: Every colour the page uses, in one place: tests/test_contrast.py computes the contrast
#: of each pair in ``CONTRAST_PAIRS`` (WCAG relative luminance) and that no other colour
#: appears in ``STYLE``.
PALETTE = {
    "ink": "#222222", "muted": "#5b6470", "line": "#d9dde3", "edge": "#767676",
    "page": "#fafbfc", "card": "#ffffff", "row": "#fff4e6", "r": "#b03a2e",
    "b": "#1f5fbf", "u": "#8a6d00", "hl": "#a84300", "on-hl": "#ffffff",
    "focus": "#1a4d99", "problem": "#8b1a1a", "link": "#1f5fbf",
    "dim-text": "#6b6b6b", "dim-line": "#8f8f8f", "dim-fill": "#f4f4f4",
}
#: (foreground, background, least ratio, what): 4.5 for text, 3 for lines and highlights.
CONTRAST_PAIRS = (
    ("ink", "page", 4.5, "body text"), ("ink", "card", 4.5, "text in a diagram's box"),
    ("ink", "row", 4.5, "text of a hovered or active loop row"),
    ("muted", "card", 4.5, "notes, table headings, chains"),
    ("muted", "page", 4.5, "footer"), ("muted", "row", 4.5, "muted text on an active row"),
    ("r", "card", 4.5, "reinforcing"), ("r", "row", 4.5, "reinforcing on an active row"),
    ("b", "card", 4.5, "balancing"), ("b", "row", 4.5, "balancing on an active row"),
    ("u", "card", 4.5, "undetermined"), ("u", "row", 4.5, "undetermined on an active row"),
    ("link", "card", 4.5, "links to loop sections"), ("problem", "card", 4.5, "problems"),
    ("on-hl", "hl", 4.5, "pressed loop button text"),
    ("hl", "card", 3.0, "pressed button against the table"),
    ("hl", "row", 3.0, "active-row bar and pressed button on an active row"),
    ("hl", "card", 3.0, "highlighted links in the diagram"),
    ("edge", "card", 3.0, "loop button border"), ("edge", "row", 3.0, "button border, row"),
    ("focus", "card", 3.0, "focus outline"), ("focus", "page", 3.0, "focus outline, page"),
    ("focus", "row", 3.0, "focus outline on an active row"),
    ("dim-text", "card", 4.5, "faded labels while a loop is shown"),
    ("dim-text", "dim-fill", 4.5, "faded labels in faded boxes"),
    ("dim-line", "card", 3.0, "faded links and outlines"),
)

STYLE = """
:root { color-scheme: light; --ink: #222222; --muted: #5b6470; --line: #d9dde3;
  --edge: #767676; --page: #fafbfc; --card: #ffffff; --row: #fff4e6; --r: #b03a2e;
  --b: #1f5fbf; --u: #8a6d00; --hl: #a84300; --on-hl: #ffffff; --focus: #1a4d99;
  --problem: #8b1a1a; --link: #1f5fbf; --dim-text: #6b6b6b; --dim-line: #8f8f8f;
  --dim-fill: #f4f4f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; color: var(--ink); background: var(--page); }
main { max-width: 1180px; margin: 0 auto; padding: 24px clamp(8px, 3vw, 28px) 48px; }
h1 { font-size: 1.8em; margin: .2em 0 .1em; }
h2 { font-size: 1.45em; margin: 1.6em 0 .3em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15em; margin: 1.4em 0 .3em; }
h1, h2, h3, h4, p, li, figcaption { overflow-wrap: break-word; }
a { color: var(--link); }
.file, .note, footer { color: var(--muted); font-size: .92em; }
.diagram-part { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 8px clamp(8px, 2.5vw, 22px) 18px; margin: 18px 0; }
.overview { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.overview > * { min-width: 0; }
.overview figure { flex: 1 1 min(520px, 100%); margin: 0; }
.overview .loop-list { flex: 1 1 min(340px, 100%); }
figure svg { max-width: 100%; height: auto; display: block; }
.table-wrap { max-width: 100%; overflow-x: auto; }
.table-wrap:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: .93em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
td.sign { white-space: nowrap; }
tr.loop-row { cursor: pointer; }
tr.loop-row:hover, tr.loop-row:focus-within, tr.loop-row.active { background: var(--row); }
tr.loop-row.active { box-shadow: inset 4px 0 0 var(--hl); }
tr.loop-row button { font: inherit; font-weight: 700; color: var(--ink);
  border: 1px solid var(--edge); background: var(--card); border-radius: 4px;
  padding: 0 .5em; cursor: pointer; min-height: 24px; min-width: 24px; }
tr.loop-row button[aria-pressed="true"] { background: var(--hl); color: var(--on-hl);
  border: 2px solid var(--ink); text-decoration: underline; }
tr.loop-row button[aria-pressed="true"]::before { content: "\\2713\\00a0" / ""; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.type { font-weight: 600; }
.type-reinforcing { color: var(--r); } .type-balancing { color: var(--b); }
.type-undetermined { color: var(--u); }
.loop { border-top: 1px solid var(--line); margin-top: 14px; }
.loop figure { margin: 8px 0; max-width: 560px; }
.sentence { font-size: 1.05em; }
.chain { color: var(--muted); }
.problems { color: var(--problem); }
.groups li { margin: .2em 0; }
svg .lk-dim text { fill: var(--dim-text); }
svg .lk-dim path:not([stroke="transparent"]), svg .lk-dim polygon:not([stroke="transparent"]),
svg .lk-dim ellipse { stroke: var(--dim-line); }
svg .edge.lk-dim > polygon, svg .loop-badge.lk-dim polygon { fill: var(--dim-line); }
svg .variable.lk-dim > path:not([fill="none"]) { fill: var(--dim-fill); }
svg .lk-dim, svg .lk-dim * { transition: fill .12s, stroke .12s; }
svg .lk-hl path, svg .lk-hl polygon { stroke-width: 2.4px; }
svg .lk-hl text { font-weight: 700; }
svg .edge.lk-hl > path:not(.delay-mark) { stroke: var(--hl); }
svg .edge.lk-hl > polygon { stroke: var(--hl); fill: var(--hl); }
svg .variable.lk-hl > path, svg .variable.lk-hl > polygon { stroke: var(--hl); }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after, svg * { transition: none !important; animation: none !important; }
}
@media (forced-colors: active) {
  tr.loop-row button { border: 1px solid ButtonText; }
  tr.loop-row button[aria-pressed="true"] { border: 3px double Highlight; }
  tr.loop-row.active { outline: 2px solid Highlight; outline-offset: -2px; }
  svg .edge.lk-hl > path:not(.delay-mark), svg .variable.lk-hl > path { stroke: Highlight; }
  svg .edge.lk-hl > polygon { stroke: Highlight; fill: Highlight; }
  :focus-visible { outline-color: Highlight; }
}
@media print {
  @page { margin: 12mm; }
  body { background: var(--card); font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .diagram-part { border: 0; border-radius: 0; padding: 0; margin: 0; }
  .help, footer { display: none; }
  .overview { display: block; }
  .overview figure svg { max-height: 135mm; width: auto; margin: 0 auto; }
  .loop figure svg { max-height: 80mm; width: auto; }
  figure, tr, li, .loop { break-inside: avoid; }
  h1, h2, h3, h4, caption { break-after: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  tr.loop-row button { border: 0; padding: 0; background: none; color: inherit; }
  tr.loop-row button::before { content: none; }
  tr.loop-row.active { box-shadow: none; background: none; }
}
"""

# Kept free of user text: the CSP allows exactly this script, by hash.
SCRIPT = """
(function () {
  "use strict";
  function has(list, item) { return (list || "").split(" ").indexOf(item) >= 0; }
  function bold(el, on) {
    var ts = el.querySelectorAll("text[data-bold-length]");
    for (var k = 0; k < ts.length; k++) {
      var t = ts[k];
      if (!t.hasAttribute("data-length")) {
        t.setAttribute("data-length", t.getAttribute("textLength"));
      }
      t.setAttribute("textLength", t.getAttribute(on ? "data-bold-length" : "data-length"));
    }
  }
  function show(figure, loopId, vars) {
    var parts = figure.querySelectorAll("[data-var], [data-link], [data-loop]");
    for (var i = 0; i < parts.length; i++) {
      var el = parts[i], on = false;
      if (loopId) {
        if (el.hasAttribute("data-var")) { on = vars.indexOf(el.getAttribute("data-var")) >= 0; }
        else if (el.hasAttribute("data-link")) { on = has(el.getAttribute("data-loops"), loopId); }
        else { on = el.getAttribute("data-loop") === loopId; }
      }
      el.classList.toggle("lk-hl", !!loopId && on);
      el.classList.toggle("lk-dim", !!loopId && !on);
      if (el.hasAttribute("data-var")) { bold(el, !!loopId && on); }
    }
    figure.setAttribute("data-highlight", loopId || "");
  }
  var tables = document.querySelectorAll("table[data-figure]");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var figure = document.getElementById(table.getAttribute("data-figure"));
      if (!figure) { return; }
      var rows = table.querySelectorAll("tr[data-loop]");
      var pinned = null;
      function render(row) {
        if (row) { show(figure, row.getAttribute("data-loop"),
                        JSON.parse(row.getAttribute("data-vars"))); }
        else { show(figure, null, []); }
      }
      function pin(row) {
        pinned = pinned === row ? null : row;
        for (var k = 0; k < rows.length; k++) {
          rows[k].classList.toggle("active", rows[k] === pinned);
          rows[k].querySelector("button").setAttribute("aria-pressed",
            rows[k] === pinned ? "true" : "false");
        }
        render(pinned);
      }
      for (var r = 0; r < rows.length; r++) {
        (function (row) {
          row.addEventListener("mouseenter", function () { render(row); });
          row.addEventListener("mouseleave", function () { render(pinned); });
          row.addEventListener("focusin", function () { render(row); });
          row.addEventListener("focusout", function () { render(pinned); });
          row.addEventListener("click", function () { pin(row); });
        })(rows[r]);
      }
    })(tables[t]);
  }
})();
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def _type(kind: str) -> str:
    return f'<span class="type type-{kind}">{kind}</span>'


def _table(caption: str, label_id: str, head: str, rows: list[str],
           attrs: str = "") -> list[str]:
    """A table in its own scrolling region, so a wide table never widens the page.

    The region is focusable (keyboard users can scroll it) and named by the caption.
    """
    return [f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{label_id}">',
            f"<table{attrs}><caption id=\"{label_id}\">{caption}</caption>",
            f"<thead><tr>{head}</tr></thead><tbody>", *rows, "</tbody></table></div>"]


def _loop_links(ids: Sequence[str], anchors: dict[str, str]) -> str:
    return ", ".join(f'<a href="{anchors[i]}">{xml_text(i)}</a>' for i in ids) or "none"


def _loop_list(report: DiagramReport, n: int, title: str, figure_id: str) -> list[str]:
    """The overview's table of loops, each row a button that highlights its loop."""
    rows = []
    for loop in report.analysis.loops:
        variables = xml_text(json.dumps(list(loop.variables), ensure_ascii=False))
        rows.append(
            f'<tr class="loop-row" data-loop="{xml_text(loop.id)}" data-vars="{variables}">'
            f'<td><button type="button" aria-pressed="false" '
            f'title="Highlight {xml_text(loop.id)} in the diagram">{xml_text(loop.id)}'
            f'</button></td><td>{_type(loop.type.value)}</td>'
            f'<td>{xml_text(loop.name or "")}</td>'
            f'<td class="num">{loop.length}</td><td class="num">{loop.delays}</td></tr>')
    out = ['<div class="loop-list">']
    if report.svg:
        out.append('<p class="note help">Press a loop\'s button (Tab to it, then Enter or '
                   "Space), click its row or hover over it to highlight the loop in the "
                   "diagram; press it again to clear.</p>")
    out += _table(f"Loops of {title}", f"d{n}-loops-caption",
                  "<th>Loop</th><th>Type</th><th>Name</th>"
                  '<th class="num">Length</th><th class="num">Delays</th>', rows,
                  f' class="loops" data-figure="{figure_id}"')
    out.append("</div>")
    return out


def _loop_sections(report: DiagramReport, n: int, level: int) -> list[str]:
    """A section per loop: its sentence, chain, support and picture."""
    labels = report.labels
    out = [f"<h{level + 1}>Loops</h{level + 1}>"]
    for k, loop in enumerate(report.analysis.loops):
        name = f": {loop.name}" if loop.name else ""
        out += [f'<section class="loop" id="d{n}-loop-{k}" data-loop-section="'
                f'{xml_text(loop.id)}">',
                f"<h{level + 2}>{xml_text(loop.id + name)} {_type(loop.type.value)}"
                f"</h{level + 2}>",
                f'<p class="sentence">{xml_text(loop_sentence(loop, labels))}</p>',
                f'<p class="chain">{xml_text(loop.chain(labels))}</p>']
        support = report.support(loop)
        if support:
            out.append(f'<p class="support">{xml_text(support)}</p>')
        if loop.id in report.loop_svgs:
            out.append(f'<figure class="loop-figure">{report.loop_svgs[loop.id]}</figure>')
        out.append("</section>")
    if report.undrawn:
        out.append(f'<p class="note">{report.undrawn} loops are described in words only '
                   "(raise --max-pictures to draw them).</p>")
    return out


def _diagram(report: DiagramReport, n: int, level: int) -> list[str]:
    h, h2 = f"h{level}", f"h{level + 1}"
    loops = report.analysis.loops
    title = xml_text(report.title)
    figure_id = f"d{n}-figure"
    out = [f'<section class="diagram-part" id="d{n}" aria-labelledby="d{n}-title">',
           f'<{h} id="d{n}-title">{title}</{h}>',
           f'<p class="file">{xml_text(report.file)}</p>']
    if report.diagram.description:
        out.append(f"<p>{xml_text(report.diagram.description)}</p>")
    part = report.view_sentence(xml_text)
    if part is not None:
        out.append(f'<p class="view-note">{part}</p>')
    out.append(f"<p><strong>{xml_text(summary_sentence(report.analysis.summary))}.</strong></p>")
    if report.problems:
        out.append('<ul class="problems">' + "".join(
            f"<li>{xml_text(str(p))}</li>" for p in report.problems) + "</ul>")
    out.append('<div class="overview">')
    if report.svg:
        out.append(f'<figure id="{figure_id}" class="diagram">{report.svg}</figure>')
    if loops:
        out += _loop_list(report, n, title, figure_id)
    out.append("</div>")
    if loops:
        out += _loop_sections(report, n, level)
    anchors = {loop.id: f"#d{n}-loop-{k}" for k, loop in enumerate(loops)}
    link_table = []
    for row in link_rows(report.diagram, loops):
        link_table.append(
            f"<tr><td>{xml_text(row.source)}</td><td>{xml_text(row.target)}</td>"
            f'<td class="sign">{xml_text(row.symbol)} {row.polarity}</td>'
            f"<td>{'delayed' if row.delay else 'no'}</td>"
            f"<td>{_loop_links(row.loops, anchors)}</td><td>{xml_text(row.description)}</td>"
            "</tr>")
    alone = sum(1 for row in link_rows(report.diagram, loops) if not row.loops)
    out += [f"<{h2}>Links</{h2}>",
            f"<p>{len(report.diagram.links)} links, {alone} of them on no loop "
            "(loops &ldquo;none&rdquo;).</p>"]
    out += _table(f"Links of {title}", f"d{n}-links-caption",
                  "<th>From</th><th>To</th><th>Sign</th><th>Delay</th><th>Loops</th>"
                  "<th>Description</th>", link_table, ' class="links"')
    groups = group_rows(report.diagram, report.view.group_order if report.view else None)
    if groups:
        out += [f"<{h2}>Groups</{h2}>", '<ul class="groups">']
        out += [f"<li><strong>{xml_text(g.name)}</strong> (drawn with a {g.look}): "
                f"{xml_text(', '.join(g.variables))}</li>" for g in groups]
        out.append("</ul>")
    variable_table = []
    descriptions = {v.id: v.description or "" for v in report.diagram.variables}
    for row in variable_rows(report.diagram, loops):
        variable_table.append(
            f"<tr><td>{xml_text(row.label)}</td><td>{xml_text(row.id)}</td>"
            f"<td>{xml_text(row.group or '')}</td><td>{_loop_links(row.loops, anchors)}</td>"
            f'<td class="num">{len(row.loops)}</td>'
            f"<td>{xml_text(descriptions[row.id])}</td></tr>")
    out.append(f"<{h2}>Variables</{h2}>")
    out += _table(f"Variables of {title}", f"d{n}-variables-caption",
                  "<th>Variable</th><th>Id</th><th>Group</th><th>Loops</th>"
                  '<th class="num">In loops</th><th>Description</th>', variable_table,
                  ' class="variables"')
    out.append("</section>")
    return out


def html_report(reports: Sequence[DiagramReport]) -> str:
    """The whole page as text (UTF-8, deterministic: no dates, no random ids)."""
    title = reports[0].title if len(reports) == 1 else "Causal loop diagrams"
    body: list[str] = []
    if len(reports) == 1:
        body += _diagram(reports[0], 0, 1)
    else:
        body.append(f"<h1>{xml_text(title)}</h1>")
        for n, report in enumerate(reports):
            body += _diagram(report, n, 2)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="loopkit {__version__}">',
        f"<title>{xml_text(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        f"<footer>Made with loopkit {__version__}.</footer>",
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])
