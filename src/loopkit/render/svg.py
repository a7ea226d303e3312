"""Post-processing of Graphviz's SVG: accessibility, stable hooks, no external references.

Done with an XML library (never regular expressions) so every user string
is escaped by the serialiser: Graphviz output is parsed, its comments and
DOCTYPE dropped (they repeat node names), ``role``/``<title>``/``<desc>``
added, readable per-element titles written, ``data-*`` hooks set and the
parts of each loop badge, link and legend gathered into one group each.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from loopkit.escape import strip_control

if TYPE_CHECKING:
    from loopkit.render import Drawing

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_G = f"{{{SVG_NS}}}g"
_TITLE = f"{{{SVG_NS}}}title"
_DESC = f"{{{SVG_NS}}}desc"
_PART = re.compile(r"^(v|l|m|s|b|legend)(\d+)(?:-(.*))?$")
_PREFIX_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$|^$")
#: How many loops the text summary names before saying "and N more".
SUMMARY_LOOPS = 12


def _text(value: str) -> str:
    return " ".join(strip_control(value).split())


def describe(drawing: Drawing) -> str:
    """One paragraph in words: the size of the diagram and its loops."""
    diagram, analysis = drawing.diagram, drawing.analysis
    labels = {v.id: _text(v.label) for v in diagram.variables}
    parts = [f"Causal loop diagram with {len(diagram.variables)} variables and "
             f"{len(diagram.links)} links."]
    if diagram.description:
        parts.insert(0, _text(diagram.description))
    loops = analysis.loops
    if not loops:
        parts.append("It has no feedback loops.")
    else:
        summary = analysis.summary
        counts = ", ".join(f"{summary[k]} {k}" for k in ("reinforcing", "balancing",
                                                         "undetermined") if summary[k])
        more = " (the search stopped early)" if analysis.truncated else ""
        parts.append(f"It has {len(loops)} feedback loop{'s' if len(loops) != 1 else ''}"
                     f"{more}: {counts}.")
        shown = [lp for lp in loops if lp.declared or lp.id == drawing.highlight]
        shown += [lp for lp in loops if lp not in shown][:max(0, SUMMARY_LOOPS - len(shown))]
        for loop in shown[:SUMMARY_LOOPS]:
            name = f" ({_text(loop.name)})" if loop.name else ""
            parts.append(f"{loop.id}{name} is {loop.type.value}: {loop.chain(labels)}.")
        if len(loops) > len(shown[:SUMMARY_LOOPS]):
            parts.append(f"{len(loops) - len(shown[:SUMMARY_LOOPS])} more loops are not "
                         "listed here.")
    if drawing.highlight:
        parts.append(f"Loop {drawing.highlight} is highlighted.")
    return " ".join(parts)


def finish_svg(raw: bytes, drawing: Drawing, *, id_prefix: str = "") -> str:
    """The final SVG text: parsed, annotated and re-serialised deterministically."""
    if not _PREFIX_OK.match(id_prefix):
        raise ValueError("id_prefix must start with a letter and use only letters, digits,"
                         " '-' and '_'")
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(raw)
    graph = root.find(_G)
    if graph is None:
        raise ValueError("renderer output has no graph group")
    diagram, analysis = drawing.diagram, drawing.analysis
    loops_of: dict[tuple[str, str], list[str]] = {}
    for loop in analysis.loops:
        for link in loop.links:
            loops_of.setdefault(link.key, []).append(loop.id)
    by_id = {loop.id: loop for loop in analysis.loops}

    for old in graph.findall(_TITLE):
        graph.remove(old)
    children = list(graph)
    links: dict[int, ET.Element] = {}
    for child in children:
        match = _PART.match(child.get("id", ""))
        if match is not None and match[1] == "l":
            links[int(match[2])] = child
    gathered: dict[str, ET.Element] = {}
    for child in children:
        if child.tag != _G:
            continue
        match = _PART.match(child.get("id", ""))
        if match is None:
            if child.get("id") in ("title", "description"):
                _set_title(child, None)
            continue
        kind, number, rest = match[1], int(match[2]), match[3] or ""
        if rest.startswith("p") and rest[1:].isdigit():
            graph.remove(child)  # invisible anchor of a drawn curve
        elif kind == "v":
            variable = diagram.variables[number]
            child.set("data-var", strip_control(variable.id))
            if variable.group is not None:
                child.set("data-group", strip_control(variable.group))
            tip = _text(variable.label)
            if variable.description:
                tip += f": {_text(variable.description)}"
            _set_title(child, tip)
        elif kind == "l":
            link = diagram.links[number]
            child.set("data-link", strip_control(f"{link.source}->{link.target}"))
            child.set("data-loops", " ".join(loops_of.get(link.key, [])))
            child.set("data-polarity", link.polarity.value)
            child.set("data-delay", "true" if link.delay else "false")
            extra = ", delayed" if link.delay else ""
            _set_title(child, f"{_text(diagram.label(link.source))} \u2192 "
                              f"{_text(diagram.label(link.target))} "
                              f"({link.polarity.symbol} {link.polarity.word}{extra})")
        elif kind in ("m", "s"):  # a link's delay strokes and sign join the link's group
            target = links[number]
            for shape in list(child):
                if shape.tag != _TITLE:
                    shape.set("class", "delay-mark" if kind == "m" else "sign")
                    target.append(shape)
            graph.remove(child)
        else:
            key = f"{kind}{number}"
            group = gathered.get(key)
            if group is None:
                group = ET.Element(_G)
                if kind == "b":
                    loop_id = drawing.badges[number]
                    loop = by_id[loop_id]
                    group.set("id", f"badge-{number}")
                    group.set("class", "loop-badge")
                    group.set("data-loop", loop_id)
                    name = f" {_text(loop.name)}" if loop.name else ""
                    title = ET.SubElement(group, _TITLE)
                    title.text = f"{loop_id}{name}: {loop.type.value} loop"
                    if loop_id in drawing.leaders:
                        title.text += (" (no free room inside the loop: the badge sits "
                                       "beside it, with a leader line to it)")
                else:
                    group.set("id", f"legend-{number}")
                    group.set("class", "legend-item")
                gathered[key] = group
                graph.insert(list(graph).index(child), group)
            for shape in list(child):
                if shape.tag != _TITLE:
                    group.append(shape)
            graph.remove(child)
    _gather_legend(graph)
    _finish_root(root, drawing, describe(drawing))
    if id_prefix:
        for element in root.iter():
            if element.get("id"):
                element.set("id", id_prefix + element.get("id", ""))
        labelled = root.get("aria-labelledby", "").split()
        root.set("aria-labelledby", " ".join(id_prefix + x for x in labelled))
    for element in root.iter():
        if element.tail is not None and not element.tail.strip():
            element.tail = "\n"
        if element.text is not None and not element.text.strip() and len(element):
            element.text = "\n"
    return ET.tostring(root, encoding="unicode") + "\n"


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
    root.set("role", "img")
    root.set("aria-labelledby", "diagram-title diagram-desc")
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
