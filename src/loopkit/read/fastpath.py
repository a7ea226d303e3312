"""Validate an ordinary, valid diagram file without importing pydantic.

Importing pydantic and building the ``schema.py`` models costs more than a whole
``loopkit loops`` run on a small file. Almost every file a user runs is valid
and written plainly, so ``entries`` checks that common case by hand and returns
the fields exactly as the pydantic models would give them. Whenever it is not
sure -- any wrong type, unknown key, odd number, unusual whitespace -- it
returns ``None`` and the loader validates with pydantic, so every error message
still comes from one place. Rule: only accept what pydantic accepts, and give
identical values (``tests/test_fastpath.py`` checks both with hypothesis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from loopkit.model import COMPACT_LINK, parse_polarity

#: What pydantic-core's ``str_strip_whitespace`` removes: Rust's ``str::trim``,
#: Unicode White_Space. Python's ``str.strip`` removes more (U+001C..U+001F), so
#: text whose ends differ between the two goes to pydantic.
_WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(
    chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"

#: Integers up to this size convert to float exactly; larger ones go to pydantic.
_MAX_EXACT_INT = 2**53

_TOP_KEYS = frozenset({"version", "title", "description", "variables", "links", "loops"})
_VARIABLE_KEYS = frozenset({"label", "group", "description", "pos", "kind"})
_KINDS = frozenset({"stock", "flow"})
#: Only the spellings users write (``from``/``to``); the field names ``source``
#: and ``target`` are also accepted by pydantic, but rarely used: not sure here.
_LINK_KEYS = frozenset({"from", "to", "polarity", "delay", "description", "evidence",
                        "confidence", "sources"})
_LOOP_KEYS = frozenset({"name", "variables", "type", "description"})
_CONFIDENCE = frozenset({"low", "medium", "high"})
_LOOP_TYPES = frozenset({"reinforcing", "balancing"})


@dataclass(frozen=True, slots=True)
class VariableFields:
    """The fields of ``schema.VariableSpec``, as pydantic would set them."""

    label: str | None = None
    group: str | None = None
    description: str | None = None
    pos: tuple[float, float] | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class LinkFields:
    """The fields of ``schema.LinkSpec``; ``polarity`` is '+', '-' or '?'."""

    source: str
    target: str
    polarity: str
    delay: bool = False
    description: str | None = None
    evidence: list[str] | None = None
    confidence: str | None = None
    sources: list[str] | None = None


@dataclass(frozen=True, slots=True)
class LoopFields:
    """The fields of ``schema.LoopSpec``."""

    variables: list[str]
    name: str | None = None
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Entries:
    """Validated entries in file order, keyed as ``loader._normalise`` reads them.

    The loader fills it with pydantic's specs when the fast path is unsure: they
    have the same field names, so ``_normalise`` reads either.
    """

    variables: list[tuple[str, VariableFields]]
    links: list[tuple[int, LinkFields]]
    loops: list[tuple[str, LoopFields]]


class _Unsure(Exception):
    """Raised anywhere below: leave this file to pydantic."""


def entries(data: Any) -> Entries | None:
    """The validated entries of ``data``, or ``None`` when pydantic must decide.

    ``data`` is what ``yamlsource.parse_yaml`` returned. A result means the
    whole file passes ``schema.DiagramFile`` and each entry equals what its
    pydantic ``TypeAdapter`` would return.
    """
    try:
        return _diagram(data)
    except _Unsure:
        return None


def _diagram(data: Any) -> Entries:
    if type(data) is not dict or "variables" not in data or "links" not in data:
        raise _Unsure
    for key, value in data.items():
        if type(key) is not str:
            raise _Unsure
        if key.startswith("x-"):
            continue
        if key not in _TOP_KEYS:
            raise _Unsure
        if key == "version":
            if value is not None and not (type(value) is int and value == 1):
                raise _Unsure
        elif key in ("title", "description"):
            _optional_text(value)
    raw_variables, raw_links = data["variables"], data["links"]
    raw_loops = data.get("loops", {})
    if type(raw_variables) is not dict or not raw_variables or type(raw_links) is not list \
            or type(raw_loops) is not dict:
        raise _Unsure
    return Entries(
        [(_key(vid), _variable(spec)) for vid, spec in raw_variables.items()],
        [(i, _link(spec)) for i, spec in enumerate(raw_links)],
        [(_key(loop_id), _loop(spec)) for loop_id, spec in raw_loops.items()],
    )


def _text(value: Any) -> str:
    """A ``str`` field under ``str_strip_whitespace=True``."""
    if type(value) is not str:
        raise _Unsure
    text = value.strip(_WHITE_SPACE)
    if text != text.strip() or not _encodable(text):
        raise _Unsure
    return text


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _encodable(text: str) -> bool:
    """Lone surrogates (``"\\ud800"`` in YAML) are for pydantic to judge."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _key(value: Any) -> str:
    """A mapping key: validated as ``str`` but used as written."""
    if type(value) is not str or not _encodable(value):
        raise _Unsure
    return value


