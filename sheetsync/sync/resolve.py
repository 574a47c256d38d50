"""Settling a conflict: `sheetsync conflicts resolve ID --take sheet|store|VALUE`.

A conflict keeps both values of a field changed on both sides (the policy's winner was applied). A
person settles it by taking the sheet's value, the store's value, or a value of their own. The
choice goes through the store like any edit — one transaction holding the field update (an
``update`` row of the change log, when the value differs), a ``resolve`` row naming who settled it
and the value taken, and the conflict marked resolved — so the change counter moves and the next
sync writes the value to the cell and takes the conflict's note off (``note_cleared_at``).

Invoices (``INV-…``) are settled the same way through ``store.invoices.update``; the turnover
refresh rewrites the tab from the store and every note with it, so there is no note left to clear.

A VALUE is read as the sheet reads a typed cell (:func:`sheetsync.sync.normalise.from_sheet`):
``24.11.2026`` for a date, ``Готово``/``Done``/``done`` for a status, ``2,5`` for hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store.errors import ConflictResolvedError, InvalidValueError
from ..store.values import loads
from .normalise import Canon, FieldType, expected_format, from_sheet, to_store

if TYPE_CHECKING:
    from sheetsync.ports import StorePort

TAKES = ("sheet", "store")


@dataclass(frozen=True)
class Resolution:
    conflict_id: int
    key: str
    field: str
    take: str  # 'sheet', 'store' or 'value'
    value: Canon  # the canonical value now in the store
    changed: bool  # False: the store already held it (only the note is left to clear)


def resolve_conflict(store: StorePort, conflict_id: int, take: str, *, actor: str, origin: str = "cli",
                     templates: Any = None) -> Resolution:
    """Apply the chosen value through the store, log the resolution, close the conflict.

    Raises NotFoundError (no such conflict), ConflictResolvedError (settled already) or
    InvalidValueError (a VALUE that does not read for the field; the message says what is expected).
    """
    c = store.sync.get_conflict(conflict_id)
    if c.resolved_at is not None:
        raise ConflictResolvedError(f"conflict {conflict_id} was already resolved by {c.resolved_by or 'someone'} "
                                    f"on {c.resolved_at:%Y-%m-%d %H:%M} UTC")
    invoice = c.entity_key.startswith("INV-")
    ft = _field_type(store, c.field, invoice, templates)
    kind = take if take in TAKES else "value"
    if take == "sheet":
        canon = _canon(loads(c.sheet_value))
    elif take == "store":
        canon = _canon(loads(c.store_value))
    else:
        canon, problem = from_sheet(take, ft, "en")
        if problem is not None:
            raise InvalidValueError(c.field, take, _expected(ft, take) + " (or --take sheet / --take store)")
    value = to_store(canon, ft)
    if value is None and c.field in ("expected_result", "client_comment", "internal_note", "plan_note"):
        value = ""  # the store keeps empty text as ""
    old, new = store.sync.settle_conflict(conflict_id, value, origin=origin, actor=actor)
    return Resolution(conflict_id, c.entity_key, c.field, kind, canon, changed=old != new)


def _canon(v: Any) -> Canon:
    return None if v is None else str(v)


def _field_type(store: StorePort, field: str, invoice: bool, templates: Any) -> FieldType:
    from ..templates import load_templates

    templates = templates or load_templates()
    if invoice:
        from ..invoices.sync import field_types

        return field_types(templates.vocabularies["invoice_status"]).get(field, FieldType("text"))
    from .layout import store_field_types

    return store_field_types(store, templates).get(field, FieldType("text"))


def _expected(ft: FieldType, raw: str) -> str:
    text = expected_format(ft, "en")
    if ft.kind == "enum" and ft.labels:
        text = "one of " + ", ".join(f"{v} ({labels.get('en', v)})" for v, labels in ft.labels.items())
    return text
