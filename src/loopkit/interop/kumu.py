"""Kumu JSON: blueprints (``elements``/``connections``/``loops``) and project exports.

A blueprint element is ``{id?, label, type, description, tags, ...}`` and a
connection ``{id?, from, to, type, direction}`` where ``from``/``to`` name an
element by id or label. A project export nests the fields under
``attributes`` (``element type``, ``connection type``) and uses ``_id``;
both shapes are read.

Polarity comes from the connection's ``polarity``/``sign`` field or its type
name: "+", "same", "adds to", "increases" ... are positive; "-", "opposite",
"subtracts from", "decreases" ... are negative; anything else is '?'. Pass
``type_map={"boosts": "+"}`` (``--map-type boosts=+``) to name your own.
``direction: mutual`` becomes two links, ``undirected`` connections are
dropped (no cause and effect). loopkit's own fields travel in the
``loopkit`` attribute as JSON text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from loopkit.interop import ImportResult
from loopkit.interop._common import (
    Draft,
    Notes,
    describe_path,
    json_fail,
    link_notes,
    load_json,
    text_value,
    too_many,
)
from loopkit.interop._lossless import (
    ATTRIBUTE,
    apply_link,
    apply_variable,
    as_text,
    link_fields,
    loop_fields,
    loop_from_fields,
    unpack,
    variable_fields,
)
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity, Variable

#: Connection type names read as a sign (lower-cased); ``type_map`` adds to these.
TYPE_POLARITY: dict[str, Polarity] = {
    **{w: Polarity.POSITIVE for w in (
        "+", "++", "s", "same", "positive", "plus", "adds to", "add", "adds", "increases",
        "increase", "more", "reinforces", "reinforcing", "supports", "enables", "drives",
        "causes", "promotes", "strengthens")},
    **{w: Polarity.NEGATIVE for w in (
        "-", "--", "\u2212", "o", "opposite", "negative", "minus", "subtracts from", "subtract",
        "subtracts", "decreases", "decrease", "less", "reduces", "reduce", "inhibits",
        "weakens", "undermines", "prevents", "opposes", "balancing")},
}
_TRUE = {"true", "yes", "y", "1", "delay", "delayed", "x"}

_NOTES = {
    **link_notes("connection"),
    "undirected": "{n} undirected connection{s} dropped (no cause and effect){e}",
    "mutual": "{n} mutual connection{s}: one link each way{e}",
    "tags": "{n} element{s} had tags, which loopkit does not keep",
    "loop": "{n} loop{s} not closing around their connections: dropped{e}",
}


def sniff(text: str) -> bool:
    head = text.lstrip()[:4000]
    return head.startswith("{") and '"elements"' in head and '"relationships"' not in head


def _fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """Flat fields of a blueprint item or an export item (``attributes`` merged in)."""
    out = dict(item.get("attributes") or {}) if isinstance(item.get("attributes"), dict) else {}
    out.update({k: v for k, v in item.items() if k != "attributes"})
    return out


def _sign_words(fields: Mapping[str, Any]) -> list[str]:
    """The texts that may carry a connection's sign, in the order they are read."""
    out = []
    for key in ("polarity", "sign", "connection type", "type"):
        value = fields.get(key)
        for word in value if isinstance(value, list) else [value]:
            if isinstance(word, str) and word.strip():
                out.append(word.strip().lower())
    return out


def _polarity(fields: Mapping[str, Any], type_map: Mapping[str, Polarity]
              ) -> tuple[Polarity, str | None]:
    """The sign and the value it was read from (None: a number, or nothing)."""
    for key in ("polarity", "sign", "connection type", "type"):
        value = fields.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
            return (Polarity.POSITIVE if value > 0 else Polarity.NEGATIVE), None
        words = value if isinstance(value, list) else [value]
        for word in words:
            if isinstance(word, str) and word.strip().lower() in type_map:
                return type_map[word.strip().lower()], word.strip().lower()
    return Polarity.UNKNOWN, None


#: Link-end pairs (Blessing & Chakrabarti's DRM): the first sign is the cause's change,
#: the second the effect's, so '--' (less gives less) is a same-direction link.
DRM_PAIRS = {"++": Polarity.POSITIVE, "--": Polarity.POSITIVE, "+-": Polarity.NEGATIVE,
             "-+": Polarity.NEGATIVE}
STRENGTH = {"++": Polarity.POSITIVE, "--": Polarity.NEGATIVE}


def sign_convention(words: Counter[str]) -> tuple[str, dict[str, Polarity]]:
    """How a map's whole vocabulary of sign values reads: DRM pairs, strength or words.

    ``+-``/``-+`` only make sense as link-end pairs, so any of them makes the
    pairs reading; ``++``/``--`` without them read as strong +/-.
    """
    pairs = {w for w in words if len(w) == 2 and set(w) <= {"+", "-"}}
    if pairs & {"+-", "-+"}:
        return ("DRM link-end pairs ('++' and '--' same direction: +; '+-' and '-+' "
                "opposite: -)"), DRM_PAIRS
    if pairs:
        return ("strength notation ('++' strong +, '--' strong -; if '--' means 'less "
                "gives less', pass --polarity-map '--=+')"), STRENGTH
    return "words and signs", {}


