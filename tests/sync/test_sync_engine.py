"""The engine against the emulator: a manager edits through real gspread, the team through the store."""

from __future__ import annotations

import pytest

BACKLOG, IN_WORK = "Бэклог", "В работе"


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def rows(manager, title=BACKLOG):
    return manager.worksheet(title).get_all_values()


def by_key(manager, title=BACKLOG):
    vals = rows(manager, title)
    header = vals[0]
    return {r[0]: dict(zip(header, r, strict=False)) for r in vals[1:] if r and r[0]}


def synced(engine, store):
    """Sync, then check the second sync writes nothing (idempotence) and return the first report."""
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty, [str(a) for a in again.plan.actions]
    return r


def test_store_tasks_appear_then_second_sync_writes_nothing(engine, store, manager):
    k1 = add(store, "Лендинг", priority=2, estimate_hours=16)
    k2 = add(store, "=HYPERLINK(\"x\")")  # formula-looking text must stay text
    k3 = add(store, "Баннер", status="in_progress", deadline="2026-11-24")
    r = synced(engine, store)
    assert r.pushed > 0 and r.writes == 2  # values + the in-work row's formula cell
    b = by_key(manager)
    assert b[k1]["Задача"] == "Лендинг" and b[k1]["Приоритет"] == "2" and b[k1]["Статус"] == "Бэклог"
    assert b[k2]["Задача"] == "=HYPERLINK(\"x\")"
    w = by_key(manager, IN_WORK)
    assert k3 in w and k3 not in b and w[k3]["Статус"] == "В работе"
    raw = manager.worksheet(IN_WORK).get("F2", value_render_option="UNFORMATTED_VALUE")
    assert raw == [[46350]]  # a real date serial, not text


def test_manager_edit_flows_to_store(engine, store, manager):
    k = add(store, "Статья")
    synced(engine, store)
    ws = manager.worksheet(BACKLOG)
    ws.update([["Статья про SEO"]], "B2", raw=False)
    ws.update([["1"]], "I2", raw=False)
    r = synced(engine, store)
    t = store.tasks.get(k)
    assert (t.title, t.priority) == ("Статья про SEO", 1)
    assert r.pulled == 2 and r.writes == 0
    log = store.log(task=k)
    assert any(e.origin == "sheet" and e.field == "title" for e in log)


def test_conflict_sheet_wins_manager_field_and_loser_is_kept(engine, store, manager):
    k = add(store, "A")
    synced(engine, store)
    manager.worksheet(BACKLOG).update([["from sheet"]], "B2", raw=False)
    store.tasks.update(k, {"title": "from store"}, origin="cli", actor="team")
    r = synced(engine, store)
    assert r.conflicts == 1
    assert store.tasks.get(k).title == "from sheet"
    (c,) = store.sync.conflicts("acme")
    assert (c.field, c.winner) == ("title", "sheet") and "from store" in c.store_value
    note = manager.worksheet(BACKLOG).get_note("B2")
    assert "conflict" in note


def test_conflict_store_wins_team_field(engine, store, manager):
    k = add(store, "A", status="in_progress")
    synced(engine, store)
    ws = manager.worksheet(IN_WORK)
    col = rows(manager, IN_WORK)[0].index("Факт, ч") + 1
    ws.update_cell(2, col, 5)
    store.tasks.update(k, {"actual_hours": 7}, origin="cli", actor="team")
    r = synced(engine, store)
    assert r.conflicts == 1 and store.tasks.get(k).actual_hours == 7
    assert ws.cell(2, col, value_render_option="UNFORMATTED_VALUE").value == 7


def test_new_row_becomes_task_once(engine, store, manager):
    add(store, "old")
    synced(engine, store)
    ws = manager.worksheet(BACKLOG)
    ws.update([["Новая задача", "результат"]], "B3", raw=False)  # the ID column is protected: left empty
    r = synced(engine, store)
    assert r.created == 1
    new = [t for t in store.tasks.list("acme") if t.title == "Новая задача"]
    assert len(new) == 1 and new[0].priority == 3
    assert ws.acell("A3").value == new[0].key
    assert ws.acell("I3").value == "3"  # the default is written back


def test_deleted_row_is_tombstoned_and_mass_delete_is_guarded(engine, store, owner):
    keys = [add(store, f"t{i}") for i in range(14)]
    synced(engine, store)
    ws = owner.worksheet(BACKLOG)  # rows crossing the protected ID column: deleted by the owner
    ws.delete_rows(3)  # keys[1]
    r = synced(engine, store)
    assert r.tombstoned == 1 and store.tasks.find(keys[1]) is None
    assert store.tasks.find(keys[1], include_deleted=True).deleted_at is not None
    ws.delete_rows(2, 13)  # 12 rows at once: more than mass_delete_max_rows=10
    r = synced(engine, store)
    assert r.tombstoned == 0 and any("mass delete" in w for w in r.warnings)
    assert len(by_key(owner)) == 13  # restored


def test_invalid_value_gets_a_note_then_clears(engine, store, manager):
    k = add(store, "A", status="planned")
    synced(engine, store)
    ws = manager.worksheet(IN_WORK)
    header = rows(manager, IN_WORK)[0]
    col = header.index("Срок") + 1
    ws.update_cell(2, col, "завтра")
    r = synced(engine, store)
    assert r.errors == 1 and store.tasks.get(k).deadline is None
    note = ws.get_note(ws.cell(2, col).address)
    assert "ДД.ММ.ГГГГ" in note
    (e,) = store.sync.errors("acme")
    assert e.row_key == k and e.field == "deadline"
    ws.update_cell(2, col, "01.12.2026")
    synced(engine, store)
    assert str(store.tasks.get(k).deadline) == "2026-12-01"
    assert not store.sync.errors("acme") and not ws.get_note(ws.cell(2, col).address)


