"""Conflicts in the view: listed under the spreadsheet they concern and settled there, as
`sheetsync conflicts resolve` settles them (issue 17 item 5).

The view draws the emulator; conflicts live in the store. :class:`ConflictDesk` is the seam between the
two: `sheetsync view` gives the view a :class:`StoreConflicts` over the configured store; a view built
without one shows no conflicts. Only the agency's people settle conflicts — the operator (the identity
sheetsync acts as) and the client's responsible manager — never a client's viewer or editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sheetsync.ports import StorePort
    from sheetsync.store.models import Client


@dataclass(frozen=True)
class ConflictItem:
    id: int
    task: str
    field: str
    sheet_value: str
    store_value: str
    winner: str


class Unresolvable(Exception):
    """A resolution refused: the message says why, in one line (shown on the page)."""


class ConflictDesk(Protocol):
    def open_for(self, spreadsheet_id: str, person: str) -> list[ConflictItem] | None:
        """The open conflicts of the spreadsheet's client; None when ``person`` may not settle them."""

    def resolve(self, spreadsheet_id: str, conflict_id: int, take: str, person: str) -> str:
        """Settle one (take: sheet | store | a value as typed); returns a line to show; raises Unresolvable."""


class StoreConflicts:
    """The desk over the task store: the same `resolve_conflict` the CLI uses, the person as the actor."""

    def __init__(self, store: StorePort, operator: str) -> None:
        self.store = store
        self.operator = operator.lower()

    def _client(self, spreadsheet_id: str, person: str) -> Client | None:
        client = next((c for c in self.store.clients.list(active=None) if c.spreadsheet_id == spreadsheet_id), None)
        if client is None:
            return None
        allowed = {self.operator, (client.manager_email or "").lower()}
        return client if person.lower() in allowed else None

    def open_for(self, spreadsheet_id: str, person: str) -> list[ConflictItem] | None:
        from sheetsync.store.values import loads

        client = self._client(spreadsheet_id, person)
        if client is None:
            return None
        return [ConflictItem(c.id, c.entity_key, c.field, _shown(loads(c.sheet_value)), _shown(loads(c.store_value)),
                             c.winner) for c in self.store.sync.conflicts(client.slug)]

    def resolve(self, spreadsheet_id: str, conflict_id: int, take: str, person: str) -> str:
        from sheetsync.store import StoreError
        from sheetsync.sync.resolve import resolve_conflict

        client = self._client(spreadsheet_id, person)
        if client is None:
            raise Unresolvable(f"{person} may not settle this client's conflicts (the operator and the client's "
                               "manager may)")
        if conflict_id not in {c.id for c in self.store.sync.conflicts(client.slug, unresolved=False)}:
            raise Unresolvable(f"no conflict {conflict_id} for this spreadsheet")
        try:
            r = resolve_conflict(self.store, conflict_id, take, actor=person, origin="cli")
        except StoreError as e:
            raise Unresolvable(str(e)) from e
        return (f"conflict {conflict_id} settled: {r.key} {r.field} = {_shown(r.value)}; the next sync writes it "
                "and takes the note off")


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
