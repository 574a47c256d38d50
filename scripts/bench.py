"""Benchmarks on the embedded emulator: API calls, cells, bytes, CPU and memory per job, against the naive way.

    .venv/bin/python scripts/bench.py            # full: 10 / 100 / 1,000 clients, up to 10,000 rows
    .venv/bin/python scripts/bench.py --quick    # under two minutes (CI runs it via tests/bench)

Tables go to the terminal and to results/<UTC stamp>-<git sha>-<mode>/results.{csv,md}.
What each job does and how to read the figures: docs/benchmarks.md.
"""

from __future__ import annotations

import sys

from sheetsync.bench.run import main

if __name__ == "__main__":
    sys.exit(main())
