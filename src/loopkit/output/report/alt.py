"""A text alternative to publish with a picture: short alt text and a long description.

Used as ``<img>``, an SVG's own title and description are ignored, so a
publisher needs both as text: ``alt_text`` for the ``alt`` attribute (short:
what the picture is, and that a description follows) and
``long_description`` (Markdown) for the page below the picture, in the same
loop-by-loop words as the report (``words.loop_sentence``), with every link
(those on no loop too), the groups and the variables' descriptions.
``loopkit render --alt`` writes them beside the picture as ``NAME.alt.txt`` and
``NAME.desc.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from loopkit.analysis.focus import MIXED
from loopkit.analysis.loops import LoopAnalysis
from loopkit.model import Diagram
from loopkit.output.report import group_rows, link_rows
from loopkit.output.report.words import loop_sentence
from loopkit.output.words import summary_sentence
from loopkit.text import markdown_text as md
from loopkit.text import strip_control

if TYPE_CHECKING:
    from loopkit.analysis.focus import View


def view_sentence(view: View, escape: Callable[[str], str]) -> str:
    """A focus view's part of the map in words, for text beside its picture (``escape``
    is applied to the whole sentence: it quotes labels)."""
    whole = (f"{_count(len(view.full.variables), 'variable')} and "
             f"{_count(len(view.full.links), 'link')}")
    if view.collapsed:
        text = (f"An overview of the whole map ({whole}). {view.caption} Loops are not "
                "drawn in an overview.")
    else:
        text = (f"Part of the map, which has {whole}: {view.what}; {view.left_out}. "
                "Loop ids are those of the whole map.")
    text += "".join(f" Note: {note}." for note in view.notes)
    return escape(text)


def _plain(text: str) -> str:
    return " ".join(strip_control(text).split())


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def alt_text(diagram: Diagram, analysis: LoopAnalysis, highlight: str | None = None, *,
             view: View | None = None) -> str:
    """One line for ``alt``: what the picture is and where its full description is
    (for a focus ``view``: which part of the map, and what it leaves out)."""
    title = _plain(diagram.display_title)
    if view is not None:
        title += f" ({_plain(view.caption).rstrip('.')})"
    if highlight is not None:
        loop = next(lp for lp in analysis.loops if lp.id == highlight)
        name = f" ({_plain(loop.name)})" if loop.name else ""
        return (f"{title}: causal loop diagram with loop {loop.id}{name}, a "
                f"{loop.type.value} loop, highlighted. Described in full in the text "
                "that follows.")
    if view is not None and view.collapsed:
        return (f"{title}: an overview of a causal loop diagram, "
                f"{_count(len(diagram.variables), 'group')} and "
                f"{_count(len(diagram.links), 'link')} between them. Described in full in "
                "the text that follows.")
    return (f"{title}: causal loop diagram of {_count(len(diagram.variables), 'variable')} "
            f"and {_count(len(diagram.links), 'link')}; "
            f"{summary_sentence(analysis.summary)}. Described in full in the text that "
            "follows.")


def long_description(diagram: Diagram, analysis: LoopAnalysis,
                     highlight: str | None = None, *, view: View | None = None) -> str:
    """The picture in words, as Markdown (user text escaped, loopkit's words as they are)."""
    labels = {v.id: md(v.label) for v in diagram.variables}
    loops = analysis.loops
    lines = [f"# {md(diagram.display_title)}", ""]
    if view is not None:
        lines += [view_sentence(view, md), ""]
    if highlight is not None:
        loop = next(lp for lp in loops if lp.id == highlight)
        name = f": {md(loop.name)}" if loop.name else ""
        lines += [f"The picture highlights loop {md(loop.id)}{name} ({loop.type.value}) and "
                  "fades the rest of the diagram.", "", loop_sentence(loop, labels), "",
                  loop.chain(labels), ""]
        return "\n".join(lines)
    if diagram.description:
        lines += [md(diagram.description), ""]
    if view is not None and view.collapsed:
        lines += [f"{_count(len(diagram.variables), 'group')} and "
                  f"{_count(len(diagram.links), 'link')} between them.", ""]
    else:
        lines += [f"A causal loop diagram of {_count(len(diagram.variables), 'variable')} and "
                  f"{_count(len(diagram.links), 'link')}. {summary_sentence(analysis.summary)}"
                  + (" (the search stopped early)" if analysis.truncated else "") + ".", ""]
    if loops:
        lines += ["## Loops", ""]
        for loop in loops:
            name = f" {md(loop.name)}" if loop.name else ""
            lines += [f"- **{md(loop.id)}{name}** ({loop.type.value}): "
                      f"{loop_sentence(loop, labels)}"]
        lines.append("")
    rows = link_rows(diagram, loops)
    # an overview's link of mixed signs is not one of unknown sign
    mixed = {key for key, label in (view.sign_labels.items() if view is not None else ())
             if label.endswith(MIXED)}
    lines += ["## Links", ""]
    for row, link in zip(rows, diagram.links, strict=True):
        sign = {"positive": "same direction", "negative": "opposite direction"}.get(
            row.polarity, "direction not known")
        if link.key in mixed:
            sign, row = "mixed signs", dataclasses.replace(row, symbol=MIXED)
        on = f"on {', '.join(md(i) for i in row.loops)}" if row.loops else "on no loop"
        extra = f" {md(row.description)}" if row.description else ""
        lines.append(f"- {md(row.source)} → {md(row.target)}: {sign} ({row.symbol})"
                     f"{', delayed' if row.delay else ''}, {on}.{extra}")
    lines.append("")
    groups = group_rows(diagram, view.group_order if view is not None else None)
    if groups:
        lines += ["## Groups", ""]
        lines += [f"- **{md(g.name)}** (drawn with a {g.look}): {md(', '.join(g.variables))}"
                  for g in groups]
        lines.append("")
    described = [v for v in diagram.variables if v.description]
    if described:
        lines += ["## Variables", ""]
        lines += [f"- **{md(v.label)}**: {md(v.description or '')}" for v in described]
        lines.append("")
    return "\n".join(lines)
