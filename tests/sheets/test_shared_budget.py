"""One quota budget for all workers: the store's ledger on a REAL PostgreSQL, taken by REAL processes.

The windows are scaled down (a few requests per 2 seconds instead of 60 per minute) so the runs are
short; the rule checked is the same: never more than the limit in any window, per user and per
project, whatever the number of processes. Each multi-process check has a control run with the
per-process budgets of before, which breaks the same rule (so the check can fail).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from shared_budget_workers import hammer

from sheetsync.quota import BudgetMetrics, budget_for, project_key
from sheetsync.sheets import Backend, Budget, QuotaSettings, TransientError, connect
from sheetsync.store import Store, StoreError

PG_URL = os.environ.get("SHEETSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DSN = PG_URL.replace("postgresql+psycopg://", "postgresql://")
WINDOW = 2.0


@pytest.fixture
def pg() -> Iterator[dict]:
    """A migrated PostgreSQL schema of this test's own: {'url', 'kwargs'} for Store.open."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable ({e}); it is required when CI=true")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {e}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    db = {"url": PG_URL, "kwargs": {"connect_args": {"options": f"-csearch_path={schema}"}}}
    try:
        Store.open(db["url"], **db["kwargs"]).close()
        yield db
    finally:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()


@pytest.fixture
def store(pg) -> Iterator[Store]:
    s = Store.open(pg["url"], migrate_schema=False, **pg["kwargs"])
    try:
        yield s
    finally:
        s.close()


def limits(user: int, project: int) -> dict:
    return {"read_per_user": user, "read_per_project": project, "window_seconds": WINDOW}


def run_processes(pg: dict, users: list[str], lim: dict, *, shared: bool, seconds: float) -> dict[str, list[float]]:
    # forkserver: children fork from a clean server that preloaded sheetsync (fast), never from this
    # process, whose open database connections a forked child must not inherit
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sheetsync.store", "sheetsync.sheets"])
    barrier, out = ctx.Barrier(len(users)), ctx.Queue()
    procs = [ctx.Process(target=hammer, args=(pg, user, lim, shared, seconds, barrier, out)) for user in users]
    for p in procs:
        p.start()
    grants: dict[str, list[float]] = {}
    for _ in procs:
        user, stamps = out.get(timeout=120)
        grants.setdefault(user, []).extend(stamps)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return grants


def most_in_a_window(stamps: list[float], window: float) -> int:
    """The most grants inside any ``window`` seconds. The stamps are taken in each process just after the
    ledger answered, a little later than the database's own; 0.1 s of slack absorbs that delay."""
    s = sorted(stamps)
    best, j = 0, 0
    for i, t in enumerate(s):
        while s[j] <= t - (window - 0.1):
            j += 1
        best = max(best, i - j + 1)
    return best


# --- several processes --------------------------------------------------------------------------------

def test_three_processes_share_the_user_and_project_windows(pg, store):
    """Two workers as one service account and a third as another: each user gets at most 6 reads per window,
    the project at most 9, and both limits are reached (the budget is used, not just obeyed)."""
    grants = run_processes(pg, ["a@x.test", "a@x.test", "b@x.test"], limits(6, 9), shared=True, seconds=4.5)
    everyone = grants["a@x.test"] + grants["b@x.test"]
    assert most_in_a_window(grants["a@x.test"], WINDOW) <= 6
    assert most_in_a_window(grants["b@x.test"], WINDOW) <= 6
    assert most_in_a_window(everyone, WINDOW) == 9  # never more, and the project window did fill up
    assert most_in_a_window(grants["a@x.test"], WINDOW) >= 5 and len(grants["b@x.test"]) >= 3
    # the table stays small: one row per scope and kind, never more stamps than the limit
    usage = store.quota.usage(3600.0)
    assert set(usage) >= {("user:a@x.test", "read"), ("user:b@x.test", "read"), ("project:test", "read")}
    assert usage[("project:test", "read")] <= 9 and usage[("user:a@x.test", "read")] <= 6


