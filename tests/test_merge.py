"""`loopkit merge`: properties (hypothesis), golden conflict messages, CLI and a real process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.analysis.merge import (
    Synonyms,
    merge_diagrams,
    parse_synonyms,
    similarity,
    source_names,
    suggest_synonyms,
)
from loopkit.cli import app
from loopkit.interop.yaml_writer import write_yaml
from loopkit.model import DeclaredLoop, Diagram, Link, Polarity, Variable
from loopkit.problems import DiagramError
from loopkit.read.load import load_diagram, parse_diagram
from tests.helpers import ROOT

MERGE = ROOT / "examples" / "merge"
MAPS = [MERGE / "school.yaml", MERGE / "family-support.yaml", MERGE / "youth-service.yaml"]
GOLDEN = ROOT / "tests" / "merge"
runner = CliRunner()

IDS = ["a", "b", "c", "d", "e"]


@st.composite
def maps(draw: st.DrawFn, name: str) -> Diagram:
    """A map over a shared vocabulary (one label per id, as partners' maps of one story)."""
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                          unique=True, max_size=8))
    links = tuple(Link(a, b, draw(st.sampled_from(list(Polarity))), draw(st.booleans()),
                       draw(st.sampled_from([None, "why", "how"])),
                       tuple(draw(st.lists(st.sampled_from(["e1", "e2"]), unique=True))),
                       draw(st.sampled_from([None, "low", "high"])))
                  for a, b in pairs)
    loops = ()
    if len(ids) >= 2 and (ids[0], ids[1]) in pairs and (ids[1], ids[0]) in pairs:
        loops = (DeclaredLoop("L1", (ids[0], ids[1]), "two-way"),)
    return Diagram(tuple(Variable(i, f"Label {i}") for i in ids), links, loops,
                   path=f"/maps/{name}.yaml")


def canonical(result: Any) -> tuple[Any, ...]:
    """Everything that must not depend on the order maps are given in."""
    d = result.diagram
    return (frozenset((v.id, v.label) for v in d.variables),
            frozenset((lk.key, lk.polarity, lk.delay, lk.sources, lk.confidence,
                       frozenset(lk.evidence),
                       frozenset((lk.description or "").split("\n\n"))) for lk in d.links),
            frozenset(frozenset(lp.variables) for lp in d.loops),
            frozenset((p.code, p.message.split(":")[0]) for p in result.problems))


@settings(max_examples=60, deadline=None)
@given(maps("one"), maps("two"))
def test_merging_is_commutative_up_to_ordering(a: Diagram, b: Diagram) -> None:
    assert canonical(merge_diagrams([a, b])) == canonical(merge_diagrams([b, a]))


@settings(max_examples=60, deadline=None)
@given(maps("one"), maps("two"))
def test_links_are_the_union_and_sources_say_who_drew_them(a: Diagram, b: Diagram) -> None:
    merged = merge_diagrams([a, b]).diagram
    assert set(merged.link_map) == set(a.link_map) | set(b.link_map)
    for key, link in merged.link_map.items():
        expected = [name for name, d in (("one.yaml", a), ("two.yaml", b)) if key in d.link_map]
        assert list(link.sources) == expected
        signs = {d.link_map[key].polarity for d in (a, b) if key in d.link_map} - {
            Polarity.UNKNOWN}
        assert link.polarity is (signs.pop() if len(signs) == 1 else Polarity.UNKNOWN)


@settings(max_examples=60, deadline=None)
@given(maps("one"))
def test_merging_a_map_with_itself_changes_nothing(a: Diagram) -> None:
    alone = merge_diagrams([a])
    twice = merge_diagrams([a, a])
    assert twice.diagram == alone.diagram and not twice.problems
    again = merge_diagrams([alone.diagram, alone.diagram], names=["x", "y"]).diagram
    assert again == alone.diagram
    # ... and through the file a user keeps: same bytes
    text = write_yaml(alone.diagram)
    reread = parse_diagram(text, "merged.yaml")
    assert write_yaml(merge_diagrams([reread, reread]).diagram) == text


@settings(max_examples=60, deadline=None)
@given(maps("one"), maps("two"))
def test_synonyms_map_consistently(a: Diagram, b: Diagram) -> None:
    """Renaming every id of one map and giving the renames as synonyms merges the same."""
    renamed = Diagram(
        tuple(replace(v, id=f"b_{v.id}") for v in b.variables),
        tuple(replace(lk, source=f"b_{lk.source}", target=f"b_{lk.target}") for lk in b.links),
        tuple(replace(lp, variables=tuple(f"b_{v}" for v in lp.variables)) for lp in b.loops),
        path=b.path)
    table = Synonyms({f"b_{v.id}": v.id for v in b.variables})
    assert merge_diagrams([a, renamed], table).diagram == merge_diagrams([a, b]).diagram


