"""fsutil.atomic_write: complete files or nothing, never over an input, never through a link."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from loopkit import fsutil
from loopkit.fsutil import atomic_write
from loopkit.problems import UsageError


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_text_and_bytes_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    atomic_write(out, "<svg/>")
    assert out.read_text() == "<svg/>"
    out.chmod(0o640)
    atomic_write(out, b"\x89PNG")
    assert out.read_bytes() == b"\x89PNG"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("spelling", ["same", "relative-dotdot", "symlink", "hardlink"])
def test_refuses_every_spelling_of_the_input(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "in.yaml"
    source.write_text("variables: {}\n")
    (tmp_path / "x").mkdir()
    target = {
        "same": Path("in.yaml"),
        "relative-dotdot": Path("./x/../in.yaml"),
        "symlink": tmp_path / "link.svg",
        "hardlink": tmp_path / "hard.svg",
    }[spelling]
    if spelling == "symlink":
        target.symlink_to(source)
    if spelling == "hardlink":
        os.link(source, target)
    with pytest.raises(UsageError, match="refusing to write over the input file"):
        atomic_write(target, "<svg/>", inputs=[str(source)])
    assert source.read_text() == "variables: {}\n"
    assert _leftovers(tmp_path) == []


def test_a_symlink_at_the_output_is_replaced_not_followed(tmp_path: Path) -> None:
    """A pull request cannot point docs/map.svg at a file outside what the user named."""
    precious = tmp_path / "home" / ".bashrc"
    precious.parent.mkdir()
    precious.write_text("export PATH=/usr/bin\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "map.svg").symlink_to(precious)
    (docs / "gone.svg").symlink_to(tmp_path / "home" / "new-file")
    atomic_write(docs / "map.svg", "<svg/>")
    atomic_write(docs / "gone.svg", "<svg/>")
    assert precious.read_text() == "export PATH=/usr/bin\n"
    assert not (tmp_path / "home" / "new-file").exists()
    assert not (docs / "map.svg").is_symlink()
    assert (docs / "map.svg").read_text() == "<svg/>"


def test_folders_and_missing_folders_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        atomic_write(tmp_path, "x")
    with pytest.raises(UsageError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "out.svg", "x")


def test_dev_null_is_written_in_place_not_replaced() -> None:
    atomic_write("/dev/null", "<svg/>")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, b"streamed")
    reader.join(timeout=10)
    assert received == [b"streamed"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_failing_write_leaves_the_previous_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.svg"
    out.write_text("previous")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", full_disk)
    with pytest.raises(UsageError, match="No space left on device"):
        atomic_write(out, "new content")
    assert out.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_an_interrupt_mid_write_leaves_the_previous_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.svg"
    out.write_text("previous")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(out, "new content")
    assert out.read_text() == "previous"
    assert _leftovers(tmp_path) == []


_KILLED_WRITER = """
import os, sys, time
from loopkit import fsutil
def stall(fd):
    print("writing", flush=True)
    time.sleep(60)
fsutil.os.fsync = stall
fsutil.atomic_write(sys.argv[1], "x" * 10_000_000)
"""


def test_a_killed_process_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    out.write_text("previous")
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(out)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert out.read_text() == "previous"
    # a SIGKILL cannot be cleaned up after: the temp file is hidden and says what it is
    assert all(name.startswith(".out.svg.") for name in _leftovers(tmp_path))


def test_exclusive_never_replaces(tmp_path: Path) -> None:
    out = tmp_path / "new.yaml"
    atomic_write(out, "first", exclusive=True)
    with pytest.raises(UsageError, match="already exists"):
        atomic_write(out, "second", exclusive=True)
    assert out.read_text() == "first"


@pytest.mark.parametrize("args", [
    ["render", "in.yaml", "-o", "sub/../in.yaml"],
    ["render", "in.yaml", "-f", "dot", "-o", "link.svg"],
    ["report", "in.yaml", "-o", "hard.md"],
    ["explore", "in.yaml", "-o", "in.yaml"],
    ["export", "in.yaml", "--to", "mermaid", "-o", "./in.yaml"],
    ["import", "map.json", "--from", "kumu", "-o", "sub/../map.json"],
], ids=lambda args: f"{args[0]}-{args[-1]}")
def test_no_writing_command_writes_over_its_input(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from loopkit.cli import app
    from tests.helpers import EXAMPLES

    commands = {c.name for c in app.registered_commands}
    if args[0] not in commands:
        pytest.skip(f"no '{args[0]}' command yet")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "in.yaml").write_bytes((EXAMPLES / "school-fines.yaml").read_bytes())
    (tmp_path / "link.svg").symlink_to(tmp_path / "in.yaml")
    os.link(tmp_path / "in.yaml", tmp_path / "hard.md")
    runner = CliRunner()
    if args[0] == "import":
        made = runner.invoke(app, ["export", "in.yaml", "--to", "kumu", "-o", "map.json"])
        assert made.exit_code == 0, made.output
    source = tmp_path / ("map.json" if args[0] == "import" else "in.yaml")
    before = source.read_bytes()
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "refusing to write over the input file" in result.stderr
    assert source.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_each_loop_file_names_from_loop_ids_stay_inside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loop ids are user text: '../../x' must not become a path outside --each-loop DIR."""
    from typer.testing import CliRunner

    from loopkit.cli import app

    if "render" not in {c.name for c in app.registered_commands}:
        pytest.skip("no 'render' command yet")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "in.yaml").write_text(
        "variables: {a: A, b: B, c: C}\n"
        "links: [a -> b (+), b -> a (+), b -> c (-), c -> b (+)]\n"
        'loops:\n  "../../escaped": {variables: [a, b]}\n  "/tmp/abs": {variables: [b, c]}\n')
    result = CliRunner().invoke(app, ["render", "work/in.yaml", "--each-loop", "work/out",
                                      "-f", "dot"])
    assert result.exit_code in (0, 1), result.output
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    outputs = [name for name in written if name != "work/in.yaml"]
    assert len(outputs) == 2 and all(name.startswith("work/out/") for name in outputs), written


_TERMINATED_CLI = """
import sys, time
from loopkit import fsutil
from loopkit.cli import main
def stall(fd):
    print("writing", flush=True)
    time.sleep(60)
fsutil.os.fsync = stall
sys.argv = ["loopkit", "export", "in.yaml", "--to", "mermaid", "-o", "out.mmd"]
main()
"""


def test_sigterm_mid_write_exits_143_and_leaves_no_temp_file(tmp_path: Path) -> None:
    """A cancelled CI job sends SIGTERM: the old output stays and nothing is left behind."""
    from tests.helpers import EXAMPLES

    (tmp_path / "in.yaml").write_bytes((EXAMPLES / "school-fines.yaml").read_bytes())
    (tmp_path / "out.mmd").write_text("previous")
    proc = subprocess.Popen([sys.executable, "-c", _TERMINATED_CLI], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        proc.kill()
    assert (tmp_path / "out.mmd").read_text() == "previous"
    assert _leftovers(tmp_path) == []
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
