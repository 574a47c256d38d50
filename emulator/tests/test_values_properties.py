"""Property tests: A1 names round-trip, and what the emulator writes it reads back unchanged."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from gsheets_emulator import cellvalues as cv
from gsheets_emulator.a1 import index_to_col, resolve, to_a1
from gsheets_emulator.model import SheetState, SpreadsheetState

titles = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda t: t.strip() == t and t)


@given(title=titles, r0=st.integers(0, 998), c0=st.integers(0, 24), h=st.integers(1, 5), w=st.integers(1, 5))
def test_a1_round_trip(title, r0, c0, h, w):
    ss = SpreadsheetState("x", {"locale": "en_US"})
    s = SheetState({"sheetId": 0, "title": title, "index": 0})
    s.set_size(1010, 30)
    ss.sheets.append(s)
    text = to_a1(title, r0, r0 + h, c0, c0 + w)
    res = resolve(ss, text)
    assert (res.sheet.title, res.r0, res.r1, res.c0, res.c1) == (title, r0, r0 + h, c0, c0 + w)
    assert res.a1() == text


@given(st.integers(0, 18277))
def test_column_letters(i):
    from gsheets_emulator.a1 import col_to_index

    assert col_to_index(index_to_col(i)) == i


@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e14, max_value=1e14),
       locale=st.sampled_from(["en_US", "ru_RU"]))
def test_general_display_parses_back_to_nearly_the_same_number(x, locale):
    loc = cv.LOCALES[locale]
    shown = cv.general(x, loc)
    uev, _ = cv.user_entered_value(shown, loc)
    assert "numberValue" in uev, shown
    assert math.isclose(uev["numberValue"], x, rel_tol=1e-9, abs_tol=1e-10)


@given(st.lists(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                                   st.text(max_size=8)), min_size=0, max_size=4), min_size=1, max_size=4))
def test_raw_write_then_unformatted_read(values):
    from gsheets_emulator import Emulator

    emu = Emulator()
    sh = emu.gspread_client("owner@agency.test").create("prop")
    s = emu.session("owner@agency.test")
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/values"
    r = s.put(base + "/A1", params={"valueInputOption": "RAW"}, json={"values": values})
    assert r.status_code == 200
    got = s.get(base + "/A1:E5", params={"valueRenderOption": "UNFORMATTED_VALUE"}).json().get("values", [])
    expected = [["" if v is None else v for v in row] for row in values]
    # Google trims trailing empties; None and "" both read back as ""
    expected = [row[: max([i + 1 for i, v in enumerate(row) if v != ""], default=0)] for row in expected]
    while expected and not expected[-1]:
        expected.pop()
    assert got == expected
