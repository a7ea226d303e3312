"""Archetype detection: each shipped example, the field stories, and near-misses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.archetypes import (
    ARCHETYPES,
    GENERIC,
    describe_match,
    find_archetypes,
)
from loopkit.cli import app
from loopkit.model import Diagram, Variable
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, ROOT, foresight_diagram

ARCHETYPE_EXAMPLES = EXAMPLES / "archetypes"
NEAR_MISSES = ROOT / "tests" / "data" / "archetypes"
runner = CliRunner()

#: example file -> (archetype, loops, a few roles that must be named)
EXPECTED = {
    "fixes-that-fail.yaml": ("Fixes that Fail", ("B1", "R1"),
                             {"problem symptom": "backlog", "fix": "overtime"}),
    "shifting-the-burden.yaml": ("Shifting the Burden", ("B1", "B2", "R1"),
                                 {"problem symptom": "crises", "symptomatic solution": "emergency",
                                  "fundamental solution": "long_term"}),
    "accidental-adversaries.yaml": ("Accidental Adversaries",
                                    ("R3", "R1", "R2", "B2", "B1", "R4"),
                                    {"A's own fix": "exclusions", "B's own fix": "street_work"}),
    "limits-to-growth.yaml": ("Limits to Growth", ("R1", "B1"),
                              {"performance": "matches", "limiting condition": "coordinators"}),
    "growth-and-underinvestment.yaml": ("Growth and Underinvestment", ("R1", "B1", "B2"),
                                        {"performance": "quality",
                                         "performance standard": "standard"}),
    "tragedy-of-the-commons.yaml": ("Tragedy of the Commons", ("R1", "R2", "B1", "B2"),
                                    {"common resource": "total"}),
    "success-to-the-successful.yaml": ("Success to the Successful", ("R1", "R2"),
                                       {"allocation": "share_a"}),
    "escalation.yaml": ("Escalation", ("B1", "B2"), {"relative position": "standing"}),
    "eroding-goals.yaml": ("Eroding Goals", ("B2", "B1"),
                           {"gap": "gap", "goal": "target", "condition": "actual"}),
}

#: near-miss file -> archetype that must NOT be found
NEAR = {
    "ftf-no-shared-path.yaml": "Fixes that Fail",
    "ftf-wrong-polarity.yaml": "Fixes that Fail",
    "stb-no-addiction.yaml": "Shifting the Burden",
    "ltg-disjoint.yaml": "Limits to Growth",
    "escalation-same-sign.yaml": "Escalation",
    "escalation-one-side.yaml": "Escalation",
    "stts-same-sign.yaml": "Success to the Successful",
    "eroding-same-side.yaml": "Eroding Goals",
    "toc-shared-actor.yaml": "Tragedy of the Commons",
    "gu-no-investment.yaml": "Growth and Underinvestment",
    "aa-no-harm.yaml": "Accidental Adversaries",
}


def test_every_archetype_has_an_example_and_a_near_miss() -> None:
    assert {a for a, _, _ in EXPECTED.values()} == set(ARCHETYPES)
    assert set(NEAR.values()) == set(ARCHETYPES)
    assert sorted(p.name for p in ARCHETYPE_EXAMPLES.glob("*.yaml")) == sorted(EXPECTED)
    assert sorted(p.name for p in NEAR_MISSES.glob("*.yaml")) == sorted(NEAR)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_shows_its_archetype_first_and_only_it_strongly(name: str) -> None:
    """Other readings may follow as "possible" (e.g. Limits to Growth sharing the fix's
    path), ranked below: the shape can be read both ways, the evidence decides."""
    archetype, loops, roles = EXPECTED[name]
    report = find_archetypes(load_diagram(ARCHETYPE_EXAMPLES / name))
    assert report.matches[0].archetype == archetype
    assert [m.archetype for m in report.matches if m.confidence == "strong"] == [archetype]
    match = report.matches[0]
    assert match.confidence == "strong"
    assert match.loops == loops
    assert dict(match.roles).items() >= roles.items()
    assert match.reasons and all(isinstance(r, str) and r for r in match.reasons)
    assert match.generic == ARCHETYPES[archetype]


@pytest.mark.parametrize("name", sorted(NEAR))
def test_near_miss_does_not_match(name: str) -> None:
    report = find_archetypes(load_diagram(NEAR_MISSES / name))
    assert NEAR[name] not in {m.archetype for m in report.matches}


def test_near_misses_that_are_simpler_archetypes_say_so() -> None:
    """Growth without an investment loop is plain Limits to Growth, with its constraint."""
    report = find_archetypes(load_diagram(NEAR_MISSES / "gu-no-investment.yaml"))
    assert [(m.archetype, m.confidence) for m in report.matches] == [
        ("Limits to Growth", "strong")]
    assert ("limiting condition", "standard") in report.matches[0].roles


def test_fixes_that_fail_without_delay_is_only_possible() -> None:
    text = (ARCHETYPE_EXAMPLES / "fixes-that-fail.yaml").read_text()
    from loopkit.read.load import parse_diagram

    diagram = parse_diagram(text.replace("    delay: true\n", ""), "nodelay.yaml")
    match = find_archetypes(diagram).matches[0]
    assert (match.archetype, match.confidence) == ("Fixes that Fail", "possible")
    assert any("no delay" in reason for reason in match.reasons)


def test_school_fines_is_fixes_that_fail_with_all_three_spirals() -> None:
    report = find_archetypes(load_diagram(EXAMPLES / "school-fines.yaml"))
    ftf = [m for m in report.matches if m.archetype == "Fixes that Fail"]
    assert len(ftf) == 1
    assert ftf[0].confidence == "strong"
    assert ftf[0].loops == ("B1", "R1", "R2", "R3")
    assert dict(ftf[0].roles)["fix"] == "fines"
    assert dict(ftf[0].roles)["problem symptom"] == "absence"


def test_bail_conditions_has_the_shape_of_escalation() -> None:
    """Field story 2 says so; the loop alternates between the two gangs' groups."""
    report = find_archetypes(load_diagram(EXAMPLES / "bail-conditions.yaml"))
    assert [(m.archetype, m.confidence, m.loops) for m in report.matches] == [
        ("Escalation", "strong", ("R1",))]


