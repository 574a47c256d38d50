"""Small builders for Sheets v4 CellData / batchUpdate request bodies used by generated sheets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..sheets.values import date_to_serial


def rgb(hex_colour: str) -> dict[str, float]:
    """'#RRGGBB' -> a Sheets Color with 0..1 channels (rounded, so values compare exactly)."""
    h = hex_colour.lstrip("#")
    return {
        "red": round(int(h[0:2], 16) / 255, 4),
        "green": round(int(h[2:4], 16) / 255, 4),
        "blue": round(int(h[4:6], 16) / 255, 4),
    }


def cell(
    value: Any = None,
    *,
    bg: str | None = None,
    bold: bool = False,
    colour: str | None = None,
    fmt: tuple[str, str] | None = None,
    align: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """One CellData. Text is always a stringValue (never parsed, never a formula) unless it is
    passed as ``("formula", "=...")``, which only generated layouts do."""
    data: dict[str, Any] = {}
    if isinstance(value, tuple) and value and value[0] == "formula":
        data["userEnteredValue"] = {"formulaValue": value[1]}
    elif isinstance(value, bool):
        data["userEnteredValue"] = {"boolValue": value}
    elif isinstance(value, dt.date):
        data["userEnteredValue"] = {"numberValue": date_to_serial(value)}
        fmt = fmt or ("DATE", "dd.mm.yyyy")
    elif isinstance(value, int | float):
        data["userEnteredValue"] = {"numberValue": value}
    elif value is not None and value != "":
        data["userEnteredValue"] = {"stringValue": str(value)}
    f: dict[str, Any] = {}
    if bg:
        f["backgroundColor"] = rgb(bg)
    if bold or colour:
        tf: dict[str, Any] = {}
        if bold:
            tf["bold"] = True
        if colour:
            tf["foregroundColor"] = rgb(colour)
        f["textFormat"] = tf
    if fmt:
        f["numberFormat"] = {"type": fmt[0], "pattern": fmt[1]}
    if align:
        f["horizontalAlignment"] = align
    if f:
        data["userEnteredFormat"] = f
    if note:
        data["note"] = note
    return data


def grid_rewrite(sheet_id: int, rows: list[list[dict]], *, frozen_rows: int, frozen_cols: int,
                 merges: Sequence[tuple[int, int, int, int]] = (), widths: dict[int, int] | None = None) -> list[dict]:
    """Requests that make a generated sheet exactly ``rows`` — one structural batch.

    The grid is resized to the content (dropping stale rows/columns), old merges removed, every
    cell rewritten with its value, format and note (a ``{}`` cell clears them), then new merges
    and column widths applied.
    """
    # Sheets refuses to freeze every row or column, so the grid keeps one past the frozen ones
    n_rows = max(1, len(rows), frozen_rows + 1)
    n_cols = max(1, max((len(r) for r in rows), default=1), frozen_cols + 1)
    padded = [r + [{}] * (n_cols - len(r)) for r in rows]
    padded += [[{}] * n_cols for _ in range(n_rows - len(padded))]
    reqs: list[dict] = [
        {"unmergeCells": {"range": {"sheetId": sheet_id}}},
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet_id,
                    "gridProperties": {
                        "rowCount": n_rows,
                        "columnCount": n_cols,
                        "frozenRowCount": frozen_rows,
                        "frozenColumnCount": frozen_cols,
                    },
                },
                "fields": "gridProperties(rowCount,columnCount,frozenRowCount,frozenColumnCount)",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": r} for r in padded],
                "fields": "userEnteredValue,userEnteredFormat,note",
            }
        },
    ]
    for r0, r1, c0, c1 in merges:
        reqs.append(
            {
                "mergeCells": {
                    "range": {"sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": r1,
                              "startColumnIndex": c0, "endColumnIndex": c1},
                    "mergeType": "MERGE_ALL",
                }
            }
        )
    for col, px in sorted((widths or {}).items()):
        reqs.append(
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": col, "endIndex": col + 1},
                    "properties": {"pixelSize": px},
                    "fields": "pixelSize",
                }
            }
        )
    return reqs


def conform_to_template(rows: list[list[dict]], kind: str, locale: str) -> list[list[dict]]:
    """Make a generated sheet agree with its template, so re-provisioning finds nothing to repair:
    the header cells of template columns exactly as provisioning writes them, and every data cell
    of a template column in that column's number format (a percent cell keeps its own)."""
    try:
        from sheetsync.provision.desired import header_cell
        from sheetsync.templates import load_templates

        spec = load_templates()[kind]
    except Exception:  # noqa: BLE001 - no templates/provisioning: the built-in layout stands alone
        return rows
    if rows:
        for j, col in enumerate(spec.columns[: len(rows[0])]):
            rows[0][j] = header_cell(col, locale)
        while len(rows) <= spec.frozen_rows:  # provisioning checks formats on the first row under the header
            rows.append([{} for _ in rows[0]])
    for row in rows[1:]:
        for j, col in enumerate(spec.columns[: len(row)]):
            fmt = col.number_format(locale)
            if fmt is None:
                continue
            data = row[j]
            current = data.get("userEnteredFormat", {}).get("numberFormat", {})
            if current.get("type") == "PERCENT" and fmt.get("type") != "PERCENT":
                continue
            data.setdefault("userEnteredFormat", {})["numberFormat"] = dict(fmt)
    return rows
