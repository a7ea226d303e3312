"""``loopkit --show-completion SHELL`` prints that shell's script, whichever shell runs it.

Why not leave it to typer: its ``--show-completion`` is a flag that detects the
shell from the parent processes and ignores the name after it, so
``loopkit --show-completion bash > loopkit.bash`` in a Dockerfile or a Makefile
(run by ``/bin/sh``) printed "Shell sh not supported" instead of the bash script.
"""

from __future__ import annotations

#: The shells typer has completion scripts for.
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def named_script(args: list[str], prog_name: str = "loopkit") -> str | None:
    """The completion script when ``args`` are exactly ``--show-completion SHELL``, else None."""
    if len(args) == 2 and args[0] == "--show-completion":
        shell = args[1]
    elif len(args) == 1 and args[0].startswith("--show-completion="):
        shell = args[0].partition("=")[2]
    else:
        return None
    if shell not in SHELLS:
        return None  # typer says which shells it supports
    from typer._completion_shared import get_completion_script

    complete_var = "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())
    return get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)
