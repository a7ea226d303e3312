"""Mermaid ``flowchart``: a diagram that renders in GitHub, GitLab and Notion Markdown.

Links carry their sign as an edge label (``+``, ``−``, ``?``) and delayed
links add ``||`` (the CLD delay mark). Groups become subgraphs. Every label is
written in double quotes with Mermaid's ``#code;`` entities for the characters
that would end or break it, so a label can never inject Mermaid syntax.

Mermaid looks for ``%%{init: ...}%%`` directives *anywhere* in the text, comments
and front matter included, and a directive can change the theme, inject CSS
and load remote images even at ``securityLevel: strict``. So no user text in
the output may hold ``%``, ``{`` or ``}``: labels write them as entities, and
the title and the loop comments (which Mermaid shows or keeps verbatim) as
their full-width look-alikes.
"""

from __future__ import annotations

import re

from loopkit.interop.yaml_writer import quote
from loopkit.model import Diagram, Polarity
from loopkit.text import strip_control

#: Words Mermaid reads as syntax when used as a node id.
_KEYWORDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click",
             "linkstyle", "direction", "default", "call", "href", "interpolate"}
_SAFE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SIGN = {Polarity.POSITIVE: "+", Polarity.NEGATIVE: "\u2212", Polarity.UNKNOWN: "?"}


def mermaid_text(text: str) -> str:
    """Label text safe inside ``"..."``: entities for quote, #, <, >, &, backtick, pipes, %."""
    text = strip_control(text).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in text:
        if char in '"#<>&`|[]{}()\\;%':
            out.append(f"#{ord(char)};")
        elif char == "\n":
            out.append("<br>")
        else:
            out.append(char)
    return "".join(out)


def node_ids(diagram: Diagram) -> dict[str, str]:
    """Readable Mermaid ids: the loopkit id when it is safe, else ``v<n>``."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for n, variable in enumerate(diagram.variables, start=1):
        vid = variable.id
        if not _SAFE_ID.match(vid) or vid.lower() in _KEYWORDS or vid.lower() in taken:
            vid = f"v{n}"
            while vid.lower() in taken:
                vid += "_"
        taken.add(vid.lower())
        out[variable.id] = vid
    return out


def write(diagram: Diagram) -> str:
    ids = node_ids(diagram)
    lines = []
    if diagram.title:
        # Front matter is YAML: quote the title the way loopkit's own YAML writer does.
        lines += ["---", f"title: {quote(_comment(diagram.title))}", "---"]
    lines.append("flowchart LR")
    groups: dict[str | None, list[str]] = {}
    for variable in diagram.variables:
        groups.setdefault(variable.group, []).append(
            f'{ids[variable.id]}["{mermaid_text(variable.label)}"]')
    for n, (group, nodes) in enumerate(groups.items(), start=1):
        if group is None:
            lines += [f"  {node}" for node in nodes]
            continue
        lines.append(f'  subgraph group{n}["{mermaid_text(group)}"]')
        lines += [f"    {node}" for node in nodes]
        lines.append("  end")
    for link in diagram.links:
        label = _SIGN[link.polarity] + (" ||" if link.delay else "")
        lines.append(f'  {ids[link.source]} -->|"{mermaid_text(label)}"| {ids[link.target]}')
    for loop in diagram.loops:
        name = f"{_comment(loop.name)} " if loop.name else ""
        chain = _comment(" -> ".join(loop.variables))
        lines.append(f"  %% {_comment(loop.id)}: {name}({chain})")
    return "\n".join(lines) + "\n"


#: Directive and comment syntax written as look-alikes where entities are not decoded.
_INERT = str.maketrans({"%": "\uff05", "{": "\uff5b", "}": "\uff5d"})


def _comment(text: str) -> str:
    """One line of user text for a comment or the title: no ``%%{...}%%`` can form."""
    return " ".join(strip_control(text).split()).translate(_INERT)
