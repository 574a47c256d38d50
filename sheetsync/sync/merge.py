"""The three-way merge of one field: what the sheet shows, what the store holds, what both last agreed on.

One decision table, in the style of vdirsyncer's, for tasks (:mod:`sheetsync.sync.plan`) and invoices
(:mod:`sheetsync.invoices.sync`); each turns the decision into its own actions.

==========================  =======================================================
sheet == store              agreed: nothing to do (whatever the base says)
sheet == base != store      the store changed: the store's value wins
store == base != sheet      the sheet changed: the sheet's value wins
all three differ / no base  conflict: the policy's side wins, the loser is recorded
==========================  =======================================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

from .normalise import Canon

Side = Literal["sheet", "store"]


class _NoBase(enum.Enum):
    NO_BASE = "no base"


NO_BASE: Final = _NoBase.NO_BASE  # the field was never agreed on (distinct from an agreed empty value)


@dataclass(frozen=True)
class Merge:
    """The decision for one field. ``winner``: the side whose value both end with; None: they agree."""

    winner: Side | None
    conflict: bool = False  # both sides changed since the base (or there is none): record the loser

    @property
    def agreed(self) -> bool:
        return self.winner is None


AGREED: Final = Merge(None)
STORE_CHANGED: Final = Merge("store")
SHEET_CHANGED: Final = Merge("sheet")


def merge(sheet: Canon, store: Canon, base: Canon | _NoBase, on_conflict: Side) -> Merge:
    """Decide one field three ways; ``on_conflict`` is the policy's winner for it."""
    if sheet == store:
        return AGREED
    if base is not NO_BASE:
        if sheet == base:
            return STORE_CHANGED
        if store == base:
            return SHEET_CHANGED
    return Merge(on_conflict, conflict=True)
