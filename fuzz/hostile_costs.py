"""Time and peak memory of `loopkit check` on every hostile input, vs a normal file.

Usage (repository root, dev venv)::

    python fuzz/hostile_costs.py            # table on stdout (Markdown)
    python fuzz/hostile_costs.py imports    # only the `loopkit import` cases

Also measured: ``loopkit import`` of every case in ``IMPORTS`` (other tools'
files), ``export --to kumu`` of the aliased-text case, and ``diff`` of a
200 MB git blob (needs git).

Each case runs in a fresh process (``python -m loopkit check FILE``) so peak
RSS (from ``wait4``) is that run's own; the baseline is the school-fines
example measured in the same run, so ratios are comparable across machines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.generated import CASES, IMPORTS  # noqa: E402


def measure(path: Path, cwd: Path, args: tuple[str, ...] = ("check",),
            after: tuple[str, ...] = ()) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak RSS MiB, first stderr line) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "loopkit", *args, path.name, *after],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    first = err.splitlines()[0] if err else ""
    return proc.returncode, elapsed, usage.ru_maxrss / 1024, first


def _git_blob(folder: Path) -> Path:
    """A repository whose HEAD holds a 200 MB diagram file; returns the current file."""
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    repo = folder / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    big = repo / "map.yaml"
    with open(big, "wb") as handle:
        handle.write(b"variables: {a: A}\nlinks: []\n")
        for _ in range(2_000):
            handle.write((b"#" * 99 + b"\n") * 1_000)
    subprocess.run(["git", *env, "-C", str(repo), "add", "map.yaml"], check=True)
    subprocess.run(["git", *env, "-C", str(repo), "commit", "-q", "-m", "big"], check=True)
    big.write_bytes(b"variables: {a: A}\nlinks: []\n")
    return big


def imports(rows: list[tuple[str, int, float, float, str]], folder: Path) -> None:
    for name, (suffix, build) in IMPORTS.items():
        path = folder / f"{name}{suffix}"
        path.write_bytes(build())
        code, elapsed, rss, first = measure(path, folder, ("import", "-q"),
                                            ("-o", os.devnull))
        size = path.stat().st_size
        rows.append((f"import {name}{suffix} ({size / 1024:,.0f} KiB)", code, elapsed, rss,
                     first))


def main() -> None:
    hostile = ROOT / "tests" / "hostile"
    rows: list[tuple[str, int, float, float, str]] = []
    code, base_time, base_rss, _ = measure(ROOT / "examples" / "school-fines.yaml",
                                           ROOT / "examples")
    rows.append(("baseline: examples/school-fines.yaml", code, base_time, base_rss, "ok"))
    with tempfile.TemporaryDirectory() as folder:
        imports(rows, Path(folder))
        if sys.argv[1:] == ["imports"]:
            _print(rows, base_time)
            return
        text = Path(folder) / "aliased-long-text.yaml"
        text.write_bytes(CASES["aliased-long-text"]())
        rows.append(("export --to kumu aliased-long-text.yaml", *measure(
            text, Path(folder), ("export", "--to", "kumu"), ("-o", os.devnull))))
        if shutil.which("git"):
            current = _git_blob(Path(folder))
            rows.append(("diff HEAD:map.yaml (a 200 MB blob) map.yaml", *measure(
                current, current.parent, ("diff", "HEAD:map.yaml"))))
        for name, build in CASES.items():
            path = Path(folder) / f"{name}.yaml"
            path.write_bytes(build())
            code, elapsed, rss, first = measure(path, Path(folder))
            size = path.stat().st_size
            rows.append((f"{name} ({size / 1024:,.0f} KiB, generated)", code, elapsed, rss,
                         first))
        for path in sorted(hostile.glob("*.yaml")):
            code, elapsed, rss, first = measure(path, hostile)
            rows.append((path.name, code, elapsed, rss, first))
    _print(rows, base_time)


def _print(rows: list[tuple[str, int, float, float, str]], base_time: float) -> None:
    print("| input | exit | time s | x baseline | peak RSS MiB | first line |")
    print("|---|---|---|---|---|---|")
    for name, code, elapsed, rss, first in rows:
        message = first.split(": ", 1)[-1][:70].replace("|", "\\|")
        print(f"| {name} | {code} | {elapsed:.2f} | {elapsed / base_time:.1f} | {rss:.0f} | "
              f"{message} |")


if __name__ == "__main__":
    main()
