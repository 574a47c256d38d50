#!/usr/bin/env python3
"""Screenshots of the demo agency's sheets, as `sheetsync view` draws them, for docs/img/.

    .venv/bin/python scripts/screenshots.py [--out docs/img] [--work DIR] [--client SLUG]

Seeds the demo agency (`sheetsync demo`, a few cycles), plans the current period so the plan-schedule
and the metrics have this period's values, then opens the view in headless Chromium (Debian's
/usr/bin/chromium, or $SHEETSYNC_CHROMIUM) and saves one PNG per sheet: card, backlog, in-work,
plan-schedule (the Gantt), metrics, and the turnover tab of the agency's invoice plan. Prints a
table of what it saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = [("card", 0), ("backlog", 1), ("in-work", 2), ("plan-schedule", 3), ("metrics", 4)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--work", type=Path, default=None, help="where the demo agency is seeded (default: a temp dir)")
    ap.add_argument("--client", default=None, help="the client to show (default: the first one)")
    ap.add_argument("--cycles", type=int, default=3)
    args = ap.parse_args()
    chromium = Path(os.environ.get("SHEETSYNC_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        print(f"error: {chromium} is missing — what to do: apt-get install chromium (or set SHEETSYNC_CHROMIUM)",
              file=sys.stderr)
        return 1
    from io import StringIO

    from gsheets_emulator import EmulatorServer
    from rich.console import Console

    from sheetsync.app import App
    from sheetsync.demo import run_demo
    from sheetsync.sheets.client import DEFAULT_EMULATOR_USER
    from sheetsync.view import ViewApp

    work = args.work or Path(tempfile.mkdtemp(prefix="sheetsync-shots-")) / "demo"
    print(f"seeding the demo agency in {work} …")
    result = run_demo(work, cycles=args.cycles, interval=1.0, console=Console(file=StringIO(), width=200))
    app = App.from_config(result.config_path)
    try:
        app.plan()  # the plan-schedule's bars and this period's metrics
        app.invoices.refresh()
        emu = app.emulator
        assert emu is not None, "the demo runs on the embedded emulator"
        emu.drive_lag = 0.0
        clients = app.store.clients.list()
        client = next((c for c in clients if c.slug == args.client), clients[0])
        turnover = app.invoices.spreadsheet_id(create=False)
        args.out.mkdir(parents=True, exist_ok=True)
        saved: list[tuple[str, str, str]] = []
        with EmulatorServer(emu, port=0, view=ViewApp(emu, operator=DEFAULT_EMULATOR_USER)) as server:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1440, "height": 820}, locale="ru-RU")

                def shoot(name: str, sid: str, index: int) -> None:
                    page.goto(f"{server.url}/view/s/{sid}?as={DEFAULT_EMULATOR_USER}")
                    tabs = page.locator("nav.tabs a")
                    index = min(index, tabs.count() - 1)
                    title = tabs.nth(index).inner_text()
                    tabs.nth(index).click()
                    page.wait_for_selector(f'table.grid[data-title="{title}"]')
                    path = args.out / f"{name}.png"
                    page.screenshot(path=str(path))
                    saved.append((name, title, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)))

                for name, index in SHOTS:
                    shoot(name, client.spreadsheet_id, index)
                page.goto(f"{server.url}/view/s/{turnover}?as={DEFAULT_EMULATOR_USER}")
                shoot("turnover", turnover, page.locator("nav.tabs a").count() - 1)  # the newest month's tab
                browser.close()
    finally:
        app.close()
    width = max(len(s[1]) for s in saved)
    print(f"{'sheet':<14} {'tab':<{width}} file")
    for name, title, path in saved:
        print(f"{name:<14} {title:<{width}} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
