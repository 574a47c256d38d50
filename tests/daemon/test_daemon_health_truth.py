"""Issue 17 item 6: /healthz tells the truth, the cycle log counts failures, one line per failed client.

A real daemon health server answers over HTTP; the failures are real (the emulator answers 503 to
every Sheets call; a PostgreSQL store's database is dropped under the running daemon).
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid

import pytest
from daemonhelpers import config_dict, provision_by_cloning, seed_tasks

SLUGS = ["alfa", "beta"]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


@pytest.fixture
def log_text():
    """The daemon's log at INFO, as `sheetsync run` configures it (text lines, secrets masked)."""
    from sheetsync.daemon.logs import configure

    stream = io.StringIO()
    configure(stream=stream, level="INFO")
    yield stream
    configure(console=False)


def _app(tmp_path, emu, store_url=None):
    from sheetsync.app import App
    from sheetsync.sheets import Backend, RetryPolicy, connect

    sheets = connect(Backend(emulator=emu, retry=RetryPolicy(max_attempts=1)))
    app = App.from_config(config_dict(tmp_path / "data", SLUGS, store_url=store_url), sheets=sheets)
    app.store.sync_reference_data(app.config)
    seed_tasks(app.store, SLUGS)
    provision_by_cloning(app, emu, SLUGS)
    return app


def test_healthz_fails_after_n_failed_cycles_and_the_log_says_why(tmp_path, emu, log_text):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.daemon.health import HealthServer

    app = _app(tmp_path, emu)
    d = Daemon(app, DaemonSettings(worker_id="t", backoff_base=0.0, unhealthy_after=2))
    server = HealthServer(d.metrics, port=0, stale_after=600, failed_after=2, store_check=d.store_problem).start()
    try:
        emu.faults.fail_rate(1.0, method="sheets.*")  # every Sheets call answers 503; Drive still lists
        d.sync_cycle()
        code, body = _get(server.url + "/healthz")
        assert code == 200 and body["failed_cycles_in_a_row"] == 1, body  # one bad cycle is not yet unhealthy
        assert body["last_cycle"]["failed"] == 2 and body["last_cycle"]["ok"] is False
        d.sync_cycle()
        code, body = _get(server.url + "/healthz")
        assert code == 503 and body["status"] == "failing", body
        assert body["failed_cycles_in_a_row"] == 2 and "the last 2 sync cycles failed" in body["problems"][0]
        assert body["store"] == "ok"

        text = log_text.getvalue()
        client_lines = [ln for ln in text.splitlines() if "client sync failed" in ln]
        assert len(client_lines) == 4  # one per failed client per cycle, each with its reason
        assert all("503" in ln or "unavailable" in ln.lower() for ln in client_lines), client_lines
        assert "Traceback" not in text  # tracebacks only at debug level
        cycle_lines = [ln for ln in text.splitlines() if "daemon: sync cycle" in ln]
        assert len(cycle_lines) == 2 and all("failed=2" in ln and "synced=0" in ln for ln in cycle_lines), cycle_lines

        emu.faults.clear()  # Google is back: the next cycle succeeds and health recovers
        d.sync_cycle()
        code, body = _get(server.url + "/healthz")
        assert code == 200 and body["status"] == "ok" and body["failed_cycles_in_a_row"] == 0, body
    finally:
        server.stop()
        app.close()


def test_debug_level_shows_the_traceback(tmp_path, emu):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.daemon.logs import configure

    app = _app(tmp_path, emu)
    stream = io.StringIO()
    configure(stream=stream, level="DEBUG")
    try:
        emu.faults.fail_rate(1.0, method="sheets.*")
        Daemon(app, DaemonSettings(worker_id="t", backoff_base=0.0)).sync_cycle()
    finally:
        configure(console=False)
        app.close()
    assert "Traceback" in stream.getvalue()


@pytest.fixture
def pg_database():
    """A PostgreSQL database of its own (dropped under the daemon by the test)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect("host=127.0.0.1 port=5432 dbname=test", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {e}")
    name = f"health_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {name}")
    yield admin, name
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_healthz_fails_when_the_store_is_unreachable_and_the_cycle_counts_it(tmp_path, emu, log_text, pg_database):
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.daemon.health import HealthServer

    admin, name = pg_database
    url = f"postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:5432/{name}"
    app = _app(tmp_path, emu, store_url=url)
    d = Daemon(app, DaemonSettings(worker_id="t", unhealthy_after=3))
    server = HealthServer(d.metrics, port=0, stale_after=600, failed_after=3, store_check=d.store_problem).start()
    try:
        d.sync_cycle()
        assert _get(server.url + "/healthz")[0] == 200
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")  # the store goes away under the daemon
        d.sync_cycle()
        code, body = _get(server.url + "/healthz")
        assert code == 503 and body["store"] == "unreachable", body
        assert any("store is unreachable" in p for p in body["problems"])
        assert body["last_cycle"]["ok"] is False and body["last_cycle"]["failed"] == 2, body
        text = log_text.getvalue()
        failed = [ln for ln in text.splitlines() if "daemon: sync cycle failed" in ln]
        assert len(failed) == 1 and "failed=2" in failed[0] and name in failed[0], text
        assert "Traceback" not in text and "s3cret-pw" not in text and "s3cret-pw" not in json.dumps(body)
    finally:
        server.stop()
        app.close()
