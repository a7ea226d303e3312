"""The Python API (``loopkit.load``, ``Diagram.loops()/to_networkx()/render()``,
``loopkit.check_files``): behaviour, bounds, and the loop search against networkx."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loopkit
from loopkit.analysis.loops import Loop, analyse_loops
from loopkit.limits import Limits
from loopkit.model import DeclaredLoop, Diagram
from loopkit.problems import DiagramError, UsageError
from tests.helpers import EXAMPLES, ROOT

FINES = EXAMPLES / "school-fines.yaml"
TINY = "variables: {a: A, b: B}\nlinks:\n  - a -> b (+)\n  - b -> a (-, delay)\n"


def test_load_takes_a_path_a_pathlib_path_or_yaml_text() -> None:
    by_str, by_path = loopkit.load(str(FINES)), loopkit.load(FINES)
    assert by_str == by_path and by_str.title == "School fines cycle"
    text = loopkit.load(TINY)
    assert text.path == "<string>" and [v.id for v in text.variables] == ["a", "b"]
    assert loopkit.load("{variables: {a: A}, links: []}").path == "<string>"


def test_load_errors_are_located_and_typed() -> None:
    with pytest.raises(DiagramError) as caught:
        loopkit.load("variables: {a: A}\nlinks: [a -> b (+)]\n")
    assert str(caught.value).startswith("<string>:2:9: ")
    with pytest.raises(UsageError, match=r"no-such\.yaml: no such file"):
        loopkit.load("no-such.yaml")


def test_load_is_bounded_like_the_cli(tmp_path: Path) -> None:
    with pytest.raises(DiagramError, match="larger than 20 bytes"):
        loopkit.load(TINY, limits=Limits(file_size=20))
    with pytest.raises(DiagramError, match="the limit is 1"):
        loopkit.load(FINES, limits=Limits(variables=1))


def test_diagram_loops_is_still_the_declared_tuple_and_finds_loops_when_called() -> None:
    diagram = loopkit.load(FINES)
    assert isinstance(diagram.loops, tuple) and len(diagram.loops) == 5
    assert all(isinstance(lp, DeclaredLoop) for lp in diagram.loops)
    found = diagram.loops()
    assert isinstance(found, loopkit.Loops) and all(isinstance(lp, Loop) for lp in found)
    assert list(found) == analyse_loops(diagram).loops and not found.truncated
    assert [lp.id for lp in diagram.loops(through="safeguarding")] == ["B2"]
    assert found.by_id("R1").name == "Fines spiral"
    with pytest.raises(KeyError, match="did you mean 'R1'"):
        found.by_id("r1")
    with pytest.raises(ValueError, match=r"no variable 'fine' \(did you mean 'fines'\?\)"):
        diagram.loops(through="fine")


def test_a_bounded_search_says_so() -> None:
    diagram = loopkit.load(FINES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = diagram.loops(limit=2)
    assert len(found) == 2 and found.truncated and "limit of 2" in (found.reason or "")
    again = pickle.loads(pickle.dumps(found))
    assert again == found and (again.truncated, again.reason) == (True, found.reason)
    assert caught[0].category is loopkit.LoopSearchStopped
    assert caught[0].filename == __file__  # points at the caller's line


def test_the_diagram_survives_pickle_copy_and_replace() -> None:
    diagram = loopkit.load(FINES)
    for other in (pickle.loads(pickle.dumps(diagram)), copy.deepcopy(diagram),
                  replace(diagram, title="x")):
        assert other.loops == diagram.loops and len(other.loops()) == 5
    assert hash(copy.copy(diagram)) == hash(diagram)
    assert pickle.loads(pickle.dumps(diagram.loops)) == tuple(diagram.loops)


def test_to_networkx_carries_polarity_and_delay() -> None:
    graph = loopkit.load(TINY).to_networkx()
    assert isinstance(graph, nx.DiGraph)
    assert graph.nodes["a"]["label"] == "A"
    assert graph.edges["b", "a"] == {"polarity": "-", "delay": True, "sign": -1}
    assert graph.edges["a", "b"]["polarity"] == "+" and not graph.edges["a", "b"]["delay"]


def test_render_gives_text_or_bytes_and_the_same_every_time() -> None:
    diagram = loopkit.load(FINES)
    svg = diagram.render()
    assert isinstance(svg, str) and svg.startswith("<svg") and svg == diagram.render("svg")
    assert "highlighted" in diagram.render(loop="R1")
    assert diagram.render("dot").startswith("digraph")
    png = diagram.render("png")
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match=r"unknown format 'svgz' \(did you mean 'svg'\?\)"):
        diagram.render("svgz")
    with pytest.raises(ValueError, match=r"no loop 'R9'"):
        diagram.render(loop="R9")


def test_notebook_display_has_fresh_ids_per_picture() -> None:
    diagram = loopkit.load(FINES)
    first, second = diagram._repr_svg_(), diagram._repr_svg_()
    assert first.startswith("<svg") and first != second  # ids differ, one page holds both
    assert "highlighted" in diagram.highlight("R1")._repr_svg_()


def test_check_files_takes_folders_and_paths(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "b.yml").write_text("variables: {a: A}\nlinks: [a -> b (+)]\n",
                                    encoding="utf-8")
    results = loopkit.check_files([tmp_path])
    assert [Path(r.file).name for r in results] == ["a.yaml", "b.yml"]
    assert [r.ok for r in results] == [True, False]
    assert results[1].problems[0].code
    strict = loopkit.check_files([tmp_path / "a.yaml"], strict=True)
    assert not strict[0].ok  # B1 is not declared
    with pytest.raises(UsageError, match="more than 1 diagram files"):
        loopkit.check_files([tmp_path], limits=Limits(files=1))


def test_import_loopkit_is_cheap_and_the_api_needs_no_cli() -> None:
    code = ("import sys, loopkit\n"
            "before = sorted(m for m in sys.modules if m.startswith('loopkit'))\n"
            f"d = loopkit.load({str(FINES)!r}); d.loops(); d.to_networkx()\n"
            "print(before, 'typer' in sys.modules, 'rich' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "['loopkit'] False False", done.stderr


@st.composite
def diagrams(draw: st.DrawFn) -> Diagram:
    n = draw(st.integers(1, 6))
    names = [f"v{i}" for i in range(n)]
    pairs = draw(st.sets(st.tuples(st.sampled_from(names), st.sampled_from(names))
                         .filter(lambda p: p[0] != p[1]), max_size=14))
    signs = draw(st.lists(st.sampled_from("+-?"), min_size=len(pairs), max_size=len(pairs)))
    return Diagram.build(names, [(a, b, s) for (a, b), s in zip(sorted(pairs), signs,
                                                                 strict=True)])


def _rotated(cycle: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    k = cycle.index(min(cycle))
    return tuple(cycle[k:]) + tuple(cycle[:k])


@settings(max_examples=150, deadline=None)
@given(diagrams())
def test_loops_match_networkx_simple_cycles(diagram: Diagram) -> None:
    """Oracle: networkx's simple cycles of ``to_networkx()``, and the sign rule."""
    found = diagram.loops(max_length=None, limit=None, time_budget=None)
    graph = diagram.to_networkx()
    expected = {_rotated(c) for c in nx.simple_cycles(graph)}
    assert {_rotated(lp.variables) for lp in found} == expected
    assert not found.truncated
    for loop in found:
        signs = [graph.edges[lk.source, lk.target]["polarity"] for lk in loop.links]
        kind = ("undetermined" if "?" in signs
                else "balancing" if signs.count("-") % 2 else "reinforcing")
        assert loop.type.value == kind
