"""loopkit: causal loop diagrams as text.

The pipeline is ``loader`` (file -> ``model.Diagram``) -> ``analysis`` (loops
and more) -> ``render`` (pictures) / ``reporting`` (records for output). Heavy
modules are imported lazily so ``import loopkit`` and ``loopkit --help`` stay
fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
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
