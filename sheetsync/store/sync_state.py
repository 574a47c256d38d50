"""Sync state: the agreed base per cell, sync runs, conflicts, invalid values.

Each method is one short transaction: the sync calls them between network calls, never across one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, insert, select, update

from . import changelog
from .errors import ConflictResolvedError, NotFoundError
from .models import Client, Conflict, Invoice, SyncBase, SyncError, SyncRun, Task, table_of, utcnow
from .repo import ClientRef, Repository, client_id_of, rowcount
from .values import dumps, loads

BaseKey = tuple[str, str, str]  # (sheet, row_key, field)

class LastRun(NamedTuple):
    """What a client's newest successful run recorded for change detection."""

    sheet_modified_time: str | None
    store_change_id: int | None
    run_id: int = 0
    expected_version: int | None = None  # Drive's version once it shows this run's writes and nothing else
    written_at: dt.datetime | None = None


RUN_COUNTERS = ("api_calls", "cells_written", "pulled", "pushed", "conflicts", "errors")


class SyncStateRepository(Repository):
    # --- base ------------------------------------------------------------------------------

    def get_base(self, spreadsheet_id: str, sheet: str | None = None) -> dict[BaseKey, Any]:
        """{(sheet, row_key, field): value} as last agreed; values round-trip through JSON."""
        with self._read() as s:
            stmt = select(SyncBase.sheet, SyncBase.row_key, SyncBase.field, SyncBase.value).where(
                SyncBase.spreadsheet_id == spreadsheet_id)
            if sheet is not None:
                stmt = stmt.where(SyncBase.sheet == sheet)
            return {(sh, rk, f): loads(v) for sh, rk, f, v in s.execute(stmt)}

    def put_base(
        self, spreadsheet_id: str, values: Mapping[BaseKey, Any], *, delete_keys: Iterable[BaseKey] = (),
        delete_rows: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Upsert the given cells and drop the given cells/rows, all in one transaction."""
        delete_keys, delete_rows = list(delete_keys), list(delete_rows)
        with self._tx() as s:
            existing = {
                (sh, rk, f): (i, v)
                for i, sh, rk, f, v in s.execute(
                    select(SyncBase.id, SyncBase.sheet, SyncBase.row_key, SyncBase.field, SyncBase.value)
                    .where(SyncBase.spreadsheet_id == spreadsheet_id))
            }
            inserts, updates = [], []
            for (sh, rk, f), value in values.items():
                text = dumps(value)
                if (sh, rk, f) in existing:
                    row_id, old = existing[(sh, rk, f)]
                    if old != text:
                        updates.append({"row_id": row_id, "value": text})
                else:
                    inserts.append({"spreadsheet_id": spreadsheet_id, "sheet": sh, "row_key": rk, "field": f,
                                    "value": text})
            if inserts:
                s.execute(insert(SyncBase), inserts)
            if updates:
                s.connection().execute(
                    update(table_of(SyncBase)).where(table_of(SyncBase).c.id == bindparam("row_id"))
                    .values(value=bindparam("value")), updates)
            ids = [existing[k][0] for k in delete_keys if k in existing]
            rows_gone = set(delete_rows)
            ids += [i for (sh, rk, _f), (i, _v) in existing.items() if (sh, rk) in rows_gone]
            for chunk in _chunks(sorted(set(ids)), 500):
                s.execute(delete(SyncBase).where(SyncBase.id.in_(chunk)))

    def replace_base(self, spreadsheet_id: str, values: Mapping[BaseKey, Any], sheet: str | None = None) -> None:
        """Make the base of a spreadsheet (or one sheet of it) exactly `values`."""
        with self._tx() as s:
            stmt = delete(SyncBase).where(SyncBase.spreadsheet_id == spreadsheet_id)
            if sheet is not None:
                stmt = stmt.where(SyncBase.sheet == sheet)
            s.execute(stmt)
            rows = [{"spreadsheet_id": spreadsheet_id, "sheet": sh, "row_key": rk, "field": f, "value": dumps(v)}
                    for (sh, rk, f), v in values.items()]
            if rows:
                s.execute(insert(SyncBase), rows)

    def set_base(
        self, spreadsheet_id: str, values: Mapping[BaseKey, Any], old: Mapping[BaseKey, Any], *,
        dirty: Iterable[BaseKey] = (), drop_sheets: Iterable[str] = (),
    ) -> None:
        """Make the base exactly `values`, writing only what differs from `old` (the base as last read).

        Same rows as ``replace_base`` at a cost proportional to the change. `old` must be what the
        table held; cells written since then go in `dirty` (always upserted) or, for whole scratch
        sheets such as ``~pending``, in `drop_sheets` (always deleted unless in `values`).
        """
        drop = set(drop_sheets)
        dirty = set(dirty)
        changed = {k: v for k, v in values.items()
                   if k in dirty or k[0] in drop or k not in old or not _same(old[k], v)}
        gone = [k for k in old if k not in values and k[0] not in drop]
        gone += [k for k in dirty if k not in values and k[0] not in drop]
        with self._tx() as s:
            t = table_of(SyncBase)
            if drop:
                s.execute(delete(SyncBase).where(SyncBase.spreadsheet_id == spreadsheet_id,
                                                 SyncBase.sheet.in_(sorted(drop))))
            if gone:
                s.connection().execute(
                    delete(t).where(t.c.spreadsheet_id == spreadsheet_id, t.c.sheet == bindparam("k_sheet"),
                                    t.c.row_key == bindparam("k_row"), t.c.field == bindparam("k_field")),
                    [{"k_sheet": sh, "k_row": rk, "k_field": f} for sh, rk, f in set(gone)])
            upsert_base(s, spreadsheet_id, changed)

    def upsert_base(self, spreadsheet_id: str, rows: Mapping[BaseKey, Any]) -> None:
        """Insert or update base cells in bulk, in one transaction (the other cells are left as they are)."""
        with self._tx() as s:
            upsert_base(s, spreadsheet_id, rows)

    def pull_into_task(self, key: str, fields: Mapping[str, Any], *, spreadsheet_id: str,
                       base: Mapping[BaseKey, Any], actor: str) -> Task:
        """A sheet edit into the task (origin ``sheet``) and its cells into the base, in one transaction:
        a crash between the two would leave the pulled value looking like a fresh sheet edit."""
        with self._tx() as s:
            task = self._store.tasks.update(key, fields, origin="sheet", actor=actor, session=s)
            upsert_base(s, spreadsheet_id, base)
            return task

    def clear_base(self, spreadsheet_id: str) -> None:
        self.replace_base(spreadsheet_id, {})

    # --- runs ------------------------------------------------------------------------------

    def start_run(self, client: ClientRef | None = None, *, spreadsheet_id: str | None = None,
                  dry_run: bool = False, store_change_id: int | None = None,
                  sheet_modified_time: str | None = None) -> SyncRun:
        with self._tx() as s:
            run = SyncRun(client_id=client_id_of(s, client) if client is not None else None,
                          spreadsheet_id=spreadsheet_id, dry_run=dry_run, store_change_id=store_change_id,
                          sheet_modified_time=sheet_modified_time)
            s.add(run)
            s.flush()
            return run

    def finish_run(self, run_id: int, *, status: str = "ok", message: str = "", **fields: Any) -> SyncRun:
        """Close a run with its counters (api_calls, cells_written, pulled, pushed, conflicts, errors)."""
        allowed = (*RUN_COUNTERS, "store_change_id", "sheet_modified_time", "expected_version", "written_at")
        unknown = set(fields) - set(allowed)
        if unknown:
            raise TypeError(f"finish_run got unknown fields {sorted(unknown)}; allowed: {', '.join(allowed)}")
        with self._tx() as s:
            run = s.get(SyncRun, run_id)
            if run is None:
                raise NotFoundError(f"no sync run {run_id}")
            run.status, run.message, run.finished_at = status, message, utcnow()
            for f, v in fields.items():
                setattr(run, f, v)
            return run

    def runs(self, client: ClientRef | None = None, *, limit: int = 20) -> Sequence[SyncRun]:
        with self._read() as s:
            stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
            if client is not None:
                stmt = stmt.where(SyncRun.client_id == client_id_of(s, client))
            return s.scalars(stmt).all()

    def last_run(self, client: ClientRef, *, status: str | None = "ok") -> SyncRun | None:
        """The newest finished run of a client (with `status`, default successful ones)."""
        with self._read() as s:
            stmt = (select(SyncRun).where(SyncRun.client_id == client_id_of(s, client),
                                          SyncRun.finished_at.is_not(None))
                    .order_by(SyncRun.id.desc()).limit(1))
            if status is not None:
                stmt = stmt.where(SyncRun.status == status)
            return s.scalars(stmt).first()

    def previous_run_id(self, client: ClientRef, before: int) -> int | None:
        """The id of the client's newest run (any status, finished or not) started before run `before`."""
        with self._read() as s:
            return s.scalar(select(func.max(SyncRun.id)).where(SyncRun.client_id == client_id_of(s, client),
                                                              SyncRun.id < before))

    def last_runs(self) -> dict[str, LastRun]:
        """{client slug: what its newest successful finished run saw}, for every client, in one query.

        The cycle's skip test for 1,000 clients: one indexed probe per client on (client_id, id), no
        ORM objects, instead of a ``last_run`` query per client.
        """
        newest = (select(func.max(SyncRun.id)).where(SyncRun.client_id == Client.id,
                                                     SyncRun.finished_at.is_not(None), SyncRun.status == "ok")
                  .correlate(Client).scalar_subquery())
        stmt = (select(Client.slug, SyncRun.sheet_modified_time, SyncRun.store_change_id, SyncRun.id,
                       SyncRun.expected_version, SyncRun.written_at)
                .join(SyncRun, SyncRun.id == newest))
        with self._read() as s:
            return {slug: LastRun(mtime, counter, rid, expected, written)
                    for slug, mtime, counter, rid, expected, written in s.execute(stmt)}

    def failure_streaks(self) -> dict[str, int]:
        """{client slug: failed runs since its last successful one}, for the clients whose last run failed.

        The scale-out tick's backoff (``daemon/queue.py``) in one query: a client failing n times in a
        row is deferred every 2^(n-1) ticks, counted in ticks, so no worker's clock is involved."""
        last_ok = (select(func.coalesce(func.max(SyncRun.id), 0)).where(SyncRun.client_id == Client.id,
                                                                         SyncRun.status == "ok")
                   .correlate(Client).scalar_subquery())
        stmt = (select(Client.slug, func.count(SyncRun.id)).join(SyncRun, SyncRun.client_id == Client.id)
                .where(SyncRun.status == "failed", SyncRun.dry_run.is_(False), SyncRun.id > last_ok)
                .group_by(Client.slug))
        with self._read() as s:
            return {slug: int(n) for slug, n in s.execute(stmt)}

    # --- conflicts -------------------------------------------------------------------------

    def add_conflict(self, client: ClientRef, *, entity_key: str, field: str, sheet_value: Any, store_value: Any,
                     base_value: Any, winner: str, policy: str = "", sync_run_id: int | None = None) -> Conflict:
        if winner not in ("sheet", "store"):
            raise ValueError(f"winner: expected 'sheet' or 'store', got {winner!r}")
        with self._tx() as s:
            c = Conflict(client_id=client_id_of(s, client), entity_key=entity_key, field=field,
                         sheet_value=dumps(sheet_value), store_value=dumps(store_value),
                         base_value=dumps(base_value), winner=winner, policy=policy, sync_run_id=sync_run_id)
            s.add(c)
            s.flush()
            return c

    def conflicts(self, client: ClientRef | None = None, *, unresolved: bool = True) -> Sequence[Conflict]:
        """Conflicts newest last; values are JSON text (use sheetsync.store.values.loads)."""
        with self._read() as s:
            stmt = select(Conflict).order_by(Conflict.id)
            if client is not None:
                stmt = stmt.where(Conflict.client_id == client_id_of(s, client))
            if unresolved:
                stmt = stmt.where(Conflict.resolved_at.is_(None))
            return s.scalars(stmt).all()

    def get_conflict(self, conflict_id: int, *, session: Any = None) -> Conflict:
        with self._read(session) as s:
            c = s.get(Conflict, conflict_id)
            if c is None:
                raise NotFoundError(f"no conflict {conflict_id}: `sheetsync conflicts --all` lists them")
            return c

    def resolve_conflict(self, conflict_id: int, *, by: str, session: Any = None) -> Conflict:
        """Mark a conflict settled (once: a second time is refused); its note goes at the next sync."""
        with self._tx(session) as s:
            c = s.get(Conflict, conflict_id, with_for_update=True)
            if c is None:
                raise NotFoundError(f"no conflict {conflict_id}: `sheetsync conflicts --all` lists them")
            if c.resolved_at is not None:
                raise ConflictResolvedError(
                    f"conflict {conflict_id} was already resolved by {c.resolved_by or 'someone'} on "
                    f"{c.resolved_at:%Y-%m-%d %H:%M} UTC")
            c.resolved_at, c.resolved_by = utcnow(), by
            return c

    def settle_conflict(self, conflict_id: int, value: Any, *, origin: str, actor: str) -> tuple[Any, Any]:
        """Put the value a person chose into the conflict's field, log a ``resolve`` row naming them and
        the value, and close the conflict, in one transaction; returns the field's (old, new) value.

        An invoice's note goes with the turnover refresh's rewrite, so its conflict has no note left to clear.
        """
        with self._tx() as s:
            c = self.get_conflict(conflict_id, session=s)
            invoice = c.entity_key.startswith("INV-")
            fields = {c.field: value}
            updated: Task | Invoice
            if invoice:
                old = getattr(self._store.invoices.get(c.entity_key, session=s), c.field)
                updated = self._store.invoices.update(c.entity_key, fields, origin=origin, actor=actor, session=s,
                                                      reason=f"conflict {conflict_id} resolved")
            else:
                old = getattr(self._store.tasks.get(c.entity_key, session=s), c.field)
                updated = self._store.tasks.update(c.entity_key, fields, origin=origin, actor=actor, session=s)
            new = getattr(updated, c.field)
            changelog.record(s, entity="invoice" if invoice else "task", entity_key=c.entity_key,
                             client_id=c.client_id, action="resolve", origin=origin, actor=actor,
                             changes={c.field: (old, new)})
            closed = self.resolve_conflict(conflict_id, by=actor, session=s)
            if invoice:
                closed.note_cleared_at = closed.resolved_at
            return old, new

    def notes_to_clear(self, client: ClientRef) -> Sequence[Conflict]:
        """Resolved conflicts whose note is still on the sheet (the sync takes it off)."""
        with self._read() as s:
            return s.scalars(select(Conflict).where(
                Conflict.client_id == client_id_of(s, client), Conflict.resolved_at.is_not(None),
                Conflict.note_cleared_at.is_(None)).order_by(Conflict.id)).all()

    def mark_notes_cleared(self, conflict_ids: Iterable[int]) -> None:
        """After the sheet write that took the notes off: done, never again."""
        ids = list(conflict_ids)
        if not ids:
            return
        with self._tx() as s:
            s.execute(update(Conflict).where(Conflict.id.in_(ids)).values(note_cleared_at=utcnow()))

    # --- invalid values --------------------------------------------------------------------

    def add_error(self, client: ClientRef | None, *, message: str, spreadsheet_id: str | None = None,
                  sheet: str | None = None, row_key: str | None = None, field: str | None = None,
                  value: Any = None, sync_run_id: int | None = None) -> SyncError:
        with self._tx() as s:
            e = SyncError(client_id=client_id_of(s, client) if client is not None else None, message=message,
                          spreadsheet_id=spreadsheet_id, sheet=sheet, row_key=row_key, field=field,
                          value=dumps(value), sync_run_id=sync_run_id)
            s.add(e)
            s.flush()
            return e

    def errors(self, client: ClientRef | None = None, *, unresolved: bool = True) -> Sequence[SyncError]:
        with self._read() as s:
            stmt = select(SyncError).order_by(SyncError.id)
            if client is not None:
                stmt = stmt.where(SyncError.client_id == client_id_of(s, client))
            if unresolved:
                stmt = stmt.where(SyncError.resolved_at.is_(None))
            return s.scalars(stmt).all()

    def resolve_errors(self, client: ClientRef, *, row_key: str | None = None, field: str | None = None) -> int:
        """Mark open errors of a client (optionally one row / field) resolved; returns how many."""
        with self._tx() as s:
            stmt = update(SyncError).where(SyncError.client_id == client_id_of(s, client),
                                           SyncError.resolved_at.is_(None))
            if row_key is not None:
                stmt = stmt.where(SyncError.row_key == row_key)
            if field is not None:
                stmt = stmt.where(SyncError.field == field)
            return rowcount(s.execute(stmt.values(resolved_at=utcnow())))


def upsert_base(session: Any, spreadsheet_id: str, rows: Mapping[BaseKey, Any]) -> None:
    """Insert or update base cells inside the caller's transaction, in bulk.

    SQLite and PostgreSQL use ``INSERT .. ON CONFLICT DO UPDATE`` on the table's unique
    (spreadsheet_id, sheet, row_key, field); other dialects read the keys once and split.
    """
    if not rows:
        return
    data = [{"spreadsheet_id": spreadsheet_id, "sheet": sh, "row_key": rk, "field": f, "value": dumps(v)}
            for (sh, rk, f), v in rows.items()]
    t = table_of(SyncBase)
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        stmt = sqlite.insert(t) if dialect == "sqlite" else postgresql.insert(t)
        session.execute(stmt.on_conflict_do_update(  # executemany: one compiled statement, batched by the driver
            index_elements=[t.c.spreadsheet_id, t.c.sheet, t.c.row_key, t.c.field],
            set_={"value": stmt.excluded.value}), data)
        return
    existing = {(sh, rk, f): i for i, sh, rk, f in session.execute(
        select(t.c.id, t.c.sheet, t.c.row_key, t.c.field).where(t.c.spreadsheet_id == spreadsheet_id))}
    new = [d for d in data if (d["sheet"], d["row_key"], d["field"]) not in existing]
    upd = [{"row_id": existing[(d["sheet"], d["row_key"], d["field"])], "value": d["value"]}
           for d in data if (d["sheet"], d["row_key"], d["field"]) in existing]
    if new:
        session.execute(insert(t), new)
    if upd:
        session.connection().execute(update(t).where(t.c.id == bindparam("row_id")).values(value=bindparam("value")),
                                     upd)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type: 1, 1.0 and True are different base values (they dump differently)."""
    if type(a) is not type(b):
        return False
    return a == b if a is None or isinstance(a, (str, int, float)) else dumps(a) == dumps(b)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


__all__ = ["BaseKey", "LastRun", "SyncStateRepository", "upsert_base"]
