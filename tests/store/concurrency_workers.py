"""Code run in child processes by test_concurrency.py (must be importable by a spawned interpreter)."""

from __future__ import annotations

from typing import Any

from sheetsync.store import ConcurrentUpdateError, Store


def race_updates(db: dict[str, Any], entity: str, key: str, name: str, rounds: int, barrier: Any, out: Any) -> None:
    """Each round: read the version, wait for the other process, then write with that version."""
    store = Store.open(db["url"], migrate_schema=False, **db["kwargs"])
    repo = store.tasks if entity == "task" else store.invoices
    field = "title" if entity == "task" else "description"
    won = lost = 0
    try:
        for i in range(rounds):
            version = repo.get(key).version
            barrier.wait(timeout=60)
            try:
                repo.update(key, {field: f"{name}-{i}"}, expected_version=version, origin="api", actor=name)
                won += 1
            except ConcurrentUpdateError:
                lost += 1
            barrier.wait(timeout=60)  # both finished the round before anyone reads again
    finally:
        store.close()
    out.put((name, won, lost))


def draw_keys(db: dict[str, Any], n: int, token_prefix: str, barrier: Any, out: Any) -> None:
    store = Store.open(db["url"], migrate_schema=False, **db["kwargs"])
    try:
        barrier.wait(timeout=60)
        created = [store.tasks.create("acme", title=f"{token_prefix}{i}", origin="api", actor="w").key
                   for i in range(n)]
        reserved = [store.reserve_task_key("acme", f"{token_prefix}{i}") for i in range(n)]
        shared = store.reserve_task_key("acme", "the-same-token")
    finally:
        store.close()
    out.put((created, reserved, shared))
