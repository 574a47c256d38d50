"""A manager's status change in the sheet, taken in by the sync, starts the stage clock (emulator, gspread)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sheetsync.config import load_config
from sheetsync.planning.digest import collect_stage_times
from sheetsync.store import Store

SA = "sheetsync@agency.test"
MANAGER = "olga@agency.test"
IN_WORK = "В работе"


def test_status_changed_in_the_sheet_starts_the_clock_at_the_sync(tmp_path, emu):
    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sheets import Backend, connect
    from sheetsync.sync.engine import SyncEngine

    store = Store.open(tmp_path / "s.db")
    sheets = connect(Backend(emulator=emu, user=SA))
    cfg = load_config({"agency": {"holidays_country": "RU"}, "stages": {"norms": {"waiting_client": 3}}})
    with time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False):
        store.clients.create("acme", name="Акме", manager_email=MANAGER, editor_emails=[MANAGER], locale="ru",
                             timezone="Europe/Moscow", origin="cli", actor="test")
        sid = provision_client(store=store, sheets=sheets, slug="acme",
                               settings=ProvisionSettings(rows=30)).spreadsheet_id
        key = store.tasks.create("acme", {"title": "Выгрузка из 1С", "status": "in_progress"}, origin="cli",
                                 actor="pm").key
        SyncEngine(store, sheets).sync_client("acme")
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet(IN_WORK)
    with time_machine.travel(dt.datetime(2026, 12, 29, 9, tzinfo=dt.UTC), tick=False):
        row = ws.col_values(1).index(key) + 1
        ws.update_cell(row, ws.row_values(1).index("Статус") + 1, "Ждёт клиента")
        SyncEngine(store, sheets).sync_client("acme")
    assert store.tasks.get(key).status == "waiting_client"
    (st,) = collect_stage_times(store, cfg, today=dt.date(2027, 1, 11))[0]
    # from the sheet edit (29 Dec), not from the task's creation (21 Dec): 30 Dec and 11 Jan
    assert (st.task.key, st.since, st.days, st.over) == (key, dt.date(2026, 12, 29), 2, False)
    assert [r.origin for r in store.log(key=key, field="status")][-1] == "sheet"
    store.close()


# --- the "days in stage" column and the card's waiting list, read back through gspread ------------

DAYS = "Дней в этапе"
RED = {"red": 0xEA / 255, "green": 0x99 / 255, "blue": 0x99 / 255}


def _at(y, m, d, hour=9, minute=0):
    """A moment in UTC (09:00 UTC = 12:00 in Moscow, the agency's and the spreadsheet's zone)."""
    return time_machine.travel(dt.datetime(y, m, d, hour, minute, tzinfo=dt.UTC), tick=False)


def _days_column(emu, sid, keys):
    """key -> (the "days in stage" cell as people see it (FORMATTED_VALUE), its background is ours-red)."""
    from gspread.utils import ValueRenderOption, rowcol_to_a1

    keys = set(keys.values()) if isinstance(keys, dict) else set(keys)
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet(IN_WORK)
    header = ws.row_values(1)
    col = header.index(DAYS) + 1
    ids = ws.col_values(header.index("ID") + 1)
    shown = ws.get(f"{rowcol_to_a1(1, col)}:{rowcol_to_a1(len(ids), col)}",
                   value_render_option=ValueRenderOption.formatted)
    cells = [r[0] if r else "" for r in shown] + [""] * len(ids)
    grid = emu.gspread_client(user=MANAGER).open_by_key(sid).fetch_sheet_metadata(params={
        "ranges": f"'{IN_WORK}'!{rowcol_to_a1(1, col)}:{rowcol_to_a1(len(ids), col)}", "includeGridData": "true",
        "fields": "sheets(data(rowData(values(userEnteredFormat(backgroundColor)))))"})
    bgs = [((v.get("values") or [{}])[0].get("userEnteredFormat") or {}).get("backgroundColor")
           for v in grid["sheets"][0]["data"][0].get("rowData", [])] + [None] * len(ids)
    out = {}
    for i, k in enumerate(ids):
        if k in keys:
            bg = bgs[i]
            red = bool(bg) and all(abs(bg.get(c, 0) - v) < 0.01 for c, v in RED.items())
            out[k] = (cells[i], red)
    return out


def _card_waiting(emu, sid):
    """The card's waiting list as people see it: [(ID, task, since, days)]."""
    from sheetsync.provision.render import layout_of
    from sheetsync.templates import load_templates

    lay = layout_of(load_templates())
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet("Карточка")
    first = lay.waiting_first_row + 1
    rows = ws.get(f"A{first}:D{first + lay.waiting_rows - 1}")
    return [tuple(r + [""] * (4 - len(r))) for r in rows if r and r[0]]


