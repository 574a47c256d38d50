"""Where things are in a client's spreadsheet, and how its cells read: sheets by kind, columns by key.

Columns are found by key, never by position: first by header text (either locale, so it costs no
call), then by the ``sheetsync.column=<key>`` developer metadata on the header column when a header
was edited. A column found by neither is reported missing; the sync then leaves that field alone
rather than risk writing a value under the wrong header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..templates import DYNAMIC_VOCABULARIES, SheetSpec, Templates, Vocabulary
from .normalise import FieldType, from_sheet
from .plan import KEY_FIELD, SheetRow

if TYPE_CHECKING:
    from sheetsync.ports import StorePort

SYNCED_KINDS = ("backlog", "in_work")
META_SHEET = "sheetsync.sheet"
META_COLUMN = "sheetsync.column"


def field_types(templates: Templates, dynamic: Mapping[str, Any]) -> dict[str, FieldType]:
    """The type of every synced field, from the templates and the store's dynamic vocabularies."""
    out: dict[str, FieldType] = {}
    for kind in SYNCED_KINDS:
        for col in templates[kind].columns:
            if col.computed or col.key in out:
                continue
            out[col.key] = column_type(col, templates, dynamic)
    return out


def store_vocabularies(store: StorePort) -> dict[str, Any]:
    """The store's dynamic vocabularies as they are now: specialists' emails, task types (key -> the
    config's name, the label of last resort) and roles. One place, so provisioning and the sync agree."""
    specialists, task_types = store.specialists.list(), store.task_types.list()
    return {
        "specialists": [s.email for s in specialists],
        "task_types": {t.key: t.name for t in task_types},
        "roles": sorted({s.role for s in specialists} | {t.role for t in task_types}),
    }


def store_field_types(store: StorePort, templates: Templates) -> dict[str, FieldType]:
    """`field_types` with the store's vocabularies (specialists, task types, roles) as they are now."""
    return field_types(templates, store_vocabularies(store))


def column_type(col: Any, templates: Templates, dynamic: Mapping[str, Any]) -> FieldType:
    lo = int(col.validation.min) if col.validation and col.validation.min is not None else None
    hi = int(col.validation.max) if col.validation and col.validation.max is not None else None
    if col.type == "enum":
        name = col.vocabulary or ""
        if name in DYNAMIC_VOCABULARIES:
            values = dynamic.get(name) or ()
            if name == "specialists":
                return FieldType("email", allowed=frozenset(v.lower() for v in values) or None)
            if not values:
                return FieldType("text")
            vocab = Vocabulary.dynamic(name, values, templates.vocabularies.get(name),
                                       values if isinstance(values, Mapping) else None)
        else:
            vocab = templates.vocabularies[name]
        labels = {e.value: {"ru": e.ru, "en": e.en} for e in vocab.values}
        return FieldType("enum", labels=labels)
    kind = {"int": "int", "number": "number", "hours": "hours", "date": "date", "text": "text", "bool": "bool",
            "email": "email", "period": "period"}.get(col.type, "text")
    if kind in ("int", "number", "hours"):  # the sheet's own validation bounds what the sync accepts
        return FieldType(kind, min=lo, max=hi)
    return FieldType(kind)


@dataclass(frozen=True)
class SheetLayout:
    """One synced sheet as found: its title and id, and the 0-based column of each key found.

    A value: what a sync learns (the columns under the header, a grid grown or shrunk) makes a new one.
    """

    kind: str
    title: str
    sheet_id: int | None = None
    row_count: int | None = None
    columns: Mapping[str, int] = field(default_factory=dict)
    missing: Sequence[str] = ()
    computed: Mapping[str, int] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        """Synced fields found on this sheet (without the ID)."""
        return [k for k in self.columns if k != KEY_FIELD]

    def with_columns(self, columns: Mapping[str, int], computed: Mapping[str, int], missing: Sequence[str]
                     ) -> SheetLayout:
        """This sheet with the columns found under its header (:func:`map_columns`)."""
        return replace(self, columns=columns, computed=computed, missing=missing)

    def resized(self, rows: int) -> SheetLayout:
        """This sheet with ``rows`` more grid rows (fewer when negative); unchanged while its size is unknown."""
        return self if self.row_count is None else replace(self, row_count=self.row_count + rows)


