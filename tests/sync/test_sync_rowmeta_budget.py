"""Row identity under Google's developer-metadata limit (sheetsync/sync/rowmeta.py, docs/sync.md "Row identity").

Google allows 30,000 characters of developer metadata per sheet (key + value count). Each task row
carries one anchor of 1 character, so a 10,000-row backlog fits; past a sheet's budget rows are
synced without an anchor (written by position, confirmed by their ID) and the sync says so; a
refusal by Google never fails a sync; spreadsheets anchored the old way (``sheetsync.row`` = key,
~21 characters a row) keep working and are rewritten in place.

The emulator enforces the limit (``Emulator(metadata_limit=...)``, emulator/tests/test_metadata_limits.py).
CI runs proportionally smaller versions at a lowered limit; ``SHEETSYNC_LONG=1`` runs 10,000 rows
at Google's 30,000.
"""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from synchelpers import MANAGER, SA

from sheetsync.sync.engine import SyncEngine
from sheetsync.sync.rowmeta import LIMIT_FIELD, META_ROW, META_ROW_V1

BACKLOG, IN_WORK = "Бэклог", "В работе"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
WRITE = "sheets.spreadsheets.values.batchUpdateByDataFilter"


def tasks(store, n, prefix="task", **fields):
    made = store.tasks.create_many([{"title": f"{prefix} {i}", **fields} for i in range(n)], client="acme",
                                   origin="cli", actor="team")
    return [t.key for t in made]


def sheet_metadata(emu, sid, title):
    """(characters of all developer metadata on the sheet, {row: (key, value, id)} of row metadata), raw HTTP."""
    fields = ("sheets(properties(title),developerMetadata(metadataKey,metadataValue),data(startRow,"
              "rowMetadata(developerMetadata),columnMetadata(developerMetadata(metadataKey,metadataValue))))")
    got = emu.session(SA).get(f"{SHEETS}/{sid}", params={"ranges": f"'{title}'", "fields": fields}).json()
    (sheet,) = got["sheets"]

    def cost(m):
        return len(m.get("metadataKey", "")) + len(m.get("metadataValue", ""))

    total = sum(cost(m) for m in sheet.get("developerMetadata", []))
    rows = {}
    for block in sheet.get("data", []):
        for c in block.get("columnMetadata", []):
            total += sum(cost(m) for m in c.get("developerMetadata", []))
        for i, r in enumerate(block.get("rowMetadata", [])):
            for m in r.get("developerMetadata", []):
                total += cost(m)
                rows[block.get("startRow", 0) + i + 1] = (m["metadataKey"], m.get("metadataValue"), m["metadataId"])
    return total, rows


def shown(manager, title=BACKLOG):
    vals = manager.worksheet(title).get_all_values()
    return {r[0]: (i + 2, dict(zip(vals[0], r, strict=False))) for i, r in enumerate(vals[1:]) if r and r[0]}


def capture_writes(emu):
    seen = []

    def hook(req):
        if req.name == WRITE and req.user == SA:
            seen.append(json.loads(req.body or b"{}"))

    return emu.on_request(hook), seen


