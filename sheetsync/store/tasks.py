"""Tasks: create with a reserved or new key, versioned updates, tombstones, restore."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import changelog, keys, repo, task_bulk
from .errors import ConcurrentUpdateError, DuplicateKeyError, InvalidValueError, NotFoundError, StoreError
from .models import Client, ReservedId, Task, utcnow
from .repo import ClientRef, Repository, client_id_of, flush_versioned, get_client, known_client_id
from .values import clean, settable_fields

if TYPE_CHECKING:
    import pandas as pd

TASK_FIELDS = settable_fields(Task)
# columns of to_dataframe() and the CSV format, in order
TASK_COLUMNS = ("key", "client", *TASK_FIELDS, "created_at", "updated_at", "version", "deleted_at")


class TaskRepository(Repository):
    # --- reading ---------------------------------------------------------------------------

    def get(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Task:
        with self._read(session) as s:
            task = s.scalars(select(Task).where(Task.key == key)).first()
            if task is None:
                raise NotFoundError(f"no task {key!r}: check the key (tasks look like T-000123)")
            if task.deleted_at is not None and not include_deleted:
                raise NotFoundError(
                    f"task {key} was deleted at {task.deleted_at:%Y-%m-%d %H:%M} UTC: "
                    f"`sheetsync restore {key}` brings it back"
                )
            return task

    def find(self, key: str, *, include_deleted: bool = False, session: Session | None = None) -> Task | None:
        try:
            return self.get(key, include_deleted=include_deleted, session=session)
        except NotFoundError:
            return None

    def list(
        self,
        client: ClientRef | None = None,
        *,
        status: str | Iterable[str] | None = None,
        period: str | None = None,
        include_deleted: bool = False,
        keys: Iterable[str] | None = None,
        session: Session | None = None,
    ) -> Sequence[Task]:
        with self._read(session) as s:
            stmt = select(Task).order_by(Task.id)
            if keys is not None:
                stmt = stmt.where(Task.key.in_(list(keys)))
            if client is not None:
                stmt = stmt.where(Task.client_id == client_id_of(s, client))
            if status is not None:
                stmt = stmt.where(Task.status.in_([status] if isinstance(status, str) else list(status)))
            if period is not None:
                stmt = stmt.where(Task.period == period)
            if not include_deleted:
                stmt = stmt.where(Task.deleted_at.is_(None))
            return s.scalars(stmt).all()

    def versions(self, client: ClientRef) -> dict[str, int]:
        """{task key: version} of a client's tasks, deleted ones included: every write bumps the version,
        so a caller keeping a view of the tasks reloads only those whose version moved (``list(keys=)``)."""
        with self._read() as s:
            cid = client_id_of(s, client)
            return {k: v for k, v in s.execute(select(Task.key, Task.version).where(Task.client_id == cid))}

    def to_dataframe(self, client: ClientRef | None = None, **filters: Any) -> pd.DataFrame:
        """Tasks as a DataFrame, one row per task, columns as in the CSV format (TASK_COLUMNS)."""
        import pandas as pd

        with self._read() as s:
            slugs = dict(s.execute(select(Client.id, Client.slug)).all())
            tasks = self.list(client, session=s, **filters)
            rows = [{c: (slugs[t.client_id] if c == "client" else getattr(t, c)) for c in TASK_COLUMNS} for t in tasks]
        return pd.DataFrame(rows, columns=list(TASK_COLUMNS))

    # --- keys ------------------------------------------------------------------------------

    def reserve_key(self, client: ClientRef, token: str) -> str:
        """The task key for `token` (e.g. spreadsheet id + row fingerprint): same token, same key, always."""
        with self._read() as s:
            cid = client_id_of(s, client)
        return keys.reserve(self._store.session, cid, token)

    def unused_reserved_keys(self, client: ClientRef) -> set[str]:
        """Keys reserved for the client's new sheet rows whose tasks are not created yet: the sync's plan
        takes such an ID in the sheet as known (its task is on the way), not as a stranger's."""
        with self._read() as s:
            cid = known_client_id(s, client)
            return set(s.scalars(select(ReservedId.key).where(ReservedId.client_id == cid, ReservedId.used.is_(False))))

    # --- writing ---------------------------------------------------------------------------

    def create(
        self,
        client: ClientRef,
        fields: Mapping[str, Any] | None = None,
        *,
        origin: str,
        actor: str,
        key: str | None = None,
        session: Session | None = None,
        **kw: Any,
    ) -> Task:
        """A new task; `key` is a reserved key (reserve_key) or an imported one, else a new key is drawn."""
        values = clean(Task, {**(fields or {}), **kw})
        if not str(values.get("title") or "").strip():
            raise InvalidValueError("tasks.title", values.get("title"), "a non-empty title")
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            cid = client_id_of(s, client)
            if key is None:
                key = keys.next_key(s, "task")
            else:
                if s.scalars(select(Task.id).where(Task.key == key)).first() is not None:
                    raise DuplicateKeyError(
                        f"task {key} already exists: update it instead (a reserved key creates its task once)"
                    )
                reserved = s.get(ReservedId, key)
                if reserved is not None:
                    if reserved.client_id != cid:
                        raise StoreError(f"key {key} was reserved for another client; reserve a new one")
                    reserved.used = True
                else:
                    keys.claim_key(s, "task", key)
            now = utcnow()
            task = Task(key=key, client_id=cid, created_at=now, updated_at=now, **values)
            s.add(task)
            try:
                s.flush()
            except IntegrityError as exc:
                raise DuplicateKeyError(f"task {key} already exists (created concurrently)") from exc
            logged = {f: (None, getattr(task, f)) for f in TASK_FIELDS if getattr(task, f) not in (None, "")}
            changelog.record(
                s, entity="task", entity_key=key, client_id=cid, action="create",
                origin=origin, actor=actor, changes=logged,
            )
            return task

    def update(
        self,
        key: str,
        fields: Mapping[str, Any] | None = None,
        *,
        origin: str,
        actor: str,
        expected_version: int | None = None,
        session: Session | None = None,
        **kw: Any,
    ) -> Task:
        """Change fields; with `expected_version`, refuse if someone else changed the task since."""
        values = clean(Task, {**(fields or {}), **kw})
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            task = self.get(key, session=s)
            _check_version("task", key, task.version, expected_version)
            changes = changelog.diff(task, values)
            if not changes:
                return task
            for field, (_old, new) in changes.items():
                setattr(task, field, new)
            task.updated_at = utcnow()
            flush_versioned(s, "task", key, expected_version or task.version)
            changelog.record(
                s, entity="task", entity_key=key, client_id=task.client_id, action="update",
                origin=origin, actor=actor, changes=changes,
            )
            return task

    def create_many(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        origin: str,
        actor: str,
        client: ClientRef | None = None,
        session: Session | None = None,
    ) -> builtins.list[Task]:
        """Many new tasks in one transaction, as if `create` were called for each, in order.

        Each item holds the task's fields, plus optionally `client` (default: `client=`) and `key` (a reserved
        or imported key). New keys are drawn with one counter bump for the whole batch; the tasks and their
        change-log rows are inserted in bulk. All or nothing: one bad item fails the batch, naming the item.
        """
        with self._tx(session) as s:
            return task_bulk.create_many(s, items, client=client, origin=origin, actor=actor)

    def update_many(
        self,
        changes: Mapping[str, Mapping[str, Any]],
        *,
        origin: str,
        actor: str,
        expected_versions: Mapping[str, int] | None = None,
        session: Session | None = None,
    ) -> builtins.list[Task]:
        """`update` for many tasks ({key: {field: value}}) in one transaction; returns the tasks that changed.

        Same validation, change-log rows (in the same order), version bumps and updated_at as one `update`
        per key in mapping order, in a handful of statements. `expected_versions` ({key: version}) refuses
        the whole batch if any of those tasks was changed since the caller read it.
        """
        with self._tx(session) as s:
            return task_bulk.update_many(s, changes, origin=origin, actor=actor, expected_versions=expected_versions)

    def delete(
        self, key: str, *, origin: str, actor: str, expected_version: int | None = None,
        session: Session | None = None,
    ) -> Task:
        """Tombstone the task (restorable); it disappears from every sheet."""
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            return repo.tombstone(s, self.get(key, session=s), "task", origin=origin, actor=actor,
                                  expected_version=expected_version)

    def restore(self, key: str, *, origin: str, actor: str, session: Session | None = None) -> Task:
        """Bring back a tombstoned task with the values it had when it was deleted."""
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            return repo.restore(s, self.get(key, include_deleted=True, session=s), "task", origin=origin, actor=actor)

    def count(self, client: ClientRef, *, status: str | Iterable[str] | None = None) -> int:
        return len(self.list(client, status=status))

    def client_of(self, key: str) -> Client:
        with self._read() as s:
            return get_client(s, self.get(key, include_deleted=True, session=s).client_id)


def _check_version(entity: str, key: str, actual: int, expected: int | None) -> None:
    if expected is not None and expected != actual:
        raise ConcurrentUpdateError(entity, key, expected, actual)
