"""trace (cause/use trees), effect (signed paths) and whatif (one-pass propagation)."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.graph import to_networkx
from loopkit.analysis.trace import (
    describe_effect,
    describe_whatif,
    effect,
    render_tree,
    trace_tree,
    whatif,
)
from loopkit.cli import app
from loopkit.model import Diagram, Polarity
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, ROOT

FINES = load_diagram(EXAMPLES / "school-fines.yaml")
LABELS = {v.id: v.label for v in FINES.variables}
runner = CliRunner()


def _chain(n: int) -> Diagram:
    """A chain of diamonds: 2**n paths from s0 to s{n}."""
    variables, links = [], []
    for i in range(n):
        variables += [f"s{i}", f"u{i}", f"d{i}"]
        links += [(f"s{i}", f"u{i}", "+"), (f"s{i}", f"d{i}", "+"),
                  (f"u{i}", f"s{i + 1}", "+"), (f"d{i}", f"s{i + 1}", "+")]
    variables.append(f"s{n}")
    return Diagram.build(variables, links)


# ------------------------------------------------------------- trees


def test_causes_tree_marks_loops_and_depth_cuts() -> None:
    tree = trace_tree(FINES, "fines", "up", depth=3)
    lines = render_tree(tree, LABELS)
    assert lines[0] == "fines  Fines issued to parents"
    assert "├← (+, delay) absence  School non-attendance" in lines
    assert any("(+) fines  Fines issued to parents  (loop: already on this branch)" in line
               for line in lines)
    assert any(line.endswith("…") for line in lines)  # cut at depth 3
    assert [c.variable for c in tree.root.children] == ["absence", "school_training",
                                                        "fine_rights"]


def test_uses_tree_and_depth_one() -> None:
    tree = trace_tree(FINES, "fines", "down", depth=1)
    assert [c.variable for c in tree.root.children] == ["pressure", "strain", "disengagement"]
    assert all(c.cut and not c.children for c in tree.root.children)
    assert tree.root.to_dict()["children"][0] == {
        "variable": "pressure", "polarity": "+", "delay": False, "more_beyond_depth": True,
        "children": []}


def test_tree_node_cap_stops_and_says_so() -> None:
    tree = trace_tree(_chain(8), "s0", "down", depth=30, max_nodes=20)
    assert tree.truncated and tree.nodes == 20 and "node limit" in (tree.reason or "")


def test_tree_rejects_unknown_variable_and_direction() -> None:
    with pytest.raises(KeyError):
        trace_tree(FINES, "nope")
    with pytest.raises(ValueError):
        trace_tree(FINES, "fines", "sideways")


# ------------------------------------------------------------- effect


def test_effect_all_paths_agree_in_plain_words() -> None:
    result = effect(FINES, "fines", "exploitation")
    assert result.verdict == "rises" and len(result.paths) == 3
    assert describe_effect(result, LABELS) == (
        "If 'Fines issued to parents' rises, 'Child criminal exploitation' rises through "
        "3 paths (all 3 reinforce each other).")


def test_effect_two_paths_say_both() -> None:
    diagram = Diagram.build("abcd", [("a", "b", "+"), ("b", "d", "-"), ("a", "c", "-"),
                                     ("c", "d", "+")])
    result = effect(diagram, "a", "d")
    assert result.verdict == "falls"
    assert describe_effect(result) == "If 'a' rises, 'd' falls through 2 paths " \
                                      "(both reinforce each other)."


def test_effect_mixed_and_ordering() -> None:
    result = effect(FINES, "fines", "absence")
    assert result.verdict == "mixed"
    assert (result.count(Polarity.POSITIVE), result.count(Polarity.NEGATIVE)) == (3, 1)
    assert result.paths[0].variables == ("fines", "pressure", "absence")  # shortest first
    assert "rises through 3 paths and falls through 1 path" in describe_effect(result)


def test_effect_undetermined_none_and_one_path() -> None:
    diagram = Diagram.build("abcx", [("a", "b", "?"), ("b", "c", "+"), ("x", "a", "+")])
    result = effect(diagram, "a", "c")
    assert result.verdict == "undetermined"
    assert "unknown sign" in describe_effect(result)
    assert effect(diagram, "c", "a").verdict == "none"
    assert "no causal path" in describe_effect(effect(diagram, "c", "a"))
    one = effect(diagram, "x", "a")
    assert describe_effect(one) == "If 'x' rises, 'a' rises through 1 path."


def test_effect_bounds_say_when_they_stopped() -> None:
    diagram = _chain(6)  # 64 paths of 12 links
    capped = effect(diagram, "s0", "s6", limit=10)
    assert capped.truncated and len(capped.paths) == 10
    assert "stopped early (path limit (10) reached)" in describe_effect(capped)
    short = effect(diagram, "s0", "s6", max_length=10)
    assert short.truncated and not short.paths and "length limit" in (short.reason or "")
    timed = effect(_chain(40), "s0", "s40", time_budget=0.05, limit=None, max_length=None)
    assert timed.truncated and "time budget" in (timed.reason or "")
    assert "safety stop" in (timed.reason or "")


def test_effect_complete_search_is_not_truncated() -> None:
    result = effect(_chain(6), "s0", "s6")
    assert not result.truncated and len(result.paths) == 64


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from("+-")),
                max_size=18))
def test_effect_paths_match_networkx_simple_paths(edges: list[tuple[int, int, str]]) -> None:
    links = {(f"v{a}", f"v{b}"): s for a, b, s in edges if a != b}
    diagram = Diagram.build([f"v{i}" for i in range(7)], [(a, b, s) for (a, b), s in
                                                          links.items()])
    ours = effect(diagram, "v0", "v6")
    theirs = list(nx.all_simple_paths(to_networkx(diagram), "v0", "v6"))
    assert sorted(p.variables for p in ours.paths) == sorted(tuple(p) for p in theirs)
    for path in ours.paths:
        pairs = zip(path.variables, path.variables[1:], strict=False)
        negatives = sum(links[(a, b)] == "-" for a, b in pairs)
        assert path.sign is (Polarity.NEGATIVE if negatives % 2 else Polarity.POSITIVE)


# ------------------------------------------------------------- whatif


def test_whatif_up_moves_and_loops() -> None:
    result = whatif(FINES, "fines", "up")
    moves = {m.variable: m.direction for m in result.moves}
    assert moves["pressure"] == "up" and moves["support"] == "down"
    assert moves["absence"] == "mixed" and moves["exploitation"] == "up"
    assert "fines" not in moves and "school_training" not in moves
    responses = {r.loop.id: (r.response, r.entry) for r in result.loops}
    assert responses["B1"] == ("counteracts", "fines")
    assert responses["R1"] == ("amplifies", "fines")
    assert responses["B2"] == ("counteracts", "exploitation")
    lines = describe_whatif(result, LABELS)
    assert lines[0] == "If fines (Fines issued to parents) rises, after one pass through the links:"
    assert any("only after a delay" in line and "disruption" in line for line in lines)


def test_whatif_down_flips_every_direction() -> None:
    up = {m.variable: m.direction for m in whatif(FINES, "fines", "up").moves}
    down = {m.variable: m.direction for m in whatif(FINES, "fines", "down").moves}
    flip = {"up": "down", "down": "up", "mixed": "mixed", "unknown": "unknown"}
    assert down == {v: flip[d] for v, d in up.items()}


def test_whatif_lever_outside_loops() -> None:
    bail = load_diagram(EXAMPLES / "bail-conditions.yaml")
    result = whatif(bail, "redesign", "up")
    assert {m.direction for m in result.moves} == {"down"}
    assert [r.response for r in result.loops] == ["amplifies"] * 3


# ------------------------------------------------------------- CLI


def test_cli_trace_both_trees_by_default() -> None:
    result = runner.invoke(app, ["trace", str(EXAMPLES / "school-fines.yaml"), "pressure"])
    assert result.exit_code == 0, result.output
    assert "Causes of pressure (3 levels):" in result.stdout
    assert "Uses of pressure (3 levels):" in result.stdout
    only = runner.invoke(app, ["trace", str(EXAMPLES / "school-fines.yaml"), "pressure",
                               "--down", "--format", "json"])
    data = json.loads(only.stdout)
    assert [t["direction"] for t in data["trees"]] == ["down"]


def test_cli_unknown_variable_is_usage_error_with_suggestion() -> None:
    result = runner.invoke(app, ["effect", str(EXAMPLES / "school-fines.yaml"), "fine",
                                 "absence"])
    assert result.exit_code == 2
    assert "FROM 'fine' is not a variable of this diagram (did you mean 'fines'?)" \
        in result.stderr
    by_label = runner.invoke(app, ["trace", str(EXAMPLES / "school-fines.yaml"),
                                   "Fines issued to parents"])
    assert by_label.exit_code == 2 and "did you mean 'fines'?" in by_label.stderr


def test_cli_effect_json_and_whatif_spec_errors() -> None:
    path = str(EXAMPLES / "school-fines.yaml")
    result = runner.invoke(app, ["effect", "-f", "json", path, "fines", "absence"])
    data = json.loads(result.stdout)
    assert data["verdict"] == "mixed" and data["positive"] == 3 and data["negative"] == 1
    assert data["sentence"].startswith("If 'Fines issued to parents' rises")
    bad = runner.invoke(app, ["whatif", path, "fines"])
    assert bad.exit_code == 2 and "VAR=up or VAR=down" in bad.stderr
    same = runner.invoke(app, ["effect", path, "fines", "fines"])
    assert same.exit_code == 2


def test_cli_whatif_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "whatif",
                           "examples/school-fines.yaml", "fines=down"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("If fines (Fines issued to parents) falls")
    assert "counteracts B1 Intended deterrent (balancing)" in done.stdout


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from("+-?")),
                max_size=14))
def test_whatif_agrees_with_effect_for_every_variable(
        edges: list[tuple[int, int, str]]) -> None:
    links = {(f"v{a}", f"v{b}"): s for a, b, s in edges if a != b}
    diagram = Diagram.build([f"v{i}" for i in range(6)],
                            [(a, b, s) for (a, b), s in links.items()])
    moves = {m.variable: m.direction for m in whatif(diagram, "v0", "up").moves}
    verdicts = {"rises": "up", "falls": "down", "mixed": "mixed", "undetermined": "unknown"}
    for i in range(1, 6):
        verdict = effect(diagram, "v0", f"v{i}").verdict
        assert moves.get(f"v{i}") == verdicts.get(verdict), (f"v{i}", verdict)


def test_cli_trace_and_effect_in_a_real_process() -> None:
    trace = subprocess.run([sys.executable, "-m", "loopkit", "trace", "--up", "--depth", "1",
                            "examples/school-fines.yaml", "absence"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert trace.returncode == 0, trace.stderr
    assert trace.stdout.splitlines()[1] == "absence  School non-attendance"
    done = subprocess.run([sys.executable, "-m", "loopkit", "effect", "--no-paths",
                           "examples/referrals.yaml", "training", "exploitation"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("If 'Non-gendered case studies in training' rises, 'Exploitation "
                           "continuing' falls through 1 path.\n")


def test_whatif_text_counts_loops_and_caps_the_list() -> None:
    result = whatif(FINES, "fines", "up")
    lines = describe_whatif(result, LABELS, max_loops=2)
    assert "Then the loops it reaches (3 amplify, 2 counteract):" in lines
    assert lines[-1] == "  ... and 3 more loops (--max-loops to list more)"
    assert len(describe_whatif(result, LABELS)) == len(lines) + 2


def test_whatif_is_bounded_by_counts_not_the_clock() -> None:
    """On the dense Foresight map the path and loop limits stop whatif, not its safety stop."""
    from loopkit.analysis.trace import whatif
    from tests.helpers import foresight_diagram

    result = whatif(foresight_diagram(), "v1", "up", limit=2_000)
    assert result.truncated and "path limit (2,000) reached" in (result.reason or "")
    assert "safety stop" not in (result.reason or "")
    slow = whatif(foresight_diagram(), "v1", "up", limit=None, time_budget=0.01)
    assert "safety stop" in (slow.reason or "")