def backlog_syncs_under_the_limit(store, emu, sid, sheets, rows, limit):
    emu.metadata_limit = limit
    engine = SyncEngine(store, sheets, metadata_limit=limit)
    keys = tasks(store, rows, priority=2)
    first = engine.sync_client("acme")
    assert first.failed is None and not first.warnings, first.warnings
    used, anchors = sheet_metadata(emu, sid, BACKLOG)
    assert used <= limit
    assert len(anchors) == rows and {k for k, _, _ in anchors.values()} == {META_ROW}
    assert all(v is None for _, v, _ in anchors.values())  # 1 character a row: the key alone
    manager = emu.gspread_client(user=MANAGER).open_by_key(sid)
    on_sheet = shown(manager)
    assert set(on_sheet) == set(keys) and sorted(anchors) == sorted(r for r, _ in on_sheet.values())
    # every later write of an existing row is addressed by its anchor, and lands
    changed = keys[::max(1, rows // 50)]
    store.tasks.update_many({k: {"title": f"edited {k}"} for k in changed}, origin="cli", actor="team")
    remove, seen = capture_writes(emu)
    again = engine.sync_client("acme")
    remove()
    assert again.failed is None and again.writes == 1 and not again.warnings, again
    filters = [d["dataFilter"] for d in seen[0]["data"] if "gridRange" in d["dataFilter"]
               or "developerMetadataLookup" in d["dataFilter"]]
    ids = {i for _, _, i in anchors.values()}
    assert len(filters) == len(changed) and all(f["developerMetadataLookup"]["metadataId"] in ids for f in filters)
    on_sheet = shown(manager)
    assert all(on_sheet[k][1]["Задача"] == f"edited {k}" for k in changed)
    return used, again


def test_a_backlog_syncs_with_one_character_of_metadata_per_row(store, emu, sid, sheets):
    """CI size: 500 rows at a limit lowered to 1,500 (the same proportion as 10,000 rows at 30,000).
    The old encoding (21 characters a row) could not: Google would refuse its row metadata."""
    used, _ = backlog_syncs_under_the_limit(store, emu, sid, sheets, rows=500, limit=1_500)
    assert used == 324 + 500  # the provisioned column metadata, then one character per row


@pytest.mark.skipif(not os.environ.get("SHEETSYNC_LONG"), reason="10,000-row backlog; set SHEETSYNC_LONG=1")
def test_a_ten_thousand_row_backlog_syncs_at_googles_limit(store, emu, sid, sheets):
    used, _ = backlog_syncs_under_the_limit(store, emu, sid, sheets, rows=10_000, limit=30_000)
    assert used == 324 + 10_000


def test_past_the_budget_rows_sync_without_row_metadata_safely_and_the_sync_says_so(
        store, emu, sid, sheets, owner, capsys, monkeypatch):
    emu.metadata_limit = 400  # budget: 400 - 13 reserved - 324 (columns) = 63 anchors on the backlog
    engine = SyncEngine(store, sheets, metadata_limit=400)
    keys = tasks(store, 80)
    r = engine.sync_client("acme")
    assert r.failed is None
    used, anchors = sheet_metadata(emu, sid, BACKLOG)
    assert len(anchors) == 63 and used == 387 <= 400
    (line,) = [w for w in r.warnings if "developer metadata full" in w]
    assert "17 row(s) are synced without row metadata" in line and "delete empty rows" in line
    # `sheetsync status` shows it, one line
    from sheetsync.cli import sync as cli_sync

    monkeypatch.setattr(cli_sync, "_open", lambda _c: SimpleNamespace(config=None, store=store))  # an App's parts
    cli_sync.status_cmd(client=None, config=None)
    out = capsys.readouterr().out
    assert "developer metadata full" in out and "None." not in out
    (err,) = [e for e in store.sync.errors("acme") if e.field == LIMIT_FIELD]
    assert err.sheet == "backlog" and err.row_key is None

    # an unanchored row is written by position as the ID-check read found it, checked in the response:
    # a row deleted above it in that window sends the write to the next task's row, which is caught,
    # nothing is pulled from it, and the next sync puts both right
    manager = emu.gspread_client(user=MANAGER).open_by_key(sid)
    last = keys[-1]
    row = shown(manager)[last][0]
    assert row not in anchors
    store.tasks.update(keys[-2], {"title": "team edit"}, origin="cli", actor="team")
    done = []

    def delete_above(req):
        if req.name == WRITE and req.user == SA and not done:
            done.append(1)
            owner.worksheet(BACKLOG).delete_rows(row - 2)  # an unanchored row above keys[-2]

    remove = emu.on_request(delete_above)
    r2 = engine.sync_client("acme")
    remove()
    assert r2.failed is None and any("re-sorted" in w and keys[-2] in w for w in r2.warnings), r2.warnings
    assert shown(manager)[last][1]["Задача"] == "team edit"  # fell on the next row, for now
    r3 = engine.sync_client("acme")
    assert r3.failed is None and r3.pulled == 0
    r4 = engine.sync_client("acme")
    assert r4.failed is None
    titles = {t.key: t.title for t in store.tasks.list("acme")}
    assert titles[keys[-2]] == "team edit" and titles[last] == "task 79"
    on_sheet = shown(manager)
    assert on_sheet[keys[-2]][1]["Задача"] == "team edit" and on_sheet[last][1]["Задача"] == "task 79"

    # a manager's edit on an unanchored row is pulled as usual
    manager.worksheet(BACKLOG).update_acell(f"B{shown(manager)[last][0]}", "manager edit")
    r5 = engine.sync_client("acme")
    assert r5.failed is None and store.tasks.get(last).title == "manager edit"

    # room made as the notice says: 20 tasks cancelled (their rows are cleared, anchors stay), the owner
    # deletes those empty rows (anchors die with them); the next write anchors every row, the notice closes
    store.tasks.update_many({k: {"status": "cancelled"} for k in keys[:20]}, origin="cli", actor="team")
    assert engine.sync_client("acme").failed is None
    ws = owner.worksheet(BACKLOG)
    empty = [i + 1 for i, r in enumerate(ws.get_all_values()) if i and not any(r)]
    for i in reversed(empty):
        ws.delete_rows(i)
    store.tasks.update(last, {"title": "after"}, origin="cli", actor="team")
    r6 = engine.sync_client("acme")
    assert r6.failed is None and not [w for w in r6.warnings if "developer metadata full" in w], r6.warnings
    _, anchors = sheet_metadata(emu, sid, BACKLOG)
    assert sorted(anchors) == sorted(r for r, _ in shown(manager).values()) and len(anchors) == 59  # 80-20-1
    assert not [e for e in store.sync.errors("acme") if e.field == LIMIT_FIELD]


def test_googles_refusal_never_fails_the_sync_and_is_not_retried_forever(store, emu, sid, sheets):
    """Google refuses row metadata the sync counted as fitting (metadata it cannot see, e.g. another
    project's): the notes and formulas riding in the same :batchUpdate are sent again alone, the
    sync succeeds, and the engine stops asking for more than fits. Old code: the sync failed,
    every cycle."""
    emu.metadata_limit = 400  # the engine assumes Google's 30,000
    engine = SyncEngine(store, sheets)
    backlog = tasks(store, 100)
    working = tasks(store, 5, prefix="doing", status="in_progress")  # in-work rows: formulas ride along
    r = engine.sync_client("acme")
    assert r.failed is None, r.warnings
    assert [e for e in emu.log if e.name == "sheets.spreadsheets.batchUpdate" and e.status == 400]  # refused
    assert any("developer metadata full" in w and "Google refused more" in w for w in r.warnings), r.warnings
    manager = emu.gspread_client(user=MANAGER).open_by_key(sid)
    assert set(shown(manager)) == set(backlog) and set(shown(manager, IN_WORK)) == set(working)
    formulas = manager.worksheet(IN_WORK).get_values(value_render_option="FORMULA")
    assert any(str(c).startswith("=") for row in formulas[1:6] for c in row)  # the structural batch landed
    for i in range(3):  # learnt: at most one more refused call, then none
        store.tasks.update(backlog[i], {"title": f"edit {i}"}, origin="cli", actor="team")
        ri = engine.sync_client("acme")
        assert ri.failed is None
    mark = emu.mark()
    store.tasks.update(backlog[50], {"title": "steady"}, origin="cli", actor="team")
    steady = engine.sync_client("acme")
    errors = [e for e in emu.log[mark:] if e.status >= 400]
    assert steady.failed is None and steady.api_calls == 3 and not errors  # snapshot, ID check, write
    used, anchors = sheet_metadata(emu, sid, BACKLOG)
    assert used <= 400 and len(anchors) > 0
    assert shown(manager)[backlog[50]][1]["Задача"] == "steady"


def old_encoding(emu, sid, manager):
    """Rewrite the backlog's anchors the way sheetsync did before (``sheetsync.row`` = the task key)."""
    s = emu.session(SA)
    _, anchors = sheet_metadata(emu, sid, BACKLOG)
    rows = {r: k for k, (r, _) in shown(manager).items()}
    sheet_id = manager.worksheet(BACKLOG).id
    requests = [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": META_ROW}}}}]
    requests += [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": META_ROW_V1, "metadataValue": rows[r], "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": r - 1,
                                        "endIndex": r}}}}} for r in sorted(anchors)]
    s.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": requests}).raise_for_status()
    _, old = sheet_metadata(emu, sid, BACKLOG)
    assert {k for k, _, _ in old.values()} == {META_ROW_V1}
    return old


