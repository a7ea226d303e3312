"""Where untangling starts, and how many kicks it takes: crossings over several seeds.

``loopkit render`` untangles a big map from one Graphviz layout (``untangle.py``).
The search is local, so the start matters, and its kicks (the most crossed
variables thrown elsewhere, the sweeps rerun) trade time for crossings. This
prints, for each start engine and seed, the straight-line crossings (each pair
of linked variables once, centre to centre) before and after untangling, and
the CPU seconds untangling took; then the mean per setting:

    python benchmarks/untangle_starts.py                      # Foresight, seeds 1-8
    python benchmarks/untangle_starts.py --kicks 0 1 2 3      # the kicks' effect
    python benchmarks/untangle_starts.py --engines sfdp --seeds 4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from render import cases

from loopkit.analysis.loops import analyse_loops
from loopkit.model import Diagram
from loopkit.read.load import load_diagram
from loopkit.render.dotsource import build_dot
from loopkit.render.graphviz import choose_renderer
from loopkit.render.layout import parse_layout
from loopkit.render.untangle import crossing_counts, untangle


def _crossings(points: object, pairs: np.ndarray) -> int:
    return int(crossing_counts(np.asarray(points, dtype=float), pairs).sum()) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="foresight", help="cases whose name has this text")
    parser.add_argument("--engines", nargs="+", default=["neato", "sfdp"])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N of each engine")
    parser.add_argument("--kicks", type=int, nargs="+", default=[0, 2])
    args = parser.parse_args()
    program = choose_renderer("pure")
    for name, source in cases():
        if args.only not in name:
            continue
        diagram: Diagram = load_diagram(source) if isinstance(source, Path) else source
        analysis = analyse_loops(diagram)
        number = {v.id: i for i, v in enumerate(diagram.variables)}
        ends = [(number[lk.source], number[lk.target]) for lk in diagram.links]
        pairs = np.array(sorted({(min(a, b), max(a, b)) for a, b in ends if a != b}))

        print(f"{name}: {len(diagram.variables)} variables, {len(pairs)} linked pairs")
        print(f"{'engine':<7} {'seed':>4} {'start':>6} "
              + " ".join(f"{f'{k} kicks':>9} {'cpu s':>6}" for k in args.kicks))
        totals: dict[tuple[str, int], list[int]] = {}
        for engine in args.engines:
            for seed in range(1, args.seeds + 1):
                source_dot = build_dot(diagram, analysis, engine=engine, splines="line",
                                       seed=seed)
                layout = parse_layout(program.run(source_dot, "json", engine=engine,
                                                  timeout=600),
                                      len(diagram.variables), len(diagram.links))
                start = _crossings([(b.x, b.y) for b in layout.nodes], pairs)
                cells = []
                for kicks in args.kicks:
                    began = time.process_time()
                    after = _crossings(untangle(layout.nodes, ends, kicks=kicks), pairs)
                    cells.append(f"{after:>9} {time.process_time() - began:>6.2f}")
                    totals.setdefault((engine, kicks), []).append(after)
                print(f"{engine:<7} {seed:>4} {start:>6} " + " ".join(cells), flush=True)
        for (engine, kicks), values in totals.items():
            print(f"  {engine} from {args.seeds} seeds, {kicks} kicks: {min(values)}-"
                  f"{max(values)}, mean {statistics.mean(values):.0f}")


if __name__ == "__main__":
    main()
