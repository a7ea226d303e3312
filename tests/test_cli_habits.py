"""The command-line habits of ruff and yamllint (issue 12), through CliRunner and a real process.

Folders are walked for diagrams, ``-`` is standard input, global options may
follow the command, usage errors are one plain line when stderr is not a
terminal, tables are plain when stdout is not, ``-V`` and a bare ``loopkit``.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.cli.app import hoist_global_options
from loopkit.problems import UsageError
from loopkit.read.paths import diagram_paths
from tests.helpers import EXAMPLES, ROOT

FINES = str(EXAMPLES / "school-fines.yaml")
TINY = "variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n"
#: Unicode box drawing (U+2500-U+257F): what a piped table must not contain.
BOX = re.compile("[\u2500-\u257f]")
runner = CliRunner()


def _run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    """A real ``python -m loopkit``: stdout and stderr are pipes, not terminals."""
    return subprocess.run([sys.executable, "-m", "loopkit", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {}), "COLUMNS": "100"})


def _tree(root: Path) -> Path:
    """A folder of diagrams, hidden ones, other files and a symlinked folder."""
    for name in ["b.yaml", "a/z.yml", "a/b/c.YAML", "a.yaml", ".hidden.yaml",
                 ".git/x.yaml", "a/.cache/y.yaml"]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TINY, encoding="utf-8")
    (root / "notes.txt").write_text("not a diagram", encoding="utf-8")
    (root / "link").symlink_to(root / "a", target_is_directory=True)
    return root


# --- folders ----------------------------------------------------------------------


def test_a_folder_is_its_yaml_files_sorted_without_hidden_ones(tmp_path: Path) -> None:
    root = _tree(tmp_path / "maps")
    expected = [str(root / p) for p in ["a/b/c.YAML", "a/z.yml", "a.yaml", "b.yaml"]]
    assert diagram_paths([str(root)]) == expected
    result = runner.invoke(app, ["check", "-f", "json", str(root)])
    assert result.exit_code == 0, result.output
    assert [r["file"] for r in json.loads(result.stdout)["files"]] == expected


def test_a_real_process_walks_the_current_folder_with_plain_names(tmp_path: Path) -> None:
    _tree(tmp_path)
    done = subprocess.run([sys.executable, "-m", "loopkit", "check", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == [
        "a/b/c.YAML", "a/z.yml", "a.yaml", "b.yaml"]


def test_files_named_explicitly_are_read_whatever_their_name_and_once(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    hidden = str(root / ".hidden.yaml")
    assert diagram_paths([hidden, str(root / "a"), str(root / "a/z.yml")]) == [
        hidden, str(root / "a/b/c.YAML"), str(root / "a/z.yml")]


def test_a_folder_walk_is_bounded_and_says_so(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    with pytest.raises(UsageError, match=r"more than 3 diagram files under this folder; "
                       r"stopped there \(raise --max-files\)"):
        diagram_paths([str(root)], max_files=3)
    for args in (["--max-files", "3", "check", str(root)], ["check", str(root), "--max-files=3"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr.startswith("loopkit: error: ") and "--max-files" in result.stderr
    assert runner.invoke(app, ["check", str(root), "--max-files", "4"]).exit_code == 0


def test_a_folder_of_many_other_files_stops_walking(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from loopkit.read import paths

    for n in range(30):
        (tmp_path / f"{n}.txt").write_text("", encoding="utf-8")
    monkeypatch.setattr(paths, "_ENTRIES_PER_FILE", 10)
    with pytest.raises(UsageError, match=r"stopped walking the folder after 20 entries; name "
                       r"the files or subfolders to read, or raise --max-files"):
        diagram_paths([str(tmp_path)], max_files=2)


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["loops", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"loopkit: error: {tmp_path}: no .yaml or .yml files in this folder\n"


# --- standard input ---------------------------------------------------------------


def test_dash_reads_standard_input_named_stdin_in_messages() -> None:
    good = runner.invoke(app, ["loops", "-f", "json", "-"], input=TINY)
    assert good.exit_code == 0, good.output
    [record] = json.loads(good.stdout)["files"]
    assert record["file"] == "<stdin>" and record["summary"]["total"] == 1
    bad = runner.invoke(app, ["check", "-"], input="variables: {a: A}\nlinks: [a -> b (+)]\n")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("<stdin>:2:9: ")


def test_standard_input_is_bounded_by_max_file_size() -> None:
    result = runner.invoke(app, ["check", "-", "--max-file-size", "10"], input=TINY * 10)
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>:1:1: file is larger than 10 bytes")


def test_standard_input_can_be_named_once() -> None:
    result = runner.invoke(app, ["check", "-", "-"], input=TINY)
    assert result.exit_code == 2
    assert result.stderr == ("loopkit: error: '-' (standard input) given more than once; "
                             "it can be read once\n")


def test_a_real_process_reads_standard_input() -> None:
    done = _run("check", "-", stdin=Path(FINES).read_text(encoding="utf-8"))
    assert done.returncode == 0 and done.stdout == "<stdin>: ok (5 loops, 5 declared)\n"
    picture = _run("render", "-", stdin=TINY)
    assert picture.returncode == 0, picture.stderr
    assert picture.stdout.startswith("<svg")
    refused = _run("render", "-", "--watch", stdin=TINY)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1


def test_single_file_commands_read_standard_input_too() -> None:
    result = runner.invoke(app, ["trace", "-", "a"], input=TINY)
    assert result.exit_code == 0, result.output


# --- global options after the command ---------------------------------------------


def test_global_options_may_follow_the_command() -> None:
    before = runner.invoke(app, ["-q", "loops", FINES])
    after = runner.invoke(app, ["loops", "-q", FINES])
    at_end = runner.invoke(app, ["loops", FINES, "--quiet"])
    assert before.exit_code == after.exit_code == at_end.exit_code == 0
    assert before.stdout == after.stdout == at_end.stdout
    assert "5 loops:" not in after.stdout  # --quiet drops the summary line
    limited = runner.invoke(app, ["check", FINES, "--max-variables", "2"])
    assert limited.exit_code == 1 and "the limit is 2" in limited.stderr


def test_a_real_process_takes_global_options_after_the_command() -> None:
    done = _run("check", "examples/school-fines.yaml", "--max-variables=2")
    assert done.returncode == 1 and "the limit is 2" in done.stderr
    quiet = _run("check", "-q", "examples/school-fines.yaml")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_a_commands_own_option_and_option_values_stay_put() -> None:
    group = typer.main.get_command(app)
    # export has its own --quiet; --through takes a value; after -- nothing moves
    assert hoist_global_options(group, ["export", "f.yaml", "-q"]) == ["export", "f.yaml", "-q"]
    assert hoist_global_options(group, ["loops", "--through", "-q", "f"]) == [
        "loops", "--through", "-q", "f"]
    assert hoist_global_options(group, ["loops", "f", "--", "-q"]) == ["loops", "f", "--", "-q"]
    assert hoist_global_options(group, ["--max-depth", "9", "loops", "-v", "f"]) == [
        "--max-depth", "9", "-v", "loops", "f"]
    assert hoist_global_options(group, ["nope", "-q"]) == ["nope", "-q"]


GLOBALS = [["-q"], ["--verbose"], ["--max-variables", "99"], ["--max-links=99"],
           ["--max-files", "5"]]
LOCALS = [["--through", "fines"], ["-f", "json"], ["--limit", "3"], ["--count"], ["FILE"],
          ["--link=a->b"], ["--through", "--max-files"]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 100)), max_size=8))
def test_hoisting_moves_every_global_option_and_keeps_the_order_of_the_rest(
        picks: list[tuple[bool, int]]) -> None:
    """Oracle: the global options in order, the command, the command's tokens in order."""
    group = typer.main.get_command(app)
    globals_: list[str] = []
    locals_: list[str] = []
    args = ["loops"]
    for is_global, n in picks:
        chunk = GLOBALS[n % len(GLOBALS)] if is_global else LOCALS[n % len(LOCALS)]
        (globals_ if is_global else locals_).extend(chunk)
        args.extend(chunk)
    assert hoist_global_options(group, args) == [*globals_, "loops", *locals_]


