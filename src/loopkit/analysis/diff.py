"""What changed between two versions of a diagram, down to the feedback loops.

Variables are matched by id, links by (cause, effect). Loops are matched by
the cycle they trace (rotation does not matter, and neither do their ids,
which may shift between versions), so a diff can say which loops a change
created, which it broke and which flipped between reinforcing and balancing.

The old version may come from git (``REV:path``, read with ``git show`` in a
subprocess with a timeout), which is what makes ``loopkit diff`` useful as a
pull-request check.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from loopkit.analysis.loops import DEFAULT_LIMIT, DEFAULT_MAX_LENGTH, Loop, analyse_loops
from loopkit.model import Diagram, Link, Variable
from loopkit.problems import UsageError

GIT_TIMEOUT = 10.0
DEFAULT_TIME_BUDGET = 5.0
ARROW = "\u2192"

_VARIABLE_FIELDS = ("label", "group", "description")
_LINK_FIELDS = ("polarity", "delay", "description", "evidence", "confidence")


def load_version(spec: str, *, cwd: str | os.PathLike[str] | None = None,
                 timeout: float = GIT_TIMEOUT) -> Diagram:
    """A diagram from a file path, or from git when ``spec`` is ``REV:path``.

    A path that exists is always read as a file (so ``C:...`` style names and
    files with colons still work). Git trouble is a ``UsageError`` (exit 2).
    """
    from loopkit.read.load import load_diagram, parse_diagram

    base = Path(cwd) if cwd is not None else Path.cwd()
    if ":" not in spec or _is_file_name(base / spec):
        return load_diagram(base / spec if cwd is not None else spec)
    revision, _, path = spec.partition(":")
    if not revision or not path:
        raise UsageError(f"{_spec(spec)}: write a git version as REV:path, "
                         "e.g. HEAD~1:diagram.yaml")
    return parse_diagram(git_show(spec, cwd=base, timeout=timeout), spec)


def _is_file_name(path: Path) -> bool:
    """Whether ``path`` exists; a name the OS refuses (too long) is not a file."""
    try:
        return path.exists()
    except OSError:
        return False


def git_show(spec: str, *, cwd: Path, timeout: float = GIT_TIMEOUT) -> str:
    """Text of the file ``REV:path`` in git; any failure is one clear usage error.

    The spec reaches git only as a revision, never as an option: a spec
    starting with ``-`` is refused, it follows ``--end-of-options`` where git
    understands that, and it is first resolved to an object id by
    ``git rev-parse --verify`` (``git show --output=x:y`` would write a file).
    The blob is then read by id with ``git cat-file`` (no filters, no pager)
    after its size is checked against the file-size limit.
    """
    from loopkit.limits import FLAGS, active_limits
    from loopkit.problems import DiagramError, Problem

    shown = _spec(spec)
    if spec.startswith("-"):
        raise UsageError(f"{shown}: a git version cannot start with '-'; "
                         "write it as REV:path, e.g. HEAD~1:diagram.yaml")
    oid = _resolve(spec, shown, cwd, timeout)
    kind, _, size = _git(["cat-file", "--batch-check"], shown, cwd, timeout,
                         stdin=oid + "\n").decode("ascii", "replace").strip().partition(" ")[2] \
        .partition(" ")
    if kind != "blob":
        raise UsageError(f"{shown}: is a {kind or 'missing object'} in git, not a file")
    max_bytes = active_limits().file_size
    if not size.isdigit() or int(size) > max_bytes:
        raise DiagramError([Problem(spec, 1, 1, f"file is larger than {max_bytes:,} bytes; "
                                    "diagrams are small text files (raise the limit with "
                                    f"{FLAGS['file_size']})", "file-too-large")])
    raw = _git(["cat-file", "blob", oid], shown, cwd, timeout, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{shown}: that version is not UTF-8 text") from None


#: ``rev-parse`` understands ``--end-of-options`` from git 2.30 (older ones would
#: read it as a revision); a spec never starts with ``-`` either way.
_END_OF_OPTIONS_SINCE = (2, 30)
_OID = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def _resolve(spec: str, shown: str, cwd: Path, timeout: float) -> str:
    """The object id ``spec`` names, or a usage error saying which half is wrong."""
    end = ["--end-of-options"] if _git_version() >= _END_OF_OPTIONS_SINCE else []
    try:
        out = _git(["rev-parse", "--verify", "--quiet", *end, spec], shown, cwd, timeout)
    except UsageError:
        revision, _, path = spec.partition(":")
        try:
            _git(["rev-parse", "--verify", "--quiet", *end, revision], shown, cwd, timeout)
        except UsageError:
            raise UsageError(f"{shown}: git has no version '{_spec(revision)}' here") from None
        raise UsageError(f"{shown}: there is no file '{_spec(path)}' in "
                         f"'{_spec(revision)}'") from None
    oid = out.decode("ascii", "replace").strip()
    if not _OID.match(oid):
        raise UsageError(f"{shown}: git rev-parse gave no object id")
    return oid


@functools.lru_cache(maxsize=1)
def _git_version() -> tuple[int, ...]:
    """``(2, 39)`` from ``git version 2.39.5``; ``()`` when it cannot be read."""
    try:
        text = _git(["version"], "git", None, GIT_TIMEOUT).decode("ascii", "replace")
    except UsageError:
        return ()
    match = re.search(r"(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2])) if match else ()


def _git(args: list[str], shown: str, cwd: Path | None, timeout: float, *, stdin: str | None = None,
         max_bytes: int | None = None) -> bytes:
    """stdout of ``git ARGS`` (never a pager or a prompt); failure is a one-line usage error."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat"}
    try:
        done = subprocess.run(["git", "--no-pager", *args], cwd=cwd, capture_output=True,
                              timeout=timeout, check=False, env=env,
                              input=(stdin or "").encode("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{shown}: cannot read a git version: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"{shown}: git {args[0]} took longer than {timeout:g} s; "
                         "gave up") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit code {done.returncode}"
        raise UsageError(f"{shown}: git {args[0]} failed: "
                         f"{_spec(first.removeprefix('fatal: '))}")
    if max_bytes is not None and len(done.stdout) > max_bytes:
        raise UsageError(f"{shown}: git gave more than {max_bytes:,} bytes")
    return done.stdout


def _spec(text: str) -> str:
    """A spec or git message inside a one-line error: controls visible, long text cut."""
    from loopkit.read.source import _shown

    return _shown(text, 200)


def loop_key(variables: tuple[str, ...]) -> tuple[str, ...]:
    """The cycle as a tuple rotated to start at its smallest id (independent of file order)."""
    if not variables:
        return variables
    k = min(range(len(variables)), key=lambda i: variables[i])
    return variables[k:] + variables[:k]


@dataclass(frozen=True)
class FieldChange:
    """One field of a variable or link, before and after."""

    field: str
    old: object
    new: object

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "old": _plain(self.old), "new": _plain(self.new)}


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else getattr(value, "value", value)


