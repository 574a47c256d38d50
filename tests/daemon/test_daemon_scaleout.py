"""Scale-out on PostgreSQL with procrastinate: real `sheetsync run` worker processes share the clients.

The emulator is served over loopback from this process (one "Google" for every worker) and enforces
one account's quota (60 reads and 60 writes a minute). It records every request with the headers the
workers send (``X-Sheetsync-Worker``, ``X-Sheetsync-Job``) on *its* clock, so what the tests check —
no two syncs of one spreadsheet at once, nothing written by a fenced-off worker — is seen from
Google's side, whatever the workers' clocks say.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from daemonhelpers import (
    ENV,
    config_dict,
    provision_by_cloning,
    read_events,
    sheetsync,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.postgres
PG = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
N = 30  # the three-worker test: the size, in CI too (about 3 minutes)
QUOTA_MINUTE = 65  # a round of syncs of every client needs more reads than one minute's quota allows
SLUGS = [f"c{i:02d}" for i in range(N)]
FEW = SLUGS[:30 if os.environ.get("SHEETSYNC_LONG") else 12]  # the other tests: 12 in CI, 30 with SHEETSYNC_LONG=1
INTERVAL = 3  # seconds between sync ticks (cron */3)
STALL = 6.0  # a worker silent this long loses its running job


@pytest.fixture
def pg_url():
    psycopg = pytest.importorskip("psycopg")
    name = f"sheetsync_scaleout_{os.getpid()}"
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


class Traffic:
    """Every request the emulator answered: (time, worker, job, spreadsheet, kind, method)."""

    def __init__(self, emu) -> None:
        self.rows: list[tuple[float, str, str, str, str, str]] = []
        self.lock = threading.Lock()
        self.on_request = None  # an extra hook (tests freeze a worker from here)
        emu.on_request(self._hook)

    def _hook(self, req) -> None:
        sid = req.path.split("/spreadsheets/")[1].split("/")[0].split(":")[0] if "/spreadsheets/" in req.path else ""
        worker, job = req.headers.get("x-sheetsync-worker", ""), req.headers.get("x-sheetsync-job", "")
        kind = req.kind or "read"  # the emulator's own quota kind for the route ("read" | "write")
        with self.lock:
            self.rows.append((time.time(), worker, job, sid, kind, req.method))
        if self.on_request is not None:
            self.on_request(req, worker, job, kind)

    def spans(self) -> dict[str, list[tuple[float, float, str]]]:
        """{spreadsheet: [(first, last request, job)]} per job."""
        by: dict[tuple[str, str], list[float]] = {}
        with self.lock:
            for t, _w, job, sid, _k, _m in self.rows:
                if sid and job:
                    by.setdefault((sid, job), []).append(t)
        out: dict[str, list[tuple[float, float, str]]] = {}
        for (sid, job), ts in by.items():
            out.setdefault(sid, []).append((min(ts), max(ts), job))
        return out

    def assert_never_two_jobs_at_once(self, fenced: frozenset[str] = frozenset()) -> int:
        """No two jobs' requests to one spreadsheet interleave; ``fenced``: jobs taken back from a frozen
        worker, whose reads in flight when it woke may still arrive (their writes are checked apart)."""
        n = 0
        for sid, spans in self.spans().items():
            spans = [sp for sp in spans if sp[2] not in fenced]
            spans.sort()
            for (s1, e1, j1), (s2, _e2, j2) in zip(spans, spans[1:], strict=False):
                n += 1
                assert s2 >= e1, f"spreadsheet {sid}: jobs {j1} and {j2} overlap ({s1:.3f}-{e1:.3f} vs {s2:.3f})"
        return n


def _agency(tmp_path: Path, pg_url: str, *, jobs: dict[str, str] | None = None, slugs: list[str] = FEW):
    from gsheets_emulator import Emulator
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.app import App
    from sheetsync.sheets import Backend, connect

    emu = Emulator()
    cfg_dict = config_dict(tmp_path / "data", slugs, store_url=pg_url)
    if jobs:
        cfg_dict["schedule"] = jobs
    # the workers' budget, shared through the store, keeps under the emulator's quota below
    cfg_dict["quota"] = {"read_per_user": 60, "write_per_user": 60, "read_per_project": 300,
                         "write_per_project": 300}
    cfg = write_config(tmp_path / "sheetsync.toml", cfg_dict)
    app = App.from_config(cfg, sheets=connect(Backend(emulator=emu)))
    app.store.sync_reference_data(app.config)
    for slug in slugs:
        app.store.tasks.create(slug, {"title": f"{slug}: первая"}, origin="cli", actor="team")
    provision_by_cloning(app, emu, slugs)
    emu.quota.configure(enabled=True, per_user=60, per_project=300)  # one account's quota, as on Google
    traffic = Traffic(emu)
    server = EmulatorServer(emu).start()
    return emu, app, cfg, server, traffic


def _worker(cfg: Path, url: str, name: str, log: Path, *, python: list[str] | None = None,
            extra: tuple[str, ...] = ()) -> subprocess.Popen:
    args = ("run", "--config", str(cfg), "--emulator-url", url, "--worker-id", name, "--interval", str(INTERVAL),
            "--stall-seconds", str(STALL), "--log-json", "--log-file", str(log), *extra)
    if python is not None:
        return subprocess.Popen([*python, *args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return sheetsync(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _jobs(logs) -> list[dict]:
    return [e for log in logs.values() for e in read_events(log) if e.get("msg") == "sync job"]


def _ts(event: dict) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(event["ts"]).timestamp()


def _sheet_titles(emu, app, slug):
    """The backlog's titles off the emulator's state: a person looking at the sheet spends no API quota
    (reading through the API here would push the workers' project over its limit)."""
    sheet = emu.spreadsheet(app.store.clients.get(slug).spreadsheet_id).sheet_by_title("Бэклог")

    def text(cell):
        value = (cell or {}).get("effectiveValue") or {}
        return str(next(iter(value.values()), ""))

    with emu.lock:
        rows = [[text(sheet.get_cell(r, c)) for c in range(2)] for r in range(1, len(sheet.rows))]
    return [r[1] for r in rows if r[0]]


def _stop(procs) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=90)  # the write in flight finishes; waits on the quota are abandoned after 30 s
        except subprocess.TimeoutExpired:
            p.kill()


