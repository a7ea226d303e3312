"""The text alternative publishers put with a picture: ``render --alt`` and ``report.alt``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.output.report.alt import alt_text, long_description
from loopkit.output.report.words import loop_sentence
from loopkit.read.load import load_diagram
from tests.helpers import ROOT

FINES = ROOT / "examples" / "school-fines.yaml"
HOSTILE = ROOT / "tests" / "data" / "formats" / "hostile.yaml"
runner = CliRunner()


def test_alt_text_is_short_and_points_to_the_description() -> None:
    diagram = load_diagram(FINES)
    analysis = analyse_loops(diagram)
    alt = alt_text(diagram, analysis)
    assert alt.startswith("School fines cycle: causal loop diagram of 12 variables and 16 links")
    assert "3 reinforcing, 2 balancing" in alt and "Described in full" in alt
    assert len(alt) < 250 and "\n" not in alt
    loop = alt_text(diagram, analysis, "R1")
    assert "loop R1 (Fines spiral), a reinforcing loop, highlighted" in loop


def test_long_description_has_everything_the_picture_shows() -> None:
    diagram = load_diagram(FINES)
    analysis = analyse_loops(diagram)
    text = long_description(diagram, analysis)
    labels = {v.id: v.label for v in diagram.variables}
    for loop in analysis.loops:  # the report's own loop-by-loop words
        assert loop_sentence(loop, labels) in text
    assert text.count("\n- ") >= len(analysis.loops) + len(diagram.links)
    # the two links on no loop, which used to exist only in the picture
    assert ("- Schools trained to spot exploitation → Fines issued to parents: opposite "
            "direction (−), on no loop.") in text
    assert "- **child** (drawn with a thin dotted outline, rounded corners): Child criminal" \
        in text
    assert "**Parents aware of right to challenge fines**: Intervention" in text
    one = long_description(diagram, analysis, "B2")
    assert "loop B2: Safeguarding response (balancing)" in one
    assert "R1" not in one and "## Links" not in one  # never the whole diagram again


def test_long_description_keeps_hostile_text_inert() -> None:
    from markdown_it import MarkdownIt

    diagram = load_diagram(HOSTILE)
    text = long_description(diagram, analyse_loops(diagram))
    html = MarkdownIt("commonmark").render(text)
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"h1", "h2", "p", "ul", "li", "strong"}, tags
    assert "<script" not in text and "<script" not in html  # kept as entities, literal text


def test_render_alt_writes_sidecars_and_check_sees_them(tmp_path: Path) -> None:
    source = tmp_path / "fines.yaml"
    source.write_bytes(FINES.read_bytes())
    result = runner.invoke(app, ["render", "--alt", str(source)])
    assert result.exit_code == 0, result.output
    assert "text alternatives" in result.stderr
    alt = (tmp_path / "fines.alt.txt").read_text(encoding="utf-8")
    desc = (tmp_path / "fines.desc.md").read_text(encoding="utf-8")
    assert alt.startswith("School fines cycle: causal loop diagram") and alt.endswith("\n")
    assert desc.startswith("# School fines cycle\n") and "## Links" in desc
    assert runner.invoke(app, ["render", "--alt", "--check", str(source)]).exit_code == 0
    (tmp_path / "fines.desc.md").unlink()
    stale = runner.invoke(app, ["render", "--alt", "--check", str(source)])
    assert stale.exit_code == 1 and "fines.desc.md: missing" in stale.stderr
    assert "--alt" in stale.stderr  # the hint reproduces the flag
    loops = tmp_path / "loops"
    each = runner.invoke(app, ["render", "--alt", "--each-loop", str(loops), str(source)])
    assert each.exit_code == 0, each.output
    assert "wrote 5 pictures" in each.stderr
    assert "highlighted" in (loops / "fines-R1.alt.txt").read_text(encoding="utf-8")


def test_render_alt_needs_a_file(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "render", "--alt", str(FINES),
                           "-o", "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == ("loopkit: error: --alt writes files beside the picture: "
                                   "give -o PATH, not -o -")
