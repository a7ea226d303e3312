"""Lookups that are not monotone: signed over the input's provable range, or by the slope
where the model starts (--lookup-signs), always said, never guessed silently."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.interop import import_text
from loopkit.interop.sdexpr import Context, direction_at, evaluate, interpolate, parse

#: A U-shaped table: falls from 0 to 2, rises from 2 to 4 (like World3's crowding table).
U_TABLE = "u table((0,4),(1,2),(2,1),(3,2),(4,4))"


def mdl(*equations: str) -> str:
    body = "".join(f"{eq}\n\t~\t\t|\n" for eq in equations)
    return "{UTF-8}\n" + body


def links(text: str, name: str = "m.mdl", **options: object) -> dict[tuple[str, str], object]:
    return {lk.key: lk for lk in import_text(text, name, **options).diagram.links}


def notes(text: str, name: str = "m.mdl", **options: object) -> tuple[str, ...]:
    return import_text(text, name, **options).notes


def test_direction_at_a_point_and_the_run_around_it() -> None:
    table = [(0, 4), (1, 2), (2, 1), (3, 2), (4, 4)]
    assert direction_at(table, 0.5) == (-1, 0, 2)
    assert direction_at(table, 1) == (-1, 0, 2)  # between two falling segments
    assert direction_at(table, 3.5) == (1, 2, 4)
    assert direction_at(table, 2)[0] == 0  # the turning point
    assert direction_at(table, -1)[0] == 0 and direction_at(table, 5)[0] == 0  # clamped
    flat = [(0, 0), (1, 1), (2, 1), (3, 2), (4, 0)]
    assert direction_at(flat, 0.5) == (1, 0, 3)  # widens over the flat part
    assert direction_at(flat, 1.5)[0] == 0  # on the flat part itself: no slope


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=2, max_size=8), st.floats(0, 1))
def test_direction_at_agrees_with_brute_force(ys: list[int], where: float) -> None:
    """Oracle: the table's numeric slope at x, and monotonicity sampled over the run."""
    table = [(float(i), float(y)) for i, y in enumerate(ys)]
    x = where * (len(ys) - 1)
    sign, low, high = direction_at(table, x)
    h = 1e-6
    if sign == 0 or any(abs(x - i) < 2 * h for i in range(len(ys))):
        return  # at (or a rounding error from) a table point the slope changes there
    left, right = interpolate(table, max(x - h, 0)), interpolate(table, min(x + h, len(ys) - 1))
    assert (right - left) * sign > 0
    samples = [low + (high - low) * k / 200 for k in range(201)]
    values = [interpolate(table, s) for s in samples]
    assert all((b - a) * sign >= -1e-9 for a, b in pairwise(values))
    assert low <= x <= high


def context(values: dict[str, float], tables: dict[str, list[tuple[float, float]]],
            start: float | None = 0.0) -> Context:
    return Context(lambda n: n.lower() if n.lower() in {*values, *tables} else "",
                   lambda key: 1, lambda key: tables.get(key),
                   initial_value=lambda key: values.get(key), start_time=start)


@pytest.mark.parametrize(("expression", "expected"), [
    ("a * 2 + b", 7.0),
    ("INTEG(a, b)", 5.0),                     # a stock starts at its initial value
    ("SMOOTH(a, 3)", 1.0),                    # a smooth starts at its input
    ("SMOOTHI(a, 3, b)", 5.0),                # ... or at its initial argument
    ("DELAY FIXED(a, 3, 9)", 9.0),
    ("IF THEN ELSE(Time >= 1900, a, b)", 5.0),  # the start time is 0 here
    ("STEP(4, 0)", 4.0),
    ("t(b)", 3.0),                            # a lookup: linear between points
    ("t(100)", 5.0),                          # clamped past the end
    ("MAX(a, b) - MIN(a, b)", 4.0),
    ("a > 0 :AND: b < 0", 0.0),
    ("a > 0 :OR: b < 0", 1.0),
    ("XIDZ(a, 0, 7)", 7.0),
    ("ACTIVE INITIAL(a, b)", 1.0),            # at the start: the active equation
    ("INTEG(a, ACTIVE INITIAL(a, b))", 5.0),  # while initialising: its initial value
    ("IF THEN ELSE(:NOT: a > 5, 1, 2)", None),  # NOT's binding is uncertain: not computed
])
def test_evaluate_at_the_initial_time(expression: str, expected: float | None) -> None:
    ctx = context({"a": 1.0, "b": 5.0}, {"t": [(0, 0), (10, 6), (20, 5)]})
    found = evaluate(parse(expression, "vensim"), ctx)
    assert found == (pytest.approx(expected) if expected is not None else None)
    assert not ctx.initialising  # restored after an initial-value argument


