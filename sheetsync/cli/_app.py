"""The root Typer app and shared CLI helpers (console, config option, error reporting).

Every error a person sees goes through :func:`fail`: one line, ``error: WHAT — what to do: HINT``,
secrets masked (:mod:`sheetsync.redact`), printed without Rich markup so text such as ``[store]`` or
``[[clients]]`` is never eaten. Exceptions no command caught are turned into such a line by
:class:`SafeGroup` (the traceback only with ``SHEETSYNC_DEBUG=1``).
"""

from __future__ import annotations

import errno
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer import _click
from typer.core import TyperGroup, TyperOption

from sheetsync.redact import redact
from sheetsync.sheets import SheetsError

# config (pydantic) and the store (SQLAlchemy) are imported where an error needs them: every command
# module imports this one, and `sheetsync --help` should not load them.

DEBUG_ENV = "SHEETSYNC_DEBUG"


def _version() -> str:
    try:
        return version("sheetsync")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


class SafeGroup(TyperGroup):
    """The root group: refuses a repeated single-value option, and never lets a traceback reach a person."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not isinstance(cmd, TyperGroup):
            _refuse_repeats(cmd, rest)
        elif isinstance(cmd, TyperGroup):  # a group with options of its own (`conflicts --client`)
            sub = next((i for i, a in enumerate(rest) if a in cmd.commands), len(rest))
            _refuse_repeats(cmd, rest[:sub])
        return name, cmd, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, _click.exceptions.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence: a person gets one line
            if os.environ.get(DEBUG_ENV):
                raise
            report_exception(e)


def _refuse_repeats(cmd: Any, args: list[str]) -> None:
    """``--client a --client b`` would silently mean b: say so instead (options that take one value)."""
    seen: dict[str, list[str]] = {}
    single = {}
    for p in cmd.params:
        if isinstance(p, TyperOption) and not p.multiple and not p.is_flag and not p.count:
            for opt in p.opts:
                single[opt] = p.opts[0] if len(p.opts[0]) > 2 else opt
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        opt, eq, value = a.partition("=")
        if opt in single:
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            seen.setdefault(single[opt], []).append(value)
        i += 1
    for opt, values in seen.items():
        if len(values) > 1:
            shown = ", ".join(repr(v) for v in values)
            fail(f"{opt} was given {len(values)} times ({shown}) but takes one value",
                 f"give {opt} once; for several, run the command once per value (or leave it out for all)")


app = typer.Typer(
    name="sheetsync",
    cls=SafeGroup,
    help="Keep an agency's task store and its clients' Google spreadsheets in two-way sync.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err_console = Console(stderr=True)

CONFIG_HELP = "Path to the config file (default: $SHEETSYNC_CONFIG or ./sheetsync.toml; built-in defaults if absent)."
JSON_HELP = "Print JSON instead of a table (the shape is in docs/operations.md#json-output)."


def _show_version(value: bool) -> None:
    if value:
        print(f"sheetsync {_version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Print sheetsync's version and exit."),
) -> None:
    """Keep an agency's task store and its clients' Google spreadsheets in two-way sync.

    Errors are one line: what was wrong and what to do (SHEETSYNC_DEBUG=1 shows a traceback instead).
    """


def error_line(message: str, hint: str | None = None) -> str:
    """The one line :func:`fail` prints: ``error: WHAT — what to do: HINT``, secrets masked."""
    if hint and message.endswith(f" — what to do: {hint}"):  # str(SheetsError) already carries its hint
        message = message[: -len(f" — what to do: {hint}")]
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    line = f"error: {text}"
    if hint:
        line += f" — what to do: {' '.join(hint.split())}"
    return redact(line)


def fail(message: str, hint: str | None = None, code: int = 1) -> NoReturn:
    """Print an error a person can act on, as one line, and exit."""
    err_console.print(error_line(message, hint), style="bold red" if err_console.is_terminal else None,
                      markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def shown(text: Any) -> str:
    """Text from outside (messages, values) ready to go inside Rich markup: secrets masked, brackets kept."""
    return escape(redact(text))


def config_error(e: Any) -> str:
    """A ConfigError as text: one line when there is one problem, the list otherwise."""
    problems = getattr(e, "problems", None)
    if problems and len(problems) == 1:
        where = f" in {e.source}" if getattr(e, "source", "") else ""
        return f"invalid configuration{where}: {problems[0]}"
    return str(e)


def report_exception(e: BaseException) -> NoReturn:
    """One line for an exception no command caught: person-facing kinds as they are, others named."""
    from sheetsync.config import ConfigError
    from sheetsync.store import StoreError

    if isinstance(e, ConfigError):
        fail(config_error(e), "fix the config file (the message names the key) and run again")
    if isinstance(e, SheetsError):
        fail(str(e), getattr(e, "hint", None))
    if isinstance(e, (StoreError, LookupError)):
        fail(str(e).strip("'\""), "check the names and keys given (`sheetsync status` lists the clients, "
             "`sheetsync log` the changes)")
    if isinstance(e, OSError) and e.strerror:
        where = f"{e.filename}: " if e.filename else ""
        if e.errno in (errno.ENOTDIR, errno.EEXIST):
            fail(f"{where}a file is in the way where a folder is needed", "choose a path whose folders are folders")
        if e.errno == errno.EISDIR:
            fail(f"{where}is a folder, not a file", "give the path of a file (inside that folder, say)")
        fail(f"{where}{e.strerror.lower()}", "check the path and its permissions")
    fail(f"unexpected {type(e).__name__}: {e}",
         f"run again with {DEBUG_ENV}=1 to see the traceback, and report it")


def print_json(data: Any) -> None:
    """Machine-readable output on stdout: one JSON document, secrets masked, no Rich styling."""
    sys.stdout.write(redact(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n")
    sys.stdout.flush()
