"""Project settings: ``[tool.loopkit]`` in ``pyproject.toml`` or a ``.loopkit.yaml``.

Found by walking up from the diagram's folder and taking the first
``.loopkit.yaml``/``.loopkit.yml``, or ``pyproject.toml`` that has a
``[tool.loopkit]`` table. The walk stops at the project root, the first
folder holding ``.git`` (a folder or, in a worktree, a file) or a
``pyproject.toml``, and at the home folder: a settings file *above* the
repository (planted in ``/tmp`` or a shared parent folder) could otherwise
switch off every lint rule. Folders anyone may write to (``/tmp``) are never
read. Nothing is cached: an edited settings file counts at once.

Only the ``lint`` section exists today::

    [tool.loopkit.lint]
    disable = ["balancing-loop-without-goal"]
    enable = ["parallel-links"]
    max-label-length = 40
    severity = { verb-name = "error" }

Bad settings are usage errors (exit 2) naming the file and the key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopkit.problems import UsageError

CONFIG_NAMES = (".loopkit.yaml", ".loopkit.yml")
_LINT_KEYS = ("enable", "disable", "max-label-length", "severity")
_SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class LintSettings:
    """What ``lint`` should check; empty means every rule at its default."""

    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    max_label_length: int | None = None
    severity: tuple[tuple[str, str], ...] = ()
    #: The settings file, for messages about rule names (checked by ``analysis.lint``,
    #: which knows the rules: settings are read below the analyses that use them).
    source: str | None = None


@dataclass(frozen=True)
class Settings:
    """All project settings and the file they came from (``None``: defaults)."""

    lint: LintSettings = field(default_factory=LintSettings)
    path: str | None = None


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The settings file that applies to ``start`` (a file or folder), or ``None``."""
    here = Path(start).resolve()
    folder = here if here.is_dir() else here.parent
    return _find_in(folder)


def _find_in(folder: Path) -> Path | None:
    home = _home()
    for candidate in (folder, *folder.parents):
        if not _others_can_write(candidate):
            for name in CONFIG_NAMES:
                path = candidate / name
                if path.is_file():
                    return _inside_project(path, candidate)
            pyproject = candidate / "pyproject.toml"
            if pyproject.is_file() and "loopkit" in _read_toml(
                    _inside_project(pyproject, candidate)).get("tool", {}):
                return pyproject
        if is_project_root(candidate) or candidate == home:
            return None
    return None


def _inside_project(path: Path, folder: Path) -> Path:
    """``path``, unless it is a symlink to a file outside its project: a usage error then.

    A pull request can commit ``.loopkit.yaml -> /etc/shadow``; reading it
    would put the first line of that file into an error message.
    """
    if not path.is_symlink():
        return path
    root = next((f for f in (folder, *folder.parents) if is_project_root(f)), folder)
    if not path.resolve().is_relative_to(root.resolve()):
        from loopkit.text import one_line

        raise UsageError(f"{one_line(str(path))}: is a symlink to a file outside the project; "
                         "not reading it as settings")
    return path


def is_project_root(folder: Path) -> bool:
    """A repository (``.git`` folder or worktree file) or a Python project starts here."""
    return (folder / ".git").exists() or (folder / "pyproject.toml").is_file()


def _others_can_write(folder: Path) -> bool:
    """World-writable (``/tmp``, ``/dev/shm``): anyone could have put a settings file there."""
    import stat

    try:
        return bool(folder.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return True


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError):
        return None


def settings_for(diagram_path: str | os.PathLike[str]) -> Settings:
    """Settings for a diagram file: from the nearest settings file, else defaults."""
    path = find_config(diagram_path)
    return load_settings(path) if path is not None else Settings()


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read one settings file (``.loopkit.yaml`` or ``pyproject.toml``)."""
    path = Path(path)
    if path.name == "pyproject.toml":
        data = _read_toml(path).get("tool", {}).get("loopkit", {})
    else:
        data = _read_yaml(path)
    return _settings(data, str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    """A ``pyproject.toml``, read with the diagram reader's size limit."""
    import tomllib

    from loopkit.problems import DiagramError
    from loopkit.read.load import read_text

    try:
        text = read_text(path)
        return tomllib.loads(text)
    except DiagramError as error:  # too large, binary, not UTF-8
        raise UsageError(str(error.problems[0])) from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    except ValueError:  # int() refuses more than 4,300 digits (sys.get_int_max_str_digits)
        import re

        long = re.search(r"[0-9_]{4301,}", text)
        line = text.count("\n", 0, long.start()) + 1 if long else 1
        raise UsageError(f"{path}:{line}: a number with more than 4,300 digits; "
                         "no loopkit setting needs one") from None
    except RecursionError:
        raise UsageError(f"{path}: not valid TOML: nested too deeply") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    """A ``.loopkit.yaml``, read like a diagram: size and nesting limits, located errors."""
    from loopkit.problems import DiagramError
    from loopkit.read.load import load_yaml_data

    try:
        data = load_yaml_data(path)
    except DiagramError as error:
        raise UsageError(str(error.problems[0])) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: settings must be a mapping such as 'lint: {{...}}'")
    return data


def _settings(data: Any, source: str) -> Settings:
    from loopkit.text import suggest

    if not isinstance(data, dict):
        raise UsageError(f"{source}: loopkit settings must be a table/mapping")
    for key in data:
        if key != "lint":
            raise UsageError(f"{source}: unknown setting {quoted(key)}"
                             f"{suggest(str(key), ['lint'])}")
    lint = data.get("lint") or {}
    if not isinstance(lint, dict):
        raise UsageError(f"{source}: 'lint' must be a table/mapping")
    for key in lint:
        if key not in _LINT_KEYS:
            hint = suggest(str(key), list(_LINT_KEYS)) or f" (allowed: {', '.join(_LINT_KEYS)})"
            raise UsageError(f"{source}: unknown lint setting {quoted(key)}{hint}")
    return Settings(LintSettings(
        enable=frozenset(_names(lint.get("enable", []), "enable", source)),
        disable=frozenset(_names(lint.get("disable", []), "disable", source)),
        max_label_length=_length(lint.get("max-label-length"), source),
        severity=_severity(lint.get("severity", {}), source),
        source=source,
    ), source)


def _names(value: Any, key: str, source: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{source}: lint '{key}' must be a list of rule names")
    return value


def _length(value: Any, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{source}: lint 'max-label-length' must be a whole number above 0, "
                         f"got {quoted(value)}")
    return value


def _severity(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise UsageError(f"{source}: lint 'severity' must map rule names to info/warning/error")
    out = []
    for name, word in value.items():
        if not isinstance(name, str):
            raise UsageError(f"{source}: lint 'severity': unknown rule {quoted(name)}")
        if word not in _SEVERITIES:
            raise UsageError(f"{source}: lint 'severity' of '{name}' must be info, warning "
                             f"or error, got {quoted(word)}")
        out.append((str(name), str(word)))
    return tuple(sorted(out))


#: What a settings key or value can plausibly be; anything else is not shown in a message.
_PLAUSIBLE = re.compile(r"-?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def quoted(value: Any) -> str:
    """``'value'`` for a message, if it looks like a name or number a person typed.

    Settings errors must not become a way to read other files: text that is
    no plausible key, rule name or number is described, never quoted.
    """
    text = str(value)
    if isinstance(value, (str, int, float)) and _PLAUSIBLE.fullmatch(text):
        return f"'{text}'"
    return f"(a {type(value).__name__} that is not a setting name; not shown)"
