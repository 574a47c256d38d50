"""Route table: one handler per REST method, registered by decorator in the module that owns it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    api: str  # "sheets" | "drive"
    name: str  # the discovery method id, e.g. "sheets.spreadsheets.values.get"
    access: str  # minimum role on the file: "reader" | "commenter" | "writer" | "owner" | "none"
    quota: str  # "read" | "write"
    handler: Callable[..., Any]
    id_param: str | None  # path parameter naming the file, checked for existence and role


ROUTES: list[Route] = []


def route(method: str, path: str, *, api: str, name: str, access: str, quota: str,
          id_param: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``handler(ctx, **path_params)``; ``path`` is a regex over the URL path."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(Route(method, re.compile("^" + path + "$"), api, name, access, quota, fn, id_param))
        return fn

    return deco


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for r in ROUTES:
        if r.method == method:
            m = r.pattern.match(path)
            if m:
                return r, m.groupdict()
    return None
