"""Interview coding in: a CSV of causal claims imports as a diagram (``interop.claims``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.analysis.support import loop_support, merged_from
from loopkit.cli import app
from loopkit.interop import detect_format, export_text, import_text
from loopkit.interop.yaml_writer import write_yaml
from loopkit.model import Polarity
from loopkit.problems import DiagramError
from loopkit.read.load import load_diagram, parse_diagram
from tests.helpers import ROOT

CLAIMS = ROOT / "tests" / "data" / "claims" / "interviews.csv"
HEADER = "source,cause,effect,polarity,quote\n"
runner = CliRunner()


def read(text: str) -> object:
    return import_text(text, "c.csv", "claims").diagram


def problems(text: str) -> list[str]:
    with pytest.raises(DiagramError) as caught:
        import_text(text, "c.csv", "claims")
    return [str(p) for p in caught.value.problems]


def test_claims_become_links_with_quotes_sources_and_a_count() -> None:
    diagram = import_text(CLAIMS.read_text(), CLAIMS.name).diagram  # sniffed by header
    link = diagram.link_map[("fines_issued_to_parents", "family_financial_strain")]
    assert link.polarity is Polarity.POSITIVE
    assert link.sources == ("Parent A", "Parent B")
    assert link.evidence == ("Parent A: \u201cWe couldn't pay the rent, let alone the fine.\u201d",
                             "Parent B: \u201cIt all went on the fine.\u201d")
    assert link.description == "Coded from 2 claims by 2 sources (2 '+')."
    # labels match ignoring case: "fines issued to parents" is the same variable
    assert len(diagram.variables) == 5
    disputed = diagram.link_map[("fines_issued_to_parents", "school_non_attendance")]
    assert disputed.polarity is Polarity.UNKNOWN
    assert disputed.description == "Coded from 2 claims by 2 sources (1 '+', 1 '-')."


def test_agreement_works_on_interviews_too() -> None:
    diagram = import_text(CLAIMS.read_text(), CLAIMS.name).diagram
    total = len(merged_from(diagram))
    loops = analyse_loops(diagram).loops
    long_loop = next(lp for lp in loops if len(lp.variables) == 5)
    support = loop_support(long_loop.links, total)
    assert support is not None and support.merge_only  # no one person told the whole loop


@pytest.mark.parametrize(("text", "expected"), [
    ("source,cause,effect\nA,x,y\n", "c.csv:1:1: the first row must be the column names "
     "source,cause,effect,polarity,quote (got 'source,cause,effect')"),
    (HEADER + "A,x,y,+,q\nB,x,y\n", "c.csv:3:4: this row has 3 columns; a claim has 5: "
     "source,cause,effect,polarity,quote (quote a cell that contains a comma)"),
    (HEADER + "A,x,y,maybe,q\n", "c.csv:2:4: unknown polarity 'maybe': use '+' (same), "
     "'-' (opposite) or '?' (unknown)"),
    (HEADER + 'A,x,y,+,"a\nlong\nquote"\n,x,y,+,q\n', "c.csv:5:1: the claim has no a source: "
     "every row needs a source (who made the claim)"),
    (HEADER + "A,,y,+,q\n", "c.csv:2:2: the claim has no a cause: every row needs a cause"),
])
def test_errors_are_located_at_row_and_column(text: str, expected: str) -> None:
    assert problems(text)[0] == expected


def test_every_bad_row_is_reported_at_once() -> None:
    found = problems(HEADER + "A,x,y,?,q\nB,x,y,bad,q\nC,x,,+,q\n")
    assert [p.split(":")[1:3] for p in found] == [["3", "4"], ["4", "3"]]


def test_hostile_cells_are_bounded_and_inert() -> None:
    huge = "x" * 200_000
    found = problems(HEADER + f'A,x,y,+,"{huge}"\n')
    assert found[0].startswith("c.csv:2:1: unreadable CSV row: field larger than field limit")
    long_quote = "q" * 5_000
    diagram = read(HEADER + f"A,x,y,+,{long_quote}\n")
    assert len(diagram.links[0].evidence[0]) < 1_100
    formula = read(HEADER + 'A,=HYPERLINK("http://evil"),@SUM(A1),+,=1+1\n')
    assert formula.variables[0].label == '=HYPERLINK("http://evil")'
    # the label stays text in YAML and is escaped in CSV exports
    assert parse_diagram(write_yaml(formula), "f.yaml").variables[0].label == \
        '=HYPERLINK("http://evil")'
    assert "'=HYPERLINK" in export_text(formula, "csv")
    control = read(HEADER + "A\x1b[31m,x\x07y,z\u202e,+,q\x00\n")
    assert control.variables[0].label == "xy" and control.links[0].sources == ("A[31m",)
    assert all(ord(c) >= 32 for c in write_yaml(control) if c != "\n")


def test_quotes_per_link_are_capped_but_counted() -> None:
    rows = "".join(f"P{i},x,y,+,quote {i}\n" for i in range(80))
    link = read(HEADER + rows).links[0]
    assert len(link.evidence) == 50
    assert link.description == "Coded from 80 claims by 80 sources (80 '+')."


def test_not_claims_is_not_sniffed() -> None:
    assert detect_format(CLAIMS.read_text(), "x.txt").name == "claims"
    assert detect_format("source,cause,effect,polarity,quote\n", "x").name == "claims"
    with pytest.raises(DiagramError):
        detect_format("a,b,c\n1,2,3\n", "x.txt")


def test_import_command_sniffs_and_writes_a_valid_diagram(tmp_path: Path) -> None:
    out = tmp_path / "claims.yaml"
    result = runner.invoke(app, ["import", str(CLAIMS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "note: 8 claims from 4 sources" in result.stderr
    assert load_diagram(out).link_map[("school_non_attendance", "fines_issued_to_parents")]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A,x,y,sideways,q\n")
    done = subprocess.run([sys.executable, "-m", "loopkit", "import", "--from", "claims",
                           str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == (f"{bad}:2:4: unknown polarity 'sideways': use '+' (same), "
                                   "'-' (opposite) or '?' (unknown)")


@pytest.mark.parametrize("fmt", ["kumu", "sdjson", "graphml"])
def test_sources_survive_export_and_import(fmt: str) -> None:
    diagram = parse_diagram(write_yaml(import_text(CLAIMS.read_text(), "c.csv").diagram),
                            "c.yaml")
    back = import_text(export_text(diagram, fmt), f"trip.{fmt}", fmt).diagram
    assert [lk.sources for lk in back.links] == [lk.sources for lk in diagram.links]
    assert [lk.evidence for lk in back.links] == [lk.evidence for lk in diagram.links]


def test_a_hostile_file_name_cannot_break_the_header_comment(tmp_path: Path) -> None:
    """Regression: an escape or newline in the file name made the written YAML invalid."""
    hostile = tmp_path / "ev\x1b[2J\nil.csv"
    hostile.write_bytes(CLAIMS.read_bytes())
    out = tmp_path / "out.yaml"
    result = runner.invoke(app, ["import", str(hostile), "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text().splitlines()[0]
    assert first == "# Imported from ev\\x1b[2J\\nil.csv (causal claims CSV) by loopkit import."
    assert load_diagram(out).links


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), max_size=7), max_size=6))
def test_any_csv_is_a_diagram_or_located_problems(rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["source", "cause", "effect", "polarity", "quote"], *rows])
    try:
        diagram = import_text(buffer.getvalue(), "c.csv", "claims").diagram
    except DiagramError as error:
        assert all(p.file == "c.csv" and p.line >= 1 and p.column >= 1
                   for p in error.problems)
        return
    reread = parse_diagram(write_yaml(diagram), "c.yaml")
    assert reread.links == diagram.links