@pytest.mark.parametrize("expression", ["a / 0", "NOVEL(a)", "c + 1", "RAMP(1, -5)",
                                        "LN(0 - a)"])
def test_evaluate_gives_none_when_the_value_is_not_exact(expression: str) -> None:
    assert evaluate(parse(expression, "vensim"), context({"a": 1.0}, {})) is None


def test_the_initial_state_signs_a_u_shaped_lookup_and_says_so() -> None:
    text = mdl("S = INTEG(inflow, 0.5)", "inflow = effect", "effect = u table(S)", U_TABLE)
    found = links(text)
    link = found[("s", "effect")]
    assert link.polarity.value == "-"
    assert link.description == (
        "Sign from the equation: u table is not monotone; its input starts at 0.5, where the "
        "table falls (over x from 0 to 2): signed for that state.")
    said = notes(text)
    assert any(n.startswith("1 link signed through a lookup that is not monotone, by its "
                            "slope where the model starts") and "(e.g. s -> effect)" in n
               for n in said)
    strict = links(text, lookup_signs="strict")
    assert strict[("s", "effect")].polarity.value == "?"
    assert strict[("s", "effect")].description is None
    assert any(n.startswith("1 lookup neither rising nor falling throughout") and
               "u table: not monotone (--lookup-signs strict)" in n
               for n in notes(text, lookup_signs="strict"))


def test_a_start_on_the_rising_side_or_the_turning_point() -> None:
    rising = links(mdl("S = INTEG(inflow, 3.5)", "inflow = u table(S)", U_TABLE))
    assert rising[("s", "inflow")].polarity.value == "+"
    turning = mdl("S = INTEG(inflow, 2)", "inflow = u table(S)", U_TABLE)
    assert links(turning)[("s", "inflow")].polarity.value == "?"
    assert any("u table: not monotone, and its input starts at 2, on a flat part or a "
               "turning point" in n for n in notes(turning))
    outside = mdl("S = INTEG(inflow, 9)", "inflow = u table(S)", U_TABLE)
    assert links(outside)[("s", "inflow")].polarity.value == "?"
    assert any("starts at 9, outside the table's x range" in n for n in notes(outside))


def test_an_input_whose_start_cannot_be_computed_stays_unsigned() -> None:
    text = mdl("S = INTEG(inflow, MYSTERY(1))", "inflow = u table(S)", U_TABLE)
    assert links(text)[("s", "inflow")].polarity.value == "?"
    assert any("its input's initial value could not be computed" in n for n in notes(text))
    chain = [f"v{i} = v{i + 1} * 1" for i in range(400)] + ["v400 = 1", "y = u table(v0)",
                                                            U_TABLE]
    deep = links(mdl(*chain))  # a chain longer than the bound: no value, no crash
    assert deep[("v0", "y")].polarity.value == "?"


def test_the_provable_range_signs_exactly_and_first() -> None:
    # The input is another table's output, always in [0.5, 1.5]: the falling part.
    text = mdl("x = bounded(S)", "bounded((0,0.5),(10,1.5))", "y = u table(x)", U_TABLE,
               "S = INTEG(y, 100)")
    for mode in ("range", "initial"):
        found = links(text, lookup_signs=mode)
        assert found[("x", "y")].polarity.value == "-"
        assert "its input stays in [0.5, 1.5], where it falls" in found[("x", "y")].description
        assert any(n.startswith("1 link signed through a lookup that is not monotone, over "
                                "the range its input provably stays in") for n in
                   notes(text, lookup_signs=mode))
    unbounded = mdl("S = INTEG(inflow, 0.5)", "inflow = u table(S)", U_TABLE)
    assert links(unbounded, lookup_signs="range")[("s", "inflow")].polarity.value == "?"


def test_with_lookup_and_xmile_graphical_functions_follow_the_policy() -> None:
    assert links(mdl("a = 0.5", "y = WITH LOOKUP(a, ((0,4),(1,2),(2,1),(3,2)))"))[
        ("a", "y")].polarity.value == "-"
    xmile = ('<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">'
             "<sim_specs><start>0</start><stop>10</stop></sim_specs><model><variables>"
             '<stock name="S"><eqn>3.5</eqn><inflow>f</inflow></stock>'
             '<flow name="f"><eqn>S</eqn><gf><xscale min="0" max="4"/>'
             "<ypts>4,2,1,2,4</ypts></gf></flow></variables></model></xmile>")
    found = links(xmile, "m.xmile")
    assert found[("s", "f")].polarity.value == "+"
    assert "f's graph is not monotone; its input starts at 3.5" in found[("s", "f")].description
    assert links(xmile, "m.xmile", lookup_signs="strict")[("s", "f")].polarity.value == "?"


