"""Shell completion (typer's) completes commands, options and --format values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT


def _complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "_LOOPKIT_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    done = subprocess.run([sys.executable, "-m", "loopkit"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completes_commands_options_and_format_values() -> None:
    assert _complete("loopkit lo", 1) == ["loops"]
    assert set(_complete("loopkit re", 1)) >= {"report"}
    assert "--format" in _complete("loopkit check --f", 2)
    assert _complete("loopkit check --format ", 3) == ["text", "json", "markdown", "github",
                                                        "sarif", "auto"]
    assert {"--quiet", "--verbose"} <= set(_complete("loopkit --", 1))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_named_shells_script_from_any_shell(shell: str) -> None:
    """Started by /bin/sh with SHELL=/bin/sh (a Dockerfile RUN, a Makefile), the named shell's
    script is printed: typer alone detected 'sh' from the parent process and refused."""
    env = {**os.environ, "SHELL": "/bin/sh"}
    done = subprocess.run(["/bin/sh", "-c", '"$0" -m loopkit --show-completion "$1"; exit $?',
                           sys.executable, shell], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    marker = {"bash": "complete -o default -F _loopkit_completion loopkit",
              "zsh": "compdef _loopkit_completion loopkit",
              "fish": "complete --command loopkit"}[shell]
    assert marker in done.stdout
