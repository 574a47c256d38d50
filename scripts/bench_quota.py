"""What one take from the shared quota budget costs (docs/operations.md "One quota budget for all workers").

    .venv/bin/python scripts/bench_quota.py [--url postgresql://postgres@127.0.0.1:5432/test] [--takes 2000]

Each process opens its own Store (a throwaway schema, dropped at the end) and times ``--takes`` calls of
``store.quota.take`` — one ``SELECT sheetsync_quota_take(...)`` each — as one service account against one
project (the case that contends: every process locks the same two rows). Two situations:

* ``granted``: Google's limits (60 per user, 300 per project) on a 10 ms window, so every take is
  recorded (each one prunes, appends and writes both rows);
* ``full``: the same limits on a 61 s window: after the first 60 the takes are refused (the answer is a
  wait, read from a window holding its full 60 stamps), which is what waiting workers ask.

Printed: milliseconds per take (mean over processes, wall time per call as each process saw it), and the
takes per second of all processes together.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import uuid
from typing import Any

SITUATIONS = {"granted": 0.01, "full": 61.0}


def worker(url: str, kwargs: dict[str, Any], n: int, window: float, barrier: Any, out: Any) -> None:
    from sheetsync.store import Store

    store = Store.open(url, migrate_schema=False, **kwargs)
    try:
        store.quota.take("user:warm-up", "drive", 1, 1.0, "project:warm-up", 1)  # connect before the start
        barrier.wait(timeout=60)
        granted = 0
        start = time.perf_counter()
        for _ in range(n):
            granted += store.quota.take("user:bench@x.test", "read", 60, window, "project:bench", 300) == 0.0
        out.put((time.perf_counter() - start, granted))
    finally:
        store.close()


def run(url: str, kwargs: dict[str, Any], procs: int, n: int, window: float) -> tuple[float, float, int]:
    ctx = mp.get_context("forkserver")
    barrier, out = ctx.Barrier(procs), ctx.Queue()
    ps = [ctx.Process(target=worker, args=(url, kwargs, n, window, barrier, out)) for _ in range(procs)]
    for p in ps:
        p.start()
    start = time.perf_counter()
    results = [out.get(timeout=300) for _ in ps]
    wall = time.perf_counter() - start
    for p in ps:
        p.join()
    ms = sum(seconds for seconds, _ in results) / len(results) / n * 1000
    return ms, procs * n / wall, sum(g for _, g in results)


def main() -> None:
    import psycopg

    from sheetsync.store import Store

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--takes", type=int, default=2000, help="takes per process")
    args = ap.parse_args()
    dsn = args.url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"bench_quota_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    kwargs = {"connect_args": {"options": f"-csearch_path={schema}"}}
    try:
        Store.open(args.url, **kwargs).close()
        print(f"{'situation':<10} {'processes':>9} {'takes':>7} {'granted':>8} {'ms/take':>8} {'takes/s':>8}")
        for situation, window in SITUATIONS.items():
            for procs in (1, 3):
                with psycopg.connect(dsn, autocommit=True) as admin:
                    admin.execute(f'DELETE FROM "{schema}".quota_windows')
                ms, rate, granted = run(args.url, kwargs, procs, args.takes, window)
                print(f"{situation:<10} {procs:>9} {procs * args.takes:>7} {granted:>8} {ms:>8.3f} {rate:>8.0f}")
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
