"""Time budgets as a user waits for them: requested vs used, whole process where it matters.

These were wall-clock assertions in tests (which fail on a busy machine and
prove little on an idle one); here they are measured and printed instead.
Run from the repository root (the Foresight map is read from ../shared/data):

    python benchmarks/budgets.py            # 5 runs of each case
    python benchmarks/budgets.py --runs 3

Cases (median of the runs; ratio = used / requested, <= 1.0 means on time):

1. ``loopkit render --time-budget 2`` with a renderer that hangs on
   ``splines=curved``: the curved layout is stopped at its share of the
   budget and routed links are drawn instead (whole process).
2. ``loopkit loops --time-budget 0.5`` on a complete digraph of 14 variables
   (millions of loops; whole process, start-up included).
3. Archetype search on the Foresight map with a 2 s budget (library call).
4. Loops counted in 0.3 s on a complete digraph of 12 variables (throughput).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from loopkit.render.graphviz import choose_renderer  # noqa: E402


def timed_process(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "loopkit", *args], cwd=cwd, env=env,
                   capture_output=True, timeout=600, check=False)
    return time.perf_counter() - started


def complete_yaml(n: int) -> str:
    lines = ["variables:"] + [f"  v{i}: V{i}" for i in range(n)] + ["links:"]
    lines += [f"  - v{u} -> v{v} ({'-' if (u + v) % 3 == 0 else '+'})"
              for u in range(n) for v in range(n) if u != v]
    return "\n".join(lines) + "\n"


def row(name: str, budget: float, used: list[float], note: str = "") -> None:
    median = statistics.median(used)
    print(f"{name:<44} {budget:>8.2f} {median:>8.2f} {median / budget:>6.2f}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'case':<44} {'budget s':>8} {'used s':>8} {'ratio':>6}  (median of {runs})")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "fines.yaml").write_bytes((ROOT / "examples" / "school-fines.yaml").read_bytes())
        hang = tmp / "hang-on-curved"
        hang.write_text(f"#!/bin/sh\nIN=$(cat)\ncase \"$IN\" in *'splines=\"curved\"'*) "
                        f"sleep 60;; esac\nprintf '%s' \"$IN\" | "
                        f"'{choose_renderer('pure').executable}' \"$@\"\n")
        hang.chmod(0o755)
        env = {**os.environ, "LOOPKIT_RENDERER_PATH": str(hang)}
        used = [timed_process(["render", "fines.yaml", "--time-budget", "2", "-o", "-"],
                              tmp, env) for _ in range(runs)]
        row("render, curved layout hangs -> fallback", 2.0, used)

        (tmp / "k14.yaml").write_text(complete_yaml(14))
        used = [timed_process(["loops", "--count", "--max-length", "14", "--time-budget",
                               "0.5", "k14.yaml"], tmp) for _ in range(runs)]
        row("loops --count, complete digraph of 14", 0.5, used, "(start-up included)")

    from tests.test_engine import complete_digraph

    from loopkit.analysis.archetypes import find_archetypes
    from loopkit.analysis.cycles import count_cycles

    foresight = ROOT.parent / "shared" / "data" / "foresight-obesity-map.json"
    if foresight.is_file():
        from tests.helpers import foresight_diagram

        diagram = foresight_diagram()
        used = []
        for _ in range(runs):
            started = time.perf_counter()
            find_archetypes(diagram, time_budget=2.0, loop_limit=300, match_limit=20)
            used.append(time.perf_counter() - started)
        row("archetypes, Foresight map", 2.0, used)
    else:
        print(f"(archetypes skipped: {foresight} not found)")

    counts = [count_cycles(complete_digraph(12), max_length=None, time_budget=0.3).total
              for _ in range(runs)]
    print(f"loops counted in 0.3 s on a complete digraph of 12: median "
          f"{statistics.median(counts):,.0f} (min {min(counts):,}, max {max(counts):,})")


if __name__ == "__main__":
    main()
