"""The naive way, for comparison: every cycle, read every synced sheet whole and write it back whole.

This is what most spreadsheet sync scripts do with gspread-dataframe: ``get_as_dataframe`` of
each sheet, rebuild the frame from the store, ``set_with_dataframe`` over it. It runs against a
twin of the same emulator state (same spreadsheets, same store), so its writes never disturb the
data our engine is measured on. To be generous to it, it renders cells with our own normaliser,
caches its worksheet handles across cycles, and does no merge (its CPU is a lower bound: a real
tool must also diff, and one that does not silently overwrites the manager's edits).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from gspread_dataframe import get_as_dataframe, set_with_dataframe

from sheetsync.sync.layout import field_types
from sheetsync.sync.normalise import from_store, to_sheet
from sheetsync.templates import load_templates

from ..vocabulary import IN_WORK_STATUSES

KINDS = ("backlog", "in_work")


class NaiveSync:
    """Whole-sheet read and rewrite of each client's backlog and in-work sheets, every cycle."""

    def __init__(self, emu: Any, store: Any, user: str, *, locale: str = "ru") -> None:
        self._get, self._set = get_as_dataframe, set_with_dataframe
        self.gc = emu.gspread_client(user=user)
        self.store = store
        self.locale = locale
        self.templates = load_templates()
        dynamic = {"specialists": [s.email for s in store.specialists.list()],
                   "task_types": [t.key for t in store.task_types.list()]}
        dynamic["roles"] = sorted({s.role for s in store.specialists.list()} | {t.role for t in store.task_types.list()})
        self.types = field_types(self.templates, dynamic)
        self._ws: dict[str, dict[str, Any]] = {}
        self.differing_cells = 0

    def _worksheets(self, sid: str) -> dict[str, Any]:
        got = self._ws.get(sid)
        if got is None:
            sh = self.gc.open_by_key(sid)
            titles = {self.templates[k].title.ru: k for k in KINDS}
            got = self._ws[sid] = {titles[ws.title]: ws for ws in sh.worksheets() if ws.title in titles}
        return got

    def frame(self, tasks: Iterable[Any], kind: str) -> pd.DataFrame:
        spec = self.templates[kind]
        cols = list(spec.columns)
        wanted = ("backlog",) if kind == "backlog" else IN_WORK_STATUSES
        rows = []
        for t in tasks:
            if t.status not in wanted:
                continue
            row = []
            for c in cols:
                ft = self.types.get(c.key)
                v = getattr(t, c.key, None)
                if c.formula:
                    row.append(c.formula)
                    continue
                if ft is None:
                    row.append("" if v is None else v)
                    continue
                cell = to_sheet(from_store(v, ft), ft, self.locale)
                row.append("" if cell is None else cell)
            rows.append(row)
        return pd.DataFrame(rows, columns=[c.header.ru for c in cols])

    def sync_client(self, slug: str, sid: str) -> None:
        tasks = self.store.tasks.list(slug)
        for kind, ws in self._worksheets(sid).items():
            old = self._get(ws, evaluate_formulas=False)
            new = self.frame(tasks, kind)
            if len(old) > len(new):  # blank out rows that are gone (set_with_dataframe only overwrites)
                new = pd.concat([new, pd.DataFrame([[""] * new.shape[1]] * (len(old) - len(new)),
                                                   columns=new.columns)], ignore_index=True)
            common = [c for c in new.columns if c in old.columns]
            n = min(len(old), len(new))
            a = old[common].iloc[:n].astype(str).replace("nan", "").to_numpy()
            b = new[common].iloc[:n].astype(str).to_numpy()
            self.differing_cells += int((a != b).sum())
            self._set(ws, new, resize=False)

    def cycle(self, sids: dict[str, str], slugs: Iterable[str] | None = None) -> None:
        for slug in slugs if slugs is not None else sids:
            self.sync_client(slug, sids[slug])
