"""Which files a list of command-line paths means: folders walked, ``-`` for standard input.

The habits of ruff and yamllint: a folder stands for the ``*.yaml``/``*.yml``
files under it (sorted, hidden folders and files skipped, symlinked folders
not followed), a file named explicitly is read whatever its name, and ``-``
is standard input. The walk is bounded: past the ``files`` limit it stops and
says so instead of reading a whole disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from loopkit.limits import FLAGS, active_limits
from loopkit.problems import UsageError

#: The path that means standard input, and the name its diagram carries in messages.
STDIN = "-"
STDIN_NAME = "<stdin>"

#: What a folder's diagrams are called.
DIAGRAM_SUFFIXES = (".yaml", ".yml")

#: Folder entries looked at per file allowed (a tree of mostly other files is still
#: walked far enough, and one of millions stops quickly).
_ENTRIES_PER_FILE = 100


def diagram_paths(args: Iterable[str], *, max_files: int | None = None) -> list[str]:
    """``args`` with each folder replaced by its diagram files; duplicates dropped.

    Raises ``UsageError`` when a folder holds more than ``max_files``
    (default: the active ``files`` limit) or none at all, and when ``-`` is
    given twice (standard input can be read once).
    """
    bound = max_files or active_limits().files
    out: list[str] = []
    seen: set[str] = set()
    for arg in args:
        if arg == STDIN:
            if arg in seen:
                raise UsageError("'-' (standard input) given more than once; it can be read once")
        found = _walk(arg, bound) if arg != STDIN and os.path.isdir(arg) else [arg]
        for path in found:
            if path not in seen:
                seen.add(path)
                out.append(path)
        if len(out) > bound:
            raise UsageError(f"more than {bound:,} diagram files in all; stopped there "
                             f"(raise {FLAGS['files']})")
    return out


def _walk(folder: str, bound: int) -> list[str]:
    """The diagram files under ``folder``, sorted by their path parts."""
    from loopkit.text import one_line

    found: list[tuple[tuple[str, ...], str]] = []
    entries = 0
    stack = [(folder, ())]
    budget = bound * _ENTRIES_PER_FILE
    while stack:
        path, parts = stack.pop()
        try:
            with os.scandir(path) as listing:
                children = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            raise UsageError(f"{one_line(path)}: cannot read folder: "
                             f"{error.strerror or error}") from None
        entries += len(children)
        if entries > budget:
            raise UsageError(f"{one_line(folder)}: stopped walking the folder after "
                             f"{budget:,} entries; name the files or subfolders to read, or "
                             f"raise {FLAGS['files']}")
        for entry in children:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, (*parts, entry.name)))
            elif entry.name.lower().endswith(DIAGRAM_SUFFIXES) and entry.is_file():
                found.append(((*parts, entry.name), entry.path))
                if len(found) > bound:
                    raise UsageError(f"{one_line(folder)}: more than {bound:,} diagram files "
                                     f"under this folder; stopped there (raise {FLAGS['files']})")
    if not found:
        raise UsageError(f"{one_line(folder)}: no .yaml or .yml files in this folder")
    return [_tidy(folder, path) for _, path in sorted(found)]


def _tidy(folder: str, path: str) -> str:
    """``x.yaml`` rather than ``./x.yaml`` for the current folder, as a user would write it."""
    if folder in (".", "./"):
        return os.path.relpath(path, ".") if path.startswith("./") else path
    return path
