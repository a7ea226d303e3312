"""Shared test helpers: paths, and the real maps in ../shared/data as diagrams."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from loopkit.model import Diagram, Link, Polarity, Variable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"
FORESIGHT = SHARED_DATA / "foresight-obesity-map.json"


def shared_file(name: str) -> Path:
    """A file from ../shared/data, or skip the test cleanly when it is absent.

    ``LOOPKIT_REQUIRE_SHARED=1`` (set by ``.ci/run``) makes a missing file a failure.
    """
    path = SHARED_DATA / name
    if not path.is_file():
        if os.environ.get("LOOPKIT_REQUIRE_SHARED") == "1":
            pytest.fail(f"{path} not available, and LOOPKIT_REQUIRE_SHARED=1 needs it: put "
                        "the shared data folder beside this repository as ../shared")
        pytest.skip(f"{path} not available (the shared data folder, beside this repository "
                    "as ../shared)")
    return path


def foresight_diagram() -> Diagram:
    """The 108-variable Foresight obesity map (sign -1 -> '-', else '+')."""
    data = json.loads(shared_file("foresight-obesity-map.json").read_text(encoding="utf-8"))
    variables = tuple(Variable(f"v{n['id']}", n["label"], n.get("mapCluster"))
                      for n in data["nodes"])
    links = tuple(
        Link(f"v{c['sourceId']}", f"v{c['targetId']}",
             Polarity.NEGATIVE if c["sign"] < 0 else Polarity.POSITIVE)
        for c in data["connections"]
    )
    return Diagram(variables, links, title="Foresight obesity system map", path=str(FORESIGHT))
