"""Graphviz DOT: the same graph loopkit draws, for people who lay it out themselves.

The DOT comes from the rendering package (``loopkit.render.build_dot``), so
``loopkit export --to dot`` and ``loopkit render --format dot`` never disagree.
"""

from __future__ import annotations

from loopkit.model import Diagram


def write(diagram: Diagram) -> str:
    from loopkit.render import build_dot

    text = build_dot(diagram)
    return text if text.endswith("\n") else text + "\n"
