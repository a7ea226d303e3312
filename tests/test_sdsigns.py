"""Link signs from SD equations: the parser and the monotonicity rules, one rule per case."""

from __future__ import annotations

import pytest

from loopkit.interop import import_text
from loopkit.interop.sdexpr import ExpressionError, parse, table_direction


def mdl(*equations: str) -> str:
    """A Vensim model of ``name = expression`` lines (no sketch)."""
    body = "".join(f"{eq}\n\t~\t\t|\n" for eq in equations)
    return "{UTF-8}\n" + body


def signs(text: str, name: str = "m.mdl", **options: object) -> dict[tuple[str, str], str]:
    result = import_text(text, name, **options)
    return {lk.key: lk.polarity.value for lk in result.diagram.links}


CONSTANTS = ("a = 1", "b = 0.5", "d = 3", "e = 4", "k = -2", "t = 2")


@pytest.mark.parametrize(("equation", "expected"), [
    ("y = a + b - d", {"a": "+", "b": "+", "d": "-"}),
    ("y = a * k", {"a": "-", "k": "+"}),            # k is a negative constant
    ("y = a / d", {"a": "+", "d": "-"}),
    ("y = d / (a - e)", {"d": "+", "a": "-", "e": "+"}),  # a divisor falls whatever its sign
    ("y = -a", {"a": "-"}),
    ("y = a ^ 2", {"a": "+"}),
    ("y = a ^ -1", {"a": "-"}),
    ("y = MIN(a, d) + MAX(b, e)", {"a": "+", "d": "+", "b": "+", "e": "+"}),
    ("y = IF THEN ELSE(a > 1, b, d)", {"a": "?", "b": "+", "d": "+"}),
    ("y = IF THEN ELSE(a > 1, b, -d)", {"a": "?", "b": "+", "d": "-"}),
    ("y = IF THEN ELSE(b > 1, b, 0)", {"b": "?"}),   # the condition depends on it too
    ("y = SMOOTH(a, t)", {"a": "+", "t": "-"}),
    ("y = DELAY FIXED(a * k, t, b)", {"a": "-", "k": "+", "t": "-"}),  # b: initial only
    ("y = ACTIVE INITIAL(a * 2, b)", {"a": "+"}),
    ("y = INITIAL(a)", {}),
    ("y = EXP(a) - LN(b)", {"a": "+", "b": "-"}),
    ("y = ZIDZ(a, d)", {"a": "+", "d": "-"}),
    ("y = STEP(a, t)", {"a": "+", "t": "?"}),
    ("y = a :AND: b", {"a": "?", "b": "?"}),
    ("y = WITH LOOKUP(a, ([(0,0)-(2,2)],(0,2),(1,1),(2,0)))", {"a": "-"}),
    ("y = WITH LOOKUP(a, ((0,0),(1,2),(2,1)))", {"a": "?"}),
])
def test_vensim_rules(equation: str, expected: dict[str, str]) -> None:
    found = signs(mdl(equation, *CONSTANTS))
    assert {s: p for (s, t), p in found.items() if t == "y"} == expected


def test_stock_flows_and_initial_value_dependencies() -> None:
    text = mdl("S = INTEG(inflow - outflow, init)", "inflow = a * S", "outflow = S / t",
               "init = 10", *CONSTANTS)
    found = signs(text)
    assert found[("inflow", "s")] == "+" and found[("outflow", "s")] == "-"
    assert found[("s", "inflow")] == "+" and found[("t", "outflow")] == "-"
    assert ("init", "s") not in found  # only the initial value: not a causal link
    kept = signs(text, keep_initial=True)
    assert kept[("init", "s")] == "?"
    notes = "\n".join(import_text(text, "m.mdl").notes)
    assert "1 dependency only through an initial value" in notes and "dropped" in notes


def test_stock_sign_follows_a_negative_initial_value() -> None:
    found = signs(mdl("S = INTEG(a, -5)", "y = a * S", *CONSTANTS))
    assert found[("a", "y")] == "-" and found[("s", "y")] == "+"


def test_product_with_one_unknown_factor_takes_its_sign_from_the_result() -> None:
    # food >= 0 (a quantity) and land > 0, so (1 - loss) >= 0 and land raises food.
    found = signs(mdl("food = land * (1 - loss)", "land = INTEG(a, 5)", "loss = 0.1", "a = 1"))
    assert found[("land", "food")] == "+" and found[("loss", "food")] == "-"


def test_lookup_tables_sign_their_calls() -> None:
    text = mdl("y = rising(a) + falling(b) + bumpy(d)", "rising((0,0),(1,1),(2,1))",
               "falling([(0,0)-(2,2)],(0,1),(1,0.5),(2,0))", "bumpy((0,0),(1,1),(2,0))",
               *CONSTANTS)
    found = signs(text)
    assert (found[("a", "y")], found[("b", "y")], found[("d", "y")]) == ("+", "-", "?")


def test_unparseable_equation_falls_back_with_a_note() -> None:
    result = import_text(mdl("y = a + * b", *CONSTANTS), "m.mdl")
    found = {lk.key: lk.polarity.value for lk in result.diagram.links}
    assert found == {("a", "y"): "?", ("b", "y"): "?"}
    assert any("could not parse" in n and "line 2" in n for n in result.notes)


def test_parser_reads_both_dialects_and_refuses_garbage() -> None:
    assert parse("IF a > b THEN c ELSE d", "xmile")[0] == "call"
    assert parse("a MOD b", "xmile") == ("arith", ("var", "a"), "mod", ("var", "b"))
    assert parse("development cost table ( x / y )", "vensim")[1] == "development cost table"
    with pytest.raises(ExpressionError):
        parse("a + (", "vensim")
    with pytest.raises(ExpressionError):
        parse("((((" * 5000, "xmile")


def test_table_direction() -> None:
    assert table_direction([(0, 0), (1, 1), (2, 1)]) == 1
    assert table_direction([(2, 0), (0, 1)]) == -1  # points are sorted by x first
    assert table_direction([(0, 1), (1, 1)]) == 0
    assert table_direction([(0, 0), (1, 2), (2, 1)]) == 0
