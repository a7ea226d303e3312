"""Time and peak memory of `loopkit check` on every hostile input, vs a normal file.

Usage (repository root, dev venv)::

    python fuzz/hostile_costs.py            # table on stdout (Markdown)

Each case runs in a fresh process (``python -m loopkit check FILE``) so peak
RSS (from ``wait4``) is that run's own; the baseline is the school-fines
example measured in the same run, so ratios are comparable across machines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.generated import CASES  # noqa: E402


def measure(path: Path, cwd: Path) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak RSS MiB, first stderr line) of one check run."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "loopkit", "check", path.name], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    first = err.splitlines()[0] if err else ""
    return proc.returncode, elapsed, usage.ru_maxrss / 1024, first


def main() -> None:
    hostile = ROOT / "tests" / "hostile"
    rows = []
    code, base_time, base_rss, _ = measure(ROOT / "examples" / "school-fines.yaml",
                                           ROOT / "examples")
    rows.append(("baseline: examples/school-fines.yaml", code, base_time, base_rss, "ok"))
    with tempfile.TemporaryDirectory() as folder:
        for name, build in CASES.items():
            path = Path(folder) / f"{name}.yaml"
            path.write_bytes(build())
            code, elapsed, rss, first = measure(path, Path(folder))
            size = path.stat().st_size
            rows.append((f"{name} ({size / 1024:,.0f} KiB, generated)", code, elapsed, rss,
                         first))
        for path in sorted(hostile.glob("*.yaml")):
            code, elapsed, rss, first = measure(path, hostile)
            rows.append((path.name, code, elapsed, rss, first))
    print("| input | exit | time s | x baseline | peak RSS MiB | first line |")
    print("|---|---|---|---|---|---|")
    for name, code, elapsed, rss, first in rows:
        message = first.split(": ", 1)[-1][:70].replace("|", "\\|")
        print(f"| {name} | {code} | {elapsed:.2f} | {elapsed / base_time:.1f} | {rss:.0f} | "
              f"{message} |")


if __name__ == "__main__":
    main()
