"""LOOPY (ncase.me/loopy, v1.x): a share link ``?data=...`` or a saved ``.loopy`` file.

The data is ``[[nodes], [edges], [labels], uid]`` where a node is
``[id, x, y, init, label, hue]``, an edge ``[from, to, arc, strength,
rotation?]`` (strength +1 same direction, -1 opposite) and a label (free text
on the canvas) ``[x, y, text]``. Node labels and texts are URI-encoded twice
in a link: once by LOOPY itself and once more by the URL, which is why a space
reads ``%2520``. A saved ``.loopy`` file holds the data decoded once.

LOOPY has no ids, groups, delays or declared loops: ids are made from labels,
a node's colour (hue) becomes its group name, canvas texts become the
description. Exported links open in LOOPY v1.1 ready to play.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any
from urllib.parse import quote, unquote

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    Draft,
    fail,
    line_col,
    link_notes,
    too_many,
)
from loopkit.model import Diagram, Link, Polarity, Variable

#: LOOPY's six node colours, by hue index.
HUES = ("red", "orange", "yellow", "green", "blue", "purple")
BASE_URL = "https://ncase.me/loopy/v1.1/"

_DATA = re.compile(r"[?&](?:amp;)?data=([^\"\s<>&#]+)")


_NOTES = {
    **link_notes("edge", "had strength 0"),
    "texts": "{n} canvas text{s} kept as the description",
}


def sniff(text: str) -> bool:
    head = text.lstrip()
    return bool(_DATA.search(text) and ("loopy" in text.lower() or head.startswith("http"))) \
        or head.startswith("[[[") or head.startswith("%5B%5B%5B")


def _trim(raw: str) -> str:
    """LOOPY data ends with its closing bracket; a quote after it is not data."""
    end = max(raw.rfind("]") + 1, raw.upper().rfind("%5D") + 3 if "%5D" in raw.upper() else 0)
    return raw[:end] if end else raw


def _payloads(text: str) -> list[tuple[str, int]]:
    """Every ``data=`` value with its offset; the whole text when it is raw data."""
    found = [(_trim(m.group(1)), m.start(1)) for m in _DATA.finditer(text)]
    if found:
        return found
    stripped = text.strip()
    return [(stripped, text.index(stripped[:1]) if stripped else 0)]


def _is_id(value: Any) -> bool:
    """LOOPY ids are numbers; text is accepted too. A list would be unhashable."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _decode(raw: str) -> Any:
    """LOOPY data from a link (URI-encoded) or a ``.loopy`` file (decoded once)."""
    candidate = html.unescape(raw).strip()
    for _ in range(2):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            candidate = unquote(candidate.replace("+", " "))
    return json.loads(candidate)


