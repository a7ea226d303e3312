"""`loopkit render` against one plain Graphviz run, measured in one run on one machine.

Run from the repository root (the Foresight map is read from ../shared/data):

    python benchmarks/render.py            # everything (about half a minute)
    python benchmarks/render.py --quick    # skips the dense random graph

Baseline: one ``graphviz-pure`` run laying out and drawing the same DOT
(what a user of plain Graphviz pays for one picture, with no loop badges,
sign placement, seed choice or SVG post-processing). loopkit: the full
``render_svg`` (loop analysis, eight seeded layouts on small diagrams,
badges, delay marks, legend, the pinned second pass, accessibility).
ratio = loopkit / baseline. Times are the best of a few repeats.

Cases:

1. school-fines example (12 variables, 16 links, curved links).
2. Foresight obesity map (108 variables, 296 links; routed links, because
   curved routing is exponential on dense graphs).
3. A random graph of 20 variables and 60 links, where one ``splines=curved``
   layout takes seconds (40/100 takes minutes): loopkit does not try curved
   links at that density and draws routed ones; the baseline is one curved run.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from loopkit.loader import load_diagram  # noqa: E402
from loopkit.model import Diagram, Link, Polarity, Variable  # noqa: E402
from loopkit.render import build_dot, draw, render_svg  # noqa: E402
from loopkit.render.engine import choose_renderer  # noqa: E402


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def baseline(diagram: Diagram, splines: str) -> float:
    """One graphviz-pure neato run: DOT in, SVG out."""
    source = build_dot(diagram, splines=splines).encode()
    exe = choose_renderer("pure").executable
    started = time.perf_counter()
    subprocess.run([exe, "-q", "-Tsvg", "-Kneato"], input=source, capture_output=True,
                   check=True, timeout=600)
    return time.perf_counter() - started


def foresight() -> Diagram | None:
    path = ROOT.parent / "shared" / "data" / "foresight-obesity-map.json"
    if not path.is_file():
        return None
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    variables = tuple(Variable(f"v{n['id']}", n["label"], n.get("mapCluster"))
                      for n in data["nodes"])
    links = tuple(Link(f"v{c['sourceId']}", f"v{c['targetId']}",
                       Polarity.NEGATIVE if c["sign"] < 0 else Polarity.POSITIVE)
                  for c in data["connections"])
    return Diagram(variables, links, title="Foresight obesity system map")


def dense_random(n: int = 20, m: int = 60, seed: int = 3) -> Diagram:
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            pairs.add((a, b))
    return Diagram(tuple(Variable(f"x{i}", f"Variable {i}") for i in range(n)),
                   tuple(Link(f"x{a}", f"x{b}", rng.choice(list(Polarity)[:2]))
                         for a, b in sorted(pairs)),
                   title=f"Random {n}/{m}")


def report(name: str, diagram: Diagram, splines: str, repeats: int,
           budget: float = 20.0) -> None:
    render_svg(diagram, time_budget=budget)  # warm the process (imports)
    from loopkit import render as module

    def fresh() -> None:
        module._LAYOUTS.clear()  # measure the full work, not the layout cache
        render_svg(diagram, time_budget=budget)

    ours = best(fresh, repeats)
    base = min(baseline(diagram, splines) for _ in range(repeats))
    drawing = draw(diagram, time_budget=budget)
    notes = "; ".join(drawing.notes) or "-"
    print(f"{name:<28} {len(diagram.variables):>4} {len(diagram.links):>5} "
          f"{base:>9.3f} {ours:>9.3f} {ours / base:>7.2f}  splines={drawing.splines}; {notes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the dense random graph")
    args = parser.parse_args()
    print(f"{'case':<28} {'vars':>4} {'links':>5} {'graphviz':>9} {'loopkit':>9} "
          f"{'ratio':>7}  how")
    report("school-fines", load_diagram(ROOT / "examples" / "school-fines.yaml"), "curved", 5)
    big = foresight()
    if big is None:
        print("foresight: ../shared/data not available, skipped")
    else:
        report("foresight obesity map", big, "true", 3)
    if not args.quick:
        report("random 20/60 (curved slow)", dense_random(), "curved", 1)


if __name__ == "__main__":
    main()
