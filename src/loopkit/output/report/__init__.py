"""Reports people put in front of managers and funders: HTML and Markdown.

``build_reports`` gathers everything a report shows for each diagram (the
pictures are drawn here, by ``loopkit.render``); ``html_report`` and
``markdown_report`` are pure functions of those records, so the words and
tables are testable without a renderer. Pictures are bounded: only the first
``max_pictures`` loops get their own highlighted drawing, the rest are
described in words, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loopkit.analysis.loops import Loop, LoopAnalysis
from loopkit.model import Diagram
from loopkit.problems import Problem

if TYPE_CHECKING:
    from loopkit.analysis.focus import View
    from loopkit.output.records import FileResult

#: Loops drawn with their own highlighted picture, per diagram.
DEFAULT_MAX_PICTURES = 30

#: ``(diagram, analysis, highlight, id_prefix) -> SVG text`` (no XML declaration).
SvgMaker = Callable[[Diagram, LoopAnalysis, "str | None", str], str]


@dataclass(frozen=True)
class VariableRow:
    """One row of the variable table: which loops a variable takes part in."""

    id: str
    label: str
    group: str | None
    loops: tuple[str, ...]


@dataclass
class DiagramReport:
    """Everything one diagram's part of a report shows."""

    file: str
    diagram: Diagram
    analysis: LoopAnalysis
    svg: str | None = None
    loop_svgs: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: the part of the map this report shows (``loopkit.analysis.focus``), if not all
    view: View | None = None

    def view_sentence(self, escape: Callable[[str], str]) -> str | None:
        """What part of the map the report shows and what it leaves out, in words."""
        if self.view is None:
            return None
        from loopkit.output.report.alt import view_sentence

        return view_sentence(self.view, escape)

    @property
    def labels(self) -> dict[str, str]:
        return {v.id: v.label for v in self.diagram.variables}

    @property
    def title(self) -> str:
        return self.diagram.display_title

    def support(self, loop: Loop, escape: Callable[[str], str] | None = None) -> str | None:
        """In a merged map, the sentence saying which maps support ``loop``.

        ``escape`` is applied to the map names only (user text), not to the words.
        """
        from dataclasses import replace

        from loopkit.analysis.support import loop_support, merged_from

        found = loop_support(loop.links, len(merged_from(self.diagram)))
        if found is None:
            return None
        if escape is not None:
            found = replace(found, maps=tuple(map(escape, found.maps)),
                            drawn_across=tuple(map(escape, found.drawn_across)))
        return found.sentence()

    @property
    def undrawn(self) -> int:
        """Loops described in words only (beyond ``max_pictures``)."""
        return 0 if self.svg is None else len(self.analysis.loops) - len(self.loop_svgs)


def variable_rows(diagram: Diagram, loops: Sequence[Loop]) -> list[VariableRow]:
    """Variables with the loops they are in: most loops first, then file order."""
    member: dict[str, list[str]] = {v.id: [] for v in diagram.variables}
    for loop in loops:
        for variable in loop.variables:
            member[variable].append(loop.id)
    rows = [VariableRow(v.id, v.label, v.group, tuple(member[v.id])) for v in diagram.variables]
    order = diagram.index
    return sorted(rows, key=lambda r: (-len(r.loops), order[r.id]))


@dataclass(frozen=True)
class LinkRow:
    """One row of the links table: everything the picture shows about one link."""

    source: str
    target: str
    symbol: str
    polarity: str
    delay: bool
    loops: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class GroupRow:
    """A group in words: its name, how the picture draws it and its variables."""

    name: str
    look: str
    variables: tuple[str, ...]


def link_rows(diagram: Diagram, loops: Sequence[Loop]) -> list[LinkRow]:
    """Every link in file order, with the loops it is on (links on no loop included)."""
    on: dict[tuple[str, str], list[str]] = {}
    for loop in loops:
        for link in loop.links:
            on.setdefault(link.key, []).append(loop.id)
    return [LinkRow(diagram.label(link.source), diagram.label(link.target),
                    link.polarity.symbol, link.polarity.word, link.delay,
                    tuple(on.get(link.key, ())), link.description or "")
            for link in diagram.links]


def _look(dash: str, width: float) -> str:
    weight = "thick" if width >= 2 else "thin"
    line = "dotted" if "dotted" in dash else "dashed" if "dashed" in dash else "solid"
    corners = "rounded" if "rounded" in dash else "square"
    return f"{weight} {line} outline, {corners} corners"


def group_rows(diagram: Diagram, order: Sequence[str] | None = None) -> list[GroupRow]:
    """Groups in order of first use, described as the default picture draws them
    (``order``: the whole map's groups, when ``diagram`` is a focus view of it)."""
    from loopkit.render.dotsource import group_fills, group_outline

    members: dict[str, list[str]] = {}
    for variable in diagram.variables:
        if variable.group is not None:
            members.setdefault(variable.group, []).append(variable.label)
    fills = group_fills(diagram, order=order)
    return [GroupRow(name, _look(*group_outline(fills[name])[1:]), tuple(labels))
            for name, labels in members.items()]


def default_svg(diagram: Diagram, analysis: LoopAnalysis, highlight: str | None,
                id_prefix: str, *, view: View | None = None) -> str:
    from loopkit.render import render_svg

    return render_svg(diagram, analysis, highlight=highlight, id_prefix=id_prefix,
                      text_nearby=True, view=view)


def build_reports(
    results: Sequence[FileResult],
    *,
    svg: SvgMaker | None = default_svg,
    max_pictures: int = DEFAULT_MAX_PICTURES,
    views: Sequence[View | None] | None = None,
) -> list[DiagramReport]:
    """Draw the pictures for every loaded file (``svg=None``: words and tables only).

    Element ids in each SVG get a prefix unique in the report (``d0-``,
    ``d0-l3-``), so many SVGs can share one HTML page. ``views``, one per result:
    the focus view each result's diagram and analysis are of (``svg`` is then
    called with ``view=``, as ``default_svg`` takes it).
    """
    from functools import partial

    reports = []
    for n, result in enumerate(results):
        if result.diagram is None or result.analysis is None:
            continue
        view = views[n] if views is not None else None
        report = DiagramReport(result.file, result.diagram, result.analysis,
                               problems=result.all_problems, view=view)
        if svg is not None:
            draw = svg if view is None else partial(svg, view=view)
            report.svg = draw(result.diagram, result.analysis, None, f"d{n}-")
            for k, loop in enumerate(result.analysis.loops[:max_pictures]):
                report.loop_svgs[loop.id] = draw(result.diagram, result.analysis, loop.id,
                                                 f"d{n}-l{k}-")
        reports.append(report)
    return reports


def html_report(reports: Sequence[DiagramReport]) -> str:
    from loopkit.output.report.html import html_report as build

    return build(reports)


def markdown_report(reports: Sequence[DiagramReport], *, images: bool = True,
                    picture_stem: str = "report") -> str:
    from loopkit.output.report.markdown import markdown_report as build

    return build(reports, images=images, picture_stem=picture_stem)


def markdown_pictures(reports: Sequence[DiagramReport], stem: str) -> dict[str, str]:
    """File name -> SVG of the pictures ``markdown_report`` links (written beside it)."""
    from loopkit.output.report.markdown import markdown_pictures as build

    return build(reports, stem)


__all__ = [
    "DEFAULT_MAX_PICTURES",
    "DiagramReport",
    "GroupRow",
    "LinkRow",
    "VariableRow",
    "build_reports",
    "group_rows",
    "html_report",
    "link_rows",
    "markdown_pictures",
    "markdown_report",
    "variable_rows",
]