def test_escalation_loop_form_needs_groups() -> None:
    diagram = Diagram.build(["a", "b", "c", "d"],
                            [("a", "b", "+"), ("b", "c", "+"), ("c", "d", "+"), ("d", "a", "+")])
    assert find_archetypes(diagram).matches == []
    grouped = Diagram(tuple(Variable(v, v, g) for v, g in
                            (("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"))),
                      diagram.links)
    assert [m.archetype for m in find_archetypes(grouped).matches] == ["Escalation"]


def test_describe_match_names_loops_roles_and_reasons() -> None:
    diagram = load_diagram(ARCHETYPE_EXAMPLES / "eroding-goals.yaml")
    [match] = find_archetypes(diagram).matches
    report = find_archetypes(diagram)
    lines = describe_match(match, {v.id: v.label for v in diagram.variables},
                           {lp.id: lp for lp in report.loops})
    assert lines[0].startswith(f"Eroding Goals (strong, score {match.score:g}) - relative "
                               "control: ")
    assert GENERIC["relative control"] in lines[0]
    assert "  loops: B2, B1" in lines
    assert "  goal: target (Target visit frequency)" in lines
    assert any(line.startswith("  - ") and "delay" in line for line in lines)
    # each loop as a signed chain of labels, the criterion, and the reader's question
    assert any(line.startswith("    B2 (balancing): '") and "-(-)->" in line for line in lines)
    assert any(line.startswith("  strong because: ") for line in lines)
    assert lines[-1].startswith("  check: is 'Target visit frequency' a goal")
    # reasons quote labels, never ids
    assert not any("'target'" in line or "'gap'" in line for line in lines if "  - " in line)


def test_search_is_bounded_and_says_so() -> None:
    report = find_archetypes(load_diagram(EXAMPLES / "school-fines.yaml"), loop_limit=2)
    assert report.truncated and "loop search" in (report.reason or "")
    report = find_archetypes(load_diagram(NEAR_MISSES / "toc-shared-actor.yaml"),
                             match_limit=1)
    assert report.truncated
    assert "match limit (1 per archetype) reached for Fixes that Fail" in (report.reason or "")
    assert [m.archetype for m in report.matches] == ["Fixes that Fail", "Limits to Growth"]


def test_big_real_map_is_cut_by_steps_and_says_what_was_not_searched() -> None:
    diagram = foresight_diagram()
    report = find_archetypes(diagram, loop_limit=300, match_limit=20, step_budget=100_000,
                             time_budget=None)
    assert report.truncated  # 300 loops of millions
    assert "step budget of 100,000 reached" in (report.reason or "")
    assert report.not_fully_searched and not report.safety_stop
    assert report.steps <= 100_000 + 10_000  # a phase stops within one unit of work
    per_archetype = Counter(m.archetype for m in report.matches)
    assert per_archetype and max(per_archetype.values()) <= 20
    assert all(m.confidence in ("strong", "possible") for m in report.matches)


def test_a_phase_cut_short_keeps_what_it_found() -> None:
    """Fixes that Fail and Limits to Growth used to report 0 when their phase was cut."""
    diagram = foresight_diagram()
    small = find_archetypes(diagram, loop_limit=300, step_budget=60_000, time_budget=None)
    assert "fixes and burdens" in (small.reason or "")
    assert any(m.archetype == "Fixes that Fail" for m in small.matches)


