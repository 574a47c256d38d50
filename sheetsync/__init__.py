"""sheetsync: an agency task store kept in two-way sync with one Google spreadsheet per client.

    from sheetsync import App
    app = App.from_config("sheetsync.toml")   # or a dict, or None: embedded emulator + SQLite
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["App"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .app import App


def __getattr__(name: str) -> Any:
    # lazy, so importing a submodule (sheetsync.cli, sheetsync.view) does not pull in the store, pandas and the rest
    if name == "App":
        from .app import App

        return App
    raise AttributeError(name)
