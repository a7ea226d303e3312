"""The diagram file format (version 1) as pydantic models.

These models are the single source of truth for what a file may contain: the
loader validates with them and ``loopkit schema`` publishes their JSON Schema
for editors. They accept every spelling users write (compact links, ``id:
label`` variables, polarity words); ``loader.py`` normalises the result into
``model.Diagram``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from loopkit.model import COMPACT_LINK, POLARITY_SPELLINGS, parse_polarity

#: JSON Schema's ``$id``: names this schema (format version 1) for tools that cache or
#: bundle schemas; a name, not a download address (the schema ships with loopkit).
SCHEMA_ID = "urn:loopkit:schema:diagram:1"

#: Python's ``str.isspace`` characters, spelled out: ``\s`` differs between Python's
#: ``re`` (check-jsonschema) and ECMA-262 (editors), and ``str.strip`` uses these.
_WS = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

#: Characters other than the letter itself whose ``str.lower()`` is that ASCII letter
#: (KELVIN SIGN lowers to 'k'); tests/test_schema_property.py checks this is complete.
_OTHER_CASES = {"k": "\u212a"}


def _any_case(word: str) -> str:
    """A regex matching ``word`` in any case, without flags (JSON Schema has none)."""
    out = []
    for char in word:
        if char.isalpha():
            out.append(f"[{char.lower()}{char.upper()}{_OTHER_CASES.get(char.lower(), '')}]")
        else:
            # only '+' and '?' need a backslash; ECMA 'u' mode refuses an escaped '-'
            out.append("\\" + char if char in "+?" else char)
    return "".join(out)


COMPACT_PATTERN = (
    rf"^{_WS}*[^()]+?{_WS}*(->|\u2192){_WS}*[^()]+?{_WS}*"
    rf"\({_WS}*[^,()]+?{_WS}*(,{_WS}*{_any_case('delay')}({_any_case('ed')})?{_WS}*)?\){_WS}*$"
)

_POLARITY_SCHEMA = {
    "type": "string",
    # any case and surrounding white space, as parse_polarity reads it
    "pattern": f"^{_WS}*(" + "|".join(_any_case(word) for word in sorted(POLARITY_SPELLINGS))
    + f"){_WS}*$",
    "description": "'+' (same direction), '-' (opposite) or '?' (unknown); "
    "also s/same/positive, o/opposite/negative, unknown (any case), and U+2212.",
}


#: pydantic's lax bool, which ``delay`` keeps on purpose (``delay: yes`` reads as YAML 1.1
#: users mean it, although YAML 1.2 makes ``yes`` text): true/false, 0/1, and these words.
_DELAY_SCHEMA = {
    "anyOf": [
        {"type": "boolean"},
        {"enum": [0, 1]},
        {"type": "string", "pattern": "^(" + "|".join(
            _any_case(w) for w in ("0", "1", "f", "false", "n", "no", "off", "on", "t",
                                   "true", "y", "yes")) + ")$"},
    ],
    "default": False,
}


def _whole_number(value: Any) -> Any:
    """``version: true`` or ``1.0`` equal 1 in Python; the format says the number 1."""
    if isinstance(value, bool | float):  # other types: the Literal's own "must be 1"
        raise ValueError(f"version must be the number 1, not {value!r}")
    return value


def _check_polarity(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(
            f"polarity must be text such as '+' or '-', not {value!r}"
            + (" (quote it: \"-\")" if value is None else "")
        )
    return parse_polarity(value).value


PolarityText = Annotated[str, BeforeValidator(_check_polarity), WithJsonSchema(_POLARITY_SCHEMA)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class VariableSpec(_Strict):
    """A variable written as a mapping; ``id: label`` is the short form."""

    label: str | None = Field(None, description="Text shown in the diagram (default: the id).")
    group: str | None = Field(None, description="Group name, used for colour and legend.")
    description: str | None = Field(None, description="Free text explaining the variable.")
    # strict: "1.5" or true as a coordinate is a slip, and the schema says number
    pos: tuple[StrictFloat, StrictFloat] | None = Field(
        None, description="Optional layout pin [x, y] in inches, for rendering."
    )
    kind: Literal["stock", "flow"] | None = Field(
        None, description="'stock' (an accumulation) or 'flow' (a rate into or out of one), "
        "as in stock-and-flow models; leave out for anything else."
    )


def _variable_short_form(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"label": value}
    if not isinstance(value, dict):
        raise ValueError(
            f"a variable is a label or a mapping (label, group, ...), not {value!r}; "
            "quote a label that looks like a number or true/false"
        )
    return value


VariableEntry = Annotated[
    VariableSpec,
    BeforeValidator(_variable_short_form, json_schema_input_type=str | VariableSpec | None),
]


class LinkSpec(_Strict):
    """A causal link written as a mapping."""

    source: str = Field(alias="from", description="Id of the cause.")
    target: str = Field(alias="to", description="Id of the effect.")
    polarity: PolarityText
    delay: Annotated[bool, WithJsonSchema(_DELAY_SCHEMA)] = Field(
        False, description="True when the effect takes noticeably long.")
    description: str | None = None
    evidence: Annotated[
        list[str] | None, WithJsonSchema({"anyOf": [
            {"type": "string"}, {"type": "array", "items": {"type": "string"}},
            {"type": "null"}]})
    ] = Field(None, description="Sources that support this link (citations, URLs, notes); "
              "one text or a list.")
    confidence: Literal["low", "medium", "high"] | None = None
    sources: list[str] | None = Field(
        None, description="File names of the maps that drew this link (written by "
        "'loopkit merge')."
    )

    @field_validator("evidence", "sources", mode="before")
    @classmethod
    def _one_evidence(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def _link_short_form(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    match = COMPACT_LINK.match(value)
    if not match:
        raise ValueError(
            f"cannot read link {value!r}: write it as 'cause -> effect (+)' "
            "or 'cause -> effect (-, delay)'"
        )
    return {
        "from": match["source"],
        "to": match["target"],
        "polarity": match["polarity"],
        "delay": bool(match["delay"]),
    }


CompactLink = Annotated[
    str,
    Field(
        pattern=COMPACT_PATTERN,
        description="Compact form: 'cause -> effect (+)' or 'cause -> effect (-, delay)'.",
    ),
]

LinkEntry = Annotated[
    LinkSpec,
    BeforeValidator(_link_short_form, json_schema_input_type=CompactLink | LinkSpec),
]


class LoopSpec(_Strict):
    """A loop the author expects; its id's letter (R/B) states the expected type."""

    name: str | None = None
    variables: list[str] = Field(
        min_length=1, description="Variable ids in causal order, starting anywhere."
    )
    type: Literal["reinforcing", "balancing"] | None = Field(
        None, description="Expected type; defaults to what the id's letter says (R1, B2)."
    )
    description: str | None = None


