"""The shared quota budget on a fake clock: never more than the limit in any window, per user and project."""

from __future__ import annotations

import threading
from bisect import bisect_left

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sheets_fakes import FakeClock

from sheetsync.sheets import Budget, QuotaExhausted, QuotaSettings


def make(clock: FakeClock, **kw) -> Budget:
    return Budget(QuotaSettings(**kw), clock=clock, sleep=clock.sleep)


def test_defaults_are_googles_quotas():
    s = QuotaSettings()
    assert s.limits("read") == (60, 300) and s.limits("write") == (60, 300)
    assert s.problems() == []


def test_per_user_limit_then_wait_until_the_oldest_leaves_the_window(clock):
    b = make(clock)
    for _ in range(60):
        assert b.try_acquire("a@x.test", "read") == 0.0
    assert b.try_acquire("a@x.test", "read") == pytest.approx(61.0)
    clock.now += 10
    assert b.try_acquire("a@x.test", "read") == pytest.approx(51.0)
    assert b.try_acquire("a@x.test", "write") == 0.0  # reads and writes are separate quotas
    assert b.try_acquire("b@x.test", "read") == 0.0  # another user has their own
    assert b.used("read") == 61 and b.used("read", "a@x.test") == 60


def test_project_limit_binds_across_users(clock):
    b = make(clock, read_per_user=60, read_per_project=100)
    taken = sum(b.try_acquire(f"u{i}@x.test", "read") == 0.0 for i in range(5) for _ in range(30))
    assert taken == 100


def test_acquire_blocks_on_the_injected_clock(clock):
    b = make(clock, write_per_user=2, window_seconds=60)
    waits = [b.acquire("a@x.test", "write") for _ in range(5)]
    assert waits == [0.0, 0.0, 60.0, 0.0, 60.0]
    assert b.waited == 120.0


def test_acquire_gives_up_with_a_clear_error_past_max_wait(clock):
    b = make(clock, write_per_user=1)
    b.acquire("a@x.test", "write")
    with pytest.raises(QuotaExhausted) as ei:
        b.acquire("a@x.test", "write", max_wait=5)
    assert ei.value.retry_after == pytest.approx(61.0)
    assert clock.sleeps == []


def test_pause_after_a_429_holds_everyone(clock):
    b = make(clock)
    b.pause("read", 30)
    assert b.try_acquire("a@x.test", "read") == pytest.approx(30)
    assert b.try_acquire("a@x.test", "write") == 0.0
    clock.now += 30
    assert b.try_acquire("b@x.test", "read") == 0.0


def test_disabled_budget_never_waits(clock):
    b = make(clock, enabled=False, read_per_user=1)
    assert all(b.try_acquire("a", "read") == 0.0 for _ in range(1000))


def test_settings_problems_are_explained():
    s = QuotaSettings(read_per_user=500, read_per_project=300, write_per_user=0, window_seconds=30)
    text = "\n".join(s.problems())
    assert "read_per_user (500) is above read_per_project (300)" in text
    assert "write limits must be positive" in text and "window_seconds" in text
    with pytest.raises(ValueError, match="unknown quota kind"):
        s.limits("delete")


def test_thread_safe_under_contention(clock):
    b = make(clock, read_per_user=60, read_per_project=300)
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        n = sum(b.try_acquire("a@x.test", "read") == 0.0 for _ in range(50))
        with lock:
            got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(got) == 60


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 30)), min_size=1, max_size=400))
def test_no_window_ever_holds_more_than_the_limit(arrivals):
    """Whatever the arrival pattern, sent requests never exceed the limit in any window (so no 429)."""
    clock = FakeClock(0.0)
    b = Budget(QuotaSettings(read_per_user=7, read_per_project=15, window_seconds=60), clock=clock,
               sleep=clock.sleep)
    sent: dict[str, list[float]] = {"a": [], "b": [], "c": [], "*": []}
    for user, gap in arrivals:
        clock.now += gap
        b.acquire(user, "read")
        sent[user].append(clock.now)
        sent["*"].append(clock.now)
    for who, stamps in sent.items():
        limit = 15 if who == "*" else 7
        for i, t in enumerate(stamps):
            # requests in the half-open window (t - 60, t]
            assert i + 1 - bisect_left(stamps, t - 60 + 1e-9) <= limit


def test_close_wakes_a_blocked_job_and_sends_nothing():
    import time

    from sheetsync.sheets import TransientError

    b = Budget(QuotaSettings(write_per_user=1))  # real clock, default interruptible sleep
    b.acquire("a@x.test", "write")
    errors: list[BaseException] = []

    def job() -> None:
        try:
            b.acquire("a@x.test", "write")  # would wait ~61 s
        except TransientError as e:
            errors.append(e)

    t = threading.Thread(target=job)
    started = time.monotonic()
    t.start()
    time.sleep(0.1)
    b.close()
    t.join(5)
    assert not t.is_alive() and time.monotonic() - started < 5
    assert errors and "nothing was sent" in str(errors[0]) and b.closed
