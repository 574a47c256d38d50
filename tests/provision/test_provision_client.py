"""provision_client end to end: store on SQLite, transport on the emulator; the card blocks; a
multi-client scan proving no internal field or other client's data lands in a client's spreadsheet."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from gspread.utils import ValueRenderOption

from sheetsync.provision import ProvisionSettings, provision_all, provision_client
from sheetsync.provision.render import (
    Cell,
    WaitingTask,
    find_sheet_id,
    last_sync,
    layout_of,
    rewrite_generated_sheet,
    waiting_block,
)

from .conftest import GRID_ROWS, MANAGER, SA, VIEWER, structure, writes

FAST = ProvisionSettings(rows=GRID_ROWS)


def test_provision_creates_records_and_shares_then_reruns_for_free(emu, store, sheets):
    m = emu.mark()
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    assert r.created and r.spreadsheet_id == store.clients.get("acme").spreadsheet_id
    assert emu.calls(since=m) == {"sheets.spreadsheets.create": 1, "sheets.spreadsheets.batchUpdate": 1,
                                  "drive.permissions.list": 1, "drive.permissions.create": 3,
                                  "drive.files.get": 1, "drive.files.update": 1}  # writersCanShare off
    assert r.api_calls == 8 and r.requests_applied > 100
    assert emu.files[r.spreadsheet_id].writers_can_share is False
    assert sorted(r.shared) == ["anna@agency.test:writer", "ceo@acme.test:reader", "pm@acme.test:writer"]
    m = emu.mark()
    again = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    assert (again.created, again.requests_applied, again.api_calls, again.shared, again.unshared) == (
        False, 0, 4, [], [])  # the 4th: Drive files.get finds writersCanShare already off
    assert writes(emu, m) == 0


def test_sharing_follows_config_changes(emu, store, sheets):
    provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    store.clients.update("acme", viewer_emails=["cfo@acme.test"], editor_emails=[], origin="cli", actor="test")
    r = provision_client(store=store, sheets=sheets, slug="acme",
                         settings=ProvisionSettings(viewer_role="commenter", rows=GRID_ROWS))
    assert sorted(r.unshared) == [VIEWER, "pm@acme.test"] and r.shared == ["cfo@acme.test:commenter"]
    perms = {(p.get("emailAddress") or "").lower(): p["role"] for p in sheets.list_permissions(r.spreadsheet_id)}
    assert perms == {SA: "owner", MANAGER: "writer", "cfo@acme.test": "commenter"}
    # the pm is no longer a manager of this client: the manager columns' protection drops them too
    backlog = next(s for s in structure(sheets, r.spreadsheet_id)["sheets"] if s["properties"]["title"] == "Бэклог")
    status = next(p for p in backlog["protectedRanges"] if p["description"] == "sheetsync:backlog:col:status")
    assert set(status["editors"]["users"]) == {SA, MANAGER}


def test_card_blocks_written_by_the_sync(emu, store, sheets, templates):
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    meta = sheets.get_metadata(r.spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata)")
    card_id = find_sheet_id(meta, "card")
    tasks = [WaitingTask("T-000007", '=IMPORTXML("http://evil","//a")', dt.date(2026, 11, 2)),
             WaitingTask("T-000003", "+7 999 согласовать макет", dt.date(2026, 10, 20))]
    when = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)
    sheets.batch_update(r.spreadsheet_id, waiting_block(templates, card_id, tasks, locale="ru")
                        + last_sync(templates, card_id, when, timezone="Europe/Moscow"))
    card = emu.gspread_client(SA).open_by_key(r.spreadsheet_id).worksheet("Карточка")
    got = card.get_values(value_render_option=ValueRenderOption.unformatted)
    layout = layout_of(templates)
    first, second = got[layout.waiting_first_row], got[layout.waiting_first_row + 1]
    assert first[:3] == ["T-000003", "+7 999 согласовать макет", 46315]  # oldest first; serial date
    assert second[:2] == ["T-000007", '=IMPORTXML("http://evil","//a")']  # text, never a formula
    assert isinstance(first[3], int | float) and first[3] > 0  # days waiting, live
    r_, c_ = layout.last_sync
    assert abs(got[r_][c_] - (46348 + 12.5 / 24)) < 1e-6  # 12:30 in Moscow
    shown = card.get_values(value_render_option=ValueRenderOption.formatted)
    assert shown[r_][c_] == "2026-11-22 12:30"
    assert shown[layout.waiting_first_row][2] == "20.10.2026"
    # re-provisioning leaves the sync's blocks alone
    again = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    assert again.requests_applied == 0
    sheets.batch_update(r.spreadsheet_id, waiting_block(templates, card_id, [], locale="ru"))
    got = card.get_values()
    assert got[layout.waiting_first_row][:2] == ["", "Ничего не ждёт клиента"]
    assert got[layout.waiting_first_row + 1][:2] == ["", ""]


def test_generated_sheet_rewritten_in_one_batch(emu, store, sheets, templates):
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    rows = [["dima@agency.test", "T-000001", "=cmd|' /C calc'!A0", 8, dt.date(2026, 11, 23), dt.date(2026, 11, 24),
             Cell(4, background="#CFE2F3")]]
    m = emu.mark()
    rewrite_generated_sheet(sheets, r.spreadsheet_id, templates, "plan_schedule", rows, locale="ru",
                            extra_headers=["Пн 23.11"])
    assert emu.calls(since=m) == {"sheets.spreadsheets.get": 1, "sheets.spreadsheets.batchUpdate": 1}
    ws = emu.gspread_client(SA).open_by_key(r.spreadsheet_id).worksheet("План-график")
    got = ws.get_values(value_render_option=ValueRenderOption.unformatted)
    n = len(templates["plan_schedule"].columns)
    assert got[0][:3] == templates["plan_schedule"].headers("ru")[:3] and got[0][n] == "Пн 23.11"
    assert got[1][2] == "=cmd|' /C calc'!A0" and got[1][n] == 4
    # still protected, still ours: a re-provision needs no writes
    assert provision_client(store=store, sheets=sheets, slug="acme", settings=FAST).requests_applied == 0


def _every_cell(sheets, spreadsheet_id):
    meta = sheets.get_metadata(spreadsheet_id, "sheets(properties(title))")
    ranges = ["'" + s["properties"]["title"].replace("'", "''") + "'" for s in meta["sheets"]]
    data = sheets.snapshot(spreadsheet_id, ranges)
    return [str(v) for rows in data.values() for row in rows for v in row if v not in ("", None)]


def test_multi_client_scan_finds_no_internal_or_foreign_data(emu, store, sheets, templates):
    store.clients.create("globex", name="Globex", manager_email=MANAGER, viewer_emails=["boss@globex.test"],
                         locale="en", timezone="Europe/London", origin="cli", actor="test")
    store.clients.create("initech", name="Initech", manager_email="oleg@agency.test", locale="ru",
                         timezone="Europe/Moscow", origin="cli", actor="test")
    tasks = {}
    for slug in ("acme", "globex", "initech"):
        for i in range(3):
            t = store.tasks.create(slug, origin="cli", actor="test", title=f"{slug} задача {i}",
                                   status="waiting_client" if i < 2 else "backlog",
                                   internal_note=f"SECRET-{slug}-{i}: ставка 5000 ₽/ч")
            tasks.setdefault(slug, []).append(t)
    results = provision_all(store=store, sheets=sheets, templates=templates, settings=FAST)
    assert [r.slug for r in results] == ["acme", "globex", "initech"] and all(r.created for r in results)
    for r in results:  # what the sync writes onto each card, from the store
        client = store.clients.get(r.slug)
        waiting = [WaitingTask(t.key, t.title, dt.date(2026, 11, 1)) for t in store.tasks.list(r.slug)
                   if t.status == "waiting_client"]
        meta = sheets.get_metadata(r.spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata)")
        sheets.batch_update(r.spreadsheet_id, waiting_block(templates, find_sheet_id(meta, "card"), waiting,
                                                            locale=client.locale))
    for r in results:
        cells = _every_cell(sheets, r.spreadsheet_id)
        text = "\n".join(cells)
        assert "SECRET" not in text and "ставка" not in text
        own = {t.key for t in tasks[r.slug][:2]}
        assert own <= set(cells)  # the scan does see this client's data...
        for other, ts in tasks.items():  # ...and never another client's keys or names
            if other != r.slug:
                assert not {t.key for t in ts} & set(cells), f"{r.slug} shows {other}'s tasks"
                assert other not in text.lower()


def test_store_text_that_looks_like_a_formula_stays_text(emu, store, sheets, templates):
    store.clients.update("acme", name='=IMPORTXML("http://evil.test","//a")', contacts="+7 999 000-00-00",
                         origin="cli", actor="test")
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    layout = layout_of(templates)
    data = sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{r.spreadsheet_id}",
                          params={"ranges": "'Карточка'!A1:B5", "includeGridData": "true",
                                  "fields": "sheets.data.rowData.values(userEnteredValue,effectiveValue)"})
    rows = data["sheets"][0]["data"][0]["rowData"]
    name = rows[layout.field_rows["client_name"]]["values"][1]
    assert name["userEnteredValue"] == {"stringValue": '=IMPORTXML("http://evil.test","//a")'}
    assert name["effectiveValue"] == {"stringValue": '=IMPORTXML("http://evil.test","//a")'}
    phone = rows[layout.field_rows["contacts"]]["values"][1]
    assert phone["userEnteredValue"] == {"stringValue": "+7 999 000-00-00"}
    title = rows[0]["values"][0]["userEnteredValue"]
    assert title == {"stringValue": '=IMPORTXML("http://evil.test","//a") — карточка проекта'}


def test_a_deleted_spreadsheet_is_reported_then_recreated_on_request(emu, store, sheets):
    import pytest

    from sheetsync.provision import ProvisionError

    old = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST).spreadsheet_id
    sheets.request("DELETE", f"https://www.googleapis.com/drive/v3/files/{old}")
    with pytest.raises(ProvisionError, match="--recreate"):
        provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    new = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST, recreate=True)
    assert new.created and new.spreadsheet_id != old
    assert store.clients.get("acme").spreadsheet_id == new.spreadsheet_id


def _days_shown(emu, spreadsheet_id, layout):
    """The "days waiting" column of the card's waiting list, as a person sees it (FORMATTED_VALUE)."""
    card = emu.gspread_client(SA).open_by_key(spreadsheet_id).worksheet("Карточка")
    first = layout.waiting_first_row + 1
    rng = f"D{first}:D{first + layout.waiting_rows - 1}"
    shown = card.get(rng, value_render_option=ValueRenderOption.formatted)
    raw = card.get(rng, value_render_option=ValueRenderOption.unformatted)
    return [r[0] if r else "" for r in shown], [r[0] if r else "" for r in raw]


