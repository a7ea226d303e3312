"""SD-JSON, the format of AI-assisted CLD drafting tools (isee systems' sd-ai, CoModel).

``{"variables": [{"name", "type", "eqn"}], "relationships": [{"from", "to",
"polarity", "reasoning", "polarityReasoning"}]}``; an API response wraps it
as ``{"model": {...}}``. Relationships name variables by ``name``. Polarity
is ``"+"``, ``"-"`` or ``""`` (not known). loopkit's own fields (exact ids,
groups, delays, evidence, loops) travel in ``loopkit`` keys.
"""

from __future__ import annotations

import re
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
from loopkit.interop._lossless import (
    ATTRIBUTE,
    apply_link,
    apply_variable,
    link_fields,
    loop_fields,
    unpack,
    variable_fields,
)
from loopkit.model import Diagram, Link, Polarity, Variable

_NOTES = {
    **link_notes("relationship"),
    "implicit": "{n} variable{s} named only in relationships: added{e}",
    "loop": "{n} loop{s} in the 'loopkit' data not matching the variables: dropped",
}


def sniff(text: str) -> bool:
    # sd-ai writes the variables first, so "relationships" can come after a long list.
    head = text.lstrip()[:4000]
    return head.startswith("{") and ('"relationships"' in head or (
        '"variables"' in head and re.search(r'"relationships"\s*:\s*\[', text) is not None))


def _key(name: str) -> str:
    """Names match ignoring case, underscores and runs of spaces."""
    return re.sub(r"[\s_]+", " ", name).strip().lower()


def read(text: str, filename: str = "<string>", **options: Any) -> ImportResult:
    data = load_json(text, filename, "SD-JSON")
    root: tuple[str | int, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data, root = data["model"], ("model",)
    if not isinstance(data, dict) or not isinstance(data.get("relationships"), list):
        json_fail(text, filename, root, "SD-JSON needs an object with a 'relationships' list")
    if message := too_many(len(data["relationships"]), "links", "relationships"):
        json_fail(text, filename, (*root, "relationships"), message)
    draft = Draft(filename, "sdjson")
    notes, variables = draft.notes, draft.variables
    by_key: dict[str, str] = {}

    def add(name: str, fields: dict[str, Any], description: str | None = None,
            path: tuple[str | int, ...] = root) -> str:
        if message := too_many(len(variables) + 1, "variables", "variables"):
            json_fail(text, filename, path, message)
        vid = draft.ids.make(name, fields.get("id") if isinstance(fields.get("id"), str) else None)
        variables.append(apply_variable(fields, Variable(vid, name, None, description)))
        by_key.setdefault(_key(name), vid)
        return vid

    raw_vars = data.get("variables", [])
    if not isinstance(raw_vars, list):
        json_fail(text, filename, (*root, "variables"), "'variables' must be a list")
    for i, item in enumerate(raw_vars):
        path = (*root, "variables", i)
        name = text_value(item.get("name")) if isinstance(item, dict) else None
        if name is None:
            json_fail(text, filename, path, f"{describe_path(path)}: a variable needs a 'name'")
        if _key(name) in by_key:
            continue
        add(name, unpack(item.get(ATTRIBUTE)),
            text_value(item.get("documentation")) or text_value(item.get("description")), path)

    for i, item in enumerate(data["relationships"]):
        path = (*root, "relationships", i)
        if not isinstance(item, dict):
            json_fail(text, filename, path, f"{describe_path(path)}: must be an object")
        ends = []
        for end in ("from", "to"):
            name = text_value(item.get(end))
            if name is None:
                json_fail(text, filename, (*path, end) if end in item else path,
                          f"{describe_path(path)}: a relationship needs '{end}' naming a variable")
            if _key(name) not in by_key:
                notes.add("implicit", repr(name))
                add(name, {}, path=path)
            ends.append(by_key[_key(name)])
        polarity = json_sign(item.get("polarity"), text, filename, (*path, "polarity"),
                             f"{describe_path(path)}: unknown polarity "
                             f"{item.get('polarity')!r}; SD-JSON uses '+', '-' or ''")
        reasoning = text_value(item.get("reasoning"))
        why_sign = text_value(item.get("polarityReasoning"))
        if why_sign:
            reasoning = f"{reasoning}\n\nPolarity: {why_sign}" if reasoning else \
                f"Polarity: {why_sign}"
        link = Link(ends[0], ends[1], polarity, False, reasoning)
        draft.add_link(apply_link(unpack(item.get(ATTRIBUTE)), link))

    extra = unpack(data.get(ATTRIBUTE))
    draft.add_packed_loops(extra.get("loops", []))
    if not variables:
        fail(filename, 1, 1, "SD-JSON has no variables and no relationships", "import-empty")
    draft.title = text_value(extra.get("title"))
    draft.description = text_value(extra.get("description"))
    return draft.finish(_NOTES)


def _names(diagram: Diagram) -> dict[str, str]:
    """A unique SD-JSON name per variable: its label, or ``label (id)`` on a clash."""
    counts: dict[str, int] = {}
    for v in diagram.variables:
        counts[_key(v.label)] = counts.get(_key(v.label), 0) + 1
    return {v.id: v.label if counts[_key(v.label)] == 1 else f"{v.label} ({v.id})"
            for v in diagram.variables}


def write(diagram: Diagram) -> str:
    names = _names(diagram)
    variables = []
    for v in diagram.variables:
        item: dict[str, Any] = {"name": names[v.id], "type": "variable"}
        if v.description:
            item["documentation"] = v.description
        item[ATTRIBUTE] = variable_fields(v)
        if names[v.id] != v.label:
            item[ATTRIBUTE]["label"] = v.label
        variables.append(item)
    relationships = []
    for lk in diagram.links:
        rel: dict[str, Any] = {
            "from": names[lk.source], "to": names[lk.target],
            "polarity": "" if lk.polarity is Polarity.UNKNOWN else lk.polarity.value,
        }
        if lk.description:
            rel["reasoning"] = lk.description
        rel[ATTRIBUTE] = link_fields(lk)
        relationships.append(rel)
    document: dict[str, Any] = {"variables": variables, "relationships": relationships}
    extra: dict[str, Any] = {}
    if diagram.title:
        extra["title"] = diagram.title
    if diagram.description:
        extra["description"] = diagram.description
    if diagram.loops:
        extra["loops"] = [loop_fields(lp) for lp in diagram.loops]
    if extra:
        document[ATTRIBUTE] = extra
    from loopkit.text import json_document

    return json_document(document) + "\n"  # bidi and C1 controls as \\u escapes
