"""Whole-process timings: what a user or a CI job waits for, against networkx in the same run.

Run from the repository root (the maps are read from ../shared/data):

    python benchmarks/processes.py              # 3 runs of each case (a few minutes)
    python benchmarks/processes.py --runs 5
    python benchmarks/processes.py --quick      # 1 run, Foresight and cold start only

Every case is a separate process (``loopkit ...`` through ``python -m loopkit``),
run ``--runs`` times, interleaved with its baseline so that machine load hits
both alike; the tables show medians and the largest peak resident memory.

The baseline is bare networkx as a script in its own process: read the graph
(a small JSON edge list), ``simple_cycles(G, length_bound)``, classify each
cycle R/B/U by its link signs (unknown sign -> U, else the parity of the
negative links), print the counts. Ratio = loopkit's median / the baseline's
median (<= 1.0: loopkit is faster). Loop counts are checked to agree.

Sections:

1. Foresight obesity map (108 variables, 296 links), every loop up to 12 and
   14 links, in each output format, and ``--count``; targets of issue 15:
   json/markdown/github/sarif <= 0.8x networkx, text <= 1.5x json, 100 MB at 14.
2. Cold start: ``loopkit loops examples/school-fines.yaml`` against
   ``python -c "import networkx"`` (target: ratio <= 1.0).

World3 (``benchmarks/loops.py`` section 6) uses the same helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FORESIGHT = SHARED / "foresight-obesity-map.json"
WORLD3 = SHARED / "sd-models" / "world3" / "wrld3-03.mdl"

#: The networkx baseline, run as ``python SCRIPT EDGES.json BOUND`` (BOUND 0: none).
NETWORKX_SCRIPT = '''
import json, sys
import networkx as nx
data = json.load(open(sys.argv[1]))
bound = int(sys.argv[2]) or None
graph = nx.DiGraph()
graph.add_nodes_from(range(data["n"]))
sign = {}
for u, v, s in data["edges"]:
    graph.add_edge(u, v)
    sign[u, v] = s
counts = [0, 0, 0]
for cycle in nx.simple_cycles(graph, length_bound=bound):
    negatives = unknown = 0
    previous = cycle[-1]
    for node in cycle:
        s = sign[previous, node]
        negatives += s == "-"
        unknown += s == "?"
        previous = node
    counts[2 if unknown else negatives & 1] += 1
print(json.dumps(counts))
'''


class Timed:
    """Wall time, peak resident memory (MB) and output of one process."""

    def __init__(self, seconds: float, peak_mb: float, stdout: bytes, code: int) -> None:
        self.seconds = seconds
        self.peak_mb = peak_mb
        self.stdout = stdout
        self.code = code


def run_process(command: Sequence[str], cwd: Path = ROOT, env: dict[str, str] | None = None,
                stdout_file: bool = False) -> Timed:
    """Run ``command`` to the end; its own peak RSS from ``wait4`` (not the children's max).

    With ``stdout_file`` the output goes to a temporary file (as ``> out.json`` would),
    so a large listing is not held in this process's memory.
    """
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=env,
                                   stdout=sink if stdout_file else subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        out = b"" if stdout_file else process.stdout.read()  # type: ignore[union-attr]
        if process.stdout is not None:
            process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if stdout_file:
            sink.seek(0)
            head = sink.read(1 << 16)
            sink.seek(0, os.SEEK_END)
            size = sink.tell()
            sink.seek(max(0, size - (1 << 16)))
            out = head + b"\n...\n" + sink.read() if size > 1 << 16 else head
    return Timed(seconds, usage.ru_maxrss / 1024, out, process.returncode)


def startup_env() -> dict[str, str]:
    """A user's install: bytecode cached (pip writes it), here in a private cache."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "loopkit-bench-pyc")
    return env


def loopkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopkit", *args]


def networkx_command(script: Path, edges: Path, bound: int | None) -> list[str]:
    return [sys.executable, str(script), str(edges), str(bound or 0)]


def write_inputs(diagram: object, folder: Path, name: str) -> tuple[Path, Path]:
    """The diagram as loopkit YAML and as the baseline's JSON edge list."""
    from loopkit.interop.yaml_writer import write_yaml

    yaml_path = folder / f"{name}.yaml"
    yaml_path.write_text(write_yaml(diagram), encoding="utf-8")  # type: ignore[arg-type]
    index = {v.id: i for i, v in enumerate(diagram.variables)}  # type: ignore[attr-defined]
    edges = [[index[lk.source], index[lk.target], lk.polarity.value]
             for lk in diagram.links]  # type: ignore[attr-defined]
    edge_path = folder / f"{name}.edges.json"
    edge_path.write_text(json.dumps({"n": len(index), "edges": edges}), encoding="utf-8")
    return yaml_path, edge_path


def foresight_diagram() -> object:
    from loopkit.model import Diagram, Link, Polarity, Variable

    data = json.loads(FORESIGHT.read_text(encoding="utf-8"))
    variables = tuple(Variable(f"v{n['id']}", n["label"]) for n in data["nodes"])
    links = tuple(Link(f"v{c['sourceId']}", f"v{c['targetId']}",
                       Polarity.NEGATIVE if c["sign"] < 0 else Polarity.POSITIVE)
                  for c in data["connections"])
    return Diagram(variables, links, title="Foresight obesity system map")


def world3_diagram() -> object:
    """World3-03 through loopkit's Vensim reader, as ``loopkit import`` reads it."""
    from loopkit.interop import import_text, read_source

    text, filename, _ = read_source(str(WORLD3))
    return import_text(text, filename).diagram


def medians(cases: dict[str, list[str]], runs: int, env: dict[str, str] | None = None,
            files: Sequence[str] = ()) -> dict[str, tuple[float, float, Timed]]:
    """Median seconds, largest peak MB and the last run of each case, run interleaved."""
    times: dict[str, list[Timed]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, command in cases.items():
            times[name].append(run_process(command, env=env, stdout_file=name in files))
    return {name: (statistics.median(t.seconds for t in timed),
                   max(t.peak_mb for t in timed), timed[-1])
            for name, timed in times.items()}


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  " + "  ".join(h.rjust(w) if i else h.ljust(w)
                           for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    for row in rows:
        print("  " + "  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print()


def summary_total(timed: Timed, fmt: str) -> str:
    """The loop total a run printed (json: its summary; else its summary sentence)."""
    import re

    text = timed.stdout.decode("utf-8", "replace")
    if fmt == "sarif":  # SARIF carries problems, not the listing: the search still runs
        return "-"
    if fmt == "json":
        totals = re.findall(r'"total": (\d+)', text[text.rfind('"summary"'):])
        return f"{int(totals[0]):,}" if totals else "?"
    found = re.findall(r"(\d+) loops?\\?: \d+ reinforcing", text)  # markdown escapes ':'
    return f"{int(found[-1]):,}" if found else "?"


def section_foresight(runs: int, bounds: Sequence[int], folder: Path) -> None:
    print("1. Foresight obesity map: every loop up to the bound, whole process "
          f"(median of {runs})")
    if not FORESIGHT.is_file():
        print(f"  skipped: {FORESIGHT} not found\n")
        return
    yaml_path, edges = write_inputs(foresight_diagram(), folder, "foresight")
    script = folder / "networkx_cycles.py"
    script.write_text(NETWORKX_SCRIPT, encoding="utf-8")
    formats = ("json", "markdown", "github", "sarif", "text")
    for bound in bounds:
        cases = {"networkx": networkx_command(script, edges, bound)}
        for fmt in formats:
            cases[fmt] = loopkit("loops", "--max-length", str(bound), "--limit", "1000000",
                                 "--time-budget", "600", "--format", fmt, str(yaml_path))
        cases["count"] = loopkit("loops", "--count", "--max-length", str(bound),
                                 "--time-budget", "600", "--format", "json", str(yaml_path))
        result = medians(cases, runs, files=formats)
        base = result["networkx"][0]
        expected = sum(json.loads(result["networkx"][2].stdout))
        json_time = result["json"][0]
        rows = [[f"networkx simple_cycles + R/B/U (bound {bound})", f"{base:.2f}",
                 f"{result['networkx'][1]:.0f}", f"{expected:,}", "1.00", ""]]
        for name in (*formats, "count"):
            seconds, peak, last = result[name]
            total = summary_total(last, "json" if name == "count" else name)
            extra = f"{seconds / json_time:.2f}x json" if name == "text" else ""
            rows.append([f"loopkit loops --format {name}" if name != "count"
                         else "loopkit loops --count", f"{seconds:.2f}", f"{peak:.0f}",
                         total, f"{seconds / base:.2f}", extra])
        table(rows, ["command", "median s", "peak MB", "loops", "vs networkx", ""])


def section_cold_start(runs: int) -> None:
    print(f"2. Cold start (median of {runs} separate processes, bytecode cached)")
    env = startup_env()
    example = str(ROOT / "examples" / "school-fines.yaml")
    cases = {"loopkit loops examples/school-fines.yaml": loopkit("loops", example),
             'python -c "import networkx"': [sys.executable, "-c", "import networkx"]}
    medians(cases, 1, env)  # warm up: bytecode written, files in the OS cache
    result = medians(cases, runs, env)
    base = result['python -c "import networkx"'][0]
    table([[name, f"{s:.3f}", f"{s / base:.2f}"] for name, (s, _, _) in result.items()],
          ["command", "median s", "ratio"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 run, bound 12 only")
    parser.add_argument("--only", type=int, action="append", choices=(1, 2))
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    only = set(args.only or (1, 2))
    sys.path.insert(0, str(ROOT / "src"))
    import networkx

    print(f"Python {sys.version.split()[0]}, networkx {networkx.__version__}, "
          f"{os.cpu_count()} cores\n")
    with tempfile.TemporaryDirectory() as tmp:
        if 1 in only:
            section_foresight(runs, [12] if args.quick else [12, 14], Path(tmp))
        if 2 in only:
            section_cold_start(5 if args.quick else 15)


if __name__ == "__main__":
    main()
