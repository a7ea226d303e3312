"""``Diagram`` -> loopkit YAML text: deterministic, readable, and read back unchanged.

Importers end here, so the output must be a file a person is happy to keep in
git: compact ``a -> b (+)`` links where possible, ``id: label`` variables, and
quotes only where YAML (1.1 or 1.2, any tool) could misread a value: ``no``,
``-``, ``1.5``, ``a: b``, ``x #y``. No YAML library is used for writing, so
the bytes are the same on every machine and PyYAML version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Variable

#: Words some YAML reader (1.1 booleans and nulls included) turns into non-strings.
_RESERVED = {
    "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
}
_NUMBERISH = re.compile(
    r"^[-+]?(?:\.?[0-9][0-9_.:,eE+-]*|\.?(?:inf|nan)|0[xob][0-9a-fA-F_]+)$", re.IGNORECASE
)
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
#: Characters a plain scalar may not start with.
_BAD_START = set("-?:,[]{}#&*!|>'\"%@` \t")
#: Characters that end a plain scalar inside ``[a, b]`` flow lists.
_FLOW_BAD = set(",[]{}")


def scalar(text: str, *, flow: bool = False) -> str:
    """``text`` as a YAML scalar: plain when every reader reads it back as this string."""
    if _is_plain(text, flow=flow):
        return text
    return quote(text)


def quote(text: str) -> str:
    """A double-quoted YAML scalar (JSON string escapes are valid YAML escapes)."""
    out = json.dumps(text, ensure_ascii=False)
    # YAML allows fewer raw characters than JSON: escape DEL, C1 controls, line
    # separators and non-characters, which JSON leaves as they are.
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", out)


def _is_plain(text: str, *, flow: bool) -> bool:
    if text.lower() in _RESERVED or _NUMBERISH.match(text):
        return False
    if text[0] in _BAD_START or text[-1] in " \t:" or text != text.strip():
        return False
    if ": " in text or " #" in text or "\t" in text:
        return False
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\ufeff\u2028\u2029" for c in text):
        return False
    return not (flow and any(c in _FLOW_BAD for c in text))


def _compact(link: Link) -> str | None:
    """``a -> b (+)`` when the loader's compact-link pattern reads it back exactly."""
    from loopkit.model import COMPACT_LINK

    if link.description or link.evidence or link.confidence or link.sources:
        return None
    delay = ", delay" if link.delay else ""
    text = f"{link.source} -> {link.target} ({link.polarity.value}{delay})"
    match = COMPACT_LINK.match(text)
    if not match or (match["source"], match["target"]) != (link.source, link.target):
        return None
    return scalar(text)


def _variable(variable: Variable) -> list[str]:
    key = scalar(variable.id)
    extra = [(name, value) for name, value in (("group", variable.group),
                                               ("description", variable.description),
                                               ("kind", variable.kind))
             if value is not None]
    if not extra and variable.pos is None:
        return [f"  {key}: {scalar(variable.label)}"]
    lines = [f"  {key}:", f"    label: {scalar(variable.label)}"]
    lines += [f"    {name}: {scalar(value)}" for name, value in extra]
    if variable.pos is not None:
        lines.append(f"    pos: [{_number(variable.pos[0])}, {_number(variable.pos[1])}]")
    return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _link(link: Link) -> list[str]:
    compact = _compact(link)
    if compact is not None:
        return [f"  - {compact}"]
    lines = [f"  - from: {scalar(link.source)}", f"    to: {scalar(link.target)}",
             f"    polarity: {quote(link.polarity.value)}"]
    if link.delay:
        lines.append("    delay: true")
    if link.description:
        lines.append(f"    description: {scalar(link.description)}")
    if link.evidence:
        lines.append("    evidence:")
        lines += [f"      - {scalar(item)}" for item in link.evidence]
    if link.confidence:
        lines.append(f"    confidence: {scalar(link.confidence)}")
    if link.sources:
        lines.append(f"    sources: [{', '.join(scalar(s, flow=True) for s in link.sources)}]")
    return lines


def _loop(loop: DeclaredLoop) -> list[str]:
    lines = [f"  {scalar(loop.id)}:"]
    if loop.name:
        lines.append(f"    name: {scalar(loop.name)}")
    letter = LoopType.from_id(loop.id)
    if loop.type in (LoopType.REINFORCING, LoopType.BALANCING) and loop.type is not letter:
        lines.append(f"    type: {loop.type.value}")
    if loop.description:
        lines.append(f"    description: {scalar(loop.description)}")
    items = ", ".join(scalar(v, flow=True) for v in loop.variables)
    lines.append(f"    variables: [{items}]")
    return lines


def _extension(key: str, value: Any) -> list[str]:
    """``x-...`` metadata, written as JSON (which is YAML) so any value round-trips."""
    return [f"{scalar(key)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"]


def write_yaml(diagram: Diagram, *, header: Iterable[str] = ()) -> str:
    """The diagram as loopkit YAML; ``header`` lines become ``#`` comments at the top."""
    lines = [f"# {line}".rstrip() for text in header for line in text.splitlines()]
    lines.append("version: 1")
    if diagram.title:
        lines.append(f"title: {scalar(diagram.title)}")
    if diagram.description:
        lines.append(f"description: {scalar(diagram.description)}")
    lines.append("variables:")
    for variable in diagram.variables:
        lines += _variable(variable)
    lines.append("links:" if diagram.links else "links: []")
    for link in diagram.links:
        lines += _link(link)
    if diagram.loops:
        lines.append("loops:")
        for loop in diagram.loops:
            lines += _loop(loop)
    for key in sorted(diagram.extensions):
        if str(key).startswith("x-"):
            lines += _extension(str(key), diagram.extensions[key])
    return "\n".join(lines) + "\n"
