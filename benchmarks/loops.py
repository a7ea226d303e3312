"""loopkit's loop engine against raw networkx, measured in one run on one machine.

Run from the repository root (the Foresight map is read from ../shared/data):

    python benchmarks/loops.py            # everything (about a minute)
    python benchmarks/loops.py --quick    # fewer repeats, smaller cases

Sections:

1. Foresight obesity map, length bounds 8/12/14: ``analyse_loops`` (found,
   classified, named, ordered Loop objects) against ``networkx.simple_cycles``
   plus the even-negatives R/B classification. Counts must be identical;
   ratio = loopkit time / networkx time (<= 1.0 means loopkit is faster).
2. The diamond chain of networkx issues #8265/#8737 (t diamonds, every cycle
   2t + 1 links, bound 2t, answer: no loops), t = 16..24. networkx runs in a
   child process with a timeout.
3. Random sparse signed digraphs (n = 50..400, 3n links), bounds 8 and 10.
4. Time budgets: requested vs used, for a listing, a count, a listing written
   out as the CLI writes it, and a search that finds nothing for a long time
   (dead ends only).
5. Cold start: ``loopkit loops examples/school-fines.yaml`` against
   ``python -c "import networkx"`` (median wall time of several runs).
6. World3-03 (../shared/data/sd-models/world3, read by loopkit's Vensim reader:
   312 variables, 494 links), whole processes (median of the repeats; see
   ``benchmarks/processes.py``): the exact count of every loop (``--count
   --max-length 1000``, 1,863,803 loops), listings up to 12/16/20 links and
   ``--independent``, each against bare networkx ``simple_cycles`` plus R/B/U
   in its own process (the same bound; none for the count and the independent
   set). The unbounded networkx run takes about 85 s a time.

Times are the best of a few repeats (sections 5 and 6: the median) and include
everything a user waits for, except building the input graph for networkx
(section 6: everything, both sides).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORESIGHT = ROOT.parent / "shared" / "data" / "foresight-obesity-map.json"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopkit.analysis.loops import analyse_loops, count_loops  # noqa: E402
from loopkit.model import Diagram, Link, LoopType, Polarity, Variable  # noqa: E402


def best_of(repeats: int, work: Callable[[], object]) -> tuple[float, object]:
    """Fastest wall time of ``repeats`` runs, and the last result."""
    best = float("inf")
    result: object = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def networkx_loops(graph: object, bound: int | None) -> tuple[int, int]:
    """networkx.simple_cycles + classification by the even-negatives rule: (R, B)."""
    import networkx as nx

    sign = {(a, b): data["negative"] for a, b, data in graph.edges(data=True)}  # type: ignore
    reinforcing = balancing = 0
    for cycle in nx.simple_cycles(graph, length_bound=bound):  # type: ignore[arg-type]
        negatives = 0
        previous = cycle[-1]
        for node in cycle:
            negatives += sign[previous, node]
            previous = node
        if negatives & 1:
            balancing += 1
        else:
            reinforcing += 1
    return reinforcing, balancing


def loopkit_loops(diagram: Diagram, bound: int | None) -> tuple[int, int]:
    # with a time budget, as the CLI runs it (bounds above 12 then go by stages)
    analysis = analyse_loops(diagram, max_length=bound, limit=None, time_budget=120.0)
    return analysis.count(LoopType.REINFORCING), analysis.count(LoopType.BALANCING)


def as_networkx(diagram: Diagram) -> object:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(v.id for v in diagram.variables)
    for link in diagram.links:
        graph.add_edge(link.source, link.target,
                       negative=int(link.polarity is Polarity.NEGATIVE))
    return graph


def foresight() -> Diagram:
    data = json.loads(FORESIGHT.read_text(encoding="utf-8"))
    variables = tuple(Variable(f"v{n['id']}", n["label"]) for n in data["nodes"])
    links = tuple(Link(f"v{c['sourceId']}", f"v{c['targetId']}",
                       Polarity.NEGATIVE if c["sign"] < 0 else Polarity.POSITIVE)
                  for c in data["connections"])
    return Diagram(variables, links, title="Foresight")


def diamond_chain(t: int) -> Diagram:
    """Exactly the graph of networkx issue #8737, nodes in the same insertion order."""
    names: list[str] = []
    links = []

    def add(a: str, b: str) -> None:
        for name in (a, b):
            if name not in names:
                names.append(name)
        links.append((a, b, "+"))

    for i in range(t):
        add(f"d{i}", f"a{i}")
        add(f"d{i}", f"b{i}")
        add(f"a{i}", f"d{i + 1}")
        add(f"b{i}", f"d{i + 1}")
    add(f"d{t}", "d0")
    return Diagram.build(names, links)


