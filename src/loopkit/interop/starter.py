"""``loopkit init``: a small commented starter diagram, never written over an existing file.

The template teaches the format by example (both ways of writing variables
and links, a delay, one declared loop of each type) and passes
``loopkit check --strict`` as written, so a new user starts from green.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from loopkit.fsutil import atomic_write
from loopkit.problems import UsageError
from loopkit.text import first_control, one_line, strip_control

DEFAULT_NAME = "diagram.yaml"

TEMPLATE = """\
{modeline}# A causal loop diagram for loopkit. Edit it, then:
#   loopkit check {file}    validate it and verify the declared loops
#   loopkit loops {file}    list every feedback loop
#   loopkit report {file} -o report.html
# The format is in loopkit's docs/format.md; `loopkit schema` prints its JSON Schema.
title: {title}
description: >-
  What this diagram explains, in a sentence or two. This starter shows how a
  heavy caseload can feed itself through staff leaving, and how waiting lists
  hold it back.
variables:
  # id: label. Ids are the short names links use; labels are what readers see.
  caseload: Cases per worker
  stress:
    label: Staff stress
    group: staff                 # optional: groups are drawn together
  turnover:
    label: Staff leaving
    group: staff
  waiting: Waiting time for support
  referrals: Referrals made
links:
  # "a -> b (+)": when a rises, b rises too (same direction).
  # "a -> b (-)": when a rises, b falls (opposite direction).
  - caseload -> stress (+)
  - stress -> turnover (+)
  - from: turnover
    to: caseload
    polarity: "+"
    delay: true                  # takes months to show: drawn with ||
    description: The cases of those who leave are shared among those who stay.
  - caseload -> waiting (+)
  - waiting -> referrals (-)
  - referrals -> caseload (+)
loops:
  # Declare the loops you expect. The letter states the type: R reinforcing
  # (an even number of "-" links), B balancing (an odd number). `loopkit check`
  # fails when a declared loop disappears or changes type.
  R1:
    name: Burnout spiral
    variables: [caseload, stress, turnover]
  B1:
    name: Waiting lists deter referrals
    variables: [caseload, waiting, referrals]
"""


def target_path(name: str | None) -> Path:
    """``NAME`` as a file path: ``.yaml`` is added when it has no YAML suffix."""
    path = Path(name or DEFAULT_NAME)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    return path


def title_from(path: Path) -> str:
    """``school-fines.yaml`` -> ``School fines``."""
    stem = path.name.split(".")[0] if not path.name.startswith(".") else path.stem
    words = re.sub(r"[-_\s]+", " ", stem).strip()
    return (words[:1].upper() + words[1:]) if words else "My diagram"


def starter(path: Path, *, title: str | None = None, schema: str | None = None) -> str:
    """The starter diagram text for ``path``; user text is quoted as YAML strings."""
    chosen = strip_control(title if title is not None else title_from(path))
    modeline = ""
    # Both end up in YAML comments: a YAML line break there (U+2028, U+2029 and NEL
    # as well as CR/LF) would end the comment, and YAML forbids most controls.
    if schema:
        if first_control(schema) is not None:
            raise UsageError("--schema must be a single line without control characters")
        modeline = f"# yaml-language-server: $schema={schema}\n"
    display = shlex.quote(path.as_posix())  # the comments show commands to copy
    bad = first_control(display)
    if bad is not None:
        raise UsageError(f"{display}: a file name with a line break or control character "
                         f"({one_line(bad)}) is not supported")
    return TEMPLATE.format(modeline=modeline, file=display,
                           title=json.dumps(chosen, ensure_ascii=False))


def create_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file at ``path`` atomically; never replace an existing file."""
    atomic_write(path, text, exclusive=True)


def init_diagram(name: str | None = None, *, title: str | None = None,
                 schema: str | None = None) -> Path:
    """Create the starter diagram; returns its path."""
    path = target_path(name)
    create_new(path, starter(path, title=title, schema=schema))
    return path

