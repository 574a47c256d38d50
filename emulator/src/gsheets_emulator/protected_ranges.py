"""add/update/deleteProtectedRange: protections as Google stores and shows them.

Enforcement (who may edit what) lives in :mod:`protection`; this module validates and stores.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .errors import ApiError, unsupported
from .model import SheetState
from .protection import check_can_change_protection
from .ranges import as_int, clean_range, grid_range
from .render import render_sheet

if TYPE_CHECKING:
    from .model import SpreadsheetState
    from .rest import Request


# --- protected ranges ---------------------------------------------------------------------

PROTECTED_FIELDS = {"protectedRangeId", "range", "namedRangeId", "description", "warningOnly",
                    "requestingUserCanEdit", "unprotectedRanges", "editors"}


def _find_protected(ss: SpreadsheetState, pid: Any) -> tuple[SheetState, dict[str, Any]]:
    pid = as_int(pid, "protectedRangeId")
    for s in ss.sheets:
        for pr in s.protected_ranges:
            if pr["protectedRangeId"] == pid:
                return s, pr
    raise ApiError(400, f"No protected range with id: {pid}")


def _normalise_protection(req: Request, ss: SpreadsheetState, pr: dict[str, Any], *, creating: bool
                          ) -> SheetState:
    if "tableId" in pr:
        raise unsupported("protectedRange.tableId (tables are not modelled).")
    pr.pop("requestingUserCanEdit", None)
    if "namedRangeId" in pr:
        nr = next((n for n in ss.named_ranges if n["namedRangeId"] == pr["namedRangeId"]), None)
        if nr is None:
            raise ApiError(400, f"No named range with id: {pr['namedRangeId']}")
        if "range" in pr and pr["range"] != nr["range"]:
            raise ApiError(400, "Give either protectedRange.range or protectedRange.namedRangeId, not both.")
        pr["range"] = copy.deepcopy(nr["range"])
    if "range" not in pr:
        raise ApiError(400, "protectedRange.range is required (a GridRange; give only sheetId to protect a sheet).")
    sheet, *_ = grid_range(ss, pr["range"], "protectedRange.range")
    pr["range"] = clean_range(pr["range"], sheet)
    whole = set(pr["range"]) == {"sheetId"}
    if pr.get("unprotectedRanges") and not whole:
        raise ApiError(400, "unprotectedRanges can only be set when the whole sheet is protected.")
    for i, u in enumerate(pr.get("unprotectedRanges", [])):
        usheet, *_ = grid_range(ss, u, f"protectedRange.unprotectedRanges[{i}]")
        if usheet is not sheet:
            raise ApiError(400, "unprotectedRanges must be on the protected sheet.")
        pr["unprotectedRanges"][i] = clean_range(u, usheet)
    f = req.emulator.files[ss.spreadsheet_id]
    if pr.get("warningOnly"):
        ed = pr.get("editors") or {}
        if ed.get("groups") or ed.get("domainUsersCanEdit") or any(
                u.lower() != f.owner.lower() for u in ed.get("users", [])):
            raise ApiError(400, "Editors are not supported with warningOnly protection; drop editors or "
                                "warningOnly.")
        # Google lists the owner as the editor of a warning-only range
        # (WorksheetTest.test_add_protected_range_warning.json in burnash/gspread)
        pr["editors"] = {"users": [f.owner]}
    else:
        pr.pop("warningOnly", None)
        editors = pr.get("editors")
        if editors is None and creating:
            editors = {"users": [f.owner] + ([req.user] if req.user.lower() != f.owner.lower() else [])}
        if editors is not None:
            users = list(dict.fromkeys(editors.get("users", [])))
            if f.owner.lower() not in (u.lower() for u in users):
                users.insert(0, f.owner)  # the owner can always edit
            editors = {**editors, "users": users}
            if not editors.get("groups"):
                editors.pop("groups", None)
            if not editors.get("domainUsersCanEdit"):
                editors.pop("domainUsersCanEdit", None)
            pr["editors"] = editors
    for s in ss.sheets:
        for other in s.protected_ranges:
            if other is pr or other.get("protectedRangeId") == pr.get("protectedRangeId") and not creating:
                continue
            if whole and s is sheet and set(other.get("range", {})) == {"sheetId"}:
                raise ApiError(400, f"The sheet '{sheet.title}' is already protected; update that protection "
                                    "instead of adding another.")
    return sheet


def add_protected_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> dict[str, Any]:
    pr = copy.deepcopy(body.get("protectedRange") or {})
    if "protectedRangeId" in pr:
        pid = as_int(pr["protectedRangeId"], "protectedRange.protectedRangeId")
        if any(p["protectedRangeId"] == pid for s in ss.sheets for p in s.protected_ranges):
            raise ApiError(400, f"A protected range with id {pid} already exists.")
        pr["protectedRangeId"] = pid
    else:
        pr["protectedRangeId"] = ss.new_id()
    sheet = _normalise_protection(req, ss, pr, creating=True)
    sheet.protected_ranges.append(pr)
    req.changed = True
    seen = _as_seen(req, ss, sheet, pr)
    if "editors" in seen:
        # the reply echoes the editors as requested, without the owner Google adds to the stored range:
        # editors {"users": []} or none come back as {} (WorksheetTest.test_add_protected_range_*.json)
        asked = (body.get("protectedRange") or {}).get("editors") or {}
        seen["editors"] = {k: list(dict.fromkeys(v)) if isinstance(v, list) else v for k, v in asked.items() if v}
    return {"addProtectedRange": {"protectedRange": seen}}


def _as_seen(req: Request, ss: SpreadsheetState, sheet: SheetState, pr: dict[str, Any]) -> dict[str, Any]:
    f = req.emulator.files[ss.spreadsheet_id]
    role = req.emulator.role_of(f, req.user)
    only = SheetState(properties=sheet.properties, protected_ranges=[pr])  # the sheet holding just this range
    rendered = render_sheet(only, req.user, can_edit=role in ("writer", "owner"), is_owner=role == "owner")
    return rendered["protectedRanges"][0]


def update_protected_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    given = body.get("protectedRange") or {}
    if "protectedRangeId" not in given:
        raise ApiError(400, "protectedRange.protectedRangeId is required: it names the protection to update.")
    sheet, pr = _find_protected(ss, given["protectedRangeId"])
    check_can_change_protection(req, ss, pr)
    if not body.get("fields"):
        raise ApiError(400, "fields is required: name the fields to update, e.g. \"editors\" or \"range\".")
    new = copy.deepcopy(pr)
    fieldmask.apply(new, given, body["fields"])
    new["protectedRangeId"] = pr["protectedRangeId"]
    if "namedRangeId" in new and "range" in fieldmask.parse(body["fields"]):
        new.pop("namedRangeId")
    new_sheet = _normalise_protection(req, ss, new, creating=False)
    sheet.protected_ranges.remove(pr)
    new_sheet.protected_ranges.append(new)
    req.changed = True
    return None


def delete_protected_range(req: Request, ss: SpreadsheetState, body: dict[str, Any]) -> None:
    sheet, pr = _find_protected(ss, body.get("protectedRangeId"))
    check_can_change_protection(req, ss, pr)
    sheet.protected_ranges.remove(pr)
    req.changed = True
    return None