def random_signed(n: int, m: int, seed: int) -> Diagram:
    rng = random.Random(seed)
    pairs: dict[tuple[int, int], str] = {}
    while len(pairs) < m:
        u, v = rng.randrange(n), rng.randrange(n)
        if u != v and (u, v) not in pairs:
            pairs[u, v] = "-" if rng.random() < 0.4 else "+"
    return Diagram.build([f"x{i}" for i in range(n)],
                         [(f"x{u}", f"x{v}", s) for (u, v), s in pairs.items()])


def dead_ends(t: int) -> Diagram:
    """One 2-loop r <-> g, then from g a diamond chain whose only way back passes through g.

    Counting from r (the first start) walks all 2^t paths through the chain
    and finds nothing (g is already on the path); distances back to r cannot
    rule them out. (The chain's own loops, through g, are only reached after.)
    """
    chain = diamond_chain(t)
    links = [(lk.source, lk.target, "+") for lk in chain.links if lk.target != "d0"]
    links += [("r", "g"), ("g", "r"), ("g", "d0"), (f"d{t}", "g")]
    links = [(a, b, "+") for a, b, *_ in links]
    return Diagram.build(["r", "g", *[v.id for v in chain.variables]], links)


def dense_layers(layers: int, width: int) -> Diagram:
    """Layers of ``width`` variables, each linked to every variable of the next (the last
    back to the first): every vertex has ``width`` outgoing links, so one search step
    examines many links."""
    names = [f"l{i}_{j}" for i in range(layers) for j in range(width)]
    links = [(f"l{i}_{j}", f"l{(i + 1) % layers}_{k}", "-" if (j + k) % 3 == 0 else "+")
             for i in range(layers) for j in range(width) for k in range(width)]
    return Diagram.build(names, links)


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))
    print()


def section_foresight(repeats: int, bounds: list[int]) -> None:
    print("1. Foresight obesity map (108 variables, 296 links): listing with R/B")
    if not FORESIGHT.is_file():
        print(f"  skipped: {FORESIGHT} not found\n")
        return
    diagram = foresight()
    graph = as_networkx(diagram)
    rows = []
    for bound in bounds:
        nx_time, nx_counts = best_of(repeats, lambda b=bound: networkx_loops(graph, b))
        lk_time, lk_counts = best_of(repeats, lambda b=bound: loopkit_loops(diagram, b))
        same = "yes" if nx_counts == lk_counts else "NO"
        r, b = lk_counts  # type: ignore[misc]
        rows.append([str(bound), f"{r + b:,}", f"{r:,}/{b:,}", same, f"{nx_time:.3f}",
                     f"{lk_time:.3f}", f"{lk_time / nx_time:.2f}"])
    table(rows, ["bound", "loops", "R/B", "same", "networkx s", "loopkit s", "ratio"])


def networkx_in_child(t: int, timeout: float) -> str:
    code = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from loops import diamond_chain, as_networkx, networkx_loops
