"""`sheetsync plan` and `sheetsync digest`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ._app import CONFIG_HELP, app, console, err_console, fail, shown
from ._store import STORE_HINT, load, open_app, open_sheets, require_client

# planning (and pandas, for the stage report) is imported inside the commands: every command module is
# imported at start-up

if TYPE_CHECKING:
    from sheetsync.app import App
    from sheetsync.planning.calendar import Period

PERIOD_HINT = "give --period as an ISO week (2026-W48) or a month (2026-11)"


def _open(config_opt: str | None) -> App:
    return open_app(load(config_opt), load_reference=False, hint=STORE_HINT + ", or run `sheetsync db upgrade`")


def _today(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--today {value!r} is not a date", "give it as YYYY-MM-DD, e.g. 2026-11-23")


@app.command("plan")
def plan_cmd(
    slug: Annotated[str | None, typer.Argument(help="The client to plan (its slug); or use --all.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Plan every active client together.")] = False,
    period: Annotated[str, typer.Option("--period", "-p", help="ISO week (2026-W48) or month (2026-11).")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")] = False,
    sheets: Annotated[bool, typer.Option("--sheets/--no-sheets",
                                         help="Also rewrite the plan-schedule, metrics and card reminders.")] = False,
    today: Annotated[str | None, typer.Option(help="Plan as if today were this date (YYYY-MM-DD).")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Take backlog tasks into work for a period, within every specialist's capacity."""
    from sheetsync.planning import plan_all, plan_client
    from sheetsync.planning.calendar import PeriodError, current_period, parse_period

    if slug and all_:
        fail(f"both a client ({slug}) and --all were given", f"give one: `sheetsync plan {slug}` or `sheetsync plan --all`")
    if not slug and not all_:
        fail("say which client to plan", "give a client slug, e.g. `sheetsync plan acme --period 2026-W48`, or --all")
    the_app = _open(config)
    cfg, store = the_app.config, the_app.store
    require_client(store, slug)
    day = _today(today) or dt.date.today()
    try:
        p = parse_period(period) if period else current_period(cfg.planning.period, day)
    except PeriodError as e:
        fail(str(e), PERIOD_HINT)
    try:
        report = (plan_client(store, cfg, slug, p, dry_run=dry_run, today=day) if slug is not None
                  else plan_all(store, cfg, p, dry_run=dry_run, today=day))
    except LookupError as e:
        fail(str(e), "check the client's slug and its tasks (`sheetsync status` lists the clients)")
    print_report(report)
    if sheets and not dry_run:
        _refresh(the_app, report.clients, p, day)


def print_report(report) -> None:
    title = f"Plan for {report.period.label}" + (" (dry run: nothing written)" if report.dry_run else "")
    table = Table(title=title, show_lines=False)
    for col in ("Outcome", "Client", "Task", "Title", "Assignee", "Hours", "Start", "Deadline", "Reason"):
        table.add_column(col, overflow="fold")
    style = {"taken": "green", "forced": "bold yellow", "not_fitting": "red"}
    order = {"taken": 0, "forced": 1, "not_fitting": 2}
    for d in sorted(report.decisions, key=lambda d: (order[d.outcome], d.task.client, d.task.key)):
        loc = report.locales.get(d.task.client, "ru")
        table.add_row(
            f"[{style[d.outcome]}]{d.outcome.replace('_', ' ')}[/]", d.task.client, d.task.key, d.task.title,
            (d.assignee or "") + (" (auto)" if d.auto_assigned else ""),
            f"{d.task.estimate_hours:g}" if d.task.estimate_hours is not None else "—",
            f"{d.start:%d.%m}" if d.start else "", f"{d.deadline:%d.%m}" if d.deadline else "",
            d.reason.text(loc) if d.reason else "",
        )
    console.print(table)
    loads = Table(title="Load (all clients)")
    for col in ("Specialist", "Capacity, h", "Planned, h", "Load"):
        loads.add_column(col)
    for per in sorted(report.loads.values(), key=lambda x: x.specialist.name):
        pct = per.percent
        colour = "red" if pct is not None and pct > 1 else "green"
        loads.add_row(per.specialist.name, f"{per.capacity:g}", f"{round(per.planned, 2):g}",
                      f"[{colour}]{pct:.0%}[/]" if pct is not None else "—")
    console.print(loads)
    est = len(report.estimates)
    console.print(f"taken {len(report.taken)}, forced {len(report.forced)}, not fitting {len(report.not_fitting)}, "
                  f"auto-estimated {est}" + ("" if report.dry_run else f"; {report.written} tasks updated"))


