"""The daemon against the emulator with quotas on and injected faults converges with nothing lost.

A fake clock drives the emulator's quota windows, the shared request budget and the retry waits,
so minutes of quota-bound traffic run in seconds. Between cycles a manager edits the sheets and the
team edits the store; then the faults stop and the daemon must settle with every edit in place.
"""

from __future__ import annotations

import os
import random

from daemonhelpers import check_converged, config_dict, manager_edits, provision_by_cloning, seed_tasks

SLUGS = ["alfa", "beta", "gamma", "delta"]
CYCLES = 40 if os.environ.get("SHEETSYNC_LONG") else 10


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_790_000_000.0
        self.slept = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        self.slept += max(0.0, seconds)


class quiet:  # noqa: N801 - used like a function: `with quiet(emu):`
    """People's own requests are neither faulted nor counted against the daemon's quota."""

    def __init__(self, emu) -> None:
        self.emu = emu

    def __enter__(self):
        from gsheets_emulator.faults import Faults

        self.faults, self.emu.faults = self.emu.faults, Faults()
        self.emu.quota.enabled = False

    def __exit__(self, *exc):
        self.emu.faults = self.faults
        self.emu.quota.enabled = True


def _keyed_rows(emu, app, slug) -> int:
    with quiet(emu):
        ws = emu.gspread_client(user="anna@agency.test").open_by_key(app.store.clients.get(slug).spreadsheet_id)
        return sum(1 for r in ws.worksheet("Бэклог").get_all_values()[1:] if r and r[0])


def test_quota_and_faults_converge_with_nothing_lost(tmp_path):
    from gsheets_emulator import Emulator

    from sheetsync.app import App
    from sheetsync.daemon import Daemon, DaemonSettings
    from sheetsync.sheets import Backend, QuotaSettings, RetryPolicy, connect

    clock = FakeClock()
    emu = Emulator(clock=clock.now)
    # tight per-minute quotas (binding even at one read per changed client), mirrored by the daemon's budget
    quota = QuotaSettings(read_per_user=6, read_per_project=20, write_per_user=6, write_per_project=20)
    sheets = connect(Backend(emulator=emu, quota=quota, retry=RetryPolicy(max_attempts=4)), clock=clock.now,
                     sleep=clock.sleep)
    app = App.from_config(config_dict(tmp_path / "data", SLUGS), sheets=sheets)
    app.store.sync_reference_data(app.config)
    seed_tasks(app.store, SLUGS, n=4)
    provision_by_cloning(app, emu, SLUGS)
    # Google's side enforces them; 10% of calls fail with 5xx, 5% of writes lose their response after landing
    emu.quota.configure(enabled=True, per_user=6, per_project=20)
    emu.faults.fail_rate(0.10, seed=7, status=503).lose_response_rate(0.05, seed=8)
    rng = random.Random(3)
    expected: dict[str, dict[str, str]] = {}
    team: dict[str, int] = {}
    d = Daemon(app, DaemonSettings(worker_id="t", backoff_base=30, seed=5))
    for cycle in range(CYCLES):
        d.sync_cycle()
        clock.sleep(60)  # the next cycle, a minute later
        slug = SLUGS[cycle % len(SLUGS)]
        # a manager edits one client's sheet, once its first rows are there (new rows go in through a
        # :batchUpdate, which is never retried: a 5xx on it leaves them to the next cycle)
        if slug not in expected and cycle % 2 == 0 and _keyed_rows(emu, app, slug) >= 3:
            with quiet(emu):
                expected[slug] = manager_edits(emu, app.store.clients.get(slug).spreadsheet_id, f"c{cycle}")
        else:  # the team changes a task in the store
            t = rng.choice(app.store.tasks.list(slug))
            app.store.tasks.update(t.key, {"priority": 1 + cycle % 5}, origin="cli", actor="team")
            team[t.key] = 1 + cycle % 5
    log = emu.log
    assert sum(e.status == 503 for e in log) >= 5, "the faults never fired: the test proves nothing"
    assert emu.quota.refused == 0, "the shared budget let a request through that Google would refuse (429)"
    assert clock.slept > 0 and app.sheets.budget.waited > 0, "the quota never bound: the test proves nothing"

    emu.faults.clear()  # the weather clears: the daemon settles
    for _ in range(6):
        clock.sleep(3600)  # past every backoff
        d.backoff.clear()
        r = d.sync_cycle()
        if all(c.skipped or (c.writes == 0 and not c.failed) for c in r.clients):
            break
    else:
        raise AssertionError(f"no quiet cycle after the faults stopped: {[(c.client, c.failed) for c in r.clients]}")
    with quiet(emu):
        for slug in SLUGS:
            check_converged(app.store, emu, slug, expected.get(slug, {}))
    for key, prio in team.items():
        if app.store.tasks.get(key).priority != prio:  # only a manager's edit of the same task may win
            assert any(key in e for e in expected.values()), (key, prio)
    assert not app.store.sync.conflicts(), "no field was edited on both sides; a conflict means a lost base"
