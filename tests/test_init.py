"""`loopkit init`: a starter that passes `check --strict`, never written over a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.analysis.loops import analyse_loops
from loopkit.cli import app
from loopkit.interop.starter import create_new, init_diagram, target_path, title_from
from loopkit.problems import UsageError
from loopkit.read.load import load_diagram
from tests.helpers import ROOT

runner = CliRunner()


def test_default_starter_passes_strict_check(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "created diagram.yaml" in result.stderr
    diagram = load_diagram("diagram.yaml")
    assert diagram.title == "Diagram"
    analysis = analyse_loops(diagram, strict=True)
    assert analysis.problems == []
    assert {(lp.id, lp.type.value) for lp in analysis.loops} == {
        ("R1", "reinforcing"), ("B1", "balancing")}
    check = runner.invoke(app, ["check", "--strict", "diagram.yaml"])
    assert check.exit_code == 0, check.output


def test_never_overwrites_an_existing_file(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mine.yaml").write_text("precious: true\n")
    result = runner.invoke(app, ["init", "mine"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "loopkit: error: mine.yaml: already exists; not overwriting it")
    assert Path("mine.yaml").read_text() == "precious: true\n"
    assert sorted(os.listdir()) == ["mine.yaml"]  # no temporary file left behind


def test_a_symlink_name_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target.yaml").write_text("keep\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "target.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    for name in ("link.yaml", "dangling.yaml"):
        with pytest.raises(UsageError, match="already exists"):
            create_new(tmp_path / name, "new\n")
    assert (tmp_path / "target.yaml").read_text() == "keep\n"
    assert not (tmp_path / "nowhere.yaml").exists()


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "no" / "such")])
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr


def test_names_titles_and_schema_modeline(tmp_path: Path) -> None:
    assert target_path(None) == Path("diagram.yaml")
    assert target_path("school-fines") == Path("school-fines.yaml")
    assert target_path("maps/x.yml") == Path("maps/x.yml")
    assert title_from(Path("school_fines.cld.yaml")) == "School fines"
    odd = tmp_path / 'odd "name": x'
    path = init_diagram(str(odd), schema="../docs/schema.json")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../docs/schema.json\n")
    assert load_diagram(path).title == 'Odd "name": x'  # quoted, not YAML syntax
    titled = init_diagram(str(tmp_path / "t"), title="Bail: conditions # not a comment")
    assert load_diagram(titled).title == "Bail: conditions # not a comment"


def test_starter_is_valid_against_the_committed_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads((ROOT / "docs" / "schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load(init_diagram(str(tmp_path / "s")).read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)


def test_real_process_creates_the_file(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loopkit", "init", "first"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "first.yaml").is_file()
    again = subprocess.run([sys.executable, "-m", "loopkit", "init", "first"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "Traceback" not in again.stderr
