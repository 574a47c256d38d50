"""The small modules split out of the handlers so that no two modules import each other.

Each is exercised end to end by the rest of the suite; these pin the seams themselves.
"""

from __future__ import annotations

import pytest

from gsheets_emulator import Emulator
from gsheets_emulator.cellvalues import error_text, locale_of
from gsheets_emulator.construct import new_sheet_id, start_spreadsheet_file
from gsheets_emulator.errors import ApiError
from gsheets_emulator.model import SheetState, SpreadsheetState, rfc3339
from gsheets_emulator.ranges import DimOp, grid_range
from gsheets_emulator.render import selects_data
from gsheets_emulator.rest import Request, check_params, strict_bool_param
from gsheets_emulator.roles import best_role, owner_permission, permission_id
from gsheets_emulator.table_import import typed_cell
from gsheets_emulator.xlsx_rules import argb


def _req(**query: str) -> Request:
    return Request(Emulator(), "GET", "/v4/spreadsheets/x", {k: [v] for k, v in query.items()}, {}, b"", "u@x.test")


def test_roles_pick_the_highest_grant_and_ids_are_stable():
    perms = [{"type": "anyone", "role": "reader"}, {"type": "domain", "domain": "x.test", "role": "commenter"},
             {"type": "user", "emailAddress": "U@x.test", "role": "writer"}]
    assert best_role(perms, "u@x.test") == "writer"
    assert best_role(perms, "v@x.test") == "commenter"
    assert best_role(perms, "w@y.test") == "reader"
    assert best_role([], "u@x.test") is None
    assert permission_id("A@x.test") == permission_id("a@x.test") != permission_id("b@x.test")
    assert owner_permission("o@x.test")["role"] == "owner"
    assert owner_permission("o@x.test")["id"] == permission_id("o@x.test")


def test_request_checks():
    assert strict_bool_param(_req(includeGridData=""), "includeGridData") is False
    assert strict_bool_param(_req(includeGridData="TRUE"), "includeGridData") is True
    with pytest.raises(ApiError, match="TYPE_BOOL"):
        strict_bool_param(_req(includeGridData="maybe"), "includeGridData")
    check_params(_req(fields="x", ranges="A1"), {"ranges"})  # system parameters are always allowed
    with pytest.raises(ApiError, match='Unknown name "colour"'):
        check_params(_req(colour="red"), {"ranges"})


def test_small_shape_helpers():
    assert error_text({"type": "DIVIDE_BY_ZERO"}) == "#DIV/0!"
    assert error_text({}) == "#ERROR!"
    assert argb({"red": 1, "green": 0.5}) == "FFFF8000"
    assert argb(None) is None
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"
    assert selects_data({"sheets": {"data": None}}) and not selects_data({"properties": None})


def test_dim_op_maps_spans():
    assert DimOp("insert", "ROWS", 2, 3).map_range(1, 4, 10) == (1, 7)
    assert DimOp("delete", "ROWS", 2, 3).map_range(2, 5, 10) is None
    assert DimOp("move", "ROWS", 0, 1, dest=3).map_range(0, 1, 5) == (2, 3)


def test_grid_range_is_checked_against_the_grid():
    ss = SpreadsheetState("s", {})
    sheet = SheetState({"sheetId": 0, "title": "T", "gridProperties": {}})
    sheet.set_size(5, 2)
    ss.sheets.append(sheet)
    assert grid_range(ss, {"sheetId": 0})[1:] == (0, 5, 0, 2)
    with pytest.raises(ApiError, match="exceeds grid limits"):
        grid_range(ss, {"sheetId": 0, "endRowIndex": 6})


def test_construction_leaves_the_sheet_parts_to_the_caller():
    emu = Emulator()
    f, followups = start_spreadsheet_file(emu, "o@x.test", {"sheets": [{"merges": [{"startRowIndex": 0}]}]})
    assert emu.files[f.id] is f and f.spreadsheet.sheets[0].sheet_id == 0
    assert followups == [{"mergeCells": {"range": {"startRowIndex": 0, "sheetId": 0}, "mergeType": "MERGE_ALL"}}]
    assert new_sheet_id(f.spreadsheet) not in (0, new_sheet_id(f.spreadsheet))


def test_imported_text_is_typed_as_typed():
    assert typed_cell("", None) == {}
    loc = locale_of({})
    assert typed_cell("42", loc)["effectiveValue"] == {"numberValue": 42}
    assert typed_cell("=1+1", loc) == {"userEnteredValue": {"formulaValue": "=1+1"}}
