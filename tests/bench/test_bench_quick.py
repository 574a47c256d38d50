"""The benchmark's budgets as CI checks (docs/benchmarks.md "Budgets"): call counts only, never wall-clock.

One small agency (12 clients) is built once; each test measures one job on it through the same code
the benchmark uses (sheetsync.bench), so a regression in calls per job fails here first. The full
benchmark (scripts/bench.py) is not run by CI; test_quick_cli runs its --quick mode only with
SHEETSYNC_LONG=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sheetsync.bench import jobs

VALUES_WRITES = ("sheets.spreadsheets.values.batchUpdate", "sheets.spreadsheets.values.batchUpdateByDataFilter")


def values_writes(m) -> int:
    """Value writes, whichever endpoint the engine uses (by range or by developer-metadata filter)."""
    return sum(m.by_method.get(k, 0) for k in VALUES_WRITES)


@pytest.fixture(scope="module")
def world():
    w = jobs.World(jobs.build(12, 0, first_client_rows=55, synced_clients=3))
    yield w
    w.a.close()


def test_unchanged_cycle_is_one_drive_listing(world):
    m, rep = world.ours_cycle(None)
    assert all(r.skipped for r in rep.clients) and len(rep.clients) == 12
    assert m.by_method == {"drive.files.list": 1}, m.by_method
    assert m.cells_written == 0


def test_changed_client_costs_at_most_read_check_write(world):
    """5% of 12 -> one client changed on both sides: listing + one snapshot read carrying the row metadata +
    a Drive files.get in place of the ID-check read + the values write."""
    slugs = world.a.slugs
    changed = world.change(slugs, 0.05)
    assert len(changed) == 1
    m, rep = world.ours_cycle(None)
    synced = [r for r in rep.clients if not r.skipped]
    assert [r.client for r in synced] == changed
    assert synced[0].pulled + synced[0].created >= 1 and synced[0].pushed >= 1, synced[0]
    assert m.by_method["drive.files.list"] == 1 and m.by_method["drive.files.get"] == 1, m.by_method
    assert m.reads == 1 and m.writes <= 1 + 1, m.by_method  # +1 structural only when rows are added
    assert values_writes(m) == 1, m.by_method
    # our write moved its modifiedTime, but Drive's version shows nothing but our writes: no re-read
    follow, _ = world.ours_cycle(None)
    assert follow.by_method == {"drive.files.list": 1}, follow.by_method
    world.settle(slugs)


def test_every_client_changed_scales_per_client(world):
    slugs = world.a.slugs
    world.change(slugs, 1.0)
    m, rep = world.ours_cycle(None)
    assert all(not r.skipped for r in rep.clients)
    assert m.by_method["drive.files.list"] == 1 and m.drive <= 1 + len(slugs), m.by_method
    assert m.reads <= len(slugs) and m.writes <= 2 * len(slugs), m.by_method
    naive = world.naive_cycle(slugs)
    assert naive.calls > m.calls and naive.cells_written > m.cells_written
    # per client and sheet: one whole read, one whole write (+ gspread-dataframe's grid resize)
    assert naive.by_method["sheets.spreadsheets.values.get"] == 2 * len(slugs), naive.by_method
    assert naive.by_method["sheets.spreadsheets.values.update"] == 2 * len(slugs), naive.by_method
    world.settle(slugs)


def test_one_changed_cell_is_one_read(world):
    row = jobs.one_cell_job(world, world.a.slugs[0])
    assert row.extra["pulled"] == 1
    assert row.ours.by_method == {"drive.files.list": 1, "sheets.spreadsheets.values.batchGet": 1}, row.ours.by_method
    assert row.naive is not None and row.naive.writes >= 2  # the naive way rewrites both sheets anyway


def test_fifty_changed_rows_one_values_write(world):
    row = jobs.fifty_rows_job(world, world.a.slugs[0])
    assert row.extra["pushed"] >= 50
    assert values_writes(row.ours) == 1, row.ours.by_method
    assert row.ours.reads <= 2 and row.ours.writes <= 2, row.ours.by_method
    assert row.ours.cells_written < row.naive.cells_written


def test_provisioning_takes_a_handful_of_calls(world):
    row = jobs.provision_job(world)
    by = row.ours.by_method
    assert by["sheets.spreadsheets.create"] == 1 and by["sheets.spreadsheets.batchUpdate"] == 1, by
    # Drive: sharing (permissions.list + one create per person) and the writersCanShare lock
    # (files.get + files.update), all on Drive's quota
    assert row.ours.reads + row.ours.writes <= 3 and row.ours.drive <= 5, by
    world.settle(world.a.slugs)


def test_quota_fit_arithmetic():
    # 2 reads + 1 write per changed client, 5% changed: ceil(0.05 n) * 2 <= 60 -> n <= 600
    assert jobs.quota_fit(2, 1) == 600
    assert jobs.quota_fit(3, 1) == 400
    assert jobs.quota_fit(1, 1) == 1200


def test_quota_check_sees_429_over_the_limit(world):
    """A steady-state minute with every client changed needs one read each (12): fine under 60, and the
    emulator refuses reads past the limit when it is lowered to 8."""
    m, throttled = jobs.quota_check(world, world.a.slugs, share=1.0)
    assert throttled == 0 and m.reads == 12, m.by_method
    q = world.a.emu.quota
    q.per_user["read"] = 8
    try:
        m, throttled = jobs.quota_check(world, world.a.slugs, share=1.0)
    finally:
        q.per_user["read"] = 60
    assert throttled > 0


@pytest.mark.skipif(not os.environ.get("SHEETSYNC_LONG"), reason="the --quick benchmark run: SHEETSYNC_LONG=1")
def test_quick_cli(tmp_path):
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "scripts" / "bench.py"), "--quick", "--out", str(tmp_path)],
                         cwd=root, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    [folder] = list(tmp_path.iterdir())
    assert (folder / "results.csv").read_text().count("\n") > 10
    assert "Growth with clients" in (folder / "results.md").read_text()
