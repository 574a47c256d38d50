"""Accounts' edits in a month tab -> the store, with the task sync's guarantees.

Accounts edit an invoice's amount, status (planned → issued → paid), planned date and paid date.
Each cell is read unformatted, normalised by :mod:`sheetsync.sync.normalise` (the same readers as
tasks, so "1 500,00", 1500 and "1500" are one value) and merged three ways against the base
recorded when the tab was last written (:func:`sheetsync.sync.merge.merge`, the tasks' decision table):

* sheet == store: nothing; sheet == base != store: the store changed, the rewrite shows it;
* store == base != sheet: the account's edit goes to the store (origin ``sheet``), through
  ``store.invoices.update`` so the change log and ``InvoiceMove`` (a later week) are written there;
* all three differ: a conflict, resolved by ``sync.conflict_policy.default``, recorded in the
  conflicts table and noted on the cell; the losing value is never dropped;
* an invalid value is not applied: it stays in its cell with a note saying why, and is listed
  (``sheetsync status``); the last good value stays in the store.

:func:`decide` is pure; :func:`apply` does the store writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..store.errors import ConcurrentUpdateError, StoreError
from ..store.values import MAX_MONEY
from ..sync.cellerrors import formula_error
from ..sync.merge import merge
from ..sync.normalise import DATE, Canon, FieldType, expected_format, from_sheet, to_store
from ..templates import Vocabulary
from ..vocabulary import NUMBER_MARKS, Words, locale_of
from .render import COL, EDITABLE

if TYPE_CHECKING:
    from sheetsync.ports import StorePort

KEY_RE = re.compile(r"^INV-\d{1,12}$")
_ISO_WEEK = re.compile(r"^(?:(\d{4})-?)?W(\d{1,2})$", re.IGNORECASE)
_WEEK_LABEL = re.compile(r"^(\d{1,2})\.(\d{1,2})\s*[–—-]\s*\d{1,2}\.\d{1,2}$")
AMOUNT = FieldType("number")
REQUIRED = frozenset({"amount", "status", "planned_date"})
YEARS = 5  # a date typed into a month's tab must lie within this many years of the tab's year
MAX_AMOUNT = Decimal(MAX_MONEY)  # the store's numeric(14, 2)


def date_window(month: str) -> tuple[dt.date, dt.date]:
    """The dates a month tab accepts: 1 January five years before the tab's year to 31 December five years
    after (``2026-11``: 01.01.2021–31.12.2031); a wider one is a typo that would open a far month's tab."""
    year = int(month[:4])
    return dt.date(year - YEARS, 1, 1), dt.date(year + YEARS, 12, 31)


# what the sync says in the turnover sheet; a locale other than ru reads English
_SAY = Words({
    "got": ("«{raw}» не подходит. ", "“{raw}” is not valid. "),
    "date": ("Дата в формате ДД.ММ.ГГГГ с {lo:%d.%m.%Y} по {hi:%d.%m.%Y}, например 24.11.2026",
             "Date as DD.MM.YYYY from {lo:%d.%m.%Y} to {hi:%d.%m.%Y}, e.g. 24.11.2026"),
    "or_week": (", или неделя: 2026-W48, 23.11–29.11", ", or a week: 2026-W48, 23.11–29.11"),
    "empty": ("(пусто)", "(empty)"),
    "kept_sheet": ("значение из таблицы", "the sheet's value"),
    "kept_store": ("значение из системы", "the store's value"),
    "conflict": ("sheetsync: конфликт — в таблице {sheet}, в системе {store} (было {base}); оставлено {kept}. "
                 "Список: `sheetsync conflicts`; выбрать значение: {ref}sheet|store|ЗНАЧЕНИЕ`.",
                 "sheetsync: conflict — sheet {sheet}, store {store} (was {base}); kept {kept}. "
                 "See `sheetsync conflicts`; to choose: {ref}sheet|store|VALUE`."),
    "not_negative": (" не меньше 0", " ≥ 0"),
    "at_most": ("  не больше {n}", ", at most {n}"),  # (ru: the comma before it has always come out as a space)
    "required": ("Обязательное поле: {what}", "Required: {what}"),
    "kept": (" Оставлено прежнее значение: {kept}.", " The last good value stays: {kept}."),
    "reason": ("изменено в таблице", "changed in the sheet"),
}, default="en")