def _pin_utc_hour(emu, hour: int) -> None:
    """Run the emulator's clock at ``hour`` o'clock UTC today: late in the UTC evening it is already
    tomorrow in Moscow, the spreadsheet's time zone, and so in its TODAY()."""
    now = time.time()
    midnight = now - now % 86400
    offset = midnight + hour * 3600 + 1800 - now
    emu.clock = lambda: time.time() + offset


def _sheet_today(emu, sheets, spreadsheet_id) -> dt.date:
    """Today as the spreadsheet's TODAY() sees it: in its own time zone, not the machine's."""
    tz = sheets.get_metadata(spreadsheet_id, "properties.timeZone")["properties"]["timeZone"]
    return dt.datetime.fromtimestamp(emu.now(), ZoneInfo(tz)).date()


@pytest.mark.parametrize("utc_hour", [2, 12, 22])
def test_days_waiting_shows_a_number_not_a_date(emu, store, sheets, templates, utc_hour):
    """Issue 13 item 12: TODAY()-since showed as a date (06.01.1900) for want of a number format."""
    _pin_utc_hour(emu, utc_hour)
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    meta = sheets.get_metadata(r.spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata)")
    card_id = find_sheet_id(meta, "card")
    layout = layout_of(templates)
    today = _sheet_today(emu, sheets, r.spreadsheet_id)
    tasks = [WaitingTask("T-000001", "согласовать макет", today - dt.timedelta(days=6)),
             WaitingTask("T-000002", "прислать доступы", today - dt.timedelta(days=40))]
    sheets.batch_update(r.spreadsheet_id, waiting_block(templates, card_id, tasks, locale="ru"))
    shown, raw = _days_shown(emu, r.spreadsheet_id, layout)
    assert raw[:2] == [40, 6]
    assert shown[:2] == ["40", "6"]  # a number of days, not "08.02.1900" / "05.01.1900"
    # provisioning agrees with what the sync wrote: nothing to repair
    assert provision_client(store=store, sheets=sheets, slug="acme", settings=FAST).requests_applied == 0


