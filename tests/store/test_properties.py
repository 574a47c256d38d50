"""Property tests: whatever sequence of edits, the log can put back every earlier value exactly."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import ACTOR

from sheetsync.store import Store
from sheetsync.store.models import Task
from sheetsync.store.values import dumps, loads_field

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
FIELDS = {
    "title": text.filter(lambda s: s.strip() != ""),
    "client_comment": text,
    "estimate_hours": st.one_of(st.none(), st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2))),
    "priority": st.integers(1, 5),
    "status": st.sampled_from(["backlog", "planned", "in_progress", "waiting_client", "review", "done"]),
    "deadline": st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))),
    "forced": st.booleans(),
}
edit = st.sampled_from(sorted(FIELDS)).flatmap(lambda f: st.tuples(st.just(f), FIELDS[f]))


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_logged_values_decode_to_the_same_python_value(field):
    @given(FIELDS[field])
    @settings(max_examples=50, deadline=None)
    def check(value):
        assert loads_field(Task, field, dumps(value)) == value

    check()


@settings(max_examples=100 if os.environ.get("SHEETSYNC_LONG") else 8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(edit, min_size=1, max_size=8))
def test_restore_from_any_change_gives_back_the_value_before_it(_sqlite_template, tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("prop") / "store.db"
    shutil.copyfile(_sqlite_template, path)
    with Store.open(path) as store:
        store.clients.create("acme", name="ACME", origin="cli", actor=ACTOR)
        key = store.tasks.create("acme", title="start", origin="cli", actor=ACTOR).key
        for field, value in edits:
            store.tasks.update(key, {field: value}, origin="sheet", actor="m@agency.test")
        updates = [r for r in store.log(task=key) if r.action == "update"]
        assert [r.field for r in updates] == [r.field for r in updates if r.old != r.new]
        for row in reversed(updates):
            restored = store.restore(key, change_id=row.id, actor=ACTOR)
            assert getattr(restored, row.field) == loads_field(Task, row.field, row.old)
        # undoing every change newest-first lands exactly on the starting task
        final = store.tasks.get(key)
        assert (final.title, final.client_comment, final.estimate_hours, final.priority, final.status,
                final.deadline, final.forced) == ("start", "", None, 3, "backlog", None, False)
