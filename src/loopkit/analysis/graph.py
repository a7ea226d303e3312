"""The diagram as a networkx ``DiGraph``, for users and analyses that want networkx.

The loop engine does not need networkx (it works on integer adjacency lists,
see ``analysis/engine.py``); this is the bridge for everything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loopkit.model import Diagram

if TYPE_CHECKING:
    import networkx as nx


def to_networkx(diagram: Diagram) -> nx.DiGraph:
    """Nodes carry ``label``/``group``; edges carry ``polarity`` ('+', '-', '?') and ``delay``."""
    import networkx as nx

    graph = nx.DiGraph(title=diagram.title or "")
    for variable in diagram.variables:
        graph.add_node(variable.id, label=variable.label, group=variable.group)
    for link in diagram.links:
        graph.add_edge(link.source, link.target, polarity=link.polarity.value,
                       delay=link.delay, sign=-1 if link.polarity.value == "-" else 1)
    return graph
