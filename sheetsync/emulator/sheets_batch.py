"""spreadsheets.batchUpdate: the request-kind registry and the endpoint.

Each request kind (addSheet, updateCells, ...) is a function registered with
``@request_kind("addSheet")`` taking ``(req, ss, body)`` and returning the reply dict
(``{"addSheet": {...}}``) or ``None`` for an empty reply ``{}``. Kinds live in the module
that owns their subject (structure here; cell content in sheets_cells).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REQUEST_KINDS: dict[str, Callable[..., Any]] = {}


def request_kind(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        REQUEST_KINDS[name] = fn
        return fn

    return deco
