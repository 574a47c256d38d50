"""`sheetsync sync` beside the daemon, and two workers started with one --worker-id (issue 13, item 4).

On SQLite a one-off `sync` takes the daemon's store lock (or refuses with one line naming the
daemon); on PostgreSQL a second worker with a live worker's id runs under a distinct id, so the two
never hold the same client, and a one-off `sync` leaves a worker's clients to it.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from daemonhelpers import config_dict, sheetsync, write_config

PG = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def run(*args: str) -> tuple[int, str, str]:
    proc = sheetsync(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_sync_refuses_while_the_daemon_holds_the_sqlite_store(tmp_path):
    from sheetsync.daemon import store_lock

    cfg = write_config(tmp_path / "sheetsync.toml", config_dict(tmp_path / "data", ["alfa"]))
    url = f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}"
    with store_lock(url, holder="worker w1"):
        code, out, err = run("sync", "--config", str(cfg))
        dry, _, dry_err = run("sync", "--dry-run", "--config", str(cfg))
    assert code == 1, (out, err)
    first = " ".join(err.split("what to do")[0].split())  # one message (rich wraps it at 80 columns)
    assert "the daemon (`sheetsync run`" in first and "worker w1" in first and "nothing was synced" in first, err
    assert "Traceback" not in err
    assert dry == 0, dry_err  # a dry run writes nothing: no lock needed


def test_the_daemon_refuses_while_a_sync_holds_the_store(tmp_path):
    from sheetsync.daemon import store_lock
    from sheetsync.daemon.lock import SYNC_HOLDER

    cfg = write_config(tmp_path / "sheetsync.toml", config_dict(tmp_path / "data", ["alfa"]))
    with store_lock(f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}", holder=SYNC_HOLDER):
        code, out, err = run("run", "--once", "--config", str(cfg))
    assert code == 1 and "a `sheetsync sync` is running" in err, (out, err)


def test_sync_holds_the_lock_while_it_syncs(tmp_path, monkeypatch):
    """In process: while `sync` runs its cycle, the store's lock is taken (a daemon starting then is refused)."""
    from typer.testing import CliRunner

    from sheetsync.cli import app
    from sheetsync.cli import sync as cli_sync
    from sheetsync.daemon import StoreLocked, store_lock

    cfg = write_config(tmp_path / "sheetsync.toml", config_dict(tmp_path / "data", ["alfa"]))
    url = f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}"
    seen = []
    real = cli_sync.run_sync

    def spy(*a, **kw):
        try:
            with store_lock(url, holder="a daemon starting"):
                seen.append("free")
        except StoreLocked as e:
            seen.append(str(e))
        return real(*a, **kw)

    monkeypatch.setattr(cli_sync, "run_sync", spy)
    r = CliRunner().invoke(app, ["sync", "-c", str(cfg)])
    assert r.exit_code == 0, r.output
    assert seen and "a `sheetsync sync` is running" in seen[0], seen


@pytest.fixture
def pg_store():
    psycopg = pytest.importorskip("psycopg")
    name = f"sheetsync_races_{os.getpid()}"
    admin = PG.replace("postgresql+psycopg", "postgresql") + "/test"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL is not reachable at {admin}: {e}")
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
    from sheetsync.store.facade import Store

    st = Store.open(f"{PG}/{name}")
    yield st
    st.close()
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.mark.postgres
def test_two_workers_with_one_id_never_hold_the_same_client(pg_store, caplog):
    from sheetsync.daemon.lease import LeaseKeeper

    slugs = [f"c{i}" for i in range(6)]
    a = LeaseKeeper(pg_store, "w1", ttl_seconds=60)
    b = LeaseKeeper(pg_store, "w1", ttl_seconds=60)  # the operator started the same id twice
    a.heartbeat()
    with caplog.at_level("WARNING"):
        b.heartbeat()
    assert a.worker_id == "w1" and b.worker_id != "w1"
    assert any("already used by a live worker" in r.getMessage() for r in caplog.records)
    for _ in range(2):
        held_a, held_b = a.claim(slugs), b.claim(slugs)
    assert held_a and held_b and not set(held_a) & set(held_b), (held_a, held_b)
    assert sorted(held_a + held_b) == slugs
    assert sorted(a.live_workers()) == sorted(["w1", b.worker_id])
    a.stop()
    b.stop()
    c = LeaseKeeper(pg_store, "w1", ttl_seconds=60)  # a clean restart gets its id back
    c.heartbeat()
    assert c.worker_id == "w1"
    c.stop()


@pytest.mark.postgres
def test_a_restart_after_a_crash_takes_its_id_back(pg_store):
    from sheetsync.daemon.lease import WORKER, LeaseKeeper

    proc = subprocess.Popen(["true"])
    proc.wait()
    k = LeaseKeeper(pg_store, "w1", ttl_seconds=60)
    assert pg_store.sync.acquire_lease(WORKER + "w1", f"w1 pid {proc.pid} on {k.host} #deadbeef", 60)
    k.heartbeat()
    assert k.worker_id == "w1"
    k.stop()


@pytest.mark.postgres
def test_a_one_off_sync_on_postgresql_leaves_a_workers_clients_to_it(pg_store):
    from sheetsync.cli.sync import _client_leases
    from sheetsync.daemon.lease import CLIENT

    for slug in ("alfa", "beta"):
        pg_store.clients.create(slug, name=slug, contacts="", manager_email="m@agency.test", tracker_url="",
                                viewer_emails=[], editor_emails=[], locale="ru", timezone="UTC", origin="cli",
                                actor="test")
        pg_store.clients.set_spreadsheet(slug, f"sheet-{slug}", origin="cli", actor="test")
    assert pg_store.sync.acquire_lease(CLIENT + "alfa", "w1", 60)  # a daemon worker syncs alfa
    with _client_leases(pg_store, None, False) as (mine, left):
        assert (mine, left) == (["beta"], ["alfa"])
        assert not pg_store.sync.acquire_lease(CLIENT + "beta", "w1", 60)  # held while this sync runs
    assert pg_store.sync.acquire_lease(CLIENT + "beta", "w1", 60)  # handed back afterwards
