"""`sheetsync doctor`: check credentials, scopes, quota settings and access to every client spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer
from rich.table import Table

from sheetsync.sheets import SheetsError, connect
from sheetsync.sheets.checks import FAIL, OK, SKIP, WARN, Check, diagnose
from sheetsync.sheets.client import Backend, backend_from_config
from sheetsync.sheets.deepcheck import deep_check

from ._app import CONFIG_HELP, app, console, fail
from ._store import load

# the store (SQLAlchemy) is imported inside the check that opens it: every command module is imported at start-up

_STYLE = {OK: "[green]ok[/]", WARN: "[yellow]warn[/]", FAIL: "[bold red]FAIL[/]", SKIP: "[dim]skip[/]"}


def render(checks: Iterable[Check]) -> Table:
    table = Table(title="sheetsync doctor", show_lines=False)
    table.add_column("check")
    table.add_column("", justify="center")
    table.add_column("found")
    table.add_column("what to do")
    for c in checks:
        table.add_row(c.name, _STYLE.get(c.status, c.status), c.detail, c.fix)
    return table


def spreadsheets_of(config) -> list[tuple[str, str | None]]:
    """(slug, spreadsheet id) for every active client: ids from the store when it exists, else None."""
    ids: dict[str, str | None] = {c.slug: None for c in config.clients if c.active}
    url = config.store_url
    exists = not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file()
    if exists:
        from sheetsync.store import Store

        store = Store.open(url, migrate_schema=False)
        try:
            for c in store.clients.list():
                ids[c.slug] = c.spreadsheet_id
        finally:
            store.close()
    return sorted(ids.items())


def run(backend: Backend, spreadsheets: Iterable[tuple[str, str | None]], *,
        interval_seconds: float | None = None) -> int:
    """Print the doctor table for ``backend`` and return the exit code (1 if anything failed)."""
    checks = diagnose(backend, spreadsheets, interval_seconds=interval_seconds)
    console.print(render(checks))
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    if failed:
        console.print(f"[bold red]{failed} problem(s) to fix[/] (see “what to do”).")
    elif warned:
        console.print(f"[yellow]all good, {warned} warning(s)[/]")
    else:
        console.print("[green]all good[/]")
    return 1 if failed else 0


@app.command()
def doctor(
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    spreadsheet: list[str] = typer.Option(
        [], "--spreadsheet", "-s", help="Also check SLUG=SPREADSHEET_ID (repeatable)."),
    credentials: Path = typer.Option(None, "--credentials", help="Check this credentials file (Google backend)."),
    deep: bool = typer.Option(
        False, "--deep", help="Also run the sync's own request kinds against a scratch spreadsheet in the configured "
                              "drive/folder (deleted afterwards) and report every answer whose shape differs from "
                              "the emulator's. Google backend; about a dozen requests."),
    share_with: str = typer.Option(
        None, "--share-with", help="--deep: the address the scratch spreadsheet is shared with (no email is sent; "
                                   "default: the first client manager in the config; none: that step is skipped)."),
    emulator_url: str = typer.Option(None, "--emulator-url", hidden=True,
                                     help="--deep against a served emulator standing in for Google (for tests)."),
) -> None:
    """Check credentials, which Google set-up is in place, quotas and access to every client spreadsheet; say what to fix.

    The set-ups: shared drive + service account, OAuth user credentials, domain-wide delegation
    (backend.subject), Application Default Credentials, or the embedded emulator (docs/google-setup.md).
    --deep also runs sheetsync's request kinds on a scratch spreadsheet and compares Google's answers
    with the emulator's.
    """
    cfg = load(config)
    backend = backend_from_config(cfg)
    if credentials is not None:
        backend = Backend(kind="google", credentials_file=str(credentials), retry=backend.retry)
    pairs = dict(spreadsheets_of(cfg))
    for item in spreadsheet:
        slug, sep, sid = item.partition("=")
        if not sep or not slug or not sid:
            fail(f"--spreadsheet {item!r} is not SLUG=SPREADSHEET_ID", "write it like --spreadsheet acme=1AbC...")
        pairs[slug] = sid
    interval = _interval_seconds(cfg.schedule.sync)
    code = run(backend, sorted(pairs.items()), interval_seconds=interval)
    if cfg.backend.accounts:
        code = max(code, run_accounts(cfg))
    if deep:
        target = backend
        if emulator_url:
            target = Backend(kind="emulator", url=emulator_url, user=backend.user, retry=backend.retry,
                             shared_drive_id=backend.shared_drive_id, folder_id=backend.folder_id)
        elif backend.kind != "google":
            fail("--deep compares Google's answers with the emulator's; this config uses the emulator",
                 "set `backend.type = \"google\"` (see docs/google-setup.md), then run `sheetsync doctor --deep`")
        if share_with is None:
            share_with = next((c.manager_email for c in cfg.clients if c.manager_email), None)
        code = max(code, run_deep(target, share_with=share_with))
    raise typer.Exit(code)


def account_load_of(config) -> dict[str, int] | str:
    """Active clients per account name from the store; a sentence instead when the store cannot say."""
    from sheetsync.config import DEFAULT_ACCOUNT

    url = config.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return "no store yet"
    from sheetsync.store import Store

    try:
        store = Store.open(url, migrate_schema=False)
        try:
            load = store.clients.account_load()
        finally:
            store.close()
    except Exception as e:  # noqa: BLE001 - an old schema or an unreachable server: said, not raised
        return f"store not readable ({type(e).__name__}; `sheetsync db upgrade`?)"
    return {(name or DEFAULT_ACCOUNT): n for name, n in load.items()}


def account_checks(config) -> list[tuple[str, str]]:
    """One (status, line) per account of the pool: its credentials, a Drive call, its clients."""
    from sheetsync.sheets.batch import ALL_DRIVES, DRIVE_FILES
    from sheetsync.sheets.client import credentials_source, inspect_credentials

    load = account_load_of(config)
    out: list[tuple[str, str]] = []
    for name in config.backend.account_names:
        backend = backend_from_config(config, account=name)
        where = "backend.credentials" if name == "default" else f"backend.accounts ({name}).credentials"
        clients = (f"{load.get(name, 0)} clients assigned" if isinstance(load, dict) else f"clients: {load}")
        if backend.kind == "google":
            path, source = credentials_source(backend.credentials_file)
            if path is None:
                creds = "credentials: application default"
            else:
                try:
                    info = inspect_credentials(path, where if source != "GOOGLE_APPLICATION_CREDENTIALS" else source)
                except SheetsError as e:
                    out.append((FAIL, f"account {name}: credentials {e.message}; {clients}"))
                    continue
                creds = f"credentials found and valid ({info.type})"
        else:
            creds = "emulator user"
        try:
            client = connect(backend)
            client.request("GET", DRIVE_FILES, params={"pageSize": 1, "fields": "files(id)", **ALL_DRIVES},
                           what=f"a Drive listing as account {name}")
        except SheetsError as e:
            out.append((FAIL, f"account {name}: {creds}; cannot reach Drive: {e.message}; {clients}"))
            continue
        out.append((OK, f"account {name} ({client.identity}): {creds}; Drive reachable; {clients}"))
    return out


def run_accounts(config) -> int:
    """Print one line per account of the pool; 1 when any cannot work."""
    failed = 0
    for status, line in account_checks(config):
        failed += status == FAIL
        console.print(f"{_STYLE.get(status, status)} ", end="")
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if failed:
        console.print(f"[bold red]{failed} account(s) cannot sync[/]: fix their credentials or access "
                      "(docs/google-setup.md \"Several service accounts\")")
    return 1 if failed else 0


def render_deep(report) -> Table:
    table = Table(title="sheetsync doctor --deep: answers whose shape differs (Google vs the emulator)")
    table.add_column("request")
    table.add_column("where in the answer")
    table.add_column("Google")
    table.add_column("emulator")
    for d in report.differences:
        table.add_row(d.step, d.path, d.google, d.emulator)
    return table


def run_deep(backend: Backend, *, share_with: str | None = None) -> int:
    """Run the deep check against ``backend`` and print the differences; 1 when there are any."""
    try:
        client = connect(backend)
    except SheetsError as e:
        fail(e.message, e.hint)
    report = deep_check(client, backend, share_with=share_with)
    for note in report.notes:
        console.print(f"[dim]{note}[/]")
    if not report.scratch_removed:
        console.print("[bold red]the scratch spreadsheet could not be deleted[/] (see the note above)")
    if report.differences:
        console.print(render_deep(report))
        console.print(f"[bold red]{len(report.differences)} difference(s)[/] in {len(report.steps)} request kinds: "
                      "Google answers differently from what sheetsync was built and tested against; "
                      "report them (with this table) before syncing for real.")
        return 1
    console.print(f"[green]deep check: {len(report.steps)} request kinds, every answer has the emulator's shape[/]")
    return 0 if report.scratch_removed else 1


def _interval_seconds(spec: str) -> float | None:
    parts = spec.split()
    if parts[0] != "every":
        return None
    text = "".join(parts[1:])
    unit = {"s": 1, "m": 60, "h": 3600}[text[-1]]
    return float(text[:-1]) * unit