def _fold(s: Any) -> str:
    return " ".join(str(s).split()).casefold() if s is not None else ""


def map_columns(spec: SheetSpec, header: Sequence[Any], meta_columns: Mapping[str, int] | None = None
                ) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """(synced columns, computed columns, missing keys) for a header row; metadata wins over text."""
    by_text: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        by_text.setdefault(_fold(h), []).append(i)
    found: dict[str, int] = {}
    computed: dict[str, int] = {}
    missing: list[str] = []
    for col in spec.columns:
        idx: int | None = None
        if meta_columns and col.key in meta_columns:
            idx = meta_columns[col.key]
        else:
            hits = sorted({i for text in {_fold(col.header.ru), _fold(col.header.en)} for i in by_text.get(text, [])})
            if len(hits) == 1:
                idx = hits[0]
        if idx is None:
            missing.append(col.key)
        elif col.computed:
            computed[col.key] = idx
        else:
            found[col.key] = idx
    return found, computed, missing


def read_rows(layout: SheetLayout, values: Sequence[Sequence[Any]], types: Mapping[str, FieldType],
              locale: str, memo: dict[tuple[Any, ...], Any] | None = None) -> list[SheetRow]:
    """The data rows (row 2 on) of a values:batchGet answer, normalised; empty rows are skipped.

    ``memo`` (raw cells -> normalised row, kept by the caller between reads of one sheet with the same
    columns, types and locale) spares re-normalising rows whose raw values did not change; it is
    refilled with this read's rows only, so it never outgrows the sheet.
    """
    out: list[SheetRow] = []
    key_col = layout.columns.get(KEY_FIELD)
    known = set(layout.columns.values()) | set(layout.computed.values())
    old = dict(memo) if memo is not None else None
    if memo is not None:
        memo.clear()
    for i, raw in enumerate(values[1:], start=2):
        cells = list(raw)
        if old is not None:
            try:
                sig: tuple[Any, ...] | None = tuple(cells)
                hit = old.get(sig)
            except TypeError:  # an unhashable cell value: normalise it the long way
                sig, hit = None, None
            if hit is not None:
                memo[sig] = hit  # type: ignore[index]
                row = SheetRow(layout.kind, i, *hit)  # (key, values, errors, other, shows_key)
                if not row.blank:
                    out.append(row)
                continue
        else:
            sig = None

        def at(c: int | None, cells: list[Any] = cells) -> Any:
            return cells[c] if c is not None and c < len(cells) else None

        key_raw = at(key_col)
        key = str(key_raw).strip().upper() if key_raw not in (None, "") and str(key_raw).strip() else None
        vals: dict[str, Any] = {}
        errors: dict[str, tuple[str | None, str]] = {}
        shows_key: set[str] = set()
        for f in layout.fields:
            raw_v = at(layout.columns[f])
            ft = types.get(f, FieldType("text"))
            v, err = from_sheet(raw_v, ft, locale)
            if err:
                errors[f] = (str(raw_v), err)
            else:
                vals[f] = v
                if ft.kind == "enum" and v is not None and _shows_key(raw_v, v, ft, locale):
                    shows_key.add(f)
        other = any(c not in known and v not in (None, "") for c, v in enumerate(cells))
        row = SheetRow(layout.kind, i, key, vals, errors, other, frozenset(shows_key))
        if memo is not None and sig is not None:
            memo[sig] = (key, vals, errors, other, row.shows_key)
        if not row.blank:
            out.append(row)
    return out


def _shows_key(raw: Any, value: str, ft: FieldType, locale: str) -> bool:
    """A cell holding an enum's store key where the sheet shows a different label in ``locale``."""
    label = ((ft.labels or {}).get(value) or {}).get(locale)
    if not label or raw == label or label == value:  # the common case first: the label itself
        return False
    return _fold(raw) == _fold(value) and _fold(raw) != _fold(label)