@dataclass
class DiagramDiff:
    """Everything that differs between ``old`` and ``new``."""

    old: Diagram
    new: Diagram
    variables_added: list[Variable] = field(default_factory=list)
    variables_removed: list[Variable] = field(default_factory=list)
    variables_changed: list[tuple[Variable, list[FieldChange]]] = field(default_factory=list)
    links_added: list[Link] = field(default_factory=list)
    links_removed: list[Link] = field(default_factory=list)
    links_changed: list[tuple[Link, list[FieldChange]]] = field(default_factory=list)
    loops_created: list[Loop] = field(default_factory=list)
    loops_broken: list[Loop] = field(default_factory=list)
    loops_retyped: list[tuple[Loop, Loop]] = field(default_factory=list)
    truncated: bool = False
    reason: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.variables_added, self.variables_removed, self.variables_changed,
                        self.links_added, self.links_removed, self.links_changed,
                        self.loops_created, self.loops_broken, self.loops_retyped))

    def counts(self) -> dict[str, int]:
        return {
            "variables_added": len(self.variables_added),
            "variables_removed": len(self.variables_removed),
            "variables_changed": len(self.variables_changed),
            "links_added": len(self.links_added),
            "links_removed": len(self.links_removed),
            "links_changed": len(self.links_changed),
            "loops_created": len(self.loops_created),
            "loops_broken": len(self.loops_broken),
            "loops_changed_type": len(self.loops_retyped),
        }

    def to_dict(self) -> dict[str, object]:
        def var(v: Variable) -> dict[str, object]:
            return {"id": v.id, "label": v.label, "group": v.group}

        def link(lk: Link) -> dict[str, object]:
            return {"from": lk.source, "to": lk.target, "polarity": lk.polarity.value,
                    "delay": lk.delay}

        def loop(lp: Loop) -> dict[str, object]:
            return {"id": lp.id, "name": lp.name, "type": lp.type.value,
                    "variables": list(lp.variables)}

        return {
            "old": self.old.path, "new": self.new.path, "changed": not self.empty,
            "summary": self.counts(),
            "variables": {
                "added": [var(v) for v in self.variables_added],
                "removed": [var(v) for v in self.variables_removed],
                "changed": [{"id": v.id, "changes": [c.to_dict() for c in cs]}
                            for v, cs in self.variables_changed],
            },
            "links": {
                "added": [link(lk) for lk in self.links_added],
                "removed": [link(lk) for lk in self.links_removed],
                "changed": [{"from": lk.source, "to": lk.target,
                             "changes": [c.to_dict() for c in cs]}
                            for lk, cs in self.links_changed],
            },
            "loops": {
                "created": [loop(lp) for lp in self.loops_created],
                "broken": [loop(lp) for lp in self.loops_broken],
                "changed_type": [{"old": loop(a), "new": loop(b)}
                                 for a, b in self.loops_retyped],
            },
            "truncated": self.truncated, "reason": self.reason,
        }


