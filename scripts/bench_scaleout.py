"""PostgreSQL scale-out: database statements and API calls per sync tick, N clients over W workers.

    .venv/bin/python scripts/bench_scaleout.py                                   # 1,000 clients, 3 workers
    .venv/bin/python scripts/bench_scaleout.py --clients 100 --workers 2 --ticks 2   # a quick look

Real `sheetsync run` worker processes on a scratch PostgreSQL database, against an emulator served from
this process (quota off: the database is what is measured here). Every client is synced once first, in
this process; the workers then start and the bench waits until they are steady (no sync job waiting or
running, a tick with no API call but its listing: the warm-up line says how long that took and what it
cost). Then ``--ticks`` ticks with nothing changed are measured, then ``--changed`` clients get an edit
each and the window runs until the workers are steady again: per tick over that window, and per changed
client over the idle rate. Statements are every statement the workers sent, read off the PostgreSQL
server log (``log_statement = all`` on the scratch database only; ``--pg-log`` names the log file; when
it cannot be read, only transactions are shown, from ``pg_stat_database``). The "lease (before)" row
is what issue 16 measured on the home-made lease it replaces.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

PG = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
MANAGER = "anna@agency.test"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--ticks", type=int, default=3, help="ticks measured in each phase")
    ap.add_argument("--interval", type=int, default=10, help="seconds between ticks")
    ap.add_argument("--changed", type=int, default=50, help="clients edited before the second phase")
    ap.add_argument("--pg-log", default="/var/log/postgresql/postgresql-15-main.log")
    a = ap.parse_args(argv)

    import psycopg
    import tomli_w
    from gsheets_emulator import Emulator
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.app import App
    from sheetsync.bench.agency import provision_by_cloning
    from sheetsync.sheets import Backend, connect

    db = f"sheetsync_bench_scaleout_{os.getpid()}"
    admin = psycopg.connect(PG.replace("postgresql+psycopg", "postgresql") + "/test", autocommit=True)
    admin.execute(f'CREATE DATABASE "{db}"')
    tmp = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    slugs = [f"c{i:04d}" for i in range(a.clients)]
    cfg = tmp / "sheetsync.toml"
    cfg.write_text(tomli_w.dumps({
        "data_dir": str(tmp / "data"), "store": {"url": f"{PG}/{db}"},
        "specialists": [{"email": MANAGER, "name": "Анна", "role": "manager"}],
        "clients": [{"slug": s, "name": f"Клиент {s}", "manager_email": MANAGER} for s in slugs]}), encoding="utf-8")
    procs: list[subprocess.Popen[bytes]] = []
    emu = Emulator()
    app = App.from_config(cfg, sheets=connect(Backend(emulator=emu)))
    server = None
    try:
        t0 = time.monotonic()
        app.store.sync_reference_data(app.config)
        for s in slugs:
            app.store.tasks.create(s, {"title": f"{s}: задача"}, origin="cli", actor="bench")
        provision_by_cloning(app, emu, slugs, actor="bench")
        app.engine().cycle()  # every client synced once: the workers start from a steady state
        print(f"set-up: {a.clients} clients provisioned and synced in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        server = EmulatorServer(emu).start()
        admin.execute(f'ALTER DATABASE "{db}" SET log_statement = \'all\'')
        env = {**os.environ, "SHEETSYNC_ALLOW_SHORT_INTERVAL": "1"}
        for k in range(1, a.workers + 1):
            procs.append(subprocess.Popen(
                [sys.executable, "-c", "from sheetsync.cli import main; main()", "run", "--config", str(cfg),
                 "--emulator-url", server.url, "--worker-id", f"w{k}", "--interval", str(a.interval), "--sync-only",
                 "--log-json", "--log-file", str(tmp / f"w{k}.log")], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        t1, calls0 = time.monotonic(), len(emu.log)
        _settle(admin, db, emu, a.interval)  # the first listings, and each client's one read (see the docstring)
        print(f"warm-up: steady after {time.monotonic() - t1:.0f} s and {len(emu.log) - calls0:,} API calls",
              file=sys.stderr)

        rows = []
        before = _snapshot(admin, db, a.pg_log, emu)
        time.sleep(a.ticks * a.interval)
        after = _snapshot(admin, db, a.pg_log, emu)
        idle = _per_tick(before, after, a.ticks)
        rows.append(("nothing changed", *idle))
        for s in slugs[:a.changed]:
            t = app.store.tasks.list(s)[0]
            app.store.tasks.update(t.key, {"title": f"{s}: правка"}, origin="cli", actor="bench")
        before, t2, mark = _snapshot(admin, db, a.pg_log, emu), time.monotonic(), len(emu.log)
        time.sleep(a.interval)
        _settle(admin, db, emu, a.interval)  # every edited client synced, then one quiet tick
        after = _snapshot(admin, db, a.pg_log, emu)
        ticks = (time.monotonic() - t2) / a.interval
        busy = _per_tick(before, after, ticks)
        rows.append((f"{a.changed} clients changed ({ticks:.1f} ticks)", *busy))
        per_client = [None if b is None or i is None else (b - i) * ticks / max(1, a.changed)
                      for b, i in zip(busy, idle, strict=True)]
        rows.append(("  each changed client, over idle", *per_client))
        calls = Counter(e.name for e in emu.log[mark:])
        print("API calls in the changed window: " + ", ".join(f"{n} {name}" for name, n in calls.most_common()),
              file=sys.stderr)
        _table(a, rows)
        return 0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        app.close()
        if server is not None:
            server.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


def _settle(admin, db: str, emu, interval: int, timeout: float = 3600) -> None:
    """Wait until the workers are steady: no job waiting or running, and a whole tick with no API call but
    the tick's listing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = len(emu.log)
        time.sleep(interval)
        queued = _watch(db).execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                                    "AND task_name = 'sheetsync.sync_client'").fetchone()[0]
        if queued == 0 and len(emu.log) - calls <= 2:
            return
    raise SystemExit(f"bench_scaleout: the workers were not steady after {timeout:.0f} s")