def _refresh(the_app: App, slugs: Sequence[str], period: Period, day: dt.date) -> None:
    from sheetsync.planning.sheets import SheetMissing, refresh_client_sheets

    store, cfg, client = the_app.store, the_app.config, open_sheets(the_app)
    for slug in slugs:
        try:
            refresh_client_sheets(store, cfg, client, slug, period, today=day)
        except SheetMissing as e:
            err_console.print(f"[yellow]skipped {slug}:[/] {shown(e)}")
    console.print(f"plan-schedule, metrics and card reminders rewritten for {len(slugs)} client(s)")


@app.command("digest")
def digest_cmd(
    manager: Annotated[str | None, typer.Option(help="Only this manager's digest (their email).")] = None,
    lead: Annotated[str | None, typer.Option(help="This lead's digest of their managers' tasks over the norm "
                                                   "(stages.leads in the config).")] = None,
    lang: Annotated[str | None, typer.Option(help="ru or en (default: the language of the manager's clients).")] = None,
    today: Annotated[str | None, typer.Option(help="As if today were this date (YYYY-MM-DD).")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Per-manager reminders (tasks waiting on the client too long, overdue tasks), ready to paste;
    with --lead, the lead's digest of tasks over their stage norm."""
    from sheetsync.planning.digest import digests, lead_digests

    if lang not in (None, "ru", "en"):
        fail(f"--lang {lang!r} is not supported", "use --lang ru or --lang en")
    if lead and manager:
        fail("give --manager or --lead, not both", "a manager's reminders and a lead's overruns are separate digests")
    the_app = _open(config)
    cfg, store = the_app.config, the_app.store
    if lead:
        known = sorted({x.lower() for x in cfg.stages.leads.values()})
        if lead.lower() not in known:
            fail(f"{lead} is nobody's lead in the config",
                 f"stages.leads names these leads: {', '.join(known) or 'none'}; add `\"manager@…\" = \"{lead}\"`")
        out = lead_digests(store, cfg, lead=lead, today=_today(today), locale=lang)
        if not out:
            console.print("Nothing to escalate: no task of this lead's managers is over its stage norm.")
            return
    else:
        out = digests(store, cfg, manager=manager, today=_today(today), locale=lang)
        if not out:
            console.print("Nothing to chase: no task waits on a client too long and nothing is overdue.")
            return
    for i, (m, text) in enumerate(out.items()):
        if i:
            console.print()
        console.rule(m)
        console.print(text, markup=False, highlight=False, end="")


@app.command("stage-report")
def stage_report_cmd(
    period: Annotated[str, typer.Option("--period", "-p", help="ISO week (2026-W48) or month (2026-11).")] = "",
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    csv: Annotated[str | None, typer.Option("--csv", help="Write the report to this CSV file ('-' = stdout).")] = None,
    today: Annotated[str | None, typer.Option(help="As if today were this date (YYYY-MM-DD).")] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help=CONFIG_HELP)] = None,
) -> None:
    """Per client and stage: median and 90th-percentile working days in the stage, how often over the norm."""
    import pandas as pd

    from sheetsync.planning.calendar import PeriodError, current_period, parse_period
    from sheetsync.planning.digest import agency_today, stage_report_for
    from sheetsync.vocabulary import status_phrase

    the_app = _open(config)
    cfg, store = the_app.config, the_app.store
    day = _today(today) or agency_today(cfg)
    try:
        p = parse_period(period) if period else current_period("month", day)
    except PeriodError as e:
        fail(str(e), PERIOD_HINT)
    if client and client not in {c.slug for c in store.clients.list(active=None)}:
        fail(f"no client {client!r} in the store", "give a client's slug (`sheetsync status` lists them)")
    df = stage_report_for(store, cfg, p.start, p.end, today=day, slugs=[client] if client else None)
    if csv:
        text = df.to_csv(index=False)
        if csv == "-":
            print(text, end="")
        else:
            Path(csv).write_text(text, encoding="utf-8")
            console.print(f"{len(df)} rows written to {csv}")
        return
    if df.empty:
        console.print(f"No task left or sat in a stage in {p.label}.")
        return
    table = Table(title=f"Time in stage, working days — {p.label}")
    for col in ("Client", "Stage", "Stays", "Open", "Median", "P90", "Norm", "Over norm"):
        table.add_column(col, justify="left" if col in ("Client", "Stage") else "right")
    for r in df.itertuples(index=False):
        share = r.over_norm_share
        over = "—" if pd.isna(r.norm_days) else f"[{'red' if share else 'green'}]{int(r.over_norm)} ({share:.0%})[/]"
        table.add_row(r.client, status_phrase(r.status, "en"), str(r.stays), str(r.open), f"{r.median_days:g}",
                      f"{r.p90_days:g}", "—" if over == "—" else f"{int(r.norm_days)}", over)
    console.print(table)
