"""Human keys (T-000123, INV-000045) from a counter row that one atomic UPDATE bumps.

The UPDATE takes a row lock on PostgreSQL and the write lock on SQLite, so two processes can never
draw the same number; a failed transaction may burn a number, which is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import InvalidValueError, StoreError
from .models import KeySequence, ReservedId

PREFIXES = {"task": "T", "invoice": "INV"}
_KEY = re.compile(r"^(T|INV)-(\d{6,})$")


def format_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def parse_key(kind: str, key: str) -> int:
    prefix = PREFIXES[kind]
    match = _KEY.match(key or "")
    if not match or match.group(1) != prefix:
        raise InvalidValueError(f"{kind} key", key, f"a key like {format_key(prefix, 123)}")
    return int(match.group(2))


def next_key(session: Session, kind: str) -> str:
    return next_keys(session, kind, 1)[0]


def next_keys(session: Session, kind: str, count: int) -> list[str]:
    """`count` consecutive new keys from one counter bump (one UPDATE, however many keys)."""
    prefix = PREFIXES[kind]
    if count <= 0:
        return []
    stmt = (
        update(KeySequence)
        .where(KeySequence.name == prefix)
        .values(next_value=KeySequence.next_value + count)
        .returning(KeySequence.next_value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        raise StoreError(f"the key sequence {prefix!r} is missing: run `sheetsync db upgrade`")
    return [format_key(prefix, n) for n in range(value - count, value)]


def claim_key(session: Session, kind: str, key: str) -> None:
    """An explicit key (import, reserved) moves the sequence past it so it is never drawn again."""
    number = parse_key(kind, key)
    prefix = PREFIXES[kind]
    session.execute(
        update(KeySequence)
        .where(KeySequence.name == prefix)
        .values(
            next_value=case((KeySequence.next_value > number, KeySequence.next_value), else_=number + 1)
        )
    )


def reserve(session_factory: Callable[[], AbstractContextManager[Session]], client_id: int, token: str) -> str:
    """The key reserved for `token`, drawing a new one the first time (one short transaction)."""
    if not token:
        raise InvalidValueError("token", token, "a non-empty token that identifies the new row")
    for _attempt in range(3):
        try:
            with session_factory() as session:
                existing = session.scalars(select(ReservedId).where(ReservedId.token == token)).first()
                if existing is not None:
                    if existing.client_id != client_id:
                        raise StoreError(
                            f"token {token!r} already reserved {existing.key} for another client: "
                            "use a token that includes the spreadsheet id"
                        )
                    return existing.key
                key = next_key(session, "task")
                session.add(ReservedId(key=key, client_id=client_id, token=token))
                return key
        except IntegrityError:  # another process reserved the same token at the same moment
            continue
    raise StoreError(f"could not reserve a task key for token {token!r}: the database kept rejecting it")
