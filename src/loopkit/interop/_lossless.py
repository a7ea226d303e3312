"""loopkit's own fields packed into one attribute, so JSON formats round-trip losslessly.

Kumu and SD-JSON have no place for delays, evidence, confidence, loop ids or
exact ids. loopkit writes them into a ``loopkit`` attribute on each element,
connection and loop (a JSON object; in Kumu a JSON string, because Kumu fields
hold text) and reads that attribute back first. Other tools keep unknown
attributes, so a map that went through Kumu and back still has them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from loopkit.model import VARIABLE_KINDS, DeclaredLoop, Link, LoopType, Polarity, Variable

ATTRIBUTE = "loopkit"


def variable_fields(variable: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"id": variable.id}
    if variable.group is not None:
        out["group"] = variable.group
    if variable.description is not None:
        out["description"] = variable.description
    if variable.pos is not None:
        out["pos"] = list(variable.pos)
    if variable.kind is not None:
        out["kind"] = variable.kind
    return out


def link_fields(link: Link) -> dict[str, Any]:
    out: dict[str, Any] = {"polarity": link.polarity.value}
    if link.delay:
        out["delay"] = True
    if link.description is not None:
        out["description"] = link.description
    if link.evidence:
        out["evidence"] = list(link.evidence)
    if link.confidence is not None:
        out["confidence"] = link.confidence
    if link.sources:
        out["sources"] = list(link.sources)
    return out


def loop_fields(loop: DeclaredLoop) -> dict[str, Any]:
    out: dict[str, Any] = {"id": loop.id, "variables": list(loop.variables)}
    if loop.name is not None:
        out["name"] = loop.name
    if loop.type is not None:
        out["type"] = loop.type.value
    if loop.description is not None:
        out["description"] = loop.description
    return out


def as_text(fields: dict[str, Any]) -> str:
    """Compact, key-sorted JSON (deterministic bytes); controls written as escapes."""
    from loopkit.text import json_safe

    return json_safe(json.dumps(fields, ensure_ascii=False, sort_keys=True,
                                separators=(",", ":")))


def unpack(value: Any) -> dict[str, Any]:
    """The attribute's fields, from an object or JSON text; ``{}`` when absent or unreadable."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    return value if isinstance(value, dict) else {}


def _text(fields: dict[str, Any], key: str, default: str | None) -> str | None:
    value = fields.get(key, default)
    return value if isinstance(value, str) or value is None else default


def _finite_number(value: Any) -> bool:
    """A JSON number usable as a coordinate (``float(10**400)`` raises OverflowError)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def apply_variable(fields: dict[str, Any], variable: Variable) -> Variable:
    """``variable`` with the packed fields laid over it (bad types are ignored)."""
    pos = fields.get("pos")
    good_pos = (isinstance(pos, list) and len(pos) == 2
                and all(_finite_number(p) for p in pos))
    label = fields.get("label")
    return Variable(
        variable.id, label.strip() if isinstance(label, str) and label.strip() else variable.label,
        _text(fields, "group", variable.group),
        _text(fields, "description", variable.description),
        (float(pos[0]), float(pos[1])) if good_pos else variable.pos,  # type: ignore[index]
        kind=fields["kind"] if fields.get("kind") in VARIABLE_KINDS else variable.kind,
    )


def apply_link(fields: dict[str, Any], link: Link) -> Link:
    polarity = link.polarity
    if fields.get("polarity") in ("+", "-", "?"):
        polarity = Polarity(fields["polarity"])
    evidence = fields.get("evidence")
    confidence = fields.get("confidence")
    sources = fields.get("sources")
    return Link(
        link.source, link.target, polarity,
        fields["delay"] if isinstance(fields.get("delay"), bool) else link.delay,
        _text(fields, "description", link.description),
        tuple(e for e in evidence if isinstance(e, str)) if isinstance(evidence, list)
        else link.evidence,
        confidence if confidence in ("low", "medium", "high") else link.confidence,
        sources=tuple(s for s in sources if isinstance(s, str)) if isinstance(sources, list)
        else link.sources,
    )


def loop_from_fields(fields: dict[str, Any], known: set[str]) -> DeclaredLoop | None:
    """A declared loop from packed fields, or None when they do not describe one."""
    loop_id, variables = fields.get("id"), fields.get("variables")
    if not isinstance(loop_id, str) or not isinstance(variables, list) or not variables:
        return None
    if not all(isinstance(v, str) and v in known for v in variables):
        return None
    kind = fields.get("type")
    return DeclaredLoop(loop_id, tuple(variables), _text(fields, "name", None),
                        LoopType(kind) if kind in ("reinforcing", "balancing") else None,
                        _text(fields, "description", None))
