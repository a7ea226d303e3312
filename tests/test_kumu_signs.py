"""Kumu sign conventions: the reading comes from the whole vocabulary and is always said."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.interop import import_text


def kumu(*types: str) -> str:
    elements = [{"label": name} for name in "abcdefgh"]
    connections = [{"from": "abcdefgh"[i], "to": "abcdefgh"[i + 1],
                    "attributes": {"connection type": t}} for i, t in enumerate(types)]
    return json.dumps({"elements": elements, "connections": connections})


def signs(text: str, **options: object) -> tuple[list[str], tuple[str, ...]]:
    result = import_text(text, "map.json", **options)
    return [lk.polarity.value for lk in result.diagram.links], result.notes


def test_drm_link_end_pairs() -> None:
    found, notes = signs(kumu("++", "--", "+-", "-+", "--"))
    assert found == ["+", "+", "-", "-", "+"]  # '--': less gives less, same direction
    assert notes[0].startswith("connection signs read as DRM link-end pairs")
    assert "'--' 2 -> +" in notes[0] and "'+-' 1 -> -" in notes[0]


def test_strength_notation_when_no_mixed_pairs() -> None:
    found, notes = signs(kumu("++", "--", "+", "-"))
    assert found == ["+", "-", "+", "-"]
    assert notes[0].startswith("connection signs read as strength notation")
    assert "--polarity-map '--=+'" in notes[0]


def test_words_and_unknown_values_are_counted() -> None:
    found, notes = signs(kumu("increases", "reduces", "unclear"))
    assert found == ["+", "-", "?"]
    assert notes[0] == ("connection signs read as words and signs: 'increases' 1 -> +, "
                        "'reduces' 1 -> -, 'unclear' 1 -> ?")


def test_polarity_map_overrides_the_detected_convention(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(kumu("++", "--", "+", "-"), encoding="utf-8")
    out = tmp_path / "map.yaml"
    done = CliRunner().invoke(app, ["import", str(path), "-o", str(out),
                                    "--polarity-map", "--=+,-=-"])
    assert done.exit_code == 0, done.output
    assert "(with --polarity-map/--map-type)" in done.stderr and "'--' 1 -> +" in done.stderr
    bad = CliRunner().invoke(app, ["import", str(path), "--polarity-map", "--"])
    assert bad.exit_code == 2 and "--polarity-map '--'" in bad.stderr


def test_sd_ai_json_with_a_long_variable_list_is_not_taken_for_kumu() -> None:
    variables = [{"name": f"variable {i}", "type": "variable", "documentation": "x" * 80}
                 for i in range(60)]
    text = json.dumps({"model": {"variables": variables, "relationships": [
        {"from": "variable 1", "to": "variable 2", "polarity": "-"}]}}, indent=2)
    result = import_text(text, "draft.json")
    assert result.format == "sdjson" and len(result.diagram.variables) == 60
