"""``gsheets-emulator serve``: the emulator's API over HTTP until Ctrl-C (or SIGTERM).

argparse, not a CLI framework, so the package needs nothing beyond what the emulator itself uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .core import Emulator
from .server import EmulatorServer, serve_until_stopped


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gsheets-emulator",
                                description="An offline Google Sheets v4 + Drive v3 API for gspread.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the API on a loopback port until Ctrl-C (or SIGTERM)",
                       description="Serve the emulator over HTTP; state is saved on the way out. gspread: "
                                   "gsheets_emulator.loopback_client(URL, user=EMAIL) — the e-mail is the bearer "
                                   "token.")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (keep it on loopback: there is no real auth; default %(default)s)")
    s.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one (default %(default)s)")
    s.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="directory to keep the state in across restarts (default: in memory)")
    s.add_argument("--quota", action=argparse.BooleanOptionalAction, default=False,
                   help="enforce Google's per-minute read/write quotas (default: off)")
    s.add_argument("--drive-lag", type=float, default=0.0, metavar="SECONDS",
                   help="publish a spreadsheet's Drive modifiedTime/version this many seconds after its first "
                        "change, as Google does (about 180); 0: at once")
    s.add_argument("--verbose", "-v", action="store_true", help="log every request")
    return p


def _fail(message: str, hint: str) -> int:
    print(f"gsheets-emulator: {message}\n  {hint}", file=sys.stderr)
    return 1


def serve(args: argparse.Namespace) -> int:
    """Open the emulator, serve it until interrupted, save its state; 1 with a reason if it cannot start."""
    if not 0 <= args.port <= 65535:
        return _fail(f"--port {args.port} is not a TCP port number (0 to 65535)", "give a port such as 8765, or 0")
    if args.drive_lag < 0:
        return _fail(f"--drive-lag {args.drive_lag:g} is negative", "give seconds, 0 or more")
    data: Path | None = args.data
    if data is not None and data.exists() and not data.is_dir():
        return _fail(f"--data {data} is a file, not a folder", "give a folder (it is created if missing)")
    try:
        emu = Emulator(str(data) if data else None, quota=args.quota, drive_lag=args.drive_lag)
    except (RuntimeError, OSError) as e:
        return _fail(f"cannot open the emulator data in {data}: {e}", "check the path, or give another --data")
    try:
        server = EmulatorServer(emu, args.host, args.port, verbose=args.verbose)
    except (OSError, OverflowError) as e:
        return _fail(f"cannot listen on {args.host}:{args.port}: {getattr(e, 'strerror', None) or e}",
                     "pick another --port (0 picks a free one) or stop whatever is using it")
    where = f"persisting to {data}" if data else "in memory (use --data DIR to keep state)"
    if args.drive_lag:
        where += f"; Drive modifiedTime/version lag {args.drive_lag:g} s"
    print(f"gsheets-emulator serving on {server.url} — {where}", flush=True)
    print(f"gspread: gsheets_emulator.loopback_client('{server.url}', user='you@example.com')", flush=True)
    serve_until_stopped(server, emu)
    print("emulator stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return serve(args)  # "serve" is the only command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
