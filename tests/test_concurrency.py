"""Two writers at once leave one complete file: atomic_write directly, then `loopkit render`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES

_WRITER = """
import sys
from loopkit.fsutil import atomic_write
target, fill = sys.argv[1], sys.argv[2]
for _ in range(40):
    atomic_write(target, fill * 400_000)
"""


def test_concurrent_atomic_writes_never_expose_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.svg"
    target.write_text("a" * 400_000)
    complete = {"a" * 400_000, "b" * 400_000}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(target), fill])
               for fill in "ab"]
    seen = 0
    while any(w.poll() is None for w in writers):
        assert target.read_text() in complete  # a reader only ever sees whole files
        seen += 1
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    assert target.read_text() in complete
    assert [p.name for p in tmp_path.iterdir()] == ["out.svg"]
    assert seen > 0


def _render_available() -> None:
    try:
        from loopkit.render import render  # noqa: F401
    except ImportError:
        pytest.skip("loopkit.render is not present yet")


def test_two_renders_of_the_same_file_at_once_both_succeed(tmp_path: Path) -> None:
    _render_available()
    source = tmp_path / "fines.yaml"
    shutil.copy(EXAMPLES / "school-fines.yaml", source)
    command = [sys.executable, "-m", "loopkit", "render", "fines.yaml", "-o", "fines.svg"]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    alone = subprocess.run([*command[:-1], "-"], cwd=tmp_path, capture_output=True,
                           timeout=120)
    assert alone.returncode == 0
    assert (tmp_path / "fines.svg").read_bytes() == alone.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fines.svg", "fines.yaml"]


def test_a_renderer_that_hangs_times_out_and_keeps_the_previous_picture(tmp_path: Path) -> None:
    """Real process: exit 2 with one line, and the old SVG is still there, untouched."""
    _render_available()
    fake = tmp_path / "hang"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    shutil.copy(EXAMPLES / "school-fines.yaml", tmp_path / "fines.yaml")
    (tmp_path / "fines.svg").write_text("previous")
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "render", "fines.yaml", "--time-budget", "0.5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "LOOPKIT_RENDERER_PATH": str(fake)},
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "took longer than" in done.stderr
    assert (tmp_path / "fines.svg").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fines.svg", "fines.yaml", "hang"]
