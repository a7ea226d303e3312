"""Agreement in a merged map: how many source maps support each loop.

A loop is supported by a source (a merged map, or a person in coded
interviews) when it drew every one of its links (the ``sources`` that
``loopkit merge`` and the claims importer record on each link). A loop no single map
drew exists only through the merge: each partner saw a part of it, nobody saw
the whole, which is often the most interesting finding of a shared picture.
Diagrams whose links carry no ``sources`` have no support to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loopkit.model import Diagram, Link


def merged_from(diagram: Diagram) -> tuple[str, ...]:
    """Every source map named on the diagram's links, sorted (empty: not a merged map)."""
    return tuple(sorted({s for link in diagram.links for s in link.sources}))


@dataclass(frozen=True)
class Support:
    """Which of the merged maps drew every link of one loop."""

    maps: tuple[str, ...]
    total: int
    drawn_across: tuple[str, ...]  # maps that drew at least one of its links

    @property
    def merge_only(self) -> bool:
        return not self.maps

    def short(self) -> str:
        """``2 of 3 sources`` or ``merge only``, for a table cell."""
        return "merge only" if self.merge_only else f"{len(self.maps)} of {self.total} sources"

    def sentence(self) -> str:
        """The support in words, naming the maps."""
        if self.merge_only:
            return ("Exists only through the merge: no single source has all of its links "
                    f"(its links come from {', '.join(self.drawn_across)}).")
        noun = "source" if self.total == 1 else "sources"
        return (f"Supported by {len(self.maps)} of {self.total} {noun}, which drew all of "
                f"its links: {', '.join(self.maps)}.")

    def to_dict(self) -> dict[str, object]:
        return {"sources": list(self.maps), "total": self.total, "merge_only": self.merge_only}


def loop_support(links: Sequence[Link], total: int) -> Support | None:
    """The support of a loop made of ``links``; ``None`` when a link has no sources."""
    if not links or total == 0 or any(not link.sources for link in links):
        return None
    common = set(links[0].sources)
    for link in links[1:]:
        common &= set(link.sources)
    across = sorted({s for link in links for s in link.sources})
    return Support(tuple(sorted(common)), total, tuple(across))
