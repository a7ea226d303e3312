"""Agreement in a merged map: loops --evidence, the report, render --style support."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.analysis.merge import load_synonyms, merge_diagrams
from loopkit.analysis.support import loop_support, merged_from
from loopkit.cli import app
from loopkit.interop.yaml_writer import write_yaml
from loopkit.model import Diagram, Link, Polarity
from loopkit.read.load import load_diagram
from loopkit.render.dotsource import Style, build_dot, support_width
from tests.helpers import ROOT

MERGE = ROOT / "examples" / "merge"
runner = CliRunner()


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    maps = [load_diagram(MERGE / n) for n in ("school.yaml", "family-support.yaml",
                                               "youth-service.yaml")]
    table = load_synonyms(MERGE / "synonyms.txt")
    path = tmp_path_factory.mktemp("merge") / "merged.yaml"
    path.write_text(write_yaml(merge_diagrams(maps, table, prefer=0).diagram))
    return path


def test_support_counts_maps_that_drew_every_link() -> None:
    links = [Link("a", "b", Polarity.POSITIVE, sources=("x", "y")),
             Link("b", "a", Polarity.POSITIVE, sources=("y", "z"))]
    support = loop_support(links, 3)
    assert support is not None and support.maps == ("y",) and support.short() == "1 of 3 sources"
    only = loop_support([links[0], Link("b", "a", Polarity.POSITIVE, sources=("z",))], 3)
    assert only is not None and only.merge_only and only.short() == "merge only"
    assert "no single source has all of its links (its links come from x, y, z)" in \
        only.sentence()
    assert loop_support([links[0], Link("b", "a", Polarity.POSITIVE)], 3) is None
    assert merged_from(Diagram.build(["a"], [])) == ()


def test_example_has_a_loop_only_the_merge_has(merged: Path) -> None:
    diagram = load_diagram(merged)
    total = len(merged_from(diagram))
    assert total == 3
    support = {lp.id: loop_support(lp.links, total) for lp in analyse_loops(diagram).loops}
    assert {k: s.short() for k, s in support.items() if s} == {
        "B1": "2 of 3 sources", "R1": "1 of 3 sources", "R2": "merge only"}


def test_loops_evidence_shows_support_in_plain_lines(merged: Path) -> None:
    """Piped (stdout not a terminal): one line per loop, support at its end."""
    result = runner.invoke(app, ["loops", "--evidence", str(merged)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()
            if line[:1] in "RB" and " links" in line}
    assert rows["R2"].endswith("(support: merge only)")
    assert rows["B1"].endswith("(support: 2 of 3 sources)")


def test_loops_evidence_shows_support(merged: Path) -> None:
    # FORCE_COLOR: drawn as on a terminal (the table); NO_COLOR keeps escapes out of cells
    terminal = {"COLUMNS": "250", "FORCE_COLOR": "1", "NO_COLOR": "1"}
    result = runner.invoke(app, ["loops", "--evidence", str(merged)], env=terminal)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}
    assert "merge only" in rows["R2"] and "2 of 3 sources" in rows["B1"]
    assert "Support" in result.stdout
    plain = runner.invoke(app, ["loops", "--evidence", str(ROOT / "examples" /
                                                         "school-fines.yaml")],
                          env=terminal)
    header = next(line for line in plain.stdout.splitlines() if "Weakest link" in line)
    assert "Support" not in header  # not a merged map: no column


def test_report_says_which_loops_exist_only_through_the_merge(merged: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", str(merged), "-o", str(out), "--no-images"])
    assert result.exit_code == 0, result.output
    text = out.read_text().replace("\\", "")  # Markdown escapes punctuation
    assert "Exists only through the merge: no single source has all of its links" in text
    assert "Supported by 2 of 3 sources, which drew all of its links" in text
    html = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(merged), "-o", str(html)]).exit_code == 0
    assert '<p class="support">Exists only through the merge' in html.read_text()


def test_render_style_support_draws_width_by_sources(merged: Path) -> None:
    diagram = load_diagram(merged)
    dot = build_dot(diagram, style=Style.parse(["support"]))
    lines = {line.split("[")[0].strip(): line for line in dot.splitlines() if "->" in line}
    shared = lines['"absence" -> "fines"']
    single = lines['"fines" -> "strain"']
    assert f"penwidth={support_width(2)}" in shared and "penwidth=1," in single
    assert "penwidth" not in build_dot(diagram)  # only when asked for
    assert support_width(1) == 1.0 and support_width(50) == 7.0


def test_link_titles_say_which_maps_drew_them(merged: Path) -> None:
    """The width --style support draws also exists as text, in each link's SVG title."""
    from loopkit.render import render_svg

    svg = render_svg(load_diagram(merged))
    assert "(+ positive, delayed; drawn by 2 sources: family-support.yaml, school.yaml)" \
        "</title>" in svg
    assert "drawn by 1 source: youth-service.yaml)</title>" in svg


def test_json_loop_records_carry_support_in_merged_maps_only(merged: Path) -> None:
    import json

    result = runner.invoke(app, ["loops", "--format", "json", str(merged)])
    loops = {lp["id"]: lp for lp in json.loads(result.stdout)["files"][0]["loops"]}
    assert loops["R2"]["support"] == {"sources": [], "total": 3, "merge_only": True}
    assert loops["B1"]["support"]["sources"] == ["family-support.yaml", "school.yaml"]
    plain = runner.invoke(app, ["loops", "--format", "json",
                                str(ROOT / "examples" / "school-fines.yaml")])
    assert all("support" not in lp for lp in json.loads(plain.stdout)["files"][0]["loops"])
