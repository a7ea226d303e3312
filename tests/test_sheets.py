"""Spreadsheets in and out: the CSV pair, a single links sheet, and XLSX (Kumu's template).

Every example round-trips through each with nothing changed, field by field
(not only what ``loopkit diff`` compares), and every problem points at
``file:row:column``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.interop import detect_format, get_format, import_text, read_source
from loopkit.model import Diagram, Polarity
from loopkit.read.load import load_diagram
from tests.helpers import EXAMPLES, ROOT

ALL_EXAMPLES = sorted([*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "archetypes").glob("*.yaml")])
runner = CliRunner()


def _fields(diagram: Diagram) -> tuple[object, ...]:
    variables = sorted((v.id, v.label, v.group, v.description, v.kind)
                       for v in diagram.variables)
    links = sorted((lk.source, lk.target, lk.polarity, lk.delay, lk.description, lk.evidence,
                    lk.confidence, lk.sources) for lk in diagram.links)
    return variables, links


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_example_round_trips(path: Path, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"map.{fmt}"
    done = runner.invoke(app, ["export", str(path), "--to", fmt, "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    source = tmp_path / ("map-connections.csv" if fmt == "csv" else "map.xlsx")
    back = tmp_path / "back.yaml"
    done = runner.invoke(app, ["import", str(source), "-o", str(back), "-q"])
    assert done.exit_code == 0, done.output
    assert _fields(load_diagram(back)) == _fields(load_diagram(path))
    diff = runner.invoke(app, ["diff", str(path), str(back)])
    assert diff.exit_code == 0 and "no changes" in diff.stdout


def test_the_elements_file_finds_its_connections_and_one_text_holds_both(tmp_path: Path):
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    csv_format = get_format("csv")
    parts = dict(csv_format.write_parts(diagram))
    (tmp_path / "m-elements.csv").write_text(parts["-elements"], encoding="utf-8")
    (tmp_path / "m-connections.csv").write_text(parts["-connections"], encoding="utf-8")
    name = str(tmp_path / "m-elements.csv")
    from_elements = import_text(*read_source(name)[:2])
    assert _fields(from_elements.diagram) == _fields(diagram)
    both = import_text(csv_format.write(diagram), "stdout.csv")  # export -o - prints both
    assert _fields(both.diagram) == _fields(diagram)


def test_a_links_sheet_makes_its_variables() -> None:
    text = ("From,To,Polarity,Delay,Evidence\n"
            "Fines issued,Family hardship,+,,Interview 3\n"
            "Family hardship,absence,+,yes,\n"
            "absence,Fines issued,same,,\n"
            "absence,pressure,,,\n")
    result = import_text(text, "links.csv")
    assert result.format == "csv"
    ids = {v.label: v.id for v in result.diagram.variables}
    assert ids == {"Fines issued": "fines_issued", "Family hardship": "family_hardship",
                   "absence": "absence", "pressure": "pressure"}
    link = {lk.key: lk for lk in result.diagram.links}
    assert link["family_hardship", "absence"].delay
    assert link["fines_issued", "family_hardship"].evidence == ("Interview 3",)
    assert link["absence", "fines_issued"].polarity is Polarity.POSITIVE
    assert link["absence", "pressure"].polarity is Polarity.UNKNOWN
    assert any("had no sign" in note for note in result.notes)


def test_semicolon_sheets_from_european_spreadsheets() -> None:
    result = import_text("from;to;polarity\na;b;-\nb;a;+\n", "links.csv")
    assert [(lk.source, lk.target, lk.polarity.value) for lk in result.diagram.links] == [
        ("a", "b", "-"), ("b", "a", "+")]


@pytest.mark.parametrize(("text", "where", "message"), [
    ("from,to,polarity\na,b,+\nb,a,maybe\n", "3:3", "unknown polarity 'maybe'"),
    ("from,to,polarity\na,,+\n", "2:2", "this connection has no 'to'"),
    ("from,to,polarity,delay\na,b,+,sometimes\n", "2:4", "delay 'sometimes' is not yes or no"),
    ("from,polarity\na,+\n", "1:1", "a connection table needs 'from' and 'to' columns"),
    ("from,to,sign,polarity\na,b,+,+\n", "1:4", "two columns give 'polarity'"),
    ("ID,Label\nx,Thing\n\nFrom,To,Type\nThing,Thng,+\n", "5:2", "'Thng' names no element"
     " (did you mean 'Thing'?)"),
    ('from,to\n"a,b\n', "2:1", "not a readable CSV"),
])
def test_sheet_problems_point_at_row_and_column(text: str, where: str, message: str,
                                                 tmp_path: Path) -> None:
    source = tmp_path / "links.csv"
    source.write_text(text, encoding="utf-8")
    done = runner.invoke(app, ["import", str(source), "-o", str(tmp_path / "out.yaml")])
    assert done.exit_code == 1, done.output
    line = done.stderr.strip().splitlines()[0]
    assert line.startswith(f"{source}:{where}: "), line
    assert message in line and "Traceback" not in done.output
    assert not (tmp_path / "out.yaml").exists()


def test_formulas_stay_text_both_ways(tmp_path: Path) -> None:
    hostile = ("variables:\n  a: \"=HYPERLINK(\\\"http://x\\\")\"\n  b: \"'quoted\"\n"
               "  c: \"@SUM(A1)\"\nlinks:\n  - a -> b (+)\n  - b -> c (-)\n  - c -> a (-)\n")
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile, encoding="utf-8")
    for fmt, source in (("csv", "h-connections.csv"), ("xlsx", "h.xlsx")):
        done = runner.invoke(app, ["export", str(path), "--to", fmt, "-q",
                                   "-o", str(tmp_path / f"h.{fmt}")])
        assert done.exit_code == 0, done.output
        back = tmp_path / f"back-{fmt}.yaml"
        assert runner.invoke(app, ["import", str(tmp_path / source), "-o", str(back),
                                   "-q"]).exit_code == 0
        assert _fields(load_diagram(back)) == _fields(load_diagram(path))
    elements = (tmp_path / "h-elements.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in elements and "''quoted" in elements and "'@SUM" in elements
    book = openpyxl.load_workbook(tmp_path / "h.xlsx")
    cells = [c for row in book["Elements"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # no formula cells at all


def test_xlsx_is_deterministic_and_kumu_shaped(tmp_path: Path) -> None:
    diagram = load_diagram(EXAMPLES / "school-fines.yaml")
    first = get_format("xlsx").write(diagram)
    assert first == get_format("xlsx").write(diagram)
    book = openpyxl.load_workbook(io.BytesIO(first.encode("latin-1")))
    assert book.sheetnames == ["Elements", "Connections"]
    assert [c.value for c in book["Elements"][1]][:4] == ["ID", "Label", "Type", "Description"]
    assert [c.value for c in book["Connections"][1]][:3] == ["From", "To", "Type"]
    assert detect_format(first, "anything").name == "xlsx"


def test_a_hand_made_workbook_with_one_links_sheet_and_its_problems(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Workshop"
    sheet.append(["Cause", "Effect", "Sign"])
    sheet.append(["Fines", "Hardship", "+"])
    sheet.append(["Hardship", "Fines", 1])
    path = tmp_path / "workshop.xlsx"
    book.save(path)
    done = runner.invoke(app, ["import", str(path), "-o", "-"])
    assert done.exit_code == 1
    assert done.stderr.startswith(f"{path}:3:3: in sheet 'Workshop': unknown polarity '1'")


def test_zip_bombs_and_junk_are_one_located_line(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<" + b" " * 50_000_000)
    (tmp_path / "bomb.xlsx").write_bytes(bomb.getvalue())
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 xl/ not really a zip")
    for name, message in (("bomb.xlsx", "unpacks to 50,000,001 bytes"),
                          ("junk.xlsx", "not a readable XLSX workbook")):
        done = subprocess.run([sys.executable, "-m", "loopkit", "import", name, "-o", "x.yaml"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(f"{name}:1:1: ") and message in done.stderr
        assert "Traceback" not in done.stderr


def test_binary_export_to_a_terminal_is_refused_but_pipes_get_bytes(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "export",
                           str(EXAMPLES / "school-fines.yaml"), "--to", "xlsx", "-q"],
                          capture_output=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.startswith(b"PK\x03\x04")
