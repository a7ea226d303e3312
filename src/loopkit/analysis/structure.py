"""Feedback structure that stays cheap when there are too many loops to list.

Three summaries, each polynomial in the size of the diagram:

* **Feedback components** - the strongly connected components (SCCs) that
  hold a loop: more than one variable, or one variable linked to itself.
  Every loop lies inside exactly one of them; a link between components, or a
  variable outside them, is on no loop at all.
* **Cycle rank** - for each feedback component with ``n`` variables and ``m``
  links between them, ``m - n + 1`` (its cyclomatic number; a link and its
  reverse count as two links); the rank of the diagram is the sum. It is the
  dimension of the cycle space, so no set of independent loops (no loop a
  combination of the others) is larger, and every loop is a combination of
  any complete independent set.
* **Shortest independent loop set** (SILS, Oliva 2004) - the shortest loop
  through each link that lies on a loop, taken in order of length (ties: the
  link's position in the file) and kept when it uses a link no loop kept
  before it uses. Each kept loop brings a new link, so the set is independent;
  every link on a loop is covered; each loop is a shortest (geodetic) loop
  through the link it was chosen for. It can be smaller than the cycle rank
  when the geodetic loops do not span the cycle space (Motamed & Middleton
  note dense graphs where this happens); ``complete`` says whether it does.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from loopkit.analysis.cycles import RawCycle, SignedDigraph
from loopkit.analysis.loops import (
    DEFAULT_TIME_BUDGET,
    LoopAnalysis,
    compile_graph,
    declared_loops,
    loops_from_cycles,
)
from loopkit.model import Diagram


def strongly_connected_components(graph: SignedDigraph) -> list[list[int]]:
    """Every SCC (Tarjan's algorithm, iterative), each sorted, ordered by lowest vertex."""
    n = graph.n
    succ = graph.succ
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for start in range(n):
        if index[start] >= 0:
            continue
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack[start] = True
        work = [(start, iter(succ[start]))]
        while work:
            v, targets = work[-1]
            for w, _ in targets:
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, iter(succ[w])))
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        component.append(w)
                        if w == v:
                            break
                    components.append(sorted(component))
    components.sort(key=lambda c: c[0])
    return components


@dataclass(frozen=True)
class Component:
    """A feedback component: variables (file order) and the number of links among them."""

    variables: tuple[str, ...]
    links: int

    @property
    def size(self) -> int:
        return len(self.variables)

    @property
    def cycle_rank(self) -> int:
        return self.links - self.size + 1


@dataclass(frozen=True)
class Structure:
    """The feedback components of a diagram, largest first (ties: file position)."""

    components: tuple[Component, ...]

    @property
    def cycle_rank(self) -> int:
        return sum(c.cycle_rank for c in self.components)

    @property
    def variables_on_loops(self) -> int:
        return sum(c.size for c in self.components)

    @property
    def links_on_loops(self) -> int:
        return sum(c.links for c in self.components)

    def to_dict(self) -> dict[str, object]:
        return {
            "cycle_rank": self.cycle_rank,
            "components": [{"size": c.size, "links": c.links, "cycle_rank": c.cycle_rank,
                            "variables": list(c.variables)} for c in self.components],
        }


def _feedback_components(graph: SignedDigraph) -> list[list[int]]:
    """SCCs that hold a loop, as sorted vertex lists."""
    return [c for c in strongly_connected_components(graph)
            if len(c) > 1 or graph.has_link(c[0], c[0])]


def structure(diagram: Diagram) -> Structure:
    """Feedback components and cycle rank of ``diagram`` (linear time)."""
    return _structure(diagram, compile_graph(diagram))


def _structure(diagram: Diagram, graph: SignedDigraph) -> Structure:
    names = [v.id for v in diagram.variables]
    components = []
    for vertices in _feedback_components(graph):
        members = set(vertices)
        links = sum(1 for u in vertices for v, _ in graph.succ[u] if v in members)
        components.append(Component(tuple(names[v] for v in vertices), links))
    components.sort(key=lambda c: (-c.size, diagram.index[c.variables[0]]))
    return Structure(tuple(components))


