"""Scale-out on PostgreSQL: three `sheetsync run` workers split 30 clients by lease; none is synced by
two workers at once; a SIGKILLed worker's clients are taken over once its leases expire.

The emulator is served over loopback from this process, so all workers see one "Google".
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest
from daemonhelpers import config_dict, provision_by_cloning, read_events, sheetsync, wait_for, write_config

pytestmark = pytest.mark.postgres
PG = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
# 30 clients under CI and SHEETSYNC_LONG=1 (about two minutes on a 2-core runner); 12 locally
N = 30 if os.environ.get("CI") or os.environ.get("SHEETSYNC_LONG") else 12
SLUGS = [f"c{i:02d}" for i in range(N)]
SHARE = N // 3
TTL = 6.0


@pytest.fixture
def pg_url():
    psycopg = pytest.importorskip("psycopg")
    name = f"sheetsync_daemon_{os.getpid()}"
    admin = PG.replace("postgresql+psycopg", "postgresql") + "/test"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL is not reachable at {admin}: {e}")
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG}/{name}"
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _held(log) -> list[str] | None:
    changes = [e for e in read_events(log) if e["msg"] == "leases changed"]
    return changes[-1]["held"] if changes else None


def _intervals(logs) -> dict[str, list[tuple[float, float, str]]]:
    out: dict[str, list[tuple[float, float, str]]] = {}
    for worker, log in logs.items():
        for e in read_events(log):
            if e["msg"] == "client synced":
                out.setdefault(e["client"], []).append((e["started"], e["ended"], worker))
    return out


def _assert_never_twice_at_once(logs) -> int:
    n = 0
    for slug, spans in _intervals(logs).items():
        spans.sort()
        for (s1, e1, w1), (s2, _e2, w2) in zip(spans, spans[1:], strict=False):
            n += 1
            assert s2 >= e1 or w1 == w2, f"{slug} synced by {w1} and {w2} at once ({s1}-{e1} vs {s2})"
    return n


def test_three_workers_split_thirty_clients_and_take_over_a_dead_ones(tmp_path, pg_url):
    from gsheets_emulator import Emulator
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.app import App
    from sheetsync.sheets import Backend, connect

    emu = Emulator()
    server = EmulatorServer(emu).start()
    cfg_dict = config_dict(tmp_path / "data", SLUGS, store_url=pg_url)
    cfg = write_config(tmp_path / "sheetsync.toml", cfg_dict)
    app = App.from_config(cfg, sheets=connect(Backend(emulator=emu)))
    app.store.sync_reference_data(app.config)
    for slug in SLUGS:
        app.store.tasks.create(slug, {"title": f"{slug}: первая"}, origin="cli", actor="team")
    provision_by_cloning(app, emu, SLUGS)
    emu.faults.latency(0.01)

    logs = {w: tmp_path / f"{w}.log" for w in ("w1", "w2", "w3")}
    procs = {w: sheetsync("run", "--config", str(cfg), "--emulator-url", server.url, "--worker-id", w,
                          "--interval", "1", "--sync-only", "--lease-ttl", str(TTL), "--log-json",
                          "--log-file", str(log), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for w, log in logs.items()}
    rng = random.Random(8)
    try:
        def balanced():
            held = {w: _held(log) for w, log in logs.items()}
            if any(h is None or len(h) != SHARE for h in held.values()):
                return None
            return held

        held = wait_for(balanced, 120, f"three workers holding {SHARE} clients each", poll=0.3)
        everyone = [c for h in held.values() for c in h]
        assert sorted(everyone) == SLUGS, "a client held by two workers, or by none"
        # the team keeps working while the workers sync
        for _ in range(10):
            for slug in rng.sample(SLUGS, 3):
                t = app.store.tasks.list(slug)[0]
                app.store.tasks.update(t.key, {"priority": rng.randint(1, 5)}, origin="cli", actor="team")
            time.sleep(0.3)
        wait_for(lambda: set(_intervals(logs)) == set(SLUGS), 60, "every client synced at least once")

        # w3 dies without a word; after its leases expire, w1 and w2 take its clients
        orphans = held["w3"]
        killed_at = time.time()
        procs["w3"].send_signal(signal.SIGKILL)
        procs["w3"].wait(timeout=10)
        for slug in orphans:
            app.store.tasks.update(app.store.tasks.list(slug)[0].key, {"title": f"{slug}: после падения"},
                                   origin="cli", actor="team")

        def taken_over():
            h1, h2 = _held(logs["w1"]), _held(logs["w2"])
            return h1 is not None and h2 is not None and sorted(h1 + h2) == SLUGS and len(h1) == len(h2) == N // 2

        wait_for(taken_over, 60, "w1 and w2 taking over w3's clients", poll=0.3)

        def orphans_synced():
            spans = _intervals({"w1": logs["w1"], "w2": logs["w2"]})
            return all(any(s > killed_at for s, _e, _w in spans.get(slug, [])) for slug in orphans)

        wait_for(orphans_synced, 60, "the orphaned clients synced by the survivors")
        assert time.time() - killed_at >= TTL * 0.8, "taken over before the lease could have expired"
        for slug in orphans:  # the edit made after the crash reached the sheet
            ss = emu.gspread_client(user="anna@agency.test").open_by_key(app.store.clients.get(slug).spreadsheet_id)
            assert f"{slug}: после падения" in [r[1] for r in ss.worksheet("Бэклог").get_all_values()]
        for w in ("w1", "w2"):
            procs[w].send_signal(signal.SIGTERM)
        for w in ("w1", "w2"):
            _out, err = procs[w].communicate(timeout=30)
            assert procs[w].returncode == 0, err
    finally:
        for p in procs.values():
            p.kill()
        app.close()
        server.stop()
    compared = _assert_never_twice_at_once(logs)
    assert compared >= N, "too few syncs to compare: the test proves nothing"
