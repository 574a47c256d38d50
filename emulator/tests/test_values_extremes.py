"""Values beyond what a double or a calendar can hold: read back, never a failed request.

Found by the sync's edge-value property tests: a person typing ``1e400`` into a number-formatted
cell, or a serial past year 9999 into a date cell, made every read of the sheet fail (500).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def ws(emu):
    return emu.gspread_client(user="owner@agency.test").create("extremes").sheet1


def test_a_number_beyond_a_double_typed_stays_text(ws):
    ws.update([["1e400", "-1e400", "1e308"]], "A1", value_input_option="USER_ENTERED")
    assert ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [["1e400", "-1e400", 1e308]]


def test_a_number_format_on_text_beyond_a_double_reads(ws):
    ws.format("A1:B1", {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}})
    ws.update([["1e400", "12"]], "A1", value_input_option="USER_ENTERED")
    assert ws.get("A1:B1") == [["1e400", "12.00"]]


@pytest.mark.parametrize("serial, shown", [(3_000_000, "3000000"), (-700_000, "-700000"),
                                            (1e300, "1.00E+300"), (46_000, "09.12.2025")])
def test_a_date_format_on_a_serial_no_calendar_has_shows_the_number(ws, serial, shown):
    ws.format("A1", {"numberFormat": {"type": "DATE", "pattern": "dd.mm.yyyy"}})
    ws.update([[serial]], "A1", value_input_option="RAW")
    assert ws.get("A1") == [[shown]]
    assert ws.get("A1", value_render_option="UNFORMATTED_VALUE") == [[serial]]
