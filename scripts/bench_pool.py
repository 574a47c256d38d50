"""How many clients a pool of service accounts keeps in sync inside Google's per-user quota (issue 16).

    .venv/bin/python scripts/bench_pool.py --quota-fit --accounts 1,2                 # full: 60/min/user
    .venv/bin/python scripts/bench_pool.py --quota-fit --accounts 1,2 --quick         # ~30 s: 4/min/user
    .venv/bin/python scripts/bench_pool.py --quota-fit --accounts 1,2 --sizes 1200,1300 --minutes 10

``--sizes`` are clients *per account* (k accounts try k x each size), ascending until one fails; the
table goes to the terminal and to results/<UTC stamp>-pool-fit.md. What is run: sheetsync/bench/pool.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sheetsync.bench.pool import LIMIT, pool_fit, table

QUICK_LIMIT = 4  # the quick run scales Google's 60 a minute down 15 times, and the agency with it


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quota-fit", action="store_true", required=True,
                    help="find how many clients fit inside the per-user quota for each pool size")
    ap.add_argument("--accounts", default="1,2", help="pool sizes to try, e.g. 1,2 (default: %(default)s)")
    ap.add_argument("--sizes", default=None,
                    help="clients per account to try, ascending (default: 1000,1200,1300; --quick: 50,75,100)")
    ap.add_argument("--minutes", type=int, default=10, help="minutes of edits per run (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=None,
                    help=f"Sheets requests per minute per user (default: Google's {LIMIT}; --quick: {QUICK_LIMIT})")
    ap.add_argument("--quick", action="store_true", help="a scaled-down run (quota and agency / 15), about 30 s")
    args = ap.parse_args(argv)
    try:
        accounts = [int(x) for x in args.accounts.split(",") if x.strip()]
        per = [int(x) for x in (args.sizes or ("50,75,100" if args.quick else "1000,1200,1300")).split(",")
               if x.strip()]
    except ValueError:
        print("error: --accounts and --sizes take whole numbers separated by commas, e.g. --accounts 1,2",
              file=sys.stderr)
        return 2
    if not accounts or min(accounts) < 1 or not per or min(per) < 1:
        print("error: --accounts and --sizes need numbers >= 1", file=sys.stderr)
        return 2
    limit = args.limit or (QUICK_LIMIT if args.quick else LIMIT)
    results = {}
    for k in accounts:
        results.update(pool_fit([k], [k * n for n in per], args.minutes, limit=limit,
                                progress=lambda m: print(m, file=sys.stderr, flush=True)))
    text = table(results)
    print(text)
    out = Path("results") / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-pool-fit{'-quick' if args.quick else ''}.md"
    out.parent.mkdir(exist_ok=True)
    command = "scripts/bench_pool.py " + " ".join(sys.argv[1:] if argv is None else argv)
    out.write_text(f"`{command}`\n\n{text}\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
