"""Node-link JSON: a ``nodes`` list and a ``links`` (or ``edges``, ``connections``) list.

The shape most web maps and graph libraries write: D3 and networkx's
``node_link_data`` (``{"nodes": [{"id"}], "links": [{"source", "target"}]}``),
and the data behind web explorers such as the Foresight obesity map's
(``nodes[id, label, mapCluster]``, ``connections[sourceId, targetId, sign]``).
Without it a user holding such a file had no way into loopkit but a script.

Read, not written (GraphML, Kumu JSON and SD-JSON carry everything loopkit has).
Each node's ``id`` is kept as the variable's id, its ``label`` (or ``name``,
``title``) as the label, its ``group`` (or ``cluster``, ``mapCluster``,
``category``) as the group. A link's ends name node ids (``source``/``target``,
``sourceId``/``targetId`` or ``from``/``to``; D3 may have replaced them by the
node objects); its sign is ``polarity`` or ``sign`` (+1/-1, ``"+"``/``"-"``, or
words loopkit knows), else unknown. A link to a node that is not listed is an
error at its ``file:line:col``.
"""

from __future__ import annotations

from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    Draft,
    describe_path,
    fail,
    json_fail,
    json_sign,
    link_notes,
    load_json,
    text_value,
    too_many,
)
from loopkit.model import Link, Variable

#: Where a file keeps its links, in the order looked for.
LINK_KEYS = ("links", "edges", "connections")
_LABEL = ("label", "name", "title")
_GROUP = ("group", "cluster", "mapCluster", "category")
_ENDS = (("source", "target"), ("sourceId", "targetId"), ("from", "to"))
_SIGN = ("polarity", "sign")  # polarity first: networkx exports a "?" link with sign 1

_NOTES = {
    **link_notes("link"),
    "unlabelled": "{n} node{s} without a label: named by their id{e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip()[:4000]
    if not head.startswith("{") or '"nodes"' not in text:
        return False
    return any(f'"{key}"' in text for key in LINK_KEYS)


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if key in item:
            return key, item[key]
    return None, None


def _node_id(value: Any) -> str | None:
    """A node reference as text: an id, or (D3 after a simulation) the node object."""
    if isinstance(value, dict):
        value = value.get("id")
    return text_value(value)


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    data = load_json(text, filename, "node-link JSON")
    links_key = next((k for k in LINK_KEYS if isinstance(data, dict)
                      and isinstance(data.get(k), list)), None)
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) \
            or links_key is None:
        json_fail(text, filename, (), "node-link JSON needs an object with a 'nodes' list "
                  "and a 'links', 'edges' or 'connections' list")
    nodes, links = data["nodes"], data[links_key]
    if message := too_many(len(nodes), "variables", "nodes"):
        json_fail(text, filename, ("nodes",), message)
    if message := too_many(len(links), "links", links_key):
        json_fail(text, filename, (links_key,), message)
    draft = Draft(filename, "nodelink")
    by_id: dict[str, str] = {}
    for i, node in enumerate(nodes):
        path: tuple[str | int, ...] = ("nodes", i)
        ref = _node_id(node.get("id")) if isinstance(node, dict) else None
        if ref is None:
            json_fail(text, filename, path, f"{describe_path(path)}: a node needs an 'id'")
        if ref in by_id:
            json_fail(text, filename, (*path, "id"),
                      f"{describe_path(path)}: id {ref!r} is given to two nodes")
        label = next((v for v in (text_value(node.get(k)) for k in _LABEL) if v), None)
        if label is None:
            draft.notes.add("unlabelled", repr(ref))
        group = next((v for v in (text_value(node.get(k)) for k in _GROUP) if v), None)
        vid = draft.ids.make(label or ref, ref)
        by_id[ref] = vid
        draft.variables.append(Variable(vid, label or ref, group,
                                        text_value(node.get("description"))))
    for i, item in enumerate(links):
        path = (links_key, i)
        if not isinstance(item, dict):
            json_fail(text, filename, path, f"{describe_path(path)}: must be an object")
        ends = []
        for pair in _ENDS:
            if pair[0] in item or pair[1] in item:
                break
        for key in pair:
            ref = _node_id(item.get(key))
            if ref is None:
                json_fail(text, filename, (*path, key) if key in item else path,
                          f"{describe_path(path)}: a link needs '{key}' naming a node id")
            if ref not in by_id:
                json_fail(text, filename, (*path, key),
                          f"{describe_path(path)}: {key} {ref!r} is not the id of any node")
            ends.append(by_id[ref])
        sign_key, sign = _first(item, _SIGN)
        polarity = json_sign(sign, text, filename, (*path, sign_key) if sign_key else path,
                             f"{describe_path((*path, sign_key or 'sign'))}: unknown sign "
                             f"{sign!r}; use +1/-1, '+'/'-' or a word such as 'positive'")
        draft.add_link(Link(ends[0], ends[1], polarity, bool(item.get("delay")),
                            text_value(item.get("description"))))
    if not draft.variables:
        fail(filename, 1, 1, "node-link JSON has no nodes", "import-empty")
    meta = data.get("_meta") if isinstance(data.get("_meta"), dict) else {}
    graph = data.get("graph") if isinstance(data.get("graph"), dict) else {}
    draft.title = text_value(data.get("title")) or text_value(graph.get("name"))
    draft.description = text_value(data.get("description")) or text_value(
        meta.get("description"))
    return draft.finish(_NOTES)

