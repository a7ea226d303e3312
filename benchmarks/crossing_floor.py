"""How few crossings a map's graph allows: loopkit and sfdp against OGDF's planarizer.

``benchmarks/render.py`` compares loopkit's crossings with plain Graphviz's. This
script asks a different question: how low can any drawing of the same graph go?
It runs OGDF's crossing-minimisation heuristic (the subgraph planarizer with the
variable-embedding inserter and ``--permutations`` random restarts, through the
``ogdf-py`` bindings) on the map's undirected graph, and counts loopkit's and
plain sfdp's crossings the same way: once per pair of variables (a pair of
opposite links, which loopkit draws as two arcs side by side, counts as one link).

OGDF's number is a heuristic's, not a proven minimum, but it is what the best
published method finds; a target below it asks for a drawing nobody knows how
to make. ``ogdf-py`` is not a loopkit dependency (one planarizer run takes tens of
seconds on Foresight); install it to run this:

    pip install ogdf-py
    python benchmarks/crossing_floor.py                    # Foresight, 5 restarts
    python benchmarks/crossing_floor.py --permutations 50 --only world3
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from render import LOOPKIT, cases, plain_dot, timed

from loopkit.interop.yaml_writer import write_yaml
from loopkit.model import Diagram
from loopkit.read.load import load_diagram
from loopkit.render.graphviz import choose_renderer
from loopkit.render.metrics import measure, read_svg


def pairs(diagram: Diagram) -> list[tuple[str, str]]:
    """The graph's undirected edges: one per pair of linked variables, no self-links."""
    found = {tuple(sorted((link.source, link.target))) for link in diagram.links
             if link.source != link.target}
    return sorted(found)  # type: ignore[arg-type]


def undirected_crossings(svg: bytes) -> int:
    """Crossings in the drawing with one link kept of each pair of opposite links."""
    geometry = read_svg(svg)
    ends = {(link.source, link.target) for link in geometry.links}
    kept = [link for link in geometry.links
            if (link.target, link.source) not in ends or link.source < link.target]
    return measure(dataclasses.replace(geometry, links=kept)).crossing_count


def ogdf_crossings(edges: list[tuple[str, str]], permutations: int) -> tuple[int, float]:
    import ogdf

    graph = ogdf.Graph()
    node = {}
    for name in sorted({v for edge in edges for v in edge}):
        node[name] = graph.new_node()
    for a, b in edges:
        graph.new_edge(node[a], node[b])
    started = time.perf_counter()
    found = ogdf.crossing_number(graph, permutations=permutations)
    return found, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="foresight",
                        help="run the cases whose name contains this text (default: foresight)")
    parser.add_argument("--permutations", type=int, default=5,
                        help="OGDF's random restarts of edge insertion (default 5)")
    args = parser.parse_args()
    try:
        import ogdf  # noqa: F401
    except ImportError:
        print("crossing_floor.py needs OGDF's bindings: pip install ogdf-py", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"{'diagram':<30} {'pairs':>5} {'loopkit':>7} {'sfdp':>5} {'OGDF':>5} "
          f"{'OGDF s':>7}  loopkit/OGDF  sfdp/OGDF")
    exe = choose_renderer("pure").executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, source in cases():
            if args.only not in name:
                continue
            if isinstance(source, Path):
                diagram, path = load_diagram(source), source
            else:
                diagram, path = source, folder / "map.yaml"
                path.write_text(write_yaml(diagram), encoding="utf-8")
            out = folder / "out.svg"
            timed([*LOOPKIT, "-q", "render", str(path), "-o", str(out)])
            ours = undirected_crossings(out.read_bytes())
            _, sfdp_svg = timed([exe, "-q", "-Tsvg", "-Ksfdp"], plain_dot(diagram).encode())
            sfdp = undirected_crossings(sfdp_svg)
            edges = pairs(diagram)
            floor, seconds = ogdf_crossings(edges, args.permutations)
            print(f"{name:<30} {len(edges):>5} {ours:>7} {sfdp:>5} {floor:>5} {seconds:>7.1f}"
                  f"  {ours / max(floor, 1):>12.2f}  {sfdp / max(floor, 1):>9.2f}")


if __name__ == "__main__":
    main()
