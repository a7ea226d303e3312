"""docs/schema.json is the current `loopkit schema`, and the examples are valid against it.

Editors (``# yaml-language-server: $schema=...``) and check-jsonschema read
the committed file, so it must never drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from tests.helpers import EXAMPLES, ROOT

SCHEMA = ROOT / "docs" / "schema.json"


def test_committed_schema_is_current() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert SCHEMA.read_text(encoding="utf-8") == result.stdout, (
        "docs/schema.json is out of date: run `loopkit schema > docs/schema.json`")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_are_valid_against_the_committed_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
