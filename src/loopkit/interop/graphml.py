"""GraphML: the graph exchange format of yEd, Gephi, Cytoscape and networkx.

loopkit writes every field as a typed ``<data>`` key (node ``label``,
``group``, ``description``, ``x``/``y``; edge ``polarity``, ``sign``,
``delay``, ``description``, ``evidence``, ``confidence``, ``sources``; graph ``title``,
``description`` and declared ``loops`` as JSON), so a GraphML file it wrote
reads back unchanged. Other tools' files are read too: node labels from a
``label``/``name`` key or yEd's ``NodeLabel``, signs from a ``polarity`` or
``sign`` key ('?' when there is none).
"""

from __future__ import annotations

import json
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    Draft,
    XmlNode,
    fail,
    link_notes,
    parse_xml,
    too_many,
    valid_id,
)
from loopkit.interop._lossless import loop_fields
from loopkit.model import POLARITY_SPELLINGS, Diagram, Link, Polarity, Variable
from loopkit.text import json_safe, xml_text

_KEYS = (
    ("d_title", "graph", "title", "string"),
    ("d_description", "graph", "description", "string"),
    ("d_loops", "graph", "loops", "string"),
    ("n_label", "node", "label", "string"),
    ("n_group", "node", "group", "string"),
    ("n_description", "node", "description", "string"),
    ("n_x", "node", "x", "double"),
    ("n_y", "node", "y", "double"),
    ("e_polarity", "edge", "polarity", "string"),
    ("e_sign", "edge", "sign", "int"),
    ("e_delay", "edge", "delay", "boolean"),
    ("e_description", "edge", "description", "string"),
    ("e_evidence", "edge", "evidence", "string"),
    ("e_confidence", "edge", "confidence", "string"),
    ("e_sources", "edge", "sources", "string"),
)
_NOTES = {
    **link_notes("edge", "had no polarity or sign"),
    "undirected": "{n} undirected edge{s} read as pointing from source to target{e}",
    "renamed": "{n} node id{s} not usable as variable ids: renamed{e}",
    "loop": "{n} declared loop{s} not matching the variables: dropped",
    "dangling": "{n} edge{s} to a node that does not exist dropped{e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    return head.startswith("<") and "<graphml" in head


def _data(node: XmlNode, keys: dict[str, str]) -> dict[str, str]:
    out = {}
    for data in node.findall("data"):
        name = keys.get(data.attrs.get("key", ""), data.attrs.get("key", ""))
        label = next((d.text for d in data.iter("NodeLabel") if d.text.strip()), None)
        if label is not None:  # yEd keeps the visible label in its node graphics
            out.setdefault("label", label.strip())
        else:
            out[name.lower()] = data.text.strip()
    return out


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    root = parse_xml(text.lstrip("\ufeff"), filename, "GraphML")
    graph = root.find("graph") if root.tag == "graphml" else None
    if graph is None:
        fail(filename, root.line, root.column, "not GraphML: expected <graphml> with a <graph>",
             "import-structure")
    keys = {k.attrs.get("id", ""): k.attrs.get("attr.name", k.attrs.get("id", ""))
            for k in root.findall("key")}
    draft = Draft(filename, "graphml")
    notes = draft.notes
    by_node: dict[str, str] = {}
    # loopkit's own GraphML keeps its ids; other tools' ids (n0, n1 ...) give way to labels.
    own = any(k.attrs.get("id") == "n_label" for k in root.findall("key"))
    nodes, edges = graph.findall("node"), graph.findall("edge")
    for found, kind, what in ((nodes, "variables", "nodes"), (edges, "links", "edges")):
        if message := too_many(len(found), kind, what):
            fail(filename, graph.line, graph.column, message, "too-many")
    for node in nodes:
        raw = node.attrs.get("id")
        if raw is None:
            fail(filename, node.line, node.column, "<node> has no id", "import-structure")
        data = _data(node, keys)
        label = (data.get("label") or data.get("name") or raw).strip() or raw
        vid = draft.ids.make(label, raw if own and valid_id(raw) else None)
        if own and vid != raw:
            notes.add("renamed", repr(raw))
        pos = None
        try:
            if "x" in data and "y" in data:
                pos = (float(data["x"]), float(data["y"]))
        except ValueError:
            pos = None
        draft.variables.append(Variable(vid, label, data.get("group") or None,
                                        data.get("description") or None, pos))
        by_node[raw] = vid
    directed_default = graph.attrs.get("edgedefault", "directed") == "directed"
    for edge in edges:
        ends = [edge.attrs.get("source"), edge.attrs.get("target")]
        if not all(e in by_node for e in ends):
            notes.add("dangling", f"line {edge.line}")
            continue
        source, target = by_node[ends[0]], by_node[ends[1]]  # type: ignore[index]
        directed = edge.attrs.get("directed", "true" if directed_default else "false")
        if directed == "false":
            notes.add("undirected", f"{source} -- {target}")
        data = _data(edge, keys)
        confidence = data.get("confidence")
        draft.add_link(Link(source, target, _polarity(data),
                            data.get("delay", "").lower() in ("true", "1", "yes"),
                            data.get("description") or None, _text_list(data, "evidence"),
                            confidence if confidence in ("low", "medium", "high") else None,
                            sources=_text_list(data, "sources")))
    if not draft.variables:
        fail(filename, graph.line, graph.column, "the GraphML graph has no nodes",
             "import-empty")
    graph_data = _data(graph, keys)
    try:
        draft.add_packed_loops(json.loads(graph_data.get("loops") or "[]"))
    except (ValueError, RecursionError):
        pass
    draft.title = graph_data.get("title") or None
    draft.description = graph_data.get("description") or None
    return draft.finish(_NOTES)


def _text_list(data: dict[str, str], key: str) -> tuple[str, ...]:
    """A list of text stored as JSON (``evidence``, ``sources``); plain text is one item."""
    if not data.get(key):
        return ()
    try:
        loaded = json.loads(data[key])
    except (ValueError, RecursionError):
        return (data[key],)
    return tuple(e for e in loaded if isinstance(e, str)) if isinstance(loaded, list) else ()


def _polarity(data: dict[str, str]) -> Polarity:
    value = data.get("polarity", "").strip().lower()
    if value in POLARITY_SPELLINGS:
        return POLARITY_SPELLINGS[value]
    try:
        sign = float(data.get("sign", ""))
    except ValueError:
        return Polarity.UNKNOWN
    return Polarity.POSITIVE if sign > 0 else Polarity.NEGATIVE if sign < 0 else Polarity.UNKNOWN


def _entry(key: str, value: str | float | int | bool) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    # XML turns a raw CR into LF; a character reference keeps it.
    return f'<data key="{key}">{xml_text(text).replace(chr(13), "&#13;")}</data>'


def write(diagram: Diagram) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"',
             '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
             '    xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    lines += [f'  <key id="{kid}" for="{kind}" attr.name="{name}" attr.type="{kind_type}"/>'
              for kid, kind, name, kind_type in _KEYS]
    lines.append('  <graph id="G" edgedefault="directed">')
    if diagram.title:
        lines.append(f"    {_entry('d_title', diagram.title)}")
    if diagram.description:
        lines.append(f"    {_entry('d_description', diagram.description)}")
    if diagram.loops:
        loops = json_safe(json.dumps([loop_fields(lp) for lp in diagram.loops],
                                     ensure_ascii=False, sort_keys=True))
        lines.append(f"    {_entry('d_loops', loops)}")
    for v in diagram.variables:
        data = [_entry("n_label", v.label)]
        if v.group is not None:
            data.append(_entry("n_group", v.group))
        if v.description is not None:
            data.append(_entry("n_description", v.description))
        if v.pos is not None:
            data += [_entry("n_x", float(v.pos[0])), _entry("n_y", float(v.pos[1]))]
        lines.append(f'    <node id="{xml_text(v.id)}">{"".join(data)}</node>')
    for n, lk in enumerate(diagram.links, start=1):
        sign = {Polarity.POSITIVE: 1, Polarity.NEGATIVE: -1}.get(lk.polarity, 0)
        data = [_entry("e_polarity", lk.polarity.value), _entry("e_sign", sign),
                _entry("e_delay", lk.delay)]
        if lk.description is not None:
            data.append(_entry("e_description", lk.description))
        if lk.evidence:
            data.append(_entry("e_evidence",
                               json_safe(json.dumps(list(lk.evidence), ensure_ascii=False))))
        if lk.confidence is not None:
            data.append(_entry("e_confidence", lk.confidence))
        if lk.sources:
            data.append(_entry("e_sources", json.dumps(list(lk.sources), ensure_ascii=False)))
        lines.append(f'    <edge id="e{n}" source="{xml_text(lk.source)}" '
                     f'target="{xml_text(lk.target)}">{"".join(data)}</edge>')
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