def test_the_safety_stop_says_so() -> None:
    report = find_archetypes(foresight_diagram(), loop_limit=300, time_budget=0.001)
    assert report.truncated and report.safety_stop
    assert "safety stop" in (report.reason or "") or "time budget" in (report.reason or "")


def test_scores_rank_across_archetypes() -> None:
    report = find_archetypes(load_diagram(EXAMPLES / "school-fines.yaml"))
    scores = [m.score for m in report.matches]
    assert scores == sorted(scores, reverse=True)
    assert report.matches[0].archetype == "Fixes that Fail"


def test_output_is_deterministic() -> None:
    path = ARCHETYPE_EXAMPLES / "accidental-adversaries.yaml"
    first = find_archetypes(load_diagram(path)).to_dict()
    assert find_archetypes(load_diagram(path)).to_dict() == first


def test_cli_text_and_json() -> None:
    path = str(ARCHETYPE_EXAMPLES / "shifting-the-burden.yaml")
    result = runner.invoke(app, ["archetypes", path])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(
        f"{path}: best reading: Shifting the Burden (strong")
    assert "1. Shifting the Burden (strong" in result.stdout
    assert "fundamental solution: long_term (Long-term family support)" in result.stdout
    result = runner.invoke(app, ["archetypes", "--format", "json", path])
    [record] = json.loads(result.stdout)["files"]
    assert record["matches"][0]["archetype"] == "Shifting the Burden"
    assert record["matches"][0]["generic"] == "out of control"
    assert record["matches"][0]["score"] > 0
    assert record["matches"][0]["question"].endswith("?")
    assert record["truncated"] is False and record["not_fully_searched"] == []


def test_cli_shows_the_strongest_five_and_counts_the_rest() -> None:
    path = str(NEAR_MISSES / "toc-shared-actor.yaml")
    total = len(find_archetypes(load_diagram(path)).matches)
    assert total > 5
    lines = runner.invoke(app, ["archetypes", path]).stdout.splitlines()
    numbered = [line for line in lines if line[:1].isdigit() and ". " in line[:4]]
    assert len(numbered) == 5
    assert lines[-1].startswith(f"{total - 5} more (0 strong): ")
    assert lines[-1].endswith("; --all shows them")
    every = runner.invoke(app, ["archetypes", "--all", path]).stdout.splitlines()
    assert len([line for line in every if line[:1].isdigit() and ". " in line[:4]]) == total
    assert "--all shows them" not in every[-1]


def test_cli_invalid_file_exits_1_with_located_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("variables: {a: A}\nlinks: [a -> b (+)]\n")
    result = runner.invoke(app, ["archetypes", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.stderr


def test_cli_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "archetypes",
                           "examples/archetypes/escalation.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1. Escalation (strong" in done.stdout
    assert "relative position: standing" in done.stdout


def _documented_runs() -> list[tuple[str, str]]:
    """``(command, output)`` pairs pasted in docs/analysis.md."""
    import re

    text = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    return re.findall(r"```console\n\$ (loopkit [^\n]+)\n(.*?)\n```", text, flags=re.S)


MINE = ("archetypes", "trace", "effect", "whatif", "diff", "lint")


@pytest.mark.parametrize("command, output", [
    run for run in _documented_runs()
    if run[0].split()[1] in MINE and "HEAD" not in run[0]])
def test_docs_show_real_output(command: str, output: str) -> None:
    """Every documented run of these commands still prints exactly what the guide shows."""
    result = runner.invoke(app, command.split()[1:], env={"COLUMNS": "100"})
    assert (result.stdout + result.stderr).rstrip("\n") + f"\n[exit {result.exit_code}]" \
        == output, command


def test_docs_cover_every_command() -> None:
    shown = {run[0].split()[1] for run in _documented_runs()}
    assert set(MINE) <= shown


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from("+-?"),
                          st.booleans()), max_size=16),
       st.lists(st.sampled_from(["x", "y", None]), min_size=7, max_size=7))
def test_any_diagram_gives_well_formed_matches(
        edges: list[tuple[int, int, str, bool]], groups: list[str | None]) -> None:
    from loopkit.model import Link, parse_polarity

    links = {(f"v{a}", f"v{b}"): (s, d) for a, b, s, d in edges}
    diagram = Diagram(tuple(Variable(f"v{i}", f"V{i}", groups[i]) for i in range(7)),
                      tuple(Link(a, b, parse_polarity(s), d) for (a, b), (s, d) in links.items()))
    report = find_archetypes(diagram)
    ids = {lp.id for lp in report.loops}
    for match in report.matches:
        assert match.archetype in ARCHETYPES and match.confidence in ("strong", "possible")
        assert set(match.loops) <= ids and len(set(match.loops)) == len(match.loops)
        assert all(v in diagram.index for _, v in match.roles)
        assert match.reasons
