"""The ``loopkit`` typer app: global options and the error boundary, no commands.

Command modules import ``app`` from here and register on it; ``cli/__init__``
imports them, so no command module imports another or the package above it.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from loopkit import __version__
from loopkit.cli.limit_options import apply as apply_limits
from loopkit.cli.limit_options import option as limit_option

#: click's exceptions as typer raises them (typer 0.2x carries its own copy of click,
#: older typer uses click itself): found from a class typer exports either way.
_CLICK_ERRORS = sys.modules[next(c for c in typer.BadParameter.__mro__
                                 if c.__name__ == "ClickException").__module__]


class _Group(TyperGroup):
    """The root command: loopkit's errors as one stderr line, and the habits of ruff.

    - a user error is one line and an exit code, never a traceback; when stderr
      is not a terminal, so is a usage error typer would draw as a box;
    - global options (``-q``, ``--max-files 50``...) are also taken after the
      command: ``loopkit loops -q FILE``;
    - ``loopkit`` alone prints a short usage (exit 2, like ruff), not the whole help.

    Done here rather than around ``app()`` so typer's ``CliRunner`` and a real
    process behave the same.
    """

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        import os

        argv = list(sys.argv[1:] if args is None else args)
        name = prog_name or "loopkit"
        completing = os.environ.get(complete_var or f"_{name.replace('-', '_').upper()}_COMPLETE")
        if not argv and not completing:
            from loopkit.cli.common import EXIT_USAGE

            typer.echo(SHORT_USAGE.format(prog=name), err=True, nl=False)
            if standalone_mode:
                sys.exit(EXIT_USAGE)
            return EXIT_USAGE
        return super().main(hoist_global_options(self, argv), prog_name, complete_var,
                            standalone_mode, **extra)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _CLICK_ERRORS.ClickException as error:
            raise _plain_usage_error(error) from None

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """An unknown command names the closest one, in typer's box and in the plain line."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.commands:
            from loopkit.text import suggest

            hint = suggest(name, sorted(self.commands))
            raise _CLICK_ERRORS.UsageError(f"no such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        from loopkit.cli.common import report_error

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except _CLICK_ERRORS.ClickException as error:
            raise _plain_usage_error(error) from None
        except Exception as error:
            if type(error).__module__.startswith(("click", "typer")):
                raise
            raise typer.Exit(report_error(error)) from None


#: What ``loopkit`` alone prints (on stderr, exit 2): the few commands most runs use.
SHORT_USAGE = """\
usage: {prog} [OPTIONS] COMMAND [ARGS]...
  {prog} loops FILE...    list the feedback loops of diagrams (a folder: its *.yaml)
  {prog} check FILE...    validate diagrams and verify their declared loops
  {prog} render FILE...   draw diagrams as SVG
  {prog} init [NAME]      write a small starter diagram
'{prog} --help' lists every command and option; '{prog} COMMAND --help' explains one.
"""


def _plain_usage_error(error: Any) -> Exception:
    """When stderr is not a terminal (CI logs, editors, pipes): the error as one plain
    line ``loopkit: error: ...``, as loopkit's own usage errors are; on a terminal,
    typer's box, unchanged."""
    if sys.stderr.isatty():
        return error
    from loopkit.cli.common import fail_usage

    message = error.format_message()
    if isinstance(error, _CLICK_ERRORS.NoSuchOption):
        message = f"no such option: {error.option_name}"
        if error.possibilities:
            message += f" (did you mean {' or '.join(sorted(error.possibilities))}?)"
    message = message[:1].lower() + message[1:]
    message = message.removesuffix(".")
    ctx = getattr(error, "ctx", None)
    if isinstance(error, _CLICK_ERRORS.UsageError) and ctx is not None:
        message += f"; see '{ctx.command_path} --help'"
    exit_ = fail_usage(message)
    exit_.exit_code = error.exit_code
    return exit_


def hoist_global_options(group: Any, args: list[str]) -> list[str]:
    """``loopkit loops -q FILE`` as ``loopkit -q loops FILE``: the root's options found
    after the command name move before it.

    Not moved: an option the command defines itself (``export --quiet``), a value
    of one of the command's options (``--through -q``), anything after ``--``,
    and the eager ``--help``/``--version``.
    """
    movable = {name: not (param.is_flag or param.count)
               for param in group.params if _is_option(param)
               and not param.is_eager for name in param.opts + param.secondary_opts}
    position = 0
    while position < len(args) and args[position].startswith("-") and args[position] != "-":
        flag, eq, _ = args[position].partition("=")
        if flag == "--":
            return args
        position += 2 if movable.get(flag) and not eq else 1
    command = group.commands.get(args[position]) if position < len(args) else None
    if command is None:
        return args
    own = {name: param.nargs if not (param.is_flag or param.count) else 0
           for param in command.params if _is_option(param)
           for name in param.opts + param.secondary_opts}
    moved: list[str] = []
    rest: list[str] = []
    index = position + 1
    while index < len(args):
        token = args[index]
        flag, eq, _ = token.partition("=")
        if token == "--":
            rest.extend(args[index:])
            break
        if flag in own:
            width = 1 + (own[flag] if not eq else 0)
            rest.extend(args[index:index + width])
        elif flag in movable:
            width = 1 + (1 if movable[flag] and not eq else 0)
            moved.extend(args[index:index + width])
        else:
            width = 1
            rest.append(token)
        index += width
    return [*args[:position], *moved, args[position], *rest]


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


app = typer.Typer(
    cls=_Group,
    name="loopkit",
    help="Causal loop diagrams as text: validate, find feedback loops, render.",
    no_args_is_help=False,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loopkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True,
        help="Show the version and exit."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only problems and the output asked for."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print search details (timings, bounds)."
    ),
    max_file_size: str | None = limit_option("file_size"),
    max_yaml_values: str | None = limit_option("yaml_values"),
    max_yaml_text: str | None = limit_option("yaml_text"),
    max_depth: str | None = limit_option("depth"),
    max_variables: str | None = limit_option("variables"),
    max_links: str | None = limit_option("links"),
    max_label_length: str | None = limit_option("label_length"),
    max_problems: str | None = limit_option("problems"),
    max_files: str | None = limit_option("files"),
) -> None:
    """Causal loop diagrams as text: validate, find feedback loops, render.

    Write a diagram as YAML, then `loopkit loops FILE` lists its feedback loops
    and `loopkit check FILE` gates CI on the loops you declared. FILE may be a
    folder (its *.yaml and *.yml files) or - (standard input); the options
    below may also follow the command: `loopkit loops -q FILE`.
    """
    from loopkit.cli.common import fail_usage, set_verbosity

    if quiet and verbose:
        raise fail_usage("--quiet and --verbose cannot be used together")
    set_verbosity(-1 if quiet else 1 if verbose else 0)
    apply_limits(ctx, max_file_size=max_file_size, max_yaml_values=max_yaml_values,
                 max_depth=max_depth, max_variables=max_variables, max_links=max_links,
                 max_label_length=max_label_length, max_problems=max_problems,
                 max_yaml_text=max_yaml_text, max_files=max_files)
