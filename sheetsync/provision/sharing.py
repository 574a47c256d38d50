"""Sharing a client's spreadsheet exactly as the config says, and nothing else.

``plan_sharing`` is pure: wanted people and roles vs the file's Drive permissions -> creates,
role changes and removals. The file's owner and the service account are never touched, nor are
the members of a shared drive holding the file (their access is inherited from the drive, managed
there, and cannot be removed from one file).
``lock_writers`` turns the file's ``writersCanShare`` off (provisioning), so an editor cannot share
the spreadsheet; ``check_sharing`` is the daemon's scheduled check that takes back whatever was
shared anyway (by someone with owner rights, or on a file provisioned before the lock existed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort, StorePort
    from sheetsync.store.models import Client

log = logging.getLogger(__name__)

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


def apply_sharing(sheets: SheetsPort, file_id: str, plan: SharingPlan, *, notify: bool = False) -> None:
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


# --- editors cannot re-share, and the daemon takes back what they shared anyway -----------------

def lock_writers(sheets: SheetsPort, file_id: str) -> str:
    """Turn the file's Drive ``writersCanShare`` off, so editors (managers, client editors) cannot share it.

    One Drive ``files.get`` to see the setting, plus one ``files.update`` when it is on. Answers
    ``"locked"`` (turned off now), ``"already"`` (it was off, or the file is in a shared drive, where
    Drive leaves the field out and the drive's own sharing restrictions apply) or ``"not_owner"``
    (it is on but only the file's owner may change it, e.g. an adopted spreadsheet someone else owns).
    """
    from sheetsync.sheets.batch import DRIVE_FILES
    from sheetsync.sheets.errors import PermissionDenied

    url = f"{DRIVE_FILES}/{quote(file_id, safe='')}"
    got = sheets.request("GET", url, params={"fields": "writersCanShare,ownedByMe", "supportsAllDrives": "true"},
                         what=f"reading who may share file {file_id}") or {}
    if got.get("writersCanShare") is not True:
        return "already"
    if not got.get("ownedByMe", True):
        return "not_owner"
    try:
        sheets.request("PATCH", url, params={"fields": "writersCanShare", "supportsAllDrives": "true"},
                       json_body={"writersCanShare": False}, what=f"stopping editors from sharing file {file_id}")
    except PermissionDenied:
        return "not_owner"
    return "locked"


def account_identity(client: Client, accounts: Mapping[str, str] | None) -> str | None:
    """The email of the pool account that syncs ``client`` (None: the default account, which needs no share).

    ``accounts``: pool account name -> the identity it acts as (``App.sheets.accounts``). A client
    assigned to an account that is not configured stops here, before any sharing is changed."""
    name = getattr(client, "account", None)
    if not name:
        return None
    try:
        return accounts[name].lower() if accounts is not None else _missing(client, name)
    except KeyError:
        return _missing(client, name)


def _missing(client: Client, name: str) -> str:
    raise LookupError(f"client {client.slug} is synced by account {name!r}, which is not in backend.accounts: add "
                      f"it back to the config, or run `sheetsync clients move-account {client.slug} default`")


def client_wanted(client: Client, *, viewer_role: str = "reader", managers: Iterable[str] = (),
                  accounts: Mapping[str, str] | None = None, also: Iterable[str] = ()) -> dict[str, str]:
    """Who the config gives access to ``client``'s spreadsheet (a store client row), email -> role.

    The pool account that syncs the client (``clients.account``, its email from ``accounts``) is a
    writer; ``also``: more account emails kept as writers (the new one during a move)."""
    manager = getattr(client, "manager_email", None)
    people: list[str] = [manager] if manager else []
    account = account_identity(client, accounts)
    people += [a for a in (account, *also) if a]
    people += [e for e in (*(client.editor_emails or ()), *managers) if e]
    return wanted_roles(viewers=client.viewer_emails or (), viewer_role=viewer_role,
                        managers=tuple(dict.fromkeys(e.lower() for e in people)))


@dataclass
class SharingCheck:
    """What one client's sharing check found and did."""

    slug: str
    reverted: list[str] = field(default_factory=list)  # "who: role -> role" taken back ("-" = removed)
    missing: list[str] = field(default_factory=list)  # config people without access: `sheetsync provision` adds them


def check_sharing(store: StorePort, sheets: SheetsPort, client: Client, *, viewer_role: str = "reader",
                  managers: Iterable[str] = (), actor: str = "sharing-check", dry_run: bool = False,
                  accounts: Mapping[str, str] | None = None) -> SharingCheck:
    """Compare ``client``'s spreadsheet permissions with the config and take back what it does not list.

    One Drive ``permissions.list``; then one Drive call per permission removed or role reset. People
    the config lists but who have no access are only reported (provisioning shares, and sends the
    e-mails). What was taken back is logged and written to the store's change log (entity client,
    field ``sharing``, origin daemon). The pool account that syncs the client keeps its access
    (``accounts``: name -> email; default: ``sheets.accounts``, which the App sets); any other pool
    account is taken back like anyone else — an account only reaches its own clients' spreadsheets.
    """
    sid = client.spreadsheet_id
    if not sid:
        raise ValueError(f"client {client.slug} has no spreadsheet to check (provision it first)")
    out = SharingCheck(client.slug)
    accounts = accounts if accounts is not None else getattr(sheets, "accounts", None)
    wanted = client_wanted(client, viewer_role=viewer_role, managers=managers, accounts=accounts)
    current = sheets.list_permissions(sid)
    plan = plan_sharing(wanted, current, service_account=sheets.identity)
    roles = {str(p.get("id")): str(p.get("role")) for p in current}
    out.missing = [f"{e}:{r}" for e, r in plan.create]
    taken = SharingPlan(update=plan.update, remove=plan.remove)
    if taken.empty:
        return out
    changes: list[tuple[str, str, str | None]] = [(who, roles.get(pid, "?"), role) for pid, who, role in plan.update]
    changes += [(who, roles.get(pid, "?"), None) for pid, who in plan.remove]
    out.reverted = [f"{who}: {old} -> {new or '-'}" for who, old, new in changes]
    if dry_run:
        return out
    apply_sharing(sheets, sid, taken)
    log.warning("sharing reverted", extra={"client": client.slug, "spreadsheet": sid,
                                           "reverted": out.reverted})
    store.clients.record_sharing(client.slug, changes, origin="daemon", actor=actor)
    return out
