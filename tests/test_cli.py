"""`loopkit loops`, `check`, `schema`: through typer's CliRunner and a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from tests.helpers import EXAMPLES, ROOT

FINES = str(EXAMPLES / "school-fines.yaml")
runner = CliRunner()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loopkit", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_loops_text_lists_declared_loops_and_summary() -> None:
    result = runner.invoke(app, ["loops", FINES])
    assert result.exit_code == 0, result.output
    assert "Fines spiral" in result.stdout
    assert "5 loops: 3 reinforcing, 2 balancing" in result.stdout


def test_loops_json_is_one_document_with_the_documented_shape() -> None:
    result = runner.invoke(app, ["loops", "--format", "json", FINES])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    [record] = document["files"]
    assert set(record) == {"file", "title", "loops", "summary", "problems"}
    assert record["summary"]["total"] == 5 and record["summary"]["truncated"] is False
    first = record["loops"][0]
    assert set(first) >= {"id", "name", "type", "variables", "length", "delays", "declared"}
    assert [loop["id"] for loop in record["loops"]] == ["B1", "R1", "R2", "R3", "B2"]
    assert first["type"] == "balancing" and first["variables"] == ["absence", "fines", "pressure"]


def test_through_keeps_only_loops_through_the_variable() -> None:
    result = runner.invoke(app, ["loops", "-f", "json", "--through", "safeguarding", FINES])
    loops = json.loads(result.stdout)["files"][0]["loops"]
    assert [loop["id"] for loop in loops] == ["B2"]


def test_through_unknown_variable_is_a_usage_error_with_suggestion() -> None:
    result = runner.invoke(app, ["loops", "--through", "fine", FINES])
    assert result.exit_code == 2
    assert "did you mean 'fines'?" in result.stderr


def test_undeclared_loops_get_next_free_ids(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "variables: {a: A, b: B, c: C}\n"
        "links: [a -> b (+), b -> a (+), b -> c (-), c -> b (+), c -> a (?), a -> c (+)]\n"
        "loops:\n  R3: {variables: [b, a]}\n"
    )
    result = runner.invoke(app, ["loops", "-f", "json", str(path)])
    loops = json.loads(result.stdout)["files"][0]["loops"]
    assert [(lp["id"], lp["type"], lp["declared"]) for lp in loops] == [
        ("R3", "reinforcing", True),
        ("U1", "undetermined", False),
        ("B1", "balancing", False),
        ("U2", "undetermined", False),  # a -> b -> c: positions (0, 1, 2)
        ("R4", "reinforcing", False),  # a -> c -> b: positions (0, 2, 1)
    ]


def test_loops_fails_on_wrong_declared_type() -> None:
    result = runner.invoke(app, ["loops", str(ROOT / "tests/errors/loop-wrong-type.yaml")])
    assert result.exit_code == 1
    assert "is balancing, not reinforcing" in result.stderr


def test_check_strict_fails_on_undeclared_loop(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n")
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0
    strict = runner.invoke(app, ["check", "--strict", str(path)])
    assert strict.exit_code == 1
    assert f"{path}:2:9: loop B1 (balancing: a \u2192 b \u2192 a) is not declared" in strict.stderr


def test_check_strict_passes_on_all_examples() -> None:
    result = runner.invoke(app, ["check", "--strict", *map(str, sorted(EXAMPLES.glob("*.yaml")))])
    assert result.exit_code == 0, result.stderr


def test_missing_file_is_a_usage_error() -> None:
    result = runner.invoke(app, ["loops", "no-such-file.yaml"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "loopkit: error: no-such-file.yaml: no such file"


def test_limit_truncates_and_says_why() -> None:
    result = runner.invoke(app, ["loops", "-f", "json", "--limit", "1", FINES])
    summary = json.loads(result.stdout)["files"][0]["summary"]
    assert summary["truncated"] is True
    assert "limit of 1 loops reached" in summary["reason"]


def test_schema_is_json_schema_with_the_format_fields() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert set(schema["required"]) == {"variables", "links"}
    assert "^x-" in schema["patternProperties"]


@pytest.mark.parametrize("command", [[], ["loops"], ["check"], ["schema"]])
def test_help_for_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_real_process_version_and_loops() -> None:
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith("loopkit ")
    loops = _run("loops", "--format", "json", "examples/school-fines.yaml")
    assert loops.returncode == 0
    assert json.loads(loops.stdout)["files"][0]["summary"]["total"] == 5
    assert loops.stderr == ""


def test_real_process_bad_option_exits_2() -> None:
    done = _run("loops", "--max-length", "zero", "examples/school-fines.yaml")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_usage_errors_stay_on_one_line_whatever_the_file_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["loops", str(tmp_path / "evil\n::error::x\x1b[31m.yaml")])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize(("argv", "flags"), [
    (["explore", "examples/school-fines.yaml"], "'--output' / '-o'"),
    (["report", "examples/school-fines.yaml"], "'--output' / '-o'"),
    (["export", "examples/school-fines.yaml"], "'--to' / '-t'"),
])
def test_a_missing_required_option_is_a_usage_error_at_every_allowed_typer(
        argv: list[str], flags: str) -> None:
    """typer 0.16-0.17 with click 8.3+ handed a missing required option in as None
    (an internal error); loopkit checks required options itself."""
    done = subprocess.run([sys.executable, "-m", "loopkit", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"loopkit: error: missing option {flags}; "
                           f"see 'loopkit {argv[0]} --help'\n")