@pytest.mark.parametrize("utc_hour", [2, 22])
def test_provision_repairs_the_days_format_of_an_existing_card(emu, store, sheets, templates, utc_hour):
    _pin_utc_hour(emu, utc_hour)
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    meta = sheets.get_metadata(r.spreadsheet_id, "sheets(properties(sheetId,title),developerMetadata)")
    card_id = find_sheet_id(meta, "card")
    layout = layout_of(templates)
    today = _sheet_today(emu, sheets, r.spreadsheet_id)
    first = layout.waiting_first_row + 1
    # a card written by the old code: the formula without any number format
    sheets.batch_update(r.spreadsheet_id, waiting_block(templates, card_id, [
        WaitingTask("T-000001", "согласовать макет", today - dt.timedelta(days=6))], locale="ru") + [
        {"repeatCell": {"range": {"sheetId": card_id, "startRowIndex": layout.waiting_first_row,
                                  "endRowIndex": layout.waiting_first_row + layout.waiting_rows,
                                  "startColumnIndex": 3, "endColumnIndex": 4},
                        "cell": {}, "fields": "userEnteredFormat.numberFormat"}}])
    shown, _ = _days_shown(emu, r.spreadsheet_id, layout)
    assert shown[0] == "05.01.1900"  # what people saw
    again = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    assert again.requests_applied > 0 and any("card" in x for x in again.repairs)
    shown, raw = _days_shown(emu, r.spreadsheet_id, layout)
    assert (shown[0], raw[0]) == ("6", 6)
    card = emu.gspread_client(SA).open_by_key(r.spreadsheet_id).worksheet("Карточка")
    assert card.acell(f"B{first}").value == "согласовать макет"  # the repair touched the format only
    assert provision_client(store=store, sheets=sheets, slug="acme", settings=FAST).requests_applied == 0


def test_a_spreadsheet_someone_else_owns_is_provisioned_with_a_note(emu, store, sheets):
    """Only the owner may turn writersCanShare off (an adopted spreadsheet): provisioning says so, never fails."""
    r = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    f = emu.files[r.spreadsheet_id]
    f.writers_can_share = True
    for p in f.permissions:  # as if someone else had created it and shared it with the service account
        if p.get("emailAddress") == SA:
            p["role"] = "writer"
    f.permissions.append({"kind": "drive#permission", "id": "boss", "type": "user", "role": "owner",
                          "emailAddress": "boss@agency.test"})
    f.owner = "boss@agency.test"
    again = provision_client(store=store, sheets=sheets, slug="acme", settings=FAST)
    assert any("only its owner can stop that" in x and SA in x for x in again.repairs), again.repairs
    assert f.writers_can_share is True
