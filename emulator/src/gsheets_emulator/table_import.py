"""Drive's conversion of an uploaded CSV/TSV into a spreadsheet's one sheet, typed as a person typing it."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from . import cellvalues as cv
from .construct import new_sheet_id
from .errors import unsupported
from .model import DEFAULT_COLS, DEFAULT_ROWS, SheetState

if TYPE_CHECKING:
    from .model import FileState

CSV_MIME = "text/csv"
TSV_MIME = "text/tab-separated-values"


def import_table(f: FileState, data: bytes, media_type: str) -> None:
    """Replace the spreadsheet's content with a CSV/TSV upload, as Drive's conversion does.

    Like Google, every sheet goes and one new sheet holds the table: a new sheetId, the file's
    name as its title, at least 1000 x 26 cells (ClientTest.test_import_csv.json in
    burnash/gspread: after the upload the only sheet is "Test ClientTest test_import_csv" with
    sheetId 845285688, and reading the old "Sheet1" fails). Named ranges on the old sheets go with
    them. Values are typed the way a person typing them would get (numbers, TRUE/FALSE, formulas).
    """
    ss = f.spreadsheet
    assert ss is not None
    base = media_type.split(";")[0].strip()
    if base not in (CSV_MIME, TSV_MIME, "text/plain"):
        raise unsupported(f"converting an upload of type {base!r} to a spreadsheet (send text/csv)")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t" if base == TSV_MIME else ","))
    old_ids = {s.sheet_id for s in ss.sheets}
    first = SheetState(properties={"sheetId": new_sheet_id(ss), "title": f.name, "index": 0, "sheetType": "GRID",
                                   "gridProperties": {}})
    ss.sheets = [first]
    ss.named_ranges = [nr for nr in ss.named_ranges if nr.get("range", {}).get("sheetId", 0) not in old_ids]
    ss.reindex()
    n_rows = max(len(rows), DEFAULT_ROWS)
    n_cols = max((len(r) for r in rows), default=0)
    first.set_size(n_rows, max(n_cols, DEFAULT_COLS))
    loc = cv.locale_of(ss.properties)
    for r, row in enumerate(rows):
        for c, raw in enumerate(row):
            cell = typed_cell(raw, loc)
            if cell:
                first.set_cell(r, c, cell)


def typed_cell(raw: str, loc: Any) -> dict[str, Any]:
    """A CellData for text typed into a cell, parsed as USER_ENTERED input in the spreadsheet's locale."""
    if raw == "":
        return {}
    ev, nf = cv.user_entered_value(raw, loc)
    cell: dict[str, Any] = {"userEnteredValue": ev}
    if nf is not None:
        cell["userEnteredFormat"] = {"numberFormat": nf}
    if "formulaValue" not in ev:  # formulas get their value from the recalculation that follows
        cell["effectiveValue"] = dict(ev)
        cell["formattedValue"] = cv.format_effective(ev, nf, loc)
    return cell