def test_old_encoding_keeps_working_and_is_rewritten_in_place(engine, store, emu, sid, manager):
    keys = tasks(store, 5)
    engine.sync_client("acme")
    old = old_encoding(emu, sid, manager)
    store.tasks.update(keys[2], {"title": "edited"}, origin="cli", actor="team")
    remove, seen = capture_writes(emu)
    r = engine.sync_client("acme")
    remove()
    assert r.failed is None and r.writes == 2  # the values write, then the one-time rewrite
    (item,) = [d for d in seen[0]["data"] if "developerMetadataLookup" in d["dataFilter"]]
    row = shown(manager)[keys[2]][0]
    assert item["dataFilter"]["developerMetadataLookup"]["metadataId"] == old[row][2]  # addressed by the old anchor
    assert shown(manager)[keys[2]][1]["Задача"] == "edited"
    used, new = sheet_metadata(emu, sid, BACKLOG)
    assert {r: i for r, (_, _, i) in new.items()} == {r: i for r, (_, _, i) in old.items()}  # same ids, same rows
    assert {(k, v) for k, v, _ in new.values()} == {(META_ROW, None)} and used == 324 + 5
    store.tasks.update(keys[3], {"title": "again"}, origin="cli", actor="team")
    assert engine.sync_client("acme").writes == 1  # nothing left to rewrite


