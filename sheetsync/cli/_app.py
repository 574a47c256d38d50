"""The root Typer app and shared CLI helpers (console, config option, error reporting)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="sheetsync",
    help="Keep an agency's task store and its clients' Google spreadsheets in two-way sync.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err_console = Console(stderr=True)

CONFIG_HELP = "Path to the config file (default: $SHEETSYNC_CONFIG or ./sheetsync.toml; built-in defaults if absent)."


def fail(message: str, hint: str | None = None, code: int = 1) -> None:
    """Print an error a person can act on and exit."""
    if hint and message.endswith(f" — what to do: {hint}"):  # str(SheetsError) already carries its hint
        message = message[: -len(f" — what to do: {hint}")]
    err_console.print(f"[bold red]error:[/] {message}")
    if hint:
        err_console.print(f"[yellow]what to do:[/] {hint}")
    raise typer.Exit(code)
