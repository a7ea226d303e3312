"""The examples load and their declared loops hold."""

from pathlib import Path

import pytest

from loopkit.analysis.loops import analyse_loops
from loopkit.read.load import load_diagram

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_declares_every_loop(path: Path) -> None:
    analysis = analyse_loops(load_diagram(path), strict=True)
    assert analysis.problems == []
    assert analysis.loops and all(loop.declared for loop in analysis.loops)
