"""Issue 11 holes in files written and settings read: each with the test that guards it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app

runner = CliRunner()


# --- --each-loop: one file per loop, and an honest count ---------------------------------------


def test_each_loop_names_never_collide_and_the_count_is_honest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: 'B/1' and 'B_1' both became in-B_1.svg while the tool said 'wrote 3'."""
    monkeypatch.chdir(tmp_path)
    Path("in.yaml").write_text(
        "variables: {a: A, b: B, c: C, d: D}\n"
        "links: [a -> b (+), b -> a (-), b -> c (+), c -> b (-), c -> d (+), d -> c (-)]\n"
        "loops:\n  B/1: {variables: [a, b]}\n  B_1: {variables: [b, c]}\n"
        "  B:1: {variables: [c, d]}\n", encoding="utf-8")
    result = runner.invoke(app, ["render", "in.yaml", "--each-loop", "out", "-f", "dot"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in Path("out").iterdir())
    assert len(written) == 3, written
    assert "in-B_1.dot" in written  # a safe id keeps its own name
    assert "wrote 3 pictures" in result.stderr


def test_each_loop_refuses_ids_that_differ_only_by_case(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R1 and r1 are one file on macOS and Windows: a clear usage error, nothing written."""
    monkeypatch.chdir(tmp_path)
    Path("in.yaml").write_text(
        "variables: {a: A, b: B, c: C}\n"
        "links: [a -> b (+), b -> a (+), b -> c (+), c -> b (+)]\n"
        "loops:\n  R1: {variables: [a, b]}\n  r1: {variables: [b, c]}\n", encoding="utf-8")
    result = runner.invoke(app, ["render", "in.yaml", "--each-loop", "out", "-f", "dot"])
    assert result.exit_code == 2, result.output
    assert "loops 'R1' and 'r1' would both be drawn to out/in-r1.dot" in result.stderr
    assert not Path("out").exists() or not list(Path("out").iterdir())


# --- atomic_write: symlinks in shared folders, SIGTERM ----------------------------------------


def _planted_link(folder: Path, victim: Path, name: str) -> Path:
    link = folder / name
    link.symlink_to(victim)
    return link


@pytest.mark.parametrize("where", ["dev-shm", "sticky", "plain"])
def test_an_output_symlink_is_replaced_never_written_through(
        where: str, tmp_path: Path) -> None:
    """Issue 11: a link under /dev/shm was written through (it counted as a device)."""
    import os
    import uuid

    from loopkit.fsutil import atomic_write

    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    if where == "dev-shm":
        folder = Path("/dev/shm")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            pytest.skip("no writable /dev/shm here")
    else:
        folder = tmp_path / "shared"
        folder.mkdir()
        if where == "sticky":
            folder.chmod(0o1777)
    link = _planted_link(folder, victim, f"loopkit-test-{uuid.uuid4().hex}.svg")
    try:
        atomic_write(link, "<svg/>")
        assert not link.is_symlink() and link.read_text(encoding="utf-8") == "<svg/>"
    finally:
        link.unlink(missing_ok=True)
    assert victim.read_text(encoding="utf-8") == "precious"


def test_own_stream_links_are_still_written_in_place(tmp_path: Path) -> None:
    """``-o /dev/stdout`` (a link to a pipe or a redirected file) keeps working."""
    import subprocess
    import sys

    out = tmp_path / "redirected.svg"
    with out.open("wb") as handle:
        done = subprocess.run(
            [sys.executable, "-c", "from loopkit.fsutil import atomic_write; "
             "atomic_write('/dev/stdout', 'hello')"], stdout=handle, timeout=60)
    assert done.returncode == 0 and out.read_text() == "hello"
    piped = subprocess.run([sys.executable, "-c", "from loopkit.fsutil import atomic_write; "
                            "atomic_write('/dev/stdout', 'piped')"],
                           capture_output=True, timeout=60)
    assert piped.stdout == b"piped"


_SIGTERM_IN_MKSTEMP = """
import os, signal, sys, tempfile
from loopkit import fsutil
real = tempfile.mkstemp
def mkstemp(*args, **kwargs):
    made = real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)  # the worst moment: the file exists, unnamed yet
    return made
fsutil.tempfile.mkstemp = mkstemp
fsutil.exit_cleanly_on_sigterm()
fsutil.atomic_write("out.svg", "<svg/>")
"""


def test_sigterm_while_the_temp_file_is_made_leaves_nothing(tmp_path: Path) -> None:
    """Issue 11: SIGTERM between mkstemp and the clean-up left an empty temp file."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SIGTERM_IN_MKSTEMP], cwd=tmp_path,
                          capture_output=True, timeout=60)
    assert done.returncode == 143, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], list(tmp_path.iterdir())


