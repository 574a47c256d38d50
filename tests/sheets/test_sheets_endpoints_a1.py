"""Request classification (what may be retried) and A1 helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.sheets import connect
from sheetsync.sheets.a1 import a1_range, cell, col_index, col_letter, columns, quote_sheet, rect, split
from sheetsync.sheets.calls import count_cells
from sheetsync.sheets.endpoints import classify

S = "https://sheets.googleapis.com/v4/spreadsheets"
D = "https://www.googleapis.com/drive/v3/files"


@pytest.mark.parametrize("method,url,name,kind,idempotent", [
    ("GET", f"{S}/abc", "sheets.spreadsheets.get", "read", True),
    ("POST", S, "sheets.spreadsheets.create", "write", False),
    ("POST", f"{S}/abc:batchUpdate", "sheets.spreadsheets.batchUpdate", "write", False),
    ("GET", f"{S}/abc/values:batchGet?ranges=A1", "sheets.spreadsheets.values.batchGet", "read", True),
    ("POST", f"{S}/abc/values:batchUpdate", "sheets.spreadsheets.values.batchUpdate", "write", True),
    ("POST", f"{S}/abc/values:batchClear", "sheets.spreadsheets.values.batchClear", "write", True),
    ("POST", f"{S}/abc/values/%27Sheet%201%27%21A1%3AB2:append", "sheets.spreadsheets.values.append", "write", False),
    ("POST", f"{S}/abc/values/Sheet1!A1:B2:append", "sheets.spreadsheets.values.append", "write", False),
    ("POST", f"{S}/abc/values/Sheet1!A1:B2:clear", "sheets.spreadsheets.values.clear", "write", True),
    ("PUT", f"{S}/abc/values/Sheet1!A1:B2", "sheets.spreadsheets.values.update", "write", True),
    ("GET", f"{S}/abc/values/Sheet1!A1:B2", "sheets.spreadsheets.values.get", "read", True),
    ("POST", f"{S}/abc/values:batchGetByDataFilter", "sheets.spreadsheets.values.batchGetByDataFilter", "read", True),
    ("POST", f"{S}/abc/developerMetadata:search", "sheets.spreadsheets.developerMetadata.search", "read", True),
    ("POST", f"{S}/abc/sheets/0:copyTo", "sheets.spreadsheets.sheets.copyTo", "write", False),
    ("GET", f"{D}?q=x", "drive.files.list", "read", True),
    ("GET", f"{D}/abc", "drive.files.get", "read", True),
    ("POST", D, "drive.files.create", "write", False),
    ("POST", f"{D}/abc/copy", "drive.files.copy", "write", False),
    ("DELETE", f"{D}/abc", "drive.files.delete", "write", False),
    ("POST", f"{D}/abc/permissions", "drive.permissions.create", "write", False),
    ("GET", f"{D}/abc/permissions", "drive.permissions.list", "read", True),
    ("PATCH", f"{D}/abc", "drive.files.update", "write", False),
    ("PATCH", f"{D}/abc/permissions/p1", "drive.permissions.update", "write", True),
    ("DELETE", f"{D}/abc/permissions/p1", "drive.permissions.delete", "write", False),
])
def test_classification(method, url, name, kind, idempotent):
    ep = classify(method, url)
    assert (ep.name, ep.kind, ep.idempotent) == (name, kind, idempotent)


def test_unknown_writes_are_never_considered_idempotent():
    assert classify("POST", f"{S}/abc:somethingNew").idempotent is False
    assert classify("POST", "https://example.com/x").idempotent is False
    assert classify("GET", "https://example.com/x").idempotent is True


def test_names_agree_with_the_emulator_for_everything_gspread_does(emu):
    """Whatever gspread sends, we name it as the emulator (which follows Discovery) does."""
    c = connect(emu)
    mark = emu.mark()
    sh = c.gc.create("Acme")
    ws = sh.sheet1
    ws.update([["a", "b"], [1, 2]], "A1", raw=True)
    ws.append_row(["c", 3])
    ws.batch_clear(["A2:B2"])
    ws.get_all_values()
    sh.values_batch_get(["Sheet1!A1:B3"])
    sh.add_worksheet("two", rows=10, cols=5)
    sh.share("viewer@client.test", perm_type="user", role="reader", notify=False)
    sh.list_permissions()
    ws.clear()
    c.gc.list_spreadsheet_files()
    assert dict(c.counts().by_method) == dict(emu.calls(mark))


def test_count_cells():
    assert count_cells("sheets.spreadsheets.values.batchUpdate",
                       b'{"data": [{"range": "A1", "values": [[1, 2], [3]]}, {"range": "B1", "values": [[4]]}]}') == 4
    assert count_cells("sheets.spreadsheets.batchUpdate",
                       b'{"requests": [{"updateCells": {"rows": [{"values": [{}, {}]}]}}, {"addSheet": {}}]}') == 2
    assert count_cells("sheets.spreadsheets.values.update", b"not json") == 0


def test_a1_helpers():
    assert quote_sheet("Бэклог") == "'Бэклог'"
    assert a1_range("it's", "A1:B2") == "'it''s'!A1:B2"
    assert cell("In work", 2, 28) == "'In work'!AB2"
    assert rect("S", 1, 1, 3, 2) == "'S'!A1:B3"
    assert columns("S", 1, 6, 2) == "'S'!A2:F"
    assert (col_letter(1), col_letter(26), col_letter(27), col_letter(702), col_letter(703)) == ("A", "Z", "AA", "ZZ",
                                                                                                  "AAA")
    assert col_index("ab") == 28
    with pytest.raises(ValueError):
        col_letter(0)
    with pytest.raises(ValueError):
        col_index("A1")
    assert split("Sheet1!A1") == ("Sheet1", "A1") and split("A1:B2") == (None, "A1:B2")


@given(st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s), st.integers(1, 18278))
def test_sheet_names_and_columns_round_trip(name, col):
    assert split(a1_range(name, f"{col_letter(col)}1")) == (name, f"{col_letter(col)}1")
    assert col_index(col_letter(col)) == col
