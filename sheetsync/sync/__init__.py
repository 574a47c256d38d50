"""Two-way sync of a client's backlog and in-work sheets with the task store.

snapshot -> normalise -> plan (pure) -> execute -> record base. The planner (:mod:`.plan`) is a pure
function; :mod:`.engine` does the I/O around it.
"""

from .actions import BaseRow
from .plan import Plan, Policy, SheetRow, SheetSnapshot, StoreTask, plan

__all__ = ["BaseRow", "Plan", "Policy", "SheetRow", "SheetSnapshot", "StoreTask", "plan"]
