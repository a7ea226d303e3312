"""Thinning an imported map: keep what the loop analysis needs, say what was dropped.

Maps made from simulation models carry many variables that lie on no loop
(inputs, reporting variables) or are only constants and lookup tables; a
reader looking for feedback wants them out of the picture. Nothing is dropped
silently: each step returns the note the import summary prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from loopkit.model import Diagram


def _examples(names: list[str]) -> str:
    return f" (e.g. {', '.join(names[:3])})" if names else ""


def drop_variables(diagram: Diagram, dropped: Iterable[str]) -> Diagram:
    """The diagram without ``dropped`` variables, their links and declared loops through them."""
    gone = set(dropped)
    return replace(
        diagram,
        variables=tuple(v for v in diagram.variables if v.id not in gone),
        links=tuple(lk for lk in diagram.links if lk.source not in gone
                    and lk.target not in gone),
        loops=tuple(lp for lp in diagram.loops if not gone.intersection(lp.variables)))


def only_feedback(diagram: Diagram) -> tuple[Diagram, str]:
    """Keep the variables that lie on a loop (a strongly connected part, or a self-link)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(v.id for v in diagram.variables)
    graph.add_edges_from(lk.key for lk in diagram.links)
    on_loop: set[str] = {lk.source for lk in diagram.links if lk.source == lk.target}
    for part in nx.strongly_connected_components(graph):
        if len(part) > 1:
            on_loop.update(part)
    dropped = [v.id for v in diagram.variables if v.id not in on_loop]
    thinned = drop_variables(diagram, dropped)
    links = len(diagram.links) - len(thinned.links)
    return thinned, (f"--only-feedback: dropped {len(dropped)} variable"
                     f"{'' if len(dropped) == 1 else 's'} on no loop and {links} link"
                     f"{'' if links == 1 else 's'}{_examples(dropped)}")


def drop_constants(diagram: Diagram, constants: Iterable[str]) -> tuple[Diagram, str]:
    """Drop inputs that are constants or lookup tables (the SD importers know which)."""
    dropped = [v.id for v in diagram.variables if v.id in set(constants)]
    thinned = drop_variables(diagram, dropped)
    links = len(diagram.links) - len(thinned.links)
    return thinned, (f"--drop-constants: dropped {len(dropped)} constant"
                     f"{'' if len(dropped) == 1 else 's'} or lookup table"
                     f"{'' if len(dropped) == 1 else 's'} and {links} link"
                     f"{'' if links == 1 else 's'}{_examples(dropped)}")


__all__ = ["drop_constants", "drop_variables", "only_feedback"]
