"""Planner invariants on random histories (in memory): convergence, idempotence, no lost edit, no twin."""

from __future__ import annotations

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from syncsim import COLUMNS, Crash, World

from sheetsync.sync.actions import RecordConflict

STATUSES = ["backlog", "planned", "in_progress", "done", "cancelled"]
VALUES = {
    "title": st.sampled_from(["a", "b", "c", "=SUM(1)", None]),
    "priority": st.sampled_from(["1", "2", "3", None]),
    "estimate_hours": st.sampled_from(["1", "2.5", None]),
    "status": st.sampled_from(STATUSES),
    "deadline": st.sampled_from(["2026-11-24", "2026-12-01", None]),
    "actual_hours": st.sampled_from(["1", "3", None]),
}


class PlannerMachine(RuleBasedStateMachine):
    """A manager edits the sheet, the team edits the store, syncs run (and sometimes crash)."""

    @initialize(n=st.integers(0, 6))
    def setup(self, n):
        self.w = World()
        for i in range(n):
            self.w.tasks[self.w.new_key()] = {"title": f"t{i}", "priority": "3", "estimate_hours": None,
                                              "status": "backlog" if i % 2 else "planned", "deadline": None,
                                              "actual_hours": None}
        self.w.sync()
        self.edits_sheet: dict[tuple[str, str], object] = {}
        self.edits_store: dict[tuple[str, str], object] = {}
        self.crashed = False
        self.added = 0
        self.epoch = 0
        self.conflicts_seen = len(self.w.conflicts)

    def _edited(self, mine, theirs, what, value):
        """Remember an edit; the other side's edit of the same field from before a sync attempt may have
        been propagated and is now legitimately superseded by this later one."""
        mine[what] = (value, self.epoch)
        if what in theirs and theirs[what][1] < self.epoch:
            del theirs[what]

    # --- a manager in the sheet -------------------------------------------------------------------
    def _rows(self):
        return [(s, n) for s, rows in self.w.sheets.items() for n in rows]

    @precondition(lambda self: self._rows())
    @rule(data=st.data())
    def sheet_edit(self, data):
        sheet, n = data.draw(st.sampled_from(sorted(self._rows())))
        fld = data.draw(st.sampled_from([c for c in COLUMNS[sheet] if c != "key"]))
        value = data.draw(VALUES[fld])
        row = self.w.sheets[sheet][n]
        if row.get(fld) == value and (sheet, n, fld) not in self.w.invalid:
            return  # typing the same value again is no edit
        row[fld] = value
        self.w.invalid.pop((sheet, n, fld), None)
        if row.get("key"):
            self._edited(self.edits_sheet, self.edits_store, (row["key"], fld), value)

    @precondition(lambda self: self._rows())
    @rule(data=st.data())
    def sheet_invalid(self, data):
        sheet, n = data.draw(st.sampled_from(sorted(self._rows())))
        fld = data.draw(st.sampled_from(["priority", "deadline"] if sheet == "backlog" else ["deadline"]))
        if fld in COLUMNS[sheet]:
            self.w.invalid[(sheet, n, fld)] = "junk"
            self.edits_sheet.pop((self.w.sheets[sheet][n].get("key"), fld), None)

    @precondition(lambda self: self._rows())
    @rule(data=st.data())
    def sheet_delete_row(self, data):
        sheet, n = data.draw(st.sampled_from(sorted(self._rows())))
        row = self.w.sheets[sheet].pop(n)
        for k in [k for k in self.w.invalid if k[:2] == (sheet, n)]:
            del self.w.invalid[k]
        for k in [k for k in self.edits_sheet if k[0] == row.get("key")]:
            del self.edits_sheet[k]  # a person deleting the row also deletes their own edits

    @rule(sheet=st.sampled_from(sorted(COLUMNS)), status=st.sampled_from([None, "backlog", "in_progress"]),
          gap=st.integers(0, 2))
    def sheet_add_row(self, sheet, status, gap):
        rows = self.w.sheets[sheet]
        n = max(rows, default=1) + 1 + gap
        self.added += 1
        rows[n] = {"title": f"new-{self.added}", "status": status}

    @rule(sheet=st.sampled_from(sorted(COLUMNS)), data=st.data())
    def sheet_sort(self, sheet, data):
        rows = self.w.sheets[sheet]
        old = sorted(rows)
        new = data.draw(st.permutations(old))
        mapping = dict(zip(old, new, strict=True))
        self.w.sheets[sheet] = {mapping[n]: r for n, r in rows.items()}
        self.w.invalid = {((s, mapping[n], f) if s == sheet else (s, n, f)): v
                          for (s, n, f), v in self.w.invalid.items()}
        self.w.notes = {((s, mapping[n], f) if s == sheet and n in mapping else (s, n, f)): v
                        for (s, n, f), v in self.w.notes.items()}

    # --- the team in the store --------------------------------------------------------------------
    @precondition(lambda self: self.w.tasks)
    @rule(data=st.data())
    def store_edit(self, data):
        key = data.draw(st.sampled_from(sorted(self.w.tasks)))
        fld = data.draw(st.sampled_from(sorted(VALUES)))
        value = data.draw(VALUES[fld])
        if self.w.tasks[key].get(fld) == value:
            return
        self.w.tasks[key][fld] = value
        self._edited(self.edits_store, self.edits_sheet, (key, fld), value)

    @rule(status=st.sampled_from(STATUSES))
    def store_add(self, status):
        self.w.tasks[self.w.new_key()] = {"title": "from team", "priority": "2", "estimate_hours": None,
                                          "status": status, "deadline": None, "actual_hours": None}

    @precondition(lambda self: self.w.tasks)
    @rule(data=st.data())
    def store_delete(self, data):
        key = data.draw(st.sampled_from(sorted(self.w.tasks)))
        self.w.deleted.add(key)

    # --- syncing ----------------------------------------------------------------------------------
    @rule(crash_after=st.integers(0, 4))
    def sync_crashes(self, crash_after):
        self.epoch += 1
        try:
            self.w.apply(self.w.plan(), crash_after=crash_after)
        except Crash:
            self.crashed = True

    @rule()
    def sync(self):
        self.epoch += 1
        p = self.w.sync()
        note("\n".join(map(str, p.actions)))
        if self.crashed:  # after a crash one more cycle may be needed to finish what was cut off
            self.w.sync()
            self.crashed = False
        self.w.check_converged()
        again = self.w.plan()
        assert not [a for a in again.actions if type(a).__name__ != "Warn"], \
            f"second sync not empty: {list(map(str, again.actions))}"
        self._no_lost_edit(self.w.conflicts[self.conflicts_seen:])
        self.conflicts_seen = len(self.w.conflicts)
        self.edits_sheet.clear()
        self.edits_store.clear()

    def _no_lost_edit(self, conflicts: list[RecordConflict]) -> None:
        lost_sheet = {(c.key, c.field): c.sheet_value for c in conflicts}
        lost_store = {(c.key, c.field): c.store_value for c in conflicts}
        for (key, fld), (v, _) in self.edits_sheet.items():
            if key not in self.w.tasks:
                continue
            assert self.w.tasks[key].get(fld) == v or lost_sheet.get((key, fld)) == v, f"sheet edit lost {key}.{fld}"
        for (key, fld), (v, _) in self.edits_store.items():
            if key in self.w.deleted:
                continue
            assert self.w.tasks[key].get(fld) == v or lost_store.get((key, fld)) == v, f"store edit lost {key}.{fld}"

    @invariant()
    def no_task_created_twice(self):
        titles = [t["title"] for t in self.w.tasks.values() if (t["title"] or "").startswith("new-")]
        assert len(titles) == len(set(titles)), f"a row became two tasks: {sorted(titles)}"
        assert set(self.w.used) <= set(self.w.tasks)


TestPlanner = PlannerMachine.TestCase  # examples from the loaded profile: dev 50, CI 200, SHEETSYNC_LONG 2000
