"""Following influence through a diagram: cause/use trees, signed effects, what-if.

* ``trace_tree`` - what drives a variable (``up``) or what it drives (``down``),
  as a tree cut at a depth; a variable already on the branch is shown once
  more, marked as closing a loop, and not expanded again.
* ``effect`` - every simple path from one variable to another with its sign:
  do they all agree (the effect is clear), disagree (mixed: it depends on
  strengths and delays) or pass through a link of unknown sign?
* ``whatif`` - push one variable up or down and follow every simple path out
  of it once (no variable twice on a path): which variables move which way,
  then which loops through them amplify the change and which counteract it.

Path enumeration is exponential in the worst case, so every search has a
length bound, a count cap and a time budget, and says which one stopped it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from loopkit.analysis.loops import Loop, analyse_loops
from loopkit.limits import DEFAULT_MAX_LENGTH
from loopkit.model import Diagram, Link, LoopType, Polarity

DEFAULT_DEPTH = 3
DEFAULT_MAX_NODES = 500
DEFAULT_PATH_LIMIT = 10_000
DEFAULT_TIME_BUDGET = 5.0
#: ``whatif`` is bounded by counts (paths, loops); the clock only as a safety stop.
WHATIF_TIME_BUDGET = 60.0
#: Said whenever the clock, not a count, stopped the work.
SAFETY_NOTE = "safety stop: the result may differ between runs"

_CLOCK_EVERY = 1024


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- trees


@dataclass(frozen=True)
class TreeNode:
    """One variable in a cause/use tree; ``link`` joins it to its parent."""

    variable: str
    link: Link | None = None
    children: tuple[TreeNode, ...] = ()
    closes_loop: bool = False  # already on this branch: not expanded again
    cut: bool = False  # has more causes/uses beyond the depth limit

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"variable": self.variable}
        if self.link is not None:
            data["polarity"] = self.link.polarity.value
            data["delay"] = self.link.delay
        if self.closes_loop:
            data["closes_loop"] = True
        if self.cut:
            data["more_beyond_depth"] = True
        data["children"] = [child.to_dict() for child in self.children]
        return data


@dataclass
class Tree:
    """A cause (``up``) or use (``down``) tree, and whether the node cap cut it."""

    root: TreeNode
    direction: str
    depth: int
    nodes: int
    truncated: bool = False
    reason: str | None = None


def trace_tree(
    diagram: Diagram,
    variable: str,
    direction: str = "up",
    *,
    depth: int = DEFAULT_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Tree:
    """Causes (``up``) or uses (``down``) of ``variable``, ``depth`` links deep.

    Raises ``KeyError`` for an unknown variable, ``ValueError`` for a bad direction.
    """
    if variable not in diagram.index:
        raise KeyError(variable)
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    neighbours: dict[str, list[tuple[str, Link]]] = {v.id: [] for v in diagram.variables}
    for link in diagram.links:
        if direction == "up":
            neighbours[link.target].append((link.source, link))
        else:
            neighbours[link.source].append((link.target, link))
    count = 1
    truncated = False

    def grow(name: str, link: Link | None, branch: tuple[str, ...], left: int) -> TreeNode:
        nonlocal count, truncated
        if name in branch:
            return TreeNode(name, link, closes_loop=True)
        if left == 0:
            return TreeNode(name, link, cut=bool(neighbours[name]))
        children = []
        for other, via in neighbours[name]:
            if count >= max_nodes:
                truncated = True
                break
            count += 1
            children.append(grow(other, via, (*branch, name), left - 1))
        return TreeNode(name, link, tuple(children))

    root = grow(variable, None, (), depth)
    return Tree(root, direction, depth, count, truncated,
                f"node limit ({max_nodes}) reached" if truncated else None)


def render_tree(tree: Tree, labels: dict[str, str] | None = None) -> list[str]:
    """The tree as text lines with box-drawing branches (no colour, no markup)."""
    labels = labels or {}
    arrow = "\u2190" if tree.direction == "up" else "\u2192"

    def name(node: TreeNode) -> str:
        label = labels.get(node.variable)
        text = node.variable + (f"  {label}" if label and label != node.variable else "")
        if node.closes_loop:
            text += "  (loop: already on this branch)"
        elif node.cut:
            text += "  \u2026"
        return text

    lines = [name(tree.root)]

    def walk(node: TreeNode, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            link = child.link
            assert link is not None
            sign = link.polarity.symbol + (", delay" if link.delay else "")
            lines.append(f"{prefix}{'└' if last else '├'}{arrow} ({sign}) {name(child)}")
            walk(child, prefix + ("   " if last else "│  "))

    walk(tree.root, "")
    return lines


# ---------------------------------------------------------------- paths


@dataclass(frozen=True)
class Path:
    """A simple causal path and its overall sign (``?`` if any link is unknown)."""

    variables: tuple[str, ...]
    links: tuple[Link, ...]

    @property
    def sign(self) -> Polarity:
        if any(lk.polarity is Polarity.UNKNOWN for lk in self.links):
            return Polarity.UNKNOWN
        negatives = sum(1 for lk in self.links if lk.polarity is Polarity.NEGATIVE)
        return Polarity.NEGATIVE if negatives % 2 else Polarity.POSITIVE

    @property
    def delays(self) -> int:
        return sum(1 for lk in self.links if lk.delay)

    def chain(self) -> str:
        return " -> ".join(self.variables)

    def to_dict(self) -> dict[str, object]:
        return {"variables": list(self.variables), "sign": self.sign.value,
                "length": len(self.links), "delays": self.delays}


@dataclass
class PathSearch:
    """Bounded depth-first enumeration of simple paths out of one variable.

    Iterating yields every path (as it is found) that ends at ``target``, or
    every path of any length when ``target`` is ``None``. ``truncated`` and
    ``reason`` say whether and why it stopped early.
    """

    diagram: Diagram
    source: str
    target: str | None = None
    max_length: int | None = DEFAULT_MAX_LENGTH
    limit: int | None = DEFAULT_PATH_LIMIT
    time_budget: float | None = DEFAULT_TIME_BUDGET
    truncated: bool = False
    reason: str | None = None
    found: int = 0

    def __iter__(self) -> Iterator[Path]:
        out: dict[str, list[Link]] = {v.id: [] for v in self.diagram.variables}
        for link in self.diagram.links:
            out[link.source].append(link)
        reach = self._reaches_target(out)
        start = time.monotonic()
        deadline = start + self.time_budget if self.time_budget is not None else None
        on_path = {self.source}
        names = [self.source]
        links: list[Link] = []
        stack = [iter(out[self.source])]
        steps = 0
        while stack:
            steps += 1
            if deadline is not None and steps % _CLOCK_EVERY == 0 \
                    and time.monotonic() > deadline:
                self._stop(f"time budget ({self.time_budget:g} s) reached; {SAFETY_NOTE}")
                return
            link = next(stack[-1], None)
            if link is None:
                stack.pop()
                on_path.discard(names.pop())
                if links:
                    links.pop()
                continue
            nxt = link.target
            if nxt in on_path or (reach is not None and nxt not in reach):
                continue
            path = Path((*names, nxt), (*links, link))
            if self.target is None or nxt == self.target:
                self.found += 1
                yield path
                if self.limit is not None and self.found >= self.limit:
                    self._stop(f"path limit ({self.limit:,}) reached")
                    return
            if nxt == self.target:
                continue
            if self.max_length is not None and len(links) + 1 >= self.max_length:
                if out[nxt]:
                    self._note_length_cut(out, nxt, on_path, reach)
                continue
            on_path.add(nxt)
            names.append(nxt)
            links.append(link)
            stack.append(iter(out[nxt]))

    def _reaches_target(self, out: dict[str, list[Link]]) -> set[str] | None:
        """Variables from which the target can be reached (prunes dead ends)."""
        if self.target is None:
            return None
        back: dict[str, list[str]] = {}
        for source, links in out.items():
            for link in links:
                back.setdefault(link.target, []).append(source)
        seen = {self.target}
        todo = [self.target]
        while todo:
            for prev in back.get(todo.pop(), ()):
                if prev not in seen:
                    seen.add(prev)
                    todo.append(prev)
        return seen

    def _note_length_cut(self, out: dict[str, list[Link]], at: str, on_path: set[str],
                         reach: set[str] | None) -> None:
        """A longer path was not followed: say so if it could have led anywhere new."""
        if self.truncated:
            return
        for link in out[at]:
            if link.target not in on_path and link.target != at and (
                    reach is None or link.target in reach):
                self.truncated = True
                self.reason = f"length limit ({self.max_length} links) reached"
                return

    def _stop(self, reason: str) -> None:
        self.truncated = True
        self.reason = reason


# ---------------------------------------------------------------- effect


@dataclass
class Effect:
    """Every path from ``source`` to ``target`` and what they add up to."""

    source: str
    target: str
    paths: list[Path]
    truncated: bool = False
    reason: str | None = None

    def count(self, sign: Polarity) -> int:
        return sum(1 for p in self.paths if p.sign is sign)

    @property
    def verdict(self) -> str:
        """``none``, ``rises``, ``falls``, ``mixed`` or ``undetermined`` (when ``source`` rises)."""
        if not self.paths:
            return "none"
        up, down = self.count(Polarity.POSITIVE), self.count(Polarity.NEGATIVE)
        unknown = self.count(Polarity.UNKNOWN)
        if up and down:
            return "mixed"
        if unknown:
            return "undetermined"
        return "rises" if up else "falls"

    def to_dict(self) -> dict[str, object]:
        return {"from": self.source, "to": self.target, "verdict": self.verdict,
                "paths": [p.to_dict() for p in self.paths],
                "positive": self.count(Polarity.POSITIVE),
                "negative": self.count(Polarity.NEGATIVE),
                "unknown": self.count(Polarity.UNKNOWN),
                "truncated": self.truncated, "reason": self.reason}


def effect(
    diagram: Diagram,
    source: str,
    target: str,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_PATH_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
) -> Effect:
    """Signed effect of ``source`` on ``target`` along every simple path (bounded).

    Paths are listed shortest first, then in the order of their variables in
    the file. Raises ``KeyError`` naming an unknown variable.
    """
    for name in (source, target):
        if name not in diagram.index:
            raise KeyError(name)
    if source == target:
        raise ValueError("FROM and TO are the same variable: use 'loopkit loops --through' "
                         "for the loops through it")
    search = PathSearch(diagram, source, target, max_length, limit, time_budget)
    index = diagram.index
    paths = sorted(search, key=lambda p: (len(p.links), [index[v] for v in p.variables]))
    return Effect(source, target, paths, search.truncated, search.reason)


def describe_effect(result: Effect, labels: dict[str, str] | None = None) -> str:
    """The effect in one plain sentence, e.g. ``If fines rise, ... (both reinforce)``."""
    labels = labels or {}
    a, b = labels.get(result.source, result.source), labels.get(result.target, result.target)
    up, down = result.count(Polarity.POSITIVE), result.count(Polarity.NEGATIVE)
    unknown = result.count(Polarity.UNKNOWN)
    total = len(result.paths)
    if not total:
        text = f"'{a}' has no effect on '{b}': no causal path leads from one to the other"
    elif result.verdict in ("rises", "falls"):
        agree = "" if total == 1 else " (both reinforce each other)" if total == 2 \
            else f" (all {total} reinforce each other)"
        text = f"If '{a}' rises, '{b}' {result.verdict} through {_plural(total, 'path')}{agree}"
    elif result.verdict == "mixed":
        text = (f"If '{a}' rises, '{b}' rises through {_plural(up, 'path')} and falls "
                f"through {_plural(down, 'path')}: the net effect is mixed and depends on "
                "how strong and how delayed each path is")
        if unknown:
            text += f" ({_plural(unknown, 'more path')} of unknown sign)"
    else:
        sure = f"{up} rise" if up else f"{down} fall" if down else ""
        text = (f"If '{a}' rises, the effect on '{b}' is undetermined: "
                f"{_plural(unknown, 'path')} of {total} pass{'es' if unknown == 1 else ''} "
                "through a link of unknown sign" + (f" (the others: {sure})" if sure else ""))
    if result.truncated:
        text += f"; stopped early ({result.reason}), so there may be more paths"
    return text + "."


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Movement:
    """How one variable moves after a change, counted over the paths reaching it."""

    variable: str
    up: int
    down: int
    unknown: int
    steps: int  # shortest path length from the changed variable
    delayed: bool  # every path reaching it has a delay

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``mixed`` or ``unknown``."""
        if self.up and self.down:
            return "mixed"
        if self.unknown:
            return "unknown"
        return "up" if self.up else "down"

    def to_dict(self) -> dict[str, object]:
        return {"variable": self.variable, "direction": self.direction, "up_paths": self.up,
                "down_paths": self.down, "unknown_paths": self.unknown, "steps": self.steps,
                "only_after_delay": self.delayed}


