"""Time in stage against the norms of [stages], across the Russian New Year holidays, with frozen time.

The calendar (RU, from the `holidays` package): Fri 25 Dec 2026 is a working day, Mon 28 – Wed 30 Dec
are working days, Thu 31 Dec 2026 is a day off (moved from 4 Jan) and 1 – 8 Jan 2027 are the New
Year holidays, so after 30 Dec the next working day is Mon 11 Jan 2027.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import time_machine
from planhelpers import reference_config
from typer.testing import CliRunner

from sheetsync.cli import _app
from sheetsync.cli import init_cmd as _init  # noqa: F401 - registers the commands
from sheetsync.cli import plan as _plan  # noqa: F401
from sheetsync.config import ConfigError, load_config
from sheetsync.planning.calendar import WorkCalendar
from sheetsync.planning.digest import (
    card_reminder_rows,
    collect_stage_times,
    digests,
    lead_digests,
    stage_report_for,
    waiting_since,
)
from sheetsync.planning.stages import StatusEvent, entered_status, stage_report, stage_visits

D = dt.date
ACTOR = "pm@agency.test"
OLGA, PETR = "olga@agency.test", "petr@agency.test"
IRINA, SERGEY = "irina@agency.test", "sergey@agency.test"


def config(**stages):
    return load_config({
        "agency": {"holidays_country": "RU", "timezone": "Europe/Moscow"},
        "clients": [{"slug": s, "name": s} for s in ("acme", "globex", "initech")],
        "planning": {"reminder_working_days": 3},
        "stages": {"norms": {"waiting_client": 3, "review": 2, "planned": 5}, "escalation_factor": 1.5,
                   "clients": {"globex": {"waiting_client": 5}},
                   "leads": {OLGA: IRINA, PETR: SERGEY}, **stages},
    })


def moment(y: int, m: int, d: int, hour: int = 10):
    return time_machine.travel(dt.datetime(y, m, d, hour, tzinfo=dt.UTC), tick=False)


def days_of(store, cfg, today):
    times, _ = collect_stage_times(store, cfg, today=today)
    return {st.task.key: (st.since, st.days, st.norm, st.over) for st in times}


# --- config ------------------------------------------------------------------------------


def test_stages_config_defaults_overrides_and_errors():
    cfg = config()
    assert cfg.stages.norm("waiting_client", "acme") == 3
    assert cfg.stages.norm("waiting_client", "globex") == 5  # the client's override
    assert cfg.stages.norm("review", "globex") == 2  # not overridden: the agency's norm
    assert cfg.stages.norm("in_progress", "acme") is None  # no norm, no default
    assert config(default_working_days=10).stages.norm("in_progress", "acme") == 10
    assert cfg.stages.norm("done", "acme") is None  # never a norm for a finished task
    assert cfg.stages.lead_of("OLGA@agency.test") == IRINA
    assert load_config(None).stages.norms == {"waiting_client": 3, "review": 2, "planned": 5}
    with pytest.raises(ConfigError) as e:
        config(norms={"waiting": 3, "review": 0}, clients={"umbrella": {"review": 1}}, leads={"olga": "x"},
               escalation_factor=0.5)
    assert sorted(e.value.problems) == sorted([
        "stages.norms.review: expected a whole number of working days from 1 to 366, got 0",
        "stages.leads.olga: expected an email address like name@example.com, got \"x\"",
        "stages.escalation_factor: expected a number >= 1 (1.5: the lead hears of a task at 1.5x its norm), got 0.5",
    ])
    with pytest.raises(ConfigError) as e:
        config(norms={"waiting": 3, "done": 1})
    assert sorted(e.value.problems) == [
        "stages.norms.done: expected a status (backlog, planned, in_progress, waiting_client, review), got 'done'",
        "stages.norms.waiting: expected a status (backlog, planned, in_progress, waiting_client, review), got 'waiting'",
    ]
    with pytest.raises(ConfigError) as e:
        config(clients={"umbrella": {"review": 1}})
    assert e.value.problems == [
        "stages.clients.umbrella: expected one of the clients' slugs (acme, globex, initech), got 'umbrella'"
    ]


def test_example_and_starter_configs_have_stages(tmp_path):
    from pathlib import Path

    example = load_config(Path(__file__).resolve().parents[2] / "config" / "sheetsync.example.toml")
    assert example.stages.norm("waiting_client") == 3 and example.stages.leads
    target = tmp_path / "sheetsync.toml"
    assert CliRunner().invoke(_app.app, ["init", str(target)]).exit_code == 0
    starter = load_config(target)
    assert starter.stages.lead_of("manager@agency.example") == "lead@agency.example"


# --- time in stage from the change log ----------------------------------------------------


@pytest.fixture
def holiday_agency(any_store):
    """Tasks of acme / globex (Olga's, lead Irina) and initech (Petr's, lead Sergey) around New Year."""
    store = any_store
    store.sync_reference_data(reference_config())
    for slug, name, locale, manager in [("acme", "ООО «Акме»", "ru", OLGA), ("globex", "Globex Corp", "en", OLGA),
                                        ("initech", "Инитех", "ru", PETR)]:
        store.clients.create(slug, name=name, locale=locale, manager_email=manager, origin="cli", actor=ACTOR)
    t = store.tasks
    keys = {}
    with moment(2026, 12, 1):
        keys["restored"] = t.create("acme", title="Доступы к CRM", status="waiting_client", origin="cli",
                                    actor=ACTOR).key
        keys["reopened"] = t.create("acme", title="Макет главной", status="review", assignee="anna@agency.test",
                                    origin="cli", actor=ACTOR).key
    with moment(2026, 12, 2):
        t.delete(keys["restored"], origin="cli", actor=ACTOR)
    with moment(2026, 12, 3):
        t.update(keys["reopened"], status="done", origin="cli", actor=ACTOR)
    with moment(2026, 12, 21):
        keys["sheet"] = t.create("initech", title="Выгрузка из 1С", status="in_progress", origin="cli",
                                 actor=ACTOR).key
        keys["long_review"] = t.create("initech", title="Лендинг акции", status="review", origin="cli",
                                       actor=ACTOR).key
    with moment(2026, 12, 25):  # Friday before the New Year holidays
        keys["friday"] = t.create("acme", title="Тексты для сайта", status="in_progress",
                                  assignee="dina@agency.test", origin="cli", actor=ACTOR).key
        t.update(keys["friday"], status="waiting_client", origin="cli", actor=ACTOR)
        keys["globex"] = t.create("globex", title="Ads account access", status="waiting_client", origin="cli",
                                  actor=ACTOR).key
        t.update(keys["reopened"], status="review", origin="sheet", actor=OLGA)  # re-opened in the sheet
        store.restore(keys["restored"], actor=ACTOR)  # undeleted, still waiting on the client
        keys["no_norm"] = t.create("acme", title="Внутренняя задача", status="in_progress", origin="cli",
                                   actor=ACTOR).key
    with moment(2026, 12, 29):  # the manager moves it in the sheet; the sync writes it with origin "sheet"
        t.update(keys["sheet"], status="waiting_client", origin="sheet", actor=PETR)
    return store, keys


def test_friday_before_the_holidays_crosses_its_norm_on_the_right_working_day(holiday_agency):
    store, k = holiday_agency
    cfg = config()
    key = k["friday"]
    expected = {  # working days in (25 Dec, day]; the norm of waiting_client is 3
        D(2026, 12, 28): (1, False), D(2026, 12, 30): (3, False), D(2026, 12, 31): (3, False),
        D(2027, 1, 8): (3, False), D(2027, 1, 11): (4, True),
    }
    for day, (days, over) in expected.items():
        assert days_of(store, cfg, day)[key] == (D(2026, 12, 25), days, 3, over), day
    # the lead hears of it only past 1.5 x 3 = 4.5 working days: on Tue 12 Jan, not on Mon 11 Jan
    assert key not in lead_digests(store, cfg, today=D(2027, 1, 11)).get(IRINA, "")
    assert key in lead_digests(store, cfg, today=D(2027, 1, 12))[IRINA]


def test_sheet_change_restore_and_reopen_start_the_clock_anew(holiday_agency):
    store, k = holiday_agency
    cfg = config()
    got = days_of(store, cfg, D(2027, 1, 11))
    assert got[k["sheet"]] == (D(2026, 12, 29), 2, 3, False)  # 30 Dec, 11 Jan: from the sheet edit, not 21 Dec
    assert got[k["restored"]] == (D(2026, 12, 25), 4, 3, True)  # from the restore, not from 1 Dec
    assert got[k["reopened"]] == (D(2026, 12, 25), 4, 2, True)  # from the re-opening, not from 1 Dec
    assert got[k["no_norm"]][2:] == (None, False)
    assert waiting_since(store, cfg)[k["restored"]] == D(2026, 12, 25)
    # the card's reminders count the restored task from its restore too (3 working days by 30 Dec: no reminder)
    assert [r[0] for r in card_reminder_rows(store, cfg, "acme", today=D(2026, 12, 30))] == []


def test_lead_digest_lists_exactly_the_overruns(holiday_agency):
    store, k = holiday_agency
    cfg = config()
    today = D(2027, 1, 12)
    out = lead_digests(store, cfg, today=today)
    assert set(out) == {IRINA, SERGEY}
    irina = out[IRINA]
    # over 1.5 x norm on 12 Jan: friday (5 > 4.5), restored (5 > 4.5), reopened (5 > 3);
    # not globex (5 working days, its own norm 5 -> 7.5), not the task without a norm, nothing of Petr's
    listed = {key for key in k.values() if key in irina}
    assert listed == {k["friday"], k["restored"], k["reopened"]}
    assert irina.splitlines()[:4] == ["Этапы сверх нормы — 12.01.2027", "", f"Менеджер {OLGA}:", "  ООО «Акме»:"]
    assert (f"  • {k['friday']} «Тексты для сайта»: ждёт клиента с 25.12.2026 — 5 рабочих дней при норме "
            "3 рабочих дня — dina@agency.test") in irina
    assert f"  • {k['reopened']} «Макет главной»: на проверке с 25.12.2026 — 5 рабочих дней при норме 2 рабочих дня" \
        in irina
    sergey = out[SERGEY]
    # long_review: in review since 21 Dec = 22..25, 28..30 Dec, 11, 12 Jan = 9 working days > 3; the sheet task is not
    assert k["long_review"] in sergey and k["sheet"] not in sergey
    assert f"Менеджер {PETR}:" in sergey and "Инитех:" in sergey
    assert lead_digests(store, cfg, lead="IRINA@agency.test", today=today) == {IRINA: irina}
    en = lead_digests(store, cfg, lead=IRINA, today=today, locale="en")[IRINA]
    assert "waiting on the client since 25 Dec 2026 — 5 working days, norm 3 working days" in en
    assert lead_digests(store, cfg, today=D(2026, 12, 28)) == {SERGEY: sergey.replace(
        "12.01.2027", "28.12.2026").replace("9 рабочих дней", "5 рабочих дней")}  # 22..25, 28 Dec


# --- the stage report ------------------------------------------------------------------------


def ev(key, day, status=None, action="update"):
    return StatusEvent(key, dt.datetime(2026, 11, day, 9, tzinfo=dt.UTC), action, status)


def test_entered_status_rules():
    history = [ev("T", 2, "waiting_client", "create"), ev("T", 3, "in_progress"), ev("T", 5, "waiting_client")]
    assert entered_status(history, "waiting_client").day == 5
    assert entered_status(history, "review") is None  # the log does not end in the task's status: unknown
    assert entered_status([*history, ev("T", 6, action="delete"), ev("T", 9, action="restore")],
                          "waiting_client").day == 9


def test_stage_report_medians_p90_and_overruns():
    cal = WorkCalendar("RU")
    # November 2026: 4 Nov is a holiday. acme waits on the client 2, 5 (3..10 Nov: 3,5,6,9,10) and 1 working days
    history = [
        ev("A1", 2, "waiting_client", "create"), ev("A1", 4, "in_progress"),  # (2, 4]: 3 Nov -> 1 day
        ev("A2", 2, "waiting_client", "create"), ev("A2", 10, "review"), ev("A2", 16, "done"),  # 5 days; review 4
        ev("A3", 9, "waiting_client", "create"), ev("A3", 10, "done"),  # 1 day
        ev("G1", 2, "waiting_client", "create"), ev("G1", 9, "done"),  # 4 days (3, 5, 6, 9)
        ev("G2", 23, "waiting_client", "create"),  # still open on 30 Nov: 5 days
    ]
    client_of = {"A1": "acme", "A2": "acme", "A3": "acme", "G1": "globex", "G2": "globex"}
    visits = stage_visits(history, client_of, D(2026, 11, 30), cal, tz="Europe/Moscow")
    norms = config().stages.norm
    rep = stage_report(visits, norms, D(2026, 11, 1), D(2026, 11, 30))
    rows = {(r.client, r.status): r for r in rep.itertuples(index=False)}
    acme = rows[("acme", "waiting_client")]
    assert (acme.stays, acme.open, acme.median_days, acme.norm_days, acme.over_norm) == (3, 0, 1.0, 3, 1)
    assert acme.p90_days == pytest.approx(1 + 0.8 * 4)  # linear between 1 and 5 at the 90th percentile
    assert rows[("acme", "review")].median_days == 4 and rows[("acme", "review")].over_norm == 1
    globex = rows[("globex", "waiting_client")]
    assert (globex.stays, globex.open, globex.median_days, globex.norm_days, globex.over_norm) == (2, 1, 4.5, 5, 0)
    assert list(zip(rep["client"], rep["status"], strict=True)) == [  # by client, then in workflow order
        ("acme", "in_progress"), ("acme", "waiting_client"), ("acme", "review"), ("globex", "waiting_client")]
    assert pd.isna(rows[("acme", "in_progress")].norm_days)  # no norm: no overrun counted
    assert pd.isna(rows[("acme", "in_progress")].over_norm)


def test_stage_report_from_the_store_and_the_cli(holiday_agency, tmp_path):
    import csv

    store, k = holiday_agency
    cfg = config()
    rep = stage_report_for(store, cfg, D(2026, 12, 1), D(2026, 12, 31), today=D(2027, 1, 12))
    rows = {(r.client, r.status): r for r in rep.itertuples(index=False)}
    # acme's review: Макет главной 1 -> 3 Dec (2 working days), then re-opened on 25 Dec and still open (3 by 31 Dec)
    review = rows[("acme", "review")]
    assert (review.stays, review.open, review.median_days, review.over_norm) == (2, 1, 2.5, 1)
    assert rows[("initech", "in_progress")].median_days == 6  # 21 -> 29 Dec: 22..25, 28, 29
    if store.url.startswith("sqlite"):  # the CLI on the same file
        cfg_file = tmp_path / "sheetsync.toml"
        cfg_file.write_text(
            f'[agency]\nholidays_country = "RU"\n[store]\nurl = "{store.url}"\n'
            '[[clients]]\nslug = "acme"\nname = "acme"\n[[clients]]\nslug = "globex"\nname = "globex"\n'
            '[[clients]]\nslug = "initech"\nname = "initech"\n'
            '[stages.leads]\n"olga@agency.test" = "irina@agency.test"\n', encoding="utf-8")
        out = tmp_path / "report.csv"
        r = CliRunner().invoke(_app.app, ["stage-report", "--period", "2026-12", "--today", "2027-01-12", "--csv",
                                     str(out), "-c", str(cfg_file)], env={"COLUMNS": "200"})
        assert r.exit_code == 0, r.output
        got = list(csv.DictReader(out.open(encoding="utf-8")))
        assert {(g["client"], g["status"]) for g in got} == set(rows)
        r = CliRunner().invoke(_app.app, ["stage-report", "--period", "2026-12", "--today", "2027-01-12",
                                     "-c", str(cfg_file)], env={"COLUMNS": "200"})
        assert r.exit_code == 0 and "waiting on the client" in r.output
        r = CliRunner().invoke(_app.app, ["digest", "--lead", IRINA, "--today", "2027-01-12", "-c", str(cfg_file)], env={"COLUMNS": "200"})
        assert r.exit_code == 0 and k["friday"] in r.output
        r = CliRunner().invoke(_app.app, ["digest", "--lead", "nobody@agency.test", "-c", str(cfg_file)], env={"COLUMNS": "200"})
        assert r.exit_code != 0 and "nobody's lead" in r.output


def test_daemon_writes_lead_digests_and_status_shows_them(holiday_agency, tmp_path):
    from types import SimpleNamespace

    from sheetsync.cli import sync as _sync  # noqa: F401 - registers `status`
    from sheetsync.daemon.jobs import reminders_job

    store, k = holiday_agency
    if not store.url.startswith("sqlite"):
        pytest.skip("the CLI half reads the same SQLite file; the job itself is backend-neutral")
    cfg_file = tmp_path / "sheetsync.toml"
    cfg_file.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[agency]\nholidays_country = "RU"\n[store]\nurl = "{store.url}"\n'
        '[[clients]]\nslug = "acme"\nname = "acme"\n'
        f'[stages.leads]\n"{OLGA}" = "{IRINA}"\n', encoding="utf-8")
    cfg = load_config(cfg_file)
    with moment(2027, 1, 12):
        summary = reminders_job(SimpleNamespace(store=store, config=cfg))
    folder = tmp_path / "data" / "digests"
    assert summary == f"2 digests and 1 lead digests written to {folder}"  # Olga's, Petr's (review over norm)
    lead_file = folder / f"2027-01-12-lead-{IRINA}.txt"
    assert lead_file.read_text(encoding="utf-8") == lead_digests(store, cfg, today=D(2027, 1, 12))[IRINA]
    assert k["friday"] in lead_file.read_text(encoding="utf-8")
    assert not (folder / f"2027-01-12-lead-{SERGEY}.txt").exists()  # Petr has no lead in this config
    r = CliRunner().invoke(_app.app, ["status", "-c", str(cfg_file)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "digests of 2027-01-12" in r.output and "2 for managers, 1 for leads" in r.output
    assert f"Менеджер {OLGA}:" in r.output and k["friday"] in r.output


def test_manager_digest_lists_stage_overruns_but_the_clients_card_does_not(holiday_agency):
    store, k = holiday_agency
    cfg = config()
    olga = digests(store, cfg, manager=OLGA, today=D(2027, 1, 11))[OLGA]
    # re-opened into review on 25 Dec: 4 working days > norm 2 -> the manager hears of it (factor 1)
    assert f"• {k['reopened']} «Макет главной»: на проверке с 25.12 (4 рабочих дня, норма 2 рабочих дня)" \
        " — anna@agency.test" in olga
    assert k["no_norm"] not in olga  # in progress has no norm here
    en = digests(store, cfg, manager=OLGA, today=D(2027, 1, 11), locale="en")[OLGA]
    assert "in review since 25 Dec (4 working days, norm 2 working days)" in en
    # on 29 Dec the review is 2 working days old: at its norm, not over it
    assert k["reopened"] not in digests(store, cfg, manager=OLGA, today=D(2026, 12, 29)).get(OLGA, "")
    # the card is the client's: waiting on the client only, never internal review times
    card = card_reminder_rows(store, cfg, "acme", today=D(2027, 1, 11))
    assert {r[0] for r in card} == {k["friday"], k["restored"]}


def test_the_day_entered_is_the_agencys_not_utcs():
    from sheetsync.planning.model import TaskInfo
    from sheetsync.planning.stages import stage_times

    task = TaskInfo("T-1", "acme", "Ответ по ТЗ", status="waiting_client")
    late = {"T-1": dt.datetime(2026, 12, 24, 22, 30, tzinfo=dt.UTC)}  # Fri 25 Dec 01:30 in Moscow
    norm = config().stages.norm
    (msk,) = stage_times([task], late, D(2026, 12, 25), WorkCalendar("RU"), norm, tz="Europe/Moscow")
    assert (msk.since, msk.days) == (D(2026, 12, 25), 0)  # entered today in Moscow: no working day yet
    (utc,) = stage_times([task], late, D(2026, 12, 25), WorkCalendar("RU"), norm, tz="UTC")
    assert (utc.since, utc.days) == (D(2026, 12, 24), 1)


# --- one clock for the waiting reminder and the stage norm ---------------------------------------


def test_the_waiting_norm_defaults_to_reminder_working_days_and_wins_over_it():
    base = {"agency": {"holidays_country": "RU"}}
    assert load_config({**base, "planning": {"reminder_working_days": 5}}).stages.norm("waiting_client") == 5
    assert load_config({**base, "planning": {"reminder_working_days": 5},  # norms given without waiting_client
                        "stages": {"norms": {"review": 1}}}).stages.norms == {"review": 1, "waiting_client": 5}
    assert load_config({**base, "planning": {"reminder_working_days": 5},
                        "stages": {"norms": {"waiting_client": 2}}}).stages.norm("waiting_client") == 2
    assert load_config(base).stages.norm("waiting_client") == 3
    assert load_config(base).stages.client_visible == ["waiting_client"]
    with pytest.raises(ConfigError) as e:
        load_config({**base, "stages": {"client_visible": ["waiting_client", "internal_review"]}})
    assert ("stages.client_visible[1]: expected a status (backlog, planned, in_progress, waiting_client, review), "
            "got 'internal_review'") in str(e.value)


def test_the_waiting_reminder_uses_the_clients_stage_norm(holiday_agency):
    store, k = holiday_agency
    cfg = config()  # globex: waiting_client = 5; planning.reminder_working_days = 3
    # 12 Jan: globex's task has waited 5 working days since 25 Dec, at its own norm, so nobody is reminded
    assert card_reminder_rows(store, cfg, "globex", today=D(2027, 1, 12)) == []
    assert k["globex"] not in digests(store, cfg, manager=OLGA, today=D(2027, 1, 12))[OLGA]
    # 13 Jan: the 6th working day, over it
    assert [r[0] for r in card_reminder_rows(store, cfg, "globex", today=D(2027, 1, 13))] == [k["globex"]]
    assert k["globex"] in digests(store, cfg, manager=OLGA, today=D(2027, 1, 13))[OLGA]


def test_without_a_day_given_today_is_the_agencys(holiday_agency):
    """Sun 10 Jan 22:30 UTC is Mon 11 Jan in Moscow: the Friday task's 4th working day (machine UTC: the 3rd)."""
    store, k = holiday_agency
    cfg = config()
    with time_machine.travel(dt.datetime(2027, 1, 10, 22, 30, tzinfo=dt.UTC), tick=False):
        times, _ = collect_stage_times(store, cfg)
        assert {st.task.key: (st.days, st.over) for st in times}[k["friday"]] == (4, True)
        assert k["friday"] in [r[0] for r in card_reminder_rows(store, cfg, "acme")]
