"""Command-line interface: parse arguments, call the library, hand records to a reporter.

Each command group lives in its own module and registers itself on ``app``
(``cli/app.py``); nothing here imports the heavy parts of loopkit until a
command runs.
"""

from __future__ import annotations

from loopkit.cli import (
    analyse,  # noqa: F401
    explore,  # noqa: F401
    insight,  # noqa: F401
    interop,  # noqa: F401
    merge,  # noqa: F401
    project,  # noqa: F401
    render,  # noqa: F401
    report,  # noqa: F401
)
from loopkit.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    from loopkit.fsutil import exit_cleanly_on_sigterm

    exit_cleanly_on_sigterm()
    import sys

    from loopkit.cli.completion import named_script

    script = named_script(sys.argv[1:])
    if script is not None:
        print(script)
        return
    app(prog_name="loopkit")
