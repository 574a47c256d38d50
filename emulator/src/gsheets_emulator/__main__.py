"""``python -m gsheets_emulator serve`` — the same as the ``gsheets-emulator`` console script."""

import sys

from .cli import main

sys.exit(main())