def read(text: str, filename: str = "<string>", *,
         type_map: Mapping[str, str] | None = None, **options: Any) -> ImportResult:
    data = load_json(text, filename, "Kumu")
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        json_fail(text, filename, (), "a Kumu blueprint needs an object with an 'elements' list")
    if message := too_many(len(data["elements"]), "variables", "elements"):
        json_fail(text, filename, ("elements",), message)
    raw = data.get("connections", [])
    if isinstance(raw, list) and (message := too_many(len(raw), "links", "connections")):
        json_fail(text, filename, ("connections",), message)
    vocabulary: Counter[str] = Counter(
        word for item in (raw if isinstance(raw, list) else []) if isinstance(item, dict)
        for word in _sign_words(_fields(item))[:1])
    convention, reading = sign_convention(vocabulary)
    signs = {**TYPE_POLARITY, **reading}
    for name, sign in (type_map or {}).items():
        signs[name.strip().lower()] = Polarity(sign) if isinstance(sign, str) else sign
    used: Counter[tuple[str, str]] = Counter()
    draft = Draft(filename, "kumu")
    notes, variables = draft.notes, draft.variables
    by_ref: dict[str, str] = {}
    label_count: dict[str, int] = {}
    for i, item in enumerate(data["elements"]):
        path: tuple[str | int, ...] = ("elements", i)
        if not isinstance(item, dict):
            json_fail(text, filename, path, f"{describe_path(path)}: must be an object")
        fields = _fields(item)
        ref = text_value(fields.get("id")) or text_value(fields.get("_id"))
        label = text_value(fields.get("label")) or text_value(fields.get("name")) or ref
        if label is None:
            json_fail(text, filename, path, f"{describe_path(path)}: an element needs a 'label'")
        packed = unpack(fields.get(ATTRIBUTE))
        vid = draft.ids.make(label, packed.get("id") if isinstance(packed.get("id"), str) else None)
        group = text_value(fields.get("element type")) or text_value(fields.get("type"))
        if fields.get("tags"):
            notes.add("tags")
        variables.append(apply_variable(packed, Variable(
            vid, label.strip(), group, text_value(fields.get("description")))))
        if ref is not None:
            by_ref[ref] = vid
        label_count[label.lower()] = label_count.get(label.lower(), 0) + 1
        by_ref.setdefault(f"label:{label.lower()}", vid)

    def element(value: Any, path: tuple[str | int, ...], end: str) -> str:
        ref = text_value(value)
        if ref is not None and ref in by_ref:
            return by_ref[ref]
        if ref is not None and label_count.get(ref.lower()) == 1:
            return by_ref[f"label:{ref.lower()}"]
        why = "names no element" if ref is not None else "is missing"
        if ref is not None and label_count.get(ref.lower(), 0) > 1:
            why = "matches several elements by label; use element ids"
        json_fail(text, filename, (*path, end) if value is not None else path,
                  f"{describe_path(path)}: '{end}' {why}" + (f" ({ref!r})" if ref else ""))

    by_connection: dict[str, tuple[str, str]] = {}
    raw_connections = data.get("connections", [])
    if not isinstance(raw_connections, list):
        json_fail(text, filename, ("connections",), "'connections' must be a list")
    for i, item in enumerate(raw_connections):
        path = ("connections", i)
        if not isinstance(item, dict):
            json_fail(text, filename, path, f"{describe_path(path)}: must be an object")
        fields = _fields(item)
        source = element(item.get("from"), path, "from")
        target = element(item.get("to"), path, "to")
        direction = str(fields.get("direction") or "directed").strip().lower()
        if direction == "undirected":
            notes.add("undirected", f"{source} -- {target}")
            continue
        polarity, word = _polarity(fields, signs)
        first = _sign_words(fields)[:1]
        if word is not None or first:
            used[(word or first[0], polarity.value)] += 1
        delay = str(fields.get("delay", "")).strip().lower() in _TRUE
        link = apply_link(unpack(fields.get(ATTRIBUTE)), Link(
            source, target, polarity, delay, text_value(fields.get("description"))))
        draft.add_link(link)
        ref = text_value(fields.get("id")) or text_value(fields.get("_id"))
        if ref is not None:
            by_connection[ref] = (source, target)
        if direction == "mutual":
            notes.add("mutual", f"{source} <-> {target}")
            draft.links.append(Link(target, source, link.polarity, link.delay,
                                    link.description, link.evidence, link.confidence,
                                    sources=link.sources))

    draft.loops = _loops(data.get("loops"), by_connection, by_ref, {v.id for v in variables},
                         notes)
    extra = unpack(data.get(ATTRIBUTE))
    draft.title = text_value(extra.get("title"))
    draft.description = text_value(extra.get("description"))
    if not variables:
        json_fail(text, filename, ("elements",), "the blueprint has no elements")
    if used:
        shown = ", ".join(f"'{w}' {n} -> {p}" for (w, p), n in sorted(
            used.items(), key=lambda item: (-item[1], item[0]))[:12])
        more = ", ..." if len(used) > 12 else ""
        custom = " (with --polarity-map/--map-type)" if type_map else ""
        notes.say(f"connection signs read as {convention}{custom}: {shown}{more}")
    return draft.finish(_NOTES)


