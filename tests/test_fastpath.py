"""The pydantic-free fast path (``loopkit.read.fastpath``) agrees with the pydantic models.

Rule under test: whenever ``fastpath.entries`` returns a result, pydantic accepts
the whole file too and gives the same values, so the loader's output is the same
either way; anything the fast path is unsure of goes to pydantic (``None``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopkit.problems import DiagramError, LoopkitError
from loopkit.read import fastpath
from loopkit.read.load import _parse, _validated_entries
from loopkit.read.schema import DiagramFile
from loopkit.read.source import parse_yaml
from tests.helpers import EXAMPLES, ROOT

FILES = sorted({
    *EXAMPLES.glob("*.yaml"), *(EXAMPLES / "archetypes").glob("*.yaml"),
    *(ROOT / "tests" / "errors").glob("*.yaml"),
    *(p for p in (ROOT / "tests" / "hostile").glob("*") if p.is_file()),
    *(ROOT / "tests" / "formats").glob("*.yaml"), *(ROOT / "tests" / "data").rglob("*.yaml"),
})


def _outcome(text: str, name: str, *, fast: bool) -> Any:
    """Everything a caller can see: the diagram with every position, or the error."""
    try:
        diagram = _parse(text, name, fast=fast)
    except LoopkitError as error:
        return (type(error).__name__, str(error),
                getattr(error, "problems", None))
    return (diagram, [v.where for v in diagram.variables], [lk.where for lk in diagram.links],
            [lp.where for lp in diagram.loops], dict(diagram.extensions))


def _same(a: Any, b: Any) -> bool:
    """Equal down to every field's repr (so NaN in ``x-`` metadata still compares)."""
    return repr(a) == repr(b)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_files_give_the_same_result_on_both_paths(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert _same(_outcome(text, path.name, fast=True), _outcome(text, path.name, fast=False))


@pytest.mark.parametrize("path", [*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "archetypes").glob(
    "*.yaml")], ids=lambda p: p.name)
def test_examples_take_the_fast_path(path: Path) -> None:
    data, _, problems = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    assert not problems
    assert fastpath.entries(data) is not None


def _fields(spec: Any) -> list[tuple[str, str]]:
    """Field values by repr, so 1 vs 1.0 or a list vs a tuple count as different."""
    names = ("label", "group", "description", "pos", "kind", "source", "target", "polarity",
             "delay", "evidence", "confidence", "sources", "name", "variables", "type")
    return [(n, repr(getattr(spec, n))) for n in names if hasattr(spec, n)]


def _comparable(entries: fastpath.Entries) -> list[Any]:
    return [[(key, _fields(spec)) for key, spec in part]
            for part in (entries.variables, entries.links, entries.loops)]


def _check(data: Any) -> bool:
    """Fast result implies pydantic agrees; returns whether the fast path answered."""
    fast = fastpath.entries(data)
    if fast is None:
        return False
    DiagramFile.model_validate(data)  # raises if the fast path accepted too much
    assert _comparable(fast) == _comparable(_validated_entries(data))
    return True


# -- data shaped like diagrams, often slightly wrong --------------------------------------

TRICKY = ["", " ", "a", " a ", "\ta\n", "\x1ca", "a\x1f", "\x85a", "a\xa0", "\u2003a",
          "\u200ba", "\u3000", "\ud800", "é", "R1", "x-y", "low", " low", "High", "+", "-",
          "?", "\u2212", "same", "O", "delay", "true", "1", "a -> b (+)"]
IDS = ["a", "b", "c", "Absence", " d", "é", "x-1"]

text = st.one_of(st.sampled_from(TRICKY), st.sampled_from(IDS), st.text(max_size=6))
odd = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(2**53 - 2, 2**70),
                st.floats(), st.just([]), st.lists(text, max_size=2),
                st.dictionaries(text, text, max_size=1), st.binary(max_size=2))
maybe_odd = st.one_of(text, odd)


