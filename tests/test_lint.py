"""Lint rules (positive and negative case each), settings files, CLI and check --strict."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.analysis.lint import RULES, active_rules, lint, load_lint_settings
from loopkit.cli import app
from loopkit.problems import Severity, UsageError
from loopkit.read.load import parse_diagram
from loopkit.read.settings import LintSettings, find_config, settings_for
from tests.helpers import EXAMPLES, ROOT

runner = CliRunner()

#: rule -> (diagram that breaks it, diagram that does not)
CASES = {
    "verb-name": ("variables: {a: Reduce costs, b: Costs}\nlinks: [a -> b (-)]\n",
                  "variables: {a: Increase in demand, b: Costs}\nlinks: [a -> b (+)]\n"),
    "direction-name": ("variables: {a: Increasing costs, b: More fines}\nlinks: [a -> b (+)]\n",
                       "variables: {a: Costs, b: Fines}\nlinks: [a -> b (+)]\n"),
    "isolated-variable": ("variables: {a: A, b: B, c: C}\nlinks: [a -> b (+)]\n",
                          "variables: {a: A, b: B}\nlinks: [a -> b (+)]\n"),
    "driver": ("variables: {a: A, b: B}\nlinks: [a -> b (+)]\n",
               "variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (+)]\n"),
    "outcome": ("variables: {a: A, b: B}\nlinks: [a -> b (+)]\n",
                "variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (+)]\n"),
    "two-variable-loop": ("variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n",
                          "variables: {a: A, b: B, c: C}\n"
                          "links: [a -> b (+), b -> c (+), c -> a (-)]\n"),
    "balancing-loop-without-goal": (
        "variables: {a: A, b: B, c: C}\nlinks: [a -> b (+), b -> c (+), c -> a (-)]\n",
        "variables: {a: Quality, b: Quality gap, c: Effort, d: Desired quality}\n"
        "links: [a -> b (-), b -> c (+), c -> a (+), d -> b (+)]\n"),
    "parallel-links": ("variables: {a: A, b: B, c: C}\n"
                       "links: [a -> b (-), b -> c (-), a -> c (+)]\n",
                       "variables: {a: A, b: B, c: C}\n"
                       "links: [a -> b (-), b -> c (+), a -> c (+)]\n"),
    "long-label": ("variables: {a: " + "x" * 51 + ", b: B}\nlinks: [a -> b (+)]\n",
                   "variables: {a: " + "x" * 50 + ", b: B}\nlinks: [a -> b (+)]\n"),
}


def _codes(text: str, settings: LintSettings | None = None) -> list[str]:
    return [p.code for p in lint(parse_diagram(text, "d.yaml"), settings).problems]


def test_every_rule_has_cases() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_its_bad_case(rule: str) -> None:
    assert rule in _codes(CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_is_quiet_on_its_good_case(rule: str) -> None:
    assert rule not in _codes(CASES[rule][1])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_can_be_switched_off(rule: str) -> None:
    assert rule not in _codes(CASES[rule][0], LintSettings(disable=frozenset({rule})))


def test_findings_are_located_and_carry_severity() -> None:
    text = "variables:\n  a: A\n  b: Increasing costs\nlinks:\n  - a -> b (+)\n  - b -> a (+)\n"
    problems = lint(parse_diagram(text, "d.yaml")).problems
    by_code = {p.code: p for p in problems}
    assert (by_code["direction-name"].line, by_code["direction-name"].column) == (3, 3)
    assert by_code["direction-name"].severity is Severity.WARNING
    assert "call it 'costs'" in by_code["direction-name"].message
    assert (by_code["two-variable-loop"].line, by_code["two-variable-loop"].column) == (5, 5)


def test_parallel_link_message_names_the_detour() -> None:
    [problem] = [p for p in lint(parse_diagram(CASES["parallel-links"][0], "d.yaml")).problems
                 if p.code == "parallel-links"]
    assert "a -> b -> c" in problem.message and problem.severity is Severity.INFO


def test_settings_change_label_length_severity_and_all() -> None:
    text = "variables: {a: Quite a long label, b: B}\nlinks: [a -> b (+)]\n"
    assert "long-label" in _codes(text, LintSettings(max_label_length=10))
    diagram = parse_diagram(CASES["verb-name"][0], "d.yaml")
    raised = lint(diagram, LintSettings(severity=(("verb-name", "error"),)))
    assert [p.severity for p in raised.problems if p.code == "verb-name"] == [Severity.ERROR]
    assert active_rules(LintSettings(disable=frozenset({"all"}))) == []
    only = active_rules(LintSettings(disable=frozenset({"all"}), enable=frozenset({"driver"})))
    assert [r.name for r in only] == ["driver"]


def test_examples_have_no_warnings() -> None:
    for path in [*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "archetypes").glob("*.yaml")]:
        from loopkit.read.load import load_diagram

        report = lint(load_diagram(path))
        assert report.at_least(Severity.WARNING) == [], path


# ------------------------------------------------------------- settings files


def test_pyproject_found_by_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.loopkit.lint]\ndisable = ["driver"]\nmax-label-length = 20\n'
        '[tool.loopkit.lint.severity]\nverb-name = "error"\n')
    deep = tmp_path / "maps" / "2024"
    deep.mkdir(parents=True)
    diagram = deep / "d.yaml"
    diagram.write_text("x")
    assert find_config(diagram) == tmp_path / "pyproject.toml"
    settings = settings_for(diagram)
    assert settings.lint.disable == {"driver"} and settings.lint.max_label_length == 20
    assert settings.lint.severity == (("verb-name", "error"),)


def test_loopkit_yaml_wins_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.loopkit.lint]\ndisable = ["driver"]\n')
    (tmp_path / ".loopkit.yaml").write_text("lint:\n  disable: [outcome]\n")
    assert settings_for(tmp_path / "d.yaml").lint.disable == {"outcome"}


@pytest.mark.parametrize(("content", "message"), [
    ("lint:\n  disable: [drivr]\n", "unknown rule 'drivr' (did you mean 'driver'?)"),
    ("lint:\n  max-label-lenght: 3\n", "did you mean 'max-label-length'?"),
    ("lint:\n  max-label-length: -1\n", "whole number above 0"),
    ("lint:\n  severity: {driver: loud}\n", "must be info, warning or error"),
    ("lnt: {}\n", "unknown setting 'lnt' (did you mean 'lint'?)"),
    ("lint: [\n", ".loopkit.yaml:2:1: YAML syntax error"),
    ("lint:\n  disable: [a]\nlint: {}\n", ".loopkit.yaml:3:1: duplicate key 'lint'"),
])
def test_bad_settings_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / ".loopkit.yaml"
    path.write_text(content)
    with pytest.raises(UsageError, match=re.escape(message)):
        load_lint_settings(path)


# ------------------------------------------------------------- CLI


def test_cli_lint_text_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(CASES["verb-name"][0])
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 0  # warnings do not fail by default
    assert f"{path}:1:13: warning: variable 'a' (Reduce costs) is named with a verb" \
        in result.stdout
    assert "[verb-name]" in result.stdout
    assert runner.invoke(app, ["lint", "--strict", str(path)]).exit_code == 1
    assert runner.invoke(app, ["lint", "--strict", "--disable", "verb-name",
                               str(path)]).exit_code == 0
    (tmp_path / ".loopkit.yaml").write_text("lint:\n  severity: {verb-name: error}\n")
    assert runner.invoke(app, ["lint", str(path)]).exit_code == 1


def test_cli_lint_json_and_list_rules() -> None:
    result = runner.invoke(app, ["lint", "-f", "json", str(EXAMPLES / "school-fines.yaml")])
    [record] = json.loads(result.stdout)["files"]
    assert {p["severity"] for p in record["problems"]} == {"info"}
    assert "parallel-links" in record["rules"]
    listing = runner.invoke(app, ["lint", "--list-rules"]).stdout
    assert all(name in listing for name in RULES)
    bad = runner.invoke(app, ["lint", "--disable", "drivers", str(EXAMPLES / "referrals.yaml")])
    assert bad.exit_code == 2 and "did you mean 'driver'?" in bad.stderr


def test_check_strict_shows_lint_warnings_but_only_errors_fail(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("variables: {a: More fines, b: B, c: C}\n"
                    "links: [a -> b (+), b -> c (+), c -> a (-)]\n"
                    "loops:\n  B1: {variables: [a, b, c]}\n")
    result = runner.invoke(app, ["check", "--strict", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:1:13: warning: variable 'a' (More fines) has a direction in its name" \
        in result.stderr
    assert "has no goal" not in result.stderr  # info stays in lint
    data = json.loads(runner.invoke(app, ["check", "--strict", "-f", "json", str(path)]).stdout)
    [problem] = data["files"][0]["problems"]
    assert (problem["code"], problem["severity"]) == ("direction-name", "warning")
    assert data["files"][0]["ok"] is True
    (tmp_path / "pyproject.toml").write_text(
        '[tool.loopkit.lint.severity]\ndirection-name = "error"\n')
    assert runner.invoke(app, ["check", "--strict", str(path)]).exit_code == 1
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0  # lint only with --strict


def test_all_examples_pass_check_strict_in_a_real_process() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in
                   [*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "archetypes").glob("*.yaml")])
    done = subprocess.run([sys.executable, "-m", "loopkit", "check", "--strict", *files],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.count(": ok (") == len(files)


HOSTILE = (
    'title: "\\e[2Jhostile"\n'
    'variables:\n'
    '  a: "\\e[31mIncreasing\\e[0m | *a* <script>"\n'
    '  b: "\\e]0;title\\aB"\n'
    '  c: C\n'
    'links: [a -> b (+), b -> c (+), c -> a (-)]\n'
)


@pytest.mark.parametrize("args", [
    ["archetypes", "{f}"], ["trace", "{f}", "a"], ["effect", "{f}", "a", "c"],
    ["whatif", "{f}", "a=up"], ["lint", "{f}"], ["diff", "{f}", "{f}"],
    ["diff", "-f", "markdown", "{g}", "{f}"], ["check", "--strict", "{f}"],
])
def test_hostile_labels_never_reach_the_terminal(tmp_path: Path, args: list[str]) -> None:
    hostile, plain = tmp_path / "h.yaml", tmp_path / "p.yaml"
    hostile.write_text(HOSTILE)
    plain.write_text("variables: {a: A}\nlinks: []\n")
    argv = [a.format(f=hostile, g=plain) for a in args]
    result = runner.invoke(app, argv)
    assert result.exit_code in (0, 1), result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\x1b" not in result.stderr


def test_hostile_pyproject_is_a_usage_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.loopkit]\nlint = " + "[" * 100_000 + "\n")
    with pytest.raises(UsageError, match=re.escape("pyproject.toml: not valid TOML")):
        settings_for(tmp_path / "d.yaml")


def test_lint_loop_rules_are_bounded_by_the_loop_limit_not_the_clock() -> None:
    from loopkit.analysis.lint import lint
    from tests.helpers import foresight_diagram

    report = lint(foresight_diagram())
    assert report.truncated and "limit of 10,000 loops reached" in (report.reason or "")
    assert "time budget" not in (report.reason or "")
