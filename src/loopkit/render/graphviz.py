"""Running Graphviz as a subprocess: which program, with which flags, for how long.

loopkit renders with the pip-installed ``graphviz-pure`` by default (same
bytes on every machine, no system packages) and with a system ``dot`` on
request (``--renderer system`` or ``LOOPKIT_RENDERER=system``), e.g. for
PDF. The Python ``graphviz`` package cannot be used to run it: its
``pipe()`` takes no timeout and it hard-codes the name ``dot``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from loopkit.problems import UsageError

#: Environment variable choosing the renderer (``pure`` or ``system``).
RENDERER_ENV = "LOOPKIT_RENDERER"
#: Environment variable naming an explicit renderer executable (for unusual installs).
RENDERER_PATH_ENV = "LOOPKIT_RENDERER_PATH"
RENDERERS = ("pure", "system")
ENGINES = ("neato", "dot", "circo", "fdp")
#: Engines loopkit runs itself: the user's, and ``sfdp`` for the start of big maps'
#: straight-line layouts (``loopkit.render.untangle``).
LAYOUT_ENGINES = (*ENGINES, "sfdp")
#: Output formats each renderer can write.
FORMATS = {"pure": ("svg", "png", "json"), "system": ("svg", "png", "json", "pdf")}

_HOW_TO_GET = {
    "pure": "install it with: pip install graphviz-pure (or use --renderer system)",
    "system": "install Graphviz (e.g. apt install graphviz, brew install graphviz) "
              "or use the default --renderer pure",
}


class RenderError(UsageError):
    """The renderer is missing, failed or ran out of time: an environment problem (exit 2)."""


class RenderTimeout(RenderError):
    """The renderer did not finish within its time budget."""


@dataclass(frozen=True)
class Renderer:
    """A Graphviz program loopkit can run."""

    kind: str
    executable: str

    def supports(self, fmt: str) -> bool:
        return fmt in FORMATS[self.kind]

    def require(self, fmt: str) -> None:
        """Raise the one-line "cannot write" error before any work is done."""
        if not self.supports(fmt):
            raise RenderError(f"the {self.kind} renderer cannot write {fmt}; "
                              + ("use --renderer system (needs Graphviz installed)"
                                 if self.kind == "pure" else
                                 f"use one of {', '.join(FORMATS[self.kind])}"))

    def run(
        self, source: str, fmt: str, *, engine: str = "neato", pinned: bool = False,
        timeout: float = 10.0, dpi: int | None = None,
    ) -> bytes:
        """Lay out (or, when ``pinned``, only draw) ``source``; return the output bytes.

        ``pinned`` runs ``neato -n2``: every node and edge position is taken
        from the DOT as given, which is how the second rendering pass keeps
        the first pass's layout.
        """
        if engine not in LAYOUT_ENGINES:
            raise ValueError(f"unknown layout engine {engine!r}")
        self.require(fmt)
        args = [self.executable, "-q", f"-T{fmt}", "-Kneato" if pinned else f"-K{engine}"]
        if pinned:
            args.append("-n2")
        if dpi is not None:
            args.append(f"-Gdpi={int(dpi)}")
        try:
            done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise RenderTimeout(f"{self.kind} renderer ({Path(self.executable).name}) took "
                                f"longer than {timeout:g} s") from None
        except OSError as error:
            raise RenderError(f"cannot run {self.executable}: {error.strerror or error}; "
                              f"{_HOW_TO_GET[self.kind]}") from None
        if done.returncode != 0 or not done.stdout:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit status {done.returncode}"
            raise RenderError(f"{self.kind} renderer failed: {reason}")
        return done.stdout


def choose_renderer(kind: str | None = None) -> Renderer:
    """The renderer to use: ``kind``, else ``$LOOPKIT_RENDERER``, else graphviz-pure.

    Raises ``RenderError`` with one line on how to install it when missing.
    """
    kind = (kind or os.environ.get(RENDERER_ENV) or "pure").strip().lower()
    if kind not in RENDERERS:
        raise RenderError(f"unknown renderer {kind!r} (from --renderer or ${RENDERER_ENV}); "
                          "use 'pure' or 'system'")
    explicit = os.environ.get(RENDERER_PATH_ENV)
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise RenderError(f"${RENDERER_PATH_ENV}={explicit} is not an executable file")
        return Renderer(kind, explicit)
    found = _find_pure() if kind == "pure" else shutil.which("dot")
    if found is None:
        name = "graphviz-pure" if kind == "pure" else "Graphviz 'dot'"
        raise RenderError(f"no renderer: {name} not found; {_HOW_TO_GET[kind]}")
    return Renderer(kind, found)


def _find_pure() -> str | None:
    """graphviz-pure installs a command next to this Python (the venv's bin) or on PATH."""
    names = ("graphviz-pure.exe", "graphviz-pure") if os.name == "nt" else ("graphviz-pure",)
    for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin",
                   Path(sys.prefix) / "Scripts"):
        for name in names:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("graphviz-pure")

