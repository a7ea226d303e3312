"""Issue 11 holes in files written and settings read: each with the test that guards it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app

runner = CliRunner()


# --- --each-loop: one file per loop, and an honest count ---------------------------------------


def test_each_loop_names_never_collide_and_the_count_is_honest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: 'B/1' and 'B_1' both became in-B_1.svg while the tool said 'wrote 3'."""
    monkeypatch.chdir(tmp_path)
    Path("in.yaml").write_text(
        "variables: {a: A, b: B, c: C, d: D}\n"
        "links: [a -> b (+), b -> a (-), b -> c (+), c -> b (-), c -> d (+), d -> c (-)]\n"
        "loops:\n  B/1: {variables: [a, b]}\n  B_1: {variables: [b, c]}\n"
        "  B:1: {variables: [c, d]}\n", encoding="utf-8")
    result = runner.invoke(app, ["render", "in.yaml", "--each-loop", "out", "-f", "dot"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in Path("out").iterdir())
    assert len(written) == 3, written
    assert "in-B_1.dot" in written  # a safe id keeps its own name
    assert "wrote 3 pictures" in result.stderr


def test_each_loop_refuses_ids_that_differ_only_by_case(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R1 and r1 are one file on macOS and Windows: a clear usage error, nothing written."""
    monkeypatch.chdir(tmp_path)
    Path("in.yaml").write_text(
        "variables: {a: A, b: B, c: C}\n"
        "links: [a -> b (+), b -> a (+), b -> c (+), c -> b (+)]\n"
        "loops:\n  R1: {variables: [a, b]}\n  r1: {variables: [b, c]}\n", encoding="utf-8")
    result = runner.invoke(app, ["render", "in.yaml", "--each-loop", "out", "-f", "dot"])
    assert result.exit_code == 2, result.output
    assert "loops 'R1' and 'r1' would both be drawn to out/in-r1.dot" in result.stderr
    assert not Path("out").exists() or not list(Path("out").iterdir())
