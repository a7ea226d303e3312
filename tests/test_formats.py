"""Every ``--format`` of ``loops`` and ``check`` against exact expected output.

The golden files in tests/formats/ are the contract: regenerate them only
after reading the difference, with ``UPDATE_GOLDEN=1 pytest tests/test_formats.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.output.machine import annotation, github_output, markdown_output, resolve_format
from loopkit.output.records import FileResult
from loopkit.problems import Problem, Severity
from tests.helpers import ROOT

GOLDEN = ROOT / "tests" / "formats"
HOSTILE = "tests/data/formats/hostile.yaml"
FINES = "examples/school-fines.yaml"
CASES = {
    "loops": ["loops", FINES, HOSTILE, "tests/errors/loop-wrong-type.yaml"],
    "check": ["check", "--strict", FINES, HOSTILE, "tests/errors/many-errors.yaml"],
}
FORMATS = ["text", "json", "markdown", "github"]
# Fixed width and no CI variables, so the text table and `auto` are reproducible.
# NO_COLOR/FORCE_COLOR are removed (None), not set empty: rich 13.0 reads an empty
# FORCE_COLOR as "force colour" (CI's lowest-versions step found it with rich 13.0).
ENV: dict[str, str | None] = {"COLUMNS": "100", "GITHUB_ACTIONS": "", "NO_COLOR": None,
                              "FORCE_COLOR": None}


def _process_env() -> dict[str, str]:
    """os.environ with ENV applied, for a real subprocess."""
    env = {**os.environ, **{k: v for k, v in ENV.items() if v is not None}}
    for name in (k for k, v in ENV.items() if v is None):
        env.pop(name, None)
    return env


def _invoke(args: list[str]) -> object:
    return CliRunner().invoke(app, args, env=ENV)


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", list(CASES))
def test_format_matches_golden(command: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = CASES[command]
    result = _invoke([args[0], "--format", fmt, *args[1:]])
    assert result.exit_code == 1, result.output  # every case includes a failing file
    _compare(f"{command}.{fmt}.stdout", result.stdout)
    _compare(f"{command}.{fmt}.stderr", result.stderr)
    assert "Traceback" not in result.output


def test_json_keeps_the_documented_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for command in CASES:
        args = CASES[command]
        data = json.loads(_invoke([args[0], "-f", "json", *args[1:]]).stdout)
        for record in data["files"]:
            keys = {"file", "title", "loops", "summary", "problems"}
            assert set(record) == (keys | {"ok"} if command == "check" else keys)
            assert set(record["summary"]) >= {"total", "reinforcing", "balancing",
                                              "undetermined", "truncated"}
            for loop in record["loops"]:
                assert set(loop) == {"id", "name", "type", "variables", "length", "delays",
                                     "declared"}
            for problem in record["problems"]:
                assert {"file", "line", "column", "message", "code"} <= set(problem)


def test_auto_is_github_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve_format("auto", {}) == "text"
    assert resolve_format("json", {"GITHUB_ACTIONS": "true"}) == "json"
    args = ["check", "-f", "auto", "tests/errors/loop-wrong-type.yaml"]
    under_ci = CliRunner().invoke(app, args, env={**ENV, "GITHUB_ACTIONS": "true"})
    assert under_ci.stdout.startswith("::error file=tests/errors/loop-wrong-type.yaml,line=10,")
    locally = CliRunner().invoke(app, args, env=ENV)
    assert locally.stdout == ""
    assert locally.stderr.startswith("tests/errors/loop-wrong-type.yaml:10:3: ")


def test_annotation_escapes_like_githubs_toolkit() -> None:
    problem = Problem("dir,1/a:b%.yaml", 3, 4, "50% done\r\nnext: a,b", "odd:code,x")
    assert annotation(problem) == (
        "::error file=dir%2C1/a%3Ab%25.yaml,line=3,col=4,title=loopkit odd%3Acode%2Cx"
        "::50%25 done%0D%0Anext: a,b"
    )
    warning = Problem("a.yaml", 1, 1, "m", "c", Severity.WARNING)
    assert annotation(warning).startswith("::warning file=a.yaml,")
    assert annotation(Problem("a.yaml", 1, 1, "m", "c", Severity.INFO)).startswith("::notice ")


def test_github_plain_lines_cannot_become_commands() -> None:
    result = FileResult("::error::x.yaml", problems=[Problem("::error::x.yaml", 1, 1, "bad")])
    lines = github_output([result], "check").splitlines()
    assert lines[0].startswith("::error file=%3A%3Aerror%3A%3Ax.yaml,")
    assert all(not line.startswith("::") for line in lines[1:])


def test_markdown_keeps_hostile_text_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    from loopkit.analysis.loops import analyse_loops
    from loopkit.read.load import load_diagram

    monkeypatch.chdir(ROOT)
    diagram = load_diagram(HOSTILE)
    text = markdown_output([FileResult(HOSTILE, diagram, analyse_loops(diagram))], "loops")
    assert "<script>" not in text and "<b>" not in text
    assert "](http" not in text  # no live link
    for line in text.splitlines():
        if line.startswith("|"):
            # every table row has exactly the 6 columns: user pipes are escaped
            assert line.replace("\\|", "").count("|") == 7, line


def test_real_process_matches_the_golden_github_output() -> None:
    args = CASES["check"]
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", args[0], "--format", "github", *args[1:]],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=_process_env(),
    )
    assert done.returncode == 1
    assert done.stdout == (GOLDEN / "check.github.stdout").read_text(encoding="utf-8")


def _on_a_terminal(args: list[str], **env: str) -> bytes:
    """Run loopkit with stdout on a pseudo-terminal, as a person would see it."""
    import pty

    main, secondary = pty.openpty()
    environ = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", **env}
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS"):
        if name not in env:
            environ.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "loopkit", *args], cwd=ROOT,
                            stdout=secondary, stderr=subprocess.DEVNULL, env=environ)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(main)
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_text_is_coloured_only_on_a_terminal_and_respects_no_color() -> None:
    coloured = _on_a_terminal(["loops", FINES])
    assert b"\x1b[" in coloured and b"reinforcing" in coloured
    plain = _on_a_terminal(["loops", FINES], NO_COLOR="1")
    assert b"reinforcing" in plain
    assert b"\x1b[31m" not in plain and b"\x1b[34m" not in plain  # no red/blue
    piped = _invoke(["loops", FINES])
    assert "\x1b[" not in piped.stdout


def test_quiet_prints_only_problems_and_verbose_adds_search_details(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    quiet = _invoke(["--quiet", "check", FINES])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    quiet_loops = _invoke(["-q", "loops", FINES])
    assert "Intended deterrent" in quiet_loops.stdout
    assert "5 loops:" not in quiet_loops.stdout
    failing = _invoke(["-q", "check", "tests/errors/loop-wrong-type.yaml"])
    assert failing.exit_code == 1 and "loop-wrong-type.yaml:10:3:" in failing.stderr
    verbose = _invoke(["--verbose", "check", FINES])
    assert verbose.exit_code == 0
    assert verbose.stdout == "examples/school-fines.yaml: ok (5 loops, 5 declared)\n"
    assert "examples/school-fines.yaml: 5 loops in " in verbose.stderr
    assert "search complete" in verbose.stderr
    stopped = _invoke(["-v", "loops", "--limit", "2", "-f", "json", FINES])
    assert "stopped early" in stopped.stderr
    both = _invoke(["-q", "-v", "check", FINES])
    assert both.exit_code == 2 and "cannot be used together" in both.stderr
