"""One tab's grid data (from ``spreadsheets.get``) turned into cells ready to draw.

What Google shows is kept: the formatted value, column widths and row heights, frozen rows and
columns, merges, hidden rows and columns, the effective format with the conditional format that
applies laid over it, notes, links, dropdown values, and whether a protected range covers the cell
(and whether this person may edit it). Rows past the last one with content are cut, keeping a few
empty ones as Sheets would scroll into.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gsheets_emulator import cellvalues as cv
from gsheets_emulator.a1 import index_to_col

from .rules import RuleSet, Values, in_range, value_of

DEFAULT_WIDTH = 100  # Google's default column width, pixels
DEFAULT_HEIGHT = 21
SPARE_ROWS = 5  # empty rows drawn after the last row with content


@dataclass
class Cell:
    row: int
    col: int
    text: str = ""
    style: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    link: str | None = None
    choices: list[str] | None = None  # a dropdown's values (ONE_OF_LIST)
    protected: str | None = None  # the protected range's description ("" when it has none)
    locked: bool = False  # protected and this person is not among its editors
    rowspan: int = 1
    colspan: int = 1
    spill: int = 0  # pixels of empty neighbours to the right that left-aligned text may run into, as in Sheets
    numeric: bool = False

    @property
    def a1(self) -> str:
        return f"{index_to_col(self.col)}{self.row + 1}"


@dataclass
class Grid:
    title: str
    sheet_id: int
    widths: list[tuple[int, int]]  # (column index, pixels) of the visible columns
    rows: list[tuple[int, int, list[Cell]]]  # (row index, pixels, cells — merged-away cells left out)
    frozen_rows: int = 0
    frozen_cols: int = 0


def build(spreadsheet: dict[str, Any], sheet: dict[str, Any], now_ts: float) -> Grid:
    """The drawable grid of ``sheet`` (one entry of ``spreadsheet['sheets']``, with its grid data)."""
    props = sheet["properties"]
    gp = props.get("gridProperties", {})
    sheet_id = props.get("sheetId", 0)
    data = (sheet.get("data") or [{}])[0]
    row_data = data.get("rowData", [])
    r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
    raw: dict[tuple[int, int], dict[str, Any]] = {}
    for i, rd in enumerate(row_data):
        for j, cell in enumerate(rd.get("values", []) or []):
            if cell:
                raw[(r0 + i, c0 + j)] = cell
    n_rows, n_cols = gp.get("rowCount", 0), gp.get("columnCount", 0)
    last = max((r for (r, _c), cell in raw.items() if _has_content(cell)), default=-1)
    shown_rows = min(n_rows, max(last + 1 + SPARE_ROWS, gp.get("frozenRowCount", 0)))
    row_meta = data.get("rowMetadata", [])
    col_meta = data.get("columnMetadata", [])
    values = Values(props.get("title", ""), {k: value_of(v) for k, v in raw.items()}, n_rows, n_cols)
    props_ss = spreadsheet.get("properties", {})
    rules = RuleSet(sheet.get("conditionalFormats", []), sheet_id, values, cv.locale_of(props_ss),
                    _clock(props_ss.get("timeZone"), now_ts))
    protections = sheet.get("protectedRanges", [])
    covered, spans = _merges(sheet.get("merges", []))
    hidden_cols = {c for c in range(n_cols) if _meta(col_meta, c - c0).get("hiddenByUser")}
    widths = [(c, _meta(col_meta, c - c0).get("pixelSize", DEFAULT_WIDTH)) for c in range(n_cols) if c not in hidden_cols]
    rows = []
    for r in range(shown_rows):
        meta = _meta(row_meta, r - r0)
        if meta.get("hiddenByUser"):
            continue
        cells = []
        for c in range(n_cols):
            if c in hidden_cols or (r, c) in covered:
                continue
            cell = _cell(r, c, raw.get((r, c)), rules, protections, sheet_id)
            cell.rowspan, cell.colspan = spans.get((r, c), (1, 1))
            cells.append(cell)
        _spill(cells, dict(widths))
        rows.append((r, meta.get("pixelSize", DEFAULT_HEIGHT), cells))
    return Grid(props.get("title", ""), sheet_id, widths, rows, gp.get("frozenRowCount", 0),
                gp.get("frozenColumnCount", 0))


def _spill(cells: list[Cell], widths: dict[int, int]) -> None:
    """Text that is not wrapped, not right-aligned and not merged runs over the empty cells to its right."""
    for i, cell in enumerate(cells):
        if not cell.text or cell.colspan > 1 or cell.rowspan > 1 or cell.numeric \
                or cell.style.get("white-space") or cell.style.get("text-align") in ("right", "center"):
            continue
        extra = 0
        for nxt in cells[i + 1:]:
            if nxt.text or nxt.colspan > 1 or nxt.rowspan > 1:
                break
            extra += widths.get(nxt.col, DEFAULT_WIDTH)
        cell.spill = extra


def _meta(meta: list[dict[str, Any]], i: int) -> dict[str, Any]:
    return meta[i] if 0 <= i < len(meta) else {}


def _has_content(cell: dict[str, Any]) -> bool:
    return bool(cell.get("formattedValue") or cell.get("note") or cell.get("userEnteredValue"))


def _clock(tz_name: str | None, ts: float) -> Callable[[], datetime]:
    try:
        tz = ZoneInfo(tz_name or "UTC")
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    local = datetime.fromtimestamp(ts, tz).replace(tzinfo=None)
    return lambda: local


def _merges(merges: list[dict[str, Any]]) -> tuple[set[tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
    covered: set[tuple[int, int]] = set()
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for m in merges:
        rs, re_ = m.get("startRowIndex", 0), m.get("endRowIndex", 0)
        cs, ce = m.get("startColumnIndex", 0), m.get("endColumnIndex", 0)
        spans[(rs, cs)] = (re_ - rs, ce - cs)
        covered.update((r, c) for r in range(rs, re_) for c in range(cs, ce) if (r, c) != (rs, cs))
    return covered, spans


def _cell(r: int, c: int, raw: dict[str, Any] | None, rules: RuleSet, protections: list[dict[str, Any]],
          sheet_id: int) -> Cell:
    raw = raw or {}
    out = Cell(r, c, text=raw.get("formattedValue", ""), note=raw.get("note"))
    fmt = _overlay(raw.get("userEnteredFormat") or {}, raw.get("effectiveFormat") or {})
    extra = rules.format_at(r, c)
    if extra:
        fmt = _overlay(fmt, extra)
    out.numeric = "numberValue" in (raw.get("effectiveValue") or {})
    out.style = css(fmt, numeric=out.numeric)
    link = raw.get("hyperlink") or (fmt.get("textFormat") or {}).get("link", {}).get("uri") \
        or _hyperlink_formula((raw.get("userEnteredValue") or {}).get("formulaValue"))
    out.link = link if isinstance(link, str) and link.startswith(("http://", "https://", "mailto:")) else None
    cond = (raw.get("dataValidation") or {}).get("condition", {})
    if cond.get("type") == "ONE_OF_LIST":
        out.choices = [str(v.get("userEnteredValue", "")) for v in cond.get("values", [])]
    for pr in protections:
        g = pr.get("range", {})
        if g.get("sheetId", 0) == sheet_id and in_range(g, r, c) \
                and not any(in_range(u, r, c) for u in pr.get("unprotectedRanges", [])):
            out.protected = pr.get("description", "") or ""
            out.locked = not pr.get("requestingUserCanEdit", False)
            if out.locked:
                break
    return out


_HYPERLINK = re.compile(r'^=\s*HYPERLINK\(\s*"((?:[^"]|"")*)"', re.I)


def _hyperlink_formula(formula: str | None) -> str | None:
    """The URL of ``=HYPERLINK("url", ...)`` (Google reports it as the cell's ``hyperlink``)."""
    m = _HYPERLINK.match(formula or "")
    return m.group(1).replace('""', '"') if m else None


def _overlay(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if k == "textFormat":
            out["textFormat"] = {**(base.get("textFormat") or {}), **v}
        else:
            out[k] = v
    return out


def colour(c: dict[str, Any] | None) -> str | None:
    """A Sheets Color as CSS (``#rrggbb``); None for none."""
    if not c:
        return None
    if "rgbColor" in c:
        c = c["rgbColor"]
    r, g, b = (round(255 * float(c.get(k, 0))) for k in ("red", "green", "blue"))
    return f"#{r:02x}{g:02x}{b:02x}"


_ALIGN = {"LEFT": "left", "CENTER": "center", "RIGHT": "right"}
_VALIGN = {"TOP": "top", "MIDDLE": "middle", "BOTTOM": "bottom"}


def css(fmt: dict[str, Any], *, numeric: bool) -> dict[str, str]:
    """A CellFormat as CSS properties."""
    out: dict[str, str] = {}
    bg = colour(fmt.get("backgroundColorStyle") or fmt.get("backgroundColor"))
    if bg and bg != "#ffffff":
        out["background-color"] = bg
    tf = fmt.get("textFormat") or {}
    fg = colour(tf.get("foregroundColorStyle") or tf.get("foregroundColor"))
    if fg and fg != "#000000":
        out["color"] = fg
    if tf.get("bold"):
        out["font-weight"] = "bold"
    if tf.get("italic"):
        out["font-style"] = "italic"
    deco = [d for d, on in (("line-through", tf.get("strikethrough")), ("underline", tf.get("underline"))) if on]
    if deco:
        out["text-decoration"] = " ".join(deco)
    if tf.get("fontSize") and tf["fontSize"] != 10:
        out["font-size"] = f"{tf['fontSize']}pt"
    align = _ALIGN.get(fmt.get("horizontalAlignment", ""), "right" if numeric else None)
    if align:
        out["text-align"] = align
    if fmt.get("verticalAlignment") in _VALIGN:
        out["vertical-align"] = _VALIGN[fmt["verticalAlignment"]]
    if fmt.get("wrapStrategy") == "WRAP":
        out["white-space"] = "pre-wrap"
    return out
