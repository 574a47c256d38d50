"""Layout + marks -> the month tab's values and one structural ``:batchUpdate`` (pure).

The tab is generated: every refresh rewrites all of it (values with RAW input, so a description
like ``=cmd`` stays text), and the structural batch resets formats and notes, then sets number
formats, status colours, the grey struck-through marks with their notes, totals styling and one
protection: the whole tab is protected except the cells accounts edit on live invoice rows
(amount, status, planned date, paid date).

Columns (fixed, so the sync finds them): ID | client | description | amount | status |
planned date | paid on | moves | one per week | month.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..sheets.a1 import col_letter
from ..sheets.values import date_to_serial
from ..templates import Templates, Vocabulary, load_templates
from ..vocabulary import Words, local_number, locale_of
from .layout import MonthLayout, Row, Totals, Warning
from .marks import Mark

FIELDS = ("key", "client", "description", "amount", "status", "planned_date", "paid_date", "moves")
COL = {f: i for i, f in enumerate(FIELDS)}
EDITABLE = ("amount", "status", "planned_date", "paid_date")
FIRST_WEEK_COL = len(FIELDS)
GREY = {"red": 0.6, "green": 0.6, "blue": 0.6}
LIGHT = {"red": 0.93, "green": 0.93, "blue": 0.93}
RED = {"red": 0.8, "green": 0.0, "blue": 0.0}
MONEY = {"type": "NUMBER", "pattern": "#,##0.00"}
DATE = {"type": "DATE", "pattern": "dd.mm.yyyy"}
SUMMARY_SHEET_ID = 1

TEXT = Words({
    "moves": ("Переносы", "Moves"),
    "month": ("Месяц", "Month"),
    "plan": ("План", "Plan"),
    "forecast": ("Прогноз", "Forecast"),
    "fact": ("Факт", "Fact"),
    "gap": ("Разрыв с планом", "Gap to plan"),
    "all": ("Все отделы", "All departments"),
    "none": ("Без отдела", "No department"),
    "carried": ("→ перенесён в {month}", "→ carried to {month}"),
    "minimum": ("минимум {amount}", "minimum {amount}"),
    "last_week": ("⚠ {scope}: {share:.0%} прогноза месяца ({amount}) приходится на последнюю неделю "
                  "(порог {limit:.0%})",
                  "⚠ {scope}: {share:.0%} of the month's forecast ({amount}) falls in the last week "
                  "(limit {limit:.0%})"),
    "last_days": ("⚠ {scope}: {share:.0%} прогноза месяца ({amount}) приходится на последние три рабочих "
                  "дня ({days}) (порог {limit:.0%})",
                  "⚠ {scope}: {share:.0%} of the month's forecast ({amount}) falls in the last three working "
                  "days ({days}) (limit {limit:.0%})"),
    "summary": ("Сводка", "Summary"),
})


def t(name: str, locale: str, **kw: Any) -> str:
    return TEXT(name, locale, **kw)


def serial(day: dt.date | None) -> int | str:
    return "" if day is None else date_to_serial(day)


def number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def money(d: Decimal, locale: str) -> str:
    return local_number(f"{d:,.2f}", locale_of(locale, "en"))


def sheet_id_for(month: str) -> int:
    """A stable sheetId per month tab (202611), so one batch can add a tab and format it."""
    return int(month.replace("-", ""))


def _rgb(hex_colour: str | None) -> dict[str, float] | None:
    if not hex_colour:
        return None
    h = hex_colour.lstrip("#")
    return {c: int(h[i:i + 2], 16) / 255 for c, i in (("red", 0), ("green", 2), ("blue", 4))}


@dataclass
class Rendered:
    """One generated tab: its grid of values and the formatting requests for it."""

    title: str
    sheet_id: int
    values: list[list[Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # live invoice key -> 0-based row
    base: dict[tuple[str, str], Any] = field(default_factory=dict)  # (key, field) -> canonical value written
    unprotected: list[tuple[int, int, int, int]] = field(default_factory=list)  # row1, row2, col1, col2 (0-based)
    cell_requests: list[dict[str, Any]] = field(default_factory=list)  # per-cell formats and notes, applied last

    @property
    def width(self) -> int:
        return max((len(r) for r in self.values), default=1)


def _grid(sheet_id: int, r1: int, r2: int, c1: int, c2: int) -> dict[str, int]:
    return {"sheetId": sheet_id, "startRowIndex": r1, "endRowIndex": r2, "startColumnIndex": c1,
            "endColumnIndex": c2}


def _format(sheet_id: int, r1: int, r2: int, c1: int, c2: int, fmt: dict[str, Any], fields: str
            ) -> dict[str, Any]:
    return {"repeatCell": {"range": _grid(sheet_id, r1, r2, c1, c2), "cell": {"userEnteredFormat": fmt},
                           "fields": fields}}


def _note(sheet_id: int, row: int, col: int, note: str) -> dict[str, Any]:
    return {"updateCells": {"range": _grid(sheet_id, row, row + 1, col, col + 1), "rows": [{"values": [{"note": note}]}],
                            "fields": "note"}}


def render_month(layout: MonthLayout, marks: Mapping[tuple[str, int], Mark], *, locale: str = "ru",
                 templates: Templates | None = None, typed: Mapping[tuple[str, str], Any] | None = None,
                 notes: Mapping[tuple[str, str], str] | None = None) -> Rendered:
    """The month tab. ``typed``/``notes``: invalid values an account typed, kept in their cells with a note."""
    templates = templates or load_templates()
    spec = templates["invoices"]
    status_vocab: Vocabulary = templates.vocabularies["invoice_status"]
    typed, notes = typed or {}, notes or {}
    sid = sheet_id_for(layout.month)
    weeks = layout.weeks
    month_col = FIRST_WEEK_COL + len(weeks)
    width = month_col + 1
    header = [spec.column(f).header.get(locale) if f in spec.keys else t(f, locale) for f in FIELDS]
    header += [w.label for w in weeks] + [t("month", locale)]
    out = Rendered(layout.month, sid, [header])
    req = out.requests
    bold = {"textFormat": {"bold": True}}
    req.append(_format(sid, 0, 1, 0, width, {**bold, "backgroundColor": LIGHT}, "userEnteredFormat(textFormat,backgroundColor)"))

    def totals_rows(label_scope: str, totals: Totals) -> None:
        for name in ("plan", "forecast", "fact", "gap"):
            values = totals.gap if name == "gap" else getattr(totals, name)
            month_total = sum(values, Decimal(0))
            r = len(out.values)
            out.values.append([t(name, locale), label_scope, *[""] * (FIRST_WEEK_COL - 2),
                               *[number(v) for v in values], number(month_total)])
            req.append(_format(sid, r, r + 1, 0, 2, {"textFormat": {"italic": True}}, "userEnteredFormat.textFormat"))
            if name == "gap":
                for c, v in enumerate([*values, month_total], start=FIRST_WEEK_COL):
                    if v > 0:
                        req.append(_format(sid, r, r + 1, c, c + 1, {"textFormat": {"foregroundColor": RED, "bold": True}},
                                           "userEnteredFormat.textFormat"))

    for block in layout.blocks:
        dep = block.department
        name = dep.name if dep.key is not None else t("none", locale)
        r = len(out.values)
        out.values.append([name, "", t("minimum", locale, amount=money(dep.minimum, locale)) if dep.minimum else "",
                           *[""] * (width - 3)])
        req.append(_format(sid, r, r + 1, 0, width, {**bold, "backgroundColor": LIGHT},
                           "userEnteredFormat(textFormat,backgroundColor)"))
        first_live = None
        for row in block.rows:
            r = len(out.values)
            out.values.append(_invoice_row(row, r, layout, marks, out, locale, status_vocab, typed, notes))
            if row.week is not None:
                out.rows[row.invoice.key] = r
                first_live = r if first_live is None else first_live
        if first_live is not None:
            last = max(out.rows[r.invoice.key] for r in block.rows if r.week is not None)
            out.unprotected.append((first_live, last + 1, COL["amount"], COL["paid_date"] + 1))
        totals_rows(name, block.totals)
        out.values.append([""] * width)
    r = len(out.values)
    out.values.append([t("all", locale), *[""] * (width - 1)])
    req.append(_format(sid, r, r + 1, 0, width, {**bold, "backgroundColor": LIGHT},
                       "userEnteredFormat(textFormat,backgroundColor)"))
    totals_rows(t("all", locale), layout.totals)
    first_data, last_data = 1, len(out.values)
    if layout.warnings:
        out.values.append([""] * width)
    names = {b.department.key: (b.department.name if b.department.key is not None else t("none", locale))
             for b in layout.blocks}
    for w in layout.warnings:
        r = len(out.values)
        out.values.append([warning_text(w, names, layout, locale), *[""] * (width - 1)])
        req.append(_format(sid, r, r + 1, 0, 1, {"textFormat": {"foregroundColor": RED, "bold": True}},
                           "userEnteredFormat.textFormat"))
    # number formats: amounts, dates, weeks and month columns
    req.append(_format(sid, first_data, last_data, COL["amount"], COL["amount"] + 1, {"numberFormat": MONEY},
                       "userEnteredFormat.numberFormat"))
    req.append(_format(sid, first_data, last_data, COL["planned_date"], COL["paid_date"] + 1, {"numberFormat": DATE},
                       "userEnteredFormat.numberFormat"))
    req.append(_format(sid, first_data, last_data, FIRST_WEEK_COL, width, {"numberFormat": MONEY},
                       "userEnteredFormat.numberFormat"))
    req.extend(out.cell_requests)
    if out.rows:
        labels = status_vocab.labels(locale)
        for r1, r2, _c1, _c2 in out.unprotected:
            req.append({"setDataValidation": {
                "range": _grid(sid, r1, r2, COL["status"], COL["status"] + 1),
                "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in labels]},
                         "strict": False, "showCustomUi": True}}})
    return out


def warning_text(w: Warning, names: Mapping[str | None, str], layout: MonthLayout, locale: str) -> str:
    scope = names.get(w.scope, w.scope or "") if w.scope is not None else t("all", locale)
    days = ", ".join(f"{d:%d.%m}" for d in layout.last_days)
    return t(w.kind, locale, scope=scope, share=w.share, amount=money(w.amount, locale), limit=w.limit, days=days)


def _invoice_row(row: Row, r: int, layout: MonthLayout, marks: Mapping[tuple[str, int], Mark], out: Rendered,
                 locale: str, vocab: Vocabulary, typed: Mapping[tuple[str, str], Any],
                 notes: Mapping[tuple[str, str], str]) -> list[Any]:
    inv = row.invoice
    sid = out.sheet_id
    tail = out.cell_requests
    weeks = layout.weeks
    month_col = FIRST_WEEK_COL + len(weeks)
    live = row.week is not None
    status = vocab.label(inv.status, locale) if live else t("carried", locale, month=row.carried_to)
    values: list[Any] = [inv.key, inv.client_name, inv.description, number(inv.amount), status,
                         serial(inv.planned_date), serial(inv.paid_date), len(inv.moves)]
    values += [""] * (len(weeks) + 1)
    if live:
        out.base.update({(inv.key, "amount"): _canon_amount(inv.amount), (inv.key, "status"): inv.status,
                         (inv.key, "planned_date"): inv.planned_date.isoformat(),
                         (inv.key, "paid_date"): inv.paid_date.isoformat() if inv.paid_date else None})
        for fld in EDITABLE:
            if (inv.key, fld) in typed:
                values[COL[fld]] = typed[(inv.key, fld)]
            if (inv.key, fld) in notes:
                tail.append(_note(sid, r, COL[fld], notes[(inv.key, fld)]))
    for (key, w), mark in marks.items():
        if key != inv.key:
            continue
        c = FIRST_WEEK_COL + w
        tail.append(_note(sid, r, c, mark.note))
        if live and w == row.week:
            continue  # moved away and back: the live amount stands here, the note tells the story
        values[c] = number(mark.amount)
        tail.append(_format(sid, r, r + 1, c, c + 1,
                            {"textFormat": {"strikethrough": True, "foregroundColor": GREY}},
                            "userEnteredFormat.textFormat"))
    if row.week is not None:  # live
        c = FIRST_WEEK_COL + row.week
        values[c] = number(inv.amount)
        if inv.status != "cancelled":
            values[month_col] = number(inv.amount)
        colour = _rgb(next((e.colour for e in vocab.values if e.value == inv.status), None))
        if colour:
            tail.append(_format(sid, r, r + 1, c, c + 1, {"backgroundColor": colour}, "userEnteredFormat.backgroundColor"))
            tail.append(_format(sid, r, r + 1, COL["status"], COL["status"] + 1, {"backgroundColor": colour},
                                "userEnteredFormat.backgroundColor"))
        if inv.status == "cancelled":
            tail.append(_format(sid, r, r + 1, 0, month_col + 1, {"textFormat": {"foregroundColor": GREY}},
                                "userEnteredFormat.textFormat"))
    else:
        tail.append(_format(sid, r, r + 1, 0, FIRST_WEEK_COL, {"textFormat": {"foregroundColor": GREY,
                                                                                "italic": True}},
                            "userEnteredFormat.textFormat"))
    return values


def _canon_amount(d: Decimal) -> str:
    from ..sync.normalise import canon_number

    return canon_number(d)


def render_summary(frame: Any, *, locale: str = "ru") -> Rendered:
    """The summary tab: per-client payment behaviour (a DataFrame from :mod:`.report`)."""
    from .report import CLIENT_COLUMNS

    sid = SUMMARY_SHEET_ID
    header = [CLIENT_COLUMNS[c][locale_of(locale)] for c in CLIENT_COLUMNS]
    out = Rendered(t("summary", locale), sid, [header])
    for rec in frame.to_dict("records"):
        out.values.append([_cell(rec[c]) for c in CLIENT_COLUMNS])
    n = len(out.values)
    out.requests += [
        _format(sid, 0, 1, 0, len(header), {"textFormat": {"bold": True}, "backgroundColor": LIGHT},
                "userEnteredFormat(textFormat,backgroundColor)"),
        _format(sid, 1, n, 3, 5, {"numberFormat": {"type": "NUMBER", "pattern": "0.0"}}, "userEnteredFormat.numberFormat"),
        _format(sid, 1, n, 5, 7, {"numberFormat": MONEY}, "userEnteredFormat.numberFormat"),
    ]
    return out


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return number(v)
    if isinstance(v, float):
        return "" if v != v else round(v, 1)  # NaN: no paid invoice yet
    if hasattr(v, "item"):  # numpy scalars
        return _cell(v.item())
    return v


_FORMAT_PARTS = re.compile(r"^userEnteredFormat(?:\.(\w+)|\(([\w,]+)\))$")


def compile_cells(tab: Rendered, rows: int, cols: int) -> dict[str, Any]:
    """``tab.requests`` (repeatCell formats, notes, data validation, in order) folded into ONE ``updateCells``
    over the whole ``rows`` x ``cols`` grid: what it does not set is cleared, so it also resets the tab."""
    grid: dict[tuple[int, int], dict[str, Any]] = {}
    for req in tab.requests:
        kind, body = next(iter(req.items()))
        rng = body["range"]
        cells = [(r, c) for r in range(rng["startRowIndex"], rng["endRowIndex"])
                 for c in range(rng["startColumnIndex"], rng["endColumnIndex"])]
        if kind == "repeatCell":
            m = _FORMAT_PARTS.match(body["fields"])
            if m is None:
                raise ValueError(f"cannot fold fields {body['fields']!r}")
            parts = [m[1]] if m[1] else m[2].split(",")
            src = body["cell"]["userEnteredFormat"]
            for rc in cells:
                fmt = grid.setdefault(rc, {}).setdefault("userEnteredFormat", {})
                for part in parts:  # a field mask replaces the whole named part, as Sheets does
                    if part in src:
                        fmt[part] = src[part]
                    else:
                        fmt.pop(part, None)
        elif kind == "updateCells":
            for rc in cells:
                grid.setdefault(rc, {})["note"] = body["rows"][0]["values"][0]["note"]
        elif kind == "setDataValidation":
            for rc in cells:
                grid.setdefault(rc, {})["dataValidation"] = body["rule"]
        else:
            raise ValueError(f"cannot fold a {kind} request")
    last = max((r for r, _c in grid), default=-1) + 1
    data = [{"values": [grid.get((r, c), {}) for c in range(cols)]} for r in range(last)]
    return {"updateCells": {"range": _grid(tab.sheet_id, 0, rows, 0, cols), "rows": data,
                            "fields": "userEnteredFormat,note,dataValidation"}}


def structural(tab: Rendered, *, existing: Mapping[str, Any] | None, protected_ids: Sequence[int], owner: str,
               frozen_columns: int = 1) -> list[dict[str, Any]]:
    """The whole ``:batchUpdate`` for one tab: add or resize it, one ``updateCells`` that resets and sets every
    format, note and dropdown (``tab.requests`` folded), and the protection (owner only, except
    ``tab.unprotected``)."""
    sid = tab.sheet_id
    rows, cols = len(tab.values) + 20, tab.width
    out: list[dict[str, Any]] = []
    if existing is None:
        out.append({"addSheet": {"properties": {"sheetId": sid, "title": tab.title, "gridProperties": {
            "rowCount": rows, "columnCount": cols, "frozenRowCount": 1, "frozenColumnCount": frozen_columns}}}})
    else:
        grid = existing.get("gridProperties", {})
        rows, cols = max(rows, grid.get("rowCount", 0)), max(cols, grid.get("columnCount", 0))
        out.append({"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
            "rowCount": rows, "columnCount": cols, "frozenRowCount": 1, "frozenColumnCount": frozen_columns}},
            "fields": "gridProperties(rowCount,columnCount,frozenRowCount,frozenColumnCount)"}})
        out.extend({"deleteProtectedRange": {"protectedRangeId": pid}} for pid in protected_ids)
    out.append(compile_cells(tab, rows, cols))
    out.append({"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": sid},
        "description": "sheetsync: generated from the store; edit amount, status and dates of an invoice only",
        "editors": {"users": [owner]},
        "unprotectedRanges": [_grid(sid, r1, r2, c1, c2) for r1, r2, c1, c2 in tab.unprotected],
    }}})
    return out


def value_range(tab: Rendered, old_rows: int = 0, old_cols: int = 0) -> tuple[str, list[list[Any]]]:
    """The A1 range and rows that rewrite the tab, blanking whatever an older, larger version left."""
    rows = max(len(tab.values), old_rows)
    cols = max(tab.width, old_cols)
    grid = [[*r, *[""] * (cols - len(r))] for r in tab.values]
    grid += [[""] * cols for _ in range(rows - len(grid))]
    title = tab.title.replace("'", "''")
    return f"'{title}'!A1:{col_letter(cols)}{rows}", grid