def test_control_per_process_budgets_exceed_the_limits(pg):
    """The same run with each process's own budget (before this change) lets 3x the limit through."""
    grants = run_processes(pg, ["a@x.test", "a@x.test", "b@x.test"], limits(6, 9), shared=False, seconds=2.5)
    assert most_in_a_window(grants["a@x.test"], WINDOW) > 6
    assert most_in_a_window(grants["a@x.test"] + grants["b@x.test"], WINDOW) > 9


# --- the ledger's rules, one process --------------------------------------------------------------------

def test_a_request_is_charged_to_both_windows_or_neither(store):
    q = store.quota
    assert q.shared
    for _ in range(3):
        assert q.take("user:a", "read", 5, 60.0, "project:p", 3) == 0.0
    wait = q.take("user:b", "read", 5, 60.0, "project:p", 3)  # b's window has room; the project's has none
    assert 59.0 < wait <= 60.0
    assert q.usage(60.0) == {("user:a", "read"): 3, ("user:b", "read"): 0, ("project:p", "read"): 3}
    for _ in range(2):
        assert q.take("user:c", "write", 2, 60.0, "project:p", 10) == 0.0
    assert q.take("user:c", "write", 2, 60.0, "project:p", 10) > 59.0  # the user's window is full
    assert q.usage(60.0)[("project:p", "write")] == 2  # ... and the project was not charged for it


def test_the_wait_is_until_the_oldest_request_leaves_the_window(store):
    q = store.quota
    assert q.take("user:a", "read", 2, 1.0, "project:p", 100) == 0.0
    time.sleep(0.4)
    assert q.take("user:a", "read", 2, 1.0, "project:p", 100) == 0.0
    wait = q.take("user:a", "read", 2, 1.0, "project:p", 100)
    assert 0.45 < wait < 0.62  # the first request leaves the window 1 s after it was taken
    time.sleep(wait)
    assert q.take("user:a", "read", 2, 1.0, "project:p", 100) == 0.0


def test_a_skewed_process_clock_changes_nothing(store):
    """The database's clock decides: a worker whose clock is a day ahead (or behind) gets the same answers."""
    import time_machine

    q = store.quota
    for _ in range(3):
        assert q.take("user:a", "read", 3, 60.0, "project:p", 100) == 0.0
    for shift in (dt.timedelta(days=1), dt.timedelta(hours=-5)):
        with time_machine.travel(dt.datetime.now(dt.UTC) + shift, tick=True):
            assert 59.0 < q.take("user:a", "read", 3, 60.0, "project:p", 100) <= 60.0
            b = Budget(QuotaSettings(read_per_user=3, read_per_project=100, window_seconds=60.0), ledger=q,
                       project="p")
            assert 59.0 < b.try_acquire("a", "read") <= 60.0
            assert q.take("user:z", "read", 3, 60.0, "project:p", 100) == 0.0
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT max(s), clock_timestamp() FROM quota_windows, unnest(stamps) AS s").one()
    newest, db_now = row
    assert abs((db_now - newest).total_seconds()) < 5  # stamped with the database's time, not the skewed one


def test_one_workers_429_pauses_every_worker(pg, store):
    other = Store.open(pg["url"], migrate_schema=False, **pg["kwargs"])  # another worker: its own connection
    try:
        settings = QuotaSettings(window_seconds=60.0)
        mine = Budget(settings, ledger=store.quota, project="p")
        theirs = Budget(settings, ledger=other.quota, project="p")
        assert theirs.try_acquire("b@x.test", "write") == 0.0
        assert mine.throttled("write", retry_after=3.0) == 3.0
        assert 2.5 < theirs.try_acquire("b@x.test", "write") <= 3.0  # held too, on the database's clock
        assert theirs.try_acquire("b@x.test", "read") == 0.0  # only the kind that got the 429
        assert Budget(settings, ledger=other.quota, project="q").try_acquire("b@x.test", "write") == 0.0
        assert mine.pauses["write"] == 1
    finally:
        other.close()


