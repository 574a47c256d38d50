"""The emulator's old import path, kept only so emulator data saved before it became the
``gsheets_emulator`` distribution still loads: the saved state is pickled, and a pickle names each class
by its module (``sheetsync.emulator.model.FileState``). Nothing imports this module; pickle does, by
name. Code uses ``gsheets_emulator``. The next save writes the new name, so this can go once no such
data is left (or once the emulator reads only its versioned JSON format)."""

from __future__ import annotations

import sys

from gsheets_emulator import model

sys.modules[__name__ + ".model"] = model