def test_a_lookup_of_time_is_not_signed_by_its_start() -> None:
    """A table of Time (a pattern a run sweeps through) has no sign at the start."""
    text = mdl("INITIAL TIME = 0.5", "y = u table(Time / k)", U_TABLE, "k = 1")
    assert links(text)[("k", "y")].polarity.value == "?"
    assert any("u table: not monotone, and its input follows Time" in n for n in notes(text))
    # Time as a switch is not a sweep; Time through another variable is not traced.
    switch = mdl("INITIAL TIME = 0", "y = u table(IF THEN ELSE(Time > 9, 3.5, x))", "x = 3.5",
                 U_TABLE)
    assert links(switch)[("x", "y")].polarity.value == "+"
    rising = mdl("INITIAL TIME = 3", "x = Time", "y = u table(x)", U_TABLE)
    assert links(rising)[("x", "y")].polarity.value == "+"
    assert evaluate(parse("Time", "vensim"), context({}, {}, start=3.0)) == 3.0
    assert evaluate(parse("Time", "vensim"), context({}, {}, start=None)) is None


def test_cli_lookup_signs_option(tmp_path) -> None:
    from typer.testing import CliRunner

    from loopkit.cli import app

    path = tmp_path / "m.mdl"
    path.write_text(mdl("S = INTEG(inflow, 0.5)", "inflow = u table(S)", U_TABLE),
                    encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(path)])
    assert done.exit_code == 0 and "polarity: \"-\"" in done.stdout
    assert "by its slope where the model starts" in done.stderr
    strict = runner.invoke(app, ["import", str(path), "--lookup-signs", "strict"])
    assert strict.exit_code == 0 and "s -> inflow (?)" in strict.stdout
    wrong = runner.invoke(app, ["import", str(path), "--lookup-signs", "guess"])
    assert wrong.exit_code == 2 and "choose strict, range or initial" in wrong.stderr


def test_interpolate_matches_linear_interpolation() -> None:
    table = [(0.0, 0.0), (2.0, 4.0), (3.0, 1.0)]
    assert interpolate(table, 1.0) == 2.0 and interpolate(table, 2.5) == 2.5
    assert interpolate(table, -1.0) == 0.0 and interpolate(table, 9.0) == 1.0
    assert math.isclose(interpolate([(0.0, 1.0)], 5.0), 1.0)


def test_a_lookup_read_from_data_or_flat_says_why_it_is_unsigned() -> None:
    data = mdl("y = ext(x)", "ext(GET XLS LOOKUPS('in.xls', 'S', '4', 'C5'))", "x = 1")
    assert links(data)[("x", "y")].polarity.value == "?"
    assert any("ext: its points are not in the file" in n for n in notes(data))
    flat = mdl("y = level(x)", "level((0,0),(1,0))", "x = 1")
    assert links(flat)[("x", "y")].polarity.value == "?"
    assert any("level: flat: its output never changes, no effect" in n for n in notes(flat))


def test_a_drawn_sign_wins_over_a_sign_from_the_initial_state() -> None:
    """The modeller's arrow outranks a local sign; no contradiction warning is raised."""
    sketch = ("\\\\\\---/// Sketch information\nV300  Do not put anything below this section\n"
              "*View 1\n10,1,S,10,10,40,20,3,3,0,0,0,0,0,0\n"
              "10,2,inflow,100,10,40,20,8,3,0,0,0,0,0,0\n"
              "1,3,1,2,0,0,43,0,0,64,0,-1--1--1,,1|(50,10)|\n")
    text = mdl("S = INTEG(inflow, 0.5)", "inflow = u table(S)", U_TABLE) + sketch
    result = import_text(text, "m.mdl")
    link = next(lk for lk in result.diagram.links if lk.key == ("s", "inflow"))
    assert link.polarity.value == "+" and link.description is None  # drawn +, start says -
    assert result.warnings == ()
    assert any(n.startswith("1 drawn sign kept on links through a lookup that is not "
                            "monotone") for n in result.notes)


def test_xmile_initial_values_apply_a_variables_own_graph() -> None:
    """An aux whose equation is a constant and that has a <gf> starts at gf(constant)
    (regression: the constant itself was taken)."""
    from loopkit.interop.xmile import initial_values

    xmile = ('<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">'
             "<sim_specs><start>5</start></sim_specs><model><variables>"
             '<aux name="shaped"><eqn>0</eqn><gf><xpts>0,1</xpts><ypts>1,0.5</ypts></gf></aux>'
             '<aux name="clock"><eqn>TIME * 2</eqn></aux>'
             '<stock name="S"><eqn>shaped + 1</eqn></stock>'
             "</variables></model></xmile>")
    assert initial_values(xmile) == {"shaped": 1.0, "clock": 10.0, "s": 2.0}
