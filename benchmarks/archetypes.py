"""How far `loopkit archetypes` can be trusted: precision per confidence level,
"named archetype first", and the Foresight map's result and its determinism.

Run from the repository root (Foresight is read from ../shared/data):

    python benchmarks/archetypes.py                 # this checkout
    python benchmarks/archetypes.py --baseline-src /path/to/old/src   # before/after

Corpus: tests/data/archetype-corpus/ (published archetypes redrawn in several
styles, and near-misses after real organic maps; see its README) and the
shipped examples/archetypes/ (the archetype named in each title). A match is
*right* when its archetype is the file's ``expect`` or one of its ``accept``;
precision per level = right / all matches at that confidence. "Named first":
files with an ``expect`` whose top-ranked match is that archetype. "Never
strong" counts matches called strong that a file says must not be.

Foresight: the default search, twice (the second under a busy CPU-bound
subprocess), and whether the JSON bytes are identical. With ``--baseline-src``
the same measurements run again in a child process importing loopkit from
that source tree, and both columns are printed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "archetype-corpus"
EXAMPLES = ROOT / "examples" / "archetypes"
FORESIGHT = ROOT.parent / "shared" / "data" / "foresight-obesity-map.json"
_BUSY = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end:\n    pass\n"


def _cases() -> list[tuple[Path, dict[str, Any]]]:
    """(file, expectations) for every corpus file and shipped example."""
    import yaml

    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8")).get("x-corpus", {})
        out.append((path, meta))
    for path in sorted(EXAMPLES.glob("*.yaml")):
        title = yaml.safe_load(path.read_text(encoding="utf-8")).get("title", "")
        named = re.search(r"\(([^()]+)\)\s*$", title)
        out.append((path, {"expect": named.group(1) if named else None, "style": "example"}))
    return out


def corpus() -> dict[str, Any]:
    """Precision per confidence level, named-first and never-strong counts."""
    from loopkit.analysis.archetypes import find_archetypes
    from loopkit.read.load import load_diagram

    tally: dict[str, list[int]] = {"strong": [0, 0], "possible": [0, 0]}
    top_tally = [0, 0]
    first, named, violations, misses = 0, 0, [], []
    for path, meta in _cases():
        report = find_archetypes(load_diagram(path))
        good = {meta.get("expect"), *(meta.get("accept") or [])} - {None}
        for match in report.matches:
            tally[match.confidence][0] += match.archetype in good
            tally[match.confidence][1] += 1
            if match.confidence == "strong" and match.archetype in (meta.get("never-strong")
                                                                    or []):
                violations.append(f"{path.name}: {match.archetype} strong")
        if report.matches:
            top_tally[0] += report.matches[0].archetype in good
            top_tally[1] += 1
        if meta.get("expect"):
            named += 1
            top = report.matches[0].archetype if report.matches else None
            if top == meta["expect"]:
                first += 1
            else:
                misses.append(f"{path.name}: expected {meta['expect']}, first {top}")
    return {"files": len(_cases()), "precision": tally, "top": top_tally,
            "named_first": [first, named], "never_strong_violations": violations,
            "misses": misses}


def foresight() -> dict[str, Any]:
    """The default search on Foresight, quiet and under load, and whether the bytes agree."""
    from tests.helpers import foresight_diagram

    from loopkit.analysis.archetypes import find_archetypes

    diagram = foresight_diagram()
    runs = []
    for busy in (False, True):
        child = subprocess.Popen([sys.executable, "-c", _BUSY]) if busy else None
        try:
            started = time.monotonic()
            report = find_archetypes(diagram)
            seconds = time.monotonic() - started
        finally:
            if child is not None:
                child.kill()
                child.wait()
        runs.append((report, seconds, json.dumps(report.to_dict(), sort_keys=True)))
    report = runs[0][0]
    return {
        "matches": len(report.matches),
        "strong": sum(1 for m in report.matches if m.confidence == "strong"),
        "truncated": report.truncated,
        "reason": report.reason,
        "not_fully_searched": getattr(report, "not_fully_searched", None),
        "safety_stop": getattr(report, "safety_stop", None),
        "seconds": [round(r[1], 2) for r in runs],
        "identical_under_load": runs[0][2] == runs[1][2],
        "per_archetype": _per_archetype(report.matches),
    }


def _per_archetype(matches: list[Any]) -> dict[str, str]:
    out: dict[str, list[int]] = {}
    for m in matches:
        row = out.setdefault(m.archetype, [0, 0])
        row[m.confidence != "strong"] += 1
    return {name: f"{s} strong, {p} possible" for name, (s, p) in out.items()}


def measure(skip_foresight: bool) -> dict[str, Any]:
    result = {"corpus": corpus()}
    if not skip_foresight and FORESIGHT.is_file():
        result["foresight"] = foresight()
    return result


def _pct(pair: list[int]) -> str:
    right, total = pair
    return f"{right}/{total} = {right / total:.0%}" if total else "0/0"


def show(columns: dict[str, dict[str, Any]]) -> None:
    names = list(columns)
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, get: Any) -> None:
        values = []
        for name in names:
            try:
                values.append(str(get(columns[name])))
            except (KeyError, TypeError):
                values.append("-")
        rows.append((label, values))

    row("corpus files", lambda c: c["corpus"]["files"])
    row("precision, strong", lambda c: _pct(c["corpus"]["precision"]["strong"]))
    row("precision, possible", lambda c: _pct(c["corpus"]["precision"]["possible"]))
    row("precision, top match", lambda c: _pct(c["corpus"]["top"]))
    row("named archetype first", lambda c: _pct(c["corpus"]["named_first"]))
    row("strong where it must not be", lambda c: len(c["corpus"]["never_strong_violations"]))
    row("Foresight matches", lambda c: c["foresight"]["matches"])
    row("Foresight strong", lambda c: c["foresight"]["strong"])
    row("Foresight cut by a bound", lambda c: c["foresight"]["truncated"])
    row("Foresight not fully searched", lambda c: len(c["foresight"]["not_fully_searched"]))
    row("Foresight safety stop", lambda c: c["foresight"]["safety_stop"])
    row("Foresight seconds (quiet, busy)", lambda c: c["foresight"]["seconds"])
    row("Foresight same bytes under load", lambda c: c["foresight"]["identical_under_load"])
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{n:>24}" for n in names))
    for label, values in rows:
        print(f"{label:{width}}  " + "  ".join(f"{v:>24}" for v in values))
    for name in names:
        c = columns[name]["corpus"]
        for line in c["misses"] + c["never_strong_violations"]:
            print(f"  [{name}] {line}")
        if "foresight" in columns[name]:
            per = columns[name]["foresight"]["per_archetype"]
            print(f"  [{name}] Foresight per archetype: {per}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-src", help="a loopkit src/ directory to compare against")
    parser.add_argument("--no-foresight", action="store_true", help="skip the Foresight runs")
    parser.add_argument("--json", action="store_true", help="print this checkout's numbers "
                        "as JSON (used for the baseline child)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.json:
        print(json.dumps(measure(args.no_foresight)))
        return
    columns = {}
    if args.baseline_src:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([args.baseline_src, str(ROOT)])}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--json"]
        if args.no_foresight:
            cmd.append("--no-foresight")
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900,
                              check=True)
        columns["baseline"] = json.loads(done.stdout)
    columns["this checkout"] = measure(args.no_foresight)
    show(columns)


if __name__ == "__main__":
    main()
