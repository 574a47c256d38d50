"""Sharing a client's spreadsheet exactly as the config says, and nothing else.

``plan_sharing`` is pure: wanted people and roles vs the file's Drive permissions -> creates,
role changes and removals. The file's owner and the service account are never touched, nor are
the members of a shared drive holding the file (their access is inherited from the drive, managed
there, and cannot be removed from one file).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3}
VIEWER_ROLES = ("reader", "commenter")


@dataclass(frozen=True)
class SharingPlan:
    create: list[tuple[str, str]] = field(default_factory=list)  # (email, role)
    update: list[tuple[str, str, str]] = field(default_factory=list)  # (permission id, who, role)
    remove: list[tuple[str, str]] = field(default_factory=list)  # (permission id, who)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.remove)


def wanted_roles(*, viewers: Iterable[str] = (), viewer_role: str = "reader", client_editors: Iterable[str] = (),
                 managers: Iterable[str] = ()) -> dict[str, str]:
    """email (lower-case) -> role; a person listed twice gets the higher role."""
    if viewer_role not in VIEWER_ROLES:
        raise ValueError(f"viewer role {viewer_role!r} is not one of {', '.join(VIEWER_ROLES)}; "
                         f"set it to reader (view only) or commenter in the config")
    out: dict[str, str] = {}
    for emails, role in ((viewers, viewer_role), (client_editors, "writer"), (managers, "writer")):
        for e in emails:
            e = e.strip().lower()
            if e and ROLE_RANK[role] > ROLE_RANK.get(out.get(e, ""), 0):
                out[e] = role
    return out


def _who(p: Mapping[str, Any]) -> str:
    if p.get("type") in ("user", "group"):
        return str(p.get("emailAddress", "")).lower()
    if p.get("type") == "domain":
        return f"domain:{p.get('domain', '')}"
    return str(p.get("type", "?"))


_MEMBER_RANK = {**ROLE_RANK, "fileOrganizer": 4, "organizer": 5}


def _roles(p: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the role given on the file itself, the role inherited from a shared drive); either may be None.

    A permission without ``permissionDetails`` (a My Drive file) is all the file's own."""
    details = p.get("permissionDetails") or []
    if not details:
        return p.get("role"), None
    own = next((d.get("role") for d in details if not d.get("inherited")), None)
    inherited = max((d.get("role") for d in details if d.get("inherited")), key=lambda r: _MEMBER_RANK.get(r, 0),
                    default=None)
    return own, inherited


def plan_sharing(wanted: Mapping[str, str], permissions: Sequence[Mapping[str, Any]], *,
                 service_account: str) -> SharingPlan:
    plan = SharingPlan()
    sa = service_account.lower()
    have: dict[str, tuple[str, str]] = {}  # who -> (permission id, the file's own role)
    member: dict[str, str] = {}  # who -> role inherited from the shared drive
    for p in permissions:
        who = _who(p)
        own, inherited = _roles(p)
        if inherited is not None:
            member[who] = inherited
        if p.get("role") == "owner" or who == sa or own is None:
            continue
        if who in wanted and p.get("type") in ("user", "group") and who not in have:
            have[who] = (str(p["id"]), own)
        else:
            plan.remove.append((str(p["id"]), who))
    for email, role in sorted(wanted.items()):
        if email == sa:
            continue
        got = have.get(email)
        if got is None:
            if _MEMBER_RANK.get(member.get(email, ""), 0) < ROLE_RANK[role]:  # a drive member may have enough
                plan.create.append((email, role))
        elif got[1] != role:
            plan.update.append((got[0], email, role))
    return plan


def apply_sharing(sheets: Any, file_id: str, plan: SharingPlan, *, notify: bool = False) -> None:
    """Carry out ``plan`` with the transport (one Drive call per change)."""
    from sheetsync.sheets.batch import ALL_DRIVES, DRIVE_FILES

    for email, role in plan.create:
        sheets.share(file_id, email, role, notify=notify)
    for perm_id, who, role in plan.update:
        sheets.request("PATCH", f"{DRIVE_FILES}/{quote(file_id, safe='')}/permissions/{quote(perm_id, safe='')}",
                       params={"fields": "id,role", **ALL_DRIVES}, json_body={"role": role},
                       what=f"changing {who}'s access")
    for perm_id, _ in plan.remove:
        sheets.remove_permission(file_id, perm_id)
