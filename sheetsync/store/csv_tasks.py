"""Importing tasks from CSV in bulk: every row checked in memory, then one create_many and one update_many.

A row per savepoint and per repository call took ~15 ms a task on SQLite; here the file's existing
tasks, reserved keys and clients are read with a few queries, each row is checked exactly as
`tasks.create` / `tasks.update` would check it (bad rows reported by line), and the good rows are
written with the bulk repository methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import keys, task_bulk
from .csv_rows import READ_ONLY, ImportReport, RowError, present
from .errors import InvalidValueError, StoreError
from .models import Client, ReservedId, Specialist, Task
from .values import clean

if TYPE_CHECKING:
    from .facade import Store

# cells that, when empty, mean "the default" (create) or "keep" (update) rather than "clear"
KEEP_WHEN_EMPTY = ("estimate_source", "priority", "status", "forced")


def import_tasks(
    store: Store, s: Session, rows: list[tuple[int, dict[str, Any]]], report: ImportReport, *,
    skip_bad: bool, origin: str, actor: str,
) -> None:
    """Check every row, listing bad ones in `report.errors`; write the good ones if there are no bad
    ones or `skip_bad`."""
    clients = dict(s.execute(select(Client.slug, Client.id)).all())
    specialists = {e.lower() for e in s.scalars(select(Specialist.email))}
    named = [(raw.get("key") or "").strip() for _, raw in rows]
    existing = task_bulk.load(s, [k for k in named if k])
    reserved: dict[str, int] = {}
    for chunk in task_bulk.chunks([k for k in named if k and k not in existing]):
        reserved.update(s.execute(select(ReservedId.key, ReservedId.client_id).where(ReservedId.key.in_(chunk))).all())

    creates: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    for line, raw in rows:
        if "__error__" in raw:
            report.errors.append(RowError(line, raw["__error__"]))
            continue
        try:
            outcome = _check_row(raw, clients, existing, reserved, first_line, line, specialists)
        except (StoreError, ValueError) as exc:
            report.errors.append(RowError(line, str(exc)))
            continue
        kind, key, fields = outcome
        if kind == "update":
            updates[key] = fields
        else:
            creates.append(fields)
    if report.errors and not skip_bad:
        return
    if updates:
        changed = store.tasks.update_many(updates, origin=origin, actor=actor, session=s)
        report.updated += len(changed)
        report.unchanged += len(updates) - len(changed)
    if creates:
        report.created += len(store.tasks.create_many(creates, origin=origin, actor=actor, session=s))


def _check_row(
    raw: Mapping[str, Any], clients: dict[str, int], existing: dict[str, Task], reserved: dict[str, int],
    first_line: dict[str, int], line: int, specialists: set[str] | None = None,
) -> tuple[str, str, dict[str, Any]]:
    """('update', key, fields) or ('create', key, item) for one row, or raise with what is wrong."""
    fields = present({k: v for k, v in raw.items() if k not in READ_ONLY})
    key = (fields.pop("key", None) or "").strip()
    client = (fields.pop("client", None) or "").strip()
    if not client:
        raise StoreError("client: expected a client slug, got an empty cell")
    if client not in clients:
        raise StoreError(
            f"no client {client!r} in the store: check the slug, or add the client first "
            "(to the config and `sheetsync db upgrade`, or by importing a clients CSV)"
        )
    fields = {k: v for k, v in fields.items() if not (v is None and k in KEEP_WHEN_EMPTY)}
    if key:
        if key in first_line:
            raise StoreError(f"task {key} is already on line {first_line[key]}: keep one row per task")
        first_line[key] = line
    values = clean(Task, fields)  # the line number says which task
    if values.get("assignee") and specialists is not None:  # as the config and the sheet do: known people only
        values["assignee"] = values["assignee"].strip().lower()
        if values["assignee"] not in specialists:
            raise InvalidValueError("tasks.assignee", values["assignee"], "the email of a specialist in the config "
                                    "(`[[specialists]]`, then `sheetsync db upgrade`)")
    task = existing.get(key) if key else None
    if task is not None:
        if task.client_id != clients[client]:
            raise StoreError(f"task {key} belongs to another client; a task cannot move between clients")
        if task.deleted_at is not None:
            raise task_bulk.not_found(key, task)
        return "update", key, values
    if not str(values.get("title") or "").strip():
        raise InvalidValueError("tasks.title", values.get("title"), "a non-empty title")
    if key:
        keys.parse_key("task", key)
        if key in reserved and reserved[key] != clients[client]:
            raise StoreError(f"key {key} was reserved for another client; reserve a new one")
    item: dict[str, Any] = {**values, "client": client}
    if key:
        item["key"] = key
    return "create", key, item
