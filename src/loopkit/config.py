"""Project settings: ``[tool.loopkit]`` in ``pyproject.toml`` or a ``.loopkit.yaml``.

Found the way ruff finds its settings: walk up from the diagram's folder and
take the first ``.loopkit.yaml``/``.loopkit.yml``, or ``pyproject.toml`` that
has a ``[tool.loopkit]`` table. A ``pyproject.toml`` without that table is
passed over, so a diagram folder inside some other Python project still finds
the settings further up. Nothing is cached: an edited settings file counts at once.

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
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            path = candidate / name
            if path.is_file():
                return path
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "loopkit" in _read_toml(pyproject).get("tool", {}):
            return pyproject
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

    from loopkit.loader import read_text
    from loopkit.problems import DiagramError

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
    from loopkit.loader import load_yaml_data
    from loopkit.problems import DiagramError

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
    from loopkit.loader import suggest

    if not isinstance(data, dict):
        raise UsageError(f"{source}: loopkit settings must be a table/mapping")
    for key in data:
        if key != "lint":
            raise UsageError(f"{source}: unknown setting '{key}'{suggest(str(key), ['lint'])}")
    lint = data.get("lint") or {}
    if not isinstance(lint, dict):
        raise UsageError(f"{source}: 'lint' must be a table/mapping")
    for key in lint:
        if key not in _LINT_KEYS:
            hint = suggest(str(key), list(_LINT_KEYS)) or f" (allowed: {', '.join(_LINT_KEYS)})"
            raise UsageError(f"{source}: unknown lint setting '{key}'{hint}")
    return Settings(LintSettings(
        enable=frozenset(_names(lint.get("enable", []), "enable", source)),
        disable=frozenset(_names(lint.get("disable", []), "disable", source)),
        max_label_length=_length(lint.get("max-label-length"), source),
        severity=_severity(lint.get("severity", {}), source),
    ), source)


def _names(value: Any, key: str, source: str) -> list[str]:
    from loopkit.analysis.lint import RULES
    from loopkit.loader import suggest

    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{source}: lint '{key}' must be a list of rule names")
    for name in value:
        if name not in RULES and name != "all":
            raise UsageError(f"{source}: lint '{key}': unknown rule '{name}'"
                             f"{suggest(name, list(RULES))}")
    return value


def _length(value: Any, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{source}: lint 'max-label-length' must be a whole number above 0, "
                         f"got {value!r}")
    return value


def _severity(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    from loopkit.analysis.lint import RULES
    from loopkit.loader import suggest

    if not isinstance(value, dict):
        raise UsageError(f"{source}: lint 'severity' must map rule names to info/warning/error")
    out = []
    for name, word in value.items():
        if name not in RULES:
            raise UsageError(f"{source}: lint 'severity': unknown rule '{name}'"
                             f"{suggest(str(name), list(RULES))}")
        if word not in _SEVERITIES:
            raise UsageError(f"{source}: lint 'severity' of '{name}' must be info, warning "
                             f"or error, got {word!r}")
        out.append((str(name), str(word)))
    return tuple(sorted(out))