def test_status_flow_moves_rows_both_ways(engine, store, manager):
    k = add(store, "A")
    synced(engine, store)
    ws = manager.worksheet(BACKLOG)
    ws.update([["В работе"]], "J2", raw=False)
    synced(engine, store)
    assert store.tasks.get(k).status == "in_progress"
    assert k in by_key(manager, IN_WORK) and k not in by_key(manager)
    store.tasks.update(k, {"status": "backlog"}, origin="planner", actor="planner")
    synced(engine, store)
    assert k in by_key(manager) and k not in by_key(manager, IN_WORK)


def test_rows_sorted_or_inserted_between_snapshot_and_write_replan(engine, store, manager, owner, emu):
    ka = add(store, "a")
    kb = add(store, "b")
    synced(engine, store)
    store.tasks.update(ka, {"title": "a2"}, origin="cli", actor="team")
    reads = []

    def person(req):
        if req.name in ("sheets.spreadsheets.values.batchGet", "sheets.spreadsheets.get"):  # snapshot, ID check
            reads.append(1)
            if len(reads) == 2:  # after the snapshot, before the confirm read: a row inserted on top, a sort
                ws = owner.worksheet(BACKLOG)
                ws.insert_row(["", "вставка"], 2)
                ws.sort((2, "des"), range="A2:K4")

    emu.on_request(person)
    r = engine.sync_client("acme")
    assert r.replans >= 1
    b = by_key(manager)
    assert b[ka]["Задача"] == "a2" and b[kb]["Задача"] == "b"
    assert any(t.title == "вставка" for t in store.tasks.list("acme"))


def test_column_moved_or_header_renamed_is_still_mapped(engine, store, manager, owner):
    k = add(store, "A")
    synced(engine, store)
    owner.worksheet(BACKLOG).update([["Название задачи"]], "B1", raw=False)  # the header row is protected
    ws = manager.worksheet(BACKLOG)
    ws.update([["B!"]], "B2", raw=False)
    synced(engine, store)
    assert store.tasks.get(k).title == "B!"


def test_unchanged_clients_cost_no_sheets_call(engine, store, manager):
    add(store, "A")
    engine.cycle()
    engine.cycle()  # our own write changed modifiedTime: one read to see nothing to do
    before = engine.sheets.counts()
    r = engine.cycle()
    used = engine.sheets.counts() - before
    assert used.calls == 1 and r.clients[0].skipped  # the Drive listing only
    manager.worksheet(BACKLOG).update([["x"]], "B2", raw=False)
    r = engine.cycle()
    assert not r.clients[0].skipped and r.clients[0].pulled == 1


@pytest.mark.parametrize("fault", ["500", "503", "lost"])
def test_faults_slow_down_but_never_lose_state(engine, store, manager, emu, fault):
    k = add(store, "A")
    synced(engine, store)
    manager.worksheet(BACKLOG).update([["edited"]], "B2", raw=False)
    store.tasks.update(k, {"priority": 1}, origin="cli", actor="team")
    if fault == "lost":
        emu.faults.lose_response_next(1, kind="write")
    else:
        emu.faults.fail_next(2, status=int(fault))
    engine.sync_client("acme")
    for _ in range(2):
        engine.sync_client("acme")
    t = store.tasks.get(k)
    assert (t.title, t.priority) == ("edited", 1)
    assert by_key(manager)[k]["Приоритет"] == "1"
    assert len(store.tasks.list("acme")) == 1


def test_429_storm_slows_the_cycle_never_loses_state(store, _template):
    """Tiny per-minute quotas on the emulator, no client-side budget: Google's 429s, honoured and retried."""
    import copy

    from gsheets_emulator import Emulator
    from synchelpers import SA

    from sheetsync.sheets import Backend, QuotaSettings, RetryPolicy, connect
    from sheetsync.sync.engine import SyncEngine

    now = [1_000_000.0]
    emu = Emulator(clock=lambda: now[0])
    emu.files = copy.deepcopy(_template[1])
    emu.quota.configure(per_user=2)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    sheets = connect(Backend(emulator=emu, user=SA, quota=QuotaSettings(enabled=False),
                             retry=RetryPolicy(max_attempts=8, max_total_wait=600)), sleep=sleep,
                     clock=lambda: now[0])
    engine = SyncEngine(store, sheets)
    keys = [add(store, f"t{i}") for i in range(3)]
    start = now[0]
    first = engine.sync_client("acme")
    second = engine.sync_client("acme")
    third = engine.sync_client("acme")
    assert first.failed is None and second.failed is None and third.failed is None
    assert sheets.counts().throttled > 0 and now[0] - start >= 60  # slowed down by real 429s
    assert third.plan.empty
    emu.quota.configure(enabled=False)  # the check itself is not under test
    got = {r[0] for r in emu.gspread_client(user=SA).open_by_key(_template[2]).worksheet(BACKLOG).get_all_values()[1:]}
    assert set(keys) <= got


def test_deleted_sheet_is_reported_never_tombstoned(engine, store, owner):
    kb = add(store, "backlog task")
    kw = add(store, "work task", status="in_progress")
    synced(engine, store)
    owner.del_worksheet(owner.worksheet(IN_WORK))
    r = engine.sync_client("acme")
    assert r.failed is None and r.tombstoned == 0
    assert any("in_work: sheet not found" in w for w in r.warnings)
    assert store.tasks.find(kw) is not None and store.tasks.find(kb) is not None
