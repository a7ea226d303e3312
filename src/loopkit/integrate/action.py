"""The GitHub Action's script: check the changed diagrams, summarise their loop diffs.

``action.yml`` at the repository root runs ``python -m loopkit.integrate.action``. It is
a thin driver over the ``loopkit`` command, run as a user would run it, so the
annotations and the job summary are exactly what ``check --format github``
and ``diff --format markdown`` print. Inputs arrive as environment variables
(``INPUT_PATHS``, ``INPUT_STRICT``, ``INPUT_FAIL_ON_NEW_LOOPS``), never
interpolated into a shell, and every file name from git is passed after
``--`` or as a ``REV:path`` that git never reads as an option.

Exit codes: 0 all well, 1 a diagram has problems (or a new loop appeared
with ``fail-on-new-loops``), 2 the action itself was misused (no git, bad
event).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loopkit.text import markdown_text, one_line

#: Seconds any one git or loopkit call may take before the action gives up on it.
CALL_TIMEOUT = 300
#: Changed diagrams summarised at most; more are checked but only counted in the summary.
MAX_SUMMARISED = 50
#: Name of the artifact action.yml uploads the before/after pictures as.
PICTURES_ARTIFACT = "loopkit-pictures"
#: Bytes of one diff's Markdown kept in the job summary (GitHub caps a step summary at 1 MiB).
MAX_DIFF_BYTES = 60_000
_DIAGRAM_SUFFIXES = (".yaml", ".yml")


class ActionError(Exception):
    """The action was set up wrongly (no git, unreadable event): exit 2 with one line."""


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, read from the INPUT_* variables GitHub sets."""

    paths: tuple[str, ...] = (".",)
    strict: bool = False
    fail_on_new_loops: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        raw = env.get("INPUT_PATHS", ".")
        paths = tuple(p.strip() for p in raw.replace(",", "\n").splitlines() if p.strip())
        return cls(paths=paths or (".",), strict=_flag(env, "INPUT_STRICT"),
                   fail_on_new_loops=_flag(env, "INPUT_FAIL_ON_NEW_LOOPS"))


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "false").strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off", ""):
        return False
    raise ActionError(f"{name.removeprefix('INPUT_').lower().replace('_', '-')}: "
                      f"expected true or false, got {one_line(value)!r}")


@dataclass
class Outcome:
    """What the run found: the exit code and the job summary's Markdown."""

    exit_code: int = 0
    summary: list[str] = field(default_factory=list)