def test_three_workers_share_the_clients_under_one_quota_and_take_over_a_killed_one(tmp_path, pg_url):
    emu, app, cfg, server, traffic = _agency(tmp_path, pg_url, jobs={"reminders": "every 2s"}, slugs=SLUGS)
    logs = {w: tmp_path / f"{w}.log" for w in ("w1", "w2", "w3")}
    procs = {w: _worker(cfg, server.url, w, log, extra=()) for w, log in logs.items()}
    try:
        # every client is synced (or found unchanged) by some worker, tick after tick
        # a first sync reads up to 3 times (layout, snapshot, stage clock): 30 clients are 1.5 quota-minutes
        t0 = time.time()
        wait_for(lambda: {e["client"] for e in _jobs(logs)} == set(SLUGS), 4 * QUOTA_MINUTE, "every client synced once")
        print(f"\nevery one of {N} clients synced once {time.time() - t0:.1f}s after the workers started")
        steady_from = time.time()
        refused_before = emu.quota.refused
        for i in range(6):  # the team keeps working while the workers sync
            for slug in SLUGS[i::6]:
                t = app.store.tasks.list(slug)[0]
                app.store.tasks.update(t.key, {"title": f"{slug}: правка"}, origin="cli", actor="team")
            time.sleep(1.0)
        wait_for(lambda: all(f"{s}: правка" in _sheet_titles(emu, app, s) for s in SLUGS),
                 6 * INTERVAL + 2 * QUOTA_MINUTE, "every edit of the steady state in its sheet", poll=1)
        by_worker = {w: sum(1 for e in read_events(log) if e.get("msg") == "sync job") for w, log in logs.items()}
        assert all(n > 0 for n in by_worker.values()), f"a worker ran no sync job: {by_worker}"

        def idle_tick():  # once every write has been read back, a tick finds nothing to do
            return any(e.get("msg") == "sync tick" and _ts(e) >= steady_from and e["unchanged"] == N
                       and e["deferred"] == 0 for log in logs.values() for e in read_events(log))

        wait_for(idle_tick, 2 * QUOTA_MINUTE, "a tick with nothing changed deferring no job")
        assert emu.quota.refused - refused_before == 0, "answers 429 in steady state: the quota is not shared"

        # agency-wide jobs: once per tick, whatever the number of workers
        ticks = [e["tick"] for log in logs.values() for e in read_events(log)
                 if e.get("msg") == "agency job" and e.get("job") == "reminders"]
        assert len(ticks) >= 3, f"the reminders job hardly ran: {ticks}"
        assert len(ticks) == len(set(ticks)), f"a tick's reminders ran twice: {sorted(ticks)}"

        # w3 dies without a word, in the middle of whatever it does; its clients go on being synced
        killed_at = time.time()
        procs["w3"].send_signal(signal.SIGKILL)
        procs["w3"].wait(timeout=10)
        for slug in SLUGS:
            app.store.tasks.update(app.store.tasks.list(slug)[0].key, {"title": f"{slug}: после падения"},
                                   origin="cli", actor="team")

        def all_after_kill():
            return all(f"{slug}: после падения" in _sheet_titles(emu, app, slug) for slug in SLUGS)

        wait_for(all_after_kill, STALL + 10 * INTERVAL + 2 * QUOTA_MINUTE, "every edit made after the kill in its sheet",
                 poll=1)
        takeover = time.time() - killed_at
        print(f"\nevery client's post-crash edit in its sheet {takeover:.1f}s after the SIGKILL "
              f"(stall limit {STALL}s, tick {INTERVAL}s)")
        for slug in SLUGS:  # nothing lost, nothing duplicated
            titles = _sheet_titles(emu, app, slug)
            assert titles.count(f"{slug}: после падения") == 1, titles
            assert len(titles) == len(app.store.tasks.list(slug)), titles
        survivors = {w: procs[w] for w in ("w1", "w2")}
        _stop(survivors)
        for w, p in survivors.items():
            assert p.returncode == 0, p.stderr.read() if p.stderr else w
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
        app.close()
        server.stop()
    compared = traffic.assert_never_two_jobs_at_once()
    assert compared >= N, "too few syncs to compare: the test proves nothing"


