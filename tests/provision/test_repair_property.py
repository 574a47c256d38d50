"""Property: whatever mix of structural drift a person causes, one provisioning run puts the sheet
back — template columns in place with their values, a person's own columns kept — and a second run
has nothing to do. (More examples with SHEETSYNC_LONG=1.)"""

from __future__ import annotations

import os

from gsheets_emulator import Emulator
from gspread.utils import rowcol_to_a1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.provision.provision import ensure_spreadsheet
from sheetsync.sheets import Backend, connect

from .conftest import SA

N_ROWS = 3
OPS = ("move", "delete", "insert_foreign", "edit_header", "rename_sheet", "drop_validation", "drop_protection")


@settings(max_examples=60 if os.environ.get("SHEETSYNC_LONG") else 12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_any_structural_drift_is_repaired(desired, data):
    emu = Emulator()
    sheets = connect(Backend(emulator=emu, user=SA))
    sid = ensure_spreadsheet(sheets, desired, None).spreadsheet_id
    ss = emu.gspread_client(SA).open_by_key(sid)
    ws = ss.worksheet("Бэклог")
    keys = [c.key for c in desired.sheet("backlog").columns]
    n = len(keys)
    ws.update(range_name=f"A2:{rowcol_to_a1(N_ROWS + 1, n)}", raw=True,
              values=[[f"{k}:{r}" for k in keys] for r in range(N_ROWS)])
    bid = ws.id
    deleted: set[str] = set()
    foreign = 0
    for op in data.draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=4), label="ops"):
        sheet = ss.get_worksheet_by_id(bid)
        cols, header = sheet.col_count, sheet.row_values(1)
        if op == "move":
            src = data.draw(st.integers(0, cols - 1), label="src")
            dst = data.draw(st.integers(0, cols), label="dst")
            ss.batch_update({"requests": [{"moveDimension": {"source": {
                "sheetId": bid, "dimension": "COLUMNS", "startIndex": src, "endIndex": src + 1},
                "destinationIndex": dst}}]})
        elif op == "delete" and cols > 1:
            at = data.draw(st.integers(0, cols - 1), label="delete at")
            gone = sheet.cell(2, at + 1).value or ""  # "<key>:0" for a template column
            ss.batch_update({"requests": [{"deleteDimension": {"range": {
                "sheetId": bid, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + 1}}}]})
            if ":" in gone and not gone.startswith("f"):
                deleted.add(gone.split(":")[0])
        elif op == "insert_foreign":
            at = data.draw(st.integers(0, cols), label="insert at")
            ss.batch_update({"requests": [{"insertDimension": {"range": {
                "sheetId": bid, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + 1}}}]})
            ss.get_worksheet_by_id(bid).update(
                range_name=f"{rowcol_to_a1(1, at + 1)}:{rowcol_to_a1(N_ROWS + 1, at + 1)}", raw=True,
                values=[[f"mine{foreign}"]] + [[f"f{foreign}:{r}"] for r in range(N_ROWS)])
            foreign += 1
        elif op == "edit_header":
            at = data.draw(st.integers(0, cols - 1), label="header at")
            if at < len(header) and not header[at].startswith("mine"):
                ss.get_worksheet_by_id(bid).update(range_name=rowcol_to_a1(1, at + 1), values=[["???"]])
        elif op == "rename_sheet":
            ss.get_worksheet_by_id(bid).update_title(f"renamed {data.draw(st.integers(0, 99), label='n')}")
        elif op == "drop_validation":
            at = data.draw(st.integers(0, cols - 1), label="validation at")
            ss.batch_update({"requests": [{"setDataValidation": {"range": {
                "sheetId": bid, "startRowIndex": 1, "startColumnIndex": at, "endColumnIndex": at + 1}}}]})
        elif op == "drop_protection":
            meta = sheets.get_metadata(sid, "sheets(properties(sheetId),protectedRanges)")
            prs = next(s for s in meta["sheets"] if s["properties"]["sheetId"] == bid)["protectedRanges"]
            pick = data.draw(st.integers(0, len(prs) - 1), label="protection")
            ss.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": prs[pick]["protectedRangeId"]}}]})
    # template columns whose values are gone: those a person deleted (the store brings them back)
    headers = [c.data["userEnteredValue"]["stringValue"] for c in desired.sheet("backlog").cells]
    lost = deleted

    ensure_spreadsheet(sheets, desired, sid)
    m = emu.mark()
    assert ensure_spreadsheet(sheets, desired, sid).plan.requests == []
    assert all(e.kind != "write" for e in emu.log[m:])

    values = ss.get_worksheet_by_id(bid).get_values()
    assert ss.get_worksheet_by_id(bid).title == "Бэклог"
    assert values[0][:n] == headers  # template headers, in template order
    for r in range(N_ROWS):
        row = values[r + 1] + [""] * (n + foreign)
        for i, k in enumerate(keys):
            assert row[i] == ("" if k in lost else f"{k}:{r}"), (k, row)
    tail = values[1][n:] if len(values) > 1 else []
    surviving = {v for v in tail if v.startswith("f")}
    assert len(surviving) <= foreign  # a person's columns are kept (unless they deleted them themselves)
