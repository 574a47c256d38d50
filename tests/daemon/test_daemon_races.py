"""`sheetsync sync` beside the daemon, and two workers started with one --worker-id (issue 13, item 4).

On SQLite a one-off `sync` takes the daemon's store lock (or refuses with one line naming the
daemon); on PostgreSQL a one-off `sync` holds each client's job lock as a worker's job does, so it
leaves a worker's clients to it and no worker starts one it syncs (issue 16: the job engine); a job
taken back from a silent worker fences that worker off; a periodic tick runs once.
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


def _clients(store, *slugs: str) -> None:
    for slug in slugs:
        store.clients.create(slug, name=slug, contacts="", manager_email="m@agency.test", tracker_url="",
                             viewer_emails=[], editor_emails=[], locale="ru", timezone="UTC", origin="cli",
                             actor="test")
        store.clients.set_spreadsheet(slug, f"sheet-{slug}", origin="cli", actor="test")


@pytest.mark.postgres
def test_a_one_off_sync_on_postgresql_leaves_a_workers_clients_to_it(pg_store):
    from sheetsync.daemon.queue import ClientHold

    _clients(pg_store, "alfa", "beta")
    with ClientHold(pg_store, ["alfa"]) as worker:  # a daemon worker's job syncs alfa
        assert set(worker.got) == {"alfa"}
        with ClientHold(pg_store, ["alfa", "beta"]) as one_off:
            assert (sorted(one_off.got), one_off.left) == (["beta"], ["alfa"])
            with ClientHold(pg_store, ["beta"]) as another:  # beta is held while the one-off syncs it
                assert (another.got, another.left) == ({}, ["beta"])
    with ClientHold(pg_store, ["alfa", "beta"]) as after:  # both handed back
        assert sorted(after.got) == ["alfa", "beta"]


@pytest.mark.postgres
def test_a_job_taken_back_fences_its_worker_off_the_store(pg_store):
    from procrastinate.jobs import Status

    from sheetsync.daemon.queue import ClientHold
    from sheetsync.store import JobLostError

    _clients(pg_store, "alfa")
    with ClientHold(pg_store, ["alfa"]) as hold:
        job, worker = hold.got["alfa"], int(hold.worker_id or 0)
        pg_store.jobs.check(job, worker)  # held: no complaint
        with pg_store.guarded(lambda s: pg_store.jobs.check(job, worker, session=s)):
            pg_store.clients.update("alfa", {"name": "Alfa"}, origin="cli", actor="test")
        # another worker takes the job back, as daemon/queue.py does for a worker silent too long
        hold._run(hold.jobs.job_manager.finish_job_by_id_async(job, status=Status.FAILED, delete_job=False))
        with pytest.raises(JobLostError):
            pg_store.jobs.check(job, worker)
        with pytest.raises(JobLostError), pg_store.guarded(lambda s: pg_store.jobs.check(job, worker, session=s)):
            pg_store.clients.update("alfa", {"name": "Stale"}, origin="cli", actor="test")
    assert pg_store.clients.get("alfa").name == "Alfa"  # the fenced write never committed


@pytest.mark.postgres
def test_a_periodic_tick_runs_once_whatever_order_the_workers_defer_it(pg_store):
    claim = pg_store.jobs.claim_tick
    assert claim("sheetsync.agency_job:reminders", 100)
    assert not claim("sheetsync.agency_job:reminders", 100)  # the same tick again
    assert claim("sheetsync.agency_job:reminders", 102)
    assert not claim("sheetsync.agency_job:reminders", 100)  # a lagging worker's late defer of an old tick
    assert claim("sheetsync.tick", 100)  # each periodic job has its own ticks
    assert abs(pg_store.jobs.now() - __import__("time").time()) < 5  # the database's clock, as a Unix time


@pytest.mark.postgres
def test_the_deferral_loop_reads_the_database_clock_once_per_refresh_not_once_per_look(pg_store):
    import asyncio
    import time

    from sheetsync.daemon.queue import DatabaseClock

    clock = DatabaseClock(pg_store.jobs.now, refresh=0.6)

    async def look(times: int) -> list[float]:
        out = []
        for _ in range(times):
            out.append(await clock.now())
            await asyncio.sleep(0.01)
        return out

    seen = asyncio.run(look(20))  # 0.2 s of looks: one reading
    assert clock.readings == 1
    assert seen == sorted(seen) and abs(seen[-1] - pg_store.jobs.now()) < 0.05  # carried forward, not frozen
    time.sleep(0.6)
    asyncio.run(look(1))
    assert clock.readings == 2  # taken again after `refresh` seconds
