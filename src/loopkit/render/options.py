"""What a drawing is asked for, as one frozen value, and what comes back.

Options used to travel as ``**options`` dictionaries, and remarks came back
through a list passed in to be filled; both are typed values now, so a typo
in an option name fails where it is written and a result says everything it
has to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loopkit.limits import DEFAULT_TIME_BUDGET
from loopkit.render.dotsource import Style

if TYPE_CHECKING:
    from loopkit.analysis.focus import View


@dataclass(frozen=True)
class RenderOptions:
    """How to draw a diagram (the same for every picture of one ``render`` run)."""

    #: Graphviz layout engine the first layout pass starts from.
    engine: str = "neato"
    #: ``pure`` (graphviz-pure, from pip), ``system`` (the ``dot`` program) or None: either.
    renderer: str | None = None
    style: Style = field(default_factory=Style)
    #: Seconds for the whole picture: loop search share, layout and drawing.
    time_budget: float = DEFAULT_TIME_BUDGET
    #: A focus view: the picture is of ``view.diagram`` and says what it leaves out.
    view: View | None = None


@dataclass(frozen=True)
class Rendered:
    """A picture's bytes and the remarks on how it was drawn (fallbacks, simplifications)."""

    data: bytes
    notes: tuple[str, ...] = ()
