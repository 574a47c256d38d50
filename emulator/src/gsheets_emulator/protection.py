"""Protected-range enforcement shared by every write path (values and batchUpdate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ApiError

if TYPE_CHECKING:
    from .model import FileState, SheetState, SpreadsheetState
    from .rest import Request


def _overlaps(gr: dict, sheet_id: int, r0: int, r1: int, c0: int, c1: int, sheet: SheetState) -> bool:
    if gr.get("sheetId", 0) != sheet_id:
        return False
    gr0, gr1 = gr.get("startRowIndex", 0), gr.get("endRowIndex", sheet.row_count)
    gc0, gc1 = gr.get("startColumnIndex", 0), gr.get("endColumnIndex", sheet.col_count)
    return r0 < gr1 and gr0 < r1 and c0 < gc1 and gc0 < c1


def check_can_edit(req: Request, ss: SpreadsheetState, sheet: SheetState, r0: int, r1: int, c0: int, c1: int) -> None:
    """Raise Google's 403 if ``req.user`` may not edit cells [r0,r1) x [c0,c1) of ``sheet``.

    The file's owner may always edit. A protected range (or a protected whole sheet) blocks
    every other user not listed in its ``editors.users`` / ``editors.groups`` / ``editors.domainUsersCanEdit``,
    unless it is ``warningOnly``. ``unprotectedRanges`` of a sheet protection are exempt.
    """
    f: FileState = req.emulator.files[ss.spreadsheet_id]
    if req.emulator.role_of(f, req.user) == "owner":
        return
    for pr in sheet.protected_ranges:
        if pr.get("warningOnly") or is_editor_of(req, ss, pr):
            continue
        rng = pr.get("range") or {}
        if not is_sheet_protection(pr):
            if not _overlaps(rng, sheet.sheet_id, r0, r1, c0, c1, sheet):
                continue
        else:  # a protected sheet: everything except its unprotected ranges
            if any(_covers(u, sheet.sheet_id, r0, r1, c0, c1, sheet) for u in pr.get("unprotectedRanges", [])):
                continue
        raise ApiError(400, "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
                            "to remove protection if you need to edit.", status="FAILED_PRECONDITION")


def is_sheet_protection(pr: dict) -> bool:
    """A whole-sheet protection: its range names only the sheet (or is missing)."""
    rng = pr.get("range") or {}
    return not any(k in rng for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"))


def _covers(gr: dict, sheet_id: int, r0: int, r1: int, c0: int, c1: int, sheet: SheetState) -> bool:
    if gr.get("sheetId", 0) != sheet_id:
        return False
    return (gr.get("startRowIndex", 0) <= r0 and r1 <= gr.get("endRowIndex", sheet.row_count)
            and gr.get("startColumnIndex", 0) <= c0 and c1 <= gr.get("endColumnIndex", sheet.col_count))


# --- structural edits -------------------------------------------------------------------

PROTECTED_MESSAGE = ("You are trying to edit a protected cell or object. Please contact the spreadsheet owner to "
                     "remove protection if you need to edit.")


def _protected_error() -> ApiError:
    return ApiError(400, PROTECTED_MESSAGE, status="FAILED_PRECONDITION")


def is_editor_of(req: Request, ss: SpreadsheetState, pr: dict) -> bool:
    """May ``req.user`` edit what ``pr`` protects (and change or remove ``pr`` itself)?"""
    f: FileState = req.emulator.files[ss.spreadsheet_id]
    if req.emulator.role_of(f, req.user) == "owner":
        return True
    editors = pr.get("editors", {})
    user = req.user.lower()
    if user in (u.lower() for u in editors.get("users", []) + editors.get("groups", [])):
        return True
    return bool(editors.get("domainUsersCanEdit")) and "@" in user and user.split("@")[1] == \
        f.owner.lower().split("@")[-1]


def blockers(req: Request, ss: SpreadsheetState, sheet: SheetState) -> list[dict]:
    """The protected ranges of ``sheet`` that stop ``req.user`` (warning-only ones never do)."""
    return [pr for pr in sheet.protected_ranges if not pr.get("warningOnly") and not is_editor_of(req, ss, pr)]


def check_can_insert(req: Request, ss: SpreadsheetState, sheet: SheetState, dimension: str, at: int) -> None:
    """Inserting rows/columns at ``at`` grows every range that spans the gap, so it needs edit rights there."""
    for pr in blockers(req, ss, sheet):
        rng = pr.get("range") or {}
        keys = ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")
        if is_sheet_protection(pr):
            total = sheet.col_count if dimension == "ROWS" else sheet.row_count
            span = (max(at - 1, 0), at + 1)
            r0, r1, c0, c1 = (*span, 0, total) if dimension == "ROWS" else (0, total, *span)
            if any(_covers(u, sheet.sheet_id, r0, r1, c0, c1, sheet) for u in pr.get("unprotectedRanges", [])):
                continue
            raise _protected_error()
        lo = rng.get(keys[0], 0)
        hi = rng.get(keys[1], sheet.row_count if dimension == "ROWS" else sheet.col_count)
        if lo < at < hi:
            raise _protected_error()


def check_can_change_sheet(req: Request, ss: SpreadsheetState, sheet: SheetState, *, whole_only: bool = False) -> None:
    """Deleting a sheet needs edit rights over all of its protections; renaming or hiding it, over a
    whole-sheet protection (``whole_only``)."""
    for pr in blockers(req, ss, sheet):
        if not whole_only or is_sheet_protection(pr):
            raise _protected_error()


def check_can_change_protection(req: Request, ss: SpreadsheetState, pr: dict) -> None:
    """Only the owner and a protected range's editors may change or remove it."""
    if not is_editor_of(req, ss, pr) and not pr.get("warningOnly"):
        raise ApiError(403, "The caller does not have permission to edit this protected range; only its editors "
                            "and the spreadsheet owner may change or remove it.", status="PERMISSION_DENIED")
