"""The daemon's periodic jobs besides the sync cycle: planning, the invoice refresh, reminders, metrics,
the sharing check.

Each takes the daemon's :class:`~sheetsync.app.App` and returns a short summary for the log. A job's
failure is the loop's business (logged, counted, retried at its next slot); these just do the work.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

from sheetsync.planning import plan_all
from sheetsync.planning.calendar import current_period
from sheetsync.planning.digest import digests, lead_digests
from sheetsync.planning.sheets import (
    SheetMissing,
    refresh_client_sheets,
    refresh_metrics,
    refresh_stage_clock,
)
from sheetsync.provision import ProvisionSettings
from sheetsync.provision.sharing import check_sharing

if TYPE_CHECKING:
    from sheetsync.app import App
    from sheetsync.config import Config

log = logging.getLogger(__name__)


def today_in(config: Config) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(config.agency.timezone)).date()


def plan_job(app: App) -> str:
    """Plan every client's current period, then redraw their plan-schedule, metrics and card reminders."""
    cfg, day = app.config, today_in(app.config)
    period = current_period(cfg.planning.period, day)
    report = plan_all(app.store, cfg, period, today=day)
    refreshed = 0
    for slug in report.clients:
        try:
            refresh_client_sheets(app.store, cfg, app.sheets, slug, period, today=day)
            refreshed += 1
        except SheetMissing as e:
            log.warning("plan sheets skipped", extra={"client": slug, "reason": str(e)})
    return f"period {period.label}: {len(report.taken)} taken, {len(report.not_fitting)} not fitting, " \
           f"{report.written} tasks updated, {refreshed} spreadsheets redrawn"


def metrics_job(app: App) -> str:
    """Redraw every client's metrics sheet from the store (values typed there are read back first)."""
    cfg, day = app.config, today_in(app.config)
    n = 0
    for c in app.store.clients.list(active=True):
        if not c.spreadsheet_id:
            continue
        try:
            refresh_metrics(app.store, cfg, app.sheets, c.slug, today=day)
            n += 1
        except SheetMissing as e:
            log.warning("metrics sheet skipped", extra={"client": c.slug, "reason": str(e)})
    return f"{n} metrics sheets redrawn"


def invoices_job(app: App) -> str:
    """Refresh the turnover sheet for this month before the Wednesday planning meeting (pulls accounts' edits)."""
    return str(app.invoices.refresh(today_in(app.config).strftime("%Y-%m")))


def stage_clock_job(app: App) -> str:
    """Bring every client's stage clock in its spreadsheet — the in-work sheet's "days in stage" and
    the card's waiting list — up to today, just after midnight in the agency's zone: working days
    change overnight, and the sync writes them only when it syncs that client."""
    day = today_in(app.config)
    clocks = 0
    for c in app.store.clients.list(active=True):
        if not c.spreadsheet_id:
            continue
        try:
            refresh_stage_clock(app.store, app.config, app.sheets, c.slug, today=day)
            clocks += 1
        except SheetMissing as e:
            log.warning("stage clock skipped", extra={"client": c.slug, "reason": str(e)})
    return f"stage clock refreshed in {clocks} spreadsheets"


def reminders_job(app: App) -> str:
    """Write each manager's digest of tasks waiting on the client too long, and each lead's digest of
    their managers' tasks over the stage norm (``stages.leads``), to ``<data_dir>/digests`` (and log them).

    Nothing is sent anywhere: ``sheetsync status`` lists today's files.
    """
    day = today_in(app.config)
    out = digests(app.store, app.config, today=day)
    leads = lead_digests(app.store, app.config, today=day)
    folder = digest_folder(app.config)
    if out or leads:
        folder.mkdir(parents=True, exist_ok=True)
    for manager, text in out.items():
        (folder / f"{day:%Y-%m-%d}-{manager}.txt").write_text(text, encoding="utf-8")
        log.info("reminder digest", extra={"manager": manager, "lines": text.count("\n")})
    for lead, text in leads.items():
        (folder / f"{day:%Y-%m-%d}-lead-{lead}.txt").write_text(text, encoding="utf-8")
        log.info("lead digest", extra={"lead": lead, "lines": text.count("\n")})
    if not out and not leads:
        return "nothing to chase"
    return f"{len(out)} digests and {len(leads)} lead digests written to {folder}"


def digest_folder(config: Config) -> Path:
    """Where the daemon writes the digests: ``<data_dir>/digests``."""
    return Path(config.data_path) / "digests"


def sharing_job(app: App) -> str:
    """Take back access to clients' spreadsheets that the config does not list (one Drive listing per client).

    Provisioning turns ``writersCanShare`` off, so editors cannot share; this catches what was shared
    anyway (someone with owner rights, a spreadsheet provisioned before that). One client's failure is
    logged and the others are still checked.
    """
    settings = ProvisionSettings.from_config(app.config)
    checked, reverted, failed = 0, 0, 0
    for c in app.store.clients.list(active=True):
        if not c.spreadsheet_id:
            continue
        try:
            found = check_sharing(app.store, app.sheets, c, viewer_role=settings.viewer_role,
                                  managers=settings.managers)
        except Exception as e:  # noqa: BLE001 - one client's failure never stops the others
            failed += 1
            log.warning("sharing check failed", extra={"client": c.slug, "error": str(e)})
            continue
        checked += 1
        reverted += len(found.reverted)
        if found.missing:
            log.warning("sharing: people the config lists have no access; run `sheetsync provision`",
                        extra={"client": c.slug, "missing": found.missing})
    summary = f"{checked} spreadsheets checked, {reverted} permissions taken back"
    return summary + (f", {failed} could not be checked" if failed else "")


JOBS = {"plan": plan_job, "invoices": invoices_job, "reminders": reminders_job, "metrics": metrics_job,
        "stage_clock": stage_clock_job, "sharing": sharing_job}
