"""Formula recalculation after a content change. (to be written by the values/formula work)"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Emulator
    from .model import SpreadsheetState


def recalc(ss: SpreadsheetState, emulator: Emulator) -> None:
    """Re-evaluate every formula cell of ``ss`` and refresh effectiveValue/formattedValue."""
