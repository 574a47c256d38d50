"""The pool's quota fit (scripts/bench_pool.py --quota-fit), scaled down: Google's 60 requests a minute per user
become 4, and the agency shrinks with them. 100 clients at 5% a minute overrun one account (429 answers) and
fit in two, each account staying under its own per-user limit. The full run (60 a minute, 1,200 clients per
account) is behind SHEETSYNC_LONG=1."""

from __future__ import annotations

import os

import pytest

from sheetsync.bench.pool import LIMIT, pool_fit, run_pool_fit, table

QUICK_LIMIT = 4


def test_two_accounts_keep_in_sync_what_overruns_one():
    one = run_pool_fit(100, 1, limit=QUICK_LIMIT)
    assert not one.ok and one.throttled > 0, (one.throttled, one.failed, one.lost)
    two = run_pool_fit(100, 2, limit=QUICK_LIMIT)
    assert two.ok, (two.throttled, two.failed, two.lost)
    assert two.peak_reads <= QUICK_LIMIT and two.peak_writes <= QUICK_LIMIT
    assert len(two.reads) == 2 and all(n > 0 for n in two.reads.values())  # both accounts did the work
    assert sum(two.reads.values()) + sum(two.writes.values()) > 0
    text = table({1: (0, [one]), 2: (100, [two])})
    assert "| 2 | 100 |" in text and "2 accounts: 100 clients fit inside 4/min/user" in text


@pytest.mark.skipif(not os.environ.get("SHEETSYNC_LONG"), reason="the full pool fit takes about half an hour; "
                                                                  "SHEETSYNC_LONG=1 runs it")
def test_full_pool_fit_doubles_with_two_accounts():
    results = pool_fit([1, 2], [1200], limit=LIMIT)
    assert results[1][0] == 1200 and results[2][0] == 1200  # totals: 1,200 clients fit in one account
    results = pool_fit([2], [2400], limit=LIMIT)
    assert results[2][0] == 2400
