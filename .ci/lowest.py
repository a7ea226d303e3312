"""Print pip constraints pinning every direct dependency to the lowest version pyproject allows.

Why: `pip install` picks the newest release, so a lower bound that no longer
works (an API loopkit uses came later, no wheel for this Python) would go
unnoticed until a user with an older package hits it. CI installs with these
constraints in a second fresh environment and runs the suite. Transitive
dependencies stay free (newest), as a user's would be: "lowest-direct".

    python .ci/lowest.py [pyproject.toml] > lowest.txt
    pip install -c lowest.txt '.[test]'
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def lowest(requirement: str) -> str | None:
    """``name==X`` for a requirement with a ``>=X`` or ``==X`` bound, else None."""
    match = _REQUIREMENT.match(requirement.split(";")[0])
    if not match:
        raise SystemExit(f"cannot read requirement {requirement!r}")
    name, specifiers = match.groups()
    for spec in (s.strip() for s in specifiers.split(",") if s.strip()):
        if spec.startswith((">=", "==")) and "*" not in spec:
            return f"{name}=={spec[2:].strip()}"
    return None


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins = [pin for pin in map(lowest, requirements) if pin]
    missing = [r for r in requirements if lowest(r) is None]
    if missing:
        raise SystemExit(f"no lower bound to test for: {', '.join(missing)}")
    print("\n".join(pins))


if __name__ == "__main__":
    main()
