"""Coverage-guided fuzzing of the YAML reader and loader with atheris (libFuzzer).

Not run in CI. Install atheris (``pip install atheris``), then from the repo root::

    python fuzz/atheris_loader.py -atheris_runs=200000 -max_len=4096 fuzz/corpus

``fuzz/corpus`` is seeded from examples/, tests/errors/ and tests/hostile/ on
the first run. Any exception other than loopkit's own located errors is a
crash: libFuzzer stops and writes the input as ``crash-<sha1>``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus"

with atheris.instrument_imports(include=["loopkit"]):
    from loopkit.problems import DiagramError
    from loopkit.read.load import parse_diagram


def _seed_corpus() -> None:
    if CORPUS.is_dir() and any(CORPUS.iterdir()):
        return
    CORPUS.mkdir(parents=True, exist_ok=True)
    for folder in ("examples", "tests/errors", "tests/hostile"):
        for path in (ROOT / folder).glob("*.yaml"):
            if path.stat().st_size < 4096:
                shutil.copy(path, CORPUS / f"{folder.replace('/', '-')}-{path.name}")


def test_one_input(data: bytes) -> None:
    """Bytes -> text as load_diagram decodes it -> diagram or located problems, nothing else."""
    if b"\x00" in data:
        return  # refused before parsing (binary-file), covered by the hostile tests
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # refused before parsing (encoding), covered by the hostile tests
    try:
        parse_diagram(text, "fuzz.yaml")
    except DiagramError as error:
        if not error.problems:
            raise AssertionError("DiagramError without problems") from None
        for problem in error.problems:
            if problem.line < 1 or problem.column < 1 or "\n" in problem.message:
                raise AssertionError(f"badly located problem: {problem!r}") from None


if __name__ == "__main__":
    _seed_corpus()
    if len(sys.argv) == 1 or all(a.startswith("-") for a in sys.argv[1:]):
        sys.argv.append(str(CORPUS))
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