class DiagramFile(_Strict):
    """A causal loop diagram file (loopkit format version 1)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        str_strip_whitespace=True,
        title="loopkit causal loop diagram",
        json_schema_extra={"patternProperties": {"^x-": {}}},
    )

    version: Annotated[Literal[1], BeforeValidator(_whole_number)] | None = Field(
        None, description="Format version (1).")
    title: str | None = None
    description: str | None = None
    variables: dict[str, VariableEntry] = Field(
        min_length=1, description="Variable id -> label, or id -> {label, group, ...}."
    )
    links: list[LinkEntry] = Field(description="Causal links, as mappings or compact strings.")
    loops: dict[str, LoopSpec] = Field(
        default_factory=dict, description="Loops the author names and expects to exist."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        """Users' own metadata lives under top-level ``x-...`` keys."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("x-")}
        return data


def json_schema() -> dict[str, Any]:
    """JSON Schema for editors (``# yaml-language-server: $schema=...``)."""
    schema = DiagramFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


#: Field names per model, for did-you-mean on unknown keys.
FIELD_NAMES: dict[str, list[str]] = {
    "top": ["version", "title", "description", "variables", "links", "loops"],
    "variable": list(VariableSpec.model_fields),
    "link": ["from", "to", "polarity", "delay", "description", "evidence", "confidence",
             "sources"],
    "loop": list(LoopSpec.model_fields),
}
