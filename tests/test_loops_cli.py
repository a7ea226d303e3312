"""`loopkit loops --count / --independent / --link / --limit`, in-process and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from loopkit.cli import app
from tests.helpers import EXAMPLES, ROOT

FINES = str(EXAMPLES / "school-fines.yaml")
runner = CliRunner()


def run_json(*args: str) -> dict:
    result = runner.invoke(app, ["loops", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def test_count_totals_match_the_listing() -> None:
    listed = run_json(FINES)
    counted = run_json("--count", FINES)
    assert counted["loops"] == []
    for key in ("total", "reinforcing", "balancing", "undetermined"):
        assert counted["summary"][key] == listed["summary"][key]
    by_length = counted["summary"]["by_length"]
    lengths = sorted(loop["length"] for loop in listed["loops"])
    assert {int(k): sum(v.values()) for k, v in by_length.items()} == {
        n: lengths.count(n) for n in set(lengths)}


def test_count_text_shows_a_table_by_length() -> None:
    result = runner.invoke(app, ["loops", "--count", FINES])
    assert result.exit_code == 0
    assert "Length" in result.stdout and "Reinforcing" in result.stdout
    assert "5 loops: 3 reinforcing, 2 balancing" in result.stdout


def test_independent_lists_the_sils_with_the_cycle_rank() -> None:
    record = run_json("--independent", FINES)
    summary = record["summary"]
    assert summary["independent"] is True and summary["cycle_rank"] == 5
    assert summary["complete"] is True
    assert [c["size"] for c in summary["components"]] == [10]
    text = runner.invoke(app, ["loops", "--independent", FINES]).stdout
    assert "cycle rank 5 in 1 feedback component (10 variables)" in text


def test_link_keeps_only_loops_using_it() -> None:
    record = run_json("--link", "fines->strain", FINES)
    assert record["loops"]
    for loop in record["loops"]:
        names = loop["variables"]
        assert ("fines", "strain") in zip(names, names[1:] + names[:1], strict=True)
    assert run_json("--link", "fines → strain", "--count", FINES)["summary"]["total"] == len(
        record["loops"])


def test_bad_queries_are_usage_errors() -> None:
    cases = {
        ("--link", "fines->absence"): "there is no link fines -> absence (links from fines go to",
        ("--link", "fines"): "should be written SOURCE->TARGET",
        ("--link", "fines->strian"): "did you mean",
        ("--count", "--independent"): "cannot be used together",
        ("--independent", "--through", "fines"): "drop --through/--link",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["loops", *args, FINES])
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_limit_keeps_the_shortest_and_says_so() -> None:
    record = run_json("--limit", "1", "--max-length", "20", str(ROOT / "examples"
                                                                / "referrals.yaml"))
    assert record["summary"]["truncated"] is True
    assert record["summary"]["total"] == len(record["loops"]) == 1  # declared loops count
    assert "then the shortest others, are kept" in record["summary"]["reason"]


def test_no_progress_output_when_stderr_is_not_a_terminal() -> None:
    result = runner.invoke(app, ["loops", "--count", FINES])
    assert result.stderr == ""


def test_real_process_count_and_independent() -> None:
    for flag in ("--count", "--independent"):
        done = subprocess.run(
            [sys.executable, "-m", "loopkit", "loops", flag, "--format", "json", FINES],
            capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        summary = json.loads(done.stdout)["files"][0]["summary"]
        assert summary["total"] == 5


def test_independent_on_a_diagram_without_loops(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text("variables:\n  a: A\n  b: B\nlinks:\n  - a -> b (+)\n", encoding="utf-8")
    result = runner.invoke(app, ["loops", "--independent", str(path)])
    assert result.exit_code == 0
    assert "no feedback" in result.stdout
    record = run_json("--independent", str(path))
    assert record["summary"]["cycle_rank"] == 0 and record["summary"]["components"] == []


def test_long_listings_print_one_line_per_loop(tmp_path: Path) -> None:
    names = [f"v{i}" for i in range(7)]  # every pair linked both ways: 2,365 loops
    links = [f"  - {a} -> {b} ({'-' if (i + j) % 3 == 0 else '+'})"
             for i, a in enumerate(names) for j, b in enumerate(names) if a != b]
    path = tmp_path / "dense.yaml"
    path.write_text("variables:\n" + "".join(f"  {n}: Var {n}\n" for n in names)
                    + "links:\n" + "\n".join(links) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["loops", str(path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    listed = [line for line in lines if line[:1] in "RB" and " links" in line]
    assert len(listed) == 2365
    assert "│" not in result.stdout  # no table
    assert lines[-1].startswith(f"{path}: 2365 loops: ")
    record = run_json(str(path))
    assert [loop["id"] for loop in record["loops"]] == [line.split()[0] for line in listed]