def test_close_wakes_a_waiter_promptly(store):
    b = Budget(QuotaSettings(read_per_user=1, read_per_project=10, window_seconds=60.0), ledger=store.quota,
               project="p", poll=30.0)
    assert b.acquire("a@x.test", "read") == 0.0
    outcome: list[object] = []

    def wait() -> None:
        try:
            outcome.append(b.acquire("a@x.test", "read"))
        except TransientError as e:
            outcome.append(e)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    assert t.is_alive() and not outcome  # waiting for the window (about a minute)
    start = time.monotonic()
    b.close()
    t.join(timeout=5)
    assert not t.is_alive() and time.monotonic() - start < 1.0
    assert isinstance(outcome[0], TransientError) and "closed" in str(outcome[0])
    assert store.quota.usage(60.0)[("user:a@x.test", "read")] == 1  # the abandoned request was never charged


def test_a_waiter_asks_the_ledger_again_and_gets_through(store):
    b = Budget(QuotaSettings(read_per_user=2, read_per_project=10, window_seconds=1.0), ledger=store.quota,
               project="p", poll=0.2)
    assert b.acquire("a@x.test", "read") == b.acquire("a@x.test", "read") == 0.0
    start = time.monotonic()
    waited = b.acquire("a@x.test", "read")
    assert 0.8 < time.monotonic() - start < 1.6 and waited == pytest.approx(b.waited)
    assert b.taken["read"] == 3


def test_one_statement_per_take_and_no_transaction_around_it(store):
    """Counted twice: SQLAlchemy's cursor executions, and libpq's own trace of what went over the wire."""
    from psycopg import pq
    from sqlalchemy import event

    q = store.quota
    assert q.take("user:a", "read", 100, 60.0, "project:p", 100) == 0.0  # the ledger's connection is open now
    executed: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: executed.append(a[2]))
    pgconn = q._conn.connection.dbapi_connection.pgconn  # the ledger's own psycopg connection
    with tempfile.TemporaryFile() as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            answers = [q.take("user:a", "read", 100, 60.0, "project:p", 100) for _ in range(8)]
            answers += [q.take("user:a", "read", 1, 60.0, "project:p", 100) for _ in range(2)]  # refused ones too
        finally:
            pgconn.untrace()
        trace.seek(0)
        sent = [line.split("\t") for line in trace.read().decode().splitlines() if line.startswith("F\t")]
    assert answers[:8] == [0.0] * 8 and all(a > 0 for a in answers[8:])
    assert len(executed) == 10 and all("sheetsync_quota_take" in s for s in executed)
    messages = [m[2] for m in sent]
    assert messages.count("Execute") + messages.count("Query") == 10  # one statement per take, nothing else
    assert not any("BEGIN" in m[-1].upper() or "COMMIT" in m[-1].upper() for m in sent)
    # round trips (each ends with Sync): one per take, plus psycopg preparing the statement once (a named
    # Parse on its own) after its fifth execution
    trips = " ".join(messages).split("Sync")[:-1]
    assert sorted(t.split() for t in trips).count(["Parse"]) <= 1
    assert [t.split().count("Execute") for t in trips if t.split() != ["Parse"]] == [1] * 10


def test_a_ledger_that_cannot_be_asked_sends_nothing(store):
    b = Budget(QuotaSettings(), ledger=store.quota, project="p")
    store.quota.close()
    store.engine.dispose()
    with store.engine.connect() as conn:  # a new connection, and the ledger's table is gone
        conn.exec_driver_sql("ALTER TABLE quota_windows RENAME TO quota_windows_gone")
        conn.commit()
    try:
        with pytest.raises(TransientError, match="shared request budget could not be asked"):
            b.acquire("a@x.test", "read")
    finally:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ALTER TABLE quota_windows_gone RENAME TO quota_windows")
            conn.commit()
    assert b.acquire("a@x.test", "read") == 0.0  # the ledger answers again: on a new connection