SKEWED = [sys.executable, "-c", "import sys, time, time_machine\n"
          "with time_machine.travel(time.time() + 300, tick=True):\n"
          "    from sheetsync.cli import main; main()\n"]


def test_a_frozen_worker_writes_nothing_for_a_client_it_lost_and_a_skewed_clock_changes_nothing(tmp_path, pg_url):
    emu, app, cfg, server, traffic = _agency(tmp_path, pg_url, jobs={"reminders": "every 2s"})
    logs = {w: tmp_path / f"{w}.log" for w in ("w1", "w2", "frozen", "skewed")}
    procs = {w: _worker(cfg, server.url, w, logs[w]) for w in ("w1", "w2", "frozen")}
    procs["skewed"] = _worker(cfg, server.url, "skewed", logs["skewed"], python=SKEWED)
    frozen: dict[str, object] = {}

    def freeze_on_read(req, worker, job, kind):  # the frozen worker is stopped mid-sync, between read and write
        if worker == "frozen" and kind == "read" and job and "job" not in frozen and frozen.get("armed"):
            frozen.update(job=job, at=time.time())
            os.kill(procs["frozen"].pid, signal.SIGSTOP)

    traffic.on_request = freeze_on_read
    try:
        wait_for(lambda: {e["client"] for e in _jobs(logs)} == set(FEW), 120, "every client synced once")
        for slug in FEW:  # every client has a change to push: a sync reads, then writes
            t = app.store.tasks.list(slug)[0]
            app.store.tasks.update(t.key, {"title": f"{slug}: до заморозки"}, origin="cli", actor="team")
        frozen["armed"] = True
        wait_for(lambda: "job" in frozen, 60, "the worker frozen mid-sync")
        job = str(frozen["job"])
        sid = next(r[3] for r in traffic.rows if r[2] == job and r[3])
        frozen_at = float(frozen["at"])  # type: ignore[arg-type]
        # an edit made while the worker is frozen: only another worker can bring it to the sheet, once
        # the frozen worker's job is taken back past the stall limit
        slug = next(c.slug for c in app.store.clients.list() if c.spreadsheet_id == sid)
        t = app.store.tasks.list(slug)[0]
        app.store.tasks.update(t.key, {"title": f"{slug}: во время заморозки"}, origin="cli", actor="team")
        wait_for(lambda: any(r[3] == sid and r[2] and r[2] != job and r[4] == "write" and r[0] > frozen_at
                             for r in traffic.rows),
                 STALL + 10 * INTERVAL + 2 * QUOTA_MINUTE, "another worker syncing the frozen worker's client",
                 poll=0.5)
        time.sleep(1)
        woke_at = time.time()
        os.kill(procs["frozen"].pid, signal.SIGCONT)
        time.sleep(3 * INTERVAL)
        late = [r for r in traffic.rows if r[2] == job and r[4] == "write" and r[0] >= woke_at]
        assert not late, f"the frozen worker wrote for a client it had lost: {late}"
        events = read_events(logs["frozen"])
        assert any("another took the client over" in e.get("msg", "") for e in events), \
            "the woken worker did not notice it had lost its job"
        assert procs["frozen"].poll() is None, "the woken worker died instead of going on"
        wait_for(lambda: any(e.get("msg") == "sync job" and str(e.get("job")) != job
                             for e in read_events(logs["frozen"])), 10 * INTERVAL + QUOTA_MINUTE,
                 "the woken worker taking new jobs")

        # the skewed worker (its clock 5 minutes ahead) took part like any other and broke nothing
        assert any(e.get("msg") == "sync job" for e in read_events(logs["skewed"])), "the skewed worker idled"
        ticks = [e["tick"] for log in logs.values() for e in read_events(log)
                 if e.get("msg") == "agency job" and e.get("job") == "reminders"]
        assert len(ticks) == len(set(ticks)), f"a tick's reminders ran twice: {sorted(ticks)}"
        now = app.store.jobs.now()
        assert max(ticks) <= now + 1, f"a tick from the future ({max(ticks)} > {now}): a worker's clock decided"
        assert f"{slug}: во время заморозки" in _sheet_titles(emu, app, slug)
        for other in FEW:
            if other != slug:
                wait_for(lambda s=other: f"{s}: до заморозки" in _sheet_titles(emu, app, s), 2 * QUOTA_MINUTE, f"{other}'s edit")
        for each in FEW:
            titles = _sheet_titles(emu, app, each)
            assert len(titles) == len(app.store.tasks.list(each)), titles
        _stop(procs)
    finally:
        for p in procs.values():
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                p.kill()
        app.close()
        server.stop()
    assert traffic.assert_never_two_jobs_at_once(fenced=frozenset({str(frozen["job"])})) >= len(FEW)


