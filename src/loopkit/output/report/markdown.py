"""The report as one Markdown file, its pictures as SVG files beside it.

Pictures are separate files (``report-school-fines.svg``, ``...-R1.svg``)
linked by relative path: GitHub drops data URIs, and base64 made the raw text
unreadable. Each picture's alt text says what it shows and points to the words
and tables that carry the same content. Only user strings are escaped (by
``escape.markdown_text``); loopkit's own words are written as they are, so the
raw text stays readable. ``images=False`` gives a text-only report for
pull-request comments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from loopkit import __version__
from loopkit.output.records import summary_sentence
from loopkit.output.report import DiagramReport, group_rows, link_rows, variable_rows
from loopkit.output.report.words import loop_sentence
from loopkit.text import markdown_text as md

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-") or "x"


def picture_names(reports: Sequence[DiagramReport], stem: str) -> list[dict[str | None, str]]:
    """File names of each report's pictures (key ``None``: the whole diagram).

    Names use only ``[A-Za-z0-9_.-]``, so a link to them needs no escaping and
    they stay beside the report; each is unique within the report.
    """
    base = _safe(stem)
    names: list[dict[str | None, str]] = []
    used: set[str] = set()
    for n, report in enumerate(reports):
        own = f"{base}-{_safe(PurePath(report.file).stem)}"
        if own in used:
            own = f"{own}-{n}"
        used.add(own)
        files: dict[str | None, str] = {None: f"{own}.svg"}
        for k, loop_id in enumerate(report.loop_svgs):
            name = f"{own}-{_safe(loop_id)}.svg"
            files[loop_id] = name if name not in files.values() else f"{own}-{k}.svg"
        names.append(files)
    return names


def markdown_pictures(reports: Sequence[DiagramReport], stem: str) -> dict[str, str]:
    """File name -> SVG text of every picture the report links to."""
    out: dict[str, str] = {}
    for report, names in zip(reports, picture_names(reports, stem), strict=True):
        if report.svg is not None:
            out[names[None]] = report.svg
            out.update({names[loop_id]: svg for loop_id, svg in report.loop_svgs.items()})
    return out


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _diagram(report: DiagramReport, level: int, names: dict[str | None, str] | None
             ) -> list[str]:
    h = "#" * level
    labels = {key: md(label) for key, label in report.labels.items()}
    loops = report.analysis.loops
    diagram = report.diagram
    lines = [f"{h} {md(report.title)}", "", f"File: {md(report.file)}", ""]
    if diagram.description:
        lines += [md(diagram.description), ""]
    part = report.view_sentence(md)
    if part is not None:
        lines += [part, ""]
    lines += [summary_sentence(report.analysis.summary) + ".", ""]
    if report.problems:
        lines += ["Problems:", ""]
        lines += [f"- {md(str(p))}" for p in report.problems]
        lines.append("")
    if names is not None and report.svg:
        alt = (f"{md(report.title)}: causal loop diagram of "
               f"{_plural(len(diagram.variables), 'variable')}, "
               f"{_plural(len(diagram.links), 'link')} and {_plural(len(loops), 'loop')}"
               + (f" ({md(report.view.caption.rstrip('.'))})" if report.view else "")
               + "; every loop, link and group is described in the text below")
        lines += [f"![{alt}]({names[None]})", ""]
    if loops:
        lines += [f"{h}# Loops", "", _row(["Loop", "Type", "Name", "Length", "Delays"]),
                  "|---|---|---|--:|--:|"]
        lines += [_row([md(lp.id), lp.type.value, md(lp.name or ""), str(lp.length),
                        str(lp.delays)]) for lp in loops]
        lines.append("")
        for loop in loops:
            name = f": {md(loop.name)}" if loop.name else ""
            lines += [f"{h}## {md(loop.id)}{name} ({loop.type.value})", "",
                      loop_sentence(loop, labels), "", loop.chain(labels), ""]
            support = report.support(loop, escape=md)  # map names escaped, not our words
            if support:
                lines += [support, ""]
            if names is not None and loop.id in report.loop_svgs:
                lines += [f"![Loop {md(loop.id)} highlighted in the diagram; the loop is "
                          f"described in the words above]({names[loop.id]})", ""]
        if names is not None and report.undrawn:
            lines += [f"{report.undrawn} loops are described in words only "
                      "(raise --max-pictures to draw them).", ""]
    rows = link_rows(diagram, loops)
    lines += [f"{h}# Links", "",
              f"{_plural(len(rows), 'link')}, {sum(1 for r in rows if not r.loops)} of them on "
              "no loop (loops: none).", "",
              _row(["From", "To", "Sign", "Delay", "Loops", "Description"]),
              "|---|---|---|---|---|---|"]
    lines += [_row([md(r.source), md(r.target), f"{r.symbol} {r.polarity}",
                    "delayed" if r.delay else "no", md(", ".join(r.loops)) or "none",
                    md(r.description)]) for r in rows]
    lines.append("")
    groups = group_rows(diagram, report.view.group_order if report.view else None)
    if groups:
        lines += [f"{h}# Groups", ""]
        lines += [f"- **{md(g.name)}** (drawn with a {g.look}): "
                  f"{md(', '.join(g.variables))}" for g in groups]
        lines.append("")
    descriptions = {v.id: v.description or "" for v in diagram.variables}
    lines += [f"{h}# Variables", "",
              _row(["Variable", "Id", "Group", "Loops", "In loops", "Description"]),
              "|---|---|---|---|--:|---|"]
    for row in variable_rows(diagram, loops):
        lines.append(_row([md(row.label), md(row.id), md(row.group or ""),
                           md(", ".join(row.loops)) if row.loops else "none",
                           str(len(row.loops)), md(descriptions[row.id])]))
    lines.append("")
    return lines


def markdown_report(reports: Sequence[DiagramReport], *, images: bool = True,
                    picture_stem: str = "report") -> str:
    """The whole report; one diagram gets a level-1 title, several share one.

    With ``images`` it links the files ``markdown_pictures(reports,
    picture_stem)`` names, which the caller writes beside the report.
    """
    names: Sequence[dict[str | None, str] | None] = (
        picture_names(reports, picture_stem) if images else [None] * len(reports))
    if len(reports) == 1:
        lines = _diagram(reports[0], 1, names[0])
    else:
        lines = ["# Causal loop diagrams", ""]
        for report, own in zip(reports, names, strict=True):
            lines += _diagram(report, 2, own)
    lines += [f"Made with loopkit {__version__}.", ""]
    return "\n".join(lines)
