"""Safe output: atomic writes that never touch an input file.

A render that fails or is killed half-way must leave the previous output
intact, and two processes writing the same file must leave one complete
file: so every output is written to a temporary file in the same folder and
renamed over the target.

Output paths come from users but may sit in a checked-out pull request, so a
symlink at the output path is replaced, never followed: ``docs/map.svg ->
~/.bashrc`` must not let a render write outside what the user named. Only
devices and pipes the user names directly (``/dev/null``, a FIFO) and the
process's own streams (``/dev/stdout``, ``/dev/fd/N``) are written in place,
since they cannot be renamed over. Everything else under ``/dev`` is an
ordinary path: ``/dev/shm`` is a world-writable folder like ``/tmp``, so a
link planted there is replaced (or, in a sticky folder, refused), never
followed.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loopkit.problems import UsageError


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when both paths name one existing file (links and ``..`` resolved)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    exclusive: bool = False,
) -> None:
    """Write ``data`` to ``path`` via a temp file + rename; refuse to overwrite an input.

    ``exclusive`` never replaces an existing file (``loopkit init``): the temp
    file is hard-linked into place, which fails if the name exists.
    """
    target = Path(path)
    check_name_length(target)
    if exclusive and (target.exists() or target.is_symlink()):
        raise UsageError(f"{_show(target)}: already exists; not overwriting it")
    for source in inputs:
        if same_file(target, source):
            raise UsageError(f"{_show(target)}: refusing to write over the input file")
    if target.is_dir():
        raise UsageError(f"{_show(target)}: is a directory")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if _is_stream(target):
        _write_stream(target, payload)
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{_show(target)}: folder {_show(folder)} does not exist")
    held = _hold_signals()  # a SIGTERM between creating and owning the temp file left it
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{_cut(target.name, _TEMP_NAME_BYTES)}.",
                                        suffix=".tmp", dir=folder)
    except OSError as error:
        _release_signals(held)
        raise UsageError(f"{_show(target)}: cannot write: {error.strerror or error}") from None
    try:
        _release_signals(held)  # a held SIGTERM arrives here, where the clean-up below runs
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        mode = 0o666 & ~_umask()
        if target.is_file() and not target.is_symlink():
            mode = target.stat().st_mode & 0o777
        os.chmod(tmp_name, mode)
        if exclusive:
            _link_new(tmp_name, target, payload)
        else:
            os.replace(tmp_name, target)
    except OSError as error:
        _remove(tmp_name)
        raise UsageError(f"{_show(target)}: cannot write: {error.strerror or error}") from None
    except BaseException:
        _remove(tmp_name)
        raise


#: Longest file name (bytes) on Linux, macOS and Windows file systems, and the longest
#: path Linux accepts; over them ``Path.exists()`` itself raises ENAMETOOLONG.
NAME_MAX = 255
PATH_MAX = 4096
#: Bytes of the output name kept in its temp file's name (``.NAME.random.tmp`` must
#: itself fit in NAME_MAX).
_TEMP_NAME_BYTES = 200


def check_name_length(target: Path) -> None:
    """A one-line usage error for a name the OS would refuse (was an internal error)."""
    shown = _show(target)
    shown = shown if len(shown) <= 100 else f"{shown[:60]}...{shown[-30:]}"
    if len(os.fsencode(target)) >= PATH_MAX:
        raise UsageError(f"{shown}: path is longer than {PATH_MAX - 1:,} bytes")
    if any(len(os.fsencode(part)) > NAME_MAX for part in target.parts):
        raise UsageError(f"{shown}: file or folder name is longer than {NAME_MAX} bytes")


def _cut(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return os.fsencode(name)[:limit].decode("utf-8", "ignore")


def _hold_signals() -> Any:
    """Hold SIGTERM and SIGINT back; ``_release_signals`` lets them arrive.

    ``exit_cleanly_on_sigterm`` turns SIGTERM into an exception, which can
    fire between any two bytecodes: inside ``mkstemp`` after the file exists
    but before its name is returned, nothing could remove it. Returns the
    previous mask (``None`` where there are no POSIX signal masks).
    """
    import signal

    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    except (AttributeError, OSError, ValueError):
        return None


def _release_signals(previous: Any) -> None:
    if previous is not None:
        import signal

        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _link_new(tmp_name: str, target: Path, payload: bytes) -> None:
    try:
        os.link(tmp_name, target)
    except FileExistsError:
        raise UsageError(f"{_show(target)}: already exists; not overwriting it") from None
    except OSError:  # no hard links on this file system: exclusive create instead
        try:
            with open(target, "xb") as handle:
                handle.write(payload)
        except FileExistsError:
            raise UsageError(f"{_show(target)}: already exists; not overwriting it") from None
    _remove(tmp_name)


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (a cancelled CI job, ``timeout``) into ``SystemExit(143)``.

    Python's default is to die on the spot, which skips the clean-up in
    ``atomic_write`` and leaves a temp file beside the output; as an exception
    it unwinds like Ctrl-C (the previous output is intact either way).
    """
    import signal
    import sys

    def stop(signum: int, frame: object) -> None:
        sys.exit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # not the main thread, or no SIGTERM on this platform
        pass


#: The process's own streams: links that must be followed (renaming over
#: ``/dev/stdout`` would replace the link, not write to the redirected file).
_OWN_STREAM = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|thread-self|\d+)/fd/\d+")


def _is_stream(target: Path) -> bool:
    """A device or pipe named by the user (``/dev/null``, ``/dev/stdout``, a FIFO).

    Only a character device or FIFO at the path itself, or one of the
    process's own stream links, is written in place. Any other symlink, under
    ``/dev/shm`` as anywhere else, is replaced like a file, never written
    through.
    """
    try:
        info = target.lstat()
        if stat.S_ISLNK(info.st_mode):
            if not _OWN_STREAM.fullmatch(os.path.normpath(target.absolute())):
                return False
            info = target.stat()
            if stat.S_ISREG(info.st_mode):  # 'loopkit ... -o /dev/stdout > file'
                return True
    except OSError:
        return False
    if stat.S_ISBLK(info.st_mode) or stat.S_ISSOCK(info.st_mode):
        raise UsageError(f"{_show(target)}: is a block device or socket; not writing to it")
    return stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)


def _write_stream(target: Path, payload: bytes) -> None:
    try:
        with open(target, "wb") as handle:
            handle.write(payload)
    except OSError as error:
        raise UsageError(f"{_show(target)}: cannot write: {error.strerror or error}") from None


def _show(path: Path) -> str:
    """A path inside a one-line message (a newline in a file name stays visible)."""
    from loopkit.text import one_line

    return one_line(str(path))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass
