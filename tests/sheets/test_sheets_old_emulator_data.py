"""Emulator data saved while the emulator was ``sheetsync.emulator`` (pickles naming
``sheetsync.emulator.model``) still opens now that it is the gsheets_emulator distribution (sheetsync/emulator.py).
End to end, with the real old code writing the data: tests/sync/test_sync_labels_old_code.py."""

from __future__ import annotations

import pickle

from gsheets_emulator.model import FileState


def _as_old_name(obj: object) -> bytes:
    """``obj`` pickled as the code before the move wrote it (protocol 0 spells module names out)."""
    return pickle.dumps(obj, protocol=0).replace(b"gsheets_emulator.model", b"sheetsync.emulator.model")


def test_a_pickle_naming_the_old_module_loads_as_the_new_class(emu):
    sid = emu.gspread_client("o@x.test").create("Old").id
    old = _as_old_name(emu.files[sid])
    assert b"sheetsync.emulator.model" in old and b"gsheets_emulator" not in old
    loaded = pickle.loads(old)
    assert type(loaded) is FileState and loaded.name == "Old"

