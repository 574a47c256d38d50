"""Field masks: the grammar of Google's partial-response ``fields`` and of update masks.

Grammar checked against the "fields parameter / partial response" guide of the Sheets v4 docs:
``a,b``, ``a/b`` (and the FieldMask dot form ``a.b``), ``a(b,c)`` and ``*``.
"""

from __future__ import annotations

import pytest

from gsheets_emulator import ApiError
from gsheets_emulator import fields as fm

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.mark.parametrize("text, tree", [
    ("title", {"title": None}),
    ("a,b", {"a": None, "b": None}),
    ("a/b", {"a": {"b": None}}),
    ("a.b.c", {"a": {"b": {"c": None}}}),
    ("a(b,c/d)", {"a": {"b": None, "c": {"d": None}}}),
    ("sheets(properties(sheetId,title),data/rowData)",
     {"sheets": {"properties": {"sheetId": None, "title": None}, "data": {"rowData": None}}}),
    ("a/b,a", {"a": None}),
    ("a,a/b", {"a": None}),
    ("a(b),a(c)", {"a": {"b": None, "c": None}}),
    (" a , b/c ", {"a": None, "b": {"c": None}}),
    ("*", {"*": None}),
    ("sheets/*", {"sheets": {"*": None}}),
])
def test_parse(text, tree):
    assert fm.parse(text) == tree


@pytest.mark.parametrize("bad", ["", "a,", "a(b", "a)b", "a//b", "(a)", "a(b,)", "a b", "a-b", "a*"])
def test_parse_rejects_malformed_masks_with_a_400(bad):
    with pytest.raises(ApiError) as e:
        fm.parse(bad)
    assert e.value.code == 400 and "Invalid field selection" in e.value.message


def test_paths():
    assert sorted(fm.paths(fm.parse("title,gridProperties(rowCount,columnCount)"))) == [
        ("gridProperties", "columnCount"), ("gridProperties", "rowCount"), ("title",)]


def test_project_walks_lists_and_keeps_absent_fields_absent():
    value = {"id": "x", "sheets": [{"properties": {"title": "a", "sheetId": 1}, "data": [1]},
                                   {"properties": {"title": "b", "sheetId": 2}}]}
    assert fm.project(value, fm.parse("sheets/properties/title")) == {
        "sheets": [{"properties": {"title": "a"}}, {"properties": {"title": "b"}}]}
    assert fm.project(value, fm.parse("id,nothing")) == {"id": "x"}
    assert fm.project(value, fm.parse("sheets(data)")) == {"sheets": [{"data": [1]}, {}]}
    assert fm.project(value, fm.parse("*")) == value
    assert fm.project(value, fm.parse("sheets/*")) == {"sheets": value["sheets"]}


def test_apply_sets_named_fields_and_clears_the_ones_absent_from_the_source():
    target = {"title": "old", "hidden": True, "gridProperties": {"rowCount": 5, "frozenRowCount": 1}}
    fm.apply(target, {"title": "new", "gridProperties": {"rowCount": 9}},
             "title,hidden,gridProperties.rowCount,gridProperties.frozenRowCount")
    assert target == {"title": "new", "gridProperties": {"rowCount": 9}}
    fm.apply(target, {"tabColor": {"red": 1}}, "*")
    assert target == {"tabColor": {"red": 1}}
    with pytest.raises(ApiError):
        fm.apply(target, {}, "")


def test_check_known_names_the_unknown_field():
    fm.check_known(fm.parse("sheets(properties(title),data/rowData/values/userEnteredValue)"), "Spreadsheet")
    with pytest.raises(ApiError) as e:
        fm.check_known(fm.parse("sheets/propertiez"), "Spreadsheet")
    assert "propertiez" in e.value.message


def test_fields_parameter_on_spreadsheets_get(emu, owner_gc):
    sh = owner_gc.create("F")
    s = emu.session("owner@agency.test")
    r = s.get(f"{SHEETS}/{sh.id}", params={"fields": "spreadsheetId,sheets(properties(title,gridProperties/rowCount))"})
    assert r.json() == {"spreadsheetId": sh.id,
                        "sheets": [{"properties": {"title": "Sheet1", "gridProperties": {"rowCount": 1000}}}]}
    r = s.get(f"{SHEETS}/{sh.id}", params={"fields": "properties.title"})
    assert r.json() == {"properties": {"title": "F"}}


def test_a_fields_mask_that_selects_data_returns_it_without_include_grid_data(emu, owner_gc):
    """The reference: includeGridData "is ignored if a field mask was set in the request"."""
    sh = owner_gc.create("F")
    sh.sheet1.update([["v"]], "A1")
    s = emu.session("owner@agency.test")
    r = s.get(f"{SHEETS}/{sh.id}", params={"ranges": "Sheet1!A1:B2",
                                           "fields": "sheets/data/rowData/values/userEnteredValue"})
    assert r.json() == {"sheets": [{"data": [{"rowData": [{"values": [{"userEnteredValue": {"stringValue": "v"}}]}]}]}]}
    r = s.get(f"{SHEETS}/{sh.id}", params={"ranges": "Sheet1!A1:B2", "includeGridData": "true",
                                           "fields": "sheets/properties/title"})
    assert r.json() == {"sheets": [{"properties": {"title": "Sheet1"}}]}


def test_bad_fields_parameter_is_a_400(emu, owner_gc):
    sh = owner_gc.create("F")
    s = emu.session("owner@agency.test")
    r = s.get(f"{SHEETS}/{sh.id}", params={"fields": "sheets(properties"})
    assert r.status_code == 400
    r = s.get(f"{SHEETS}/{sh.id}", params={"fields": "sheets/propertiez"})
    assert r.status_code == 400 and "propertiez" in r.json()["error"]["message"]


def test_the_shipped_schema_copy_matches_the_discovery_document():
    """The emulator checks bodies at run time against a trimmed copy of Google's Discovery document."""
    import json
    from pathlib import Path

    import googleapiclient

    doc = json.loads((Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
                      / "sheets.v4.json").read_text())
    shipped = json.loads(fm.SCHEMA_FILE.read_text())
    assert set(shipped["schemas"]) == set(doc["schemas"]), "run: python -m gsheets_emulator.fields"
    for name, sch in doc["schemas"].items():
        assert set(shipped["schemas"][name]["properties"]) == set(sch.get("properties", {})), name


def test_fields_on_batch_update_and_metadata_search_are_checked_too(emu, owner_gc):
    sh = owner_gc.create("F")
    s = emu.session("owner@agency.test")
    body = {"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "k", "metadataValue": "v", "visibility": "DOCUMENT", "location": {"spreadsheet": True}}}}]}
    r = s.post(f"{SHEETS}/{sh.id}:batchUpdate", json=body, params={"fields": "replies(nope)"})
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]
    assert len(sh.fetch_sheet_metadata().get("developerMetadata", [])) == 0  # a bad mask is refused before any change
    r = s.post(f"{SHEETS}/{sh.id}/developerMetadata:search",
               json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "k"}}]},
               params={"fields": "matchedDeveloperMetadata/developerMetadata/metadataKey"})
    assert r.status_code == 200 and r.json() == {}
