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
from loopkit.problems import DiagramError, UsageError
from loopkit.read.load import load_diagram, parse_diagram
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
    assert "&lt;img" in md and "\\*\\*b\\*\\*" in md and "\\|" in md
    assert "<img" not in md


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
    with pytest.raises(UsageError, match=r"git has no version .HEAD~5. here"):
        load_version("HEAD~5:map.yaml", cwd=repo)
    done = subprocess.run([sys.executable, "-m", "loopkit", "diff", "HEAD:absent.yaml",
                           "map.yaml"], cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr == ("loopkit: error: HEAD:absent.yaml: there is no file "
                           "'absent.yaml' in 'HEAD'\n")


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


def _commit(repo: Path, name: str, data: bytes) -> None:
    (repo / name).write_bytes(data)
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *env, "-C", str(repo), "add", name], check=True)
    subprocess.run(["git", *env, "-C", str(repo), "commit", "-q", "-m", name], check=True)


def test_an_old_version_starting_with_a_dash_never_reaches_git_as_an_option(
    repo: Path,
) -> None:
    """`git show --output=d:/../victim.txt` overwrote victim.txt (a folder 'd:' suffices)."""
    (repo / "d:").mkdir()
    (repo / "victim.txt").write_text("precious\n")
    done = subprocess.run([sys.executable, "-m", "loopkit", "diff", "--",
                           "--output=d:/../victim.txt", "map.yaml"], cwd=repo,
                          capture_output=True, text=True, timeout=60)
    assert (repo / "victim.txt").read_text() == "precious\n"
    assert done.returncode == 2
    assert done.stderr == ("loopkit: error: --output=d:/../victim.txt: a git version cannot "
                           "start with '-'; write it as REV:path, e.g. HEAD~1:diagram.yaml\n")
    with pytest.raises(UsageError, match="cannot start with '-'"):
        load_version("--output=/x:y", cwd=repo)
    assert not Path("/x:y").exists()


def test_git_sees_the_spec_only_after_end_of_options_or_as_an_object_id(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopkit.analysis import diff as diff_module

    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(list(args))
        return real_run(args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(diff_module.subprocess, "run", spy)
    assert load_version("HEAD:map.yaml", cwd=repo).path == "HEAD:map.yaml"
    parses = [c for c in calls if "rev-parse" in c]
    assert parses and all(c[c.index("HEAD:map.yaml") - 1] == "--end-of-options"
                          for c in parses)
    assert not any(c[1:3] == ["--no-pager", "show"] for c in calls)
    # An old git (before 2.30) would read --end-of-options as a revision: left out.
    monkeypatch.setattr(diff_module, "_git_version", lambda: (2, 20))
    calls.clear()
    assert load_version("HEAD:map.yaml", cwd=repo).variables
    assert not any("--end-of-options" in c for c in calls)


def test_a_git_blob_over_the_file_size_limit_is_refused_before_it_is_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopkit.analysis import diff as diff_module
    from loopkit.limits import Limits, using_limits

    _commit(repo, "big.yaml", OLD.read_bytes() + b"#" * 4096 + b"\n")
    reads: list[list[str]] = []
    real_git = diff_module._git

    def spy(args: list[str], *rest: object, **kwargs: object) -> bytes:
        reads.append(args)
        return real_git(args, *rest, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(diff_module, "_git", spy)
    with using_limits(Limits(file_size=4096)), pytest.raises(DiagramError) as error:
        load_version("HEAD:big.yaml", cwd=repo)
    assert str(error.value).startswith("HEAD:big.yaml:1:1: file is larger than 4,096 bytes")
    assert "--max-file-size" in str(error.value)
    assert not any(args[:2] == ["cat-file", "blob"] for args in reads)
    assert load_version("HEAD:big.yaml", cwd=repo).variables  # the default limit is 5 MiB


def test_a_git_tree_or_a_bad_revision_is_one_clear_usage_error(repo: Path) -> None:
    (repo / "sub").mkdir()
    _commit(repo, "sub/map.yaml", OLD.read_bytes())
    with pytest.raises(UsageError, match=r"^HEAD:sub: is a tree in git, not a file$"):
        load_version("HEAD:sub", cwd=repo)
    with pytest.raises(UsageError, match=r"^no-such-branch:map.yaml: git has no version "):
        load_version("no-such-branch:map.yaml", cwd=repo)
    with pytest.raises(UsageError, match=r"^HEAD:a\\nb.yaml: there is no file 'a\\nb.yaml'"):
        load_version("HEAD:a\nb.yaml", cwd=repo)
