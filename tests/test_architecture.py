"""The pipeline's layering, checked as CI checks it: import-linter's layers contract.

``[tool.importlinter]`` in pyproject.toml lists the layers; this runs the real
``lint-imports`` so a new arrow back up (or a circle between layers) fails the suite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_run_one_way_through_the_layers() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_command_module_imports_another() -> None:
    """Commands register on ``cli.app``; only ``cli/__init__`` imports them all."""
    commands = {"analyse", "insight", "interop", "merge", "project", "render", "report"}
    for path in (ROOT / "src/loopkit/cli").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in commands - {path.stem}:
            assert f"loopkit.cli.{name} import" not in text, (path.name, name)
            assert f"from loopkit.cli import {name}" not in text, (path.name, name)
