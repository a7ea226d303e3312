"""The element ids loopkit gives Graphviz and reads back from its SVG: one codec.

Every drawn element carries ``<kind><number>[-<rest>]``, so ``svg.finish_svg``
can tell which variable, link or badge a Graphviz group belongs to without
trusting any user text. Writers (``dotsource``, ``scene``) and the reader use
these functions, so the protocol is written down once.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: A variable's box (``v3``: the fourth variable of the diagram).
VARIABLE = "v"
#: A link's line (``l5``); its sign and delay strokes are ``s5`` and ``m5-0``...
LINK = "l"
SIGN = "s"
DELAY_MARK = "m"
#: A loop badge's parts (``b0-id``, ``b0-arc``, ``b0-name``, ``b0-leader``).
BADGE = "b"
#: A legend item's parts (``legend2-text``...).
LEGEND = "legend"

_PART = re.compile(r"^(v|l|m|s|b|legend)(\d+)(?:-(.*))?$")


class Part(NamedTuple):
    """What an element id says: its kind, the index it refers to, and the sub-part."""

    kind: str
    number: int
    rest: str

    @property
    def is_anchor(self) -> bool:
        """An invisible anchor node of a drawn curve (``b0-p3``): dropped from the SVG."""
        return self.rest.startswith("p") and self.rest[1:].isdigit()


def element_id(kind: str, number: int, rest: str = "") -> str:
    """``v3``, ``b0-arc``...: the id of part ``rest`` of element ``number`` of ``kind``."""
    return f"{kind}{number}-{rest}" if rest else f"{kind}{number}"


def parse(value: str) -> Part | None:
    """The ``Part`` an element id names, or None for ids outside the protocol."""
    match = _PART.match(value)
    if match is None:
        return None
    return Part(match[1], int(match[2]), match[3] or "")