def _field_changes(old: object, new: object, fields: tuple[str, ...]) -> list[FieldChange]:
    return [FieldChange(name, getattr(old, name), getattr(new, name)) for name in fields
            if getattr(old, name) != getattr(new, name)]


def diff_diagrams(
    old: Diagram,
    new: Diagram,
    *,
    max_length: int | None = DEFAULT_MAX_LENGTH,
    limit: int | None = DEFAULT_LIMIT,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
) -> DiagramDiff:
    """Compare two diagrams; loop searches are bounded per version."""
    result = DiagramDiff(old, new)
    old_vars, new_vars = old.by_id, new.by_id
    result.variables_added = [v for v in new.variables if v.id not in old_vars]
    result.variables_removed = [v for v in old.variables if v.id not in new_vars]
    for variable in new.variables:
        before = old_vars.get(variable.id)
        if before is not None:
            changes = _field_changes(before, variable, _VARIABLE_FIELDS)
            if changes:
                result.variables_changed.append((variable, changes))
    old_links, new_links = old.link_map, new.link_map
    result.links_added = [lk for lk in new.links if lk.key not in old_links]
    result.links_removed = [lk for lk in old.links if lk.key not in new_links]
    for link in new.links:
        before = old_links.get(link.key)
        if before is not None:
            changes = _field_changes(before, link, _LINK_FIELDS)
            if changes:
                result.links_changed.append((link, changes))

    bounds = {"max_length": max_length, "limit": limit, "time_budget": time_budget}
    old_analysis = analyse_loops(old, **bounds)  # type: ignore[arg-type]
    new_analysis = analyse_loops(new, **bounds)  # type: ignore[arg-type]
    old_loops = {loop_key(lp.variables): lp for lp in old_analysis.loops}
    new_loops = {loop_key(lp.variables): lp for lp in new_analysis.loops}
    result.loops_created = [lp for key, lp in new_loops.items() if key not in old_loops]
    result.loops_broken = [lp for key, lp in old_loops.items() if key not in new_loops]
    result.loops_retyped = [(old_loops[key], lp) for key, lp in new_loops.items()
                            if key in old_loops and old_loops[key].type is not lp.type]
    reasons = [f"{which}: {a.reason}" for which, a in (("old", old_analysis),
                                                       ("new", new_analysis)) if a.truncated]
    result.truncated = bool(reasons)
    result.reason = "; ".join(reasons) if reasons else None
    return result


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "(none)"
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]" if value else "(none)"
    return repr(str(getattr(value, "value", value)))


def describe_changes(changes: list[FieldChange], arrow: str = "->") -> str:
    """``polarity '+' -> '-'; delay no -> yes``."""
    return "; ".join(f"{c.field} {_show(c.old)} {arrow} {_show(c.new)}" for c in changes)


def _loop_words(loop: Loop) -> str:
    name = f" {loop.name}" if loop.name else ""
    return f"{loop.id}{name} ({loop.type.value}): {loop.chain(arrow='->')}"


def _link_words(link: Link, arrow: str = "->") -> str:
    delay = ", delay" if link.delay else ""
    return f"{link.source} {arrow} {link.target} ({link.polarity.value}{delay})"


def _md_loop(loop: Loop) -> str:
    from loopkit.text import markdown_text

    return markdown_text(loop.id) + (f" {markdown_text(loop.name)}" if loop.name else "")


