"""The plan-schedule and metrics sheets, checked cell by cell in the emulator through gspread."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sheetsync.planning import plan_client
from sheetsync.planning.cells import rgb
from sheetsync.planning.model import SpecialistInfo
from sheetsync.planning.schedule import OVERDUE_COLOUR, TODAY_COLUMN, TODAY_HEADER, specialist_colours
from sheetsync.planning.sheets import refresh_metrics, refresh_plan_schedule
from sheetsync.sheets.client import connect

D = dt.date
CONFIG = {"agency": {"holidays_country": "RU"}, "metrics": {"report_threshold": 0.8}}
ACTOR = "pm@agency.test"


@pytest.fixture
def sheets(emu):
    return connect(emu)


@pytest.fixture
def reader_gc(sheets):
    """gspread as the identity that owns the spreadsheets (the service account)."""
    return sheets.gc


@pytest.fixture
def acme_sheet(agency, sheets):
    created = sheets.create_spreadsheet({
        "properties": {"title": "ООО «Акме» — проект с агентством", "locale": "ru_RU"},
        "sheets": [{"properties": {"title": "План-график"}}, {"properties": {"title": "Метрики"}}],
    })
    agency.clients.set_spreadsheet("acme", created["spreadsheetId"], origin="cli", actor=ACTOR)  # as provisioning does
    return created["spreadsheetId"]


def grid(reader_gc, sid, title):
    """(values as UNFORMATTED, formatted values, cells with formats) of a whole sheet."""
    sh = reader_gc.open_by_key(sid)
    ws = sh.worksheet(title)
    raw = ws.get(value_render_option="UNFORMATTED_VALUE")
    shown = ws.get()
    meta = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": [f"'{title}'"]})
    data = meta["sheets"][0]["data"][0].get("rowData", [])
    cells = [[c for c in r.get("values", [])] for r in data]
    return raw, shown, cells, meta["sheets"][0]


def bg(cells, r, c):
    try:
        return cells[r][c].get("userEnteredFormat", {}).get("backgroundColor")
    except IndexError:
        return None


@time_machine.travel(dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC), tick=False)
def test_plan_schedule_gantt_cell_by_cell(agency, sheets, acme_sheet, reader_gc):
    t = agency.tasks
    banner = t.create("acme", title="Баннер", assignee="anna@agency.test", estimate_hours=12,
                      origin="cli", actor=ACTOR).key
    late = t.create("acme", title="Просроченная", assignee="boris@agency.test", estimate_hours=4, status="in_progress",
                    start_date=D(2026, 11, 2), deadline=D(2026, 11, 3), period="2026-W45",
                    origin="cli", actor=ACTOR).key
    plan_client(agency, CONFIG, "acme", "2026-W45")  # today: Thursday 5 Nov (frozen)
    result = refresh_plan_schedule(agency, CONFIG, sheets, "acme", "2026-W45")
    assert result.requests >= 3

    raw, shown, cells, sheet = grid(reader_gc, acme_sheet, "План-график")
    # header: the template's columns, then one column per working day (no Unity Day, 4 Nov)
    assert raw[0] == ["Исполнитель", "ID", "Задача", "Часы", "Начало", "Срок",
                      "Пн 02.11", "Вт 03.11", "Чт 05.11", "Пт 06.11"]
    assert raw[1][0] == "Период 2026-W45" and raw[1][6] == "Неделя 45: 02.11–06.11"
    assert sheet["properties"]["gridProperties"]["frozenRowCount"] == 2
    # today (Thursday 5 Nov) is marked
    assert bg(cells, 0, 8) == rgb(TODAY_HEADER) and cells[0][8].get("note") == "Сегодня"
    assert bg(cells, 0, 7) != rgb(TODAY_HEADER)

    # groups by specialist name: Анна, then Борис
    anna_load, banner_row, boris_load, late_row = 2, 3, 4, 5
    assert raw[anna_load][0] == "Анна Смирнова"
    assert raw[anna_load][2] == "Загрузка: 12 ч из 32 ч"
    assert raw[anna_load][3] == pytest.approx(12 / 32)
    assert shown[anna_load][3] == "38%"
    assert raw[anna_load][6:10] == ["", "", 8, 4]  # hours per day as the planner booked them (8 h a day)
    assert raw[banner_row][1:4] == [banner, "Баннер", 12]
    assert shown[banner_row][4:6] == ["05.11.2026", "06.11.2026"]  # from today; the template's date format
    colours = specialist_colours([SpecialistInfo.of(s) for s in agency.specialists.list()])
    anna = rgb(colours["anna@agency.test"])
    assert [bg(cells, banner_row, c) for c in range(6, 10)] == [None, None, anna, anna]
    assert bg(cells, boris_load + 1, 8) == rgb(TODAY_COLUMN) or raw[boris_load + 1][1] == late
    # Boris: 16 h globex + 4 h acme = 20 h of 32 h
    assert raw[boris_load][0] == "Борис Ким" and raw[boris_load][3] == pytest.approx(20 / 32)
    # the overdue task (deadline 3 Nov, still in progress) is red
    assert raw[late_row][1] == late
    red = rgb(OVERDUE_COLOUR)
    assert bg(cells, late_row, 6) == red and bg(cells, late_row, 7) == red
    assert cells[late_row][5]["userEnteredFormat"]["textFormat"]["foregroundColor"] == red
    assert "Просрочена" in cells[late_row][2].get("note", "")
    # globex's task is never shown on acme's sheet
    assert all("Checkout" not in str(v) for row in raw for v in row)
    assert len(raw) == 6

    # regenerating after the plan shrinks leaves no stale rows
    agency.tasks.update(banner, status="cancelled", origin="cli", actor=ACTOR)
    refresh_plan_schedule(agency, CONFIG, sheets, "acme", "2026-W45")
    raw2, _, _, _ = grid(reader_gc, acme_sheet, "План-график")
    assert len(raw2) == 4 and all(banner not in row for row in raw2)


@time_machine.travel(dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC), tick=False)
def test_metrics_sheet_cell_by_cell(agency, sheets, acme_sheet, reader_gc, tmp_path):
    m = agency.metrics
    for key, name, unit, direction, target in [  # as the config's [[clients.metrics]] would define them
        ("leads", "Лиды с рекламы", "шт", "up", 300),
        ("calls", "Звонки из соцсетей", "шт", "up", 60),
        ("cpl", "Цена лида", "₽", "down", 500),
        ("sales", "Продажи", "шт", "up", 5),
    ]:
        m.define("acme", key, name=name, unit=unit, direction=direction, target=target, period="month")
    # leads arrive as a CSV export from the ad cabinet, calls through the library
    csv = tmp_path / "leads.csv"
    csv.write_text("client,metric,date,period,value,source\n"
                   + "".join(f"acme,leads,2026-11-{d:02d},,{v},ads\n" for d, v in [(2, 30), (5, 40), (9, 30)]))
    agency.import_csv("metric_values", csv, actor="ads-export")
    for day, calls in [(2, 2), (5, 3), (9, 1)]:
        m.set_value("acme", "calls", D(2026, 11, day), calls, origin="api", actor="calltracker")
    m.set_value("acme", "cpl", D(2026, 11, 9), 650, origin="api", actor="ads-bot")
    for day in (3, 6):
        m.set_value("acme", "sales", D(2026, 11, day), 3, origin="api", actor="crm")
    refresh_metrics(agency, CONFIG, sheets, "acme")

    raw, shown, cells, _ = grid(reader_gc, acme_sheet, "Метрики")
    assert raw[0][:3] == ["ID", "Метрика", "Ед."] and raw[0][6] == "% от плана на сегодня"
    rows = {r[0]: r for r in raw[1:]}
    # 10 of 30 days passed: leads 100 of a prorated 100 -> on track
    assert rows["leads"][3:7] == ["2026-11", 300, 100, 1]
    assert rows["leads"][7] == "По плану" and rows["leads"][9] == "Нет"
    # calls 6 of a prorated 20 -> 30 % of plan, under the 80 % threshold -> needs a report
    assert rows["calls"][5] == 6 and rows["calls"][6] == pytest.approx(0.3)
    assert rows["calls"][7] == "Отстаёт" and rows["calls"][9] == "Да"
    # cost per lead is a level that must stay under the target: 500 / 650 = 77 % < 80 %
    assert rows["cpl"][5] == 650 and rows["cpl"][7] == "Отстаёт" and rows["cpl"][9] == "Да"
    assert rows["sales"][7] == "Достигнута"
    r_calls = [r[0] for r in raw].index("calls")
    assert bg(cells, r_calls, 7) == rgb("#F4CCCC")
    assert bg(cells, [r[0] for r in raw].index("sales"), 7) == rgb("#93C47D")
    assert shown[r_calls][6] == "30%"
    formula = reader_gc.open_by_key(acme_sheet).worksheet("Метрики").get("I2:I5", value_render_option="FORMULA")
    assert formula[[r[0] for r in raw[1:]].index("leads")][0] == "=SPARKLINE({30,70,100})"

    # a manager types a value and a comment; a bad value is refused with a note and kept
    ws = reader_gc.open_by_key(acme_sheet).worksheet("Метрики")
    ws.update([[12, "Запустили новую кампанию"]], f"K{r_calls + 1}:L{r_calls + 1}", raw=True)
    r_leads = [r[0] for r in raw].index("leads")
    ws.update([["много"]], f"K{r_leads + 1}", raw=True)
    res = refresh_metrics(agency, CONFIG, sheets, "acme")
    assert (res.ingested, res.rejected) == (1, 1)
    assert [v.value for v in m.values("acme", "calls", since=D(2026, 11, 10))] == [12]
    raw, _, cells, _ = grid(reader_gc, acme_sheet, "Метрики")
    assert raw[r_calls][5] == 18 and raw[r_calls][11] == "Запустили новую кампанию"
    assert len(raw[r_calls]) == 12 and raw[r_calls][10] == ""  # the typed value was consumed
    assert raw[r_leads][10] == "много" and "Число" in cells[r_leads][10]["note"]


def test_generated_sheets_agree_with_provisioning(agency, sheets, reader_gc):
    """Provision, plan, regenerate; re-provisioning then finds nothing to repair on those sheets."""
    from sheetsync.planning.sheets import refresh_card_reminders
    from sheetsync.provision import provision_client

    provision_client(store=agency, sheets=sheets, slug="acme")
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), tick=False):
        waiting = agency.tasks.create("acme", title="Логины от CMS", status="waiting_client",
                                      origin="cli", actor=ACTOR).key
    agency.tasks.create("acme", title="Баннер", task_type="banner", origin="cli", actor=ACTOR)
    plan_client(agency, CONFIG, "acme", "2026-W45", today=D(2026, 11, 2))
    before = sheets.counts()
    refresh_plan_schedule(agency, CONFIG, sheets, "acme", "2026-W45", today=D(2026, 11, 10))
    refresh_metrics(agency, CONFIG, sheets, "acme", today=D(2026, 11, 10))
    refresh_card_reminders(agency, CONFIG, sheets, "acme", today=D(2026, 11, 10))
    calls = sheets.counts() - before
    again = provision_client(store=agency, sheets=sheets, slug="acme")
    assert not [r for r in again.repairs if r.startswith(("plan_schedule", "metrics", "card"))]
    sid = agency.clients.get("acme").spreadsheet_id
    card = reader_gc.open_by_key(sid).worksheet("Карточка").get_all_values()
    assert any(row[:2] == [waiting, "Логины от CMS"] for row in card)
    # per sheet one metadata read and one structural write; the metrics sheet also reads its inputs
    assert (calls.reads, calls.writes) == (4, 3)


@time_machine.travel(dt.datetime(2026, 11, 9, 9, tzinfo=dt.UTC), tick=False)
def test_load_row_shows_the_hours_the_planner_booked(agency, sheets, acme_sheet, reader_gc):
    """Two 12-hour tasks booked 8/8/8 show 8/8/8 (not re-spread as 6/12/6 with a false red day)."""
    t = agency.tasks
    first = t.create("acme", title="Баннер 1", assignee="anna@agency.test", estimate_hours=12, priority=1,
                     origin="cli", actor=ACTOR).key
    second = t.create("acme", title="Баннер 2", assignee="anna@agency.test", estimate_hours=12, priority=2,
                      origin="cli", actor=ACTOR).key
    report = plan_client(agency, CONFIG, "acme", "2026-W46")  # today: Monday 9 Nov (frozen)
    booked = {d.task.key: dict(d.days) for d in report.taken}
    assert booked[first] == {D(2026, 11, 9): 8, D(2026, 11, 10): 4}
    assert booked[second] == {D(2026, 11, 10): 4, D(2026, 11, 11): 8}
    refresh_plan_schedule(agency, CONFIG, sheets, "acme", "2026-W46")

    raw, _, cells, _ = grid(reader_gc, acme_sheet, "План-график")
    anna_load = 2
    assert raw[anna_load][0] == "Анна Смирнова" and raw[anna_load][2] == "Загрузка: 24 ч из 40 ч"
    assert raw[anna_load][6:9] == [8, 8, 8]  # Mon, Tue, Wed: what the planner booked
    assert raw[anna_load][9:11] in ([], [""], ["", ""])
    for c in range(6, 9):  # no day over Anna's 8 daily hours: nothing red or bold
        fmt = cells[anna_load][c].get("userEnteredFormat", {}).get("textFormat", {})
        assert not fmt.get("bold") and "foregroundColor" not in fmt
