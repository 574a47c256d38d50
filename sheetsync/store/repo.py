"""What every repository shares: short transactions, looking clients up, find-or-create, tombstones.

Written once here so every entity's upsert, delete and restore behave (and log) alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import changelog
from .errors import ConcurrentUpdateError, NotFoundError, StoreError
from .models import Base, Client, Invoice, Task, utcnow

if TYPE_CHECKING:
    from .facade import Store

ClientRef = str | int | Client
Row = TypeVar("Row", bound=Base)


class Repository:
    def __init__(self, store: Store) -> None:
        self._store = store

    @contextmanager
    def _tx(self, session: Session | None = None) -> Iterator[Session]:
        """Join the caller's session, or run in a fresh transaction committed on exit."""
        if session is not None:
            yield session
        else:
            with self._store.session() as s:
                yield s

    @contextmanager
    def _read(self, session: Session | None = None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self._store.session(readonly=True) as s:
                yield s


def client_id_of(session: Session, client: ClientRef) -> int:
    return get_client(session, client).id


def get_client(session: Session, client: ClientRef) -> Client:
    if isinstance(client, Client):
        client = client.id
    if isinstance(client, int) and not isinstance(client, bool):
        found = session.get(Client, client)
    else:
        found = session.scalars(select(Client).where(Client.slug == client)).first()
    if found is None:
        raise NotFoundError(
            f"no client {client!r} in the store: check the slug (`sheetsync log` lists clients' changes) "
            "or add the client to the config and run `sheetsync db upgrade`"
        )
    return found


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (``Session.execute`` is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def flush_versioned(session: Session, entity: str, key: str, expected: int | None) -> None:
    """Flush, turning SQLAlchemy's stale-row error into the store's ConcurrentUpdateError."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdateError(entity, key, expected, None) from exc


def known_client_id(session: Session, client: ClientRef) -> int:
    """The client's id without a lookup when the caller already holds it (an id or a Client)."""
    if isinstance(client, Client):
        return client.id
    if isinstance(client, int) and not isinstance(client, bool):
        return client
    return client_id_of(session, client)


def find_or_create(session: Session, model: type[Row], match: Mapping[str, Any], values: Mapping[str, Any]) -> Row:
    """The row matching `match`, set to `values`; created with both when there is none (then flushed)."""
    row = session.scalars(select(model).filter_by(**match)).first()
    if row is None:
        row = model(**{**match, **values})
        session.add(row)
    else:
        for field, value in values.items():
            setattr(row, field, value)
    session.flush()
    return row


Tombstoned = TypeVar("Tombstoned", Task, Invoice)


def tombstone(session: Session, row: Tombstoned, entity: str, *, origin: str, actor: str,
              expected_version: int | None) -> Tombstoned:
    """Mark a task or invoice deleted (restorable), with its change-log row."""
    if expected_version is not None and row.version != expected_version:
        raise ConcurrentUpdateError(entity, row.key, expected_version, row.version)
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    flush_versioned(session, entity, row.key, expected_version)
    changelog.record(session, entity=entity, entity_key=row.key, client_id=row.client_id, action="delete",
                     origin=origin, actor=actor, changes={"deleted_at": (None, now)})
    return row


def restore(session: Session, row: Tombstoned, entity: str, *, origin: str, actor: str) -> Tombstoned:
    """Bring back a tombstoned task or invoice with the values it had, with its change-log row."""
    if row.deleted_at is None:
        raise StoreError(f"{entity} {row.key} is not deleted; nothing to restore")
    old = row.deleted_at
    row.deleted_at = None
    row.updated_at = utcnow()
    flush_versioned(session, entity, row.key, None)
    changelog.record(session, entity=entity, entity_key=row.key, client_id=row.client_id, action="restore",
                     origin=origin, actor=actor, changes={"deleted_at": (old, None)})
    return row
