"""Code run in child processes by test_shared_budget.py (must be importable by a spawned interpreter)."""

from __future__ import annotations

import time
from typing import Any

from sheetsync.sheets import Budget, QuotaSettings
from sheetsync.store import Store


def hammer(db: dict[str, Any], user: str, limits: dict[str, Any], shared: bool, seconds: float,
           barrier: Any, out: Any) -> None:
    """Take reads as fast as the budget lets through for ``seconds``; report the wall time of each grant.

    ``shared``: the budget goes through the store's ledger (else each process has its own, as before)."""
    store = Store.open(db["url"], migrate_schema=False, **db["kwargs"])
    budget = Budget(QuotaSettings(**limits), ledger=store.quota if shared else None, project="test", poll=0.25)
    grants: list[float] = []
    try:
        budget.try_acquire("warm-up@x.test", "write")  # connect before the start line
        barrier.wait(timeout=60)
        end = time.time() + seconds
        while time.time() < end:
            budget.acquire(user, "read")
            grants.append(time.time())
    finally:
        store.close()
    out.put((user, grants))

