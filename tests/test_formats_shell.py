"""Shell completion (typer's) completes commands, options and --format values."""

from __future__ import annotations

import os
import subprocess
import sys

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
                                                        "auto"]
    assert {"--quiet", "--verbose"} <= set(_complete("loopkit --", 1))


def test_show_completion_prints_a_bash_script() -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "--show-completion", "bash"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _loopkit_completion loopkit" in done.stdout
