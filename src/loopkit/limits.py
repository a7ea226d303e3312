"""Resource limits for reading diagrams, so hostile input cannot exhaust a CI machine.

Files come from pull requests: a 2 KB "billion laughs" YAML file, a 100,000
level ``[[[[...`` nest or a million variables must fail fast with a located
message, not eat memory or crash the interpreter. Every limit is far above
what a real causal loop diagram needs (the largest real map we have, the
Foresight obesity map, has 108 variables, ~300 links and 62-character labels)
and can be raised per run: ``loopkit --max-variables 50000 check big.yaml``
or ``LOOPKIT_MAX_VARIABLES=50000``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace

#: Loop and path search bounds every command and library call starts from, defined
#: once: the longest loop or path searched (links), the most loops listed, and the
#: seconds a search may take per file before it stops and says so.
DEFAULT_MAX_LENGTH = 12
DEFAULT_LOOP_LIMIT = 10_000
DEFAULT_TIME_BUDGET = 10.0
#: Loops ``loopkit explore`` lists by default: about 1 KB of page each on the Foresight
#: map, so a page stays near 3 MB and quick to filter in a browser (``--limit`` raises it).
DEFAULT_EXPLORE_LOOP_LIMIT = 2_000


@dataclass(frozen=True)
class Limits:
    """Upper bounds applied while reading diagram files (each file, and how many)."""

    #: Bytes read from a file before giving up (5 MiB: ~250x the Foresight map as YAML).
    file_size: int = 5 * 1024 * 1024
    #: YAML keys and values after alias expansion (stops "billion laughs"). A file at
    #: the variable and link limits written as flow mappings has ~370,000; each costs
    #: ~250 bytes of marks, so the limit also caps memory near 150 MB.
    yaml_values: int = 500_000
    #: Bytes of text (keys and scalars, UTF-8) after alias expansion. Without aliases a
    #: file holds no more text than its own size, so 4x the file-size default only
    #: stops an alias multiplying one long string into every description (each byte
    #: costs every output that writes it: a Kumu export needed ~4 bytes per byte).
    yaml_text: int = 20 * 1024 * 1024
    #: Nesting depth of YAML collections (a diagram needs 4; PyYAML's C composer
    #: overflows the C stack somewhere past 10,000). At most ``DEPTH_CEILING``.
    depth: int = 64
    #: Variables per diagram (a legible CLD has well under 200).
    variables: int = 10_000
    #: Links per diagram.
    links: int = 50_000
    #: Characters in an id, label, group, loop id/name or title.
    label_length: int = 500
    #: Problems listed per file before the rest are summed up in one line.
    problems: int = 200
    #: Diagram files read from the folders named (``loopkit check docs/``); the walk
    #: stops, and says so, past this many (or 100 folder entries per file allowed).
    files: int = 10_000

    def __post_init__(self) -> None:
        if self.depth > DEPTH_CEILING:
            raise ValueError(f"nesting depth {self.depth:,} is more than {DEPTH_CEILING} "
                             "levels, the most loopkit checks itself before a YAML "
                             "library's own limit could stop reading first")

    def with_(self, **changes: int | None) -> Limits:
        """A copy with the given limits changed; ``None`` keeps the current value."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


#: The highest nesting limit allowed. YAML libraries stop at limits of their own
#: (libyaml in PyYAML 6.0.4 at 1,000 block or 1,000 flow levels); keeping ours well
#: below means a deep file always gets loopkit's message, whichever PyYAML is installed.
DEPTH_CEILING = 500

DEFAULT_LIMITS = Limits()

#: Command-line flag and environment variable for each limit (documented in the README).
FLAGS = {f.name: "--max-" + f.name.replace("_", "-") for f in fields(Limits)}
ENV_VARS = {f.name: "LOOPKIT_MAX_" + f.name.upper() for f in fields(Limits)}

_active: ContextVar[Limits] = ContextVar("loopkit_limits", default=DEFAULT_LIMITS)


def active_limits() -> Limits:
    """The limits in force: the defaults unless a caller is inside ``using_limits``."""
    return _active.get()


@contextmanager
def using_limits(limits: Limits) -> Iterator[Limits]:
    """Apply ``limits`` to every diagram read inside the ``with`` block (this thread only)."""
    token = _active.set(limits)
    try:
        yield limits
    finally:
        _active.reset(token)


_SIZE = re.compile(r"^\s*([0-9][0-9_,]*)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_count(text: str | int, *, sizes: bool = False) -> int:
    """``"50000"``, ``"50_000"``, ``"50,000"`` (and ``"20M"``, ``"512k"`` for sizes) -> int.

    Raises ``ValueError`` with a readable message; limits are at least 1.
    """
    if isinstance(text, int):
        value = text
    else:
        match = _SIZE.match(text)
        if not match or (match[2] and not sizes):
            example = "a number such as 20M or 500k" if sizes else "a whole number"
            raise ValueError(f"{text!r} is not {example}")
        digits = match[1].replace("_", "").replace(",", "")
        if len(digits) > 18:  # int() refuses 4,300 digits; no limit needs more than 18
            raise ValueError(f"{digits[:12]}... is too large")
        value = int(digits) * _UNITS[match[2].lower()]
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return value