def _run(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(args), cwd=cwd, env=dict(env) if env is not None else None,
                              capture_output=True, text=True, timeout=CALL_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError as exc:
        raise ActionError(f"{args[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise ActionError(f"{args[0]} took longer than {CALL_TIMEOUT} s") from exc


def _git(args: Sequence[str], cwd: Path) -> str:
    done = _run(["git", *args], cwd)
    if done.returncode != 0:
        raise ActionError(f"git {args[0]} failed: {one_line(done.stderr.strip())}")
    return done.stdout


def _revisions(env: Mapping[str, str], cwd: Path) -> tuple[str | None, str]:
    """The base and head commits to compare: the pull request's, else the push's."""
    event: dict[str, object] = {}
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ActionError(f"cannot read the event file: {exc}") from exc
    pull = event.get("pull_request")
    if isinstance(pull, dict):
        base = pull.get("base", {}).get("sha") if isinstance(pull.get("base"), dict) else None
        head = pull.get("head", {}).get("sha") if isinstance(pull.get("head"), dict) else None
        if isinstance(base, str) and isinstance(head, str):
            return _commit(base, cwd), _commit(head, cwd)
    before = event.get("before")
    head = _commit("HEAD", cwd)
    if isinstance(before, str) and before.strip("0"):
        return _commit(before, cwd), head
    return None, head


def _commit(rev: str, cwd: Path) -> str:
    """A full commit id for REV; event data is untrusted, so only hex ids or HEAD pass."""
    if rev != "HEAD" and not (7 <= len(rev) <= 64 and all(c in "0123456789abcdef" for c in rev)):
        raise ActionError(f"not a commit id: {one_line(rev)!r}")
    try:
        return _git(["rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}"],
                    cwd).strip()
    except ActionError as exc:
        raise ActionError(f"commit {rev} is not in this clone (check out with "
                          "'fetch-depth: 0' so the base branch is there)") from exc


def _is_diagram(path: Path) -> bool:
    """A YAML file with a top-level ``variables:`` key (workflow files and configs are not)."""
    if path.suffix.lower() not in _DIAGRAM_SUFFIXES or not path.is_file():
        return False
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(256_000)
    except OSError:
        return False
    return any(line.startswith("variables:") for line in head.splitlines())


def changed_diagrams(base: str | None, head: str, paths: Sequence[str], cwd: Path,
                     ) -> tuple[list[str], set[str]]:
    """Diagrams under PATHS changed between BASE and HEAD, and which of them are new.

    Without a base (a first push), every diagram under PATHS counts as changed.
    """
    if base is None:
        names = _git(["ls-files", "-z", "--", *paths], cwd).split("\0")
        added = set(names)
    else:
        out = _git(["diff", "--name-status", "-z", "--no-renames", "--diff-filter=AM",
                    f"{base}...{head}", "--", *paths], cwd).split("\0")
        pairs = list(zip(out[0::2], out[1::2], strict=False))
        names = [name for status, name in pairs if name]
        added = {name for status, name in pairs if status == "A"}
    diagrams = sorted(n for n in names if n and _is_diagram(cwd / n))
    return diagrams, added & set(diagrams)


def run(env: Mapping[str, str], cwd: Path, loopkit: Sequence[str] | None = None,
        out: object = None) -> Outcome:
    """Check and summarise; annotations go to OUT (the log), the summary is returned."""
    stream = out if out is not None else sys.stdout
    command = list(loopkit or [sys.executable, "-m", "loopkit"])
    inputs = Inputs.from_env(env)
    base, head = _revisions(env, cwd)
    diagrams, added = changed_diagrams(base, head, inputs.paths, cwd)
    pictures = Path(env["INPUT_PICTURES_DIR"]) if env.get("INPUT_PICTURES_DIR") else None
    outcome = Outcome()
    outcome.summary.append("## loopkit")
    if not diagrams:
        outcome.summary.append("No changed diagrams.")
        return outcome
    child_env = {**os.environ, **env, "NO_COLOR": "1"}
    check = _run([*command, "check", "--format", "github",
                  *(["--strict"] if inputs.strict else []), "--", *diagrams], cwd, child_env)
    print(check.stdout, end="", file=stream)  # type: ignore[call-overload]
    if check.returncode not in (0, 1):
        raise ActionError(f"loopkit check failed: {one_line(check.stderr.strip())[:500]}")
    if check.returncode == 1:
        outcome.exit_code = 1
    verdict = "problems found (see the annotations)" if check.returncode else "all checks passed"
    outcome.summary.append(f"{len(diagrams)} changed diagram(s): {verdict}.")
    for name in diagrams[:MAX_SUMMARISED]:
        outcome.summary.append(f"\n### {markdown_text(one_line(name))}\n")
        if name in added or base is None:
            outcome.summary.append("New diagram.\n")
            listing = _run([*command, "loops", "--format", "markdown", "--", name], cwd,
                           child_env)
            outcome.summary.append(_bounded(listing.stdout))
            continue
        diff_args = [*command, "diff", "--format", "markdown",
                     *(["--fail-on-new-loop"] if inputs.fail_on_new_loops else []),
                     "--", f"{base}:{name}", name]
        diff = _run(diff_args, cwd, child_env)
        if diff.returncode not in (0, 1):
            outcome.summary.append(f"(diff failed: {markdown_text(one_line(diff.stderr))[:300]})")
            continue
        outcome.summary.append(_bounded(diff.stdout) or "No loop changes.")
        if diff.returncode == 1 and inputs.fail_on_new_loops:
            outcome.exit_code = 1
            outcome.summary.append("\n**A new loop appeared** (fail-on-new-loops is set).")
        if pictures is not None:
            drawn = _pictures(command, base, name, cwd, pictures, child_env)
            if drawn:
                outcome.summary.append(f"\nBefore/after pictures: {drawn} in the "
                                       f"`{PICTURES_ARTIFACT}` artifact.")
    if len(diagrams) > MAX_SUMMARISED:
        outcome.summary.append(f"\n{len(diagrams) - MAX_SUMMARISED} more changed diagram(s) "
                               "were checked but are not summarised here.")
    return outcome


def _pictures(command: Sequence[str], base: str, name: str, cwd: Path, folder: Path,
              env: Mapping[str, str]) -> str:
    """Draw NAME as it was at BASE and as it is now into FOLDER; the files' names, or ''."""
    import hashlib
    import tempfile

    stem = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    old = _run(["git", "cat-file", "blob", f"{base}:{name}"], cwd)
    if old.returncode != 0:
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        old_file = Path(tmp) / f"before{Path(name).suffix}"
        old_file.write_text(old.stdout, encoding="utf-8")
        made = []
        for label, source in (("before", str(old_file)), ("after", name)):
            target = folder / f"{stem}-{label}.svg"
            done = _run([*command, "render", "-o", str(target), "--", source], cwd, env)
            if done.returncode == 0:
                made.append(target.name)
    (folder / f"{stem}.txt").write_text(one_line(name) + "\n", encoding="utf-8")
    return " and ".join(f"`{m}`" for m in made)


def _bounded(markdown: str) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= MAX_DIFF_BYTES:
        return markdown
    cut = data[:MAX_DIFF_BYTES].decode("utf-8", errors="ignore")
    return cut[: cut.rfind("\n") + 1] + "\n(cut short: the rest is in `loopkit diff` locally)\n"


def main() -> int:
    """Entry point for ``python -m loopkit.integrate.action``."""
    env = dict(os.environ)
    cwd = Path(env.get("GITHUB_WORKSPACE") or ".")
    try:
        outcome = run(env, cwd)
    except ActionError as exc:
        print(f"loopkit action: error: {exc}", file=sys.stderr)
        return 2
    summary_path = env.get("GITHUB_STEP_SUMMARY")
    text = "\n".join(outcome.summary) + "\n"
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