# --- init: the starter file always passes check ------------------------------------------------


@pytest.mark.parametrize("name", ["a\u2028b", "a\u2029b", "a\x85b", "a\rb", "esc\x1b[2Jx",
                                  "tab\tx"])
def test_init_refuses_a_name_that_would_break_its_yaml_comments(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: U+2028 in the name ended a '# loopkit check NAME' comment: check failed."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "--", name])
    assert result.exit_code == 2, result.output
    assert "is not supported" in result.stderr and "\x1b" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["café ü", "$(touch pwned)", "a'b", "#x", "- x", ": x",
                                  "%TAG", "\u202egnp", "x: [1", "& *a"])
def test_init_with_odd_names_writes_a_file_that_passes_check(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "--", name])
    if result.exit_code == 2:  # refused with a clear message (bidi controls are)
        assert "is not supported" in result.stderr
        return
    assert result.exit_code == 0, result.output
    [made] = list(tmp_path.iterdir())
    checked = runner.invoke(app, ["check", "--strict", "--", made.name])
    assert checked.exit_code == 0, checked.output
    assert not (tmp_path / "pwned").exists()


def test_init_schema_with_a_line_separator_is_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "x", "--schema", "s.json\u2028title: [oops"])
    assert result.exit_code == 2 and "--schema must be a single line" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- settings: found inside the project only, never echoing a foreign file ---------------------


def _lint_disabled_everything(diagram: Path) -> bool:
    from loopkit.read.settings import settings_for

    return "all" in settings_for(diagram).lint.disable


@pytest.mark.parametrize("marker", [".git/", ".git", "pyproject.toml"])
def test_settings_above_the_project_root_do_not_apply(marker: str, tmp_path: Path) -> None:
    """Issue 11: a .loopkit.yaml in any ancestor up to / switched off every lint rule."""
    (tmp_path / ".loopkit.yaml").write_text("lint:\n  disable: [all]\n", encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "maps").mkdir(parents=True)
    if marker.endswith("/"):
        (repo / marker).mkdir()
    elif marker == ".git":  # a worktree or submodule: .git is a file
        (repo / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    else:
        (repo / marker).write_text("[project]\nname = 'x'\n", encoding="utf-8")
    diagram = repo / "maps" / "d.yaml"
    assert not _lint_disabled_everything(diagram)
    (repo / ".loopkit.yaml").write_text("lint:\n  disable: [all]\n", encoding="utf-8")
    assert _lint_disabled_everything(diagram)  # at the root itself it still counts


def test_settings_in_a_world_writable_folder_are_never_read(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "maps").mkdir(parents=True)
    shared.chmod(0o1777)
    (shared / ".loopkit.yaml").write_text("lint:\n  disable: [all]\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    assert not _lint_disabled_everything(shared / "maps" / "d.yaml")


SECRET = "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::"


@pytest.mark.parametrize("name", [".loopkit.yaml", "pyproject.toml"])
def test_a_settings_symlink_out_of_the_project_is_refused_without_its_content(
        name: str, tmp_path: Path) -> None:
    """Issue 11: .loopkit.yaml -> /etc/shadow echoed that file's first line in an error."""
    outside = tmp_path / "shadow"
    outside.write_text(f"{SECRET}\nsecret_token: hunter2\n[tool.loopkit]\n", encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / name).symlink_to(outside)
    diagram = repo / "d.yaml"
    diagram.write_text("variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n",
                       encoding="utf-8")
    result = runner.invoke(app, ["lint", str(diagram)])
    assert result.exit_code == 2, result.output
    assert "symlink to a file outside the project" in result.stderr
    assert "hashhash" not in result.output and "hunter2" not in result.output


def test_a_settings_symlink_inside_the_project_is_followed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "loopkit.yaml").write_text("lint:\n  disable: [all]\n")
    (tmp_path / ".loopkit.yaml").symlink_to(tmp_path / "config" / "loopkit.yaml")
    assert _lint_disabled_everything(tmp_path / "d.yaml")


@pytest.mark.parametrize("content", [
    f"'{SECRET}': 1\n", f"lint:\n  '{SECRET}': 1\n", f"lint:\n  disable: ['{SECRET}']\n",
    f"lint:\n  max-label-length: '{SECRET}'\n", f"lint:\n  severity: {{driver: '{SECRET}'}}\n",
    f"lint:\n  severity: {{'{SECRET}': error}}\n",
])
def test_settings_errors_never_quote_text_that_is_no_setting_name(
        content: str, tmp_path: Path) -> None:
    from loopkit.analysis.lint import load_lint_settings
    from loopkit.problems import UsageError

    path = tmp_path / ".loopkit.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        load_lint_settings(path)
    assert "hashhash" not in str(raised.value) and "not shown" in str(raised.value)
