"""diff without I/O: column moves and inserts land every template column at its place."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.provision.desired import META_COLUMN, META_SHEET
from sheetsync.provision.diff import diff, matches
from sheetsync.provision.provision import create_body


def _actual_with_columns(desired, kind, slots):
    """A spreadsheet as create made it, with ``kind``'s columns carrying the given metadata keys."""
    body = create_body(desired)
    sheets = []
    for s in body["sheets"]:
        props = s["properties"]
        sheet = {"properties": props, "developerMetadata": [
            {"metadataId": props["sheetId"], "metadataKey": META_SHEET,
             "metadataValue": next(d.kind for d in desired.sheets if d.preferred_id == props["sheetId"])}]}
        if sheet["developerMetadata"][0]["metadataValue"] == kind:
            props = {**props, "gridProperties": {**props["gridProperties"], "columnCount": len(slots)}}
            sheet["properties"] = props
            sheet["data"] = [{"columnMetadata": [
                {"developerMetadata": [{"metadataKey": META_COLUMN, "metadataValue": k}]} if k else {}
                for k in slots]}]
        sheets.append(sheet)
    return {"spreadsheetId": "x", "properties": body["properties"], "sheets": sheets}


def _apply_columns(slots, requests, sheet_id):
    slots = list(slots)
    for r in requests:
        if "moveDimension" in r and r["moveDimension"]["source"]["sheetId"] == sheet_id:
            src = r["moveDimension"]["source"]["startIndex"]
            dst = r["moveDimension"]["destinationIndex"]
            item = slots.pop(src)
            slots.insert(dst if dst <= src else dst - 1, item)
        elif "insertDimension" in r and r["insertDimension"]["range"]["sheetId"] == sheet_id:
            slots.insert(r["insertDimension"]["range"]["startIndex"], "NEW")
    return slots


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # desired is immutable
@given(st.data())
def test_any_column_order_is_put_back(desired, data):
    spec = desired.sheet("backlog")
    keys = [c.key for c in spec.columns]
    present = data.draw(st.lists(st.sampled_from(keys), unique=True))
    foreign = data.draw(st.integers(0, 3))
    slots = data.draw(st.permutations(present + [None] * foreign))
    plan = diff(desired, _actual_with_columns(desired, "backlog", slots))
    after = _apply_columns(slots, plan.requests, spec.preferred_id)
    expect = [k if k in present else "NEW" for k in keys]
    assert after[: len(keys)] == expect
    assert after[len(keys):].count(None) == foreign  # a person's own columns are kept, to the right
    moves = [r for r in plan.requests if "moveDimension" in r]
    assert len(moves) <= len(present)


def test_matches_treats_google_defaults_as_equal():
    assert matches({"red": 0.0, "green": 1.0}, {"green": 1})
    assert matches({"bold": False}, {})
    assert not matches({"bold": True}, {})
    assert matches({"values": [{"v": "a"}]}, {"values": [{"v": "a"}], "extra": 1})
    assert not matches({"values": [{"v": "a"}]}, {"values": [{"v": "a"}, {"v": "b"}]})