def test_run_workers_n_starts_n_named_workers_that_share_the_clients(tmp_path, pg_url):
    emu, app, cfg, server, traffic = _agency(tmp_path, pg_url)
    log = tmp_path / "workers.log"
    try:
        proc = sheetsync("run", "--config", str(cfg), "--emulator-url", server.url, "--workers", "2",
                         "--worker-id", "box", "--once", "--sync-only", "--log-json", "--log-file", str(log),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        jobs = [e for e in read_events(log) if e.get("msg") == "sync job"]
        assert {e["worker"] for e in jobs} <= {"box-1", "box-2"}, jobs
        assert {e["client"] for e in jobs} == set(FEW)  # every client, by one of the two
        assert len({e["worker"] for e in jobs}) == 2, "one of the two workers ran no job"
    finally:
        app.close()
        server.stop()
    assert traffic.assert_never_two_jobs_at_once() >= 0


def test_run_workers_n_on_sqlite_is_refused_in_one_line(tmp_path):
    cfg = write_config(tmp_path / "sheetsync.toml", config_dict(tmp_path / "data", ["alfa"]))
    proc = sheetsync("run", "--config", str(cfg), "--workers", "2", "--once", stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert any("needs a PostgreSQL store" in line for line in lines), lines
    assert "Traceback" not in out + err and len(lines) <= 2, lines