g = as_networkx(diamond_chain({t}))
s = time.perf_counter(); r, b = networkx_loops(g, {2 * t})
print(f"{{time.perf_counter() - s:.3f}} {{r + b}}")
"""
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return f"> {timeout:g} (stopped)"
    seconds, found = done.stdout.split()
    return f"{float(seconds):.3f} ({found} loops)"


def section_diamonds(ts: list[int], timeout: float) -> None:
    print("2. Diamond chain (networkx #8265/#8737): bound 2t, no loop is that short")
    rows = []
    for t in ts:
        diagram = diamond_chain(t)
        lk_time, lk = best_of(3, lambda d=diagram, t=t: analyse_loops(
            d, max_length=2 * t, limit=None, time_budget=None))
        rows.append([str(t), str(3 * t + 1), str(4 * t + 1), str(2 * t),
                     str(len(lk.loops)), f"{lk_time:.4f}",  # type: ignore[attr-defined]
                     networkx_in_child(t, timeout)])
    table(rows, ["t", "n", "m", "bound", "loopkit loops", "loopkit s", "networkx s"])


def section_random(repeats: int, sizes: list[int]) -> None:
    print("3. Random sparse signed digraphs (3n links, 40 % negative, seeded)")
    rows = []
    for n in sizes:
        diagram = random_signed(n, 3 * n, seed=n)
        graph = as_networkx(diagram)
        for bound in (8, 10):
            nx_time, nx_counts = best_of(repeats, lambda g=graph, b=bound: networkx_loops(g, b))
            lk_time, lk_counts = best_of(repeats,
                                         lambda d=diagram, b=bound: loopkit_loops(d, b))
            rows.append([str(n), str(bound), f"{sum(lk_counts):,}",  # type: ignore[arg-type]
                         "yes" if nx_counts == lk_counts else "NO", f"{nx_time:.3f}",
                         f"{lk_time:.3f}", f"{lk_time / nx_time:.2f}"])
    table(rows, ["n", "bound", "loops", "same", "networkx s", "loopkit s", "ratio"])


def written(diagram: Diagram, budget: float, fmt: str) -> object:
    """``loopkit loops --format FMT --max-length 1000 --limit <none>``: search and write
    (to a counting sink), within one budget."""
    from loopkit.analysis.loops import list_loops
    from loopkit.output import machine
    from loopkit.output.records import FileResult

    analysis = list_loops(diagram, max_length=None, limit=None, time_budget=budget)
    getattr(machine, f"write_{fmt}")([FileResult("x.yaml", diagram, analysis)], "loops", len)
    return analysis


def section_budgets(budgets: list[float]) -> None:
    print("4. Time budgets (unbounded length, no limit): requested vs used")
    cases: list[tuple[str, Callable[[float], object]]] = []
    if FORESIGHT.is_file():
        big = foresight()
        cases.append(("Foresight listing", lambda s: analyse_loops(
            big, max_length=None, limit=None, time_budget=s)))
        cases.append(("Foresight count", lambda s: count_loops(
            big, max_length=None, time_budget=s)))
        cases.append(("Foresight listing, limit 10,000", lambda s: analyse_loops(
            big, max_length=None, time_budget=s)))
        for fmt in ("json", "markdown"):
            cases.append((f"Foresight listing written as {fmt} (as the CLI)",
                          lambda s, f=fmt: written(big, s, f)))
    dead = dead_ends(40)
    cases.append(("dead ends, count (1 loop from r)", lambda s: count_loops(
        dead, max_length=84, time_budget=s)))
    dense = dense_layers(4, 150)
    cases.append(("dense layers, 150 links per variable", lambda s: analyse_loops(
        dense, max_length=None, limit=None, time_budget=s)))
    rows = []
    for name, run in cases:
        for budget in budgets:
            gc.collect()  # the previous result is gone: freeing it is not timed here
            started = time.perf_counter()
            result = run(budget)
            used = time.perf_counter() - started
            rows.append([name, f"{budget:g}", f"{used:.3f}", f"{used / budget:.2f}",
                         f"{result.summary['total']:,}",  # type: ignore[attr-defined]
                         str(result.reason)])  # type: ignore[attr-defined]
            del result
    table(rows, ["search", "budget s", "used s", "used/budget", "loops", "stopped because"])


def _startup_env() -> dict[str, str]:
    """The environment a user's install has: bytecode cached (``pip install`` writes
    it), here in a private cache so the working tree stays clean."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "loopkit-bench-pyc")
    return env


