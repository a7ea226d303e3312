"""Which files a render writes, writing them safely, and checking them for ``--check``.

Because rendering is deterministic, "is the SVG next to the YAML up to
date?" is answered by rendering in memory and comparing bytes: no
timestamps, which git does not keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from loopkit.fsutil import atomic_write, check_name_length
from loopkit.problems import UsageError

if TYPE_CHECKING:
    from loopkit.analysis.focus import View
    from loopkit.analysis.loops import LoopAnalysis
    from loopkit.model import Diagram
    from loopkit.render.dotsource import Style

#: ``--each-loop`` refuses diagrams with more loops than this (one file each).
EACH_LOOP_MAX = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
#: Longest loop id kept whole in an ``--each-loop`` file name (names are capped at 255 bytes).
_NAME_MAX = 80


@dataclass(frozen=True)
class Output:
    """Bytes bound for a path (``None``: standard output)."""

    path: str | None
    data: bytes
    loop: str | None = None
    notes: tuple[str, ...] = ()


def default_path(source: str, fmt: str) -> str:
    """The input path with the format's suffix: ``a/b.yaml`` -> ``a/b.svg``."""
    return str(Path(source).with_suffix(f".{fmt}"))


def loop_file_name(source: str, loop_id: str, fmt: str) -> str:
    """``<stem>-<loop id>.<fmt>``, with anything unsafe in a file name replaced.

    An id that had to be changed (``B/1``, or one too long for a file name)
    also gets a short digest of the real id, so ``B/1`` and ``B_1`` never
    share a file (``plan_outputs`` still refuses any two names that clash).
    """
    safe = (_UNSAFE.sub("_", loop_id).strip("._") or "loop")[:_NAME_MAX]
    if safe != loop_id:
        import hashlib

        digest = hashlib.sha256(loop_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe}-{digest}"
    return f"{Path(source).stem}-{safe}.{fmt}"


def _refuse_clashes(source: str, outputs: Sequence[tuple[str, str]]) -> None:
    """Two loops must not share a picture: compared case-folded, as macOS and Windows do."""
    seen: dict[str, str] = {}
    for path, loop_id in outputs:
        other = seen.setdefault(path.casefold(), loop_id)
        if other != loop_id:
            raise UsageError(f"{source}: loops '{other}' and '{loop_id}' would both be drawn "
                             f"to {path}; rename one of them")


def plan_outputs(
    source: str,
    diagram: Diagram,
    analysis: LoopAnalysis,
    *,
    fmt: str = "svg",
    output: str | None = None,
    each_loop: str | None = None,
    highlight: str | None = None,
    engine: str = "neato",
    renderer: str | None = None,
    style: Style | None = None,
    time_budget: float | None = None,
    view: View | None = None,
) -> list[Output]:
    """Render everything one input file asks for, in memory (``view``: a focus view,
    ``diagram`` and ``analysis`` being its own)."""
    from loopkit.render import DEFAULT_TIME_BUDGET, render_picture
    from loopkit.render.dotsource import Style
    from loopkit.render.options import RenderOptions

    options = RenderOptions(engine, renderer, style or Style(),
                            DEFAULT_TIME_BUDGET if time_budget is None else time_budget, view)

    def one(path: str | None, loop: str | None) -> Output:
        picture = render_picture(diagram, fmt, analysis, highlight=loop, options=options)
        return Output(path, picture.data, loop, picture.notes)

    if each_loop is not None:
        if len(analysis.loops) > EACH_LOOP_MAX:
            raise UsageError(f"{source}: {len(analysis.loops)} loops is too many for "
                             f"--each-loop (at most {EACH_LOOP_MAX}); use --loop ID")
        folder = Path(each_loop)
        paths = [(str(folder / loop_file_name(source, loop.id, fmt)), loop.id)
                 for loop in analysis.loops]
        _refuse_clashes(source, paths)
        return [one(path, loop_id) for path, loop_id in paths]
    return [one(None if output == "-" else output or default_path(source, fmt), highlight)]


def stale_outputs(outputs: Iterable[Output]) -> list[tuple[str, str]]:
    """(path, "missing" | "out of date") for each output whose file differs from its bytes."""
    problems = []
    for out in outputs:
        if out.path is None:
            continue
        path = Path(out.path)
        check_name_length(path)
        try:
            if not path.is_file():
                problems.append((out.path, "missing"))
            elif path.stat().st_size != len(out.data) or path.read_bytes() != out.data:
                problems.append((out.path, "out of date"))  # size first: no unbounded read
        except OSError as error:
            raise UsageError(f"{out.path}: cannot read: {error.strerror or error}") from None
    return problems


def write_outputs(outputs: Sequence[Output], inputs: Sequence[str],
                  make_folders: Iterable[str] = ()) -> None:
    """Write each output atomically; never over an input file."""
    for folder in make_folders:
        target = Path(folder)
        check_name_length(target)
        if target.exists() and not target.is_dir():
            raise UsageError(f"{folder}: exists and is not a folder")
        try:
            target.mkdir(exist_ok=True)
        except OSError as error:
            raise UsageError(f"{folder}: cannot create folder: "
                             f"{error.strerror or error}") from None
    for out in outputs:
        if out.path is not None:
            atomic_write(out.path, out.data, inputs=inputs)
