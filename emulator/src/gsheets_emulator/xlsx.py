"""Drive's xlsx export of a spreadsheet, written with openpyxl.

Kept: every sheet in order; values (a formula cell exports its computed value, which is what
openpyxl can store — Google also keeps the formula text, openpyxl cannot write both);
number formats (Sheets patterns as Excel patterns, dates as real Excel dates, a bare type in the
spreadsheet's locale); bold, italic, strikethrough; background and font colours; notes (as
Excel comments); frozen rows and columns; column widths (Google's 100-pixel default where the
sheet sets none — Excel's narrower default turns amounts into ``###``) and row heights; merges;
list validations (``ONE_OF_LIST`` and ``ONE_OF_RANGE``); hidden sheets; conditional formats as
Excel conditional-format rules (see :mod:`.xlsx_rules`), so they stay live in Excel.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .cellvalues import error_text
from .model import SheetState, SpreadsheetState
from .xlsx_rules import add_conditional_formats, argb

EPOCH = datetime(1899, 12, 30)
DEFAULT_PATTERNS = {"DATE": "yyyy-mm-dd", "TIME": "hh:mm:ss", "DATE_TIME": "yyyy-mm-dd hh:mm:ss",
                    "PERCENT": "0.00%", "CURRENCY": '"$"#,##0.00', "SCIENTIFIC": "0.00E+00", "NUMBER": "#,##0.00",
                    "TEXT": "@"}
# what Sheets shows for a bare numberFormat type in these locales (no pattern given)
LOCALE_PATTERNS = {
    "ru": {"DATE": "dd.mm.yyyy", "TIME": "h:mm:ss", "DATE_TIME": "dd.mm.yyyy h:mm:ss",
           "CURRENCY": '#,##0.00 [$₽-419]', "NUMBER": "#,##0.00"},
    "en": {"DATE": "m/d/yyyy", "TIME": "h:mm:ss AM/PM", "DATE_TIME": "m/d/yyyy h:mm:ss"},
}
PIXELS_PER_CHAR = 7.0  # Excel's column width unit is roughly one digit of the default font
POINTS_PER_PIXEL = 0.75
DEFAULT_COLUMN_PIXELS = 100  # Google's width of a column nobody sized (Excel's own default is ~64 px)


def to_xlsx(ss: SpreadsheetState) -> bytes:
    wb = Workbook()
    for default in wb.worksheets:  # a new workbook holds one empty sheet; ours come instead
        wb.remove(default)
    used: set[str] = set()
    for sheet in ss.sheets:
        ws = wb.create_sheet(_excel_title(sheet.title, used))
        _write_sheet(ws, sheet, ss)
        add_conditional_formats(ws, sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _excel_title(title: str, used: set[str]) -> str:
    """Excel titles: at most 31 characters, none of []:*?/\\ , unique (case-insensitively)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def _write_sheet(ws: Any, sheet: SheetState, ss: SpreadsheetState) -> None:
    validations: dict[tuple[Literal["list"], str, bool], list[str]] = defaultdict(list)
    for r, row in enumerate(sheet.rows[:sheet.row_count]):
        for c, cell in enumerate(row[:sheet.col_count]):
            if not cell:
                continue
            target = ws.cell(row=r + 1, column=c + 1)
            fmt = cell.get("userEnteredFormat") or {}
            value = _value(cell, fmt)
            target.value = value
            if isinstance(value, str) and value.startswith("="):
                target.data_type = "s"  # text that looks like a formula stays text in Excel too
            _style(target, fmt, _locale(ss))
            if cell.get("note"):
                target.comment = Comment(cell["note"], "sheetsync")
            dv = cell.get("dataValidation")
            if dv:
                key = _validation_key(dv, ss)
                if key is not None:
                    validations[key].append(target.coordinate)
    for (kind, formula, strict), cells in validations.items():
        v = DataValidation(type=kind, formula1=formula, allow_blank=True, showErrorMessage=strict)
        for coordinate in cells:
            v.add(coordinate)
        ws.add_data_validation(v)
    grid = sheet.grid
    fr, fc = grid.get("frozenRowCount", 0), grid.get("frozenColumnCount", 0)
    if fr or fc:
        ws.freeze_panes = ws.cell(row=fr + 1, column=fc + 1).coordinate
    default_px = grid.get("defaultColumnWidth") or DEFAULT_COLUMN_PIXELS
    ws.sheet_format.defaultColWidth = round(default_px / PIXELS_PER_CHAR, 2)
    metas = list(sheet.col_meta) + [{}] * max(0, sheet.col_count - len(sheet.col_meta))
    for i, meta in enumerate(metas[:sheet.col_count]):
        # every column gets an explicit width: Excel ignores defaultColWidth in some versions
        px = meta.get("pixelSize", default_px)
        ws.column_dimensions[get_column_letter(i + 1)].width = round(px / PIXELS_PER_CHAR, 2)
        if meta.get("hiddenByUser"):
            ws.column_dimensions[get_column_letter(i + 1)].hidden = True
    for i, meta in enumerate(sheet.row_meta):
        if "pixelSize" in meta:
            ws.row_dimensions[i + 1].height = meta["pixelSize"] * POINTS_PER_PIXEL
        if meta.get("hiddenByUser"):
            ws.row_dimensions[i + 1].hidden = True
    for m in sheet.merges:
        r0, r1 = m.get("startRowIndex", 0), m.get("endRowIndex", sheet.row_count)
        c0, c1 = m.get("startColumnIndex", 0), m.get("endColumnIndex", sheet.col_count)
        if r1 - r0 >= 1 and c1 - c0 >= 1 and (r1 - r0) * (c1 - c0) > 1:
            ws.merge_cells(start_row=r0 + 1, end_row=r1, start_column=c0 + 1, end_column=c1)
    if sheet.properties.get("hidden"):
        ws.sheet_state = "hidden"


