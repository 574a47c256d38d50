"""Writes are addressed by row developer metadata and checked in their own response (sheetsync/sync/rowmeta.py)."""

from __future__ import annotations

import json

from synchelpers import SA

BACKLOG = "Бэклог"
WRITE = "sheets.spreadsheets.values.batchUpdateByDataFilter"
META = "s"  # the row anchor's key (rowmeta.META_ROW): one character, no value


def add(store, title, **kw):
    return store.tasks.create("acme", {"title": title, **kw}, origin="cli", actor="team").key


def by_key(manager):
    vals = manager.worksheet(BACKLOG).get_all_values()
    return {r[0]: dict(zip(vals[0], r, strict=False)) for r in vals[1:] if r and r[0]}


def row_meta(emu, sid):
    """{row (1-based): metadataId} of every row anchor (key ``s``) on the backlog sheet."""
    s = emu.session(SA)
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/developerMetadata:search"
    got = s.post(url, json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": META}}]}).json()
    out = {}
    for m in got.get("matchedDeveloperMetadata", []):
        md = m["developerMetadata"]
        assert md["visibility"] == "DOCUMENT" and md["location"]["locationType"] == "ROW"
        assert "metadataValue" not in md  # one character per row: the key alone
        out[md["location"]["dimensionRange"]["startIndex"] + 1] = md["metadataId"]
    return out


def on_write(emu, act):
    """Run ``act()`` (a person) right before the sync's values write reaches the sheet; keep the write's body."""
    seen = []

    def hook(req):
        if req.name == WRITE and req.user == SA and not seen:
            seen.append(json.loads(req.body or b"{}"))
            act()

    return emu.on_request(hook), seen


def test_every_synced_row_gets_row_metadata_and_later_writes_use_it(engine, store, emu, sid, manager):
    keys = [add(store, t) for t in ("a", "b", "c")]
    r = engine.sync_client("acme")
    assert r.failed is None and r.writes == 2  # the new rows, then their metadata (structure: new rows only)
    assert sorted(row_meta(emu, sid)) == [2, 3, 4] and sorted(by_key(manager)) == sorted(keys)
    store.tasks.update(keys[1], {"title": "b2"}, origin="cli", actor="team")
    remove, seen = on_write(emu, lambda: None)
    r = engine.sync_client("acme")
    remove()
    assert r.writes == 1, r  # no structural call once rows have metadata
    (item,) = [d for d in seen[0]["data"] if "developerMetadataLookup" in d["dataFilter"]]
    assert set(item["dataFilter"]["developerMetadataLookup"]) == {"metadataId"}
    # the row's span from column A, the ID cell included, with only the changed cell set (nulls are skipped)
    assert item["values"][0][0] is None and [v for v in item["values"][0] if v is not None] == ["b2"]
    assert by_key(manager)[keys[1]]["Задача"] == "b2"


def test_an_insert_between_the_check_and_the_write_does_not_move_the_write(engine, store, emu, sid, owner, manager):
    ka, kb = add(store, "a"), add(store, "b")
    engine.sync_client("acme")
    store.tasks.update(kb, {"title": "b2"}, origin="cli", actor="team")
    remove, _ = on_write(emu, lambda: owner.worksheet(BACKLOG).insert_row(["", "вставка"], 2))
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None and not [w for w in r.warnings if "re-sorted" in w], r.warnings
    rows = manager.worksheet(BACKLOG).get_all_values()
    assert rows[1][:2] == ["", "вставка"]  # the person's row is untouched
    assert by_key(manager)[kb]["Задача"] == "b2" and by_key(manager)[ka]["Задача"] == "a"
    engine.sync_client("acme")  # the inserted row becomes a task; nothing else moves
    titles = {t.key: t.title for t in store.tasks.list("acme")}
    assert titles[ka] == "a" and titles[kb] == "b2" and "вставка" in titles.values()


def test_a_sort_between_the_check_and_the_write_is_caught_and_put_right(engine, store, emu, sid, owner, manager):
    ka, kb, kc = add(store, "a"), add(store, "b"), add(store, "c")
    engine.sync_client("acme")
    store.tasks.update(ka, {"title": "a (team)"}, origin="cli", actor="team")
    remove, _ = on_write(emu, lambda: owner.worksheet(BACKLOG).sort((2, "des"), range="A2:K4"))
    r = engine.sync_client("acme")
    remove()
    assert any("re-sorted" in w and ka in w for w in r.warnings), r.warnings
    # the title fell on c's row (c now sits where a was); the next sync must not pull it into c
    assert by_key(manager)[kc]["Задача"] == "a (team)"
    r2 = engine.sync_client("acme")
    assert r2.failed is None and r2.pulled == 0, r2.plan
    titles = {t.key: t.title for t in store.tasks.list("acme")}
    assert titles == {ka: "a (team)", kb: "b", kc: "c"}
    shown = {k: row["Задача"] for k, row in by_key(manager).items()}
    assert shown == titles
    again = engine.sync_client("acme")
    assert again.writes == 0 and again.plan.empty


def test_a_row_deleted_before_the_write_takes_no_other_rows_values(engine, store, emu, sid, owner, manager):
    ka, kb, kc = add(store, "a"), add(store, "b"), add(store, "c")
    engine.sync_client("acme")
    store.tasks.update(kb, {"title": "b (team)"}, origin="cli", actor="team")
    remove, _ = on_write(emu, lambda: owner.worksheet(BACKLOG).delete_rows(3))  # b's row
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None and any("deleted while the sync wrote it" in w for w in r.warnings), r.warnings
    assert {k: row["Задача"] for k, row in by_key(manager).items()} == {ka: "a", kc: "c"}
    engine.sync_client("acme")  # modification beats deletion: b changed in the store, so its row comes back
    shown = {k: row["Задача"] for k, row in by_key(manager).items()}
    assert shown == {ka: "a", kb: "b (team)", kc: "c"}
    assert store.tasks.get(kb).deleted_at is None


def test_rows_synced_before_row_metadata_existed_get_it_on_the_next_write(engine, store, emu, sid, manager):
    keys = [add(store, t) for t in ("a", "b")]
    engine.sync_client("acme")
    s = emu.session(SA)
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}"
    s.post(f"{base}:batchUpdate", json={"requests": [{"deleteDeveloperMetadata": {"dataFilter": {
        "developerMetadataLookup": {"metadataKey": META}}}}]}).raise_for_status()
    assert row_meta(emu, sid) == {}
    store.tasks.update(keys[0], {"title": "a2"}, origin="cli", actor="team")
    r = engine.sync_client("acme")
    assert r.writes == 2 and by_key(manager)[keys[0]]["Задача"] == "a2"  # written by position, metadata added
    assert sorted(row_meta(emu, sid)) == [2, 3]


def test_calls_for_one_changed_cell_and_fifty_changed_rows(engine, store, emu, sid, capsys):
    keys = [add(store, f"task {i}") for i in range(50)]
    engine.sync_client("acme")
    engine.sync_client("acme")
    store.tasks.update(keys[7], {"title": "one cell"}, origin="cli", actor="team")
    one = engine.sync_client("acme")
    for k in keys:
        store.tasks.update(k, {"priority": 1}, origin="cli", actor="team")
    fifty = engine.sync_client("acme")
    # snapshot + ID-check read + one values write; no structural call once every row has its metadata
    assert (one.api_calls, one.reads, one.writes) == (3, 2, 1), one
    assert (fifty.api_calls, fifty.reads, fifty.writes) == (3, 2, 1), fifty
    assert one.cells_written <= 1 + 1 and fifty.cells_written <= 50 + 1  # + the card's last-sync stamp
    with capsys.disabled():
        print(f"\nrow-addressed writes: one changed cell = {one.api_calls} calls ({one.cells_written} cell); "
              f"50 changed rows = {fifty.api_calls} calls ({fifty.cells_written} cells)")