@pytest.fixture
def holiday_sheet(tmp_path, emu):
    """acme's spreadsheet (agency and sheet in Moscow, RU holidays), tasks made on Mon 21 Dec 2026."""
    from sheetsync.cli.sync import make_engine
    from sheetsync.provision import ProvisionSettings, provision_client
    from sheetsync.sheets import Backend, connect

    store = Store.open(tmp_path / "s.db")
    sheets = connect(Backend(emulator=emu, user=SA))
    cfg = load_config({"agency": {"holidays_country": "RU", "timezone": "Europe/Moscow"},
                       "stages": {"norms": {"waiting_client": 3, "review": 2},
                                  "client_visible": ["waiting_client", "review"]}})
    with _at(2026, 12, 21):
        store.clients.create("acme", name="Акме", manager_email=MANAGER, editor_emails=[MANAGER], locale="ru",
                             timezone="Europe/Moscow", origin="cli", actor="test")
        sid = provision_client(store=store, sheets=sheets, slug="acme",
                               settings=ProvisionSettings(rows=30)).spreadsheet_id
        t = store.tasks
        keys = {
            "friday": t.create("acme", {"title": "Тексты для сайта", "status": "in_progress"}, origin="cli",
                               actor="pm").key,
            "internal": t.create("acme", {"title": "Вёрстка", "status": "in_progress"}, origin="cli", actor="pm").key,
            "restored": t.create("acme", {"title": "Доступы к CRM", "status": "waiting_client"}, origin="cli",
                                 actor="pm").key,
            "reopened": t.create("acme", {"title": "Макет главной", "status": "review"}, origin="cli",
                                 actor="pm").key,
        }
        engine = make_engine(store, sheets, cfg)
        assert engine.sync_client("acme").failed is None
    yield store, sheets, cfg, sid, keys, engine
    store.close()


def test_friday_before_the_holidays_in_the_sheet_crosses_its_norm_on_the_right_day(emu, holiday_sheet):
    from sheetsync.planning.sheets import refresh_stage_clock

    store, sheets, cfg, sid, k, engine = holiday_sheet
    # 21 Dec: in progress is internal (not in client_visible): empty; waiting on the client since today: 0
    assert _days_column(emu, sid, k) == {k["friday"]: ("", False), k["internal"]: ("", False),
                                         k["restored"]: ("0", False), k["reopened"]: ("0", False)}
    with _at(2026, 12, 25):  # Friday before the New Year holidays: waits on the client from now
        store.tasks.update(k["friday"], status="waiting_client", origin="cli", actor="pm")
        engine.sync_client("acme")
        assert _days_column(emu, sid, [k["friday"]]) == {k["friday"]: ("0", False)}
    expected = {  # Moscow day -> what the friday task's cell shows (norm 3: over on the 4th working day)
        (2026, 12, 28): ("1", False), (2026, 12, 30): ("3", False), (2026, 12, 31): ("3", False),
        (2027, 1, 8): ("3", False), (2027, 1, 11): ("4", True), (2027, 1, 12): ("5", True)}
    for (y, m, d), cell in expected.items():
        with _at(y, m, d):  # the daemon's daily job
            refresh_stage_clock(store, cfg, sheets, "acme")
            assert _days_column(emu, sid, [k["friday"]])[k["friday"]] == cell, (y, m, d)
            card = _card_waiting(emu, sid)
            # the card lists it once it is over the waiting norm, with the same working days
            assert [c for c in card if c[0] == k["friday"]] == (
                [(k["friday"], "Тексты для сайта", "25.12.2026", cell[0])] if cell[1] else []), (y, m, d)
    # the card never shows internal stage times (the re-opened review, the internal task)
    assert {c[0] for c in _card_waiting(emu, sid)} == {k["friday"], k["restored"]}


