"""The emulator's state, kept in Google's own JSON shapes.

Every piece of state is the dict Google documents (SheetProperties, CellData, GridRange,
ProtectedRange, Permission, ...), so request handlers read like the API reference and
``spreadsheets.get`` is mostly a projection. Only the grid is ours: a dense list of rows
of CellData dicts (``None`` for a never-touched cell), so inserting and deleting rows is a
list operation and row/column metadata can travel with its row.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Cell = dict[str, Any]  # a CellData dict: userEnteredValue, effectiveValue, userEnteredFormat, note, ...

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELLS = 10_000_000  # Google's per-spreadsheet cell limit


def rfc3339(ts: float) -> str:
    """A timestamp as Drive writes ``createdTime``/``modifiedTime`` (millisecond precision, UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


@dataclass
class SheetState:
    """One tab. ``properties`` is a SheetProperties dict (sheetId, title, index, gridProperties...)."""

    properties: dict[str, Any]
    # rows[r][c] -> CellData or None; shorter than gridProperties.rowCount/columnCount is fine.
    rows: list[list[Cell | None]] = field(default_factory=list)
    # One DimensionProperties dict per row / column (pixelSize, hiddenByUser, developerMetadata);
    # always exactly rowCount / columnCount long so metadata moves with its dimension.
    row_meta: list[dict[str, Any]] = field(default_factory=list)
    col_meta: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)  # sheet-located
    # DimensionGroup dicts (rowGroups / columnGroups); see dimension_groups.py
    row_groups: list[dict[str, Any]] = field(default_factory=list)
    col_groups: list[dict[str, Any]] = field(default_factory=list)

    # --- geometry -------------------------------------------------------------------------
    @property
    def sheet_id(self) -> int:
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def grid(self) -> dict[str, Any]:
        return self.properties.setdefault("gridProperties", {})

    @property
    def row_count(self) -> int:
        return self.grid.get("rowCount", 0)

    @property
    def col_count(self) -> int:
        return self.grid.get("columnCount", 0)

    def set_size(self, rows: int, cols: int) -> None:
        """Resize the grid, keeping row/column metadata lists in step."""
        self.grid["rowCount"] = rows
        self.grid["columnCount"] = cols
        del self.row_meta[rows:]
        del self.col_meta[cols:]
        self.row_meta.extend({} for _ in range(rows - len(self.row_meta)))
        self.col_meta.extend({} for _ in range(cols - len(self.col_meta)))
        del self.rows[rows:]
        for row in self.rows:
            del row[cols:]

    # --- cells ----------------------------------------------------------------------------
    def get_cell(self, r: int, c: int) -> Cell | None:
        if r < len(self.rows):
            row = self.rows[r]
            if c < len(row):
                return row[c]
        return None

    def cell_for_write(self, r: int, c: int) -> Cell:
        """The CellData dict at (r, c), created if missing. Caller checks grid bounds."""
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        cell = row[c]
        if cell is None:
            cell = row[c] = {}
        return cell

    def set_cell(self, r: int, c: int, cell: Cell | None) -> None:
        if cell is None or not cell:
            if r < len(self.rows) and c < len(self.rows[r]):
                self.rows[r][c] = None
            return
        self.cell_for_write(r, c)
        self.rows[r][c] = cell

    def used_extent(self) -> tuple[int, int]:
        """(rows, cols) up to the last cell holding a value — what values reads trim to."""
        last_r = last_c = 0
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row):
                if cell and "userEnteredValue" in cell:
                    if r + 1 > last_r:
                        last_r = r + 1
                    if c + 1 > last_c:
                        last_c = c + 1
        return last_r, last_c


@dataclass
class SpreadsheetState:
    """A Spreadsheet resource minus ``sheets[].data``, which lives in ``SheetState.rows``."""

    spreadsheet_id: str
    properties: dict[str, Any]  # SpreadsheetProperties: title, locale, timeZone, autoRecalc, ...
    sheets: list[SheetState] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)  # spreadsheet-located
    next_id: int = 1  # for sheetIds, protectedRangeIds, metadataIds chosen by the server

    def sheet_by_id(self, sheet_id: int) -> SheetState | None:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        return None

    def sheet_by_title(self, title: str) -> SheetState | None:
        for s in self.sheets:
            if s.title == title:
                return s
        return None

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.properties["index"] = i


@dataclass
class FileState:
    """A Drive v3 File resource (the fields we keep) plus its spreadsheet content."""

    id: str
    name: str
    mime_type: str
    owner: str
    created_time: str
    modified_time: str
    version: int = 1
    parents: list[str] = field(default_factory=list)
    trashed: bool = False
    description: str | None = None
    permissions: list[dict[str, Any]] = field(default_factory=list)  # Permission resources
    spreadsheet: SpreadsheetState | None = None
    app_properties: dict[str, str] = field(default_factory=dict)
    drive_id: str | None = None  # the shared drive holding the file (Drive's ``driveId``); None: a My Drive file
    writers_can_share: bool = True  # Drive's writersCanShare: off, only the owner changes permissions
    # Drive lag (Emulator(drive_lag=...)): while a refresh is pending, Drive still shows ``shown`` —
    # the (modifiedTime, version) of its last refresh — until ``refresh_at`` (emulator clock).
    shown: tuple[str, int] | None = None
    refresh_at: float | None = None

    @property
    def drive_modified_time(self) -> str:
        """``modifiedTime`` as Drive's files.list/files.get publish it (lags the content under Drive lag)."""
        return self.shown[0] if self.shown is not None else self.modified_time

    @property
    def drive_version(self) -> int:
        """``version`` as Drive publishes it (lags with ``modifiedTime``)."""
        return self.shown[1] if self.shown is not None else self.version

    def clone(self) -> FileState:
        """A deep copy, for files.copy and all-or-nothing batches.

        A pickle round trip in memory copies the JSON-shaped state several times faster than
        ``copy.deepcopy``. This is not persistence: nothing pickled leaves the process (persist.py
        stores JSON documents).
        """
        return pickle.loads(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass
class DriveState:
    """A shared drive (Drive v3 ``Drive`` resource): its members are Permission dicts whose role is one of
    organizer, fileOrganizer, writer, commenter, reader, and each grants that role on every file in it."""

    id: str
    name: str
    created_time: str
    creator: str
    permissions: list[dict[str, Any]] = field(default_factory=list)
    request_id: str = ""
    version: int = 1
    color_rgb: str = "#4986e7"
