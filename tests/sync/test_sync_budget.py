"""API calls per cycle, measured (docs/benchmarks.md "Budgets"): printed for the issue note, and held to the budget."""

from __future__ import annotations

import copy
import os

from synchelpers import MANAGER


def clone_clients(store, emu, sid, n, start=0):
    """n more clients, each with its own copy of the provisioned spreadsheet."""
    out = []
    for i in range(start, start + n):
        f = copy.deepcopy(emu.files[sid])
        f.id = f"{sid[:20]}clone{i:04d}"
        f.spreadsheet.spreadsheet_id = f.id
        emu.files[f.id] = f
        slug = f"client{i:03d}"
        store.clients.create(slug, name=slug, contacts="", manager_email=MANAGER, tracker_url="", viewer_emails=[],
                             editor_emails=[MANAGER], locale="ru", timezone="Europe/Moscow", origin="cli", actor="t")
        store.clients.set_spreadsheet(slug, f.id, origin="cli", actor="t")
        out.append(slug)
    return out


def test_calls_per_cycle(store, emu, sid, sheets, capsys):
    from sheetsync.sync.engine import SyncEngine

    engine = SyncEngine(store, sheets)
    n = 100 if os.environ.get("SHEETSYNC_LONG") else 20  # the listing is one call whatever n is
    slugs = clone_clients(store, emu, sid, n - 1)  # + acme
    for slug in ["acme", *slugs]:
        store.tasks.create(slug, {"title": "first"}, origin="cli", actor="t")
    engine.cycle()
    engine.cycle()  # after our own writes: one read per client to see nothing to do
    before = sheets.counts()
    unchanged = engine.cycle()
    calls_unchanged = (sheets.counts() - before).calls
    assert calls_unchanged == 1 and all(r.skipped for r in unchanged.clients)

    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet("Бэклог")
    ws.update([["edited"]], "B2", raw=False)
    before = sheets.counts()
    one_cell = engine.cycle()
    used = sheets.counts() - before
    changed = [r for r in one_cell.clients if not r.skipped]
    assert len(changed) == 1 and changed[0].pulled == 1 and used.calls == 2  # listing + snapshot
    engine.cycle()

    for i in range(50):
        store.tasks.create("acme", {"title": f"bulk {i}", "priority": 2}, origin="cli", actor="t")
    before = sheets.counts()
    bulk = engine.cycle()
    used50 = sheets.counts() - before
    acme = next(r for r in bulk.clients if r.client == "acme")
    assert acme.pushed >= 50 * 10 and used50.calls <= 5, used50.by_method

    with capsys.disabled():
        print(f"\nAPI calls per cycle: {n} unchanged clients = {calls_unchanged}; one changed cell = {used.calls} "
              f"({dict(used.by_method)}); 50 new rows = {used50.calls} ({dict(used50.by_method)}, "
              f"{used50.cells_written} cells)")


def test_unchanged_cycle_queries_the_store_a_fixed_number_of_times(store, emu, sid, sheets):
    """The skip path makes no per-client query: 5 or 25 unchanged clients, the same statements."""
    from sqlalchemy import event

    from sheetsync.sync.engine import SyncEngine

    engine = SyncEngine(store, sheets)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    engines = {store.engine, store._read_engine}
    statements = []
    for start, n in ((0, 4), (4, 20)):
        clone_clients(store, emu, sid, n - start, start=start)
        engine.cycle()
        engine.cycle()
        for e in engines:
            event.listen(e, "before_cursor_execute", count)
        seen.clear()
        rep = engine.cycle()
        for e in engines:
            event.remove(e, "before_cursor_execute", count)
        assert all(r.skipped for r in rep.clients) and len(rep.clients) == n + 1
        statements.append(len(seen))
    assert statements[0] == statements[1] <= 6, statements  # clients, counters, last runs (+ BEGINs)
