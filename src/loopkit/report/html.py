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
from loopkit.escape import xml_text
from loopkit.report import DiagramReport, variable_rows
from loopkit.report.words import loop_sentence
from loopkit.reporting import summary_sentence

STYLE = """
:root { color-scheme: light; --ink: #222; --muted: #5b6470; --line: #d9dde3;
  --r: #b03a2e; --b: #1f5fbf; --u: #8a6d00; --hl: #e67e22; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; color: var(--ink); background: #fafbfc; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.8em; margin: .2em 0 .1em; }
h2 { font-size: 1.45em; margin: 1.6em 0 .3em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15em; margin: 1.4em 0 .3em; }
.file, .note, footer { color: var(--muted); font-size: .92em; }
.diagram-part { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 8px 22px 18px; margin: 18px 0; }
.overview { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.overview figure { flex: 1 1 520px; margin: 0; }
.overview .loop-list { flex: 1 1 340px; }
figure svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: .93em; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
tr.loop-row { cursor: pointer; }
tr.loop-row:hover, tr.loop-row:focus-within, tr.loop-row.active { background: #fff4e6; }
tr.loop-row.active { box-shadow: inset 3px 0 0 var(--hl); }
tr.loop-row button { font: inherit; font-weight: 700; border: 1px solid var(--line);
  background: #fff; border-radius: 4px; padding: 0 .5em; cursor: pointer; }
tr.loop-row button[aria-pressed="true"] { background: var(--hl); color: #fff;
  border-color: var(--hl); }
.type { font-weight: 600; }
.type-reinforcing { color: var(--r); } .type-balancing { color: var(--b); }
.type-undetermined { color: var(--u); }
.loop { border-top: 1px solid var(--line); margin-top: 14px; }
.loop figure { margin: 8px 0; max-width: 560px; }
.sentence { font-size: 1.05em; }
.chain { color: var(--muted); }
.problems { color: #8b1a1a; }
svg .lk-dim { opacity: .16; transition: opacity .12s; }
svg .lk-hl path, svg .lk-hl polygon { stroke-width: 2.4px; }
svg .edge.lk-hl > path:not(.delay-mark) { stroke: var(--hl); }
svg .edge.lk-hl > polygon { stroke: var(--hl); fill: var(--hl); }
svg .variable.lk-hl > path, svg .variable.lk-hl > polygon { stroke: var(--hl); }
@media print { tr.loop-row button { border: 0; } .diagram-part { border: 0; } }
"""

# Kept free of user text: the CSP allows exactly this script, by hash.
SCRIPT = """
(function () {
  "use strict";
  function has(list, item) { return (list || "").split(" ").indexOf(item) >= 0; }
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


def _diagram(report: DiagramReport, n: int, level: int) -> list[str]:
    h, h2 = f"h{level}", f"h{level + 1}"
    labels = report.labels
    loops = report.analysis.loops
    figure_id = f"d{n}-figure"
    out = [f'<section class="diagram-part" id="d{n}">',
           f"<{h}>{xml_text(report.title)}</{h}>",
           f'<p class="file">{xml_text(report.file)}</p>']
    if report.diagram.description:
        out.append(f"<p>{xml_text(report.diagram.description)}</p>")
    out.append(f"<p><strong>{xml_text(summary_sentence(report.analysis.summary))}.</strong></p>")
    if report.problems:
        out.append('<ul class="problems">' + "".join(
            f"<li>{xml_text(str(p))}</li>" for p in report.problems) + "</ul>")
    out.append('<div class="overview">')
    if report.svg:
        out.append(f'<figure id="{figure_id}" class="diagram">{report.svg}</figure>')
    if loops:
        out += ['<div class="loop-list">',
                '<p class="note">Hover over or click a loop to highlight it in the diagram.</p>',
                f'<table class="loops" data-figure="{figure_id}">',
                '<thead><tr><th>Loop</th><th>Type</th><th>Name</th>'
                '<th class="num">Length</th><th class="num">Delays</th></tr></thead><tbody>']
        for loop in loops:
            variables = xml_text(json.dumps(list(loop.variables), ensure_ascii=False))
            out.append(
                f'<tr class="loop-row" data-loop="{xml_text(loop.id)}" data-vars="{variables}">'
                f'<td><button type="button" aria-pressed="false" '
                f'title="Highlight {xml_text(loop.id)} in the diagram">{xml_text(loop.id)}'
                f'</button></td><td>{_type(loop.type.value)}</td>'
                f'<td>{xml_text(loop.name or "")}</td>'
                f'<td class="num">{loop.length}</td><td class="num">{loop.delays}</td></tr>')
        out += ["</tbody></table>", "</div>"]
    out.append("</div>")
    if loops:
        out.append(f"<{h2}>Loops</{h2}>")
        for k, loop in enumerate(loops):
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
    out += [f"<{h2}>Variables</{h2}>",
            '<table class="variables"><thead><tr><th>Variable</th><th>Id</th><th>Group</th>'
            '<th>Loops</th><th class="num">In loops</th></tr></thead><tbody>']
    anchors = {loop.id: f"#d{n}-loop-{k}" for k, loop in enumerate(loops)}
    for row in variable_rows(report.diagram, loops):
        links = ", ".join(f'<a href="{anchors[i]}">{xml_text(i)}</a>' for i in row.loops)
        out.append(f"<tr><td>{xml_text(row.label)}</td><td>{xml_text(row.id)}</td>"
                   f"<td>{xml_text(row.group or '')}</td><td>{links or 'none'}</td>"
                   f'<td class="num">{len(row.loops)}</td></tr>')
    out += ["</tbody></table>", "</section>"]
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
