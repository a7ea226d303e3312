"""Evidence: link strength, each loop's weakest link, check --require-evidence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from loopkit.analysis.evidence import STRENGTHS, require_evidence, strength, weakest_link
from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.model import Link, Polarity
from loopkit.read.load import load_diagram, parse_diagram
from tests.helpers import EXAMPLES, ROOT

FTF = EXAMPLES / "archetypes" / "fixes-that-fail.yaml"
runner = CliRunner()

SUPPORTED = """\
variables: {a: A, b: B, c: C}
links:
  - {from: a, to: b, polarity: "+", evidence: Interview 3, confidence: high}
  - {from: b, to: c, polarity: "+", evidence: [Survey 2020, Case review], confidence: low}
  - {from: c, to: a, polarity: "-", evidence: Annual report}
loops:
  B1: {variables: [a, b, c]}
"""


def test_strength_order() -> None:
    def link(evidence: tuple[str, ...], confidence: str | None) -> Link:
        return Link("a", "b", Polarity.POSITIVE, evidence=evidence, confidence=confidence)

    assert strength(link((), None)) == "none"
    assert strength(link(("x",), None)) == "cited"
    assert strength(link((), "high")) == "high"
    assert [strength(link(("x",), c)) for c in ("low", "medium", "high")] == \
        ["low", "medium", "high"]
    assert STRENGTHS == ("none", "low", "cited", "medium", "high")


def test_weakest_link_of_each_loop() -> None:
    diagram = parse_diagram(SUPPORTED, "s.yaml")
    [loop] = analyse_loops(diagram).loops
    weakest = weakest_link(loop)
    assert weakest is not None
    assert (weakest.link.key, weakest.strength, weakest.unsupported) == (("b", "c"), "low", 0)
    assert weakest.describe() == "b -> c (low)"
    assert weakest.to_dict()["evidence"] == ["Survey 2020", "Case review"]


def test_weakest_link_counts_unsupported_links() -> None:
    loops = {lp.id: lp for lp in analyse_loops(load_diagram(FTF)).loops}
    r1 = weakest_link(loops["R1"])
    assert r1 is not None and r1.describe() == "burnout -> sickness (none)"
    b1 = weakest_link(loops["B1"])
    assert b1 is not None and b1.describe() == "closures -> backlog (none)"


def test_require_evidence_flags_links_and_loops_where_they_are_written() -> None:
    diagram = load_diagram(FTF)
    problems = require_evidence(diagram, analyse_loops(diagram).loops)
    links = [p for p in problems if p.code == "no-evidence"]
    loops = [p for p in problems if p.code == "loop-without-evidence"]
    assert [p.message.split(" has")[0] for p in links] == [
        "link closures -> backlog", "link burnout -> sickness"]
    text = FTF.read_text().splitlines()
    for p in links:  # located at the link as written
        source, target = p.message.removeprefix("link ").split(" has")[0].split(" -> ")
        assert text[p.line - 1][p.column - 1:].startswith(f"{source} -> {target}")
    assert [p.message for p in loops] == [
        "loop B1 (Overtime clears the backlog) rests on 1 link without evidence: "
        "closures -> backlog",
        "loop R1 (Burnout brings it back) rests on 1 link without evidence: burnout -> sickness"]
    assert text[loops[0].line - 1].strip().startswith("B1:")


def test_confidence_without_source_is_still_flagged() -> None:
    diagram = parse_diagram("variables: {a: A, b: B}\nlinks:\n"
                            "  - {from: a, to: b, polarity: '+', confidence: high}\n", "c.yaml")
    [problem] = require_evidence(diagram)
    assert "confidence 'high' is stated, but no source" in problem.message


def test_fully_supported_diagram_has_no_problems() -> None:
    diagram = parse_diagram(SUPPORTED, "s.yaml")
    assert require_evidence(diagram, analyse_loops(diagram).loops) == []


def test_cli_check_require_evidence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--require-evidence", str(FTF)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{FTF}:")
    assert "has no evidence" in result.stderr and "rests on 1 link" in result.stderr
    good = tmp_path / "s.yaml"
    good.write_text(SUPPORTED)
    ok = runner.invoke(app, ["check", "--require-evidence", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "ok (1 loops, 1 declared)" in ok.stdout


def test_cli_loops_evidence_column_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "loops", "--evidence",
                           "examples/archetypes/fixes-that-fail.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    # piped: one line per loop, the weakest link at its end (a terminal gets the column)
    assert "(weakest link: burnout -> sickness (none)" in done.stdout
