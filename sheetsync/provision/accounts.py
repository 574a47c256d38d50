"""Moving a client to another service account of the pool (``sheetsync clients move-account``).

An account can only sync a spreadsheet it can write, protected ranges included, and must reach no
other client's. So a move is three steps, each safe to repeat:

1. **grant**: share the spreadsheet with the new account (writer) and add it to the editors of
   every protected range sheetsync keeps (one Drive ``permissions.list``, a ``permissions.create``
   when it has no access yet, one Sheets read of the protected ranges and one ``batchUpdate`` when
   an editor list lacks it);
2. **switch**: the store's ``clients.account`` (change-logged) — from here the client's syncs run on
   the new account;
3. **revoke**: take the old account off the protected ranges and remove its permission.

Interrupted after 1, the old account still syncs and the new one merely has access; after 2, the
old account keeps access it no longer uses. Running the move again finishes it (every step looks
before it acts). The default account (``[backend]``) creates and provisions every spreadsheet, so it
keeps its access; every other account only ever has access to its own clients' spreadsheets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .desired import PROTECTION_PREFIX
from .sharing import ROLE_RANK, _roles, _who

if TYPE_CHECKING:
    from sheetsync.ports import SheetsPort, StorePort

PROTECTION_FIELDS = "sheets(properties(sheetId,title),protectedRanges)"


@dataclass
class AccessChange:
    """What granting or revoking accounts did (or, dry run, would do) to one spreadsheet."""

    shared: list[str] = field(default_factory=list)  # "email:writer" given or raised
    unshared: list[str] = field(default_factory=list)  # emails whose permission went
    protections: int = 0  # protected ranges whose editors changed

    @property
    def empty(self) -> bool:
        return not (self.shared or self.unshared or self.protections)


def set_account_access(sheets: SheetsPort, spreadsheet_id: str, *, grant: Iterable[str] = (),
                       revoke: Iterable[str] = (), dry_run: bool = False) -> AccessChange:
    """Give ``grant`` writer access and protected-range edit rights, take both from ``revoke``.

    Only sheetsync's own protected ranges (description ``sheetsync:…``) are touched, and never the
    acting account's own rights (``sheets.identity``: it owns or provisions the file)."""
    me = sheets.identity.lower()
    grant = [g.lower() for g in grant if g.lower() != me]
    revoke = [r.lower() for r in revoke if r.lower() != me and r.lower() not in grant]
    out = AccessChange()
    if not grant and not revoke:
        return out
    perms = sheets.list_permissions(spreadsheet_id)
    if grant:  # share first: an editor of a protected range must be able to open the file
        _share(sheets, spreadsheet_id, perms, grant, out, dry_run)
    requests = _protection_requests(sheets, spreadsheet_id, grant, revoke)
    out.protections = len(requests)
    if requests and not dry_run:
        sheets.batch_update(spreadsheet_id, requests)
    for p in perms:  # unshare last: the protected ranges no longer name it
        own, _inherited = _roles(p)
        if _who(p) in revoke and p.get("type") == "user" and own is not None and p.get("role") != "owner":
            out.unshared.append(_who(p))
            if not dry_run:
                sheets.remove_permission(spreadsheet_id, str(p["id"]))
    return out


def _share(sheets: SheetsPort, sid: str, perms: list[dict[str, Any]], grant: list[str], out: AccessChange,
           dry_run: bool) -> None:
    from urllib.parse import quote

    from sheetsync.sheets.batch import ALL_DRIVES, DRIVE_FILES

    for email in grant:
        mine = [p for p in perms if _who(p) == email and p.get("type") == "user"]
        if any(p.get("role") == "owner" or ROLE_RANK.get(str(_roles(p)[0] or _roles(p)[1]), 0) >= ROLE_RANK["writer"]
               or _roles(p)[1] in ("fileOrganizer", "organizer") for p in mine):
            continue
        out.shared.append(f"{email}:writer")
        if dry_run:
            continue
        own = next((p for p in mine if _roles(p)[0] is not None), None)
        if own is None:
            sheets.share(sid, email, "writer")
        else:
            sheets.request("PATCH", f"{DRIVE_FILES}/{quote(sid, safe='')}/permissions/{quote(str(own['id']), safe='')}",
                           params={"fields": "id,role", **ALL_DRIVES}, json_body={"role": "writer"},
                           what=f"giving {email} write access")


