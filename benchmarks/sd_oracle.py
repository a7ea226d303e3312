"""Equation signs: loopkit's SD importers against Simlin's (pysimlin) on real models.

For every model in ../shared/data/sd-models/test-models/ and World3, import it
with loopkit and load it with pysimlin, match links by variable name and
print one Markdown row per model: links and signed links on each side, links
where both sign and disagree, links Simlin signs and loopkit does not, and
links one side has and the other lacks. pysimlin is a test dependency only.

    python benchmarks/sd_oracle.py > docs/sd-oracle.md
    python benchmarks/sd_oracle.py --differences   # only rows where the tools differ

It ends with World3's loop types (up to 12 links) under each ``--lookup-signs``
policy.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "sd-models"


#: Every model file in the test folder: Vensim (any case, e.g. teacup-upper.MDL), XMILE,
#: Stella, and the one Systo model (SIR_Systo.json).
EXTENSIONS = (".mdl", ".xmile", ".stmx", ".itmx", ".json")


def models() -> list[Path]:
    found = [p for p in (SHARED / "test-models").rglob("*")
             if p.is_file() and p.suffix.lower() in EXTENSIONS]
    return [*sorted(found), SHARED / "world3" / "wrld3-03.mdl"]


def norm(name: str) -> str:
    """Both tools' names for a variable: case, quotes, spaces and underscores ignored."""
    name = name.replace("\\n", " ").strip().strip('"')
    return re.sub(r"[\s_]+", " ", name).strip().lower()


@dataclass
class Comparison:
    path: Path
    ours: dict[tuple[str, str], str] = field(default_factory=dict)
    theirs: dict[tuple[str, str], str] | None = None
    error: str | None = None
    simlin_error: str | None = None

    @property
    def signed(self) -> int:
        return sum(1 for p in self.ours.values() if p != "?")

    @property
    def simlin_signed(self) -> int:
        return sum(1 for p in (self.theirs or {}).values() if p != "?")

    def disagreements(self) -> list[tuple[tuple[str, str], str, str]]:
        return [(k, self.ours[k], t) for k, t in (self.theirs or {}).items()
                if k in self.ours and "?" not in (t, self.ours[k]) and t != self.ours[k]]

    def only_simlin_signs(self) -> list[tuple[str, str]]:
        return [k for k, t in (self.theirs or {}).items()
                if t != "?" and self.ours.get(k, "?") == "?"]

    def only_simlin_has(self) -> list[tuple[str, str]]:
        return [k for k in (self.theirs or {}) if k not in self.ours]


def net_flows_collapsed(links: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Simlin gives a stock whose INTEG holds an expression a made-up ``<stock> net flow``
    variable; loopkit links the expression's causes to the stock directly."""
    out = {k: v for k, v in links.items() if not any(e.endswith(" net flow") for e in k)}
    for (source, flow), sign in links.items():
        if not flow.endswith(" net flow") or source.endswith(" net flow"):
            continue
        for (start, stock), second in links.items():
            if start == flow:
                both = "?" if "?" in (sign, second) else "+" if sign == second else "-"
                out[(source, stock)] = both
    return out


def compare(path: Path) -> Comparison:
    from loopkit.interop import import_text, read_source
    from loopkit.problems import LoopkitError

    result = Comparison(path)
    try:
        text, name, _ = read_source(str(path))
        diagram = import_text(text, name).diagram
        label = {v.id: norm(v.label) for v in diagram.variables}
        result.ours = {(label[lk.source], label[lk.target]): lk.polarity.value
                       for lk in diagram.links}
    except LoopkitError as error:
        result.error = str(error).splitlines()[0]
    try:
        import simlin

        links = simlin.load(path).get_links()
        result.theirs = net_flows_collapsed({(norm(lk.from_var), norm(lk.to_var)):
                                             str(lk.polarity) for lk in links})
    except Exception as error:  # any engine failure is one row's note
        result.simlin_error = type(error).__name__
    return result


def differs(r: Comparison) -> bool:
    """A row that needs a reason: an error, a disagreement, or a link Simlin signs or has
    that loopkit does not (loopkit signing more is the expected difference)."""
    return bool(r.error or r.theirs is None or r.disagreements() or r.only_simlin_signs()
                or r.only_simlin_has())


def world3_loops() -> list[str]:
    """World3's loops of up to 12 links by type, for each --lookup-signs policy."""
    from loopkit.analysis.loops import analyse_loops
    from loopkit.interop import import_text, read_source

    text, name, _ = read_source(str(SHARED / "world3" / "wrld3-03.mdl"))
    rows = ["| World3-03, loops up to 12 links | links | signed | loops | reinforcing "
            "| balancing | undetermined | typed |",
            "|---|---|---|---|---|---|---|---|",
            "| before equation signs (drawn signs only; commit cdfcb54) | 506 | 6 | 281 | 0 "
            "| 0 | 281 | 0 % |"]
    for policy in ("strict", "range", "initial"):
        diagram = import_text(text, name, lookup_signs=policy).diagram
        found = analyse_loops(diagram, max_length=12, limit=100_000, time_budget=300).summary
        signed = sum(1 for lk in diagram.links if lk.polarity.value != "?")
        typed = found["reinforcing"] + found["balancing"]
        label = f"--lookup-signs {policy}" + (" (default)" if policy == "initial" else "")
        rows.append(f"| {label} | {len(diagram.links)} | {signed} | {found['total']} "
                    f"| {found['reinforcing']} | {found['balancing']} "
                    f"| {found['undetermined']} | {100 * typed / max(found['total'], 1):.0f} % |")
    return rows


def main(argv: list[str]) -> int:
    only_differences = "--differences" in argv
    rows = [compare(p) for p in models()]
    print("| model | loopkit links | loopkit signed | Simlin links | Simlin signed "
          "| disagree | Simlin signs, loopkit ? | only Simlin has |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if only_differences and not differs(r):
            continue
        name = r.path.relative_to(SHARED).as_posix()
        if r.error:
            print(f"| {name} | not imported: {r.error.split(': ', 1)[-1]} | | | | | | |")
            continue
        simlin = (f"{len(r.theirs)} | {r.simlin_signed}" if r.theirs is not None
                  else f"({r.simlin_error}) | ")
        print(f"| {name} | {len(r.ours)} | {r.signed} | {simlin} | {len(r.disagreements())} "
              f"| {len(r.only_simlin_signs())} | {len(r.only_simlin_has())} |")
    both = [r for r in rows if r.theirs is not None and not r.error]
    print()
    shown = f"{sum(1 for r in rows if differs(r))} rows differ; " if only_differences else ""
    print(f"{shown}{len(rows)} models, {sum(1 for r in rows if not r.error)} imported by "
          f"loopkit, {len(both)} also loaded by Simlin. Links signed: loopkit "
          f"{sum(r.signed for r in both)}, Simlin {sum(r.simlin_signed for r in both)}; "
          f"disagreements {sum(len(r.disagreements()) for r in both)}; links Simlin signs "
          f"and loopkit leaves ? {sum(len(r.only_simlin_signs()) for r in both)}.")
    print()
    print("\n".join(world3_loops()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main(sys.argv[1:]))
