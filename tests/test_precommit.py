"""The hooks in .pre-commit-hooks.yaml, run the way pre-commit runs them.

pre-commit picks the staged files matching a hook's ``files``/``exclude``
patterns and ``types``, then runs ``entry`` + ``args`` + those file names
from the repository root. These tests do the same on the example folders in
tests/data/precommit (each one standing for a repository root).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import ROOT

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
EXAMPLES = ROOT / "tests" / "data" / "precommit"
YAML_SUFFIXES = (".yaml", ".yml")  # what pre-commit's `types: [yaml]` matches (identify)


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def _selected(hook: dict[str, Any], root: Path) -> list[str]:
    """The files pre-commit would pass to ``hook`` in the repository at ``root``."""
    files = re.compile(hook.get("files", ""))
    exclude = re.compile(hook["exclude"]) if hook.get("exclude") else None
    chosen = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if not path.is_file() or not files.search(name):
            continue
        if exclude and exclude.search(name):
            continue
        if "yaml" in hook.get("types", []) and path.suffix not in YAML_SUFFIXES:
            continue
        chosen.append(name)
    return chosen


def _run_hook(hook: dict[str, Any], root: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(hook["entry"]) + list(hook.get("args", []))
    assert argv[0] == "loopkit"  # the console script pip installs for language: python
    command = [sys.executable, "-m", "loopkit", *argv[1:], *_selected(hook, root)]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GITHUB_ACTIONS": ""})


def _copy(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root)
    return root


def test_hooks_file_declares_both_hooks_for_yaml_diagrams() -> None:
    hooks = _hooks()
    assert set(hooks) == {"loopkit-check", "loopkit-render-check"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["yaml"]
        assert {"id", "name", "entry", "files"} <= set(hook)
    assert hooks["loopkit-check"]["entry"] == "loopkit check"
    assert hooks["loopkit-render-check"]["entry"] == "loopkit render --check"


def test_files_pattern_picks_diagrams_and_leaves_other_yaml_alone() -> None:
    pattern = re.compile(_hooks()["loopkit-check"]["files"])
    for name in ("diagrams/a.yaml", "docs/diagrams/b.yml", "cld/c.yaml", "clds/x/d.yaml",
                 "e.cld.yaml", "maps/f.cld.yml"):
        assert pattern.search(name), name
    for name in (".github/workflows/ci.yml", "settings.yaml", "mkdocs.yml",
                 "src/diagrams.py", "notdiagrams/a.yaml", "a.cld.yaml.bak"):
        assert not pattern.search(name), name
    assert _selected(_hooks()["loopkit-check"], EXAMPLES / "pass") == [
        "diagrams/school-fines.yaml", "legal-aid.cld.yaml"]


def test_loopkit_check_hook_passes_and_fails(tmp_path: Path) -> None:
    hook = _hooks()["loopkit-check"]
    passing = _run_hook(hook, _copy("pass", tmp_path))
    assert passing.returncode == 0, passing.stderr
    assert "diagrams/school-fines.yaml: ok" in passing.stdout
    failing = _run_hook(hook, _copy("fail", tmp_path))
    assert failing.returncode == 1
    assert failing.stderr.startswith("diagrams/wrong-type.yaml:10:3: loop 'R1'")
    assert "Traceback" not in failing.stderr


def test_loopkit_render_check_hook_passes_and_fails(tmp_path: Path) -> None:
    hook = _hooks()["loopkit-render-check"]
    root = _copy("pass", tmp_path)
    stale = _run_hook(hook, root)  # no pictures committed yet: the hook says what to run
    assert stale.returncode == 1
    assert "loopkit render diagrams/school-fines.yaml" in stale.stderr
    files = _selected(hook, root)
    rendered = subprocess.run([sys.executable, "-m", "loopkit", "render", *files], cwd=root,
                              capture_output=True, text=True, timeout=120)
    assert rendered.returncode == 0, rendered.stderr
    passing = _run_hook(hook, root)
    assert passing.returncode == 0, passing.stderr
    # editing a diagram without rendering it again makes the hook fail
    diagram = root / "legal-aid.cld.yaml"
    diagram.write_text(diagram.read_text(encoding="utf-8").replace(
        "Campaign pressure", "Campaign pressure (national)"), encoding="utf-8")
    edited = _run_hook(hook, root)
    assert edited.returncode == 1 and "legal-aid.cld.svg" in edited.stderr
    failing = _run_hook(hook, _copy("fail", tmp_path))
    assert failing.returncode == 1
    assert "diagrams/referrals.svg" in failing.stderr  # committed but out of date



def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_docs_ci_snippets_are_valid_and_match_real_output() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(block) for block in _blocks(text, "yaml")]
    assert len(blocks) >= 5
    workflows = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    # the loopkit action's workflow: every input it passes is one action.yml declares
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    uses = [step for w in workflows for step in w["jobs"]["loopkit"]["steps"]
            if step.get("uses", "").startswith("YOUR-ORG/loopkit@")]
    assert uses and all(set(step.get("with", {})) <= set(action["inputs"]) for step in uses)
    workflow = next(w for w in workflows
                    if any("run" in step for step in w["jobs"]["loopkit"]["steps"]))
    steps = workflow["jobs"]["loopkit"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert any(c.startswith("loopkit check --format github") for c in commands)
    config = next(b for b in blocks if isinstance(b, dict) and "repos" in b
                  and "loopkit" in b["repos"][0]["repo"])
    ids = {hook["id"] for hook in config["repos"][0]["hooks"]}
    assert ids == set(_hooks())
    [console] = _blocks(text, "console")
    command, *expected = console.strip().splitlines()
    argv = shlex.split(command.removeprefix("$ "))
    done = subprocess.run([sys.executable, "-m", "loopkit", *argv[1:]],
                          cwd=EXAMPLES / "fail", capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GITHUB_ACTIONS": ""})
    assert done.stdout.splitlines() == expected
