"""`loopkit render` through typer's CliRunner and a real process."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.render.graphviz import choose_renderer
from loopkit.render.watch import watch_files
from tests.helpers import EXAMPLES

runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def diagram(tmp_path: Path) -> Path:
    target = tmp_path / "fines.yaml"
    shutil.copy(EXAMPLES / "school-fines.yaml", target)
    return target


def fake_renderer(tmp_path: Path, body: str) -> str:
    """An executable standing in for graphviz-pure (wraps the real one where asked)."""
    script = tmp_path / "fake-renderer"
    real = choose_renderer("pure").executable
    script.write_text(f"#!/bin/sh\nREAL='{real}'\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_render_writes_svg_next_to_the_file(diagram: Path) -> None:
    result = runner.invoke(app, ["render", str(diagram)])
    assert result.exit_code == 0, result.output
    root = ET.parse(diagram.with_suffix(".svg")).getroot()
    assert root.get("role") == "img"
    assert "wrote" in result.stderr and result.stdout == ""


def test_render_to_stdout_is_clean(diagram: Path) -> None:
    result = runner.invoke(app, ["render", str(diagram), "-o", "-"])
    assert result.exit_code == 0
    assert ET.fromstring(result.stdout_bytes).get("role") == "img"
    assert not diagram.with_suffix(".svg").exists()


def test_format_follows_the_output_suffix(diagram: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", str(diagram), "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(app, ["render", str(diagram), "--format", "dot", "-o", "-"])
    assert result.stdout.startswith("digraph")


def test_check_reports_missing_then_ok_then_stale(diagram: Path) -> None:
    result = runner.invoke(app, ["render", "--check", str(diagram)])
    assert result.exit_code == 1
    assert f"{diagram.with_suffix('.svg')}: missing" in result.stderr
    assert not diagram.with_suffix(".svg").exists()  # --check writes nothing
    assert runner.invoke(app, ["render", str(diagram)]).exit_code == 0
    assert runner.invoke(app, ["render", "--check", str(diagram)]).exit_code == 0
    diagram.write_text(diagram.read_text().replace("Fines spiral", "Debt spiral"))
    result = runner.invoke(app, ["render", "--check", str(diagram)])
    assert result.exit_code == 1
    assert "out of date" in result.stderr and "loopkit render" in result.stderr


def test_each_loop_writes_one_highlighted_svg_per_loop(diagram: Path, tmp_path: Path) -> None:
    out = tmp_path / "loops"
    result = runner.invoke(app, ["render", str(diagram), "--each-loop", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"fines-{i}.svg" for i in ("B1", "B2", "R1", "R2", "R3"))
    root = ET.parse(out / "fines-R2.svg").getroot()
    assert "loop R2" in root.find(f"{SVG}title").text


def test_loop_highlight_and_unknown_loop(diagram: Path) -> None:
    result = runner.invoke(app, ["render", str(diagram), "--loop", "R1", "-o", "-"])
    assert result.exit_code == 0
    result = runner.invoke(app, ["render", str(diagram), "--loop", "r1"])
    assert result.exit_code == 2
    assert "no loop 'r1' (did you mean 'R1'?)" in result.stderr


def test_invalid_diagram_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("variables:\n  a: A\nlinks:\n  - a -> b (+)\n")
    result = runner.invoke(app, ["render", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:4:")
    assert not bad.with_suffix(".svg").exists()


def test_usage_errors(diagram: Path) -> None:
    other = str(EXAMPLES / "legal-aid.yaml")  # (the same file twice is read once)
    result = runner.invoke(app, ["render", str(diagram), other, "-o", "x.svg"])
    assert result.exit_code == 2 and "one input file" in result.stderr
    result = runner.invoke(app, ["render", str(diagram), "--style", "fancy"])
    assert result.exit_code == 2 and "unknown style" in result.stderr
    result = runner.invoke(app, ["render", str(diagram), "--format", "pdf"])
    assert result.exit_code == 2 and "cannot write pdf" in result.stderr
    result = runner.invoke(app, ["render", str(diagram), "-o", str(diagram)])
    assert result.exit_code == 2 and "refusing to write over the input" in result.stderr


def test_missing_renderer_is_one_clear_line(diagram: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LOOPKIT_RENDERER", "system")
    result = runner.invoke(app, ["render", str(diagram)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "install Graphviz" in lines[0]


def test_failing_render_leaves_the_old_file_intact(diagram: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = diagram.with_suffix(".svg")
    target.write_text("<svg>old</svg>")
    monkeypatch.setenv("LOOPKIT_RENDERER_PATH",
                       fake_renderer(tmp_path, "echo 'Error: out of memory' >&2; exit 3"))
    result = runner.invoke(app, ["render", str(diagram)])
    assert result.exit_code == 2
    assert "renderer failed: Error: out of memory" in result.stderr
    assert target.read_text() == "<svg>old</svg>"
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_slow_curved_layout_falls_back_within_the_budget(
        diagram: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A renderer that hangs on splines=curved, like Graphviz on dense graphs. Had loopkit
    # waited it out instead of stopping it at the budget, it would have left `finished`.
    # (How long the fallback takes is measured in benchmarks/budgets.py, not asserted.)
    finished = tmp_path / "finished"
    monkeypatch.setenv("LOOPKIT_RENDERER_PATH", fake_renderer(tmp_path, (
        'IN=$(cat)\ncase "$IN" in *\'splines="curved"\'*) sleep 30; '
        f'touch \'{finished}\'; exit 1;; esac\n'
        'printf "%s" "$IN" | "$REAL" "$@"')))
    # 20 s: the curved try gets a quarter (5 s, then stopped); the rest leaves the fallback
    # layout ample time on a busy machine
    result = runner.invoke(app, ["render", str(diagram), "--time-budget", "20", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert not finished.exists()
    assert ET.fromstring(result.stdout_bytes).get("role") == "img"
    assert "note: splines=curved layout took over" in result.stderr
    assert "fell back to splines=true" in result.stderr


def test_renderer_that_never_finishes_times_out_cleanly(
        diagram: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPKIT_RENDERER_PATH", fake_renderer(tmp_path, "exec sleep 30"))
    result = runner.invoke(app, ["render", str(diagram), "--time-budget", "0.5"])
    assert result.exit_code == 2
    assert "took longer than" in result.stderr
    assert "Traceback" not in result.output


def test_subprocess_render_to_stdout(diagram: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "render", str(diagram), "-o", "-",
                           "--loop", "B1"], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    root = ET.fromstring(done.stdout)
    assert {g.get("data-loop") for g in root.iter(f"{SVG}g") if g.get("data-loop")} >= {"B1"}


def test_subprocess_check_fails_on_missing(diagram: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "render", "--check", str(diagram)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "missing" in done.stderr and done.stdout == ""


def test_watch_renders_again_on_save(diagram: Path) -> None:
    seen: list[list[str]] = []
    stop, ready, changed = threading.Event(), threading.Event(), threading.Event()

    def on_change(paths: list[str]) -> None:
        seen.append(paths)
        changed.set()

    worker = threading.Thread(target=watch_files, args=([str(diagram)], on_change),
                              kwargs={"stop": stop, "ready": ready, "debounce_ms": 50})
    worker.start()
    try:
        assert ready.wait(10)
        (diagram.parent / "other.txt").write_text("not watched")
        diagram.write_text(diagram.read_text() + "\n")
        assert changed.wait(10)
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert seen[0] == [str(diagram)]


def test_watch_command_renders_each_save(diagram: Path) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "loopkit", "render", "--watch",
                                str(diagram)], stderr=subprocess.PIPE, text=True, env=env)
    try:
        target = diagram.with_suffix(".svg")
        deadline = time.monotonic() + 20
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        first = target.read_text()
        time.sleep(0.5)  # let the watcher start
        diagram.write_text(diagram.read_text().replace("Fines spiral", "Debt spiral"))
        while "Debt spiral" not in target.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Debt spiral" in target.read_text() and "Debt spiral" not in first
    finally:
        process.terminate()
        process.wait(10)


def test_quiet_prints_nothing_but_problems(diagram: Path) -> None:
    result = runner.invoke(app, ["-q", "render", str(diagram)])
    assert result.exit_code == 0 and result.stderr == ""
    result = runner.invoke(app, ["-q", "render", "--check", str(diagram)])
    assert result.exit_code == 0 and result.stderr == ""


def test_missing_graphviz_pure_says_how_to_install_it(
        diagram: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import loopkit.render.graphviz as engine

    monkeypatch.setattr(engine, "_find_pure", lambda: None)
    monkeypatch.delenv("LOOPKIT_RENDERER", raising=False)
    result = runner.invoke(app, ["render", str(diagram)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "loopkit: error: no renderer: graphviz-pure not found; install it with: "
        "pip install graphviz-pure (or use --renderer system)")