def _date_expected(raw: Any, locale: str, window: tuple[dt.date, dt.date], week: bool) -> str:
    lo, hi = window
    got = "" if raw is None else _SAY("got", locale, raw=raw)
    return got + _SAY("date", locale, lo=lo, hi=hi) + (_SAY("or_week", locale) if week else "")


def field_types(vocab: Vocabulary) -> dict[str, FieldType]:
    status = FieldType("enum", labels={e.value: {"ru": e.ru, "en": e.en} for e in vocab.values})
    return {"amount": AMOUNT, "status": status, "planned_date": DATE, "paid_date": DATE}


@dataclass(frozen=True)
class Edit:
    key: str
    field: str
    value: Canon
    old: Canon


@dataclass(frozen=True)
class CellError:
    key: str
    field: str
    raw: Any
    message: str


@dataclass(frozen=True)
class CellConflict:
    key: str
    field: str
    sheet: Canon
    store: Canon
    base: Canon
    winner: str

    def note(self, locale: str, conflict_id: int | None = None) -> str:
        ref = f"`sheetsync conflicts resolve {conflict_id if conflict_id is not None else 'ID'} --take "

        def show(v: Canon) -> str:
            return _SAY("empty", locale) if v is None else v

        kept = _SAY("kept_sheet" if self.winner == "sheet" else "kept_store", locale)
        return _SAY("conflict", locale, sheet=show(self.sheet), store=show(self.store), base=show(self.base),
                    kept=kept, ref=ref)


