"""The diagram format: what is accepted and how it is normalised."""

from __future__ import annotations

import pytest

from loopkit.model import LoopType, Polarity
from loopkit.problems import DiagramError
from loopkit.read.load import parse_diagram


def _problems(text: str) -> list[str]:
    with pytest.raises(DiagramError) as info:
        parse_diagram(text, "d.yaml")
    return [str(p) for p in info.value.problems]


def test_yaml11_booleans_stay_strings_for_ids_and_labels() -> None:
    diagram = parse_diagram(
        "variables:\n  no: Norway\n  yes: on\n  on: off\n"
        "links:\n  - no -> yes (+)\n  - from: yes\n    to: on\n    polarity: o\n"
    )
    assert [v.id for v in diagram.variables] == ["no", "yes", "on"]
    assert diagram.by_id["yes"].label == "on"
    assert diagram.link_map[("yes", "on")].polarity is Polarity.NEGATIVE


@pytest.mark.parametrize(
    ("spelling", "polarity"),
    [("+", "+"), ("s", "+"), ("Same", "+"), ("positive", "+"), ("-", "-"), ("\u2212", "-"),
     ("o", "-"), ("OPPOSITE", "-"), ("negative", "-"), ("?", "?"), ("unknown", "?")],
)
def test_every_polarity_spelling(spelling: str, polarity: str) -> None:
    diagram = parse_diagram(
        f'variables: {{a: A, b: B}}\nlinks:\n  - {{from: a, to: b, polarity: "{spelling}"}}\n'
    )
    assert diagram.links[0].polarity is Polarity(polarity)


def test_compact_links_with_delay_and_unicode_arrow() -> None:
    diagram = parse_diagram(
        "variables: {a: A, b: B, c: C}\nlinks:\n  - a -> b (-, delay)\n  - b \u2192 c (+)\n"
        "  - c->a(?)\n"
    )
    a_b, b_c, c_a = diagram.links
    assert (a_b.polarity, a_b.delay) == (Polarity.NEGATIVE, True)
    assert (b_c.source, b_c.target, b_c.delay) == ("b", "c", False)
    assert c_a.polarity is Polarity.UNKNOWN


def test_short_and_long_variable_forms_and_positions() -> None:
    diagram = parse_diagram(
        "variables:\n  a: Alpha\n  b:\n    label: Beta\n    group: g\n  c:\nlinks: []\n"
    )
    a, b, c = diagram.variables
    assert (a.label, b.label, b.group, c.label) == ("Alpha", "Beta", "g", "c")
    assert (a.where.line, a.where.column) == (2, 3)


def test_user_metadata_under_x_keys_is_kept() -> None:
    diagram = parse_diagram("x-owner: team\nvariables: {a: A}\nlinks: []\n")
    assert diagram.extensions == {"x-owner": "team"}


def test_loop_type_from_id_letter_or_explicit_type() -> None:
    diagram = parse_diagram(
        "variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (+)]\n"
        "loops:\n  R7: {variables: [a, b]}\n  Main: {variables: [b, a], type: balancing}\n"
        "  Other: {variables: [a, b]}\n"
    )
    types = {loop.id: loop.type for loop in diagram.loops}
    assert types == {"R7": LoopType.REINFORCING, "Main": LoopType.BALANCING, "Other": None}


def test_label_used_instead_of_id_gets_a_hint() -> None:
    [line] = _problems("variables: {fines: Fines issued}\nlinks: [Fines issued -> fines (+)]\n")
    assert "did you mean 'fines'?" in line and line.startswith("d.yaml:2:9:")


def test_loop_repeating_a_variable_is_an_error() -> None:
    [line] = _problems(
        "variables: {a: A, b: B}\nlinks: [a -> b (+)]\nloops:\n  R1: {variables: [a, b, a]}\n"
    )
    assert "appears twice" in line


def test_bom_and_crlf_are_fine() -> None:
    diagram = parse_diagram("\ufeffvariables:\r\n  a: A\r\nlinks: []\r\n")
    assert diagram.variables[0].label == "A"


def test_plain_scalars_resolve_with_the_core_schema_and_quoted_stay_text() -> None:
    diagram = parse_diagram(
        'version: 1\nvariables:\n  a: {label: "1", pos: [1.5, 2]}\n  b: "1"\n'
        "links:\n  - {from: a, to: b, polarity: '+', delay: true}\n"
    )
    a, b = diagram.variables
    assert (a.label, a.pos, b.label) == ("1", (1.5, 2.0), "1")
    assert diagram.links[0].delay is True


def test_number_as_label_asks_for_quotes() -> None:
    [line] = _problems("variables:\n  a: 1\nlinks: []\n")
    assert line.startswith("d.yaml:2:6: variable 'a': a variable is a label or a mapping")


def test_variable_kind_is_read_and_optional() -> None:
    """``kind: stock|flow`` marks stock-and-flow variables; leaving it out means 'not known'."""
    d = parse_diagram(
        "variables:\n  a: {label: A, kind: stock}\n  b: {kind: flow}\n  c: C\n"
        "links: [b -> a (+)]\n", "k.yaml")
    assert [v.kind for v in d.variables] == ["stock", "flow", None]


def test_variable_kind_allows_only_stock_and_flow() -> None:
    with pytest.raises(DiagramError, match=r"k\.yaml:2:23: variable 'a' 'kind': must be "
                       r"'stock' or 'flow'"):
        parse_diagram("variables:\n  a: {label: A, kind: auxiliary}\nlinks: []\n", "k.yaml")
