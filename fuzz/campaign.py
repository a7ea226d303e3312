"""Out-of-CI fuzz campaign: the tests/test_fuzz.py properties at scale, plus byte mutations.

Usage (from the repository root, in the dev venv)::

    python fuzz/campaign.py --cases 50000            # ~10-20 min on one core
    python fuzz/campaign.py --cases 2000 --seed 7    # quick look

Every case must end in a diagram or located problems (``DiagramError``), or a
usage error for I/O; anything else is a crash: its input is saved under
``fuzz/findings/`` and the run continues. The summary line gives the counts.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from tests import test_fuzz as props  # noqa: E402

from loopkit.problems import DiagramError, UsageError  # noqa: E402
from loopkit.read.load import load_diagram  # noqa: E402

FINDINGS = ROOT / "fuzz" / "findings"


class Campaign:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.crashes: list[tuple[str, str]] = []

    def record_crash(self, kind: str, data: bytes) -> None:
        FINDINGS.mkdir(parents=True, exist_ok=True)
        name = FINDINGS / f"{kind}-{len(self.crashes):04d}.yaml"
        name.write_bytes(data)
        self.crashes.append((str(name), traceback.format_exc(limit=-3)))
        self.counts["crash"] += 1

    def hypothesis_property(self, name: str, strategy: st.SearchStrategy,
                            check: Callable[..., object], cases: int) -> None:
        """Run ``check`` on ``cases`` examples; crashes are recorded, not raised."""

        @settings(max_examples=cases, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(value: object) -> None:
            self.counts[name] += 1
            try:
                outcome = check(value)
                self.counts[f"{name}:{outcome}"] += 1
            except Exception:
                data = value if isinstance(value, bytes) else str(value).encode(
                    "utf-8", "surrogatepass")
                self.record_crash(name, data)

        run()

    def mutations(self, cases: int, seed: int) -> None:
        """Byte-level mutations of every example, hostile and golden-error input."""
        rng = random.Random(seed)
        corpus = [p.read_bytes() for folder in ("examples", "tests/errors", "tests/hostile")
                  for p in sorted((ROOT / folder).glob("*.yaml"))
                  if p.stat().st_size < 100_000]
        tokens = [t.encode("utf-8") for t in props._TOKENS]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fuzz.yaml"
            for _ in range(cases):
                data = bytearray(rng.choice(corpus))
                for _ in range(rng.randint(1, 6)):
                    i = rng.randint(0, len(data))
                    op = rng.randrange(6)
                    if op == 0 and data:
                        data[min(i, len(data) - 1)] ^= 1 << rng.randrange(8)
                    elif op == 1:
                        data[i:i] = rng.choice(tokens)
                    elif op == 2:
                        del data[i:i + rng.randint(1, 16)]
                    elif op == 3:
                        other = rng.choice(corpus)
                        j = rng.randint(0, len(other))
                        data[i:] = other[j:]
                    elif op == 4 and data:
                        j = rng.randint(0, len(data))
                        data[i:i] = data[min(i, j):max(i, j)][:4096]
                    else:
                        data[i:i] = bytes([rng.randrange(256)])
                path.write_bytes(bytes(data))
                self.counts["mutation"] += 1
                try:
                    load_diagram(path)
                    self.counts["mutation:ok"] += 1
                except DiagramError as error:
                    assert error.problems and all(
                        p.line >= 1 and p.column >= 1 and "\n" not in p.message
                        for p in error.problems)
                    self.counts["mutation:problems"] += 1
                except UsageError:
                    self.counts["mutation:usage"] += 1
                except Exception:
                    self.record_crash("mutation", bytes(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000, help="total cases (default 50,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the mutation loop")
    args = parser.parse_args()
    share = {"soup": 0.25, "mutated": 0.25, "cli": 0.04, "valid": 0.06, "render": 0.002,
             "bytes": 0.398}
    campaign = Campaign()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp())

    def cli(value: str | bytes) -> int:
        import os

        os.chdir(tmp)
        return props.check_cli(value, tmp)

    def valid(data: dict) -> str:
        props.test_valid_diagrams_always_load_and_analyse.hypothesis.inner_test(data)
        return "ok"

    def render(data: dict) -> str:
        props.test_valid_diagrams_always_render.hypothesis.inner_test(data)
        return "ok"

    n = args.cases
    campaign.hypothesis_property("soup", props.yaml_soup, props.check_text, int(n * share["soup"]))
    campaign.hypothesis_property("mutated", props.mutated_seed(), props.check_text,
                                 int(n * share["mutated"]))
    campaign.hypothesis_property(
        "cli", st.one_of(props.yaml_soup, props.mutated_seed(), st.binary(max_size=200)), cli,
        int(n * share["cli"]))
    campaign.hypothesis_property("valid", props.valid_diagrams(), valid, int(n * share["valid"]))
    campaign.hypothesis_property("render", props.valid_diagrams(), render,
                                 max(1, int(n * share["render"])))
    campaign.mutations(int(n * share["bytes"]), args.seed)
    elapsed = time.monotonic() - started
    total = sum(v for k, v in campaign.counts.items() if ":" not in k and k != "crash")
    print(f"fuzz campaign: {total:,} cases in {elapsed:,.0f} s, "
          f"{campaign.counts['crash']} crashes")
    for key in sorted(campaign.counts):
        print(f"  {key:>20}: {campaign.counts[key]:,}")
    for name, trace in campaign.crashes[:20]:
        print(f"\nCRASH {name}\n{trace}")
    return 1 if campaign.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
