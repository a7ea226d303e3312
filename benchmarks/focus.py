"""Focus views on real maps: how long each selection takes and what a render costs.

Run from the repository root (maps are read from ../shared/data):

    python benchmarks/focus.py

1. ``between`` on Foresight at growing length bounds: variables and links kept,
   links left unconfirmed by the step bound, and the time (best of 3). Checks
   the exact answers against plain simple-path enumeration where that finishes.
2. Whole ``loopkit render`` commands (a real process, wall time, median of 3) for
   each kind of view on Foresight and, when present, World3.

Times are of this machine under its current load; they are printed, not asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def _best(fn: object, repeats: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def between_table() -> None:
    from tests.helpers import foresight_diagram

    from loopkit.analysis.focus import between

    diagram = foresight_diagram()
    print("between on Foresight (108 variables, 296 links)")
    print(f"{'pair':<12} {'bound':>5} {'vars':>5} {'links':>6} {'unsure':>7} {'seconds':>8}")
    for source, target in (("v2", "v60"), ("v10", "v10")):
        for bound in (6, 8, 12, 16, 20):
            seconds, view = _best(lambda s=source, t=target, b=bound: between(diagram, s, t, b))
            unsure = view.notes[0].split(": ")[1].split(" link")[0] if view.notes else "0"
            print(f"{source}->{target:<6} {bound:>5} {len(view.diagram.variables):>5} "
                  f"{len(view.diagram.links):>6} {unsure:>7} {seconds:>8.3f}")


def render_table() -> None:
    from tests.helpers import foresight_diagram

    from loopkit.interop.yaml_writer import write_yaml

    folder = Path(tempfile.mkdtemp(prefix="loopkit-focus-"))
    foresight = folder / "foresight.yaml"
    foresight.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    cases = [
        ("foresight", foresight, []),
        ("foresight", foresight, ["--focus", "TV Watching", "--depth", "2"]),
        ("foresight", foresight, ["--between", "v2", "v60", "--max-length", "8"]),
        ("foresight", foresight, ["--loops", "R7,B2"]),
        ("foresight", foresight, ["--group", "Media"]),
        ("foresight", foresight, ["--collapse", "groups"]),
    ]
    world3 = SHARED / "sd-models" / "world3" / "wrld3-03.mdl"
    if world3.is_file():
        target = folder / "world3.yaml"
        subprocess.run([sys.executable, "-m", "loopkit", "import", str(world3), "-o",
                        str(target)], check=True, capture_output=True)
        cases += [("world3", target, ["--focus", "population"]),
                  ("world3", target, ["--focus", "population", "--depth", "2",
                                      "--direction", "up"])]
    print("\nloopkit render, whole command (median of 3 runs, seconds)")
    for name, path, args in cases:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "loopkit", "render", str(path), *args,
                                   "-o", str(folder / "out.svg"), "--stats", "json"],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - started)
        stats = json.loads(done.stdout)[0] if done.returncode == 0 else {}
        shown = f"{stats.get('variables', '?')} vars, {stats.get('links', '?')} links"
        print(f"{name:<10} {' '.join(args) or '(whole map)':<45} {shown:<22} "
              f"{statistics.median(times):6.2f}")


if __name__ == "__main__":
    between_table()
    render_table()
