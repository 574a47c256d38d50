"""Every implemented request kind in one batch: replies in order, shaped by Discovery's ``Response``.

Google: "replies ... will be in the same order as the requests; some requests have empty
replies". The kinds with a reply are exactly the properties of the ``Response`` schema in
``sheets.v4.json``; every other kind answers ``{}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import googleapiclient

from gsheets_emulator.sheets_batch import REQUEST_KINDS

DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "sheets.v4.json"
SCHEMAS = json.loads(DISCOVERY.read_text())["schemas"]
WITH_REPLY = set(SCHEMAS["Response"]["properties"])


def _grid(r0, r1, c0, c1, sheet=0):
    return {"sheetId": sheet, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}


def _every_kind() -> list[dict]:
    cell = {"userEnteredValue": {"stringValue": "x"}}
    rule = {"ranges": [_grid(0, 5, 0, 1)], "booleanRule": {
        "condition": {"type": "NUMBER_GREATER", "values": [{"userEnteredValue": "1"}]},
        "format": {"textFormat": {"bold": True}}}}
    return [
        {"addSheet": {"properties": {"sheetId": 7, "title": "Two"}}},
        {"updateSheetProperties": {"properties": {"sheetId": 7, "title": "Second"}, "fields": "title"}},
        {"updateSpreadsheetProperties": {"properties": {"title": "All kinds"}, "fields": "title"}},
        {"duplicateSheet": {"sourceSheetId": 7, "newSheetId": 8, "newSheetName": "Copy"}},
        {"deleteSheet": {"sheetId": 8}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}}},
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}},
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
        {"moveDimension": {"source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                           "destinationIndex": 3}},
        {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                                 "endIndex": 1}, "properties": {"pixelSize": 120},
                                       "fields": "pixelSize"}},
        {"updateCells": {"rows": [{"values": [cell, cell]}], "fields": "userEnteredValue",
                         "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0}}},
        {"appendCells": {"sheetId": 0, "rows": [{"values": [cell]}], "fields": "userEnteredValue"}},
        {"repeatCell": {"range": _grid(1, 3, 0, 2), "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                                 "endIndex": 2}}},
        {"updateBorders": {"range": _grid(0, 2, 0, 2), "top": {"style": "SOLID"}}},
        {"mergeCells": {"range": _grid(5, 6, 0, 2), "mergeType": "MERGE_ALL"}},
        {"unmergeCells": {"range": _grid(5, 6, 0, 2)}},
        {"setDataValidation": {"range": _grid(1, 4, 1, 2), "rule": {"condition": {
            "type": "ONE_OF_LIST", "values": [{"userEnteredValue": "a"}, {"userEnteredValue": "b"}]}}}},
        {"addProtectedRange": {"protectedRange": {"protectedRangeId": 41, "range": _grid(0, 1, 0, 1),
                                                  "warningOnly": True}}},
        {"updateProtectedRange": {"protectedRange": {"protectedRangeId": 41, "description": "head"},
                                  "fields": "description"}},
        {"deleteProtectedRange": {"protectedRangeId": 41}},
        {"addConditionalFormatRule": {"rule": rule, "index": 0}},
        {"updateConditionalFormatRule": {"sheetId": 0, "index": 0, "rule": rule}},
        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
        {"createDeveloperMetadata": {"developerMetadata": {"metadataId": 5, "metadataKey": "k", "visibility":
                                                           "DOCUMENT", "location": {"sheetId": 0}}}},
        {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataId": 5}}],
                                     "developerMetadata": {"metadataValue": "v"}, "fields": "metadataValue"}},
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataId": 5}}}},
        {"addNamedRange": {"namedRange": {"namedRangeId": "nr1", "name": "Head", "range": _grid(0, 1, 0, 2)}}},
        {"updateNamedRange": {"namedRange": {"namedRangeId": "nr1", "name": "Top"}, "fields": "name"}},
        {"deleteNamedRange": {"namedRangeId": "nr1"}},
        {"sortRange": {"range": _grid(0, 4, 0, 2), "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}},
        {"setBasicFilter": {"filter": {"range": _grid(0, 4, 0, 2)}}},
        {"clearBasicFilter": {"sheetId": 0}},
        {"findReplace": {"find": "x", "replacement": "y", "allSheets": True}},
        {"copyPaste": {"source": _grid(0, 1, 0, 1), "destination": _grid(9, 10, 0, 1)}},
        {"cutPaste": {"source": _grid(9, 10, 0, 1), "destination": {"sheetId": 7, "rowIndex": 0, "columnIndex": 0}}},
        {"addDimensionGroup": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}}},
        {"updateDimensionGroup": {"dimensionGroup": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                                               "endIndex": 3}, "depth": 1, "collapsed": True},
                                  "fields": "collapsed"}},
        {"deleteDimensionGroup": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}}},
    ]


def _keys_ok(value, schema_name) -> list[str]:
    """Names in ``value`` that the Discovery schema does not define (recursively)."""
    schema = SCHEMAS[schema_name]["properties"]
    bad = []
    for k, v in value.items():
        if k not in schema:
            bad.append(f"{schema_name}.{k}")
            continue
        ref = schema[k].get("$ref") or schema[k].get("items", {}).get("$ref")
        if ref and isinstance(v, dict):
            bad += _keys_ok(v, ref)
        elif ref and isinstance(v, list):
            for item in v:
                bad += _keys_ok(item, ref) if isinstance(item, dict) else []
    return bad


def test_every_kind_in_one_batch_replies_like_google(sh, owner_gc):
    requests = _every_kind()
    assert {next(iter(r)) for r in requests} == set(REQUEST_KINDS)  # a new kind must join this batch
    body = sh.batch_update({"requests": requests})
    assert body["spreadsheetId"] == sh.id
    replies = body["replies"]
    assert len(replies) == len(requests)
    for req, reply in zip(requests, replies, strict=True):
        kind = next(iter(req))
        if kind in WITH_REPLY:
            assert list(reply) == [kind], (kind, reply)
            assert _keys_ok(reply, "Response") == [], (kind, reply)
        else:
            assert reply == {}, (kind, reply)
    got = {r_kind: reply[r_kind] for req, reply in zip(requests, replies, strict=True)
           for r_kind in [next(iter(req))] if reply}
    assert got["addSheet"]["properties"]["title"] == "Two"
    assert got["duplicateSheet"]["properties"]["sheetId"] == 8
    assert got["addProtectedRange"]["protectedRange"]["protectedRangeId"] == 41
    assert got["addNamedRange"]["namedRange"]["name"] == "Head"
    assert got["createDeveloperMetadata"]["developerMetadata"]["metadataId"] == 5
    assert got["updateDeveloperMetadata"]["developerMetadata"][0]["metadataValue"] == "v"
    assert got["deleteDeveloperMetadata"]["deletedDeveloperMetadata"][0]["metadataId"] == 5
    assert got["deleteConditionalFormatRule"]["rule"]["booleanRule"]["format"]["textFormat"]["bold"] is True
    assert got["updateConditionalFormatRule"]["newIndex"] == 0
    assert got["findReplace"]["occurrencesChanged"] >= 1
    assert got["addDimensionGroup"]["dimensionGroups"] == [
        {"range": {"dimension": "ROWS", "startIndex": 1, "endIndex": 3}, "depth": 1}]
    assert got["deleteDimensionGroup"] == {}  # no group left: Google's reply is empty (test_group_rows.json)
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "Second"]
    assert owner_gc.open_by_key(sh.id).title == "All kinds"
