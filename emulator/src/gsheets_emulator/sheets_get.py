"""spreadsheets.create and spreadsheets.get."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fields as fieldmask
from .construct import start_spreadsheet_file
from .errors import ApiError, unsupported
from .render import render_spreadsheet, spreadsheet_response
from .rest import check_params, strict_bool_param
from .sheets_batch import apply_requests

if TYPE_CHECKING:
    from .core import Emulator
    from .model import FileState
    from .rest import Request


def create_spreadsheet(emulator: Emulator, owner: str, body: dict[str, Any]) -> FileState:
    """A new spreadsheet file owned by ``owner`` from a Spreadsheet body (what spreadsheets.create takes).

    Drive's files.create calls this with ``{"properties": {"title": name}}``. The file is added to
    ``emulator.files``; the body's sheet parts are replayed as batchUpdate requests, all or nothing.
    """
    f, followups = start_spreadsheet_file(emulator, owner, body)
    file_id = f.id
    if followups:
        try:
            apply_requests(emulator, owner, f, followups)
        except ApiError as e:
            del emulator.files[file_id]
            if e.message.startswith("Invalid requests["):  # name the spreadsheet part, not our replay
                e.message = "Invalid spreadsheet: " + e.message.split(": ", 1)[-1]
                e.args = (e.message,)
            raise
        except BaseException:
            del emulator.files[file_id]
            raise
    return f


def create(req: Request) -> dict[str, Any]:
    check_params(req, set())
    tree = None
    mask = req.param("fields")
    if mask:  # a bad mask is refused before anything is created
        tree = fieldmask.parse(mask)
        fieldmask.check_known(tree, "Spreadsheet")
    body = fieldmask.drop_nulls(req.json())
    fieldmask.check_body(body, "Spreadsheet", "spreadsheet")
    if req.emulator.is_service_account(req.user):  # it lands in the caller's My Drive: none for a service account
        raise ApiError(403, "The user's Drive storage quota has been exceeded.")
    f = create_spreadsheet(req.emulator, req.user, body)
    req.changed = True
    out = render_spreadsheet(req.emulator, f, req.user)
    return fieldmask.project(out, tree) if tree is not None else out


def get(req: Request, spreadsheet_id: str) -> dict[str, Any]:
    check_params(req, {"ranges", "includeGridData", "excludeTablesInBandedRanges", "commentsViewMode"})
    if req.param("commentsViewMode") not in (None, "", "COMMENTS_VIEW_MODE_UNSPECIFIED"):
        raise unsupported("commentsViewMode: comments are not modelled; omit the parameter.")
    strict_bool_param(req, "excludeTablesInBandedRanges")  # no tables exist here, so it changes nothing
    include = strict_bool_param(req, "includeGridData")
    return spreadsheet_response(req, spreadsheet_id, req.params("ranges"), include, req.param("fields"))