def test_a_sheet_full_of_old_encoding_makes_room_for_new_rows_in_the_same_write(store, emu, sid, sheets, manager):
    """12 rows the old way use 576 of 600 characters: 30 more rows could not be anchored by the old
    code; the rewrite rides first in the same batch, so all 42 get one."""
    emu.metadata_limit = 600
    engine = SyncEngine(store, sheets, metadata_limit=600)
    tasks(store, 12)
    engine.sync_client("acme")
    old_encoding(emu, sid, manager)
    assert sheet_metadata(emu, sid, BACKLOG)[0] == 324 + 12 * 21
    more = tasks(store, 30, prefix="more")
    r = engine.sync_client("acme")
    assert r.failed is None and not [w for w in r.warnings if "metadata" in w], r.warnings
    used, anchors = sheet_metadata(emu, sid, BACKLOG)
    assert len(anchors) == 42 and used == 324 + 42 and {k for k, _, _ in anchors.values()} == {META_ROW}
    assert set(more) <= set(shown(manager))


def test_a_refused_rewrite_of_old_anchors_is_not_sent_again(engine, store, emu, sid, manager):
    """If Google ever refused the in-place rewrite, old anchors keep working as they are."""
    from gsheets_emulator.errors import ApiError

    keys = tasks(store, 3)
    engine.sync_client("acme")
    old_encoding(emu, sid, manager)
    sent = []

    def refuse(req):
        if req.name == "sheets.spreadsheets.batchUpdate" and b"updateDeveloperMetadata" in (req.body or b""):
            sent.append(1)
            raise ApiError(400, "Invalid requests[0].updateDeveloperMetadata: refused")

    remove = emu.on_request(refuse)
    for i in range(3):
        store.tasks.update(keys[i], {"title": f"edit {i}"}, origin="cli", actor="team")
        r = engine.sync_client("acme")
        assert r.failed is None and not r.warnings, r.warnings
    remove()
    assert len(sent) == 1
    assert {k for k, _, _ in sheet_metadata(emu, sid, BACKLOG)[1].values()} == {META_ROW_V1}
    assert [row["Задача"] for _, row in sorted(shown(manager).values())] == ["edit 0", "edit 1", "edit 2"]
