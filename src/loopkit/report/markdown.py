"""The report as one Markdown file: pictures embedded as data URIs, text escaped.

Data-URI images keep the file self-contained (VS Code, pandoc, most wikis show
them); GitHub strips them, so ``images=False`` gives a text-only report for
pull-request comments.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from loopkit import __version__
from loopkit.escape import markdown_text
from loopkit.report import DiagramReport, variable_rows
from loopkit.report.words import loop_sentence
from loopkit.reporting import summary_sentence


def _image(alt: str, svg: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"![{markdown_text(alt)}](data:image/svg+xml;base64,{data})"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _diagram(report: DiagramReport, level: int, images: bool) -> list[str]:
    h = "#" * level
    labels = report.labels
    loops = report.analysis.loops
    lines = [f"{h} {markdown_text(report.title)}", "", f"File: {markdown_text(report.file)}", ""]
    if report.diagram.description:
        lines += [markdown_text(report.diagram.description), ""]
    lines += [markdown_text(summary_sentence(report.analysis.summary)) + ".", ""]
    if report.problems:
        lines += ["Problems:", ""]
        lines += [f"- {markdown_text(str(p))}" for p in report.problems]
        lines.append("")
    if images and report.svg:
        lines += [_image(f"{report.title}: causal loop diagram", report.svg), ""]
    if loops:
        lines += [f"{h}# Loops", "", _row(["Loop", "Type", "Name", "Length", "Delays"]),
                  "|---|---|---|--:|--:|"]
        lines += [_row([markdown_text(lp.id), lp.type.value, markdown_text(lp.name or ""),
                        str(lp.length), str(lp.delays)]) for lp in loops]
        lines.append("")
        for loop in loops:
            name = f": {loop.name}" if loop.name else ""
            lines += [f"{h}## {markdown_text(f'{loop.id}{name} ({loop.type.value})')}", "",
                      markdown_text(loop_sentence(loop, labels)), "",
                      markdown_text(loop.chain(labels)), ""]
            support = report.support(loop)
            if support:
                lines += [markdown_text(support), ""]
            if images and loop.id in report.loop_svgs:
                lines += [_image(f"{loop.id} highlighted in the diagram",
                                 report.loop_svgs[loop.id]), ""]
        if images and report.undrawn:
            lines += [markdown_text(f"{report.undrawn} loops are described in words only "
                                    "(raise --max-pictures to draw them)."), ""]
    lines += [f"{h}# Variables", "", _row(["Variable", "Id", "Group", "Loops", "In loops"]),
              "|---|---|---|---|--:|"]
    for row in variable_rows(report.diagram, loops):
        lines.append(_row([markdown_text(row.label), markdown_text(row.id),
                           markdown_text(row.group or ""),
                           markdown_text(", ".join(row.loops)) if row.loops else "none",
                           str(len(row.loops))]))
    lines.append("")
    return lines


def markdown_report(reports: Sequence[DiagramReport], *, images: bool = True) -> str:
    """The whole report; one diagram gets a level-1 title, several share one."""
    if len(reports) == 1:
        lines = _diagram(reports[0], 1, images)
    else:
        lines = ["# Causal loop diagrams", ""]
        for report in reports:
            lines += _diagram(report, 2, images)
    lines += [f"Made with loopkit {__version__}.", ""]
    return "\n".join(lines)