def read(text: str, filename: str = "<string>", *, link: int | None = None,
         **options: Any) -> ImportResult:
    payloads = _payloads(text)
    draft = Draft(filename, "loopy")
    notes = draft.notes
    if len(payloads) > 1 and link is None:
        lines = ", ".join(str(line_col(text, off)[0]) for _, off in payloads)
        line, column = line_col(text, payloads[0][1])
        fail(filename, line, column, f"{len(payloads)} LOOPY links found (lines {lines}); "
             "choose one with --link N", "import-ambiguous")
    index = 1 if link is None else link
    if not 1 <= index <= len(payloads):
        fail(filename, 1, 1, f"there is no LOOPY link number {index}: the file has "
             f"{len(payloads)}", "import-ambiguous")
    raw, offset = payloads[index - 1]
    if len(payloads) > 1:
        notes.say(f"the file has {len(payloads)} LOOPY links; imported number {index}")
    line, column = line_col(text, offset)

    def bad(message: str) -> None:
        fail(filename, line, column, message, "import-structure")

    try:
        data = _decode(raw)
    except (ValueError, RecursionError):
        bad("not LOOPY data: expected [[nodes],[edges],[labels],uid] "
            "(LOOPY 2 links are compressed and not supported)")
    if not (isinstance(data, list) and len(data) >= 2 and all(
            isinstance(part, list) for part in data[:2])):
        bad("not LOOPY data: expected [[nodes],[edges],[labels],uid]")

    for found, kind, what in ((data[0], "variables", "nodes"), (data[1], "links", "edges")):
        if message := too_many(len(found), kind, what):
            fail(filename, line, column, message, "too-many")
    by_node: dict[Any, str] = {}
    for i, node in enumerate(data[0]):
        if not (isinstance(node, list) and len(node) >= 5 and isinstance(node[4], str)):
            bad(f"LOOPY node {i + 1}: expected [id, x, y, init, label, hue], got {node!r:.60}")
        if not _is_id(node[0]):
            bad(f"LOOPY node {i + 1}: its id must be a number or text, got {node[0]!r:.60}")
        label = " ".join(unquote(node[4]).split()) or f"node {node[0]}"
        hue = node[5] if len(node) > 5 and isinstance(node[5], int) else None
        vid = draft.ids.make(label)
        draft.variables.append(Variable(vid, label, HUES[hue] if hue is not None and 0 <= hue < 6
                                        else None))
        by_node[node[0]] = vid

    for i, edge in enumerate(data[1]):
        if not (isinstance(edge, list) and len(edge) >= 4):
            bad(f"LOOPY edge {i + 1}: expected [from, to, arc, strength], got {edge!r:.60}")
        for end in edge[:2]:
            if not _is_id(end) or end not in by_node:
                bad(f"LOOPY edge {i + 1}: node {end!r} does not exist")
        strength = edge[3]
        if not isinstance(strength, (int, float)) or isinstance(strength, bool):
            bad(f"LOOPY edge {i + 1}: strength must be a number, got {strength!r}")
        polarity = Polarity.POSITIVE if strength > 0 else (
            Polarity.NEGATIVE if strength < 0 else Polarity.UNKNOWN)
        draft.add_link(Link(by_node[edge[0]], by_node[edge[1]], polarity))

    texts = []
    for item in data[2] if len(data) > 2 and isinstance(data[2], list) else []:
        if isinstance(item, list) and len(item) >= 3 and isinstance(item[2], str):
            content = unquote(item[2]).strip()
            if content:
                texts.append(content)
                notes.add("texts")
    if not draft.variables:
        bad("the LOOPY model has no nodes")
    draft.description = "\n\n".join(texts) or None
    return draft.finish(_NOTES)


def _encode(text: str) -> str:
    """JavaScript ``encodeURIComponent``."""
    return quote(text, safe="-_.!~*'()")


def _layout(diagram: Diagram) -> list[tuple[int, int]]:
    """Pinned positions when every variable has one, else a circle (LOOPY needs x, y)."""
    n = len(diagram.variables)
    if all(v.pos is not None for v in diagram.variables):
        return [(round(v.pos[0] * 72), round(-v.pos[1] * 72))  # type: ignore[index]
                for v in diagram.variables]
    radius = max(150, round(n * 160 / (2 * math.pi)))
    return [(round(500 + radius * math.cos(2 * math.pi * i / n - math.pi / 2)),
             round(400 + radius * math.sin(2 * math.pi * i / n - math.pi / 2)))
            for i in range(n)]


def data_string(diagram: Diagram) -> str:
    """The ``data=`` value LOOPY v1.1 writes for this diagram."""
    groups: list[str] = []
    for v in diagram.variables:
        if v.group is not None and v.group not in HUES and v.group not in groups:
            groups.append(v.group)
    number = {v.id: i + 1 for i, v in enumerate(diagram.variables)}
    nodes = []
    for (x, y), v in zip(_layout(diagram), diagram.variables, strict=True):
        hue = HUES.index(v.group) if v.group in HUES else (
            groups.index(v.group) % len(HUES) if v.group is not None else 0)
        nodes.append([number[v.id], x, y, 0.5, _encode(_encode(v.label)), hue])
    edges: list[list[Any]] = []
    for lk in diagram.links:
        strength = {Polarity.POSITIVE: 1, Polarity.NEGATIVE: -1}.get(lk.polarity, 0)
        edges.append([number[lk.source], number[lk.target], 30, strength, 0])
    texts = []
    if diagram.description or diagram.title:
        texts.append([500, 60, _encode(_encode(diagram.title or diagram.description or ""))])
    document = json.dumps([nodes, edges, texts, len(nodes)], separators=(",", ":"),
                          ensure_ascii=False)
    return document.replace('"', "%22")[:-1] + "%5D"


def write(diagram: Diagram) -> str:
    return f"{BASE_URL}?data={data_string(diagram)}\n"
