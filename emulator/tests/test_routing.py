"""The explicit route table: each path is served by exactly one route, so the table's order never matters."""

from __future__ import annotations

import re

import pytest

from gsheets_emulator.batch_kinds import REQUEST_KINDS
from gsheets_emulator.fields import schema_properties
from gsheets_emulator.routing import ROUTES, match

SAMPLES = {"spreadsheet_id": "abc123", "file_id": "abc123", "sheet_id": "7", "metadata_id": "9",
           "permission_id": "0412", "rng": "Sheet1!A1:B2", "drive_id": "d0"}


def _sample(route) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES[m.group(1)], route.pattern.pattern.strip("^$")) \
        .replace("\\", "")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_each_route_is_the_only_one_serving_its_paths(route):
    path = _sample(route)
    serving = [r for r in ROUTES if r.method == route.method and r.pattern.match(path)]
    assert serving == [route]
    found = match(route.method, path)
    assert found is not None and found[0] is route


def test_the_table_names_each_method_and_path_once():
    keys = [(r.method, r.pattern.pattern) for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(r.api == r.name.split(".")[0] for r in ROUTES)


def test_request_kinds_are_google_kinds():
    assert set(REQUEST_KINDS) <= set(schema_properties("Request") or REQUEST_KINDS)
    assert all(callable(fn) for fn in REQUEST_KINDS.values())
