"""A synthetic agency on the embedded emulator and a SQLite store, already in sync, ready to measure.

How it is built (set-up, never measured):

* the store through its repositories (clients, specialists, task types, tasks with their change log);
* client 0's spreadsheet through real provisioning (grid rows: a client's backlog plus 50, at least 60,
  instead of the default 1,000 — the emulator keeps grids dense, so empty rows cost it time); every other client gets a byte-for-byte copy of
  that freshly provisioned (still empty) spreadsheet under a new file id — what provisioning would
  have made, at a fraction of the cost (provisioning itself is measured on its own);
* a first sync cycle fills every sheet with its client's tasks, a second confirms the steady state.
* with ``synced_clients`` (the large agencies), clients after the first ``synced_clients`` start with
  no tasks: their empty copy needs no first sync, so it is recorded as synced the way the engine's
  own first cycle would record it (a finished SyncRun with the sheet's modifiedTime and the store's
  change counter, the layout in the engine's cache). Their changes are then new tasks on both sides.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import random
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsheets_emulator import Emulator

from sheetsync.app import App
from sheetsync.provision import ProvisionSettings, provision_client
from sheetsync.sheets import Backend, connect
from sheetsync.sheets.budget import QuotaSettings
from sheetsync.sheets.retry import RetryPolicy
from sheetsync.store import Store

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"
SPECIALISTS = [("anna@agency.test", "Анна Петрова", "manager"), ("dima@agency.test", "Дмитрий", "designer"),
               ("oleg@agency.test", "Олег", "developer"), ("ira@agency.test", "Ирина", "copywriter")]
TASK_TYPES = [("design", "Дизайн", "designer", 8), ("article", "Статья", "copywriter", 4),
              ("landing", "Лендинг", "developer", 16)]
IN_WORK = ("planned", "in_progress", "waiting_client", "review")


@dataclass
class Agency:
    store: Any
    emu: Any
    sheets: Any  # SheetsClient acting as SA
    engine: Any  # SyncEngine, layouts cached as a daemon's would be
    slugs: list[str]
    sids: dict[str, str]
    tmp: Path
    keys: dict[str, list[str]] = field(default_factory=dict)  # slug -> its task keys
    _edits: int = 0

    # --- people changing things between cycles (not measured: other identities / the store) ---
    def edit_sheet_cell(self, slug: str, row: int = 2, text: str | None = None) -> None:
        """The manager types a task title in the backlog sheet (one values.update as the manager): an edit
        of an existing row, or a new task when the row is empty."""
        self._edits += 1
        sid = self.sids[slug]
        sess = self.emu.session(MANAGER)
        r = sess.put(f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values/'Бэклог'!B{row}",
                     params={"valueInputOption": "RAW"},
                     json={"values": [[text or f"edited by the manager #{self._edits}"]]})
        r.raise_for_status()

    def edit_store_tasks(self, slug: str, n: int = 1) -> None:
        """The team changes ``n`` tasks of ``slug`` in the store (priority and estimate); adds one if it has none."""
        keys = self.keys[slug][-n:]
        self._edits += 1
        if not keys:
            task = self.store.tasks.create(slug, {"title": f"New task #{self._edits}", "task_type": "article"},
                                           origin="api", actor="bench")
            self.keys[slug].append(task.key)
            return
        with self.store.session() as s:
            for i, key in enumerate(keys):
                self.store.tasks.update(key, {"priority": 1 + (self._edits + i) % 5,
                                              "estimate_hours": 1 + (self._edits + i) % 13},
                                        origin="api", actor="bench", session=s)

    def change_clients(self, share: float, *, seed: int = 1) -> list[str]:
        """Change ``share`` of the clients on both sides: one sheet cell and one store task each."""
        k = round(len(self.slugs) * share)
        if share > 0:
            k = max(k, 1)
        chosen = random.Random(seed + self._edits).sample(self.slugs, k)
        for slug in chosen:
            self.edit_sheet_cell(slug)
            self.edit_store_tasks(slug)
        return chosen

    def close(self) -> None:
        self.store.close()


def _task_fields(rnd: random.Random, i: int) -> dict[str, Any]:
    ttype, _n, role, hours = TASK_TYPES[i % len(TASK_TYPES)]
    fields: dict[str, Any] = {"title": f"Task {i}: {rnd.choice(['banner', 'landing', 'article', 'audit'])}",
                              "task_type": ttype, "priority": rnd.randint(1, 5),
                              "estimate_hours": rnd.choice([None, hours, hours / 2])}
    if i % 5 == 4:  # a fifth of the tasks are in work
        fields.update(status=rnd.choice(IN_WORK), assignee=SPECIALISTS[1 + i % 3][0], estimate_hours=hours,
                      deadline=dt.date(2026, 12, 1) + dt.timedelta(days=i % 20))
    return fields


def make_store(path: Path, n_clients: int, rows: Mapping[int, int] | int, *, seed: int = 7) -> tuple[Any, dict]:
    """The store: reference data, ``n_clients`` clients and their tasks (``rows``: per client, or by index)."""
    store = Store.open(path)
    for email, name, role in SPECIALISTS:
        store.specialists.upsert(email, name=name, role=role)
    for key, name, role, hours in TASK_TYPES:
        store.task_types.upsert(key, name=name, role=role, default_estimate_hours=hours)
    rnd = random.Random(seed)
    keys: dict[str, list[str]] = {}
    with store.session() as s:
        for c in range(n_clients):
            slug = f"client{c:04d}"
            store.clients.create(slug, name=f"Client {c}", contacts="", manager_email=MANAGER, tracker_url="",
                                 viewer_emails=[], editor_emails=[MANAGER], locale="ru", timezone="Europe/Moscow",
                                 origin="cli", actor="bench", session=s)
            n = rows.get(c, rows.get(-1, 0)) if isinstance(rows, Mapping) else rows
            keys[slug] = [store.tasks.create(slug, _task_fields(rnd, i), origin="cli", actor="bench", session=s).key
                          for i in range(n)]
    return store, keys


def clone_spreadsheet(emu: Any, sid: str, n: int) -> list[str]:
    """``n`` copies of spreadsheet ``sid`` under new ids (pickle round trip: a deep copy, faster)."""
    blob = pickle.dumps(emu.files[sid])
    out = []
    for _ in range(n):
        f = pickle.loads(blob)
        f.id = emu.new_file_id()
        f.spreadsheet.spreadsheet_id = f.id
        emu.files[f.id] = f
        out.append(f.id)
    return out


def build(n_clients: int, rows_per_client: int = 5, *, first_client_rows: int | None = None,
          grid_rows: int | None = None, tmp: Path | None = None, seed: int = 7, quota: bool = False,
          clock: Any = None, synced_clients: int | None = None) -> Agency:
    """An agency of ``n_clients`` in steady state (every sheet in sync, nothing pending)."""
    tmp = tmp or Path(tempfile.mkdtemp(prefix="sheetsync-bench-"))
    rows: dict[int, int] = {-1: rows_per_client}
    if first_client_rows is not None:
        rows[0] = first_client_rows
    if grid_rows is None:  # provisioning's default is 1,000 rows; the sync grows a grid when it must
        grid_rows = max(60, rows_per_client + 50)
    store, keys = make_store(tmp / f"agency-{n_clients}.db", n_clients, rows, seed=seed)
    emu = Emulator(clock=clock) if clock else Emulator()
    # no client-side budget and a single attempt: a 429 shows in the counts instead of being waited out
    sheets = connect(Backend(emulator=emu, user=SA, quota=QuotaSettings(enabled=False),
                             retry=RetryPolicy(max_attempts=1) if quota else RetryPolicy()))
    slugs = sorted(keys)
    synced = set(slugs[:synced_clients]) | {s for s in slugs if keys[s]}
    first = provision_client(store=store, sheets=sheets, slug=slugs[0],
                             settings=ProvisionSettings(rows=grid_rows)).spreadsheet_id
    sids = {slugs[0]: first}
    for slug, sid in zip(slugs[1:], clone_spreadsheet(emu, first, len(slugs) - 1), strict=True):
        store.clients.set_spreadsheet(slug, sid, origin="cli", actor="bench")
        sids[slug] = sid
    engine = App.of(store, sheets).engine(stage_clock=False)  # the bare engine: the sync alone is measured
    engine.cycle(sorted(synced))
    engine.cycle(sorted(synced))  # our own writes moved modifiedTime: one read each to see nothing to do
    rest = [s for s in slugs if s not in synced]
    if rest:
        proto = engine._layout(sids[rest[0]], "ru")  # the copies' layout, as the engine reads it (one call)
        counters = store.change_counters()
        for slug in rest:
            sid = sids[slug]
            engine._layouts[sid] = copy.deepcopy(proto)
            run = store.sync.start_run(slug, spreadsheet_id=sid, store_change_id=counters.get(slug),
                                       sheet_modified_time=emu.files[sid].modified_time)
            store.sync.finish_run(run.id, status="ok", api_calls=0, cells_written=0, pulled=0, pushed=0,
                                  conflicts=0, errors=0)
    agency = Agency(store, emu, sheets, engine, slugs, sids, tmp, keys)
    if quota:
        emu.quota.enabled = True
    return agency


def provision_by_cloning(app: Any, emu: Any, slugs: list[str], actor: str = "test") -> None:
    """Provision the first client for real, and give the others copies of its spreadsheet (fast)."""
    first = app.provision(slugs[0]).spreadsheet_id
    for slug, sid in zip(slugs[1:], clone_spreadsheet(emu, first, len(slugs) - 1), strict=True):
        emu.files[sid].name = f"{emu.files[first].name} ({slug})"
        app.store.clients.set_spreadsheet(slug, sid, origin="cli", actor=actor)
