"""Post-processing of Graphviz's SVG: accessibility, stable hooks, no external references.

Done with an XML library (never regular expressions) so every user string
is escaped by the serialiser: Graphviz output is parsed, its comments and
DOCTYPE dropped (they repeat node names), ``role``/``<title>``/``<desc>``
added, readable per-element titles written, ``data-*`` hooks set and the
parts of each loop badge, link and legend gathered into one group each.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from loopkit.render import ids
from loopkit.render.dotsource import text_width
from loopkit.text import strip_control

if TYPE_CHECKING:
    from loopkit.render import Drawing

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_G = f"{{{SVG_NS}}}g"
_TITLE = f"{{{SVG_NS}}}title"
_DESC = f"{{{SVG_NS}}}desc"
_TEXT = f"{{{SVG_NS}}}text"
_PREFIX_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$|^$")
#: How many loops the text summary names before saying "and N more".
SUMMARY_LOOPS = 12


def _text(value: str) -> str:
    return " ".join(strip_control(value).split())


def _listed(items: list[str], most: int = SUMMARY_LOOPS) -> str:
    """``a; b; c`` with "and N more" past ``most`` (keeps a description bounded)."""
    shown = "; ".join(items[:most])
    return shown + (f"; and {len(items) - most} more" if len(items) > most else "")


def describe(drawing: Drawing, *, text_nearby: bool = False) -> str:
    """The picture's long description (``<desc>``), referenced by ``aria-describedby``.

    Standalone, it says in words what the picture shows: size, groups, loops and
    the links on no loop. A highlighted picture describes only its loop, never
    the whole diagram again. ``text_nearby`` (the report) points to the page's
    own text and tables instead of repeating them.
    """
    text = _describe(drawing, text_nearby=text_nearby)
    view = drawing.view
    if view is None:
        return text
    notes = "".join(f" Note: {_text(note)}." for note in view.notes)
    if view.collapsed:
        shown = view.diagram
        return (f"An overview of a causal loop diagram of {len(view.full.variables)} variables "
                f"and {len(view.full.links)} links: {_text(view.caption)}{notes} It draws "
                f"{len(shown.variables)} boxes and variables and {len(shown.links)} links"
                f"{_two_way(shown)}; loops are not drawn in an overview. Boxes: "
                + _listed([_text(v.label) if v.id in view.full.index
                           else f"{_text(v.label)}: {_text(v.description or '')}"
                           for v in shown.variables]) + ".")
    return (f"Part of a causal loop diagram of {len(view.full.variables)} variables and "
            f"{len(view.full.links)} links: {_text(view.caption)}{notes} "
            "Loop ids are those of the whole diagram. " + text)


def _two_way(diagram: Any) -> str:
    """How an overview's links both ways are drawn, in words (empty when none are)."""
    keys = {link.key for link in diagram.links}
    pairs = sum(1 for a, b in keys if a < b and (b, a) in keys)
    if not pairs:
        return ""
    return (f" on {len(keys) - pairs} lines ({_count_words(pairs, 'pair')} of boxes linked "
            "both ways share one line with an arrowhead at each end, each direction's "
            "count beside its own arrowhead)")