def _optional(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


number = st.one_of(st.integers(-10, 10), st.floats(), st.booleans(), text)
pos = st.one_of(st.none(), st.lists(number, min_size=2, max_size=2),
                st.lists(st.integers(-5, 5), max_size=3), st.tuples(number, number), odd)
variable = st.one_of(
    st.none(), text,
    _optional({"label": maybe_odd, "group": maybe_odd, "description": maybe_odd, "pos": pos,
               "kind": st.one_of(st.sampled_from(["stock", "flow", "Stock", " flow", "aux"]),
                                 maybe_odd)}),
    _optional({"label": text, "colour": text}), odd)

polarity = st.one_of(st.sampled_from(["+", "-", "?", " + ", "S", "opposite", "positive",
                                      "\u2212", "neg", "", "+-"]), maybe_odd)
arrow = st.sampled_from(["->", "\u2192", " -> ", "->>", "-", "=>"])
space = st.sampled_from(["", " ", "  ", "\t", "\xa0", "\x1c"])
compact = st.builds(
    lambda pre, a, mid, arr, b, pol, delay, post: f"{pre}{a}{mid}{arr}{b} ({pol}{delay}){post}",
    space, st.one_of(st.sampled_from(IDS), text), space, arrow,
    st.one_of(st.sampled_from(IDS), text), polarity.filter(lambda p: isinstance(p, str)),
    st.sampled_from(["", ", delay", ",delayed", ", DELAY", ", late", ", delay,"]), space)
link = st.one_of(
    compact,
    st.fixed_dictionaries({"from": st.one_of(st.sampled_from(IDS), maybe_odd),
                           "to": st.one_of(st.sampled_from(IDS), maybe_odd),
                           "polarity": polarity},
                          optional={"delay": st.one_of(st.booleans(), maybe_odd),
                                    "description": maybe_odd,
                                    "evidence": st.one_of(text, st.lists(text, max_size=3),
                                                          odd),
                                    "confidence": st.one_of(st.sampled_from(
                                        ["low", "medium", "high"]), maybe_odd),
                                    "sources": st.one_of(text, st.lists(text, max_size=3),
                                                         odd),
                                    "source": text, "weight": odd}),
    _optional({"to": text, "polarity": polarity}), odd)
loop = st.one_of(
    st.fixed_dictionaries({"variables": st.one_of(
        st.lists(st.one_of(st.sampled_from(IDS), maybe_odd), max_size=4), odd)},
        optional={"name": maybe_odd, "description": maybe_odd,
                  "type": st.one_of(st.sampled_from(["reinforcing", "balancing"]), maybe_odd),
                  "kind": text}),
    odd)
# Mostly valid files, each field now and then one of the tricky values above.
clean = st.one_of(st.sampled_from(IDS), st.sampled_from(IDS), st.text(
    st.characters(codec="utf-8"), min_size=1, max_size=6), st.sampled_from(TRICKY))
plain_variable = st.one_of(st.none(), clean, _optional({
    "label": clean, "group": clean, "description": st.one_of(st.none(), clean),
    "kind": st.sampled_from(["stock", "flow", None, "Stock"]),
    "pos": st.one_of(st.none(), st.lists(st.one_of(st.integers(-99, 99), st.floats(
        -1e7, 1e7)), min_size=2, max_size=2), pos)}))
plain_link = st.one_of(compact, st.fixed_dictionaries(
    {"from": st.sampled_from(IDS), "to": st.sampled_from(IDS),
     "polarity": st.sampled_from(["+", "-", "?", "o", "Same", "−", "x"])},
    optional={"delay": st.one_of(st.booleans(), st.booleans(), maybe_odd),
              "description": clean,
              "evidence": st.one_of(clean, st.lists(clean, max_size=3)),
              "confidence": st.sampled_from(["low", "medium", "high", "Low", None]),
              "sources": st.one_of(clean, st.lists(clean, max_size=3))}))
plain_loop = st.fixed_dictionaries(
    {"variables": st.lists(st.one_of(st.sampled_from(IDS), clean), min_size=1, max_size=4)},
    optional={"name": clean, "type": st.sampled_from(["reinforcing", "balancing", None])})
plain_diagram = st.fixed_dictionaries(
    {"variables": st.dictionaries(st.one_of(st.sampled_from(IDS), clean), plain_variable,
                                  min_size=1, max_size=5),
     "links": st.lists(plain_link, max_size=6)},
    optional={"version": st.sampled_from([1, None]), "title": clean,
              "loops": st.dictionaries(st.sampled_from(["R1", "B2", "L"]), plain_loop,
                                       max_size=3),
              "x-notes": st.one_of(clean, odd)})

odd_diagram = st.fixed_dictionaries(
    {"variables": st.one_of(st.dictionaries(st.sampled_from(IDS), variable, max_size=5),
                            st.dictionaries(text, variable, max_size=3), odd),
     "links": st.one_of(st.lists(link, max_size=6), odd)},
    optional={"version": st.one_of(st.just(1), st.just(1.0), maybe_odd),
              "title": maybe_odd, "description": maybe_odd,
              "loops": st.one_of(st.dictionaries(st.sampled_from(["R1", "B1", "L", "R 2"]),
                                                 loop, max_size=3), odd),
              "x-meta": odd, "x-": text, "colour": text, "Variables": odd})
diagram = st.one_of(plain_diagram, odd_diagram)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagram)
def test_fast_path_accepts_only_what_pydantic_accepts_and_agrees(data: dict[str, Any]) -> None:
    _check(data)


