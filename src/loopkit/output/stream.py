"""Writing a long loop listing in pieces, within the time its search left.

A listing of 70,000 loops is tens of megabytes of text: the JSON, Markdown and
text reporters emit it through ``write`` (one loop record or row at a time,
gathered into chunks), with the same bytes as building it whole. Each file's
loops are listed within the time its search left (``LoopAnalysis.time_left``):
past that, the listing stops and the file's summary says so (``cut_short``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from loopkit.output.records import FileResult

Write = Callable[[str], object]
Clock = Callable[[], float]

#: Loops written between clock reads, and pieces gathered per ``write`` call.
_CHECK_EVERY = 256
_CHUNK = 512


class TimedListing:
    """Iterate a file's loops until its writing time runs out (then ``cut_short``)."""

    def __init__(self, result: FileResult, clock: Clock) -> None:
        self.result = result
        self.clock = clock
        analysis = result.analysis
        left = analysis.time_left if analysis is not None else None
        self.deadline = None if left is None else clock() + max(0.0, left)

    def __iter__(self) -> Iterator[Any]:
        analysis = self.result.analysis
        return iter(()) if analysis is None else self._until(iter(analysis.loops))

    def raw(self) -> Iterator[Any]:
        """Like iterating, but a ``LoopList``'s found loops come as ``(vertex numbers,
        kind, number)`` (see ``LoopList.items``)."""
        from loopkit.analysis.loops import LoopList

        analysis = self.result.analysis
        if analysis is None:
            return iter(())
        loops = analysis.loops
        return self._until(loops.items() if isinstance(loops, LoopList) else iter(loops))

    def _until(self, loops: Iterator[Any]) -> Iterator[Any]:
        analysis = self.result.analysis
        assert analysis is not None
        written = 0
        for loop in loops:
            if self.deadline is not None and not written % _CHECK_EVERY and written and (
                    self.clock() >= self.deadline):
                from loopkit.analysis.loops import cut_short

                cut_short(analysis, written)
                return
            yield loop
            written += 1


def write_chunked(write: Write, pieces: Iterator[str]) -> None:
    """``write`` the pieces, a few hundred at a time."""
    buffer: list[str] = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= _CHUNK:
            write("".join(buffer))
            buffer.clear()
    if buffer:
        write("".join(buffer))