def test_a_take_stuck_behind_a_lock_gives_up_and_the_pool_keeps_its_settings(store):
    q = store.quota
    q.statement_timeout_ms = 300
    assert q.take("user:a", "read", 5, 60.0, "project:p", 5) == 0.0
    with store.engine.connect() as conn:  # another session holds the user's row
        conn.exec_driver_sql("SELECT * FROM quota_windows WHERE scope = 'user:a' FOR UPDATE").all()
        start = time.monotonic()
        with pytest.raises(StoreError, match="did not answer.*statement timeout"):
            q.take("user:a", "read", 5, 60.0, "project:p", 5)
        assert time.monotonic() - start < 2.0
        conn.rollback()
    assert q.take("user:a", "read", 5, 60.0, "project:p", 5) == 0.0  # on a new connection
    q.close()
    # the ledger's connections were closed, not handed back to the pool with their statement_timeout
    with store.engine.connect() as one, store.engine.connect() as two:
        assert {c.exec_driver_sql("SHOW statement_timeout").scalar() for c in (one, two)} == {"0"}


# --- the glue ------------------------------------------------------------------------------------------

def test_budget_for_shares_on_postgres_and_the_transport_goes_through_it(store, emu):
    backend = Backend(emulator=emu, quota=QuotaSettings(window_seconds=60.0))
    budget = budget_for(store, backend)
    assert budget is not None and budget.shared and budget.project == project_key(backend) == "emulator:memory"
    client = connect(backend, budget=budget)
    created = client.create_spreadsheet({"properties": {"title": "quota"}})
    client.get_metadata(created["spreadsheetId"], "spreadsheetId")
    usage = store.quota.usage(60.0)
    user = "user:" + client.identity.lower()
    assert usage[(user, "write")] == 1 and usage[(user, "read")] == 1
    assert usage[("project:emulator:memory", "read")] == 1
    # no quota for the emulator unless the config gives one; a disabled quota is no budget either
    assert budget_for(store, Backend(emulator=emu)) is None
    assert budget_for(store, Backend(emulator=emu, quota=QuotaSettings(enabled=False))) is None
    assert budget_for(store, Backend(kind="google", credentials_file="/nonexistent.json")) is not None


def test_on_sqlite_nothing_changes(tmp_path, emu):
    with Store.open(tmp_path / "s.db") as store:
        assert not store.quota.shared
        backend = Backend(emulator=emu, quota=QuotaSettings())
        assert budget_for(store, backend) is None
        assert budget_for(store, Backend(kind="google", credentials_file="/nonexistent.json")) is None
        client = connect(backend, budget=budget_for(store, backend))
        assert client.budget is not None and not client.budget.shared  # connect()'s per-process budget
        client.create_spreadsheet({"properties": {"title": "local"}})
        assert client.budget.used("write") == 1
        with pytest.raises(StoreError, match="needs PostgreSQL"):
            store.quota.take("user:a", "read", 1, 60.0, "project:p", 1)


def test_metrics_show_what_every_worker_took(pg, store):
    other = Store.open(pg["url"], migrate_schema=False, **pg["kwargs"])
    try:
        settings = QuotaSettings(window_seconds=60.0)
        mine = Budget(settings, ledger=store.quota, project="p")
        theirs = Budget(settings, ledger=other.quota, project="p")
        for _ in range(3):
            mine.acquire("a@x.test", "read")
        theirs.acquire("b@x.test", "read")
        mine.throttled("write")
        registry = CollectorRegistry()
        BudgetMetrics(registry, mine)
        text = generate_latest(registry).decode()
    finally:
        other.close()
    assert 'sheetsync_quota_requests_total{kind="read"} 3.0' in text  # this process's own
    assert 'sheetsync_quota_window_requests{kind="read",scope="project:p"} 4.0' in text  # every worker's
    assert 'sheetsync_quota_window_requests{kind="read",scope="user:b@x.test"} 1.0' in text
    assert 'sheetsync_quota_pauses_total{kind="write"} 1.0' in text
    assert 'sheetsync_quota_limit{kind="read",level="user"} 60.0' in text
    assert "sheetsync_quota_shared 1.0" in text and "sheetsync_quota_wait_seconds_total 0.0" in text


def test_metrics_of_a_local_budget(emu):
    b = Budget(QuotaSettings())
    b.try_acquire("a@x.test", "read")
    registry = CollectorRegistry()
    BudgetMetrics(registry, b)
    text = generate_latest(registry).decode()
    assert "sheetsync_quota_shared 0.0" in text
    assert 'sheetsync_quota_window_requests{kind="read",scope="project"} 1.0' in text
