"""docs/reference.md lists exactly what the code registers: endpoints, request kinds, functions, refusals."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import googleapiclient

from gsheets_emulator import Emulator
from gsheets_emulator.formula import SUPPORTED
from gsheets_emulator.routing import ROUTES
from gsheets_emulator.sheets_batch import REQUEST_KINDS

Emulator()
DOC = (Path(__file__).resolve().parents[1] / "docs" / "reference.md").read_text()
PARAM_NAMES = {"spreadsheet_id": "spreadsheetId", "file_id": "fileId", "permission_id": "permissionId",
               "sheet_id": "sheetId", "metadata_id": "metadataId", "rng": "range", "drive_id": "driveId"}


def _section(title: str) -> str:
    m = re.search(rf"^###+ {re.escape(title)}\n(.*?)(?=^##)", DOC, re.S | re.M)
    assert m, f"docs/reference.md has no section {title!r}"
    return m.group(1)


def _path(route) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + PARAM_NAMES[m.group(1)] + "}",
                  route.pattern.pattern.strip("^$")).replace("\\", "")


def _role_rule():
    spec = importlib.util.spec_from_file_location("_role_matrix", Path(__file__).with_name("test_role_matrix.py"))
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod._needs


def test_endpoint_table_is_the_route_table():
    rows = re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| `([^`]+)` \| (\w+) \| (\w+) \|$",
                      _section("Endpoints"), re.M)
    needs = _role_rule()
    expected = {(r.method, _path(r), r.name, needs(r) if r.id_param else "none", r.quota) for r in ROUTES}
    assert len(rows) == len(set(rows))
    assert set(rows) == expected


def test_request_kinds_are_the_registry():
    listed = set(re.findall(r"`(\w+)`", _section("batchUpdate request kinds").split("\n\n")[0]))
    assert listed == set(REQUEST_KINDS)


def test_functions_are_the_evaluators():
    block = _section("Formula functions").split("Supported functions:")[1].split("\n\n")[1]
    assert block.split() == SUPPORTED


def test_refused_google_kinds_are_exactly_the_unimplemented_ones():
    discovery = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "sheets.v4.json"
    google = set(json.loads(discovery.read_text())["schemas"]["Request"]["properties"])
    part = _section("Deliberately unsupported (each answers a 400 naming it)")
    block = part.split("**Google batchUpdate request kinds not implemented**:")[1].split("\n* ")[0]
    assert set(re.findall(r"`(\w+)`", block)) == google - set(REQUEST_KINDS)


def test_every_test_file_the_doc_cites_exists():
    here = Path(__file__).parent
    cited = set(re.findall(r"`(test_\w+\.py)`", DOC))
    assert cited and all((here / name).exists() for name in cited), sorted(n for n in cited if not (here / n).exists())


def test_the_python_examples_for_other_peoples_tests_run():
    """Each ```python block of "Using it in your own gspread tests", run in order in one namespace."""
    import pytest as _pytest

    part = DOC.split("## Using it in your own gspread tests")[1].split("## Coverage")[0]
    blocks = re.findall(r"```python\n(.*?)```", part, re.S)
    assert len(blocks) >= 6
    ns: dict = {"pytest": _pytest}
    for block in blocks:
        exec(compile(block, "docs/reference.md", "exec"), ns)  # noqa: S102
    assert ns["emu"].calls(ns["mark"]) is not None and ns["sh"].title == "Acme"
