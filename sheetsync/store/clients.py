"""Clients: the agency's customers, one spreadsheet each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import changelog
from .errors import InvalidValueError, StoreError
from .models import Client, utcnow
from .repo import ClientRef, Repository, get_client
from .values import clean, settable_fields

if TYPE_CHECKING:
    import pandas as pd

# includes slug; not the service account that syncs it (operations, not client data: `assign_account`)
CLIENT_FIELDS = tuple(f for f in settable_fields(Client) if f != "account")
CLIENT_COLUMNS = CLIENT_FIELDS


class ClientRepository(Repository):
    def get(self, client: ClientRef, *, session: Session | None = None) -> Client:
        with self._read(session) as s:
            return get_client(s, client)

    def find(self, client: ClientRef, *, session: Session | None = None) -> Client | None:
        try:
            return self.get(client, session=session)
        except LookupError:
            return None

    def list(self, *, active: bool | None = True, session: Session | None = None) -> Sequence[Client]:
        with self._read(session) as s:
            stmt = select(Client).order_by(Client.slug)
            if active is not None:
                stmt = stmt.where(Client.active.is_(active))
            return s.scalars(stmt).all()

    def by_spreadsheet(self, spreadsheet_id: str) -> Client | None:
        with self._read() as s:
            return s.scalars(select(Client).where(Client.spreadsheet_id == spreadsheet_id)).first()

    def create(
        self, slug: str, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
        session: Session | None = None, **kw: Any,
    ) -> Client:
        values = clean(Client, {"slug": slug, **(fields or {}), **kw})
        if not str(values.get("name") or "").strip():
            raise InvalidValueError("clients.name", values.get("name"), "the client's name")
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            if s.scalars(select(Client.id).where(Client.slug == slug)).first() is not None:
                raise StoreError(f"client {slug!r} already exists: update it instead")
            client = Client(**values)
            s.add(client)
            try:
                s.flush()
            except IntegrityError as exc:
                raise StoreError(f"client {slug!r} could not be created: {exc.orig}") from exc
            changes = {f: (None, getattr(client, f)) for f in CLIENT_FIELDS if getattr(client, f) not in (None, "", [])}
            changelog.record(
                s, entity="client", entity_key=slug, client_id=client.id, action="create",
                origin=origin, actor=actor, changes=changes,
            )
            return client

    def update(
        self, client: ClientRef, fields: Mapping[str, Any] | None = None, *, origin: str, actor: str,
        session: Session | None = None, **kw: Any,
    ) -> Client:
        values = clean(Client, {**(fields or {}), **kw})
        if "slug" in values:
            raise InvalidValueError("clients.slug", values["slug"], "no change: a client's slug is permanent")
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            obj = get_client(s, client)
            changes = changelog.diff(obj, values)
            if changes:
                for field, (_old, new) in changes.items():
                    setattr(obj, field, new)
                obj.updated_at = utcnow()
                s.flush()
                changelog.record(
                    s, entity="client", entity_key=obj.slug, client_id=obj.id, action="update",
                    origin=origin, actor=actor, changes=changes,
                )
            return obj

    def upsert(
        self, slug: str, fields: Mapping[str, Any], *, origin: str, actor: str, session: Session | None = None
    ) -> Client:
        with self._tx(session) as s:
            if s.scalars(select(Client.id).where(Client.slug == slug)).first() is None:
                return self.create(slug, fields, origin=origin, actor=actor, session=s)
            return self.update(slug, fields, origin=origin, actor=actor, session=s)

    def set_spreadsheet(self, client: ClientRef, spreadsheet_id: str | None, *, origin: str = "daemon",
                        actor: str = "") -> Client:
        return self.update(client, spreadsheet_id=spreadsheet_id, origin=origin, actor=actor)

    def account_of(self, client: ClientRef, *, session: Session | None = None) -> str | None:
        """The pool account that syncs ``client`` (a ``[[backend.accounts]]`` name); None: the default one."""
        return self.get(client, session=session).account

    def assign_account(self, client: ClientRef, account: str | None, *, origin: str, actor: str,
                       session: Session | None = None) -> Client:
        """Make ``account`` (None: the default one) sync ``client``; logged in the change log like any update."""
        if account is not None and not account.strip():
            raise InvalidValueError("clients.account", account, "an account name, or None for the default account")
        return self.update(client, account=account, origin=origin, actor=actor, session=session)

    def account_load(self, *, session: Session | None = None) -> dict[str | None, int]:
        """How many active clients each account syncs (None: the default account); accounts with none left out.

        A client counts once it has a spreadsheet or an account: one still waiting for its first
        provisioning is nobody's yet (provisioning gives it the least loaded account)."""
        from sqlalchemy import func, or_

        with self._read(session) as s:
            rows = s.execute(select(Client.account, func.count())
                             .where(Client.active.is_(True),
                                    or_(Client.account.is_not(None), Client.spreadsheet_id.is_not(None)))
                             .group_by(Client.account)).all()
            return {account: int(n) for account, n in rows}

    def record_sharing(self, client: ClientRef, changes: Sequence[tuple[str, str, str | None]], *, origin: str,
                       actor: str, session: Session | None = None) -> None:
        """Log access taken back from the client's spreadsheet: (who, role they had, role now or None)."""
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            obj = get_client(s, client)
            for who, old, new in changes:
                changelog.record(s, entity="client", entity_key=obj.slug, client_id=obj.id, action="update",
                                 origin=origin, actor=actor,
                                 changes={"sharing": (f"{who}:{old}", f"{who}:{new}" if new else None)})

    def archive(self, client: ClientRef, *, origin: str, actor: str) -> Client:
        return self.update(client, active=False, origin=origin, actor=actor)

    def to_dataframe(self, *, active: bool | None = None) -> pd.DataFrame:
        import pandas as pd

        rows = [{c: getattr(cl, c) for c in CLIENT_COLUMNS} for cl in self.list(active=active)]
        return pd.DataFrame(rows, columns=list(CLIENT_COLUMNS))
