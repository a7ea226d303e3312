"""loopkit: causal loop diagrams as text.

For scripts and notebooks (``docs/api.md``)::

    import loopkit
    diagram = loopkit.load("map.yaml")      # a path, a pathlib.Path or YAML text
    for loop in diagram.loops(): ...        # typed Loop objects
    graph = diagram.to_networkx()
    svg = diagram.render()                  # or render("png"), render(loop="R1")
    results = loopkit.check_files(["diagrams/"])

The pipeline is ``read`` (file -> ``model.Diagram``) -> ``analysis`` (loops and
more) -> ``render`` (pictures) / ``output`` (records for reports) -> ``check``
(many files) -> ``cli``; ``api`` is the facade above. Everything is imported
lazily, on first use, so ``import loopkit`` and ``loopkit --help`` stay fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "load": "loopkit.api",
    "check_files": "loopkit.api",
    "Loops": "loopkit.api",
    "LoopSearchStopped": "loopkit.api",
    "load_diagram": "loopkit.read.load",
    "parse_diagram": "loopkit.read.load",
    "Diagram": "loopkit.model",
    "Variable": "loopkit.model",
    "Link": "loopkit.model",
    "Polarity": "loopkit.model",
    "LoopType": "loopkit.model",
    "DeclaredLoop": "loopkit.model",
    "analyse_loops": "loopkit.analysis.loops",
    "Loop": "loopkit.analysis.loops",
    "LoopAnalysis": "loopkit.analysis.loops",
    "to_networkx": "loopkit.analysis.graph",
    "Problem": "loopkit.problems",
    "DiagramError": "loopkit.problems",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'loopkit' has no attribute {name!r}")
