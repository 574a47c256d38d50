"""The run loop in process (schedule-driven cycles, --max-cycles) and the scheduled jobs against the emulator."""

from __future__ import annotations

import datetime as dt

from daemonhelpers import MANAGER


def test_run_loop_runs_scheduled_cycles_then_stops(agency):
    from sheetsync.daemon import Daemon, DaemonSettings

    seen = []
    d = Daemon(agency, DaemonSettings(worker_id="t", interval=0.2, max_cycles=3, jobs=False, metrics_port=0),
               on_cycle=lambda n, r: seen.append((n, len(r.clients))))
    assert d.run() == 0
    assert [n for n, _ in seen] == [1, 2, 3] and seen[0][1] == 3
    assert d.health is not None and d.metrics.last_cycle["cycle"] == 3


def test_stop_between_clients_skips_the_rest(agency):
    from sheetsync.daemon import Daemon, DaemonSettings

    for slug in ("alfa", "beta", "gamma"):
        agency.store.tasks.create(slug, {"title": "от команды"}, origin="cli", actor="team")
    d = Daemon(agency, DaemonSettings(worker_id="t", grace_seconds=0.1))
    real = type(d.engine).sync_client

    def first_then_stop(self, slug, **kw):
        r = real(self, slug, **kw)
        d.stop("test")  # SIGTERM arrives while the first client syncs
        return r

    type(d.engine).sync_client = first_then_stop
    try:
        r = d.sync_cycle()
    finally:
        type(d.engine).sync_client = real
    done = [c.client for c in r.clients if not c.skipped]
    assert len(done) == 1 and all("shutting down" in c.warnings[0] for c in r.clients if c.skipped)
    assert not d.backoff  # skipped for shutdown is not a failure
    d._grace.join(1)
    assert agency.sheets.budget is None or agency.sheets.budget.closed  # waits abandoned after the grace


def test_scheduled_jobs_run_and_a_failing_job_does_not_stop_the_daemon(agency, emu, monkeypatch):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.daemon.jobs import JOBS

    d = Daemon(agency, DaemonSettings(worker_id="t"))
    d.sync_cycle()
    # a task waiting on the client for weeks: the reminders job has something to say
    t = agency.store.tasks.list("alfa")[0]
    agency.store.tasks.update(t.key, {"status": "waiting_client", "assignee": MANAGER,
                                      "deadline": dt.date.today() - dt.timedelta(days=20)},
                              origin="cli", actor="team")
    summaries = {name: d.run_job(name, func) for name, func in JOBS.items()}
    assert summaries["plan"] and "period" in summaries["plan"], summaries
    assert summaries["metrics"] is not None and summaries["reminders"] is not None
    assert summaries["invoices"] is not None
    text = d.metrics.exposition().decode()
    assert 'sheetsync_jobs_total{job="plan",outcome="ok"} 1.0' in text

    def broken(app):
        raise RuntimeError("the planning service is down")

    assert d.run_job("plan", broken) is None
    assert 'sheetsync_jobs_total{job="plan",outcome="failed"} 1.0' in d.metrics.exposition().decode()
    assert not d.sync_cycle().total.failed  # the daemon goes on


def test_the_invoice_refresh_defaults_to_before_the_wednesday_meeting(agency):
    from sheetsync.daemon import Daemon, DaemonSettings

    sched = Daemon(agency, DaemonSettings(worker_id="t")).build_scheduler()
    jobs = {next(iter(j.tags)): j for j in sched.get_jobs()}
    assert set(jobs) == {"sync", "plan", "invoices", "reminders", "metrics", "stage_clock", "sharing"}
    assert jobs["stage_clock"].unit == "days" and str(jobs["stage_clock"].at_time) == "00:05:00"
    assert jobs["sharing"].interval == 60 and jobs["sharing"].unit == "minutes"  # [sharing] check_interval_minutes
    assert jobs["invoices"].start_day == "wednesday" and str(jobs["invoices"].at_time) == "09:00:00"
    assert jobs["plan"].start_day == "monday"
    assert jobs["sync"].interval == 60 and jobs["sync"].unit == "seconds"
