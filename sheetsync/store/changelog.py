"""Writing and reading the append-only change log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from .errors import InvalidValueError
from .models import CHANGE_ACTIONS, CHANGE_ENTITIES, ORIGINS, ChangeLog, Client, table_of, utcnow
from .values import dumps, loads


def check_origin(origin: str, actor: str) -> None:
    if origin not in ORIGINS:
        raise InvalidValueError("origin", origin, f"one of {', '.join(ORIGINS)}")
    if not isinstance(actor, str):
        raise InvalidValueError("actor", actor, "the email (or name) of whoever made the change")


def record(
    session: Session,
    *,
    entity: str,
    entity_key: str,
    client_id: int | None,
    action: str,
    origin: str,
    actor: str,
    changes: Mapping[str, tuple[Any, Any]],
) -> list[ChangeLog]:
    """Append one row per changed field (old, new) in the caller's transaction."""
    assert entity in CHANGE_ENTITIES and action in CHANGE_ACTIONS, (entity, action)
    check_origin(origin, actor)
    at = utcnow()
    rows = [
        ChangeLog(
            at=at,
            origin=origin,
            actor=actor,
            entity=entity,
            entity_key=entity_key,
            client_id=client_id,
            action=action,
            field=field,
            old=dumps(old),
            new=dumps(new),
        )
        for field, (old, new) in changes.items()
    ]
    session.add_all(rows)
    return rows


def record_many(
    session: Session,
    entries: Sequence[tuple[str, int | None, Mapping[str, tuple[Any, Any]]]],
    *,
    entity: str,
    action: str,
    origin: str,
    actor: str,
) -> int:
    """`record` for many entities at once — (entity_key, client_id, changes) each — in one executemany INSERT.

    The rows (and their ids) come out in the order given, exactly as the same `record` calls would write them.
    """
    assert entity in CHANGE_ENTITIES and action in CHANGE_ACTIONS, (entity, action)
    check_origin(origin, actor)
    at = utcnow()
    rows = [
        {"at": at, "origin": origin, "actor": actor, "entity": entity, "entity_key": key, "client_id": cid,
         "action": action, "field": field, "old": dumps(old), "new": dumps(new)}
        for key, cid, changes in entries
        for field, (old, new) in changes.items()
    ]
    if rows:
        session.execute(insert(table_of(ChangeLog)), rows)  # Core executemany: no ORM bookkeeping per row
    return len(rows)


def diff(obj: Any, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose new value differs from the object's current one, as field -> (old, new)."""
    return {f: (getattr(obj, f), v) for f, v in values.items() if getattr(obj, f) != v}


def query(
    session: Session,
    *,
    client_id: int | None = None,
    entity: str | None = None,
    entity_key: str | None = None,
    field: str | None = None,
    since_id: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Sequence[ChangeLog]:
    stmt = select(ChangeLog)
    if client_id is not None:
        stmt = stmt.where(ChangeLog.client_id == client_id)
    if entity is not None:
        stmt = stmt.where(ChangeLog.entity == entity)
    if entity_key is not None:
        stmt = stmt.where(ChangeLog.entity_key == entity_key)
    if field is not None:
        stmt = stmt.where(ChangeLog.field == field)
    if since_id is not None:
        stmt = stmt.where(ChangeLog.id > since_id)
    stmt = stmt.order_by(ChangeLog.id.desc() if newest_first else ChangeLog.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all()


def counters(session: Session) -> dict[str, int]:
    """Per-client change counter: the newest change-log id of each client (0 if none).

    A correlated MAX per client is one index probe on (client_id, id) each, so the cost grows with the
    number of clients, not with the length of the log.
    """
    newest = (select(func.max(ChangeLog.id)).where(ChangeLog.client_id == Client.id)
              .correlate(Client).scalar_subquery())
    stmt = select(Client.slug, func.coalesce(newest, 0))
    return {slug: int(n) for slug, n in session.execute(stmt)}


def counter(session: Session, client_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ChangeLog.id), 0))
                              .where(ChangeLog.client_id == client_id)) or 0)


def own_counter(session: Session, client_id: int, since: int, *, actor: str, keys: set[str]) -> int | None:
    """See ``Store.own_counter``: the newest id of the client's rows after `since`, if all are the sync's own."""
    rows = session.execute(select(ChangeLog.id, ChangeLog.origin, ChangeLog.actor, ChangeLog.entity,
                                  ChangeLog.entity_key)
                           .where(ChangeLog.client_id == client_id, ChangeLog.id > since)).all()
    if not rows:
        return since
    if any(origin != "sheet" or who != actor or entity != "task" or key not in keys
           for _i, origin, who, entity, key in rows):
        return None
    newest = max(i for i, *_ in rows)
    seen = session.scalar(select(func.count()).select_from(ChangeLog)
                          .where(ChangeLog.id > since, ChangeLog.id <= newest))
    return newest if seen == newest - since else None  # a gap: a row in flight (or rolled back) may hide there


def status_history(session: Session, *, keys: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
    """The tasks' status changes, deletes and restores in log order, for time in stage.

    Each row is (task key, at, action, new status or None, origin, actor): a ``status`` field change
    (from a create, an update, a sheet edit, the planner, a field restore) carries its new status; a
    delete or an undelete carries None. The rows of one moment come out in the order they were written.
    """
    stmt = (
        select(ChangeLog.entity_key, ChangeLog.at, ChangeLog.action, ChangeLog.field, ChangeLog.new,
               ChangeLog.origin, ChangeLog.actor)
        .where(ChangeLog.entity == "task", ChangeLog.action != "resolve",  # a resolve row repeats its update
               or_(ChangeLog.field == "status", ChangeLog.action.in_(("delete", "restore"))))
        .order_by(ChangeLog.id)
    )
    if keys is not None:
        stmt = stmt.where(ChangeLog.entity_key.in_(list(keys)))
    out: list[tuple[Any, ...]] = []
    for key, at, action, field, new, origin, actor in session.execute(stmt):
        status = loads(new) if field == "status" else None
        out.append((key, at, action, status, origin, actor))
    return out
