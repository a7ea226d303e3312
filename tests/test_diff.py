"""diff: hand-made pairs of diagrams, git REV:path, output formats and CI flags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.analysis.diff import diff_diagrams, load_version, loop_key, render_markdown
from loopkit.cli import app
from loopkit.loader import load_diagram, parse_diagram
from loopkit.problems import DiagramError, UsageError
from tests.helpers import EXAMPLES, ROOT

DATA = ROOT / "tests" / "data" / "diff"
OLD, NEW = DATA / "fines-old.yaml", DATA / "fines-new.yaml"
runner = CliRunner()


def _diff(old: str, new: str):  # type: ignore[no-untyped-def]
    return diff_diagrams(parse_diagram(old, "old.yaml"), parse_diagram(new, "new.yaml"))


def test_fines_pair_reports_every_kind_of_change() -> None:
    result = diff_diagrams(load_diagram(OLD), load_diagram(NEW))
    assert result.counts() == {
        "variables_added": 0, "variables_removed": 0, "variables_changed": 1,
        "links_added": 2, "links_removed": 1, "links_changed": 1,
        "loops_created": 1, "loops_broken": 2, "loops_changed_type": 1}
    [(variable, changes)] = result.variables_changed
    assert variable.id == "disruption" and changes[0].field == "label"
    assert [lk.key for lk in result.links_added] == [("support", "disengagement"),
                                                     ("disengagement", "fines")]
    assert [lk.key for lk in result.links_removed] == [("disengagement", "support")]
    [(link, changes)] = result.links_changed
    assert link.key == ("pressure", "absence")
    assert [(c.field, c.old, c.new) for c in changes] == [("polarity", "-", "+")]
    assert [lp.variables for lp in result.loops_created] == [("fines", "disengagement")]
    [(before, after)] = result.loops_retyped
    assert (before.type.value, after.type.value) == ("balancing", "reinforcing")


def test_identical_files_have_no_changes() -> None:
    same = diff_diagrams(load_diagram(OLD), load_diagram(OLD))
    assert same.empty and not same.truncated


def test_variables_added_removed_and_link_details() -> None:
    result = _diff("variables: {a: A, b: B}\nlinks: [a -> b (+)]\n",
                   "variables: {a: A, c: C}\nlinks: ['a -> c (-, delay)']\n")
    assert [v.id for v in result.variables_added] == ["c"]
    assert [v.id for v in result.variables_removed] == ["b"]
    result = _diff(
        "variables: {a: A, b: B}\nlinks:\n  - {from: a, to: b, polarity: '+'}\n",
        "variables: {a: A, b: B}\nlinks:\n  - {from: a, to: b, polarity: '+', delay: true,"
        " evidence: Survey, confidence: low}\n")
    [(_, changes)] = result.links_changed
    assert [c.field for c in changes] == ["delay", "evidence", "confidence"]


def test_loops_match_by_cycle_not_by_id_or_rotation() -> None:
    assert loop_key(("c", "a", "b")) == loop_key(("a", "b", "c")) == ("a", "b", "c")
    # Same loop, variables declared in another order (so another start and id).
    result = _diff("variables: {a: A, b: B, c: C}\nlinks: [a -> b (+), b -> c (+), c -> a (+)]\n",
                   "variables: {c: C, b: B, a: A}\nlinks: [c -> a (+), a -> b (+), b -> c (+)]\n")
    assert result.empty


def test_text_json_markdown_outputs() -> None:
    result = runner.invoke(app, ["diff", str(OLD), str(NEW)])
    assert result.exit_code == 0, result.output
    assert "Loops: 1 created, 2 broken, 1 changed type" in result.stdout
    assert "  ~ pressure -> absence: polarity '-' -> '+'" in result.stdout
    data = json.loads(runner.invoke(app, ["diff", "-f", "json", str(OLD), str(NEW)]).stdout)
    assert data["changed"] is True and data["summary"]["loops_broken"] == 2
    assert data["loops"]["changed_type"][0]["new"]["type"] == "reinforcing"
    md = runner.invoke(app, ["diff", "-f", "markdown", str(OLD), str(NEW)]).stdout
    assert md.startswith("### Diagram changes:")
    assert "| loops | 1 created | 2 broken | 1 changed type |" in md


def test_markdown_escapes_user_text() -> None:
    result = _diff("variables: {a: A}\nlinks: []\n",
                   "variables: {a: A, b: '<img src=x>|**b**'}\nlinks: []\n")
    md = render_markdown(result)
    assert "\\<img" in md and "\\*\\*b\\*\\*" in md and "\\|" in md
    assert "<img" not in md.replace("\\<img", "")


@pytest.mark.parametrize(("flag", "fails"), [
    ("--fail-on-new-loop", True), ("--fail-on-broken-loop", True),
    ("--fail-on-type-change", True)])
def test_fail_flags_exit_1(flag: str, fails: bool) -> None:
    result = runner.invoke(app, ["diff", flag, str(OLD), str(NEW)])
    assert result.exit_code == (1 if fails else 0)
    assert "loopkit diff: failing:" in result.stderr
    calm = runner.invoke(app, ["diff", flag, str(OLD), str(OLD)])
    assert calm.exit_code == 0


def test_missing_file_is_usage_error() -> None:
    result = runner.invoke(app, ["diff", "nope.yaml", str(NEW)])
    assert result.exit_code == 2 and "nope.yaml: no such file" in result.stderr


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(OLD, tmp_path / "map.yaml")
    subprocess.run(["git", *env, "-C", str(tmp_path), "add", "map.yaml"], check=True)
    subprocess.run(["git", *env, "-C", str(tmp_path), "commit", "-q", "-m", "old"], check=True)
    shutil.copy(NEW, tmp_path / "map.yaml")
    return tmp_path


def test_git_revision_as_old_version(repo: Path) -> None:
    old = load_version("HEAD:map.yaml", cwd=repo)
    assert old.path == "HEAD:map.yaml"
    assert ("disengagement", "support") in old.link_map
    done = subprocess.run([sys.executable, "-m", "loopkit", "diff", "--fail-on-broken-loop",
                           "HEAD:map.yaml", "map.yaml"], cwd=repo, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.startswith("HEAD:map.yaml -> map.yaml")
    assert "2 broken" in done.stdout


def test_git_errors_are_one_line_exit_2(repo: Path) -> None:
    with pytest.raises(UsageError, match="git show failed"):
        load_version("HEAD~5:map.yaml", cwd=repo)
    done = subprocess.run([sys.executable, "-m", "loopkit", "diff", "HEAD:absent.yaml",
                           "map.yaml"], cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("loopkit: error: HEAD:absent.yaml: git show failed:")


def test_invalid_old_version_reports_problems_located_in_the_revision(repo: Path) -> None:
    (repo / "bad.yaml").write_text("variables: {a: A}\nlinks: [a -> b (+)]\n")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C",
                    str(repo), "add", "bad.yaml"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
                    "commit.gpgsign=false", "-C", str(repo), "commit", "-q", "-m", "bad"],
                   check=True)
    with pytest.raises(DiagramError) as error:
        load_version("HEAD:bad.yaml", cwd=repo)
    assert str(error.value).startswith("HEAD:bad.yaml:2:")


def test_example_against_itself_in_a_real_process() -> None:
    path = str(EXAMPLES / "school-fines.yaml")
    done = subprocess.run([sys.executable, "-m", "loopkit", "diff", "-f", "json", path, path],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["changed"] is False