def test_the_column_counts_the_agencys_today_late_in_the_utc_evening(emu, holiday_sheet):
    """Sun 10 Jan 22:30 UTC is Mon 11 Jan 01:30 in Moscow: the 4th working day, over the norm."""
    from sheetsync.planning.sheets import refresh_stage_clock

    store, sheets, cfg, sid, k, engine = holiday_sheet
    with _at(2026, 12, 25):
        store.tasks.update(k["friday"], status="waiting_client", origin="cli", actor="pm")
        engine.sync_client("acme")
    with _at(2027, 1, 10, 22, 30):
        refresh_stage_clock(store, cfg, sheets, "acme")
        assert _days_column(emu, sid, [k["friday"]])[k["friday"]] == ("4", True)
        assert [c[3] for c in _card_waiting(emu, sid) if c[0] == k["friday"]] == ["4"]
    with _at(2027, 1, 10, 20, 30):  # 23:30 in Moscow, still Sunday: 3 working days, at the norm
        refresh_stage_clock(store, cfg, sheets, "acme")
        assert _days_column(emu, sid, [k["friday"]])[k["friday"]] == ("3", False)


def test_restored_and_reopened_tasks_start_a_new_clock_in_the_sheet(emu, holiday_sheet):
    store, sheets, cfg, sid, k, engine = holiday_sheet
    with _at(2026, 12, 22):
        store.tasks.update(k["reopened"], status="done", origin="cli", actor="pm")
        engine.sync_client("acme")
    with _at(2026, 12, 28):
        store.tasks.delete(k["restored"], origin="cli", actor="pm")
        engine.sync_client("acme")
        assert k["restored"] not in _days_column(emu, sid, k)
        assert _days_column(emu, sid, [k["reopened"]]) == {k["reopened"]: ("", False)}  # done: no stage
    with _at(2027, 1, 11):
        store.restore(k["restored"], actor="pm")  # waiting on the client since 21 Dec before its delete
        store.tasks.update(k["reopened"], status="review", origin="cli", actor="pm")  # re-opened
        engine.sync_client("acme")
        got = _days_column(emu, sid, k)
        # a new clock at the restore and at the re-opening: 0, not the 8 working days since 21 Dec
        assert got[k["restored"]] == ("0", False) and got[k["reopened"]] == ("0", False)
    with _at(2027, 1, 14):
        engine.sync_client("acme")  # nothing else changed; the sync writes the clock all the same
        got = _days_column(emu, sid, k)
        assert got[k["restored"]] == ("3", False) and got[k["reopened"]] == ("3", True)  # review norm 2


def test_a_status_typed_in_the_sheet_shows_a_new_clock_and_the_column_is_never_pulled(emu, holiday_sheet):
    store, sheets, cfg, sid, k, engine = holiday_sheet
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet(IN_WORK)
    with _at(2026, 12, 29):
        row = ws.col_values(1).index(k["internal"]) + 1
        ws.update_cell(row, ws.row_values(1).index("Статус") + 1, "Ждёт клиента")
        engine.sync_client("acme")
        assert store.tasks.get(k["internal"]).status == "waiting_client"
        assert _days_column(emu, sid, [k["internal"]]) == {k["internal"]: ("0", False)}  # at once, by the sync
    with _at(2027, 1, 11):
        engine.sync_client("acme")
        assert _days_column(emu, sid, [k["internal"]]) == {k["internal"]: ("2", False)}  # 30 Dec, 11 Jan
    # the column is protected: a manager cannot type in it
    col = ws.row_values(1).index(DAYS) + 1
    import gspread

    with pytest.raises(gspread.exceptions.APIError, match="protected"):
        ws.update_cell(row, col, 99)
    # sheetsync's own account can: whatever the cell says, the sync takes nothing from it into the store
    owner = emu.gspread_client(user=SA).open_by_key(sid).worksheet(IN_WORK)
    n_log = len(store.log(key=k["internal"]))
    with _at(2027, 1, 11, 10):
        owner.update_cell(row, col, "сорок")
        report = engine.sync_client("acme")
        assert report.failed is None and report.pulled == 0 and report.errors == 0
        assert len(store.log(key=k["internal"])) == n_log
        # the sync's after-step skips a client whose numbers it wrote today already (no call); the
        # daily job reads the column and puts it right
        from sheetsync.planning.sheets import refresh_stage_clock

        assert refresh_stage_clock(store, cfg, sheets, "acme")["in_work"].requests == 1
        assert _days_column(emu, sid, [k["internal"]]) == {k["internal"]: ("2", False)}