@dataclass(frozen=True)
class LoopResponse:
    """What a loop does to a change that reaches it."""

    loop: Loop
    entry: str  # first variable of the loop the change reaches (or the changed variable)
    response: str  # amplifies, counteracts, unknown

    def to_dict(self) -> dict[str, object]:
        return {"loop": self.loop.id, "name": self.loop.name, "type": self.loop.type.value,
                "entry": self.entry, "response": self.response}


@dataclass
class WhatIf:
    """Result of pushing one variable up or down."""

    variable: str
    direction: str
    moves: list[Movement]
    loops: list[LoopResponse]
    truncated: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"variable": self.variable, "direction": self.direction,
                "moves": [m.to_dict() for m in self.moves],
                "loops": [r.to_dict() for r in self.loops],
                "truncated": self.truncated, "reason": self.reason}


def whatif(
    diagram: Diagram,
    variable: str,
    direction: str = "up",
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_PATH_LIMIT,
    time_budget: float | None = WHATIF_TIME_BUDGET,
) -> WhatIf:
    """Push ``variable`` ``up`` or ``down`` and propagate the change one pass.

    Each other variable's direction is the sign of every simple path reaching
    it; paths that disagree make it ``mixed``. Loops through the changed
    variable feed the change back to it (reinforcing: amplify; balancing:
    counteract); loops the change reaches elsewhere amplify or resist it there.
    """
    if variable not in diagram.index:
        raise KeyError(variable)
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    flip = direction == "down"
    started = time.monotonic()
    search = PathSearch(diagram, variable, None, max_length, limit, time_budget)
    tally: dict[str, list[int]] = {}
    for path in search:
        sign = path.sign
        counts = tally.setdefault(path.variables[-1], [0, 0, 0, len(path.links), 1])
        if sign is Polarity.UNKNOWN:
            counts[2] += 1
        elif (sign is Polarity.NEGATIVE) != flip:
            counts[1] += 1
        else:
            counts[0] += 1
        counts[3] = min(counts[3], len(path.links))
        counts[4] = counts[4] and path.delays > 0
    index = diagram.index
    moves = sorted((Movement(v, c[0], c[1], c[2], c[3], bool(c[4])) for v, c in tally.items()),
                   key=lambda m: (m.steps, index[m.variable]))
    budget_left = None if time_budget is None else max(
        0.01, time_budget - (time.monotonic() - started))
    analysis = analyse_loops(diagram, time_budget=budget_left)
    step = {m.variable: m.steps for m in moves}
    step[variable] = 0
    responses = []
    for loop in analysis.loops:
        touched = [v for v in loop.variables if v in step]
        if not touched:
            continue
        entry = min(touched, key=lambda v: (step[v], index[v]))
        if loop.type is LoopType.REINFORCING:
            response = "amplifies"
        elif loop.type is LoopType.BALANCING:
            response = "counteracts"
        else:
            response = "unknown"
        responses.append(LoopResponse(loop, entry, response))
    responses.sort(key=lambda r: (step[r.entry], index[r.entry]))
    truncated = search.truncated or analysis.truncated
    loop_reason = analysis.reason and f"loops: {analysis.reason}"
    if loop_reason and "time budget" in loop_reason:
        loop_reason += f" ({SAFETY_NOTE})"
    reasons = [r for r in (search.reason, loop_reason) if r]
    return WhatIf(variable, direction, moves, responses, truncated,
                  "; ".join(reasons) if reasons else None)