def test_prefer_settles_conflicts_in_one_maps_favour() -> None:
    a = Diagram.build(["x", "y"], [Link("x", "y", Polarity.POSITIVE, True)], path="a.yaml")
    b = Diagram.build(["x", "y"], [Link("x", "y", Polarity.NEGATIVE)], path="b.yaml")
    open_ = merge_diagrams([a, b])
    assert open_.diagram.links[0].polarity is Polarity.UNKNOWN and open_.diagram.links[0].delay
    assert [p.code for p in open_.problems] == ["merge-delay", "merge-polarity"]
    settled = merge_diagrams([a, b], prefer=1)
    assert not settled.problems and settled.settled == 2
    assert (settled.diagram.links[0].polarity, settled.diagram.links[0].delay) == (
        Polarity.NEGATIVE, False)


def test_loops_carried_over_once_and_ids_kept_unique() -> None:
    a = Diagram.build(["x", "y", "z"], [("x", "y", "+"), ("y", "x", "+")],
                      loops=(DeclaredLoop("R1", ("x", "y")),), path="a.yaml")
    b = Diagram.build(["x", "y", "z"], [("y", "z", "+"), ("z", "y", "+"), ("y", "x", "+"),
                                        ("x", "y", "+")],
                      loops=(DeclaredLoop("R1", ("y", "z")), DeclaredLoop("R2", ("y", "x"))),
                      path="b.yaml")
    result = merge_diagrams([a, b])
    assert [(lp.id, lp.variables) for lp in result.diagram.loops] == [
        ("R1", ("x", "y")), ("R3", ("y", "z"))]
    assert "loop R1 of b.yaml is R3 in the merged map" in result.notes[0]


def test_variable_kinds_are_carried_over_and_disagreement_noted() -> None:
    a = Diagram((Variable("x", "x", kind="stock"), Variable("y", "y")), (), path="a.yaml")
    b = Diagram((Variable("x", "x", kind="flow"), Variable("y", "y", kind="flow")), (),
                path="b.yaml")
    result = merge_diagrams([a, b])
    assert [v.kind for v in result.diagram.variables] == ["stock", "flow"]
    assert result.notes == ("1 variable(s) are a stock in one map and a flow in another: "
                            "kept the first map's kind (e.g. x)",)
    assert merge_diagrams([a, b], prefer=1).diagram.variables[0].kind == "flow"


def test_source_names_are_file_names_unless_two_share_one() -> None:
    assert source_names(["x/a.yaml", "y/b.yaml"]) == ["a.yaml", "b.yaml"]
    assert source_names(["x/a.yaml", "y/a.yaml"]) == ["x/a.yaml", "y/a.yaml"]
    assert source_names(["a.yaml", "./a.yaml"]) == ["a.yaml", "a.yaml"]


# --- synonyms files ---------------------------------------------------------------


def test_synonyms_file_reads_lines_and_comments() -> None:
    table = parse_synonyms("# ideas\nfines = penalty_notices, fpn  # two maps\n\n"
                           "absence = missed_school\n", "s.txt",
                           ["penalty_notices", "fpn", "missed_school"])
    assert dict(table.mapping) == {"penalty_notices": "fines", "fpn": "fines",
                                   "missed_school": "absence"}


@pytest.mark.parametrize(("text", "expected"), [
    ("fines penalty\n", "s.txt:1:1: write one shared idea per line as 'merged_id = id, id' "
     "(the ids each map uses for it)"),
    ("fines = penalty_notise\n", "s.txt:1:9: 'penalty_notise' is not a variable id in any of "
     "the maps (did you mean 'penalty_notices'?)"),
    ("fines = penalty_notices\nfees = penalty_notices\n", "s.txt:2:8: 'penalty_notices' is "
     "already mapped to 'fines' on line 1"),
    ("fines = penalty_notices,  , fpn\n", "s.txt:1:25: empty id between commas"),
    ("fines = fpn\nfpn = other\n", "s.txt:2:1: 'fpn' is already listed on line 1; put every "
     "id of one idea on one line"),
    ("  = fpn\n", "s.txt:1:3: missing the merged id before '='"),
])
def test_synonyms_file_errors_are_located(text: str, expected: str) -> None:
    with pytest.raises(DiagramError) as caught:
        parse_synonyms(text, "s.txt", ["penalty_notices", "fpn", "other"])
    assert str(caught.value.problems[0]) == expected


def test_suggestions_are_deterministic_and_skip_pairs_already_joined() -> None:
    maps = [load_diagram(p) for p in MAPS]
    found, truncated = suggest_synonyms(maps)
    assert not truncated
    assert [(s.first[1], s.second[1]) for s in found] == [
        ("home_difficulties", "home"), ("fines", "penalty_notices"),
        ("absence", "missed_school")]
    table = parse_synonyms((MERGE / "synonyms.txt").read_text(), "synonyms.txt")
    assert suggest_synonyms(maps, table)[0] == []
    _, stopped = suggest_synonyms(maps, max_comparisons=3)
    assert stopped
    assert similarity("Fines issued", "fines, issued!") == 1.0


# --- golden conflict messages, the command -----------------------------------------


