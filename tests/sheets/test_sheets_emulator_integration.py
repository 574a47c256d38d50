"""The transport against the embedded emulator, through real gspread and its normal HTTP path."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from gsheets_emulator import Emulator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sheets_fakes import FakeClock

from sheetsync.sheets import (
    Backend,
    NotFound,
    PermissionDenied,
    QuotaSettings,
    WriteOutcomeUnknown,
    connect,
)
from sheetsync.sheets.a1 import a1_range, rect
from sheetsync.sheets.values import from_cell, to_cell

BOT = "sheetsync@agency.test"


def new_book(client, title="Acme", sheets=("Бэклог", "In work")) -> str:
    body = {"properties": {"title": title},
            "sheets": [{"properties": {"title": t}} for t in sheets]}
    return client.create_spreadsheet(body)["spreadsheetId"]


@pytest.fixture
def client(emu):
    return connect(emu)


def test_connect_acts_as_the_configured_identity(emu, client):
    sid = new_book(client)
    assert client.identity == BOT and client.backend == "emulator" and client.emulator is emu
    assert emu.log[-1].user == BOT
    assert client.gc.open_by_key(sid).title == "Acme"  # raw gspread through the same session


def test_write_then_snapshot_round_trip_with_text_that_must_not_execute(client):
    sid = new_book(client)
    backlog = a1_range("Бэклог", "A1:E3")
    rows = [["ID", "Title", "Hours", "Deadline", "Done"],
            ["T-000001", "=IMPORTXML(\"http://evil\")", 2.5, to_cell(date(2026, 11, 24), "date"), True],
            ["T-000002", "+7 (495) 123-45-67", 0.1 + 0.2, "", False]]
    client.write_values(sid, [(backlog, rows)])
    got = client.snapshot(sid, [backlog, a1_range("In work", "A1:Z")])
    assert got[a1_range("In work", "A1:Z")] == []
    data = got[backlog]
    assert data[1][1] == "=IMPORTXML(\"http://evil\")"  # stored as text, returned as text, never evaluated
    assert data[2][1] == "+7 (495) 123-45-67"
    assert from_cell(data[1][3], "date") == date(2026, 11, 24)
    assert from_cell(data[2][2], "number") == 0.3
    assert data[1][4] is True and data[2][4] is False
    assert from_cell(data[2][3] if len(data[2]) > 3 else None, "date") is None


def test_user_entered_formula_from_a_template_is_computed(client):
    sid = new_book(client, sheets=("card",))
    client.write_values(sid, [(a1_range("card", "A1:B1"), [[2, "=A1*3"]])], input_option="USER_ENTERED")
    assert client.snapshot(sid, [a1_range("card", "B1")])[a1_range("card", "B1")] == [[6]]


def test_none_leaves_a_cell_and_empty_string_clears_it(client):
    sid = new_book(client)
    rng = a1_range("Бэклог", "A1:C1")
    client.write_values(sid, [(rng, [["a", "b", "c"]])])
    client.write_values(sid, [(rng, [[None, "", "C"]])])
    assert client.snapshot(sid, [rng])[rng] == [["a", "", "C"]]


def test_client_side_counts_match_the_emulator(emu, client):
    sid = new_book(client)
    mark, before = emu.mark(), client.counts()
    client.write_values(sid, [(rect("Бэклог", 1, 1, 2, 3), [[1, 2, 3], [4, 5, 6]]),
                              (a1_range("In work", "A1"), [["x"]])])
    client.snapshot(sid, [a1_range("Бэклог", "A1:C2")])
    client.get_metadata(sid, "sheets.properties.title")
    d = client.counts() - before
    usage = emu.usage(mark)[BOT]
    assert (d.calls, d.reads, d.writes) == (usage["calls"], usage["reads"], usage["writes"]) == (3, 2, 1)
    assert d.cells_written == usage["cells_written"] == 7
    assert d.bytes_sent == usage["bytes_in"]
    assert dict(d.by_method) == dict(emu.calls(mark))


def test_structural_batch_update_and_metadata(client):
    sid = new_book(client)
    replies = client.batch_update(sid, [{"addSheet": {"properties": {"title": "metrics"}}}])
    assert replies[0]["addSheet"]["properties"]["title"] == "metrics"
    meta = client.get_metadata(sid, "sheets.properties.title")
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Бэклог", "In work", "metrics"]


def test_drive_listing_finds_only_changed_spreadsheets_in_one_call(emu, client):
    ids = [new_book(client, title=f"client {i}") for i in range(3)]
    files = client.list_modified()
    assert {f.id for f in files} == set(ids)
    since = max(f.modified_time for f in files)
    client.write_values(ids[1], [(a1_range("Бэклог", "A1"), [["changed"]])])
    mark = emu.mark()
    changed = client.list_modified(since=since)
    assert [f.id for f in changed] == [ids[1]]
    assert changed[0].modified_time > since and changed[0].version > 0
    assert emu.calls(mark) == {"drive.files.list": 1}


def test_permission_denied_names_the_account_to_share_with(emu, client):
    sid = new_book(client)
    stranger = connect(Backend(emulator=emu, user="intruder@elsewhere.test"))
    with pytest.raises(PermissionDenied) as ei:
        stranger.snapshot(sid, ["A1"])
    assert "share the spreadsheet with intruder@elsewhere.test as editor" in str(ei.value)
    client.share(sid, "intruder@elsewhere.test", "reader")
    assert stranger.snapshot(sid, [a1_range("Бэклог", "A1")])  # reading is now allowed ...
    with pytest.raises(PermissionDenied):  # ... writing is not
        stranger.write_values(sid, [(a1_range("Бэклог", "A1"), [["x"]])])
    assert any(p.get("emailAddress") == "intruder@elsewhere.test" and p["role"] == "reader"
               for p in client.list_permissions(sid))


def test_not_found(emu, client):
    with pytest.raises(NotFound) as ei:
        client.get_metadata("no-such-spreadsheet")
    assert "provision" in str(ei.value)
    sid = new_book(connect(Backend(emulator=emu, user="someone@agency.test")))
    with pytest.raises(NotFound) as ei:  # Drive answers 404 for a file not shared with us
        client.list_permissions(sid)
    assert f"share it with {BOT} as editor" in str(ei.value)


def test_injected_5xx_on_reads_and_value_writes_are_retried(emu, client, clock=None):
    clock = FakeClock()
    c = connect(emu, sleep=clock.sleep)
    sid = new_book(c)
    emu.faults.fail_next(2, status=503, method="sheets.spreadsheets.values.batchUpdate")
    emu.faults.fail_next(1, status=500, method="sheets.spreadsheets.values.batchGet")
    rng = a1_range("Бэклог", "A1")
    c.write_values(sid, [(rng, [["ok"]])])
    assert c.snapshot(sid, [rng])[rng] == [["ok"]]
    assert len(clock.sleeps) == 3 and c.counts().retries == 3


def test_lost_response_on_a_value_write_is_retried_and_lands_once(emu):
    clock = FakeClock()
    c = connect(emu, sleep=clock.sleep)
    sid = new_book(c)
    emu.faults.lose_response_next(method="sheets.spreadsheets.values.batchUpdate")
    rng = a1_range("Бэклог", "A1:B1")
    c.write_values(sid, [(rng, [["T-1", "same value twice is harmless"]])])
    assert c.snapshot(sid, [rng])[rng] == [["T-1", "same value twice is harmless"]]
    assert emu.faults.lost == 1


def test_lost_response_on_a_create_is_not_resent(emu):
    clock = FakeClock()
    c = connect(emu, sleep=clock.sleep)
    emu.faults.lose_response_next(method="sheets.spreadsheets.create")
    with pytest.raises(WriteOutcomeUnknown):
        c.create_spreadsheet({"properties": {"title": "Only once"}})
    assert [f.name for f in c.list_modified()] == ["Only once"]  # it landed, exactly once
    assert clock.sleeps == []


def test_budget_keeps_a_busy_job_under_the_emulator_quota():
    clock = FakeClock(1_000_000.0)
    emu = Emulator(clock=clock, quota=True)
    emu.quota.configure(per_user=10, per_project=30)
    c = connect(emu, sleep=clock.sleep)
    sid = new_book(c)
    rng = a1_range("Бэклог", "A1")
    for i in range(45):
        c.write_values(sid, [(rng, [[i]])])
        c.snapshot(sid, [rng])
    counts = c.counts()
    assert counts.throttled == 0 and emu.quota.refused == 0  # steady state never trips a 429
    assert counts.calls == 91 and sum(clock.sleeps) > 60 * 4  # 46 writes at 10/min take over four minutes


def test_without_the_budget_the_same_job_would_be_throttled():
    """The control for the test above: it is the budget, not luck, that avoids the 429s."""
    clock = FakeClock(1_000_000.0)
    emu = Emulator(clock=clock, quota=True)
    emu.quota.configure(per_user=10, per_project=30)
    c = connect(Backend(emulator=emu, quota=QuotaSettings(enabled=False)), sleep=clock.sleep)
    sid = new_book(c)
    rng = a1_range("Бэклог", "A1")
    for i in range(15):
        c.write_values(sid, [(rng, [[i]])])
    assert c.counts().throttled > 0 and emu.quota.refused > 0


text_cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=40)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(texts=st.lists(text_cells, min_size=1, max_size=5),
       numbers=st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
                        min_size=1, max_size=5),
       days=st.lists(st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 1, 1)), min_size=1, max_size=5),
       stamps=st.lists(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
                       min_size=1, max_size=5))
def test_values_round_trip_through_the_emulator(client, texts, numbers, days, stamps):
    sid = client._book if hasattr(client, "_book") else new_book(client)
    client._book = sid
    cols = [("text", texts), ("number", numbers), ("date", days), ("datetime", [s.replace(microsecond=0)
                                                                                for s in stamps])]
    updates = [(rect("Бэклог", 1, i + 1, len(vals), i + 1), [[to_cell(v, kind)] for v in vals])
               for i, (kind, vals) in enumerate(cols)]
    client.write_values(sid, [(a1_range("Бэклог", "A1:D10"), [[""] * 4 for _ in range(10)])])
    client.write_values(sid, updates)
    got = client.snapshot(sid, [rng for rng, _ in updates])
    for (kind, vals), (rng, _) in zip(cols, updates, strict=True):
        rows = got[rng] + [[]] * (len(vals) - len(got[rng]))  # trailing empty rows are not returned
        back = [from_cell(r[0] if r else None, kind) for r in rows]
        expected = [from_cell(to_cell(v, kind), kind) for v in vals]
        assert back == expected
        if kind == "text":
            assert back == [v.strip() or None for v in vals]  # text (even "=1+1") reads back as itself


def test_loopback_http_read_timeouts_are_set_and_retried(emu):
    """Over a real socket: a slow answer hits the read timeout, an idempotent read is retried, then gives up."""
    from gsheets_emulator.server import EmulatorServer

    from sheetsync.sheets import RetryPolicy, TransientError

    with EmulatorServer(emu) as server:
        clock = FakeClock()
        policy = RetryPolicy(max_attempts=2, connect_timeout=2, read_timeout=0.3)
        c = connect(Backend(url=server.url, retry=policy), sleep=clock.sleep)
        sid = new_book(c)
        emu.faults.latency(1.0, method="sheets.spreadsheets.values.batchGet")
        with pytest.raises(TransientError) as ei:
            c.snapshot(sid, [a1_range("Бэклог", "A1")])
        assert ei.value.attempts == 2 and "Timeout" in str(ei.value)
        emu.faults.clear()
        assert c.snapshot(sid, [a1_range("Бэклог", "A1")]) == {a1_range("Бэклог", "A1"): []}


def test_drive_rate_limit_403_is_retried_like_a_429():
    clock = FakeClock(1_000_000.0)
    emu = Emulator(clock=clock, quota=True)
    emu.quota.configure(drive_per_user=2)
    c = connect(Backend(emulator=emu, quota=QuotaSettings(enabled=False)), sleep=clock.sleep)
    for _ in range(3):
        c.list_modified()
    counts = c.counts()
    assert counts.retries >= 1 and counts.by_method["drive.files.list"] == 3 + counts.retries
    assert sum(clock.sleeps) >= 1


def test_a_closed_budget_stops_requests_before_they_are_sent(emu):
    from sheetsync.sheets import Budget, TransientError

    budget = Budget(QuotaSettings())
    c = connect(emu, budget=budget)
    sid = new_book(c)
    budget.close()
    mark = emu.mark()
    with pytest.raises(TransientError, match="nothing was sent"):
        c.write_values(sid, [(a1_range("Бэклог", "A1"), [["x"]])])
    with pytest.raises(TransientError):
        c.create_spreadsheet({"properties": {"title": "never"}})
    assert emu.calls(mark) == {}


def test_drive_listing_of_a_thousand_and_more_spreadsheets_pages_by_1000(emu, client):
    for i in range(1005):
        client.create_spreadsheet({"properties": {"title": f"client {i}"}})
    mark = emu.mark()
    files = client.list_modified()
    assert len(files) == len({f.id for f in files}) == 1005
    assert emu.calls(mark) == {"drive.files.list": 2}  # one call per 1,000 files


def test_clients_of_one_backend_share_one_emulator_and_one_budget(tmp_path):
    path = str(tmp_path / "emu")
    a = connect(Backend(emulator_path=path, quota=QuotaSettings()))
    b = connect(Backend(emulator_path=path, quota=QuotaSettings()))
    assert a.emulator is b.emulator  # two emulators on one file would diverge
    assert a.budget is b.budget  # all jobs draw from one quota budget
    sid = new_book(a)
    assert b.budget.used("write") == 1 and b.get_metadata(sid, "spreadsheetId")["spreadsheetId"] == sid
    a.budget.close()
    c = connect(Backend(emulator_path=path, quota=QuotaSettings()))
    assert c.budget is not a.budget and not c.budget.closed  # a closed budget is not handed out again