def describe_whatif(result: WhatIf, labels: dict[str, str] | None = None,
                    max_loops: int | None = None) -> list[str]:
    """Plain lines: what moves which way, then which loops amplify or counteract.

    ``max_loops`` lists only the loops the change reaches first (the counts
    still cover them all), so a dense map stays readable.
    """
    labels = labels or {}

    def name(v: str) -> str:
        label = labels.get(v)
        return f"{v} ({label})" if label and label != v else v

    verb = "rises" if result.direction == "up" else "falls"
    lines = [f"If {name(result.variable)} {verb}, after one pass through the links:"]
    if not result.moves:
        lines.append("  nothing else moves: it affects no other variable")
    words = {"up": "rises", "down": "falls", "mixed": "mixed", "unknown": "unknown"}
    for move in result.moves:
        detail = []
        if move.direction == "mixed":
            detail.append(f"up through {_plural(move.up, 'path')}, down through "
                          f"{_plural(move.down, 'path')}")
        elif move.direction == "unknown":
            detail.append("a link of unknown sign is on the way")
        if move.delayed:
            detail.append("only after a delay")
        extra = f" ({'; '.join(detail)})" if detail else ""
        lines.append(f"  {words[move.direction]:<7} {name(move.variable)}"
                     f"  [{_plural(move.steps, 'step')}]{extra}")
    if result.loops:
        counts = {word: sum(1 for r in result.loops if r.response == word)
                  for word in ("amplifies", "counteracts", "unknown")}
        parts = [f"{counts['amplifies']} amplif{'ies' if counts['amplifies'] == 1 else 'y'}",
                 f"{counts['counteracts']} counteract{'s' if counts['counteracts'] == 1 else ''}"]
        if counts["unknown"]:
            parts.append(f"{counts['unknown']} unknown")
        lines.append(f"Then the loops it reaches ({', '.join(parts)}):")
    shown = result.loops if max_loops is None else result.loops[:max_loops]
    for response in shown:
        loop = response.loop
        title = f"{loop.id}" + (f" {loop.name}" if loop.name else "")
        if response.entry == result.variable:
            what = {"amplifies": f"feeds the change back to {result.variable} and amplifies it",
                    "counteracts": f"feeds the change back to {result.variable} and "
                                   "counteracts it",
                    "unknown": "has a link of unknown sign: its effect is unknown"}
        else:
            what = {"amplifies": f"amplifies the change where it reaches {response.entry}",
                    "counteracts": f"counteracts the change where it reaches "
                                   f"{response.entry}",
                    "unknown": "has a link of unknown sign: its effect is unknown"}
        lines.append(f"  {response.response:<11} {title} ({loop.type.value}): "
                     f"{what[response.response]}")
    if len(shown) < len(result.loops):
        lines.append(f"  ... and {len(result.loops) - len(shown):,} more loops "
                     "(--max-loops to list more)")
    if result.truncated:
        lines.append(f"Stopped early ({result.reason}): the lists may be incomplete.")
    return lines
