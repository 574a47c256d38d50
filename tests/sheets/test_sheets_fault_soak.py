"""A fault soak: random 5xx, lost responses and tight quotas; the transport never duplicates and never loses.

Quick by default; SHEETSYNC_LONG=1 runs it ten times longer.
"""

from __future__ import annotations

import os
import random

import pytest
from gsheets_emulator import Emulator
from sheets_fakes import FakeClock

from sheetsync.sheets import (
    QuotaExhausted,
    RetryPolicy,
    SheetsError,
    TransientError,
    WriteOutcomeUnknown,
    connect,
)
from sheetsync.sheets.client import Backend
from sheetsync.sheets.values import from_cell

ROUNDS = 600 if os.environ.get("SHEETSYNC_LONG") else 60


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_soak(seed):
    rng = random.Random(seed)
    clock = FakeClock(2_000_000.0)
    emu = Emulator(clock=clock, quota=True)
    emu.quota.configure(per_user=20, per_project=50)
    emu.faults.fail_rate(0.15, seed=seed, status=503)
    emu.faults.lose_response_rate(0.1, seed=seed + 100)
    c = connect(Backend(emulator=emu, retry=RetryPolicy(max_attempts=4)), sleep=clock.sleep)
    created: set[str] = set()  # titles whose create we know landed
    unknown: set[str] = set()  # titles whose create may have landed
    books: list[str] = []
    expected: dict[str, int] = {}  # spreadsheet -> last value we know we wrote
    outcomes = {"ok": 0, "transient": 0, "unknown": 0}
    for i in range(ROUNDS):
        op = rng.random()
        try:
            if op < 0.2 or not books:
                title = f"book {i}"
                try:
                    sid = c.create_spreadsheet({"properties": {"title": title}})["spreadsheetId"]
                except WriteOutcomeUnknown:
                    unknown.add(title)
                    outcomes["unknown"] += 1
                    continue
                created.add(title)
                books.append(sid)
            elif op < 0.7:
                sid = rng.choice(books)
                c.write_values(sid, [("'Sheet1'!A1", [[i]])])
                expected[sid] = i
            else:
                sid = rng.choice(books)
                got = c.snapshot(sid, ["'Sheet1'!A1"])["'Sheet1'!A1"]
                if sid in expected:
                    assert from_cell(got[0][0], "int") == expected[sid]
            outcomes["ok"] += 1
        except (TransientError, QuotaExhausted):
            # nothing known to have changed, except an idempotent write that may have landed: re-read it
            outcomes["transient"] += 1
            if op >= 0.2 and op < 0.7 and books:
                expected.pop(sid, None)
        except SheetsError as e:  # pragma: no cover - would be a bug
            pytest.fail(f"unexpected {type(e).__name__}: {e}")
    emu.faults.clear()
    titles = [f.name for f in c.list_modified()]
    assert len(titles) == len(set(titles)), "a create was sent twice"
    assert created <= set(titles) <= created | unknown
    counts = c.counts()
    assert counts.throttled == 0, "the budget should keep every call under the quota"
    assert outcomes["ok"] > ROUNDS // 2 and counts.retries > 0 and emu.faults.lost > 0
