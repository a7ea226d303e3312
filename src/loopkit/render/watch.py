"""Re-render on save: a small loop over ``watchfiles`` that a test can stop.

Editors often save by writing a new file and renaming it over the old one,
which silently ends a watch on the file itself; so the folders are watched
and changes are filtered down to the diagram files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path


def watch_files(
    paths: Iterable[str],
    on_change: Callable[[list[str]], None],
    *,
    stop: threading.Event,
    debounce_ms: int = 150,
    ready: threading.Event | None = None,
) -> int:
    """Call ``on_change`` with the changed paths (as given) after each save, until ``stop``.

    Returns how many change batches were handled. ``ready`` is set once the
    watcher is running, so a caller (or a test) knows a save will be seen.
    """
    from watchfiles import watch

    wanted: dict[str, str] = {}
    for path in paths:
        wanted[os.path.realpath(path)] = path
    folders = sorted({str(Path(p).parent) for p in wanted})

    def interesting(_change: object, changed: str) -> bool:
        return os.path.realpath(changed) in wanted

    batches = 0
    # yield_on_timeout: an empty batch every rust_timeout ms proves the watcher is running.
    for changes in watch(*folders, watch_filter=interesting, stop_event=stop,
                         debounce=debounce_ms, step=50, rust_timeout=200,
                         yield_on_timeout=True, raise_interrupt=False):
        if ready is not None and not ready.is_set():
            ready.set()
        changed = sorted({wanted[os.path.realpath(p)] for _, p in changes
                          if os.path.realpath(p) in wanted and os.path.exists(p)})
        if changed:
            batches += 1
            on_change(changed)
        if stop.is_set():
            break
    return batches
