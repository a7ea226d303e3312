"""Focus views: the part of a big map one question is about, and what it leaves out.

A 100-variable map cannot be read as one picture, but one question about it
can: what is near this variable (``neighbourhood``), how does A reach B
(``between``), what do these loops share (``loop_union``), what is in this
group (``group_view``). Each is a pure function of a ``Diagram`` giving a
``View``: the shown sub-diagram (variables and links in the full map's file
order) and counts of what was left out, so every picture and report of it can
say "34 more variables and 120 links not shown". ``collapse_groups`` draws
each group as one box with the links between groups counted and signed.

Loops keep the full map's ids: ``view_analysis`` keeps the full analysis's
loops that lie wholly inside the view and never numbers them afresh, so R3
in a focus view is R3 of ``loopkit loops``.

Every selection is bounded: breadth-first searches are linear, and the one
exponential question (is this link on a simple path from A to B?) counts its
steps and, when ``max_steps`` stops it, shows every candidate it could not rule
out and says so in ``View.notes``. No typer or rich here: the CLI, the
explorer and the Python API share it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from loopkit.model import Diagram, Link, Polarity, Variable

if TYPE_CHECKING:
    from loopkit.analysis.loops import Loop, LoopAnalysis

Direction = Literal["up", "down", "both"]
DIRECTIONS: tuple[Direction, ...] = ("up", "down", "both")
DEFAULT_DEPTH = 1
#: Longest path ``between`` takes (its search recurses once per link of a path).
MAX_PATH_LENGTH = 500
#: Link examinations ``between`` may make before it stops confirming paths.
DEFAULT_MAX_STEPS = 1_000_000
#: Names quoted in a view's words before "and N more" (keeps captions bounded).
NAMES_SHOWN = 4
#: Characters of a label quoted in a view's words.
NAME_CHARS = 40
#: Members listed in a collapsed group's or link's description.
MEMBERS_SHOWN = 12

MIXED = "\u00b1"


class SelectionError(ValueError):
    """A name the diagram does not have, or a selection with nothing in it.

    The message is one line, starts with the diagram's path and ends with a
    did-you-mean suggestion where one is close.
    """


@dataclass(frozen=True)
class View:
    """A part of a diagram to draw or report, and what it leaves out."""

    #: the shown part: a ``Diagram`` of the full map's variables and links, file order
    diagram: Diagram
    #: the whole map it was taken from
    full: Diagram
    #: the selection in words, e.g. "within 2 links of 'Obesity' (causes and effects)"
    what: str
    #: loops this view is about (``loop_union``): drawn with their badges
    loops: tuple[str, ...] = ()
    #: where a bound stopped the selection, in words
    notes: tuple[str, ...] = ()
    #: collapsed views: the text drawn at each link's head instead of its sign
    sign_labels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: collapsed views: links inside a group, not drawn
    inside_links: int = 0
    #: each group drawn as one box (``collapse_groups``)
    collapsed: bool = False
    #: variables the view is centred on (``--focus``, ``--between``'s ends): drawn
    #: emphasised so a reader finds where the question starts
    centres: tuple[str, ...] = ()

    @property
    def group_order(self) -> list[str]:
        """The whole map's groups in order of first use (a view keeps their colours)."""
        return groups_of(self.full)

    @property
    def hidden_variables(self) -> int:
        """Variables of the full map not in the view (none for a collapsed view)."""
        if self.collapsed:
            return 0
        return len(self.full.variables) - len(self.diagram.variables)

    @property
    def hidden_links(self) -> int:
        """Links of the full map not drawn (in a collapsed view: those inside groups)."""
        if self.collapsed:
            return self.inside_links
        return len(self.full.links) - len(self.diagram.links)

    @property
    def left_out(self) -> str:
        """``34 more variables and 120 links not shown`` (or that nothing is left out)."""
        if self.collapsed:
            if not self.inside_links:
                return "no links inside groups"
            return f"{_count(self.inside_links, 'link')} inside groups not shown"
        parts = []
        if self.hidden_variables:
            parts.append(_count(self.hidden_variables, "more variable"))
        if self.hidden_links:
            parts.append(_count(self.hidden_links, "link"))
        if not parts:
            return "nothing left out"
        return " and ".join(parts) + " not shown"

    @property
    def caption(self) -> str:
        """One sentence for the picture and its text: the selection and what it leaves out."""
        if self.collapsed:
            mixed = (f" ({MIXED} mixed)" if any(label.endswith(MIXED)
                                                for label in self.sign_labels.values()) else "")
            return (f"{_upper(self.what)}: the count beside each arrowhead gives how many "
                    f"links point that way and their combined sign{mixed}; {self.left_out}.")
        return f"{_upper(self.what)}: {self.left_out}."


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _quoted(text: str) -> str:
    """A label quoted in a view's words: one line, at most ``NAME_CHARS`` characters."""
    from loopkit.text import strip_control

    flat = " ".join(strip_control(text).split())
    if len(flat) > NAME_CHARS:
        flat = flat[:NAME_CHARS - 1].rstrip() + "\u2026"
    return f"'{flat}'"


