"""Carry-over mark texts and where they land (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sheetsync.invoices.layout import InvoiceFacts, MoveFacts, month_weeks
from sheetsync.invoices.marks import all_marks, mark_text, marks_for, ordinal

UTC = dt.UTC
D = dt.date


def move(frm, to, day, reason=""):
    # 21:30 UTC on the 18th is already the 19th in Moscow
    return MoveFacts(frm, to, dt.datetime(2026, 11, day, 21, 30, tzinfo=UTC), "pm@agency.test", reason)


def test_text_in_both_languages_names_week_date_number_and_reason():
    m = move(D(2026, 11, 18), D(2026, 11, 25), 18, "client approval")
    assert mark_text(m, 2, month="2026-11", locale="en", tz="Europe/Moscow") == \
        "moved → week of 23.11 on 19.11 (2nd move): client approval"
    m = move(D(2026, 11, 18), D(2026, 11, 24), 18, "согласование клиентом")
    assert mark_text(m, 2, month="2026-11", locale="ru", tz="Europe/Moscow") == \
        "перенесён → неделя с 23.11, 19.11 (2-й перенос): согласование клиентом"
    assert mark_text(m, 1, month="2026-11", locale="en", tz="UTC").endswith("on 18.11 (1st move): согласование клиентом")
    assert [ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]


def test_a_move_past_the_month_end_names_the_month_and_a_move_back_points_back():
    out = move(D(2026, 11, 27), D(2026, 12, 2), 20)
    assert mark_text(out, 1, month="2026-11", locale="en") == "moved → week of 01.12 (2026-12) on 20.11 (1st move)"
    back = move(D(2026, 11, 20), D(2026, 11, 10), 9)
    assert mark_text(back, 3, month="2026-11", locale="en").startswith("moved ← week of 09.11")


def test_a_chain_of_moves_leaves_one_mark_per_old_week_and_shares_a_cell():
    moves = (move(D(2026, 11, 3), D(2026, 11, 10), 2, "act not signed"),
             move(D(2026, 11, 10), D(2026, 11, 3), 9, "signed after all"),
             move(D(2026, 11, 3), D(2026, 11, 24), 4, "client approval"),
             move(D(2026, 11, 24), D(2026, 12, 1), 23, "budget"))
    facts = InvoiceFacts("INV-000009", "acme", "ACME", "dev", "", Decimal(500), "planned", D(2026, 12, 1),
                         moves=moves)
    weeks = month_weeks("2026-11")
    marks = marks_for(facts, weeks, month="2026-11", locale="en")
    assert [(m.week, m.moves) for m in marks] == [(1, (1, 3)), (2, (2,)), (4, (4,))]
    assert marks[0].note == ("moved → week of 09.11 on 02.11 (1st move): act not signed\n"
                             "moved → week of 23.11 on 04.11 (3rd move): client approval")
    assert marks[2].note == "moved → week of 01.12 (2026-12) on 23.11 (4th move): budget"
    assert all(m.amount == 500 for m in marks)
    # December sees none of November's marks
    assert all_marks([facts], month_weeks("2026-12"), month="2026-12") == {}
