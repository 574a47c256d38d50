"""What the base must say after a write that fell on another task's row (see rowmeta.py).

A sort between the ID-check read and the values write can move another task under a row's
address; the write's own response shows it. Nothing is pulled from such a row as a person's edit:

* the intended task keeps its old base for the cells it did not get, so the next sync sees the
  store ahead of the sheet and pushes again (to wherever the task is by then);
* the task whose row received the values gets them recorded as our *pending* write, so the next
  sync recognises them as ours (not a person's edit) and puts that task's own values back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .actions import AppendRow, CreateTask, WriteCell
from .plan import Plan, SheetRow

DROP = object()  # an adjustment that removes a base cell
PENDING = "~pending"  # the base's sheet for values being written, not yet known to have landed (execute uses it)


def keys_at(rows: Mapping[tuple[str, int], SheetRow]) -> dict[tuple[str, int], str]:
    """(sheet, row) -> the key the ID-check read saw there."""
    return {at: r.key for at, r in rows.items() if r.key}


def keyed_rows(plan: Plan, keys: Mapping[str, str], rows: Mapping[tuple[str, int], SheetRow]
               ) -> dict[tuple[str, int], str]:
    """Every row that holds a task key after this sync's write (for its row metadata)."""
    out = keys_at(rows)
    for a in plan.actions:
        if isinstance(a, AppendRow):
            out[(a.sheet, a.row)] = a.key
        elif isinstance(a, CreateTask) and a.target is not None:
            out[a.target] = keys[a.token]
    return out


def base_adjustments(ctx: Any, plan: Plan, landed: Any, warnings: list[str]) -> dict[tuple[str, str, str], Any]:
    """Base cells to override in ``record_base`` for writes that missed their row (empty: none did)."""
    missed = [(at, key, found) for at, key, found in landed.misplaced] + [(at, key, None) for at, key in landed.gone]
    if not missed:
        return {}
    old = ctx.store.sync.get_base(ctx.spreadsheet_id)
    out: dict[tuple[str, str, str], Any] = {}
    for (sheet, row), key, found in missed:
        written = {a.field: a.value for a in plan.actions
                   if isinstance(a, WriteCell) and (a.sheet, a.row) == (sheet, row)}
        home = plan.base[key].sheet if key in plan.base else sheet
        for f, v in written.items():
            was = [val for (sh, k, fld), val in old.items() if k == key and fld == f and sh != PENDING]
            out[(home, key, f)] = was[0] if was else DROP
            if found is not None and found != key:
                out[(PENDING, found, f)] = v
        if found is None and (sheet, row) in dict.fromkeys(at for at, _ in landed.gone):
            warnings.append(f"{sheet}!{row} ({key}) was deleted while the sync wrote it; its values were not "
                            f"written, the next sync decides")
        else:
            warnings.append(f"{sheet}!{row}: the sheet was re-sorted while the sync wrote it; {key}'s values fell "
                            f"on {found or 'another row'}. The next sync puts both rows right (nothing is pulled "
                            f"from them meanwhile)")
    return out
