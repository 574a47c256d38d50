"""Creating and updating many tasks at once, with exactly the checks and change log of one call per task.

One call per task costs a SELECT, a flush and a change-log INSERT each (~3 ms on SQLite); planning a
10,000-row backlog or importing a CSV makes that minutes. Here the tasks are read with a few
``key IN (...)`` SELECTs, diffed in memory, written with one executemany UPDATE per set of changed
columns (still guarded by ``version = <loaded>``), and logged with one executemany INSERT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from . import changelog, keys
from .errors import ConcurrentUpdateError, DuplicateKeyError, InvalidValueError, NotFoundError, StoreError
from .models import Client, ReservedId, Task, table_of, utcnow
from .repo import ClientRef, client_id_of, rowcount
from .values import clean, settable_fields

CHUNK = 500  # keys per IN (...): far below SQLite's and PostgreSQL's bound-parameter limits
TASK_FIELDS = settable_fields(Task)
_TASKS = table_of(Task)


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _clean(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`clean`, with the failing task named (a batch has many)."""
    try:
        return clean(Task, values)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{exc.field} of {where}", exc.value, exc.expected) from None


def load(session: Session, task_keys: Sequence[str]) -> dict[str, Task]:
    """Tasks by key (tombstoned ones included), a few SELECTs whatever the number."""
    found: dict[str, Task] = {}
    for chunk in chunks(list(task_keys)):
        for task in session.scalars(select(Task).where(Task.key.in_(chunk))):
            found[task.key] = task
    return found


def not_found(key: str, task: Task | None) -> NotFoundError:
    if task is None:
        return NotFoundError(f"no task {key!r}: check the key (tasks look like T-000123)")
    return NotFoundError(
        f"task {key} was deleted at {task.deleted_at:%Y-%m-%d %H:%M} UTC: `sheetsync restore {key}` brings it back"
    )


def update_many(
    session: Session,
    changes: Mapping[str, Mapping[str, Any]],
    *,
    origin: str,
    actor: str,
    expected_versions: Mapping[str, int] | None = None,
) -> list[Task]:
    """See TaskRepository.update_many."""
    cleaned = {key: _clean(fields, f"task {key}") for key, fields in changes.items()}
    changelog.check_origin(origin, actor)
    expected_versions = expected_versions or {}
    unknown = set(expected_versions) - set(cleaned)
    if unknown:
        raise StoreError(f"expected versions given for tasks that are not being updated: {', '.join(sorted(unknown))}")
    tasks = load(session, list(cleaned))
    for key in cleaned:
        task = tasks.get(key)
        if task is None or task.deleted_at is not None:
            raise not_found(key, task)
        expected = expected_versions.get(key)
        if expected is not None and expected != task.version:
            raise ConcurrentUpdateError("task", key, expected, task.version)

    now = utcnow()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    changed: list[tuple[Task, dict[str, tuple[Any, Any]]]] = []
    for key, values in cleaned.items():
        task = tasks[key]
        diff = changelog.diff(task, values)
        if not diff:
            continue  # like update(): nothing changed, no version bump, nothing logged
        params = {f"new_{f}": new for f, (_old, new) in diff.items()}
        params.update(b_id=task.id, b_version=task.version, b_next=task.version + 1, b_now=now)
        groups.setdefault(tuple(diff), []).append(params)
        changed.append((task, diff))

    key_of = {task.id: task.key for task, _ in changed}
    for columns, rows in groups.items():
        stmt = (
            update(_TASKS)
            .where(_TASKS.c.id == bindparam("b_id"), _TASKS.c.version == bindparam("b_version"))
            .values({**{c: bindparam(f"new_{c}") for c in columns}, "updated_at": bindparam("b_now"),
                     "version": bindparam("b_next")})
        )
        result = session.execute(stmt, rows)
        if rowcount(result) != len(rows):
            raise _stale(session, rows, key_of)

    # the loaded objects now say what the rows say, without reading them again
    for task, diff in changed:
        for field, (_old, new) in diff.items():
            set_committed_value(task, field, new)
        set_committed_value(task, "updated_at", now)
        set_committed_value(task, "version", task.version + 1)
    changelog.record_many(
        session, [(task.key, task.client_id, diff) for task, diff in changed],
        entity="task", action="update", origin=origin, actor=actor,
    )
    return [task for task, _ in changed]


