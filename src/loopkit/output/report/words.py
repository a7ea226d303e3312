"""Loops in plain words, for readers without training in system dynamics.

"When fines rise, family financial strain rises, which raises difficulties at
home, ..., which raises fines further: a reinforcing loop." The direction of
each variable is followed link by link (a ``-`` link turns a rise into a
fall), so the closing clause always agrees with the loop's type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from loopkit.analysis.loops import Loop
from loopkit.model import LoopType, Polarity

UP, DOWN, UNKNOWN = 1, -1, 0

# Words that end the noun phrase at the start of a label ("Fines | issued to
# parents", "Support | reaching the family"): its last word is the head noun.
_STOP = {"at", "to", "of", "for", "in", "on", "from", "by", "with", "about", "per", "into",
         "among", "between", "under", "over", "against", "without", "within", "across",
         "that", "who", "which", "made", "done", "taken", "given", "seen", "known", "held",
         "paid", "sent", "spent", "kept", "lost", "found", "left", "brought", "put"}
_IRREGULAR_PLURALS = {"children", "people", "men", "women", "police", "data", "families"}
_SINGULAR_ENDINGS = ("ss", "us", "is", "ics", "news", "ous", "'s")


def is_plural(label: str) -> bool:
    """Best guess whether a label's head noun is plural ("Fines issued..." yes).

    Only used to choose "rise" or "rises"; a wrong guess costs grammar, not meaning.
    """
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", label)
    head: list[str] = []
    for n, word in enumerate(words):
        low = word.lower()
        if n > 0 and (low in _STOP or low.endswith("ed") or low.endswith("ing")):
            break
        if low == "and" and head:
            return True  # "Destitution and exclusion" rise
        head.append(low)
    if not head:
        return False
    noun = head[-1]
    if noun in _IRREGULAR_PLURALS:
        return True
    return noun.endswith("s") and not noun.endswith(_SINGULAR_ENDINGS)


def phrase(label: str) -> str:
    """A label as it reads mid-sentence: first letter lowered unless it looks like an acronym."""
    label = " ".join(label.split())
    first = label.split(" ", 1)[0] if label else ""
    if len(first) > 1 and (first.isupper() or any(c.isupper() for c in first[1:])):
        return label  # "CAMHS waiting time", "McKinsey"
    return label[:1].lower() + label[1:]


def _effect(direction: int) -> str:
    return {UP: "raises", DOWN: "lowers", UNKNOWN: "changes"}[direction]


def _after(polarity: Polarity, direction: int) -> int:
    if direction == UNKNOWN or polarity is Polarity.UNKNOWN:
        return UNKNOWN
    return direction if polarity is Polarity.POSITIVE else -direction


def loop_sentence(loop: Loop, labels: Mapping[str, str] | None = None) -> str:
    """The loop as one sentence that starts with a rise of its first variable."""
    start, *clauses = loop_story(loop, labels)
    return f"{start}, {', '.join(clauses)}."


def loop_story(loop: Loop, labels: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``loop_sentence`` in pieces: the opening ("When fines rise"), then one clause per link.

    The explorer's story mode reveals a loop link by link, as LOOPY readers
    expect; joining the first ``k + 1`` pieces with ", " gives the sentence as
    far as link ``k``, so the steps and the whole sentence never disagree.
    """
    labels = labels or {}
    names = [phrase(labels.get(v, v)) for v in loop.variables]
    plural = [is_plural(labels.get(v, v)) for v in loop.variables]
    first = names[0]
    start = f"When {first} {'rise' if plural[0] else 'rises'}"
    direction = UP
    clauses: list[str] = []
    for n, link in enumerate(loop.links):
        direction = _after(link.polarity, direction)
        target = (n + 1) % len(names)
        delayed = link.delay
        if n == 0 and target != 0:
            verb = {UP: "rise", DOWN: "fall", UNKNOWN: "change"}[direction]
            if not plural[target]:
                verb += "s"
            clause = f"{names[target]} {verb}"
            if direction == UNKNOWN:
                clause += " (in a direction the diagram does not say)"
            clauses.append(clause + (" after a delay" if delayed else ""))
            continue
        lead = "which" if clauses else "that"
        lead += ", after a delay," if delayed else ""
        if target != 0:
            clauses.append(f"{lead} {_effect(direction)} {names[target]}")
        elif loop.type is LoopType.UNDETERMINED or direction == UNKNOWN:
            clauses.append(f"{lead} changes {first} again, in a direction that cannot be "
                           "told: an undetermined loop (a link's polarity is unknown)")
        elif direction == UP:
            clauses.append(f"{lead} raises {first} further: a reinforcing loop")
        else:
            clauses.append(f"{lead} pushes {first} back down: a balancing loop")
    return (start, *clauses)