@functools.cache
def _watch(db: str):
    """The bench's own connection to the scratch database, with statement logging off for it (its queries are
    not the workers'; each still counts as one transaction in pg_stat_database, one per tick at most)."""
    import psycopg

    conn = psycopg.connect(PG.replace("postgresql+psycopg", "postgresql") + f"/{db}", autocommit=True)
    conn.execute("SET log_statement = 'none'")
    return conn


def _per_tick(before, after, ticks: float) -> list[float | None]:
    return [(y - x) / ticks if x is not None and y is not None else None for x, y in zip(before, after, strict=True)]


def _snapshot(admin, db: str, pg_log: str, emu) -> tuple[float | None, float | None, float | None]:
    """(statements sent to ``db`` so far per the server log or None, transactions, API calls so far)."""
    time.sleep(1.0)  # pg_stat_database is flushed about once a second
    xacts = admin.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                          (db,)).fetchone()[0]
    statements = None
    try:
        marker = f"@{db} "
        with open(pg_log, encoding="utf-8", errors="replace") as f:
            statements = sum(1 for line in f if marker in line and ("LOG:  statement:" in line
                                                                      or "LOG:  execute" in line))
    except OSError:
        pass
    return statements, float(xacts), float(len(emu.log))


def _table(a, rows) -> None:
    print(f"\nPostgreSQL scale-out, {a.clients} clients over {a.workers} workers, a tick every {a.interval} s "
          f"(per tick, mean of {a.ticks})")
    print(f"{'way':<34} {'statements':>11} {'transactions':>13} {'API calls':>10}")
    for phase, st, tx, calls in rows:
        print(f"{'jobs: ' + phase:<34} {_n(st):>11} {_n(tx):>13} {_n(calls):>10}")
    print(f"{'lease (before), fair share':<34} {'336':>11} {'n/a':>13} {'n/a':>10}")
    print(f"{'lease (before), short of share':<34} {'1,670':>11} {'n/a':>13} {'n/a':>10}")
    print("(lease figures: issue 16, per claim per worker at 1,000 clients over 3 workers; a claim ran every cycle)")


def _n(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


if __name__ == "__main__":
    sys.exit(main())