def import_profile(command: list[str], env: dict[str, str]) -> list[tuple[str, float]]:
    """Import time (ms, self) of ``command`` grouped by package (loopkit by module)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *command], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=False)
    groups: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line.split("|")
        if not fields[0].split(":")[1].strip().isdigit():
            continue
        name = fields[2].strip()
        group = name if name.startswith("loopkit") else name.split(".")[0]
        groups[group] = groups.get(group, 0.0) + int(fields[0].split(":")[1]) / 1000
    return sorted(groups.items(), key=lambda item: -item[1])


def section_cold_start(runs: int) -> None:
    print("5. Cold start (median wall time of separate processes, bytecode cached)")
    env = _startup_env()
    example = str(ROOT / "examples" / "school-fines.yaml")
    loopkit_args = ["-m", "loopkit", "loops", example]
    commands = {"loopkit": [sys.executable, *loopkit_args],
                "networkx": [sys.executable, "-c", "import networkx"]}
    for cmd in commands.values():  # warm up: write bytecode, fill the OS file cache
        subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so machine load hits both alike
        for name, cmd in commands.items():
            started = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT, env=env)
            times[name].append(time.perf_counter() - started)
    lk, nx_ = statistics.median(times["loopkit"]), statistics.median(times["networkx"])
    table([["loopkit loops examples/school-fines.yaml", f"{lk:.3f}", f"{lk / nx_:.2f}"],
           ['python -c "import networkx"', f"{nx_:.3f}", "1.00"]],
          ["command", "median s", "ratio"])
    profile = import_profile(loopkit_args, env)
    total = sum(ms for _, ms in profile)
    print(f"  what `loopkit loops` imports (self time, ms; total {total:.0f} ms):")
    table([[name, f"{ms:.1f}"] for name, ms in profile[:14]], ["package/module", "ms"])


def section_world3(runs: int, bounds: list[int], nx_unbounded: bool) -> None:
    from processes import (
        NETWORKX_SCRIPT,
        WORLD3,
        loopkit,
        medians,
        networkx_command,
        summary_total,
        world3_diagram,
        write_inputs,
    )

    print(f"6. World3-03, whole processes (median of {runs})")
    if not WORLD3.is_file():
        print(f"  skipped: {WORLD3} not found\n")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        yaml_path, edges = write_inputs(world3_diagram(), folder, "world3")
        script = folder / "networkx_cycles.py"
        script.write_text(NETWORKX_SCRIPT, encoding="utf-8")
        cases: dict[str, tuple[list[str], list[str] | None]] = {
            "count, every loop (--count --max-length 1000)": (
                loopkit("loops", "--count", "--max-length", "1000", "--time-budget", "600",
                        "--format", "json", str(yaml_path)),
                networkx_command(script, edges, None) if nx_unbounded else None)}
        for bound in bounds:
            cases[f"listing up to {bound} links (json)"] = (
                loopkit("loops", "--max-length", str(bound), "--limit", "10000000",
                        "--time-budget", "600", "--format", "json", str(yaml_path)),
                networkx_command(script, edges, bound))
        cases["listing, default bounds, --limit 10000 (json)"] = (
            loopkit("loops", "--max-length", "1000", "--limit", "10000", "--format", "json",
                    str(yaml_path)), None)
        cases["--independent"] = (loopkit("loops", "--independent", str(yaml_path)), None)
        commands = {}
        for name, (ours, theirs) in cases.items():
            commands[name] = ours
            if theirs is not None:
                commands["networkx: " + name] = theirs
        result = medians(commands, runs, files=[n for n in commands if "json" in n])
        rows = []
        for name, (_, theirs) in cases.items():
            seconds, peak, last = result[name]
            total = summary_total(last, "json") if "independent" not in name else "-"
            if theirs is None:
                rows.append([name, f"{seconds:.2f}", f"{peak:.0f}", total, "-", "-"])
                continue
            base, _, nx_last = result["networkx: " + name]
            nx_total = f"{sum(json.loads(nx_last.stdout)):,}"
            rows.append([name, f"{seconds:.2f}", f"{peak:.0f}", f"{total} (nx {nx_total})",
                         f"{base:.2f}", f"{seconds / base:.3f}"])
        print("  (the --limit 10000 listing runs with the default 10 s time budget)")
        table(rows, ["case", "loopkit s", "peak MB", "loops", "networkx s", "ratio"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller cases")
    parser.add_argument("--nx-timeout", type=float, default=30.0,
                        help="seconds before a networkx diamond-chain run is stopped")
    parser.add_argument("--skip-nx-world3", action="store_true",
                        help="no unbounded networkx run on World3 (about 85 s each)")
    parser.add_argument("--only", type=int, action="append", choices=range(1, 7),
                        help="run only these sections (repeatable)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    only = set(args.only or range(1, 7))
    print(f"Python {sys.version.split()[0]}, "
          f"networkx {__import__('networkx').__version__}\n")
    if 1 in only:
        section_foresight(repeats, [8, 12] if args.quick else [8, 12, 14])
    if 2 in only:
        section_diamonds([16, 20] if args.quick else [16, 18, 20, 22, 24],
                         5.0 if args.quick else args.nx_timeout)
    if 3 in only:
        section_random(repeats, [50, 100] if args.quick else [50, 100, 200, 400])
    if 4 in only:
        section_budgets([0.5] if args.quick else [0.5, 1.0, 2.0])
    if 5 in only:
        section_cold_start(5 if args.quick else 15)
    if 6 in only:
        section_world3(repeats, [12, 16] if args.quick else [12, 16, 20],
                       not (args.quick or args.skip_nx_world3))


if __name__ == "__main__":
    main()