def _merge_examples(*extra: str, cwd: Path = MERGE) -> Any:
    return runner.invoke(app, ["merge", "school.yaml", "family-support.yaml",
                               "youth-service.yaml", "--synonyms", "synonyms.txt", *extra])


def test_conflict_messages_match_golden(monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.chdir(MERGE)
    result = _merge_examples("-o", str(tmp_path / "merged.yaml"))
    assert result.exit_code == 1
    expected = (GOLDEN / "examples.expected").read_text(encoding="utf-8").splitlines()
    assert [line for line in result.stderr.splitlines() if not line.startswith("loopkit:")
            and not line.startswith("  note:")] == expected
    assert result.stdout == ""


def test_synonym_errors_match_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN)
    result = runner.invoke(app, ["merge", "../../examples/merge/school.yaml",
                                 "../../examples/merge/family-support.yaml",
                                 "--synonyms", "bad-synonyms.txt"])
    assert result.exit_code == 1
    expected = (GOLDEN / "bad-synonyms.expected").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines() == expected and result.stdout == ""


def test_merged_example_passes_check_once_conflicts_are_settled(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(MERGE)
    out = tmp_path / "merged.yaml"
    result = _merge_examples("--prefer", "school.yaml", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "2 conflict(s) settled by --prefer school.yaml" in result.stderr
    # examples/merge/merged.yaml is this very output (docs/merge.md shows it)
    assert out.read_bytes() == (MERGE / "merged.yaml").read_bytes()
    merged = load_diagram(out)
    analysis = analyse_loops(merged)
    assert analysis.problems == []
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0
    # the R loop through exploitation is drawn by no single map
    long_loop = next(lp for lp in analysis.loops if "exploitation" in lp.variables)
    assert {s for lk in long_loop.links for s in lk.sources} == {
        "school.yaml", "family-support.yaml", "youth-service.yaml"}
    # merging the merged map with itself changes nothing but the header comment
    again = tmp_path / "again.yaml"
    assert runner.invoke(app, ["merge", str(out), str(out), "-o", str(again)]).exit_code == 0
    body = [ln for ln in out.read_text().splitlines() if not ln.startswith("#")]
    assert [ln for ln in again.read_text().splitlines() if not ln.startswith("#")] == body


def test_merge_never_writes_over_an_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MERGE)
    before = (MERGE / "school.yaml").read_bytes()
    result = _merge_examples("-o", "school.yaml")
    assert result.exit_code == 2
    assert "refusing to write over the input file" in result.stderr
    assert (MERGE / "school.yaml").read_bytes() == before


def test_prefer_must_name_an_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MERGE)
    result = _merge_examples("--prefer", "other.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("loopkit: error: --prefer other.yaml: not one of the maps")


def test_real_process_merges_to_stdout_with_problems_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "merge", "school.yaml", "family-support.yaml",
         "youth-service.yaml", "--synonyms", "synonyms.txt"],
        cwd=MERGE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    merged = parse_diagram(done.stdout, "merged.yaml")
    assert merged.link_map[("pressure", "absence")].polarity is Polarity.UNKNOWN
    assert merged.link_map[("pressure", "absence")].sources == ("family-support.yaml",
                                                                "school.yaml")
    golden = (GOLDEN / "examples.expected").read_text(encoding="utf-8").splitlines()
    assert all(line in done.stderr.splitlines() for line in golden)
    assert "Traceback" not in done.stderr


def test_suggest_synonyms_prints_a_synonyms_file() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "merge", *map(str, MAPS), "--suggest-synonyms"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = [ln.split("#")[0].strip() for ln in done.stdout.splitlines()
             if ln.split("#")[0].strip()]
    assert lines == ["home_difficulties = home", "fines = penalty_notices",
                     "absence = missed_school"]
    known = [v.id for p in MAPS for v in load_diagram(p).variables]
    parse_synonyms(done.stdout, "suggested.txt", known)  # reads back as a synonyms file


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from([*"ab =,#\n\t \x1b\u2028", "x", "é"]), max_size=60))
def test_any_synonyms_text_is_a_table_or_located_problems(text: str) -> None:
    try:
        table = parse_synonyms(text, "s.txt", ["a", "b", "x", "ab"])
    except DiagramError as error:
        assert error.problems
        lines = text.splitlines() or [""]
        for problem in error.problems:
            assert problem.file == "s.txt" and 1 <= problem.line <= len(lines)
            assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1
            assert "\n" not in str(problem)
        return
    assert all(value not in table.mapping for value in table.mapping.values())  # no chains


@settings(max_examples=60, deadline=None)
@given(maps("one"), maps("two"), maps("three"))
def test_the_merged_map_is_a_valid_file_that_reads_back(a: Diagram, b: Diagram,
                                                        c: Diagram) -> None:
    merged = merge_diagrams([a, b, c]).diagram
    assert parse_diagram(write_yaml(merged), "merged.yaml") == replace(merged,
                                                                       path="merged.yaml")
