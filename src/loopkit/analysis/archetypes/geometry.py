"""How loops run and meet: signs in and out of a variable, arcs, shared paths, delays.

Pure functions of :class:`~loopkit.analysis.loops.Loop` that every detector
uses to tell archetypes apart; nothing here knows an archetype.
"""

from __future__ import annotations

from collections.abc import Iterable

from loopkit.analysis.loops import Loop
from loopkit.model import Link, LoopType, Polarity

R, B = LoopType.REINFORCING, LoopType.BALANCING


def _sign_in(loop: Loop, variable: str) -> Polarity:
    return next(lk.polarity for lk in loop.links if lk.target == variable)


def _sign_out(loop: Loop, variable: str) -> Polarity:
    return next(lk.polarity for lk in loop.links if lk.source == variable)


def _after(loop: Loop, variable: str) -> str:
    i = loop.variables.index(variable)
    return loop.variables[(i + 1) % loop.length]


def _before(loop: Loop, variable: str) -> str:
    """The variable whose link on ``loop`` leads into ``variable``."""
    return next(lk.source for lk in loop.links if lk.target == variable)


def _arc(loop: Loop, start: str, end: str) -> tuple[Link, ...]:
    """Links along ``loop`` from ``start`` to ``end`` (both on the loop)."""
    i = loop.variables.index(start)
    out = []
    while True:
        link = loop.links[i]
        out.append(link)
        if link.target == end:
            return tuple(out)
        i = (i + 1) % loop.length


def _path(loop: Loop, start: str, end: str) -> list[str]:
    """Variables along ``loop`` from ``start`` to ``end``, both included."""
    return [start, *(lk.target for lk in _arc(loop, start, end))]


def _inner(arc: tuple[Link, ...]) -> list[str]:
    """Variables strictly inside an arc."""
    return [lk.target for lk in arc[:-1]]


def _has_delay(links: Iterable[Link]) -> bool:
    return any(lk.delay for lk in links)


def _delayed(links: Iterable[Link]) -> list[str]:
    return [f"{lk.source} -> {lk.target}" for lk in links if lk.delay]


def _shared_segment(a: Loop, b: Loop) -> tuple[str, str, tuple[Link, ...]] | None:
    """``(start, end, links)`` when ``a`` and ``b`` share exactly one path and nothing else."""
    b_keys = {lk.key for lk in b.links}
    flags = [lk.key in b_keys for lk in a.links]
    if not any(flags) or all(flags):
        return None
    starts = [i for i in range(a.length) if flags[i] and not flags[i - 1]]
    if len(starts) != 1:
        return None
    i = starts[0]
    links = []
    while flags[i % a.length]:
        links.append(a.links[i % a.length])
        i += 1
    segment_vars = {links[0].source, *(lk.target for lk in links)}
    if set(a.variables) & set(b.variables) != segment_vars:
        return None
    return links[0].source, links[-1].target, tuple(links)