def test_the_generator_reaches_the_fast_path() -> None:
    """Guard against a generator so odd that the test above never compares anything."""
    answered = []

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(diagram)
    def count(data: dict[str, Any]) -> None:
        answered.append(_check(data))

    count()
    assert sum(answered) >= 30


def _yaml_text(data: dict[str, Any]) -> str | None:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, UnicodeEncodeError):
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagram)
def test_parse_diagram_is_the_same_on_both_paths(data: dict[str, Any]) -> None:
    text_ = _yaml_text(data)
    if text_ is None:
        return
    assert _same(_outcome(text_, "gen.yaml", fast=True), _outcome(text_, "gen.yaml", fast=False))


def test_unsure_cases_go_to_pydantic_with_its_values_and_messages() -> None:
    """What the fast path declines is judged, and worded, by pydantic."""
    text_ = "variables: {a: A, b: B}\nlinks:\n  - {from: a, to: b, polarity: +, delay: yes}\n"
    data, _, _ = parse_yaml(text_, "t.yaml")
    assert fastpath.entries(data) is None  # 'yes' is text in YAML 1.2; pydantic's lax bool
    assert _parse(text_, "t.yaml").links[0].delay is True
    with pytest.raises(DiagramError) as caught:
        _parse(text_.replace("yes", "maybe"), "t.yaml")
    assert "t.yaml:3:" in str(caught.value) and "link 1 'delay'" in str(caught.value)


def _modules_after(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nprint(*sys.modules)"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return set(done.stdout.split("\n")[-2].split())


def test_loading_and_analysing_a_valid_file_does_not_import_pydantic() -> None:
    """The point of the fast path: a plain file is read without pydantic."""
    modules = _modules_after(
        "import sys; from loopkit.read.load import load_diagram\n"
        "from loopkit.analysis.loops import analyse_loops\n"
        f"analyse_loops(load_diagram({str(EXAMPLES / 'school-fines.yaml')!r}))")
    assert "loopkit.read.schema" not in modules
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}


def test_loops_command_does_not_import_pydantic() -> None:
    """``loopkit loops`` on a valid file loads no pydantic at all (typer 0.29 would:
    it coerces every parameter through pydantic; pyproject.toml keeps typer < 0.29)."""
    modules = _modules_after(
        "import sys; from loopkit.cli import main\n"
        f"sys.argv = ['loopkit', 'loops', {str(EXAMPLES / 'school-fines.yaml')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "loopkit.analysis.loops" in modules and "loopkit.read.schema" not in modules
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}
