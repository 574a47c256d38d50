"""The batchUpdate request kinds the emulator implements: Google's kind name -> its function.

Listed here explicitly (not registered as modules are imported). Each function takes
``(request, spreadsheet_state, body)`` and returns the reply dict (``{"addSheet": {...}}``) or
None for an empty reply. A kind Google has but this table lacks is refused with a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import dimension_groups, metadata, protected_ranges, range_features, sheets_cells, structure

REQUEST_KINDS: dict[str, Callable[..., Any]] = {
    # structure.py
    "addSheet": structure.add_sheet,
    "deleteSheet": structure.delete_sheet,
    "duplicateSheet": structure.duplicate_sheet,
    "updateSheetProperties": structure.update_sheet_properties,
    "updateSpreadsheetProperties": structure.update_spreadsheet_properties,
    "insertDimension": structure.insert_dimension,
    "appendDimension": structure.append_dimension,
    "deleteDimension": structure.delete_dimension,
    "moveDimension": structure.move_dimension,
    "updateDimensionProperties": structure.update_dimension_properties,
    "autoResizeDimensions": structure.auto_resize_dimensions,
    # range_features.py
    "mergeCells": range_features.merge_cells,
    "unmergeCells": range_features.unmerge_cells,
    "setDataValidation": range_features.set_data_validation,
    "addConditionalFormatRule": range_features.add_conditional_format_rule,
    "updateConditionalFormatRule": range_features.update_conditional_format_rule,
    "deleteConditionalFormatRule": range_features.delete_conditional_format_rule,
    "addNamedRange": range_features.add_named_range,
    "updateNamedRange": range_features.update_named_range,
    "deleteNamedRange": range_features.delete_named_range,
    "setBasicFilter": range_features.set_basic_filter,
    "clearBasicFilter": range_features.clear_basic_filter,
    # protected_ranges.py
    "addProtectedRange": protected_ranges.add_protected_range,
    "updateProtectedRange": protected_ranges.update_protected_range,
    "deleteProtectedRange": protected_ranges.delete_protected_range,
    # metadata.py
    "createDeveloperMetadata": metadata.create_developer_metadata,
    "updateDeveloperMetadata": metadata.update_developer_metadata,
    "deleteDeveloperMetadata": metadata.delete_developer_metadata,
    # sheets_cells.py
    "updateCells": sheets_cells.update_cells,
    "repeatCell": sheets_cells.repeat_cell,
    "appendCells": sheets_cells.append_cells,
    "updateBorders": sheets_cells.update_borders,
    "findReplace": sheets_cells.find_replace,
    "copyPaste": sheets_cells.copy_paste,
    "cutPaste": sheets_cells.cut_paste,
    "sortRange": sheets_cells.sort_range,
    # dimension_groups.py
    "addDimensionGroup": dimension_groups.add_dimension_group,
    "deleteDimensionGroup": dimension_groups.delete_dimension_group,
    "updateDimensionGroup": dimension_groups.update_dimension_group,
}
