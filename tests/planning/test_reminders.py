"""Reminders: waiting on the client longer than N working days, overdue tasks; card rows and digests."""

from __future__ import annotations

import datetime as dt

import time_machine

from sheetsync.planning.digest import card_reminder_rows, digests, waiting_since

D = dt.date
ACTOR = "pm@agency.test"
CONFIG = {"holidays_country": "RU", "planning": {"reminder_working_days": 3}}


def moment(day: int):
    return time_machine.travel(dt.datetime(2026, 11, day, 10, tzinfo=dt.UTC), tick=False)


def test_waiting_and_overdue_reminders(any_agency):
    agency = any_agency
    t = agency.tasks
    with moment(2):
        texts = t.create("acme", title="Тексты для сайта", status="waiting_client", assignee="anna@agency.test",
                         origin="cli", actor=ACTOR).key
        access = t.create("globex", title="Ads account access", status="in_progress", origin="cli", actor=ACTOR).key
        t.update(access, status="waiting_client", origin="sheet", actor="olga@agency.test")
        recent = t.create("acme", title="Логотип в векторе", status="in_progress", origin="cli", actor=ACTOR).key
        late = t.create("initech", title="Выгрузка из 1С", status="in_progress", assignee="boris@agency.test",
                        start_date=D(2026, 11, 2), deadline=D(2026, 11, 6), origin="cli", actor=ACTOR).key
        t.create("acme", title="Готово вовремя", status="done", deadline=D(2026, 11, 3), origin="cli", actor=ACTOR)
    with moment(5):
        t.update(recent, status="waiting_client", origin="sheet", actor="olga@agency.test")
    assert waiting_since(any_agency)[texts] == D(2026, 11, 2)
    today = D(2026, 11, 10)

    # since 2 Nov: 3, 5, 6, 9, 10 Nov are working days (4 Nov is Unity Day) -> 5 > 3
    rows = card_reminder_rows(agency, CONFIG, "acme", today=today)
    assert rows == [[texts, "Тексты для сайта", D(2026, 11, 2), 5]]  # "recent" waits only 3 working days
    assert card_reminder_rows(agency, CONFIG, "initech", today=today) == [
        [late, "Просрочена: Выгрузка из 1С", D(2026, 11, 6), 2]
    ]

    out = digests(agency, CONFIG, today=today)
    assert set(out) == {"olga@agency.test", "petr@agency.test"}
    olga = out["olga@agency.test"]
    assert olga.splitlines()[0] == "Напоминания — 10.11.2026"
    assert olga.index("Globex Corp:") < olga.index("ООО «Акме»:")  # clients in alphabetical order
    assert f"• {texts} «Тексты для сайта»: ждёт клиента с 02.11 (5 рабочих дней) — anna@agency.test" in olga
    assert f"• {access} «Ads account access»: ждёт клиента с 02.11 (5 рабочих дней)" in olga
    assert recent not in olga and late not in olga
    petr = out["petr@agency.test"]
    assert f"• {late} «Выгрузка из 1С»: просрочена, срок был 06.11 (2 рабочих дня) — boris@agency.test" in petr
    en = digests(agency, CONFIG, manager="OLGA@agency.test", today=today, locale="en")
    assert list(en) == ["olga@agency.test"]
    assert "waiting on the client since 02 Nov (5 working days)" in en["olga@agency.test"]
    assert digests(agency, CONFIG, manager="nobody@agency.test", today=today) == {}