def render_text(diff: DiagramDiff) -> list[str]:
    """The diff as plain lines (``+`` added, ``-`` removed, ``~`` changed)."""
    lines = [f"{diff.old.path} -> {diff.new.path}"]
    if diff.empty:
        lines.append("no changes to variables, links or loops")
    c = diff.counts()
    if diff.variables_added or diff.variables_removed or diff.variables_changed:
        lines.append(f"Variables: {c['variables_added']} added, {c['variables_removed']} "
                     f"removed, {c['variables_changed']} changed")
        lines += [f"  + {v.id}  {v.label}" for v in diff.variables_added]
        lines += [f"  - {v.id}  {v.label}" for v in diff.variables_removed]
        lines += [f"  ~ {v.id}: {describe_changes(cs)}" for v, cs in diff.variables_changed]
    if diff.links_added or diff.links_removed or diff.links_changed:
        lines.append(f"Links: {c['links_added']} added, {c['links_removed']} removed, "
                     f"{c['links_changed']} changed")
        lines += [f"  + {_link_words(lk)}" for lk in diff.links_added]
        lines += [f"  - {_link_words(lk)}" for lk in diff.links_removed]
        lines += [f"  ~ {lk.source} -> {lk.target}: {describe_changes(cs)}"
                  for lk, cs in diff.links_changed]
    if diff.loops_created or diff.loops_broken or diff.loops_retyped:
        lines.append(f"Loops: {c['loops_created']} created, {c['loops_broken']} broken, "
                     f"{c['loops_changed_type']} changed type")
        lines += [f"  + {_loop_words(lp)}" for lp in diff.loops_created]
        lines += [f"  - {_loop_words(lp)}" for lp in diff.loops_broken]
        lines += [f"  ~ {a.id} -> {b.id}: {a.type.value} -> {b.type.value}: "
                  f"{b.chain(arrow='->')}" for a, b in diff.loops_retyped]
    if diff.truncated:
        lines.append(f"Loop search stopped early ({diff.reason}): loop changes may be "
                     "incomplete.")
    return lines


def render_markdown(diff: DiagramDiff) -> str:
    """The diff as Markdown for a pull-request comment; every user string escaped."""
    from loopkit.text import markdown_text as md

    c = diff.counts()
    out = [f"### Diagram changes: {md(diff.old.path)} \u2192 {md(diff.new.path)}", ""]
    if diff.empty:
        out += ["No changes to variables, links or loops.", ""]
        return "\n".join(out)
    out += ["| | added | removed | changed |", "|---|---:|---:|---:|",
            f"| variables | {c['variables_added']} | {c['variables_removed']} | "
            f"{c['variables_changed']} |",
            f"| links | {c['links_added']} | {c['links_removed']} | {c['links_changed']} |",
            f"| loops | {c['loops_created']} created | {c['loops_broken']} broken | "
            f"{c['loops_changed_type']} changed type |", ""]
    if diff.loops_created or diff.loops_broken or diff.loops_retyped:
        out += ["#### Loops", "", "| change | loop | type | variables |", "|---|---|---|---|"]
        for lp in diff.loops_created:
            out.append(f"| created | {_md_loop(lp)} | {lp.type.value} | "
                       f"{md(lp.chain(arrow=ARROW))} |")
        for lp in diff.loops_broken:
            out.append(f"| broken | {_md_loop(lp)} | {lp.type.value} | "
                       f"{md(lp.chain(arrow=ARROW))} |")
        for a, b in diff.loops_retyped:
            out.append(f"| changed type | {md(a.id)} \u2192 {_md_loop(b)} | "
                       f"{a.type.value} \u2192 {b.type.value} | {md(b.chain(arrow=ARROW))} |")
        out.append("")
    if diff.variables_added or diff.variables_removed or diff.variables_changed:
        out += ["#### Variables", ""]
        out += [f"- added {md(v.id)}: {md(v.label)}" for v in diff.variables_added]
        out += [f"- removed {md(v.id)}: {md(v.label)}" for v in diff.variables_removed]
        out += [f"- changed {md(v.id)}: {md(describe_changes(cs, ARROW))}"
                for v, cs in diff.variables_changed]
        out.append("")
    if diff.links_added or diff.links_removed or diff.links_changed:
        out += ["#### Links", ""]
        out += [f"- added {md(_link_words(lk, ARROW))}" for lk in diff.links_added]
        out += [f"- removed {md(_link_words(lk, ARROW))}" for lk in diff.links_removed]
        out += [f"- changed {md(lk.source)} {ARROW} {md(lk.target)}: "
                f"{md(describe_changes(cs, ARROW))}" for lk, cs in diff.links_changed]
        out.append("")
    if diff.truncated:
        out += [f"*Loop search stopped early ({md(diff.reason or '')}); loop changes may be "
                "incomplete.*", ""]
    return "\n".join(out)
