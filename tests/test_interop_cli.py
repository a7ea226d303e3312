"""`loopkit import` / `loopkit export` through typer's runner and a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.read.load import load_diagram

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data" / "interop"
EXAMPLE = ROOT / "examples" / "school-fines.yaml"
runner = CliRunner()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loopkit", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_import_writes_a_diagram_and_summarises_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "cld.yaml"
    result = runner.invoke(app, ["import", str(DATA / "cld.mdl"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    diagram = load_diagram(out)
    assert len(diagram.variables) == 6 and len(diagram.links) == 8
    assert out.read_text(encoding="utf-8").startswith(
        "# Imported from cld.mdl (Vensim .mdl model) by loopkit import.\n")
    assert "imported 6 variables and 8 links from cld.mdl (vensim)" in result.stderr
    assert "note: 1 arrow had no polarity drawn: signed from the equations" in result.stderr


def test_import_to_stdout_keeps_stdout_clean(tmp_path: Path) -> None:
    proc = run("import", str(DATA / "ads.loopy"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Imported from ads.loopy")
    assert "imported 3 variables" in proc.stderr and "imported" not in proc.stdout
    target = tmp_path / "ads.yaml"
    target.write_text(proc.stdout, encoding="utf-8")
    assert len(load_diagram(target).links) == 4


def test_import_options_from_and_map_type(tmp_path: Path) -> None:
    out = tmp_path / "k.yaml"
    result = runner.invoke(app, ["import", str(DATA / "kumu-blueprint.json"), "--from", "kumu",
                                 "--map-type", "boosts=+", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "hiring -> workload (+)" in out.read_text(encoding="utf-8")
    assert result.stderr == ""
    bad = runner.invoke(app, ["import", str(DATA / "kumu-blueprint.json"),
                              "--map-type", "boosts"])
    assert bad.exit_code == 2 and "NAME=+" in bad.stderr


def test_import_loopy_link_argument() -> None:
    link = "https://ncase.me/loopy/v1.1/?data=[[[1,0,0,0,%22a%2520b%22,0],[2,9,9,0,%22c%22,1]],[[1,2,0,-1,0],[2,1,0,1,0]],[],2%5D"
    result = runner.invoke(app, ["import", link])
    assert result.exit_code == 0, result.output
    assert "a_b -> c (-)" in result.stdout and "from a LOOPY link" in result.stderr


def test_unreadable_input_is_one_located_line_and_exit_1() -> None:
    for name, location in (("bad-arrow.mdl", ":16:7: "), ("broken.json", ":6:1: "),
                           ("bad.xmile", ":6:7: ")):
        proc = run("import", str(DATA / name), "-o", "-")
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and location in lines[0] and "Traceback" not in proc.stderr
        assert proc.stdout == ""


def test_usage_problems_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.mdl")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    wrong = runner.invoke(app, ["import", str(DATA / "cld.mdl"), "--from", "visio"])
    assert wrong.exit_code == 2 and "cannot read format 'visio'" in wrong.stderr
    over = runner.invoke(app, ["import", str(DATA / "cld.mdl"), "-o", str(DATA / "cld.mdl")])
    assert over.exit_code == 2 and "refusing to write over the input" in over.stderr


def test_export_to_stdout_and_files(tmp_path: Path) -> None:
    proc = run("export", str(EXAMPLE), "--to", "mermaid")
    assert proc.returncode == 0 and proc.stdout.splitlines()[3] == "flowchart LR"
    assert "Mermaid flowchart cannot carry: descriptions (4)" in proc.stderr
    out = tmp_path / "map.csv"
    result = runner.invoke(app, ["export", str(EXAMPLE), "--to", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "map-elements.csv").read_text(encoding="utf-8").startswith("ID,Label")
    assert (tmp_path / "map-connections.csv").exists() and not out.exists()
    link = runner.invoke(app, ["export", str(EXAMPLE), "--to", "loopy", "-q"])
    assert link.stdout.startswith("https://ncase.me/loopy/v1.1/?data=") and link.stderr == ""


def test_export_then_import_round_trips_on_the_command_line(tmp_path: Path) -> None:
    kumu = tmp_path / "fines.json"
    back = tmp_path / "back.yaml"
    assert run("export", str(EXAMPLE), "--to", "kumu", "-o", str(kumu)).returncode == 0
    assert run("import", str(kumu), "-o", str(back)).returncode == 0
    original, again = load_diagram(EXAMPLE), load_diagram(back)
    assert (again.variables, again.links, again.loops) == (
        original.variables, original.links, original.loops)


def test_export_refuses_bad_diagram_and_input_overwrite(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("variables:\n  a: A\nlinks:\n  - a -> b (+)\n", encoding="utf-8")
    result = runner.invoke(app, ["export", str(bad), "--to", "mermaid"])
    assert result.exit_code == 1 and f"{bad}:4:5: link 1: 'b' is not a declared" in \
        result.stderr
    same = runner.invoke(app, ["export", str(EXAMPLE), "--to", "dot", "-o", str(EXAMPLE)])
    assert same.exit_code == 2 and "refusing to write over the input" in same.stderr


def test_import_that_breaks_a_limit_names_the_source(tmp_path: Path) -> None:
    source = tmp_path / "long.json"
    source.write_text('{"elements": [{"label": "' + "x" * 600 + '"}]}', encoding="utf-8")
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{source}:1:1: the imported diagram is not valid: ")
    assert result.stdout == ""
