"""Weekly snapshots on fixed dates: "what we expected last Wednesday against now"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from invoice_helpers import ACTOR, at


def test_snapshot_is_taken_by_the_first_refresh_on_or_after_the_meeting_day(invoices, store):
    from sheetsync.invoices import snapshot

    for day, taken in ((16, None), (17, None), (18, dt.date(2026, 11, 18)), (19, None), (23, None),
                       (26, dt.date(2026, 11, 26)), (27, None)):
        with time_machine.travel(at(11, day, 9), tick=False):
            assert invoices.refresh("2026-11").snapshot == taken, day
    assert snapshot.days(store, "2026-11") == [dt.date(2026, 11, 18), dt.date(2026, 11, 26)]


def test_diff_against_last_wednesday(invoices, store, agency):
    with time_machine.travel(at(11, 18, 9), tick=False):
        invoices.refresh("2026-11")
    with time_machine.travel(at(11, 20), tick=False):
        store.invoices.move(agency["c"], "2026-12-02", origin="cli", actor=ACTOR, reason="budget")
        store.invoices.update(agency["b"], status="paid", paid_date="2026-11-20", origin="cli", actor=ACTOR)
        store.invoices.update(agency["e"], amount=65000, origin="cli", actor=ACTOR)
        store.invoices.move(agency["d"], "2026-11-19", origin="cli", actor=ACTOR)
        new = store.invoices.create("globex", amount=30000, planned_date="2026-11-27", department="ads",
                                    origin="cli", actor=ACTOR).key
    with time_machine.travel(at(11, 25, 9), tick=False):
        assert invoices.refresh("2026-11").snapshot == dt.date(2026, 11, 25)
    with time_machine.travel(at(11, 25, 11), tick=False):
        frame = invoices.diff("2026-11")
    assert frame.attrs["snapshot"] == dt.date(2026, 11, 18)
    assert frame.to_dict("records") == [
        {"key": agency["b"], "client": "globex", "change": "status", "before": "planned", "after": "paid"},
        {"key": agency["b"], "client": "globex", "change": "paid_date", "before": "", "after": "20.11.2026"},
        {"key": agency["c"], "client": "acme", "change": "gone", "before": "400000.00 planned 26.11.2026",
         "after": "moved to 02.12.2026"},
        {"key": agency["d"], "client": "initech", "change": "planned_date", "before": "05.11.2026",
         "after": "19.11.2026"},
        {"key": agency["e"], "client": "initech", "change": "amount", "before": "60000.00", "after": "65000.00"},
        {"key": new, "client": "globex", "change": "new", "before": "", "after": "30000.00 planned 27.11.2026"},
    ]
    assert {k: int(v) for k, v in frame.attrs["before"].items()} == {"forecast": 980000, "fact": 0}
    assert {k: int(v) for k, v in frame.attrs["now"].items()} == {"forecast": 495000, "fact": 120000}
    # an explicit day picks the newest snapshot on or before it
    with time_machine.travel(at(11, 26, 11), tick=False):
        assert invoices.diff("2026-11").attrs["snapshot"] == dt.date(2026, 11, 25)
        assert invoices.diff("2026-11", since="2026-11-24").attrs["snapshot"] == dt.date(2026, 11, 18)


def test_diff_without_a_snapshot_says_what_to_do(invoices):
    with time_machine.travel(at(11, 25, 11), tick=False), pytest.raises(LookupError, match="invoices refresh"):
        invoices.diff("2026-11")
