"""A client's spreadsheet holds that client's data only, and never internal-only fields (docs/safety.md)."""

from __future__ import annotations

import gspread
import pytest
from safetyhelpers import BACKLOG, IN_WORK, MANAGER, SA, SLUGS, dump, grid, rows_by_key


def _seed(app):
    secrets: dict[str, list[str]] = {s: [] for s in SLUGS}
    internal: list[str] = []
    for i, slug in enumerate(SLUGS):
        for j, status in enumerate(("backlog", "planned")):
            t = app.store.tasks.create(slug, {"title": f"{slug}-title-{j}", "status": status,
                                              "internal_note": f"{slug}-INTERNAL-{j}",
                                              "client_comment": f"{slug}-comment-{j}"}, origin="cli", actor="team")
            secrets[slug] += [t.key, t.title, t.client_comment]
            internal.append(t.internal_note)
        inv = app.store.invoices.create(slug, amount=777_000 + i, planned_date="2026-11-18", department="dev",
                                        description=f"{slug}-INVOICE", origin="cli", actor="test")
        internal += [inv.key, inv.description, str(777_000 + i)]
    return secrets, internal


def test_every_cell_note_and_metadata_belongs_to_its_client(app):
    secrets, internal = _seed(app)
    cycle = app.sync()
    assert [r.failed for r in cycle.clients] == [None] * len(SLUGS), [r.warnings for r in cycle.clients]
    for slug in SLUGS:
        sid = app.store.clients.get(slug).spreadsheet_id
        f = app.emulator.files[sid]
        everything = dump(grid(app, sid)) + dump({"name": f.name, "description": f.description,
                                                   "appProperties": f.app_properties})
        assert all(s in everything for s in secrets[slug]), f"{slug}'s own tasks are not all in its sheet"
        for other in SLUGS:
            if other != slug:
                leaked = [s for s in secrets[other] if s in everything]
                assert not leaked, f"{other}'s data in {slug}'s spreadsheet: {leaked}"
        leaked = [s for s in internal if s in everything]
        assert not leaked, f"internal-only data (internal notes, invoices) in {slug}'s spreadsheet: {leaked}"


def test_typing_another_clients_key_neither_pulls_nor_modifies_it(app):
    theirs = app.store.tasks.create("globex", {"title": "globex secret plan", "priority": 2},
                                    origin="cli", actor="team")
    app.store.tasks.create("acme", {"title": "acme task"}, origin="cli", actor="team")
    app.sync()
    acme_sid = app.store.clients.get("acme").spreadsheet_id
    # the ID column is protected from the manager; an owner (or a paste by someone with owner rights) can type it
    with pytest.raises(gspread.exceptions.APIError):
        app.emulator.gspread_client(user=MANAGER).open_by_key(acme_sid).worksheet(BACKLOG).update(
            [[theirs.key]], "A3", raw=True)
    ws = app.emulator.gspread_client(user=SA).open_by_key(acme_sid).worksheet(BACKLOG)
    ws.update([[theirs.key, "hijacked title", "", "", "", "", "", "", 1]], "A3:I3", raw=True)
    r = app.sync("acme")
    after = app.store.tasks.get(theirs.key)
    assert (after.title, after.priority, after.deleted_at) == ("globex secret plan", 2, None)
    assert app.store.tasks.client_of(theirs.key).slug == "globex"
    assert theirs.key not in {t.key for t in app.store.tasks.list("acme", include_deleted=True)}
    app.sync()
    app.sync("acme")
    acme = app.emulator.gspread_client(user=MANAGER).open_by_key(acme_sid)
    shown = dump([acme.worksheet(t).get_all_values() for t in (BACKLOG, IN_WORK)])
    assert "globex secret plan" not in shown
    _, globex_rows = rows_by_key(app.emulator.gspread_client(user=SA).open_by_key(
        app.store.clients.get("globex").spreadsheet_id).worksheet(BACKLOG))
    assert globex_rows[theirs.key]["Task"] == "globex secret plan"
    assert r.failed is None and r.errors == 1
    (err,) = app.store.sync.errors("acme")
    assert err.row_key == theirs.key and "unknown ID" in err.message


def test_planning_a_shared_specialist_shows_no_other_clients_work(app):
    """The plan-schedule shows a specialist's load; one specialist working for two clients must not carry the
    other client's task keys or titles into the sheet (only hours)."""
    import datetime as dt

    secrets = {}
    for slug in ("acme", "globex"):
        secrets[slug] = []
        for i in range(2):
            t = app.store.tasks.create(slug, {"title": f"{slug}-planned-{i}", "task_type": "landing",
                                              "estimate_hours": 4, "assignee": "oleg@agency.test",
                                              "internal_note": f"{slug}-INTERNAL-{i}"}, origin="cli", actor="team")
            secrets[slug] += [t.key, t.title, t.internal_note]
    app.sync()
    app.plan(period="2026-W48", today=dt.date(2026, 11, 23))
    app.sync()
    for slug, other in (("acme", "globex"), ("globex", "acme")):
        sid = app.store.clients.get(slug).spreadsheet_id
        everything = dump(grid(app, sid))
        assert secrets[slug][0] in everything and secrets[slug][1] in everything
        leaked = [s for s in [*secrets[other], *secrets[slug][2::3]] if s in everything]
        assert not leaked, f"{slug}'s spreadsheet shows {leaked}"


def test_the_turnover_sheet_is_shared_with_accounts_only(app):

    app.store.invoices.create("acme", amount=5000, planned_date="2026-11-18", department="dev",
                              description="stage 1", origin="cli", actor="test")
    inv = app.invoices
    inv.refresh("2026-11")
    sid = inv.spreadsheet_id(create=False)
    people = {p.get("emailAddress") or p.get("type"): p["role"] for p in app.emulator.files[sid].permissions}
    assert people == {SA: "owner", "accounts@agency.test": "writer"}, people
    for viewers in ("boss@acme.example", "cto@globex.example", MANAGER):
        with pytest.raises((gspread.exceptions.APIError, PermissionError)):
            app.emulator.gspread_client(user=viewers).open_by_key(sid)
