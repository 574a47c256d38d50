"""The single-instance lock, /healthz and /metrics, the schedule specs, backoff of a failing client."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request

import pytest
from daemonhelpers import config_dict, sheetsync, write_config


def test_lock_refuses_a_second_holder_and_frees_on_exit(tmp_path):
    from sheetsync.daemon import StoreLocked, store_lock

    url = f"sqlite:///{tmp_path / 'sheetsync.db'}"
    with store_lock(url, holder="worker one"):
        with pytest.raises(StoreLocked, match="another `sheetsync run` already runs.*worker one"):
            with store_lock(url):
                pass
    with store_lock(url):  # released: the next daemon starts
        pass


def test_second_daemon_on_the_same_store_is_refused_with_a_clear_message(tmp_path):
    from sheetsync.daemon import store_lock

    cfg = write_config(tmp_path / "sheetsync.toml", config_dict(tmp_path / "data", ["alfa"]))
    with store_lock(f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}", holder="the first daemon"):
        proc = sheetsync("run", "--once", "--config", str(cfg), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "another `sheetsync run` already runs" in err and "the first daemon" in err
    assert "what to do" in err


def test_postgres_urls_take_no_file_lock():
    from sheetsync.daemon.lock import lock_path

    assert lock_path("postgresql+psycopg://127.0.0.1/test") is None
    assert str(lock_path("sqlite:////srv/x/sheetsync.db")) == "/srv/x/sheetsync.db.lock"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_healthz_and_metrics_answer(agency):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.daemon.health import HealthServer

    d = Daemon(agency, DaemonSettings(worker_id="t"))
    server = HealthServer(d.metrics, port=0, stale_after=60).start()
    try:
        code, body = _get(server.url + "/healthz")
        assert code == 200 and json.loads(body)["last_cycle_end"] is None  # starting up counts as healthy
        agency.store.tasks.create("alfa", {"title": "новая"}, origin="cli", actor="team")
        d.sync_cycle()
        code, body = _get(server.url + "/healthz")
        health = json.loads(body)
        assert code == 200 and health["status"] == "ok" and health["last_cycle"]["synced"] == 3
        code, text = _get(server.url + "/metrics")
        assert code == 200
        assert 'sheetsync_api_calls_total{method="drive.files.list"} 1.0' in text
        assert 'sheetsync_api_calls_total{method="sheets.spreadsheets.values.batchUpdate' in text  # (ByDataFilter)
        for slug in ("alfa", "beta", "gamma"):
            assert f'sheetsync_last_successful_sync_timestamp_seconds{{client="{slug}"}}' in text
        assert "sheetsync_cycle_duration_seconds_count 1.0" in text
        assert "sheetsync_api_throttled_total 0.0" in text
        server.stale_after = 0.0  # no cycle for longer than allowed: unhealthy
        code, body = _get(server.url + "/healthz")
        assert code == 503 and json.loads(body)["status"] == "stale"
        assert _get(server.url + "/nope")[0] == 404
    finally:
        server.stop()


def test_a_failing_client_backs_off_while_the_others_sync(agency, emu):
    from sheetsync.daemon import Daemon, DaemonSettings

    d = Daemon(agency, DaemonSettings(worker_id="t", backoff_base=60, seed=1))
    beta = agency.store.clients.get("beta").spreadsheet_id
    saved = emu.files.pop(beta)  # beta's spreadsheet vanished (deleted, unshared)
    agency.store.tasks.create("alfa", {"title": "от команды"}, origin="cli", actor="team")
    r = d.sync_cycle()
    state = {c.client: c for c in r.clients}
    assert state["beta"].failed and not state["alfa"].failed and state["alfa"].pushed > 0
    assert d.backoff["beta"].failures == 1 and d.backoff["beta"].next_at > 0
    emu.files[beta] = saved
    r = d.sync_cycle()  # beta waits out its backoff; the others go on
    assert "beta" not in {c.client for c in r.clients} and {c.client for c in r.clients} == {"alfa", "gamma"}
    d.backoff["beta"].next_at = 0  # its time has come
    r = d.sync_cycle()
    assert not {c.client: c for c in r.clients}["beta"].failed and "beta" not in d.backoff
    text = d.metrics.exposition().decode()
    assert 'sheetsync_errors_total{client="beta"} 1.0' in text


def test_schedule_specs_become_jobs():
    import schedule

    from sheetsync.daemon.scheduler import ScheduleError, add_job, sync_spec

    s = schedule.Scheduler()
    every = add_job(s, "every 90s", lambda: None, name="sync")
    assert every.unit == "seconds" and every.interval == 90
    assert add_job(s, "every 5m", lambda: None, name="x").unit == "minutes"
    wed = add_job(s, "wed 09:00", lambda: None, name="invoices", timezone="Europe/Moscow")
    assert wed.start_day == "wednesday" and wed.next_run.weekday() in range(7)
    assert add_job(s, "daily 10:00", lambda: None, name="reminders").unit == "days"
    with pytest.raises(ScheduleError, match="schedule.plan: expected"):
        add_job(s, "monday morning", lambda: None, name="plan")

    class Cfg:
        class schedule:  # noqa: N801
            sync = "every 60s"

        class sync:  # noqa: N801
            interval_seconds = 15

    assert sync_spec(Cfg) == "every 15s" and sync_spec(Cfg, 2) == "every 2s"
