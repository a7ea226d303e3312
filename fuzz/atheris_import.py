"""Coverage-guided fuzzing of `loopkit import` (Kumu, LOOPY, Vensim, XMILE, SD-JSON, GraphML).

Not run in CI. From the repo root, with atheris installed::

    python fuzz/atheris_import.py -atheris_runs=200000 -max_len=8192 fuzz/corpus-import

The first input byte picks the format (or auto-detection); the rest is the
file text. Anything but an ``ImportResult``, a located ``DiagramError`` or a
``UsageError`` is a crash.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus-import"

with atheris.instrument_imports(include=["loopkit"]):
    import importlib

    from loopkit.interop import FORMATS as _REGISTRY
    from loopkit.interop import format_names, import_text
    from loopkit.problems import DiagramError, UsageError

    for _format in _REGISTRY.values():  # format modules load lazily: instrument them now
        importlib.import_module(f"loopkit.interop.{_format.module}")

FORMATS: list[str | None] = [None, *format_names(reads=True)]


def _seed_corpus() -> None:
    if CORPUS.is_dir() and any(CORPUS.iterdir()):
        return
    CORPUS.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "tests" / "data" / "interop").iterdir():
        if path.is_file() and path.stat().st_size < 8192:
            # first byte 0: auto-detect the format, as `loopkit import` does
            (CORPUS / path.name).write_bytes(b"\x00" + path.read_bytes())


def test_one_input(data: bytes) -> None:
    if not data:
        return
    fmt = FORMATS[data[0] % len(FORMATS)]
    try:
        text = data[1:].decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        import_text(text, "fuzz.in", fmt)
    except (DiagramError, UsageError):
        pass


if __name__ == "__main__":
    _seed_corpus()
    if all(a.startswith("-") for a in sys.argv[1:]):
        sys.argv.append(str(CORPUS))
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
