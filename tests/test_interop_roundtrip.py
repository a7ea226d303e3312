"""loopkit -> X -> loopkit keeps what X can hold, on every example; the YAML writer is exact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopkit.interop import export_text, import_text
from loopkit.interop._common import valid_id
from loopkit.interop.yaml_writer import scalar, write_yaml
from loopkit.model import DeclaredLoop, Diagram, Link, LoopType, Polarity, Variable
from loopkit.read.load import load_diagram, parse_diagram

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


def same(a: Diagram, b: Diagram) -> None:
    assert b.variables == a.variables
    assert b.links == a.links
    assert b.loops == a.loops
    assert (b.title, b.description) == (a.title, a.description)


def through(diagram: Diagram, fmt: str) -> Diagram:
    """Export, import, write YAML, load: the whole trip a user makes."""
    result = import_text(export_text(diagram, fmt), f"trip.{fmt}", fmt)
    return parse_diagram(write_yaml(result.diagram), "trip.yaml")


@pytest.mark.parametrize("fmt", ["kumu", "sdjson", "graphml"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_lossless_formats_round_trip_every_example(path: Path, fmt: str) -> None:
    original = load_diagram(path)
    same(original, through(original, fmt))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_loopy_keeps_labels_links_and_signs(path: Path) -> None:
    original = load_diagram(path)
    back = through(original, "loopy")
    label = {v.id: v.label for v in original.variables}
    new = {v.id: v.label for v in back.variables}
    assert [v.label for v in back.variables] == [v.label for v in original.variables]
    assert [(new[lk.source], new[lk.target], lk.polarity) for lk in back.links] == [
        (label[lk.source], label[lk.target], lk.polarity) for lk in original.links]
    assert not any(lk.delay for lk in back.links)  # LOOPY has no delays (documented)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_yaml_writer_round_trips_every_example(path: Path) -> None:
    original = load_diagram(path)
    text = write_yaml(original)
    same(original, parse_diagram(text, "x.yaml"))
    assert text == write_yaml(parse_diagram(text, "x.yaml"))


@pytest.mark.parametrize("text", [
    "no", "No", "yes", "on", "OFF", "y", "n", "null", "~", "true", "-", "- a", "a: b", "a:",
    "#x", "x #y", "1", "1.5", "-2", "1e3", ".inf", "0x1F", "2001-01-01", "1:30", "@x", "`x`",
    "%x", "&a", "*a", "!tag", "|", ">", "'q'", '"dq"', "[a]", "{a}", "?", "=",
])
def test_scalars_yaml_would_misread_are_quoted(text: str) -> None:
    written = scalar(text)
    assert written.startswith('"'), written
    assert parse_diagram(f"variables:\n  {written}: {written}\nlinks: []\n", "x").variables[0] \
        == Variable(text, text)


def test_plain_where_safe() -> None:
    assert scalar("School non-attendance") == "School non-attendance"
    assert scalar("a -> b (+)") == "a -> b (+)"
    assert scalar("a, b", flow=True) == '"a, b"'


#: Characters the loader refuses in ids, and XML cannot hold at all.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]|\\x[0-189][0-9a-f]|\\x7f")
TRICKY = st.sampled_from([
    "no", "-", "a: b", "#x", "x #y", "1.5", "null", "~", "yes", "a -> b (+)", "(x)", "x)",
    "é", "中文", "tab\there", "line\nbreak", "quote'", 'dq"', "\\", "\u2028", "a,b", "[x]",
])
TEXT = st.one_of(TRICKY, st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff"),
    min_size=1, max_size=12)).map(str.strip).filter(bool)


@st.composite
def diagrams(draw: st.DrawFn) -> Diagram:
    ids = draw(st.lists(TEXT.filter(lambda t: t != "<<" and valid_id(t) and not CONTROL.search(t)),
                        min_size=1, max_size=5, unique=True))
    variables = tuple(
        Variable(i, draw(TEXT), draw(st.none() | TEXT), draw(st.none() | TEXT))
        for i in ids)
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                          unique=True, max_size=8))
    links = tuple(Link(a, b, draw(st.sampled_from(list(Polarity))), draw(st.booleans()),
                       draw(st.none() | TEXT), tuple(draw(st.lists(TEXT, max_size=2))),
                       draw(st.sampled_from([None, "low", "high"])),
                       sources=tuple(draw(st.lists(TEXT, max_size=3, unique=True))))
                  for a, b in pairs)
    loops = ()
    if draw(st.booleans()):
        loops = (DeclaredLoop("R1", tuple(ids[:2]), draw(st.none() | TEXT),
                              LoopType.REINFORCING, draw(st.none() | TEXT)),)
    return Diagram(variables, links, loops, draw(st.none() | TEXT), draw(st.none() | TEXT))


@pytest.mark.parametrize("fmt", ["yaml", "kumu", "sdjson"])
def test_variable_kind_round_trips(fmt: str) -> None:
    """``kind`` survives the writer and the formats that carry loopkit's own fields."""
    diagram = Diagram.build([Variable("pop", "Population", kind="stock"),
                             Variable("births", "Births", kind="flow"), Variable("r", "Rate")],
                            [("births", "pop", "+"), ("pop", "births", "+"), ("r", "births", "+")])
    back = (parse_diagram(write_yaml(diagram), "k.yaml") if fmt == "yaml"
            else through(diagram, fmt))
    assert [v.kind for v in back.variables] == ["stock", "flow", None]
    same(diagram, back)


@settings(max_examples=100, deadline=None)
@given(diagrams())
def test_writer_and_lossless_formats_round_trip_any_diagram(diagram: Diagram) -> None:
    same(diagram, parse_diagram(write_yaml(diagram), "x.yaml"))
    # XML 1.0 cannot hold control characters, so GraphML drops them (documented).
    xml_safe = not CONTROL.search(repr(diagram))
    for fmt in ("kumu", "sdjson", "graphml") if xml_safe else ("kumu", "sdjson"):
        same(diagram, through(diagram, fmt))