def test_internal_stage_times_stay_out_of_the_clients_sheet_by_default(emu, holiday_sheet):
    from sheetsync.planning.sheets import refresh_stage_days

    store, sheets, cfg, sid, k, engine = holiday_sheet
    default = load_config({"agency": {"holidays_country": "RU", "timezone": "Europe/Moscow"}})
    assert default.stages.client_visible == ["waiting_client"]
    with _at(2027, 1, 11):
        refresh_stage_days(store, default, sheets, "acme")
        got = _days_column(emu, sid, k)
    assert got[k["reopened"]] == ("", False)  # in review: the agency's business, not the client's
    assert got[k["restored"]] == ("8", True)  # waiting since 21 Dec: 22-25, 28-30 Dec, 11 Jan


def test_the_daemons_stage_clock_job_brings_the_clock_up_to_today_after_midnight(emu, holiday_sheet, tmp_path):
    from types import SimpleNamespace

    from sheetsync.config import ScheduleConfig
    from sheetsync.daemon.jobs import JOBS, stage_clock_job

    store, sheets, cfg, sid, k, engine = holiday_sheet
    with _at(2026, 12, 25):
        store.tasks.update(k["friday"], status="waiting_client", origin="cli", actor="pm")
        engine.sync_client("acme")
    app = SimpleNamespace(store=store, sheets=sheets, config=cfg.model_copy(update={"data_dir": tmp_path / "data"}))
    assert JOBS["stage_clock"] is stage_clock_job and ScheduleConfig().stage_clock == "daily 00:05"
    with _at(2027, 1, 10, 21, 10):  # 00:10 on Mon 11 Jan in Moscow: nothing changed since the sync, but four
        summary = stage_clock_job(app)  # working days passed
    assert summary == "stage clock refreshed in 1 spreadsheets", summary
    assert _days_column(emu, sid, [k["friday"]]) == {k["friday"]: ("4", True)}
    assert [c[3] for c in _card_waiting(emu, sid) if c[0] == k["friday"]] == ["4"]


def test_what_the_clock_costs_the_sync(emu, holiday_sheet):
    """The after-step costs nothing when its numbers have not changed since it wrote them today; one read
    and one write when they have (a status typed in the sheet, a new day)."""
    from sheetsync.sync.engine import SyncEngine

    store, sheets, cfg, sid, k, engine = holiday_sheet
    ws = emu.gspread_client(user=MANAGER).open_by_key(sid).worksheet(IN_WORK)
    header = ws.row_values(1)
    row = ws.col_values(1).index(k["internal"]) + 1
    bare = SyncEngine(store, sheets)
    with _at(2026, 12, 22):
        engine.sync_client("acme")  # a new day: the numbers change once
        bare.sync_client("acme")
        costs = {}
        for name, eng in (("bare", bare), ("with clock", engine)):
            ws.update_cell(row, header.index("Комментарий клиента") + 1, f"от {name}")
            r = eng.sync_client("acme")
            costs[name] = (r.pulled, r.reads, r.writes)
        assert costs == {"bare": (1, 1, 0), "with clock": (1, 1, 0)}  # a comment pulled: the same one read
        ws.update_cell(row, header.index("Статус") + 1, "Ждёт клиента")
        r = engine.sync_client("acme")
        assert (r.pulled, r.reads, r.writes) == (1, 2, 1)  # + the two columns read, + the changed cells
    assert _days_column(emu, sid, [k["internal"]]) == {k["internal"]: ("0", False)}
