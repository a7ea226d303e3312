"""The rules that keep the suite honest on any machine: no skips in CI, no wall-clock asserts."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.helpers import ROOT

_SAMPLE = '''
import pytest

def test_skips():
    pytest.skip("needs something absent")

@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False

def test_passes():
    pass
'''


def _run_sample(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(_SAMPLE)
    environ = {k: v for k, v in os.environ.items() if k != "LOOPKIT_NO_SKIPS"} | env
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "tests.conftest", "-rA", str(tmp_path / "test_sample.py")],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_when_every_test_must_run(tmp_path: Path) -> None:
    done = _run_sample(tmp_path, LOOPKIT_NO_SKIPS="1")
    assert done.returncode == 1, done.stdout
    assert "1 failed, 1 passed, 1 xfailed" in done.stdout
    assert "LOOPKIT_NO_SKIPS=1 requires every test to run: Skipped: needs something absent" \
        in done.stdout


def test_a_skip_stays_a_skip_elsewhere(tmp_path: Path) -> None:
    done = _run_sample(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in done.stdout


def test_missing_shared_data_fails_when_required(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(helpers, "SHARED_DATA", tmp_path)
    monkeypatch.setenv("LOOPKIT_REQUIRE_SHARED", "1")
    with pytest.raises(pytest.fail.Exception, match="LOOPKIT_REQUIRE_SHARED=1 needs it"):
        helpers.shared_file("foresight-obesity-map.json")
    monkeypatch.delenv("LOOPKIT_REQUIRE_SHARED")
    with pytest.raises(pytest.skip.Exception, match=re.escape("as ../shared")):
        helpers.shared_file("foresight-obesity-map.json")


#: An assertion comparing a clock reading or a duration: fails on a busy machine.
_CLOCK = re.compile(r"\b(monotonic|perf_counter|time\(\)|elapsed|took|duration|seconds|started)"
                    r"\b.*[<>]|[<>].*\b(monotonic|perf_counter|time\(\)|took|started)\b")


def test_no_test_asserts_a_wall_clock_time() -> None:
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Assert):
                source = ast.get_source_segment(text, node.test) or ""
                line = text.splitlines()[node.lineno - 1]
                if _CLOCK.search(source.replace("\n", " ")) and "# order only" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {source}")
    assert offenders == [], "timing belongs in benchmarks/:\n" + "\n".join(offenders)


def test_ci_installs_fresh_releases_and_runs_every_test() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for needed in ("--no-cache-dir", "--upgrade", "LOOPKIT_NO_SKIPS=1",
                   "LOOPKIT_REQUIRE_SHARED=1", "LOOPKIT_REQUIRE_BROWSER=1", "lowest"):
        assert needed in script, needed
