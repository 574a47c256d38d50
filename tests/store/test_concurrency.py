"""Two real processes updating the same task or invoice never silently overwrite each other."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from concurrency_workers import draw_keys, race_updates
from store_helpers import ACTOR

ROUNDS = 3


def _run(target, args_per_proc, barrier_parties):
    # forkserver: children fork from a clean server that preloaded the store (fast), never from this
    # process, whose open database connections a forked child must not inherit
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sheetsync.store"])
    barrier, out = ctx.Barrier(barrier_parties), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, out)) for args in args_per_proc]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


@pytest.mark.parametrize("entity", ["task", "invoice"])
def test_concurrent_updates_of_one_record_exactly_one_wins_each_round(store_db, store, acme, entity):
    if entity == "task":
        key = store.tasks.create("acme", title="start", origin="cli", actor=ACTOR).key
    else:
        key = store.invoices.create("acme", amount=100, planned_date="2026-11-04", origin="cli", actor=ACTOR).key
    results = _run(race_updates, [(store_db, entity, key, "alice", ROUNDS), (store_db, entity, key, "bob", ROUNDS)], 2)
    won = sum(r[1] for r in results)
    lost = sum(r[2] for r in results)
    assert (won, lost) == (ROUNDS, ROUNDS)  # every round: one write landed, the other was refused
    repo = store.tasks if entity == "task" else store.invoices
    assert repo.get(key).version == 1 + ROUNDS
    field = "title" if entity == "task" else "description"
    updates = [r for r in store.log(key=key, entity=entity) if r.action == "update"]
    assert len(updates) == ROUNDS and all(r.field == field for r in updates)
    # each logged old value is the previous round's new value: no write was based on a stale read
    assert all(a.new == b.old for a, b in zip(updates, updates[1:], strict=False))


def test_parallel_processes_draw_unique_keys_and_share_a_token(store_db, store, acme):
    n = 8
    results = _run(draw_keys, [(store_db, n, f"p{i}-") for i in range(3)], 3)
    created = [k for r in results for k in r[0]]
    reserved = [k for r in results for k in r[1]]
    assert len(set(created + reserved)) == len(created) + len(reserved) == 6 * n
    assert len({r[2] for r in results}) == 1  # the same token gave every process the same key
    assert store.tasks.count("acme") == 3 * n
