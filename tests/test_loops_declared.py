"""Declared loops are counted one way: by the listing, by --count and by --limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops, count_loops
from loopkit.cli import app
from loopkit.read.load import parse_diagram

#: A 2-loop and a 3-loop found by the search, and a declared 4-loop.
TEXT = """\
variables: {a: A, b: B, c: C, d: D}
links:
  - a -> b (+)
  - b -> a (+)
  - b -> c (-)
  - c -> a (+)
  - c -> d (+)
  - d -> a (+)
loops:
  B1:
    variables: [a, b, c, d]
"""


def _json(args: list[str]) -> Any:
    result = CliRunner().invoke(app, [*args, "--format", "json", "map.yaml"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_declared_loop_longer_than_max_length_is_listed_and_counted_alike() -> None:
    diagram = parse_diagram(TEXT, "map.yaml")
    listed = analyse_loops(diagram, max_length=3)
    counted = count_loops(diagram, max_length=3)
    assert sorted(lp.length for lp in listed.loops) == [2, 3, 4]
    assert counted.total == listed.total == 3
    assert counted.summary["balancing"] == listed.summary["balancing"] == 2
    assert counted.counts is not None and sorted(counted.counts) == [2, 3, 4]
    assert count_loops(diagram, max_length=4).total == 3  # found by the search: not twice


def test_loops_and_loops_count_agree_on_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "map.yaml").write_text(TEXT)
    listed = _json(["loops", "--max-length", "3"])
    counted = _json(["loops", "--count", "--max-length", "3"])
    assert listed["files"][0]["summary"]["total"] == 3, listed
    assert counted["files"][0]["summary"]["total"] == 3, counted


def test_limit_counts_declared_loops() -> None:
    diagram = parse_diagram(TEXT, "map.yaml")
    full = analyse_loops(diagram, limit=None)
    assert [lp.id for lp in full.loops] == ["B1", "R1", "B2"]
    for limit in (1, 2, 3):
        kept = analyse_loops(diagram, limit=limit)
        assert [lp.id for lp in kept.loops] == ["B1", "R1", "B2"][:limit]  # same ids as full
        assert kept.truncated == (limit < 3)
    cut = analyse_loops(diagram, limit=2)
    assert cut.reason == ("limit of 2 loops reached; the declared loops, then the shortest "
                          "others, are kept")


def test_the_same_loop_declared_twice_is_one_loop_and_an_error() -> None:
    text = TEXT + "  R9:\n    variables: [b, a]\n  R8:\n    variables: [a, b]\n"
    analysis = analyse_loops(parse_diagram(text, "map.yaml"))
    assert [lp.id for lp in analysis.loops] == ["B1", "R9", "B2"]
    assert [(p.line, p.code) for p in analysis.problems] == [(14, "loop-duplicate")]
    assert "'R8' is the same loop as 'R9', declared at line 12" in analysis.problems[0].message