def _shortest_paths_from(graph: SignedDigraph, source: int, members: set[int]) -> list[int]:
    """Breadth-first parents from ``source`` inside one component (-1: not reached).

    Successors are visited in vertex order, so ties between equally short
    paths are broken the same way every time.
    """
    parent = [-1] * graph.n
    parent[source] = source
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for v, _ in graph.succ[u]:
            if parent[v] < 0 and v in members:
                parent[v] = u
                queue.append(v)
    return parent


def geodetic_loops(graph: SignedDigraph, deadline: float | None = None
                   ) -> tuple[list[tuple[tuple[int, ...], tuple[int, int]]], bool]:
    """A shortest loop through each link on a loop, as (vertices from the link's source,
    link); the flag says whether the deadline stopped the work early."""
    link_position = {}
    for u, targets in enumerate(graph.succ):
        for v, _ in targets:
            link_position[(u, v)] = len(link_position)
    pred = graph.predecessors()
    found = []
    for vertices in _feedback_components(graph):
        members = set(vertices)
        for v in vertices:
            if deadline is not None and time.monotonic() > deadline:
                return found, True
            parent = _shortest_paths_from(graph, v, members)
            for u in pred[v]:
                if u not in members:
                    continue
                # parents lead from u back to v; the loop is u -> v -> ... -> parent(u)
                path = [u]
                while path[-1] != v:
                    path.append(parent[path[-1]])
                found.append(((u, *reversed(path[1:])), (u, v)))
    found.sort(key=lambda item: (len(item[0]), link_position[item[1]]))
    return found, False


def shortest_independent_loops(graph: SignedDigraph, deadline: float | None = None
                               ) -> tuple[list[tuple[tuple[int, ...], tuple[int, int]]], bool]:
    """The SILS as (loop from its chosen link's source, chosen link), in selection order."""
    candidates, stopped = geodetic_loops(graph, deadline)
    covered: set[tuple[int, int]] = set()
    chosen = []
    for loop, link in candidates:
        links = set(zip(loop, loop[1:] + loop[:1], strict=True))
        if not links <= covered:
            covered |= links
            chosen.append((loop, link))
    return chosen, stopped


def independent_loops(
    diagram: Diagram, *, time_budget: float | None = DEFAULT_TIME_BUDGET
) -> LoopAnalysis:
    """The shortest independent loop set of ``diagram`` as a loop listing.

    Loops are ordered and numbered like ``analyse_loops`` (declared loops keep
    their ids and names; the others are numbered after the highest declared
    id, so numbers refer to this set). The summary adds ``independent``,
    ``cycle_rank``, ``complete`` (the set spans every loop) and the feedback
    components.
    """
    started = time.monotonic()
    deadline = None if time_budget is None else started + time_budget
    graph = compile_graph(diagram)
    chosen, stopped = shortest_independent_loops(graph, deadline)
    cycles = []
    for loop, _ in chosen:
        k = loop.index(min(loop))
        nodes = loop[k:] + loop[:k]
        negatives = unknowns = 0
        for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=True):
            flags = dict(graph.succ[a])[b]
            negatives += flags & 1
            unknowns += (flags >> 1) & 1
        cycles.append(RawCycle(nodes, negatives, unknowns))
    cycles.sort(key=lambda c: (len(c.nodes), c.nodes))
    shape = _structure(diagram, graph)
    _, declared_keys, problems = declared_loops(diagram)
    loops = loops_from_cycles(diagram, cycles, declared_keys, use_declared=True)
    reason = f"time budget of {time_budget:g} s used up" if stopped else None
    extra = {"independent": True, "complete": not stopped and len(loops) == shape.cycle_rank,
             **shape.to_dict()}
    return LoopAnalysis(diagram, loops, sorted(problems), stopped, reason,
                        time.monotonic() - started, extra=extra)
