"""What a handler sees and returns (Request, Response), and the checks every handler makes of a request.

Kept apart from core.py so that handlers depend on these shapes, not on the Emulator that dispatches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ApiError, unknown_field

if TYPE_CHECKING:
    from .core import Emulator

# Query parameters every Google API accepts (system parameters), besides a method's own.
SYSTEM_PARAMS = frozenset({"fields", "key", "prettyPrint", "alt", "$.xgafv", "quotaUser", "access_token",
                           "callback", "upload_protocol", "uploadType", "oauth_token"})


@dataclass
class Request:
    """What a handler sees."""

    emulator: Emulator
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    user: str
    api: str = ""
    name: str = ""  # the discovery method id of the route that matched ("" when none did)
    kind: str = ""  # that route's quota kind: "read" | "write"
    changed: bool = False  # a handler sets this when content changed (bumps modifiedTime/version)
    cells_written: int = 0
    recalculated: bool = False  # formulas already brought up to date for this request's writes (recalc)

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as e:
            raise ApiError(400, f"Invalid JSON payload received. {e}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        return data

    def param(self, name: str, default: str | None = None) -> str | None:
        v = self.query.get(name)
        return v[-1] if v else default

    def params(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def bool_param(self, name: str, default: bool = False) -> bool:
        v = self.param(name)
        if v is None:
            return default
        return v.lower() == "true"


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json; charset=UTF-8"})

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def check_params(req: Request, allowed: set[str] | frozenset[str]) -> None:
    """Google's 400 for a query parameter the method does not have."""
    for name in req.query:
        if name not in allowed and name not in SYSTEM_PARAMS:
            raise ApiError(400, f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                                f"Field '{name}' could not be found in request message.")


def check_keys(obj: dict[str, Any], known: set[str], where: str) -> None:
    for k in obj:
        if k not in known:
            raise unknown_field(where, k)


def strict_bool_param(req: Request, name: str) -> bool:
    """A boolean query parameter as Sheets reads it: empty is false, anything but true/false a 400."""
    v = req.param(name)
    if v is None or v == "":
        return False
    if v.lower() not in ("true", "false"):
        raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), \"{v}\"")
    return v.lower() == "true"


def bool_json(body: dict[str, Any], name: str) -> bool:
    v = body.get(name, False)
    if not isinstance(v, bool):
        raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), {v!r}")
    return v