def _loops(raw: Any, by_connection: dict[str, tuple[str, str]], by_ref: dict[str, str],
           known: set[str], notes: Notes) -> list[DeclaredLoop]:
    """Kumu loops list their connections; loopkit declares the variables in causal order."""
    out: list[DeclaredLoop] = []
    used: set[str] = set()
    counters = {"R": 0, "B": 0, "L": 0}
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        fields = _fields(item)
        packed = loop_from_fields(unpack(fields.get(ATTRIBUTE)), known)
        if packed is not None:
            out.append(packed)
            used.add(packed.id)
            continue
        label = text_value(fields.get("label")) or ""
        chain = _chain([by_connection.get(str(c)) for c in fields.get("connections") or []])
        if chain is None and isinstance(fields.get("elements"), list):
            chain = [by_ref.get(str(e)) for e in fields["elements"]]
        if not chain or any(v is None for v in chain) or len(set(chain)) != len(chain):
            notes.add("loop", repr(label) if label else None)
            continue
        kind_text = str(fields.get("loop type") or fields.get("type") or label).lower()
        kind = LoopType.BALANCING if kind_text.startswith(("b", "balanc")) else (
            LoopType.REINFORCING if kind_text.startswith(("r", "reinforc")) else None)
        loop_id = label if LoopType.from_id(label) is not None else ""
        if not loop_id or loop_id in used:
            letter = kind.letter if kind else "L"
            while True:
                counters[letter] += 1
                loop_id = f"{letter}{counters[letter]}"
                if loop_id not in used:
                    break
        used.add(loop_id)
        out.append(DeclaredLoop(loop_id, tuple(v for v in chain if v), label or None, kind,
                                text_value(fields.get("description"))))
    return out


def _chain(pairs: list[tuple[str, str] | None]) -> list[str] | None:
    """Variables around a loop from its connections in any order; None if they do not close."""
    if not pairs or any(p is None for p in pairs):
        return None
    nxt = {a: b for a, b in pairs if a and b}  # type: ignore[misc]
    if len(nxt) != len(pairs):
        return None
    start = pairs[0][0]  # type: ignore[index]
    chain, node = [start], nxt.get(start)
    while node is not None and node != start and len(chain) <= len(pairs):
        chain.append(node)
        node = nxt.get(node)
    return chain if node == start and len(chain) == len(pairs) else None


def _connection_ids(diagram: Diagram) -> dict[tuple[str, str], str]:
    """Kumu ids must be unique across elements and connections."""
    taken = {v.id for v in diagram.variables}
    out = {}
    for lk in diagram.links:
        cid, n = f"{lk.source} -> {lk.target}", 1
        while cid in taken:
            n += 1
            cid = f"{lk.source} -> {lk.target} ({n})"
        taken.add(cid)
        out[lk.key] = cid
    return out


def write(diagram: Diagram) -> str:
    elements = []
    for v in diagram.variables:
        element: dict[str, Any] = {"id": v.id, "label": v.label}
        if v.group:
            element["type"] = v.group
        if v.description:
            element["description"] = v.description
        element[ATTRIBUTE] = as_text(variable_fields(v))
        elements.append(element)
    cids = _connection_ids(diagram)
    connections = []
    for lk in diagram.links:
        connection: dict[str, Any] = {
            "id": cids[lk.key], "from": lk.source, "to": lk.target, "direction": "directed",
            "type": lk.polarity.value,
        }
        if lk.delay:
            connection["delay"] = "yes"
        if lk.description:
            connection["description"] = lk.description
        connection[ATTRIBUTE] = as_text(link_fields(lk))
        connections.append(connection)
    document: dict[str, Any] = {"elements": elements, "connections": connections}
    if diagram.loops:
        links = diagram.link_map
        loops = []
        for lp in diagram.loops:
            ring = list(zip(lp.variables, (*lp.variables[1:], lp.variables[0]), strict=True))
            loop: dict[str, Any] = {"label": lp.name or lp.id}
            if lp.type is not None:
                loop["type"] = lp.type.value
            if lp.description:
                loop["description"] = lp.description
            loop["connections"] = [cids[p] for p in ring if p in links]
            loop[ATTRIBUTE] = as_text(loop_fields(lp))
            loops.append(loop)
        document["loops"] = loops
    extra = {k: v for k, v in (("title", diagram.title), ("description", diagram.description))
             if v}
    if extra:
        document[ATTRIBUTE] = as_text(extra)
    from loopkit.text import json_document

    return json_document(document) + "\n"  # bidi and C1 controls as \\u escapes
