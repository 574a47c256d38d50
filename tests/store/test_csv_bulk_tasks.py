"""Task CSV import in bulk: new and existing tasks in one file, per-line errors, a bounded number of statements."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from store_helpers import ACTOR

from sheetsync.store.csv_io import CsvImportError


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_one_file_creates_updates_and_leaves_unchanged(store, acme, tmp_path):
    store.clients.create("globex", name="Globex", origin="cli", actor=ACTOR)
    old = store.tasks.create("acme", title="Old", priority=2, origin="cli", actor=ACTOR)
    same = store.tasks.create("acme", title="Same", origin="cli", actor=ACTOR)
    path = _write(tmp_path / "t.csv", (
        "key,client,title,priority,status,deadline\n"
        f"{old.key},acme,Old,4,,\n"            # priority changes; an empty status keeps the status
        f"{same.key},acme,Same,,,\n"           # nothing changes
        ",acme,New one,1,planned,2026-12-01\n"
        "T-000040,globex,Imported,,,\n"
        ",globex,After the import,,,\n"
    ))
    report = store.import_csv("tasks", path, actor=ACTOR)
    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 1, 1, [])
    assert store.tasks.get(old.key).priority == 4 and store.tasks.get(old.key).version == 2
    assert store.tasks.get(same.key).version == 1
    new = {t.title: t for t in store.tasks.list()}
    assert new["New one"].status == "planned" and str(new["New one"].deadline) == "2026-12-01"
    # the imported key is claimed first, then the new keys are drawn in one bump, in file order
    assert [new[t].key for t in ("Imported", "New one", "After the import")] == ["T-000040", "T-000041", "T-000042"]
    assert [(r.action, r.field, r.old, r.new) for r in store.log(task=old.key) if r.origin == "import"] == [
        ("update", "priority", "2", "4")]
    assert {r.entity_key for r in store.log(entity="task") if r.origin == "import" and r.action == "create"} == {
        "T-000040", "T-000041", "T-000042"}


def test_per_line_errors_of_the_bulk_checks(store, acme, tmp_path):
    store.clients.create("globex", name="Globex", origin="cli", actor=ACTOR)
    theirs = store.tasks.create("globex", title="Theirs", origin="cli", actor=ACTOR)
    gone = store.tasks.create("acme", title="Gone", origin="cli", actor=ACTOR)
    store.tasks.delete(gone.key, origin="cli", actor=ACTOR)
    reserved = store.tasks.reserve_key("globex", "sheet:row")
    path = _write(tmp_path / "t.csv", (
        "key,client,title,priority\n"
        "T-000050,acme,First,1\n"
        "T-000050,acme,Again,2\n"
        f"{theirs.key},acme,Moved,1\n"
        f"{gone.key},acme,Gone,1\n"
        f"{reserved},acme,Reserved elsewhere,1\n"
        "X-12,acme,Bad key,1\n"
        ",acme,Fine,9\n"
        ",acme,Good,1\n"
    ))
    with pytest.raises(CsvImportError) as info:
        store.import_csv("tasks", path, actor=ACTOR)
    lines = {e.line: e.message for e in info.value.report.errors}
    assert set(lines) == {3, 4, 5, 6, 7, 8}
    assert "already on line 2" in lines[3]
    assert "belongs to another client" in lines[4]
    assert "restore" in lines[5]
    assert "reserved for another client" in lines[6]
    assert "task key: expected a key like T-000123" in lines[7]
    assert "tasks.priority" in lines[8]
    assert [t.title for t in store.tasks.list("acme")] == []
    report = store.import_csv("tasks", path, actor=ACTOR, skip_bad=True)
    assert (report.created, len(report.errors)) == (2, 6)
    assert sorted(t.title for t in store.tasks.list("acme")) == ["First", "Good"]


def test_a_large_import_takes_a_bounded_number_of_statements(store, acme, tmp_path):
    rows = "".join(f",acme,Task {i},{1 + i % 5},{i % 7}\n" for i in range(600))
    path = _write(tmp_path / "t.csv", "key,client,title,priority,estimate_hours\n" + rows)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert store.import_csv("tasks", path, actor=ACTOR).created == 600
    assert len(statements) < 20, statements[:30]
    exported = tmp_path / "out.csv"
    assert store.export_csv("tasks", exported) == 600
    del statements[:]
    again = store.import_csv("tasks", exported, actor=ACTOR)  # every row now has a key: all unchanged
    assert (again.created, again.updated, again.unchanged) == (0, 0, 600)
    assert len(statements) < 20, statements[:30]
