"""A spreadsheet provisioned and synced by the code before labels (commit b592d30, keys in the type and role
cells and dropdowns) keeps working with this code: nothing is pulled, invalid or in conflict, the cells get
their labels on the next sync and the dropdowns on the next provision. The old code is the real one, taken
from git; without that commit (a shallow clone) the test is skipped with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD = "b592d30"  # main before issue 17 item 7: task types and roles shown as store keys

STEP = r'''
import json, pathlib, sys
from sheetsync.app import App
from sheetsync import demo

mode, out = sys.argv[1], pathlib.Path(sys.argv[2])
if mode == "old":
    demo.write_config(out)
app = App.from_config(out / "sheetsync.toml")
if mode == "old":
    app.store.sync_reference_data(app.config)
    app.store.tasks.create("romashka", {"title": "Статья", "task_type": "article", "role": "copywriter"},
                           origin="cli", actor="test")
    app.provision("romashka")
r = app.sync("romashka")
if mode == "new":
    app.provision("romashka")
sid = app.store.clients.get("romashka").spreadsheet_id
row = app.emulator.gspread_client(user=demo.MANAGER).open_by_key(sid).worksheet("Бэклог").get_all_values()[1]
data = app.sheets.request("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}",
                          params={"ranges": "'Бэклог'!D2:E2", "includeGridData": "true", "fields": "sheets(data)"})
cells = data["sheets"][0]["data"][0]["rowData"][0]["values"]
print(json.dumps({"pulled": r.pulled, "errors": r.errors, "conflicts": r.conflicts, "failed": r.failed,
                  "cells": row[3:5],
                  "dropdowns": [[v["userEnteredValue"] for v in c["dataValidation"]["condition"]["values"]]
                                for c in cells],
                  "tasks": [[t.task_type, t.role] for t in app.store.tasks.list("romashka")]}, ensure_ascii=False))
app.close()
'''


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory):
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{OLD}^{{commit}}"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"commit {OLD} (the code before labels) is not in this clone")
    where = tmp_path_factory.mktemp("old-code")
    archive = where / "old.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), OLD, "sheetsync", "sheet_templates"],
                   check=True)
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(where, filter="data")
        except TypeError:  # Python 3.11 before 3.11.4: no filters (our own archive: nothing to filter)
            tar.extractall(where)  # noqa: S202
    return where


def _run(mode: str, code: Path, out: Path) -> dict:
    script = out.parent / "step.py"
    script.write_text(STEP, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, str(script), mode, str(out)], cwd=out.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_sheet_of_the_old_code_gets_labels_and_nothing_is_pulled(old_tree, tmp_path):
    out = tmp_path / "agency"
    out.mkdir()
    old = _run("old", old_tree, out)
    assert old["cells"] == ["article", "copywriter"] and "article" in old["dropdowns"][0], old
    new = _run("new", ROOT, out)
    assert new["failed"] is None and (new["pulled"], new["errors"], new["conflicts"]) == (0, 0, 0), new
    assert new["cells"] == ["Статья", "Копирайтер"], new
    assert "Статья" in new["dropdowns"][0] and "article" not in new["dropdowns"][0], new
    assert "Копирайтер" in new["dropdowns"][1] and "copywriter" not in new["dropdowns"][1], new
    assert new["tasks"] == [["article", "copywriter"]]