def _fields(value: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if type(value) is not dict or not allowed.issuperset(value):
        raise _Unsure
    return value


def _variable(value: Any) -> VariableFields:
    if value is None:
        return VariableFields()
    if type(value) is str:
        return VariableFields(label=_text(value))
    spec = _fields(value, _VARIABLE_KEYS)
    kind = spec.get("kind")
    if kind is not None and (type(kind) is not str or kind not in _KINDS):
        raise _Unsure
    return VariableFields(_optional_text(spec.get("label")), _optional_text(spec.get("group")),
                          _optional_text(spec.get("description")), _pos(spec.get("pos")), kind)


def _pos(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if type(value) is not list or len(value) != 2:
        raise _Unsure
    x, y = _number(value[0]), _number(value[1])
    return (x, y)


def _number(value: Any) -> float:
    if type(value) is int and abs(value) <= _MAX_EXACT_INT:
        return float(value)
    if type(value) is float and math.isfinite(value):
        return value
    raise _Unsure


def _polarity(value: Any) -> str:
    if type(value) is not str:
        raise _Unsure
    try:
        return parse_polarity(value).value
    except ValueError:
        raise _Unsure from None


def _link(value: Any) -> LinkFields:
    if type(value) is str:
        match = COMPACT_LINK.match(value)
        if not match:
            raise _Unsure
        return LinkFields(_text(match["source"]), _text(match["target"]),
                          _polarity(match["polarity"]), bool(match["delay"]))
    spec = _fields(value, _LINK_KEYS)
    if "from" not in spec or "to" not in spec or "polarity" not in spec:
        raise _Unsure
    delay = spec.get("delay", False)
    confidence = spec.get("confidence")
    if type(delay) is not bool or (confidence is not None and (
            type(confidence) is not str or confidence not in _CONFIDENCE)):
        raise _Unsure
    return LinkFields(_text(spec["from"]), _text(spec["to"]), _polarity(spec["polarity"]),
                      delay, _optional_text(spec.get("description")),
                      _evidence(spec.get("evidence")), confidence,
                      _evidence(spec.get("sources")))


def _evidence(value: Any) -> list[str] | None:
    if value is None:
        return None
    if type(value) is str:
        return [_text(value)]
    if type(value) is not list:
        raise _Unsure
    return [_text(item) for item in value]


def _loop(value: Any) -> LoopFields:
    spec = _fields(value, _LOOP_KEYS)
    variables = spec.get("variables")
    loop_type = spec.get("type")
    if type(variables) is not list or not variables or (loop_type is not None and (
            type(loop_type) is not str or loop_type not in _LOOP_TYPES)):
        raise _Unsure
    return LoopFields([_text(name) for name in variables], _optional_text(spec.get("name")),
                      loop_type, _optional_text(spec.get("description")))
