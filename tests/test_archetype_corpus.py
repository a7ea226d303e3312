"""The archetype corpus (tests/data/archetype-corpus) and determinism under load.

Each corpus file states in ``x-corpus`` which archetype a reader should see
first and which must never be called strong (see its README); the benchmark
``benchmarks/archetypes.py`` measures precision over the same files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from loopkit.analysis.archetypes import find_archetypes
from loopkit.cli import app
from loopkit.read.load import load_diagram
from tests.helpers import ROOT, shared_file

CORPUS = ROOT / "tests" / "data" / "archetype-corpus"
FILES = sorted(CORPUS.glob("*.yaml"))


def _meta(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["x-corpus"]


def test_the_corpus_covers_every_style_and_archetype() -> None:
    metas = [_meta(p) for p in FILES]
    assert {m["style"] for m in metas} >= {"cld", "stock-flow", "organic"}
    assert any(m.get("delays") is False for m in metas)
    from loopkit.analysis.archetypes import ARCHETYPES

    assert {m["expect"] for m in metas if m.get("expect")} == set(ARCHETYPES)
    assert sum(1 for m in metas if "never-strong" in m) >= 4


@pytest.mark.parametrize("path", [p for p in FILES if _meta(p).get("expect")],
                         ids=lambda p: p.stem)
def test_named_archetype_comes_first(path: Path) -> None:
    report = find_archetypes(load_diagram(path))
    assert report.matches, "nothing found"
    assert report.matches[0].archetype == _meta(path)["expect"]


@pytest.mark.parametrize("path", [p for p in FILES if _meta(p).get("expect")
                                  and _meta(p).get("delays") is not False], ids=lambda p: p.stem)
def test_the_published_form_with_its_telltale_detail_is_strong(path: Path) -> None:
    assert find_archetypes(load_diagram(path)).matches[0].confidence == "strong"


@pytest.mark.parametrize("path", [p for p in FILES if _meta(p).get("never-strong")],
                         ids=lambda p: p.stem)
def test_near_misses_are_never_strong(path: Path) -> None:
    banned = set(_meta(path)["never-strong"])
    report = find_archetypes(load_diagram(path))
    assert not [m.archetype for m in report.matches
                if m.confidence == "strong" and m.archetype in banned]


def test_food_bank_reads_limits_to_growth_through_burnout_not_escalation() -> None:
    diagram = load_diagram(CORPUS / "nm-foodbank-organic.yaml")
    report = find_archetypes(diagram)
    best = report.matches[0]
    assert (best.archetype, best.confidence) == ("Limits to Growth", "strong")
    assert dict(best.roles)["limiting condition"] == "free_time"
    # donations are driven by the growth loop (word of mouth): never a limiting condition
    assert not any(dict(m.roles).get("limiting condition") == "donations"
                   for m in report.matches)
    assert [m.confidence for m in report.matches if m.archetype == "Escalation"] == ["possible"]


def test_rate_constants_are_not_limiting_conditions() -> None:
    report = find_archetypes(load_diagram(CORPUS / "nm-rate-constant-stock-flow.yaml"))
    assert all(dict(m.roles).get("limiting condition") not in ("dissipation_normal",
                                                               "damage_normal")
               for m in report.matches)
    assert report.ignored_loops == {"B1": "a stock and its own flow"}


def test_a_flow_and_its_stock_are_not_symptom_and_fix() -> None:
    report = find_archetypes(load_diagram(CORPUS / "nm-inventory-own-flow.yaml"))
    assert not [m for m in report.matches if m.archetype == "Fixes that Fail"]


def test_variants_are_named() -> None:
    def variant(name: str) -> str | None:
        return find_archetypes(load_diagram(CORPUS / name)).matches[0].variant

    assert variant("aa-balancing-fixes.yaml") == "balancing fixes"
    assert variant("escalation-arms-stocks.yaml") == "one loop through two stocks"
    assert variant("ltg-shared-accumulation.yaml") == "shared accumulation"
    assert variant("limits-to-action.yaml") == "Limits to Action"


def test_without_kind_the_shared_accumulation_is_not_collapsed() -> None:
    """``kind`` is what tells a stock and its own flow apart from any two variables."""
    text = (CORPUS / "ltg-population-stock-flow.yaml").read_text(encoding="utf-8")
    from loopkit.read.load import parse_diagram

    plain = parse_diagram(text.replace(", kind: stock", "").replace(", kind: flow", ""),
                          "plain.yaml")
    assert find_archetypes(plain).ignored_loops == {}


_BUSY = "import time\nend = time.monotonic() + 90\nwhile time.monotonic() < end:\n    pass\n"


def _foresight_json() -> bytes:
    """``loopkit archetypes --format json`` on Foresight, in a real process."""
    from tests.helpers import foresight_diagram

    return CliRunner().invoke(app, ["archetypes", "--format", "json", "--limit", "600",
                                    "--steps", "300000", "--time-budget", "600",
                                    _foresight_yaml(foresight_diagram())]).stdout.encode()


_CACHE: dict[str, str] = {}


def _foresight_yaml(diagram: Any) -> str:
    if "path" not in _CACHE:
        import tempfile

        from loopkit.interop.yaml_writer import write_yaml

        folder = Path(tempfile.mkdtemp(prefix="loopkit-foresight-"))
        path = folder / "foresight.yaml"
        path.write_text(write_yaml(diagram), encoding="utf-8")
        _CACHE["path"] = str(path)
    return _CACHE["path"]


def test_foresight_search_gives_the_same_bytes_under_cpu_load() -> None:
    """Same input, same bytes: the work is bounded by steps, not by the clock."""
    shared_file("foresight-obesity-map.json")
    quiet = _foresight_json()
    busy = [subprocess.Popen([sys.executable, "-c", _BUSY]) for _ in range(2)]
    try:
        loaded = _foresight_json()
    finally:
        for child in busy:
            child.kill()
            child.wait()
    assert b'"step budget' in quiet or b"step_budget" in quiet
    assert b'"safety_stop": false' in quiet
    assert quiet == loaded
