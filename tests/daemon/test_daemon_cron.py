"""The `[schedule]` specs as the job engine's cron lines (daemon/queue.py `cron_of`), one parser for both."""

from __future__ import annotations

import pytest

from sheetsync.daemon.queue import cron_of
from sheetsync.daemon.scheduler import ScheduleError, every_seconds


@pytest.mark.parametrize(("spec", "cron"), [
    ("every 30s", "* * * * * */30"), ("every 30 s", "* * * * * */30"), ("every 5m", "*/5 * * * *"),
    ("every 60m", "0 */1 * * *"), ("every 2h", "0 */2 * * *"), ("daily 07:30", "30 7 * * *"),
    ("wed 09:00", "0 9 * * wed"), (" Every 10S ", "* * * * * */10"),
])
def test_a_spec_becomes_the_cron_line_of_the_same_ticks(spec, cron):
    assert cron_of(spec) == cron


@pytest.mark.parametrize("spec", ["every 7s", "every 0s", "every 7m", "every 5h", "sometimes", "daily"])
def test_a_spec_without_an_even_cron_line_is_refused_in_words(spec):
    with pytest.raises(ScheduleError, match=r"expected|evenly"):
        cron_of(spec)


def test_every_seconds_reads_the_interval_and_only_the_interval():
    assert (every_seconds("every 15 m"), every_seconds("every 2h"), every_seconds("wed 09:00")) == (900, 7200, None)
