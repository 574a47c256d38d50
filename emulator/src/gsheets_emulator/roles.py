"""Drive roles and Permission resources, shared by Drive's handlers, the dispatcher and spreadsheets.create."""

from __future__ import annotations

import hashlib
from typing import Any

ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 3, "organizer": 3, "owner": 4}


def best_role(permissions: list[dict[str, Any]], user: str, best: str | None = None) -> str | None:
    """The highest role ``permissions`` give ``user`` (starting from ``best``)."""
    for p in permissions:
        kind = p.get("type")
        ok = (kind in ("user", "group") and p.get("emailAddress", "").lower() == user.lower()) or kind == "anyone" \
            or (kind == "domain" and user.lower().endswith("@" + p.get("domain", "").lower()))
        if ok and (best is None or ROLE_RANK[p["role"]] > ROLE_RANK[best]):
            best = p["role"]
    return best


def permission_id(email: str) -> str:
    """A stable numeric permission id for a user, like Drive's."""
    return str(int(hashlib.sha1(email.lower().encode()).hexdigest()[:15], 16))


def owner_permission(email: str) -> dict[str, Any]:
    """The Permission resource a new file's owner holds."""
    return {"kind": "drive#permission", "id": permission_id(email), "type": "user", "emailAddress": email,
            "role": "owner", "displayName": email.split("@")[0], "deleted": False, "pendingOwner": False}
