"""`sheetsync invoices refresh | report | diff`: the turnover sheet for the Wednesday meeting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sheetsync.sheets import SheetsError

from ._app import CONFIG_HELP, SafeGroup, app, console, err_console, fail
from ._store import load, open_app, open_sheets

# sheetsync.invoices (pandas) is imported inside the commands: every command module is imported at start-up

if TYPE_CHECKING:
    from sheetsync.invoices import Invoices

invoices_app = typer.Typer(cls=SafeGroup, help="The agency's turnover (invoice-planning) sheet.", no_args_is_help=True)
app.add_typer(invoices_app, name="invoices")

MonthOpt = Annotated[str | None, typer.Option("--month", "-m", help="The month, e.g. 2026-11 (default: this month).")]
ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)]


def open_invoices(config_opt: str | None, *, sheets: bool = True) -> Invoices:
    """The App's ``Invoices`` facade; ``sheets=False`` for the reports, which read only the store."""
    from sheetsync.invoices import Invoices  # here: it loads pandas, which most commands never need

    the_app = open_app(load(config_opt))
    if not sheets:  # no transport, so no credentials needed
        return Invoices(the_app.store, None, the_app.config)
    open_sheets(the_app)  # a backend that cannot be reached is one line here
    return the_app.invoices


def _month(inv: Any, month: str | None) -> str:
    from sheetsync.invoices.layout import MonthError, parse_month

    month = month or inv.current_month()
    try:
        parse_month(month)
    except MonthError as e:
        what, _, _advice = str(e).partition(": give it as")
        fail(what, "give the month as YYYY-MM, e.g. 2026-11")
    return month


def _frame_table(frame: Any, title: str) -> Table:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
    for rec in frame.itertuples(index=False):
        table.add_row(*[escape(_fmt(v)) for v in rec])
    return table


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 100 else f"{v:.1f}"
    return str(v)


@invoices_app.command("refresh")
def refresh_cmd(month: MonthOpt = None, config: ConfigOpt = None) -> None:
    """Take accounts' edits from the month tab, then rewrite it with marks, totals and warnings."""
    inv = open_invoices(config)
    month = _month(inv, month)
    try:
        report = inv.refresh(month)
    except SheetsError as e:
        fail(str(e), getattr(e, "hint", None))
    table = Table(title=f"turnover sheet {month}")
    for col in ("tabs", "calls", "pulled", "errors", "conflicts", "snapshot"):
        table.add_column(col)
    table.add_row(", ".join(report.tabs), str(report.api_calls), str(report.pulled), str(report.errors),
                  str(report.conflicts), str(report.snapshot or "—"))
    console.print(table)
    console.print(f"spreadsheet: {report.spreadsheet_id}")
    for w in report.concentration:
        console.print(f"[bold red]{escape(w)}[/]")
    for w in report.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(w)}")


@invoices_app.command("report")
def report_cmd(month: MonthOpt = None, config: ConfigOpt = None) -> None:
    """Plan / forecast / fact / gap per department, and how each client pays."""
    inv = open_invoices(config, sheets=False)
    month = _month(inv, month)
    console.print(_frame_table(inv.plan_report(month), f"plan {month}"))
    console.print(_frame_table(inv.report(month), f"payment behaviour, invoices of {month}"))


@invoices_app.command("diff")
def diff_cmd(
    month: MonthOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Compare with the snapshot of this day or the one "
                                                              "before it (YYYY-MM-DD; default: the last one "
                                                              "before today).")] = None,
    config: ConfigOpt = None,
) -> None:
    """What we expected at the last meeting against now."""
    inv = open_invoices(config, sheets=False)
    month = _month(inv, month)
    try:
        day = dt.date.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since {since!r} is not a date", "give it as YYYY-MM-DD, e.g. 2026-11-18")
    try:
        frame = inv.diff(month, since=day)
    except LookupError as e:
        fail(str(e), "`sheetsync invoices --help` lists the commands that take and show snapshots")
    snap = frame.attrs["snapshot"]
    console.print(_frame_table(frame, f"{month}: changes since the snapshot of {snap:%Y-%m-%d}"))
    before, now = frame.attrs["before"], frame.attrs["now"]
    console.print(f"forecast {before['forecast']:,.2f} → {now['forecast']:,.2f}; "
                  f"fact {before['fact']:,.2f} → {now['fact']:,.2f}")


@invoices_app.command("share")
def share_cmd(config: ConfigOpt = None) -> None:
    """Share the turnover spreadsheet with exactly `invoices.editor_emails` (after changing that list)."""
    inv = open_invoices(config)
    try:
        changed = inv.share()
    except SheetsError as e:
        fail(str(e), getattr(e, "hint", None))
    console.print(f"added: {', '.join(changed['added']) or '—'}; removed: {', '.join(changed['removed']) or '—'}")