# --- usage errors: one plain line when stderr is not a terminal ----------------------

USAGE_ERRORS = {
    "missing argument": (["loops"], "loopkit: error: missing argument 'FILE...'; "
                                    "see 'loopkit loops --help'"),
    "bad value": (["loops", "-f", "yaml", FINES], "loopkit: error: invalid value for "
                  "'--format' / '-f': 'yaml' is not one of"),
    "unknown option": (["loops", "--fromat", "json", FINES], "loopkit: error: no such option: "
                       "--fromat (did you mean --format?); see 'loopkit loops --help'"),
    "unknown global option": (["--quite", "loops", FINES], "loopkit: error: no such option: "
                              "--quite (did you mean --quiet?); see 'loopkit --help'"),
    "unknown command": (["lops", FINES], "loopkit: error: no such command 'lops' "
                        "(did you mean 'loops'?); see 'loopkit --help'"),
    "out of range": (["loops", "--limit", "0", FINES], "loopkit: error: invalid value for "
                     "'--limit': 0 is not in the range"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_are_one_plain_line(case: str) -> None:
    args, start = USAGE_ERRORS[case]
    result, done = runner.invoke(app, args), _run(*args)
    assert result.exit_code == done.returncode == 2
    assert result.stdout == done.stdout == ""
    for stderr in (result.stderr, done.stderr):
        assert stderr.startswith(start), stderr
        assert stderr.count("\n") == 1 and not BOX.search(stderr)


def test_a_terminal_still_gets_typers_box() -> None:
    """Only where stderr is a terminal: there the usage and the boxed error stay."""
    done = _in_terminal("loops", "--fromat", "json", FINES)
    assert "Usage: loopkit loops" in done and "--fromat" in done


# --- tables plain when piped ---------------------------------------------------------


def test_piped_tables_have_no_box_drawing() -> None:
    for args in (["loops", FINES], ["loops", "--count", FINES], ["loops", "--evidence", FINES],
                 ["loops", "--independent", FINES]):
        done = _run(*args)
        assert done.returncode == 0, done.stderr
        assert not BOX.search(done.stdout), args
        assert all(line == line.rstrip() for line in done.stdout.splitlines())
    lines = _run("loops", FINES).stdout.splitlines()
    assert lines[1].split()[:2] == ["B1", "balancing"]  # one loop per line


def test_a_piped_listing_never_imports_rich() -> None:
    """Plain lines need no rich, so a piped ``loops`` starts as fast as it can (beyond
    what typer itself imports: typer < 0.2x imports rich at start-up)."""
    code = ("import sys\n"
            "import loopkit.cli\n"
            "before = {m for m in sys.modules if m.startswith('rich')}\n"
            f"sys.argv = ['loopkit', 'loops', '--count', {FINES!r}]\n"
            "try:\n    loopkit.cli.main()\n"
            "except SystemExit:\n    pass\n"
            "sys.stderr.write(str(sorted(m for m in sys.modules if m.startswith('rich')\n"
            "                            and m not in before)))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.stderr == "[]" and "all" in done.stdout


@pytest.mark.parametrize(("env", "expected"), [
    ({}, False), ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": ""}, False),
    ({"TTY_COMPATIBLE": "1"}, True), ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, False)])
def test_terminal_output_follows_richs_variables(env: dict[str, str], expected: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from loopkit.cli.common import stdout_is_terminal

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a terminal
    assert stdout_is_terminal() is expected


def test_a_terminal_gets_the_box_drawn_table() -> None:
    out = _in_terminal("loops", FINES)
    assert "\u2503 ID" in out and "\u2502 B1" in out


def _in_terminal(*args: str) -> str:
    """Run loopkit with stdout and stderr on a pseudo-terminal; return what it showed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "xterm"}
    env.pop("FORCE_COLOR", None)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "loopkit", *args], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
    finally:
        os.close(leader)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))


# --- -V, and loopkit alone --------------------------------------------------------


def test_dash_capital_v_is_the_version() -> None:
    assert runner.invoke(app, ["-V"]).stdout == runner.invoke(app, ["--version"]).stdout
    done = _run("-V")
    assert done.returncode == 0 and done.stdout.startswith("loopkit ")


def test_loopkit_alone_prints_a_short_usage_and_exits_2() -> None:
    for result in (runner.invoke(app, []), _run()):
        code = getattr(result, "exit_code", getattr(result, "returncode", None))
        assert code == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == "usage: loopkit [OPTIONS] COMMAND [ARGS]..."
        assert 3 <= len(lines) <= 8 and "--help" in lines[-1]
