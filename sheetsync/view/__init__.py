"""`sheetsync view`: the embedded emulator's spreadsheets in a browser, as a chosen person.

Everything shown or edited goes through the emulator's own REST API as that person (``api``), so
Drive permissions, protected ranges and validation are the real ones. The modules, one reason each:

* ``api``      — Google calls made as one person (the only door into the emulator);
* ``people``   — whom the page can act as;
* ``rules``    — conditional-format conditions evaluated the way Sheets does;
* ``grid``     — one tab's grid data turned into cells ready to draw;
* ``pages``    — the HTML (server-side rendered, a little JS for edits and live updates);
* ``app``      — the routes: which page for which request, who may edit from where.
"""

from .app import ViewApp  # noqa: E402

__all__ = ["ViewApp"]
