"""Golden error messages: each file in tests/errors/ with the exact lines it must produce.

Regenerate a golden file only after reading the new message:
``loopkit check tests/errors/NAME.yaml 2> tests/errors/NAME.expected``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loopkit.cli import app
from tests.helpers import ROOT

CASES = sorted((ROOT / "tests" / "errors").glob("*.yaml"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_error_lines_match_golden(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    result = CliRunner().invoke(app, ["check", _relative(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected
    # stdout holds only the total line (the problems themselves are on stderr)
    assert result.stdout == (f"Checked 1 file: 1 with problems, {len(expected)} "
                             f"error{'s' if len(expected) != 1 else ''}, 0 warnings.\n")
    assert "Traceback" not in result.output


def test_every_golden_line_is_located() -> None:
    for path in CASES:
        for line in path.with_suffix(".expected").read_text(encoding="utf-8").splitlines():
            name, line_no, column, message = line.split(":", 3)
            assert name == _relative(path)
            assert int(line_no) >= 1 and int(column) >= 1
            assert message.strip()


def test_all_errors_of_a_file_are_reported_at_once() -> None:
    expected = (ROOT / "tests" / "errors" / "many-errors.expected").read_text().splitlines()
    assert len(expected) >= 4


def test_real_process_reports_errors_on_stderr_with_exit_1() -> None:
    path = ROOT / "tests" / "errors" / "bare-dash.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "loopkit", "check", _relative(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == "Checked 1 file: 1 with problems, 1 error, 0 warnings.\n"
    assert done.stderr.strip() == path.with_suffix(".expected").read_text().strip()