@dataclass
class Decisions:
    edits: list[Edit] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    conflicts: list[CellConflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    valid: set[tuple[str, str]] = field(default_factory=set)  # cells read fine (their old errors resolve)


def sheet_rows(values: Sequence[Sequence[Any]]) -> dict[str, list[tuple[int, list[Any]]]]:
    """Invoice key -> [(0-based row, cells)] for every row whose ID cell holds an invoice key."""
    out: dict[str, list[tuple[int, list[Any]]]] = {}
    for i, row in enumerate(values):
        if row and isinstance(row[0], str) and KEY_RE.match(row[0].strip()):
            out.setdefault(row[0].strip(), []).append((i, list(row)))
    return out


def parse_week(raw: Any, month: str) -> Canon:
    """A week typed for the planned date -> the week's first day: ISO ``2026-W48`` / ``W48`` (Monday) or a
    week column's label such as ``23.11–29.11`` (its first day, in the tab's year)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    year = int(month[:4])
    m = _ISO_WEEK.match(text)
    try:
        if m:
            return dt.date.fromisocalendar(int(m[1] or year), int(m[2]), 1).isoformat()
        m = _WEEK_LABEL.match(text)
        if m:
            return dt.date(year, int(m[2]), int(m[1])).isoformat()
    except ValueError:
        return None
    return None


def decide(rows: Mapping[str, Sequence[tuple[int, Sequence[Any]]]], base: Mapping[tuple[str, str], Canon],
           store: Mapping[str, Mapping[str, Canon]], types: Mapping[str, FieldType], *, locale: str = "ru",
           winner: str = "sheet", month: str | None = None) -> Decisions:
    """The pure merge of one month tab. ``base`` holds the live rows written last time; only they sync."""
    out = Decisions()
    live = sorted({k for k, _f in base})
    for key in live:
        found = rows.get(key, [])
        if len(found) != 1:
            out.warnings.append(f"invoice {key}: {'missing from' if not found else 'on several rows of'} the tab; "
                                f"not synced, the rewrite puts it back")
            continue
        if key not in store:
            out.warnings.append(f"invoice {key} is no longer in the store (deleted); its row is dropped")
            continue
        _row, cells = found[0]
        for fld in EDITABLE:
            col = COL[fld]
            raw = cells[col] if col < len(cells) else None
            value, problem = from_sheet(raw, types[fld], locale)
            if problem is not None and fld == "planned_date" and month is not None:
                week = parse_week(raw, month)
                if week is not None:
                    value, problem = week, None
            if types[fld].kind == "date" and month is not None and formula_error(raw) is None:
                window = date_window(month)
                if problem is not None or (value is not None
                                           and not window[0].isoformat() <= value <= window[1].isoformat()):
                    shown = _show(value, types[fld], locale) if isinstance(raw, (int, float)) and value else raw
                    problem = _date_expected(shown, locale, window, fld == "planned_date")
            if problem is None and fld == "amount" and value is not None and value.startswith("-"):
                problem = expected_format(types[fld], locale, raw) + _SAY("not_negative", locale)
            if problem is None and fld == "amount" and value is not None and Decimal(value) >= MAX_AMOUNT:
                most = f"{MAX_AMOUNT - Decimal('0.01'):,.2f}".replace(",", NUMBER_MARKS[locale_of(locale, "en")][0])
                problem = expected_format(types[fld], locale, raw) + _SAY("at_most", locale, n=most)
            if problem is None and value is None and fld in REQUIRED:
                problem = _SAY("required", locale, what=expected_format(types[fld], locale))
            if problem is not None:
                kept = _show(store[key].get(fld), types[fld], locale)
                tail = _SAY("kept", locale, kept=kept)
                out.errors.append(CellError(key, fld, raw, f"sheetsync: {problem}.{tail}"))
                continue
            out.valid.add((key, fld))
            s, b = store[key].get(fld), base.get((key, fld))  # a cell missing from the base reads as empty
            m = merge(value, s, b, "sheet" if winner == "sheet" else "store")
            if m.conflict:
                out.conflicts.append(CellConflict(key, fld, value, s, b, winner))
            if m.winner == "sheet":  # the account's edit goes to the store; the store's shows on the rewrite
                out.edits.append(Edit(key, fld, value, s))
    return out


def _show(value: Canon, ft: FieldType, locale: str) -> str:
    """A canonical value as a person reads it in the sheet (24.11.2026, Paid)."""
    if value is None:
        return _SAY("empty", locale)
    if ft.kind == "date":
        return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
    if ft.kind == "enum" and ft.labels and value in ft.labels:
        return ft.labels[value].get(locale) or value
    return value


@dataclass
class Applied:
    pulled: int = 0
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (old month, new month)
    warnings: list[str] = field(default_factory=list)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    typed: dict[tuple[str, str], Any] = field(default_factory=dict)


def apply(store: StorePort, decisions: Decisions, types: Mapping[str, FieldType], *, spreadsheet_id: str, tab: str,
          clients: Mapping[str, str], versions: Mapping[str, int], actor: str = "sheet", locale: str = "ru",
          today: dt.date | None = None) -> Applied:
    """Write the decisions: store updates (one per invoice), conflicts, errors; returns notes for the rewrite."""
    out = Applied()
    open_errors = {(e.row_key, e.field): e.message for e in store.sync.errors()
                   if e.spreadsheet_id == spreadsheet_id and e.sheet == tab}
    for err in decisions.errors:
        out.typed[(err.key, err.field)] = err.raw
        out.notes[(err.key, err.field)] = err.message
        if open_errors.get((err.key, err.field)) != err.message:
            store.sync.add_error(clients[err.key], message=err.message, spreadsheet_id=spreadsheet_id, sheet=tab,
                                 row_key=err.key, field=err.field, value=err.raw)
    for key, fld in sorted(decisions.valid):
        if (key, fld) in open_errors:
            store.sync.resolve_errors(clients[key], row_key=key, field=fld)
    for c in decisions.conflicts:
        recorded = store.sync.add_conflict(clients[c.key], entity_key=c.key, field=c.field, sheet_value=c.sheet,
                                           store_value=c.store, base_value=c.base, winner=c.winner,
                                           policy="default")
        out.notes[(c.key, c.field)] = c.note(locale, recorded.id)
    by_key: dict[str, dict[str, Any]] = {}
    for e in decisions.edits:
        by_key.setdefault(e.key, {})[e.field] = to_store(e.value, types[e.field])
    for key, fields in sorted(by_key.items()):
        if fields.get("status") == "paid" and "paid_date" not in fields and today is not None:
            fields["paid_date"] = today  # paid without a date: paid today (the account can correct it)
        reason = _SAY("reason", locale)
        try:
            before = store.invoices.get(key).planned_date
            inv = store.invoices.update(key, fields, origin="sheet", actor=actor, reason=reason,
                                        expected_version=versions.get(key))
        except ConcurrentUpdateError:
            out.warnings.append(f"invoice {key} changed in the store while its tab was read; "
                                f"the sheet's edit is taken on the next refresh")
            continue
        except StoreError as exc:
            out.warnings.append(f"invoice {key}: edit not applied: {exc}")
            continue
        out.pulled += len(fields)
        if f"{before:%Y-%m}" != f"{inv.planned_date:%Y-%m}":
            out.moved[key] = (f"{before:%Y-%m}", f"{inv.planned_date:%Y-%m}")
    return out


def _same(read: Any, wrote: Any) -> bool:
    read, wrote = ("" if read is None else read), ("" if wrote is None else wrote)
    if isinstance(read, bool) or isinstance(wrote, bool):
        return read is wrote
    if isinstance(read, (int, float)) and isinstance(wrote, (int, float)):
        return float(read) == float(wrote)
    return read == wrote


def leave_unchanged(grid: list[list[Any]], rows: Mapping[str, int], read: Sequence[Sequence[Any]]
                    ) -> list[list[Any]]:
    """The values write with ``None`` (Sheets: "null values will be skipped") in every editable cell that
    already shows what the write would put there, in rows that hold the same invoice as when they were read.

    An account's edit typed after the confirm read and before this write lands in such a cell (the write
    only touches cells whose value changes) and is pulled by the next refresh, with its move, mark and
    change-log row. Only a cell this refresh itself changes, or a row that moved, can still be typed over in
    that instant — the race the Sheets API leaves open (no conditional write; docs/invoices.md)."""
    out = [list(r) for r in grid]
    for key, i in rows.items():
        if i >= len(read) or i >= len(out) or not read[i] or str(read[i][0]).strip() != key:
            continue
        for fld in EDITABLE:
            c = COL[fld]
            if c < len(out[i]) and _same(read[i][c] if c < len(read[i]) else None, out[i][c]):
                out[i][c] = None
    return out


def _key_of(row: Sequence[Any]) -> str | None:
    if row and isinstance(row[0], str) and KEY_RE.match(row[0].strip()):
        return row[0].strip()
    return None


def follow_rows(read: Sequence[Sequence[Any]], rows: Mapping[str, int], row_count: int, sheet_id: int
                ) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """``moveDimension`` requests that carry every invoice's row, as read, to the row the rewrite gives it,
    and the read as it stands after them.

    Sent in the structural ``:batchUpdate`` before the values write, they move whatever an account typed
    into the row since the read along with its invoice (Sheets moves a row's cells with it), so an invoice
    entering or leaving the block above — a new invoice, a move to another week — no longer puts another
    invoice's values over that edit; the values write then leaves the carried cells alone
    (:func:`leave_unchanged`). Greedy from the top: a row that must hold an invoice gets it from below; a
    row that must not, but holds an invoice still to be placed, gets the nearest other row from below
    (a header, total or blank row, all rewritten). ``row_count`` is the tab's row count after the resize;
    a shape the greedy cannot reach (too few rows) sends no moves (the rewrite is then by position)."""
    cur: list[list[Any]] = [list(r) for r in read[:row_count]] + [[] for _ in range(row_count - min(len(read),
                                                                                                       row_count))]
    keys = [_key_of(r) for r in cur]
    common = {k for k in keys if k is not None and k in rows and keys.count(k) == 1}
    target = {rows[k]: k for k in common}
    if not common or max(target) >= row_count:
        return [], [list(r) for r in read]
    requests: list[dict[str, Any]] = []

    def move(src: int, dst: int) -> None:  # row src ends at dst (dst <= src)
        requests.append({"moveDimension": {"source": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": src,
                                                      "endIndex": src + 1}, "destinationIndex": dst}})
        cur.insert(dst, cur.pop(src))
        keys.insert(dst, keys.pop(src))

    placed: set[str] = set()
    for t in range(max(target) + 1):
        want = target.get(t)
        if want is not None:
            j = keys.index(want)
            if j != t:
                move(j, t)
            placed.add(want)
        elif keys[t] in common and keys[t] not in placed:
            f = next((i for i in range(t + 1, row_count) if keys[i] not in common), None)
            if f is None:
                return [], [list(r) for r in read]
            move(f, t)
    return requests, cur
