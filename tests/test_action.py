"""The GitHub Action's script, run as the runner runs it: a real git repository,
a fake pull-request event, GITHUB_STEP_SUMMARY, and the real loopkit command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BASE = """\
title: Fines
variables:
  absence: School non-attendance
  fines: Fines issued to parents
  pressure: Parental pressure to attend
links:
  - absence -> fines (+)
  - fines -> pressure (+)
  - pressure -> absence (-)
loops:
  B1:
    name: Intended deterrent
    variables: [absence, fines, pressure]
"""
# Head adds hardship: fines -> hardship -> absence, a new reinforcing loop.
HEAD = BASE.replace(
    "  pressure: Parental pressure to attend\n",
    "  pressure: Parental pressure to attend\n  hardship: Family hardship\n",
).replace("  - pressure -> absence (-)\n",
          "  - pressure -> absence (-)\n  - fines -> hardship (+)\n  - hardship -> absence (+)\n")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True, timeout=60).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    work = tmp_path / "repo"
    (work / "maps").mkdir(parents=True)
    _git(work, "init", "-q")
    (work / "maps" / "fines.yaml").write_text(BASE, encoding="utf-8")
    (work / "maps" / "workflow.yml").write_text("on: push\n", encoding="utf-8")
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "base")
    base = _git(work, "rev-parse", "HEAD")
    (work / "maps" / "fines.yaml").write_text(HEAD, encoding="utf-8")
    (work / "maps" / "new.yaml").write_text(BASE.replace("Fines", "New map", 1), "utf-8")
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "head")
    return work, base, _git(work, "rev-parse", "HEAD")


def _run_action(repo: tuple[Path, str, str], tmp_path: Path, **inputs: str,
                ) -> tuple[subprocess.CompletedProcess[str], str]:
    work, base, head = repo
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base},
                                                  "head": {"sha": head}}}), "utf-8")
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(work),
           "PYTHONPATH": str(ROOT / "src")}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    done = subprocess.run([sys.executable, "-m", "loopkit.integrate.action"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    return done, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_changed_diagrams_are_checked_and_their_loop_diff_summarised(repo, tmp_path):
    done, summary = _run_action(repo, tmp_path, paths="maps")
    assert done.returncode == 0, done.stderr
    assert "## loopkit" in summary
    assert "2 changed diagram(s): all checks passed." in summary
    assert "maps/fines\\.yaml" in summary and "maps/new\\.yaml" in summary
    assert "New diagram." in summary
    assert "Family hardship" in summary  # the diff names the new variable and loop
    assert "workflow.yml" not in summary  # YAML that is not a diagram is left alone


def test_strict_fails_on_the_new_undeclared_loop_with_an_annotation(repo, tmp_path):
    done, summary = _run_action(repo, tmp_path, paths="maps", strict="true")
    assert done.returncode == 1
    assert re.search(r"^::(error|warning) file=maps/fines\.yaml", done.stdout, re.M)
    assert "problems found" in summary


def test_fail_on_new_loops(repo, tmp_path):
    done, summary = _run_action(repo, tmp_path, paths="maps", fail_on_new_loops="true")
    assert done.returncode == 1
    assert "A new loop appeared" in summary
    quiet, _ = _run_action(repo, tmp_path, paths="maps")
    assert quiet.returncode == 0


def test_before_after_pictures_are_drawn(repo, tmp_path):
    pictures = tmp_path / "pictures"
    done, summary = _run_action(repo, tmp_path, paths="maps", pictures_dir=str(pictures))
    assert done.returncode == 0, done.stderr
    svgs = sorted(p.name for p in pictures.glob("*.svg"))
    assert len(svgs) == 2 and svgs[0].endswith("-after.svg") and svgs[1].endswith("-before.svg")
    assert "loopkit-pictures" in summary


def test_hostile_event_data_and_inputs_are_refused(repo, tmp_path):
    work, base, _ = repo
    done, _ = _run_action((work, "--output=/tmp/x", base), tmp_path, paths="maps")
    assert done.returncode == 2
    assert done.stderr.startswith("loopkit action: error: not a commit id")
    done, _ = _run_action(repo, tmp_path, strict="maybe")
    assert done.returncode == 2 and "strict: expected true or false" in done.stderr


def test_action_yml_never_interpolates_inputs_into_scripts():
    """Script injection: ${{ inputs.* }} inside a run: block is code from whoever sets it."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    runs = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert runs and not any("${{" in run for run in runs)
    declared = set(action["inputs"])
    used = {m.replace("_", "-").lower() for step in action["runs"]["steps"]
            for m in re.findall(r"INPUT_([A-Z_]+)", json.dumps(step.get("env", {})))}
    assert used <= declared | {"pictures-dir"}
