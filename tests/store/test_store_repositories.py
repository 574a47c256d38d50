"""The store methods that took over the SQL other layers wrote themselves (issue 14: one way into the store).

Each runs on SQLite and PostgreSQL like every store test; the layers' own tests (invoices, daemon, sync)
check the behaviour end to end.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from store_helpers import ACTOR

from sheetsync.store import ConcurrentUpdateError, NotFoundError, StoreError
from sheetsync.store.csv_rows import present
from sheetsync.store.engine import database_name, sqlite_file
from sheetsync.store.models import Department, Invoice, InvoiceSnapshot, Specialist
from sheetsync.store.repo import find_or_create


def test_agency_spreadsheets_are_remembered_per_kind_and_forgotten(store):
    assert store.agency_sheets.get("turnover") is None
    store.agency_sheets.add("turnover", "sid-1")
    assert store.agency_sheets.get("turnover") == "sid-1"
    store.agency_sheets.forget("turnover")
    store.agency_sheets.forget("turnover")  # nothing left: still fine
    assert store.agency_sheets.get("turnover") is None


def _x(month: str, on: dt.date, key: str, amount: str = "100") -> InvoiceSnapshot:
    """A snapshot row as ``invoices.snapshot.take`` builds it (new, unsaved)."""
    return InvoiceSnapshot(month=month, taken_on=on, invoice_key=key, client="acme", department=None, description="", amount=Decimal(amount),
                           status="planned", planned_date=dt.date(2026, 11, 4), paid_date=None, moves=0)


def test_invoice_snapshots_replace_a_day_and_find_the_last_meeting(store):
    nov, d1, d2 = "2026-11", dt.date(2026, 11, 18), dt.date(2026, 11, 25)
    assert store.invoice_snapshots.days(nov) == [] and store.invoice_snapshots.latest_on_or_before(nov, d2) is None
    assert store.invoice_snapshots.replace(nov, d1, [_x(nov, d1, "INV-000002"), _x(nov, d1, "INV-000001")]) == 2
    assert store.invoice_snapshots.replace(nov, d2, [_x(nov, d2, "INV-000001")]) == 1
    assert store.invoice_snapshots.replace(nov, d2, [_x(nov, d2, "INV-000003", "7")]) == 1  # the same day again
    assert store.invoice_snapshots.days(nov) == [d1, d2]
    assert store.invoice_snapshots.latest_on_or_before(nov, d2 - dt.timedelta(days=1)) == d1
    assert store.invoice_snapshots.latest_on_or_before(nov, d2) == d2
    assert [s.invoice_key for s in store.invoice_snapshots.load(nov, d1)] == ["INV-000001", "INV-000002"]
    [again] = store.invoice_snapshots.load(nov, d2)
    assert (again.invoice_key, again.amount) == ("INV-000003", Decimal("7"))
    assert store.invoice_snapshots.days("2026-12") == []


def test_live_invoices_carry_client_and_department_names(store, acme):
    store.departments.upsert("dev", name="Development")
    a = store.invoices.create("acme", amount=10, planned_date="2026-11-04", department="dev", origin="cli",
                              actor=ACTOR)
    b = store.invoices.create("acme", amount=20, planned_date="2026-11-05", origin="cli", actor=ACTOR)
    gone = store.invoices.create("acme", amount=30, planned_date="2026-11-06", origin="cli", actor=ACTOR)
    store.invoices.move(a.key, "2026-11-20", origin="cli", actor=ACTOR)
    store.invoices.delete(gone.key, origin="cli", actor=ACTOR)
    live = store.invoices.live()
    assert [(i.invoice.key, i.client, i.client_name, i.department) for i in live] == [
        (a.key, "acme", "ACME Ltd", "dev"), (b.key, "acme", "ACME Ltd", None)]
    assert [m.to_date for m in live[0].invoice.moves] == [dt.date(2026, 11, 20)]  # loaded, usable after the read
    assert [i.invoice.key for i in store.invoices.live({b.key, gone.key})] == [b.key]
    assert store.invoices.live(set()) == []


def _usable(field: str, value: object) -> bool:
    if value is None:
        return field == "paid_date"
    if field == "amount":
        return 0 <= Decimal(str(value)) < Decimal("1e12")
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return dt.date(1970, 1, 1) <= day <= dt.date(2199, 12, 31)


def test_an_unusable_value_is_put_back_from_the_change_log(store, acme):
    inv = store.invoices.create("acme", amount=500, planned_date="2026-11-04", origin="cli", actor=ACTOR)
    lost = store.invoices.create("acme", amount=600, planned_date="2026-11-05", origin="cli", actor=ACTOR)
    with store.session() as s:  # as an older version let an account's edit in (today's store refuses it)
        for key in (inv.key, lost.key):
            s.query(Invoice).filter(Invoice.key == key).update({"planned_date": dt.date(9999, 12, 31)})
    with store.session() as s:
        from sheetsync.store.models import ChangeLog
        s.query(ChangeLog).filter(ChangeLog.entity_key == lost.key).delete()  # and its history gone
    put = store.invoices.put_back_last_good(("planned_date", "paid_date", "amount"), _usable, origin="daemon",
                                            actor="sheetsync")
    assert [(p.key, p.field, p.old, p.new) for p in put] == [
        (inv.key, "planned_date", dt.date(9999, 12, 31), dt.date(2026, 11, 4))]
    assert store.invoices.get(inv.key).planned_date == dt.date(2026, 11, 4)
    assert store.invoices.get(lost.key).planned_date == dt.date(9999, 12, 31)  # nothing good to put back
    [row] = [c for c in store.log(entity="invoice", key=inv.key) if c.origin == "daemon"]
    assert (row.action, row.field, row.actor, json.loads(row.new)) == ("update", "planned_date", "sheetsync",
                                                                        "2026-11-04")
    assert store.invoices.put_back_last_good(("planned_date",), _usable, origin="daemon", actor="sheetsync") == []


def test_unused_reserved_keys_by_slug_id_or_client(store, acme):
    other = store.clients.create("other", name="Other", origin="cli", actor=ACTOR)
    k1 = store.reserve_task_key("acme", "sheet-1:row-a")
    k2 = store.reserve_task_key("acme", "sheet-1:row-b")
    store.reserve_task_key("other", "sheet-2:row-a")
    store.tasks.create("acme", title="Made from row b", key=k2, origin="sheet", actor=ACTOR)
    assert store.tasks.unused_reserved_keys("acme") == {k1}
    assert store.tasks.unused_reserved_keys(acme.id) == {k1}
    assert store.tasks.unused_reserved_keys(acme) == {k1}
    assert len(store.tasks.unused_reserved_keys(other.id)) == 1
    with pytest.raises(NotFoundError):
        store.tasks.unused_reserved_keys("nobody")


def test_a_pulled_edit_and_its_base_land_together_or_not_at_all(store, acme):
    t = store.tasks.create("acme", title="Banner", origin="cli", actor=ACTOR)
    cell = ("backlog", t.key, "title")
    store.sync.pull_into_task(t.key, {"title": "Banner v2"}, spreadsheet_id="sid", base={cell: "Banner v2"},
                              actor="pm@client.test")
    assert store.tasks.get(t.key).title == "Banner v2" and store.sync.get_base("sid") == {cell: "Banner v2"}
    row = store.log(task=t.key, field="title")[-1]
    assert (row.origin, row.actor) == ("sheet", "pm@client.test")
    with pytest.raises(StoreError):  # the store refuses the value: the base is not moved either
        store.sync.pull_into_task(t.key, {"title": ""}, spreadsheet_id="sid", base={cell: ""}, actor="x")
    assert store.sync.get_base("sid") == {cell: "Banner v2"}
    store.sync.upsert_base("sid", {cell: "kept", ("~pending", t.key, "title"): "next"})
    assert store.sync.get_base("sid") == {cell: "kept", ("~pending", t.key, "title"): "next"}


def test_delete_and_restore_are_one_rule_for_tasks_and_invoices(store, acme):
    t = store.tasks.create("acme", title="Banner", origin="cli", actor=ACTOR)
    inv = store.invoices.create("acme", amount=1, planned_date="2026-11-04", origin="cli", actor=ACTOR)
    for repo, key, entity in ((store.tasks, t.key, "task"), (store.invoices, inv.key, "invoice")):
        with pytest.raises(StoreError, match=f"{entity} {key} is not deleted"):
            repo.restore(key, origin="cli", actor=ACTOR)
        with pytest.raises(ConcurrentUpdateError):
            repo.delete(key, origin="cli", actor=ACTOR, expected_version=99)
        repo.delete(key, origin="cli", actor=ACTOR, expected_version=1)
        assert repo.restore(key, origin="cli", actor=ACTOR).deleted_at is None
        actions = [c.action for c in store.log(entity=entity, key=key)]  # a create logs a row per field
        assert list(dict.fromkeys(actions)) == ["create", "delete", "restore"] and actions[-2:] == ["delete", "restore"]


def test_find_or_create_creates_once_then_updates(store):
    with store.session() as s:
        made = find_or_create(s, Department, {"key": "dev"}, {"name": "Dev", "monthly_minimum": 5})
        again = find_or_create(s, Department, {"key": "dev"}, {"name": "Development"})
        assert made is again and (again.name, again.monthly_minimum) == ("Development", 5)
        sp = find_or_create(s, Specialist, {"email": "a@agency.test"}, {"name": "A", "role": "designer"})
        assert sp.id is not None  # flushed
    assert [d.name for d in store.departments.list()] == ["Development"]


def test_the_store_answers_a_probe_and_names_its_backend(store, store_db):
    store.ping()
    assert store.backend == ("sqlite" if store_db["backend"] == "sqlite" else "postgresql")


def test_url_helpers_for_the_daemons_lock_file():
    assert str(sqlite_file("sqlite:////srv/x/sheetsync.db")) == "/srv/x/sheetsync.db"
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@127.0.0.1/test") is None
    assert database_name("postgresql+psycopg://u@127.0.0.1/test") == "test"
    assert database_name("sqlite:////srv/x/sheetsync.db") == "/srv/x/sheetsync.db"


def test_blank_csv_cells_mean_no_value():
    assert present({"a": " ", "b": "x", "c": ""}) == {"a": None, "b": "x", "c": None}


def test_settling_a_conflict_updates_logs_and_closes_it_at_once(store, acme):
    t = store.tasks.create("acme", title="Banner", origin="cli", actor=ACTOR)
    inv = store.invoices.create("acme", amount=100, planned_date="2026-11-04", origin="cli", actor=ACTOR)
    ct = store.sync.add_conflict("acme", entity_key=t.key, field="title", sheet_value="Sheet", store_value="Banner",
                                 base_value="Old", winner="store")
    ci = store.sync.add_conflict("acme", entity_key=inv.key, field="amount", sheet_value="150", store_value="100",
                                 base_value="90", winner="store")
    assert store.sync.settle_conflict(ct.id, "Sheet", origin="cli", actor=ACTOR) == ("Banner", "Sheet")
    assert store.tasks.get(t.key).title == "Sheet"
    assert [c.action for c in store.log(task=t.key, field="title")][-2:] == ["update", "resolve"]
    task_conflict = store.sync.get_conflict(ct.id)
    assert task_conflict.resolved_by == ACTOR and task_conflict.note_cleared_at is None  # the sync takes it off
    assert store.sync.settle_conflict(ci.id, Decimal("150"), origin="cli", actor=ACTOR) == (Decimal("100"),
                                                                                             Decimal("150"))
    closed = store.sync.get_conflict(ci.id)
    assert closed.note_cleared_at == closed.resolved_at  # the refresh rewrites the tab: no note left
    with pytest.raises(StoreError, match="already resolved"):
        store.sync.settle_conflict(ct.id, "Again", origin="cli", actor=ACTOR)
    assert store.tasks.get(t.key).title == "Sheet"  # nothing of the refused settlement stayed