def _value(cell: dict[str, Any], fmt: dict[str, Any]) -> Any:
    ev = cell.get("effectiveValue")
    if ev is None:
        uev = cell.get("userEnteredValue") or {}
        ev = {} if "formulaValue" in uev else uev
    if "numberValue" in ev:
        n = ev["numberValue"]
        kind = (fmt.get("numberFormat") or {}).get("type")
        if kind in ("DATE", "DATE_TIME"):
            return EPOCH + timedelta(days=n)
        if kind == "TIME":
            return (EPOCH + timedelta(days=n % 1)).time()
        return int(n) if isinstance(n, float) and n.is_integer() and abs(n) < 2**53 else n
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return bool(ev["boolValue"])
    if "errorValue" in ev:
        return error_text(ev["errorValue"])
    return None


def _locale(ss: SpreadsheetState) -> str:
    return str(ss.properties.get("locale") or "en")[:2].lower()


def excel_pattern(nf: dict[str, Any], locale: str = "en") -> str:
    """A Sheets NumberFormat as an Excel number format.

    Sheets' pattern language is Excel's with a few differences: ``am/pm`` is lower case, a bare
    type means the locale's own pattern, and a currency written as a bare symbol outside quotes
    (``₽``, ``€``) must be quoted for Excel. Everything else passes through unchanged.
    """
    kind = nf.get("type", "")
    pattern = nf.get("pattern") or ""
    if not pattern:
        return LOCALE_PATTERNS.get(locale, {}).get(kind) or DEFAULT_PATTERNS.get(kind, "General")
    if kind == "TEXT":
        return pattern
    out, i, quoted = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == '"':
            quoted = not quoted
            out.append(ch)
        elif quoted:
            out.append(ch)
        elif ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 1
        elif ch == "[":  # [$₽-419], [Red], [h]: Excel reads them as they are
            j = pattern.find("]", i)
            j = len(pattern) - 1 if j < 0 else j
            out.append(pattern[i:j + 1])
            i = j
        elif pattern[i:i + 5].lower() == "am/pm":
            out.append("AM/PM")
            i += 4
        elif ch in "₽€£¥₸₴":
            out.append(f'"{ch}"')
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _style(target: Any, fmt: dict[str, Any], locale: str = "en") -> None:
    nf = fmt.get("numberFormat")
    if nf:
        target.number_format = excel_pattern(nf, locale)
    tf = fmt.get("textFormat") or {}
    colour = argb((tf.get("foregroundColorStyle") or {}).get("rgbColor") or tf.get("foregroundColor"))
    if tf.get("bold") or tf.get("italic") or tf.get("strikethrough") or tf.get("underline") or colour \
            or tf.get("fontSize") or tf.get("fontFamily"):
        target.font = Font(bold=bool(tf.get("bold")), italic=bool(tf.get("italic")),
                           strike=bool(tf.get("strikethrough")), underline="single" if tf.get("underline") else None,
                           color=colour, size=tf.get("fontSize"), name=(tf.get("fontFamily") or None))
    bg = argb((fmt.get("backgroundColorStyle") or {}).get("rgbColor") or fmt.get("backgroundColor"))
    if bg and bg != "FFFFFFFF":
        target.fill = PatternFill(fill_type="solid", start_color=bg, end_color=bg)


def _validation_key(dv: dict[str, Any], ss: SpreadsheetState) -> tuple[Literal["list"], str, bool] | None:
    cond = dv.get("condition") or {}
    values = [v.get("userEnteredValue", "") for v in cond.get("values", [])]
    strict = bool(dv.get("strict"))
    if cond.get("type") == "ONE_OF_LIST":
        return "list", '"' + ",".join(v.replace('"', '""') for v in values) + '"', strict
    if cond.get("type") == "ONE_OF_RANGE" and values:
        ref = values[0]
        return "list", ref if ref.startswith("=") else "=" + ref, strict
    return None  # other validation kinds have no faithful Excel form; Google drops some too