def _count_words(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _describe(drawing: Drawing, *, text_nearby: bool = False) -> str:
    diagram, analysis = drawing.diagram, drawing.analysis
    labels = {v.id: _text(v.label) for v in diagram.variables}
    if drawing.highlight:
        loop = next(lp for lp in analysis.loops if lp.id == drawing.highlight)
        name = f" ({_text(loop.name)})" if loop.name else ""
        where = ("It is described in words beside the picture." if text_nearby
                 else f"The loop: {loop.chain(labels)}.")
        return (f"The diagram with loop {loop.id}{name}, a {loop.type.value} loop, "
                f"highlighted and the rest faded. {where}")
    groups: dict[str, int] = {}
    for variable in diagram.variables:
        if variable.group is not None:
            groups[_text(variable.group)] = groups.get(_text(variable.group), 0) + 1
    loops = analysis.loops
    size = (f"Causal loop diagram with {len(diagram.variables)} variables and "
            f"{len(diagram.links)} links")
    if groups:
        size += f" in {len(groups)} group{'s' if len(groups) != 1 else ''}"
    if text_nearby:
        return (f"{size} and {len(loops)} feedback loop{'s' if len(loops) != 1 else ''}. "
                "Its loops, links and groups are listed in the text and tables of this page.")
    parts = [size + "."]
    if diagram.description:
        parts.insert(0, _text(diagram.description))
    if groups:
        parts.append("Groups, each drawn with its own outline: "
                     + _listed([f"{g} ({n} variable{'s' if n != 1 else ''})"
                                for g, n in groups.items()]) + ".")
    if not loops:
        parts.append("It has no feedback loops.")
    else:
        summary = analysis.summary
        counts = ", ".join(f"{summary[k]} {k}" for k in ("reinforcing", "balancing",
                                                         "undetermined") if summary[k])
        more = " (the search stopped early)" if analysis.truncated else ""
        parts.append(f"It has {len(loops)} feedback loop{'s' if len(loops) != 1 else ''}"
                     f"{more}: {counts}.")
        shown = [lp for lp in loops if lp.declared]
        shown += [lp for lp in loops if lp not in shown][:max(0, SUMMARY_LOOPS - len(shown))]
        for loop in shown[:SUMMARY_LOOPS]:
            name = f" ({_text(loop.name)})" if loop.name else ""
            parts.append(f"{loop.id}{name} is {loop.type.value}: {loop.chain(labels)}.")
        if len(loops) > len(shown[:SUMMARY_LOOPS]):
            parts.append(f"{len(loops) - len(shown[:SUMMARY_LOOPS])} more loops are not "
                         "listed here.")
    on_loops = {link.key for loop in loops for link in loop.links}
    alone = [f"{labels[link.source]} \u2192 {labels[link.target]} ({link.polarity.word})"
             for link in diagram.links if link.key not in on_loops]
    if alone and not analysis.truncated:
        parts.append("Links on no loop: " + _listed(alone) + ".")
    return " ".join(parts)


def default_prefix(drawing: Drawing, raw: bytes) -> str:
    """A deterministic id prefix for a standalone SVG: file stem plus a digest.

    The digest covers the drawn picture and the highlighted loop, so two
    different pictures inlined in one page never share an id, while the same
    input always gives the same bytes (``render --check``).
    """
    stem = re.sub(r"[^a-z0-9]+", "-", PurePath(drawing.diagram.path).stem.lower())
    stem = stem.strip("-")[:24].strip("-")
    if not stem or not stem[0].isalpha():
        stem = "lk" + (f"-{stem}" if stem else "")
    digest = hashlib.sha256(raw + f"\0{drawing.highlight or ''}".encode()).hexdigest()[:8]
    return f"{stem}-{digest}-"


def finish_svg(raw: bytes, drawing: Drawing, *, id_prefix: str | None = None,
               text_nearby: bool = False) -> str:
    """The final SVG text: parsed, annotated and re-serialised deterministically.

    ``id_prefix`` ``None`` picks ``default_prefix``; ``""`` keeps Graphviz's bare ids.
    """
    if id_prefix is None:
        id_prefix = default_prefix(drawing, raw)
    if not _PREFIX_OK.match(id_prefix):
        raise ValueError("id_prefix must start with a letter and use only letters, digits,"
                         " '-' and '_'")
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(raw)
    graph = root.find(_G)
    if graph is None:
        raise ValueError("renderer output has no graph group")
    _annotate(graph, drawing)
    for text in graph.iter(_TEXT):  # signs, badges, legend, title: as measured
        _fit(text)
    _gather_legend(graph)
    _finish_root(root, drawing, describe(drawing, text_nearby=text_nearby))
    if id_prefix:
        for element in root.iter():
            if element.get("id"):
                element.set("id", id_prefix + element.get("id", ""))
        for attr in ("aria-labelledby", "aria-describedby"):
            root.set(attr, " ".join(id_prefix + x for x in root.get(attr, "").split()))
    for element in root.iter():
        if element.tail is not None and not element.tail.strip():
            element.tail = "\n"
        if element.text is not None and not element.text.strip() and len(element):
            element.text = "\n"
    return ET.tostring(root, encoding="unicode") + "\n"


def _annotate(graph: ET.Element, drawing: Drawing) -> None:
    """Readable titles and ``data-*`` hooks on every part; each link, badge and legend
    item gathered into one group (Graphviz writes one group per node or edge)."""
    for old in graph.findall(_TITLE):
        graph.remove(old)
    children = list(graph)
    parts = [(child, ids.parse(child.get("id", ""))) for child in children]
    links = {part.number: child for child, part in parts
             if part is not None and part.kind == ids.LINK}
    loops_of: dict[tuple[str, str], list[str]] = {}
    for loop in drawing.analysis.loops:
        for link in loop.links:
            loops_of.setdefault(link.key, []).append(loop.id)
    gathered: dict[str, ET.Element] = {}
    for child, part in parts:
        if child.tag != _G:
            continue
        if part is None:
            if child.get("id") in ("title", "description", "caption"):
                _set_title(child, None)
        elif part.is_anchor:
            graph.remove(child)  # invisible anchor of a drawn curve
        elif part.kind == ids.VARIABLE:
            _annotate_variable(child, drawing.diagram.variables[part.number])
        elif part.kind == ids.LINK:
            link = drawing.diagram.links[part.number]
            _annotate_link(child, drawing, link, loops_of.get(link.key, []))
        elif part.kind in (ids.DELAY_MARK, ids.SIGN):
            _move_shapes(child, links[part.number],
                         "delay-mark" if part.kind == ids.DELAY_MARK else "sign")
            graph.remove(child)
        else:
            key = f"{part.kind}{part.number}"
            if key not in gathered:
                gathered[key] = _badge_group(drawing, part.number) if part.kind == ids.BADGE \
                    else ET.Element(_G, {"id": f"legend-{part.number}", "class": "legend-item"})
                graph.insert(list(graph).index(child), gathered[key])
            _move_shapes(child, gathered[key], None)
            graph.remove(child)


def _annotate_variable(group: ET.Element, variable: Any) -> None:
    group.set("data-var", strip_control(variable.id))
    _fit_names(group)
    if variable.group is not None:
        group.set("data-group", strip_control(variable.group))
    tip = _text(variable.label)
    if variable.description:
        tip += f": {_text(variable.description)}"
    _set_title(group, tip)


def _fit_names(group: ET.Element) -> None:
    """Each line of a name set to the width its box was sized for, in any font.

    Boxes are sized for Helvetica's widths (``text_width``); a reader whose
    system has no Helvetica-compatible font (Liberation Sans, Arial) gets a
    wider fallback such as DejaVu Sans, and names ran out of their boxes.
    ``textLength`` makes every viewer fit the line to the intended width.
    ``data-bold-length`` is the width in bold: the report and the explorer set
    it when they highlight a name in bold (the box has room for it)."""
    for text in group.iter(_TEXT):
        if _fit(text) and text.get("font-weight") != "bold":
            size = float(text.get("font-size") or 14.0)
            text.set("data-bold-length", _length(text_width(text.text or "", size, bold=True)))


def _fit(text: ET.Element) -> bool:
    """Set a text to the width loopkit measured it at (``text_width``): what it placed
    it by, so no reader's font makes it run into a box, a link or another text."""
    line = text.text or ""
    if len(line.strip()) < 2 or text.get("textLength"):
        return False  # (a sign keeps its font's shape: squeezed, it reads less well)
    size = float(text.get("font-size") or 14.0)
    width = text_width(line, size, bold=text.get("font-weight") == "bold")
    text.set("textLength", _length(width))
    text.set("lengthAdjust", "spacingAndGlyphs")
    return True


def _length(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _annotate_link(group: ET.Element, drawing: Drawing, link: Any, loops: list[str]) -> None:
    diagram = drawing.diagram
    group.set("data-link", strip_control(f"{link.source}->{link.target}"))
    group.set("data-loops", " ".join(loops))
    group.set("data-polarity", link.polarity.value)
    group.set("data-delay", "true" if link.delay else "false")
    extra = ", delayed" if link.delay else ""
    if link.sources:  # the text of --style support's widths (loopkit merge)
        n = len(link.sources)
        extra += (f"; drawn by {n} source{'s' if n != 1 else ''}: "
                  f"{_text(', '.join(link.sources))}")
    ends = f"{_text(diagram.label(link.source))} \u2192 {_text(diagram.label(link.target))}"
    view = drawing.view
    if view is not None and view.collapsed:
        # an overview's line stands for links one way, or both ways (two arrowheads):
        # its title counts each direction in words
        back = next((lk for lk in diagram.links if lk.key == (link.target, link.source)
                     and link.source != link.target), None)
        words = [_overview_words(diagram, lk, lk.key in view.sign_labels)
                 for lk in (link, back) if lk is not None]
        if back is not None:
            group.set("data-back", strip_control(f"{back.source}->{back.target}"))
            group.set("data-back-polarity", back.polarity.value)
        _set_title(group, "; ".join(words))
    elif view is not None and link.key in view.sign_labels:
        # a collapsed view's link stands for several: its description counts them
        _set_title(group, f"{ends}: {_text(link.description or '')}")
    else:
        _set_title(group, f"{ends} ({link.polarity.symbol} {link.polarity.word}{extra})")


def _overview_words(diagram: Any, link: Any, counted: bool) -> str:
    """One direction of an overview's line in words: its ends, then how many links and
    their signs (a single link between two ungrouped variables: its sign)."""
    ends = f"{_text(diagram.label(link.source))} \u2192 {_text(diagram.label(link.target))}"
    if counted:
        return f"{ends}: {_text(link.description or '')}"
    delay = ", delayed" if link.delay else ""
    return f"{ends} (1 link, {link.polarity.symbol} {link.polarity.word}{delay})"


def _move_shapes(source: ET.Element, target: ET.Element, css_class: str | None) -> None:
    """Graphviz's shapes of one part into the group they belong to (titles dropped)."""
    for shape in list(source):
        if shape.tag != _TITLE:
            if css_class:
                shape.set("class", css_class)
            target.append(shape)


def _badge_group(drawing: Drawing, number: int) -> ET.Element:
    loop_id = drawing.badges[number]
    loop = next(lp for lp in drawing.analysis.loops if lp.id == loop_id)
    group = ET.Element(_G, {"id": f"badge-{number}", "class": "loop-badge",
                            "data-loop": loop_id})
    name = f" {_text(loop.name)}" if loop.name else ""
    title = ET.SubElement(group, _TITLE)
    title.text = f"{loop_id}{name}: {loop.type.value} loop"
    if loop_id in drawing.leaders:
        title.text += (" (no free room inside the loop: the badge sits "
                       "beside it, with a leader line to it)")
    return group


def _gather_legend(graph: ET.Element) -> None:
    items = [child for child in graph if child.get("class") == "legend-item"]
    if not items:
        return
    legend = ET.Element(_G, {"id": "legend", "class": "legend"})
    title = ET.SubElement(legend, _TITLE)
    title.text = "Legend"
    graph.insert(list(graph).index(items[0]), legend)
    for item in items:
        graph.remove(item)
        legend.append(item)


def _set_title(group: ET.Element, text: str | None) -> None:
    """Replace Graphviz's title (the internal node name) by readable text, or drop it."""
    for old in group.findall(_TITLE):
        group.remove(old)
    if text:
        title = ET.Element(_TITLE)
        title.text = text
        group.insert(0, title)


def _finish_root(root: ET.Element, drawing: Drawing, description: str) -> None:
    title_text = _text(drawing.diagram.display_title)
    if drawing.highlight:
        loop = next(lp for lp in drawing.analysis.loops if lp.id == drawing.highlight)
        name = f" ({_text(loop.name)})" if loop.name else ""
        title_text += f" \u2014 loop {loop.id}{name}"
    if drawing.view is not None:
        title_text += f" \u2014 {_text(drawing.view.caption)}"
    root.set("role", "img")
    # A short name (the title) and a separate description: naming the picture by
    # title and description made screen readers read the description twice.
    root.set("aria-labelledby", "diagram-title")
    root.set("aria-describedby", "diagram-desc")
    root.set("class", "loopkit-diagram")
    title = ET.Element(_TITLE, {"id": "diagram-title"})
    title.text = title_text
    desc = ET.Element(_DESC, {"id": "diagram-desc"})
    desc.text = description
    root.insert(0, desc)
    root.insert(0, title)
    if root.get("viewBox") is None:
        width = root.get("width", "0").removesuffix("pt")
        height = root.get("height", "0").removesuffix("pt")
        root.set("viewBox", f"0 0 {width} {height}")
