"""Property: no single cell value can make a client's sync fail (issue 13, "tests to add").

One manager-editable cell of a backlog row or an in-work row gets an edge value (tests/edgevalues.py)
typed through gspread; another task of the client gets an ordinary edit. The sync must not fail,
must apply the ordinary edit, and must either apply the odd value or note it (listed error, store
unchanged); the next sync must not fail either and must write nothing new.
"""

from __future__ import annotations

import copy
import shutil

from edgevalues import edge_values, examples
from gspread.utils import rowcol_to_a1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synchelpers import MANAGER, SA

BACKLOG, IN_WORK = "Бэклог", "В работе"
EDITABLE = {  # header (ru) -> store field, per sheet: the cells a manager may type into
    BACKLOG: {"Задача": "title", "Ожидаемый результат": "expected_result", "Тип": "task_type",
              "Специализация": "role", "Исполнитель": "assignee", "Оценка, ч": "estimate_hours",
              "Источник оценки": "estimate_source", "Приоритет": "priority", "Статус": "status",
              "Комментарий клиента": "client_comment"},
    IN_WORK: {"Задача": "title", "Исполнитель": "assignee", "Оценка, ч": "estimate_hours", "Начало": "start_date",
              "Срок": "deadline", "Статус": "status", "Дата готовности": "done_date", "Факт, ч": "actual_hours"},
}
CELLS = [(sheet, header) for sheet, cols in EDITABLE.items() for header in cols]


def _world(template, tmp_path_factory):
    from gsheets_emulator import Emulator

    from sheetsync.sheets import Backend, RetryPolicy, connect
    from sheetsync.store.facade import Store
    from sheetsync.sync.engine import SyncEngine

    path = tmp_path_factory.mktemp("edge") / "store.db"
    shutil.copy(template[0], path)
    store = Store.open(path, migrate_schema=False)
    emu = Emulator()
    emu.files = copy.deepcopy(template[1])
    sheets = connect(Backend(emulator=emu, user=SA, retry=RetryPolicy(initial_wait=0.01, jitter=0.01)))
    return store, SyncEngine(store, sheets), emu.gspread_client(user=MANAGER).open_by_key(template[2])




@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None,
          max_examples=examples(12, 30, 400))
@given(cell=st.sampled_from(CELLS), typed=edge_values())
def test_no_single_cell_value_makes_a_sync_fail(_template, tmp_path_factory, cell, typed):
    sheet, header = cell
    _kind, value, raw = typed
    store, engine, manager = _world(_template, tmp_path_factory)
    try:
        status = "in_progress" if sheet == IN_WORK else "backlog"
        a = store.tasks.create("acme", {"title": "A", "status": status, "estimate_hours": 4, "priority": 3},
                               origin="cli", actor="team").key
        b = store.tasks.create("acme", {"title": "B", "status": status}, origin="cli", actor="team").key
        assert engine.sync_client("acme").failed is None
        ws = manager.worksheet(sheet)
        head = ws.row_values(1)
        rows = {r[0]: i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0]}
        field = EDITABLE[sheet][header]
        before = getattr(store.tasks.get(a), field)
        ws.update([[value]], rowcol_to_a1(rows[a], head.index(header) + 1), raw=raw)
        ws.update([["B, edited"]], rowcol_to_a1(rows[b], head.index("Задача") + 1), raw=True)

        r = engine.sync_client("acme")
        assert r.failed is None, r.warnings
        assert store.tasks.get(b).title == "B, edited"
        errors = {(e.row_key, e.field) for e in store.sync.errors("acme")}
        if (a, field) in errors:
            assert getattr(store.tasks.get(a), field) == before  # noted: the last good value stays
        for t in store.tasks.list("acme"):  # whatever got in, nothing the store or PostgreSQL cannot hold
            assert "\x00" not in (t.title or "") + (t.expected_result or "") + (t.client_comment or "")
        again = engine.sync_client("acme")
        assert again.failed is None, again.warnings
        assert engine.sync_client("acme").writes == 0  # settled
    finally:
        store.close()