def _protection_requests(sheets: SheetsPort, sid: str, grant: list[str], revoke: list[str]) -> list[dict[str, Any]]:
    meta = sheets.get_metadata(sid, PROTECTION_FIELDS)
    out: list[dict[str, Any]] = []
    for s in meta.get("sheets", []) or []:
        for pr in s.get("protectedRanges", []) or []:
            if not str(pr.get("description", "")).startswith(PROTECTION_PREFIX):
                continue
            editors = dict(pr.get("editors") or {})
            users = list(editors.get("users") or [])
            low = {u.lower() for u in users}
            new = [u for u in users if u.lower() not in revoke] + [g for g in grant if g not in low]
            if new == users:
                continue
            editors["users"] = new
            out.append({"updateProtectedRange": {"protectedRange": {"protectedRangeId": pr["protectedRangeId"],
                                                                    "editors": editors},
                                                 "fields": "editors"}})
    return out


@dataclass
class MoveResult:
    slug: str
    old: str  # account names ("default" for [backend] itself)
    new: str
    dry_run: bool
    switched: bool = False  # the store's assignment changed in this run
    granted: AccessChange = field(default_factory=AccessChange)
    revoked: AccessChange = field(default_factory=AccessChange)
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.switched and self.granted.empty and self.revoked.empty


Progress = Callable[[str], object]
DEFAULT = "default"


def move_account(store: StorePort, sheets: SheetsPort, slug: str, to: str, *, identities: Mapping[str, str],
                 actor: str = "cli", dry_run: bool = False, progress: Progress | None = None) -> MoveResult:
    """Move ``slug`` to account ``to`` (a pool name, or "default"): grant, switch, revoke (module doc).

    ``sheets`` acts as the default account; ``identities``: every pool account's email by name. Every
    other pool account that still has access to the spreadsheet (a move interrupted earlier) loses it."""
    say = progress or (lambda _m: None)
    if to != DEFAULT and to not in identities:
        raise LookupError(f"no account {to!r} in backend.accounts; known: "
                          + ", ".join([DEFAULT, *identities]))
    client = store.clients.get(slug)
    old = client.account or DEFAULT
    res = MoveResult(slug, old, to, dry_run)
    new_email = identities[to].lower() if to != DEFAULT else None
    others = [e.lower() for name, e in identities.items() if name != to]
    sid = client.spreadsheet_id
    if sid is None:
        res.notes.append(f"{slug} has no spreadsheet yet: `sheetsync provision {slug}` shares it with {to}")
    elif new_email:
        say(f"{slug}: sharing spreadsheet {sid} with {to} ({new_email}) as writer and protected-range editor")
        res.granted = set_account_access(sheets, sid, grant=[new_email], dry_run=dry_run)
    if old != to:
        say(f"{slug}: switching from account {old} to {to}")
        res.switched = True
        if not dry_run:
            store.clients.assign_account(slug, None if to == DEFAULT else to, origin="cli", actor=actor)
    if sid is not None:
        say(f"{slug}: removing the other accounts' access ({old if old != to else 'any left from before'})")
        res.revoked = set_account_access(sheets, sid, revoke=others, dry_run=dry_run)
        changes: list[tuple[str, str, str | None]] = [(e.split(":")[0], "none", "writer") for e in res.granted.shared]
        changes += [(e, "writer", None) for e in res.revoked.unshared]
        if changes and not dry_run:
            store.clients.record_sharing(slug, changes, origin="cli", actor=actor)
    if to != DEFAULT and old == DEFAULT and sid is not None:
        res.notes.append(f"the default account keeps its access to {slug}'s spreadsheet: it creates and "
                         "provisions every spreadsheet")
    return res