def _stale(session: Session, rows: list[dict[str, Any]], key_of: dict[int, str]) -> ConcurrentUpdateError:
    """The first task another writer changed between our SELECT and our UPDATE (ours carry our timestamp)."""
    now_at: dict[int, tuple[int, Any]] = {}
    for chunk in chunks([r["b_id"] for r in rows]):
        stmt = select(_TASKS.c.id, _TASKS.c.version, _TASKS.c.updated_at).where(_TASKS.c.id.in_(chunk))
        now_at.update({i: (v, at) for i, v, at in session.execute(stmt)})
    for r in rows:
        version, at = now_at.get(r["b_id"], (None, None))
        if (version, at) != (r["b_next"], r["b_now"]):
            return ConcurrentUpdateError("task", key_of[r["b_id"]], r["b_version"], version)
    return ConcurrentUpdateError("task", "(one of the batch)", None, None)


def _defaults() -> dict[str, Any]:
    """What a column holds when a new task does not say (the model's scalar defaults)."""
    out: dict[str, Any] = {}
    for field in TASK_FIELDS:
        default = _TASKS.c[field].default
        out[field] = default.arg if isinstance(default, ScalarElementColumnDefault) else None
    return out


def create_many(
    session: Session,
    items: Iterable[Mapping[str, Any]],
    *,
    client: ClientRef | None,
    origin: str,
    actor: str,
) -> list[Task]:
    """See TaskRepository.create_many."""
    prepared: list[tuple[ClientRef, str | None, dict[str, Any]]] = []
    for n, item in enumerate(items, 1):
        fields = dict(item)
        ref = fields.pop("client", None) or client
        key = fields.pop("key", None) or None
        where = f"task {key}" if key else f"new task #{n}"
        values = _clean(fields, where)
        if not str(values.get("title") or "").strip():
            raise InvalidValueError(f"tasks.title of {where}", values.get("title"), "a non-empty title")
        if ref is None:
            raise StoreError(f"{where} names no client: pass client= or give each task a 'client'")
        prepared.append((ref, key, values))
    changelog.check_origin(origin, actor)
    if not prepared:
        return []

    client_ids: dict[Any, int] = {}

    def cid_of(ref: ClientRef) -> int:
        memo = ("id", ref.id) if isinstance(ref, Client) else ref
        if memo not in client_ids:
            client_ids[memo] = client_id_of(session, ref)
        return client_ids[memo]

    cids = [cid_of(ref) for ref, _, _ in prepared]
    explicit = [k for _, k, _ in prepared if k]
    _claim_explicit(session, explicit, {k: cid for (_, k, _), cid in zip(prepared, cids, strict=True) if k})
    drawn = iter(keys.next_keys(session, "task", len(prepared) - len(explicit)))

    now = utcnow()
    defaults = _defaults()
    rows = [
        {**defaults, **values, "key": key or next(drawn), "client_id": cid, "created_at": now, "updated_at": now,
         "version": 1}
        for (_ref, key, values), cid in zip(prepared, cids, strict=True)
    ]
    # ORM bulk INSERT: a few multi-row INSERT ... RETURNING statements (add_all + flush would send one INSERT
    # per task, and asking for the rows back in order makes SQLite do the same), then put back in order by key
    try:
        made = {t.key: t for t in session.scalars(insert(Task).returning(Task), rows)}
    except IntegrityError as exc:
        raise DuplicateKeyError("one of the new tasks' keys already exists (created concurrently): retry") from exc
    changelog.record_many(
        session,
        [(r["key"], r["client_id"], {f: (None, r[f]) for f in TASK_FIELDS if r[f] not in (None, "")}) for r in rows],
        entity="task", action="create", origin=origin, actor=actor,
    )
    return [made[r["key"]] for r in rows]


def _claim_explicit(session: Session, explicit: list[str], client_of_key: dict[str, int]) -> None:
    """Imported or reserved keys: unused, reserved for the same client, and never drawn again."""
    if not explicit:
        return
    twice = sorted(k for k, n in Counter(explicit).items() if n > 1)
    if twice:
        raise DuplicateKeyError(f"task key(s) {', '.join(twice[:10])} appear more than once in the batch")
    taken: list[str] = []
    reserved: dict[str, ReservedId] = {}
    for chunk in chunks(explicit):
        taken += session.scalars(select(Task.key).where(Task.key.in_(chunk))).all()
        reserved.update({r.key: r for r in session.scalars(select(ReservedId).where(ReservedId.key.in_(chunk)))})
    if taken:
        raise DuplicateKeyError(
            f"task(s) {', '.join(sorted(taken)[:10])} already exist: update them instead "
            "(a reserved key creates its task once)"
        )
    for key, r in reserved.items():
        if r.client_id != client_of_key[key]:
            raise StoreError(f"key {key} was reserved for another client; reserve a new one")
        r.used = True
    numbers = {k: keys.parse_key("task", k) for k in explicit if k not in reserved}
    if numbers:
        keys.claim_key(session, "task", max(numbers, key=numbers.__getitem__))
