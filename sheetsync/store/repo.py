"""What every repository shares: short transactions and looking clients up by slug, id or object."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .errors import ConcurrentUpdateError, NotFoundError
from .models import Client

if TYPE_CHECKING:
    from .facade import Store

ClientRef = str | int | Client


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


def flush_versioned(session: Session, entity: str, key: str, expected: int | None) -> None:
    """Flush, turning SQLAlchemy's stale-row error into the store's ConcurrentUpdateError."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdateError(entity, key, expected, None) from exc