def _names(items: Sequence[str]) -> str:
    """``'a', 'b' and 'c'`` with "and N more" past ``NAMES_SHOWN`` (items already quoted)."""
    shown = list(items[:NAMES_SHOWN])
    rest = len(items) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


# ---------------------------------------------------------------- names


def resolve_variable(diagram: Diagram, name: str, what: str = "variable") -> str:
    """The id ``name`` stands for: an id, or a label naming exactly one variable
    (case and spacing ignored, as people type them); else ``SelectionError``."""
    if name in diagram.index:
        return name
    wanted = " ".join(name.split()).casefold()
    matches = [v.id for v in diagram.variables if " ".join(v.label.split()).casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SelectionError(f"{diagram.path}: {what} '{name}' is the label of "
                             f"{len(matches)} variables; name one by its id: "
                             + ", ".join(f"'{m}'" for m in matches[:NAMES_SHOWN]))
    from loopkit.text import suggest

    candidates = list(dict.fromkeys([v.id for v in diagram.variables]
                                    + [v.label for v in diagram.variables]))
    hint = suggest(name, candidates)
    if not hint and wanted:
        # a word of a long label ("obesity"): the labels that contain it
        holding = [v.label for v in diagram.variables
                   if wanted in " ".join(v.label.split()).casefold()]
        if len(holding) == 1:
            hint = f" (did you mean '{holding[0]}'?)"
        elif holding:
            hint = (" (labels containing it: " + ", ".join(
                _quoted(label) for label in holding[:NAMES_SHOWN])
                + (f" and {len(holding) - NAMES_SHOWN} more" if len(holding) > NAMES_SHOWN
                   else "") + ")")
    raise SelectionError(f"{diagram.path}: {what} '{name}' is not a variable of this "
                         f"diagram{hint}")


def groups_of(diagram: Diagram) -> list[str]:
    """Group names in order of first use."""
    return list(dict.fromkeys(v.group for v in diagram.variables if v.group is not None))


def resolve_group(diagram: Diagram, name: str, what: str = "group") -> str:
    """``name`` if it is a group of ``diagram`` (else one that differs only in case)."""
    groups = groups_of(diagram)
    if name in groups:
        return name
    folded = [g for g in groups if g.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    from loopkit.text import suggest

    if not groups:
        raise SelectionError(f"{diagram.path}: {what} '{name}': this diagram has no groups "
                             "(give variables a 'group')")
    listed = ", ".join(f"'{g}'" for g in groups[:8]) + (", ..." if len(groups) > 8 else "")
    raise SelectionError(f"{diagram.path}: {what} '{name}' is not a group of this diagram"
                         f"{suggest(name, groups)} (groups: {listed})")


def resolve_loops(analysis: LoopAnalysis, ids: Iterable[str], what: str = "loop") -> list[Loop]:
    """The loops of ``analysis`` named by ``ids`` (ids of the full map's listing)."""
    from loopkit.text import suggest

    by_id = {loop.id: loop for loop in analysis.loops}
    chosen = []
    for loop_id in ids:
        loop = by_id.get(loop_id)
        if loop is None:
            folded = [i for i in by_id if i.casefold() == loop_id.casefold()]
            loop = by_id[folded[0]] if len(folded) == 1 else None
        if loop is None:
            known = list(by_id)
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            stopped = (f"; the loop search stopped early ({analysis.reason})"
                       if analysis.truncated else "")
            raise SelectionError(f"{analysis.diagram.path}: {what} '{loop_id}' is not a loop "
                                 f"of this diagram{suggest(loop_id, known)} "
                                 f"(loops: {listed or 'none'}{stopped})")
        if loop not in chosen:
            chosen.append(loop)
    return chosen


# ---------------------------------------------------------------- building views


def _sub(diagram: Diagram, keep: set[str], links: Iterable[Link] | None = None) -> Diagram:
    """The diagram cut to the variables ``keep`` and ``links`` (default: every link
    between kept variables), declared loops kept only when wholly inside."""
    variables = tuple(v for v in diagram.variables if v.id in keep)
    if links is None:
        chosen = tuple(lk for lk in diagram.links if lk.source in keep and lk.target in keep)
    else:
        wanted = {lk.key for lk in links}
        chosen = tuple(lk for lk in diagram.links if lk.key in wanted)
    keys = {lk.key for lk in chosen}
    declared = tuple(
        loop for loop in diagram.loops
        if loop.variables and all(
            (a, b) in keys
            for a, b in zip(loop.variables, loop.variables[1:] + loop.variables[:1],
                            strict=True)))
    return replace(diagram, variables=variables, links=chosen, loops=declared)


def _adjacency(diagram: Diagram) -> tuple[list[list[int]], list[list[int]]]:
    """Successors and predecessors of each variable by number, in file order."""
    index = diagram.index
    out: list[list[int]] = [[] for _ in diagram.variables]
    inc: list[list[int]] = [[] for _ in diagram.variables]
    for link in diagram.links:
        a, b = index[link.source], index[link.target]
        out[a].append(b)
        inc[b].append(a)
    return out, inc


def _bfs(adjacency: Sequence[Sequence[int]], starts: Iterable[int], depth: int) -> list[int]:
    """Links from the nearest start to each vertex (``depth + 1`` where farther)."""
    far = depth + 1
    dist = [far] * len(adjacency)
    queue: deque[int] = deque()
    for s in starts:
        if dist[s]:
            dist[s] = 0
            queue.append(s)
    while queue:
        u = queue.popleft()
        if dist[u] >= depth:
            continue
        for v in adjacency[u]:
            if dist[v] == far:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def neighbourhood(diagram: Diagram, centres: Sequence[str], depth: int = DEFAULT_DEPTH,
                  direction: Direction = "both", *, what: str = "focus") -> View:
    """The variables within ``depth`` links of any of ``centres``, and the links among them.

    ``down`` follows links forward (what the variable drives), ``up`` backward
    (what drives it), ``both`` takes the two together: causes and effects, not
    the other causes of its effects.
    """
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if not centres:
        raise ValueError("name at least one variable to focus on")
    ids = list(dict.fromkeys(resolve_variable(diagram, name, what) for name in centres))
    index = diagram.index
    out, inc = _adjacency(diagram)
    starts = [index[i] for i in ids]
    reached: set[int] = set(starts)
    if direction in ("down", "both"):
        reached.update(v for v, d in enumerate(_bfs(out, starts, depth)) if d <= depth)
    if direction in ("up", "both"):
        reached.update(v for v, d in enumerate(_bfs(inc, starts, depth)) if d <= depth)
    keep = {diagram.variables[v].id for v in reached}
    whose = {"both": "causes and effects", "up": "causes", "down": "effects"}[direction]
    names = _names([_quoted(diagram.label(i)) for i in ids])
    what = (f"{names} only" if depth == 0
            else f"{whose} within {_count(depth, 'link')} of {names}")
    return View(_sub(diagram, keep), diagram, what, centres=tuple(ids))


def group_view(diagram: Diagram, groups: Sequence[str], *, what: str = "group") -> View:
    """The variables of the named groups and the links among them."""
    if not groups:
        raise ValueError("name at least one group")
    names = list(dict.fromkeys(resolve_group(diagram, g, what) for g in groups))
    keep = {v.id for v in diagram.variables if v.group in names}
    label = "group" if len(names) == 1 else "groups"
    return View(_sub(diagram, keep), diagram, f"{label} {_names([_quoted(g) for g in names])}")


def loop_union(diagram: Diagram, analysis: LoopAnalysis, ids: Sequence[str], *,
               what: str = "loop") -> View:
    """The variables and links of the named loops (ids as in the full map's listing)."""
    if not ids:
        raise ValueError("name at least one loop")
    loops = resolve_loops(analysis, ids, what)
    keep = {v for loop in loops for v in loop.variables}
    links = [link for loop in loops for link in loop.links]
    label = "loop" if len(loops) == 1 else "loops"
    what = f"{label} {_names([loop.id for loop in loops])}"
    return View(_sub(diagram, keep, links), diagram, what, tuple(lp.id for lp in loops))


def view_analysis(view: View, analysis: LoopAnalysis) -> LoopAnalysis:
    """The full map's loops that lie wholly inside ``view``, ids unchanged.

    Loops the full search did not reach (it stopped early) are not listed:
    ``truncated`` and ``reason`` carry over to say so.
    """
    from loopkit.analysis.loops import LoopAnalysis

    if view.collapsed:
        return LoopAnalysis(view.diagram, [], list(analysis.problems), analysis.truncated,
                            analysis.reason, analysis.elapsed)
    keys = {link.key for link in view.diagram.links}
    loops = [loop for loop in analysis.loops if all(lk.key in keys for lk in loop.links)]
    return LoopAnalysis(view.diagram, loops, list(analysis.problems), analysis.truncated,
                        analysis.reason, analysis.elapsed)


# ---------------------------------------------------------------- between


class _Stop(Exception):
    """The step budget of ``between`` ran out."""


def between(diagram: Diagram, source: str, target: str, max_length: int,
            *, max_steps: int = DEFAULT_MAX_STEPS, what: str = "path") -> View:
    """Every variable and link on a simple path from ``source`` to ``target`` of at
    most ``max_length`` links (``source == target``: on a loop through it).

    Breadth-first distances from the source and to the target give the
    candidates (a link u -> v with ``d(source, u) + 1 + d(v, target)`` within
    the bound); each candidate is then confirmed by a pruned depth-first search
    for a simple path through it, which marks every link of the path it finds.
    ``max_steps`` link examinations bound the confirming: past it, the
    candidates not yet confirmed are shown too, and ``notes`` says how many.
    """
    if not 1 <= max_length <= MAX_PATH_LENGTH:
        raise ValueError(f"max_length must be 1 to {MAX_PATH_LENGTH}")
    s = diagram.index[resolve_variable(diagram, source, what)]
    t = diagram.index[resolve_variable(diagram, target, what)]
    out, inc = _adjacency(diagram)
    n = len(diagram.variables)
    from_s = _bfs(out, [s], max_length)
    to_t = _bfs(inc, [t], max_length)
    index = diagram.index
    ends = [(index[lk.source], index[lk.target]) for lk in diagram.links]
    candidates = [
        k for k, (u, v) in enumerate(ends)
        if from_s[u] + 1 + to_t[v] <= max_length
        and (u != v or (u == s == t))
        and (s == t or (u != t and v != s))
    ]
    a_name, b_name = _quoted(diagram.label(diagram.variables[s].id)), _quoted(
        diagram.label(diagram.variables[t].id))
    if not candidates:
        back = _bfs(inc, [t], n)
        shortest = (min((1 + back[y] for y in out[s]), default=n + 1) if s == t
                    else _bfs(out, [s], n)[t])
        found = (f" (the shortest has {_count(shortest, 'link')})" if shortest <= n
                 else " (there is none)")
        if s == t:
            raise SelectionError(f"{diagram.path}: no loop through {a_name} of at most "
                                 f"{_count(max_length, 'link')}{found}")
        raise SelectionError(f"{diagram.path}: no path from {a_name} to {b_name} of at most "
                             f"{_count(max_length, 'link')}{found}")
    finder = _PathFinder(out, ends, s, t, max_length, to_t)
    # Each candidate gets an even share of the steps left, so one link whose search
    # explodes cannot starve the rest; a second round gives what is left over to the
    # links the first could not settle.
    left = max_steps
    confirmed: set[int] = set()
    todo = list(candidates)
    for _ in range(2):
        unsure: list[int] = []
        for n_done, k in enumerate(todo):
            if k in confirmed:
                continue
            finder.steps_left = share = left // (len(todo) - n_done)
            try:
                path = finder.through(k)
            except _Stop:
                unsure.append(k)
                path = None
            left -= share - max(finder.steps_left, 0)
            if path is not None:
                confirmed.update(path)
        todo = [k for k in unsure if k not in confirmed]
        if not todo or left <= 0:
            break
    notes: tuple[str, ...] = ()
    shown = confirmed | set(todo)
    if todo:
        notes = (f"path search bound reached ({max_steps:,} steps): "
                 f"{_count(len(todo), 'link')} near both ends shown though no path through "
                 f"{'it' if len(todo) == 1 else 'them'} was confirmed",)
    links = [diagram.links[k] for k in sorted(shown)]
    keep = {diagram.variables[s].id, diagram.variables[t].id}
    keep.update(v for lk in links for v in (lk.source, lk.target))
    what = (f"loops through {a_name} of at most {_count(max_length, 'link')}" if s == t
            else f"paths from {a_name} to {b_name} of at most {_count(max_length, 'link')}")
    ends = tuple(dict.fromkeys(diagram.variables[v].id for v in (s, t)))
    return View(_sub(diagram, keep, links), diagram, what, notes=notes, centres=ends)


class _PathFinder:
    """Depth-first search for one simple source -> target path through a given link.

    The first leg runs from the source to the link's tail, pruned by the
    distance still needed (to the tail, over the link, then on to the target);
    each first leg that arrives is continued by a second leg from the link's
    head to the target that avoids it. Both are complete within the bound, so
    "not found" means there is no such path. Every link examined is a step.
    """

    def __init__(self, out: Sequence[Sequence[int]], ends: Sequence[tuple[int, int]], s: int,
                 t: int, max_length: int, to_t: Sequence[int]) -> None:
        self.out, self.ends, self.s, self.t = out, ends, s, t
        self.max_length, self.to_t = max_length, to_t
        self.steps_left = 0
        self.link_of = {(u, v): k for k, (u, v) in enumerate(ends)}
        self.inc: list[list[int]] = [[] for _ in out]
        for u, successors in enumerate(out):
            for v in successors:
                self.inc[v].append(u)
        self._to: dict[int, list[int]] = {}

    def _step(self) -> None:
        self.steps_left -= 1
        if self.steps_left < 0:
            raise _Stop

    def _dist_to(self, u: int) -> list[int]:
        if u not in self._to:
            self._to[u] = _bfs(self.inc, [u], self.max_length)
        return self._to[u]

    def through(self, k: int) -> list[int] | None:
        """The links of a simple path s -> t of at most ``max_length`` through link ``k``."""
        u, v = self.ends[k]
        if u == v:  # a self-link: a loop of one link (only a candidate when s == t == u)
            return [k]
        s, t = self.s, self.t
        to_u = self._dist_to(u)
        # links the first leg may use: the rest is the link and the way on to t
        room = self.max_length - 1 - self.to_t[v]
        if to_u[s] > room:
            return None
        first = [s]
        on = {s}

        def extend(x: int, used: int) -> list[int] | None:
            if x == u:
                if v == t:
                    second: list[int] | None = [t]
                else:
                    on.add(v)
                    second = self._second(v, self.max_length - used - 1, [v], on)
                    on.discard(v)
                if second is None:
                    return None
                legs = first + second
                return [self.link_of[(a, b)] for a, b in pairwise(legs)]
            # nearest first: a path, where there is one, is found long before the
            # search would have tried everything
            for y in sorted(self.out[x], key=to_u.__getitem__):
                self._step()
                if y in on or y == v or y == t or used + 1 + to_u[y] > room:
                    continue
                first.append(y)
                on.add(y)
                found = extend(y, used + 1)
                first.pop()
                on.discard(y)
                if found is not None:
                    return found
            return None

        return extend(s, 0)

    def _second(self, x: int, budget: int, path: list[int], on: set[int]) -> list[int] | None:
        """A simple path from ``x`` to t of at most ``budget`` links that avoids ``on``."""
        if budget < 1:
            return None
        t = self.t
        for y in sorted(self.out[x], key=self.to_t.__getitem__):
            self._step()
            if y == t:
                return [*path, t]
            if y in on or 1 + self.to_t[y] > budget:
                continue
            path.append(y)
            on.add(y)
            found = self._second(y, budget - 1, path, on)
            path.pop()
            on.discard(y)
            if found is not None:
                return found
        return None


# ---------------------------------------------------------------- collapsed groups


def collapse_groups(diagram: Diagram) -> View:
    """Each group drawn as one box; links between boxes counted and signed.

    A box stands where its group's first variable is in the file; variables
    with no group stay as themselves. The links from one box (or variable) to
    another become one link: its label says how many and their combined sign
    (``+`` all positive, ``−`` all negative, ``?`` all unknown, ``±`` mixed).
    Links inside one group are dropped and counted (``View.inside_links``).
    """
    groups = groups_of(diagram)
    taken = {v.id for v in diagram.variables}
    box_id: dict[str, str] = {}
    for group in groups:
        name = f"group:{group}"
        while name in taken:
            name += "_"
        taken.add(name)
        box_id[group] = name
    members: dict[str, list[str]] = {g: [] for g in groups}
    for variable in diagram.variables:
        if variable.group is not None:
            members[variable.group].append(variable.label)
    node_of: dict[str, str] = {}
    variables: list[Variable] = []
    placed: set[str] = set()
    for variable in diagram.variables:
        group = variable.group
        if group is None:
            node_of[variable.id] = variable.id
            variables.append(replace(variable, pos=None))
            continue
        node_of[variable.id] = box_id[group]
        if box_id[group] in placed:
            continue
        placed.add(box_id[group])
        names = members[group]
        listed = "; ".join(" ".join(n.split()) for n in names[:MEMBERS_SHOWN])
        if len(names) > MEMBERS_SHOWN:
            listed += f"; and {len(names) - MEMBERS_SHOWN} more"
        variables.append(Variable(box_id[group], f"{group} ({_count(len(names), 'variable')})",
                                  group, listed))
    bundles: dict[tuple[str, str], list[Link]] = {}
    inside = 0
    for link in diagram.links:
        a, b = node_of[link.source], node_of[link.target]
        if a == b and a != link.source:
            inside += 1
            continue
        bundles.setdefault((a, b), []).append(link)
    links: list[Link] = []
    labels: dict[tuple[str, str], str] = {}
    for (a, b), bundle in bundles.items():
        signs = {lk.polarity for lk in bundle}
        polarity = next(iter(signs)) if len(signs) == 1 else Polarity.UNKNOWN
        symbol = polarity.symbol if len(signs) == 1 else MIXED
        plain = a == bundle[0].source and b == bundle[0].target and len(bundle) == 1
        if plain:
            links.append(replace(bundle[0]))
            continue
        words = ", ".join(f"{n} {p.word}" for p, n in (
            (p, sum(1 for lk in bundle if lk.polarity is p)) for p in Polarity) if n)
        listed = "; ".join(f"{diagram.label(lk.source)} \u2192 {diagram.label(lk.target)} "
                           f"({lk.polarity.symbol})" for lk in bundle[:MEMBERS_SHOWN])
        if len(bundle) > MEMBERS_SHOWN:
            listed += f"; and {len(bundle) - MEMBERS_SHOWN} more"
        links.append(Link(a, b, polarity, delay=all(lk.delay for lk in bundle),
                          description=f"{_count(len(bundle), 'link')} ({words}): {listed}"))
        labels[(a, b)] = f"{len(bundle)} {symbol}"
    collapsed = Diagram(tuple(variables), tuple(links), (), diagram.title,
                        diagram.description, diagram.path, diagram.extensions)
    what = f"{_count(len(groups), 'group')} drawn as one box each"
    return View(collapsed, diagram, what, sign_labels=labels, inside_links=inside,
                collapsed=True)


# ---------------------------------------------------------------- one entry point


@dataclass(frozen=True)
class Selection:
    """What part of a map to show, as the CLI and the explorer take it: at most one of
    ``focus``, ``between``, ``loops``, ``groups`` and ``collapse`` (none: the whole map)."""

    focus: tuple[str, ...] = ()
    depth: int = DEFAULT_DEPTH
    direction: Direction = "both"
    between: tuple[str, str] | None = None
    max_length: int = 12
    loops: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    collapse: bool = False
    max_steps: int = DEFAULT_MAX_STEPS

    def chosen(self) -> list[str]:
        """The kinds of selection asked for (more than one is an error)."""
        asked = [("focus", bool(self.focus)), ("between", self.between is not None),
                 ("loops", bool(self.loops)), ("group", bool(self.groups)),
                 ("collapse", self.collapse)]
        return [name for name, on in asked if on]

    @property
    def empty(self) -> bool:
        return not self.chosen()


def select(diagram: Diagram, selection: Selection,
           analysis: LoopAnalysis | None = None) -> View | None:
    """The view ``selection`` asks for (``None``: the whole map); ``analysis`` of the
    full map is needed for ``loops`` only. Raises ``SelectionError`` for unknown names
    and ``ValueError`` when more than one kind of selection is asked for."""
    chosen = selection.chosen()
    if len(chosen) > 1:
        raise ValueError("choose one of " + ", ".join(chosen))
    if not chosen:
        return None
    if selection.focus:
        return neighbourhood(diagram, selection.focus, selection.depth, selection.direction,
                             what="--focus")
    if selection.between is not None:
        return between(diagram, *selection.between, selection.max_length,
                       max_steps=selection.max_steps, what="--between")
    if selection.loops:
        if analysis is None:
            from loopkit.analysis.loops import analyse_loops

            analysis = analyse_loops(diagram)
        return loop_union(diagram, analysis, selection.loops, what="--loops")
    if selection.groups:
        return group_view(diagram, selection.groups, what="--group")
    if not groups_of(diagram):
        raise SelectionError(f"{diagram.path}: --collapse groups: this diagram has no groups "
                             "(give variables a 'group')")
    return collapse_groups(diagram)
