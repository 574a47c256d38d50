"""Protected-range enforcement shared by every write path (values and batchUpdate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ApiError

if TYPE_CHECKING:
    from .core import Request
    from .model import FileState, SheetState, SpreadsheetState


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
        if pr.get("warningOnly"):
            continue
        editors = pr.get("editors", {})
        if req.user.lower() in (u.lower() for u in editors.get("users", [])):
            continue
        if req.user.lower() in (g.lower() for g in editors.get("groups", [])):
            continue
        rng = pr.get("range")
        if rng is not None:
            if not _overlaps(rng, sheet.sheet_id, r0, r1, c0, c1, sheet):
                continue
        else:  # a protected sheet: everything except its unprotected ranges
            if any(_covers(u, sheet.sheet_id, r0, r1, c0, c1, sheet) for u in pr.get("unprotectedRanges", [])):
                continue
        raise ApiError(400, "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
                            "to remove protection if you need to edit.", status="FAILED_PRECONDITION")


def _covers(gr: dict, sheet_id: int, r0: int, r1: int, c0: int, c1: int, sheet: SheetState) -> bool:
    if gr.get("sheetId", 0) != sheet_id:
        return False
    return (gr.get("startRowIndex", 0) <= r0 and r1 <= gr.get("endRowIndex", sheet.row_count)
            and gr.get("startColumnIndex", 0) <= c0 and c1 <= gr.get("endColumnIndex", sheet.col_count))
