"""The progress line: shown on a terminal for searches longer than a second, and only there."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import foresight_diagram


def write_yaml(path: Path) -> None:
    diagram = foresight_diagram()
    lines = ["title: Foresight", "variables:"]
    lines += [f"  {v.id}: {v.id}" for v in diagram.variables]
    lines += ["links:"]
    lines += [f"  - {lk.source} -> {lk.target} ({lk.polarity.value})" for lk in diagram.links]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_appears_on_a_terminal_and_not_in_a_pipe(tmp_path: Path) -> None:
    source = tmp_path / "foresight.yaml"
    write_yaml(source)
    command = [sys.executable, "-m", "loopkit", "loops", "--count", "--max-length", "40",
               "--time-budget", "1.4", "--format", "json", str(source)]
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, timeout=60,
                              check=False, env={**os.environ, "COLUMNS": "200"})
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"searching loops" in shown and b"found" in shown
    assert b"searching" not in done.stdout  # stdout stays clean JSON
    piped = subprocess.run(command, capture_output=True, timeout=60, check=False)
    assert piped.returncode == 0 and piped.stderr == b""
